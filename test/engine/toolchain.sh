#!/usr/bin/env bash
# Builds the Pulumi CLI, the Node.js language host and the YAML language host
# from Go modules, for the engine suite only (users install the Pulumi CLI the
# normal way, which brings both hosts). The CLI is pinned to the @pulumi/pulumi
# version in package-lock.json; the Node.js host is the last one published
# inside the sdk module (v3.68.0), which runs this project's program with the
# newer CLI; the YAML host (github.com/pulumi/pulumi-yaml) runs the YAML program
# that consumes the component as a Pulumi package. Every version is in the
# cache folder's name. Cached outside the checkout; prints the bin folder on its
# last line.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() { echo "engine toolchain: $*" >&2; exit 1; }
command -v go >/dev/null 2>&1 || fail "Go is not installed (needed to build the Pulumi CLI for the engine suite). Install Go 1.23 or later, e.g. 'apt-get install golang', and run again."

version=$(node -p 'require("./package-lock.json").packages["node_modules/@pulumi/pulumi"].version' 2>/dev/null) \
  || fail "cannot read the @pulumi/pulumi version from package-lock.json"
host_version=3.68.0
yaml_version=1.25.0
cache="${XDG_CACHE_HOME:-$HOME/.cache}/batch-cert-rotation/pulumi-v${version}-nodejs-v${host_version}-yaml-v${yaml_version}"
bin="$cache/bin"

if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ] && [ -x "$bin/pulumi-language-yaml" ] \
   && [ "$("$bin/pulumi" version 2>/dev/null)" = "v${version}" ]; then
  echo "$bin"; exit 0
fi

mkdir -p "$bin"
export GOFLAGS="-mod=mod" GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

# pkg/v3's go.mod has replace directives, so 'go install pkg@version' refuses
# it: build from a throw-away module that repeats the one replace it needs.
build_cli() {
  local dir="$cache/src-cli"
  rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
  go mod init toolchain-cli >/dev/null 2>&1
  go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
  go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v${version}" \
    || fail "go get github.com/pulumi/pulumi/pkg/v3@v${version} failed (is the Go module proxy reachable?)"
  # Unstamped, 'pulumi version' is empty and the Automation API refuses the CLI.
  go build -o "$bin/pulumi" \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${version}" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi || fail "building the Pulumi CLI v${version} failed"
}

build_host() {
  local dir="$cache/src-host"
  rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
  go mod init toolchain-host >/dev/null 2>&1
  go get "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs@v${host_version}" \
    || fail "go get github.com/pulumi/pulumi/sdk/v3@v${host_version} failed (is the Go module proxy reachable?)"
  go build -o "$bin/pulumi-language-nodejs" \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${host_version}" \
    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
    || fail "building pulumi-language-nodejs v${host_version} failed"
}

build_yaml_host() {
  local dir="$cache/src-yaml"
  rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
  go mod init toolchain-yaml >/dev/null 2>&1
  go get "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v${yaml_version}" \
    || fail "go get github.com/pulumi/pulumi-yaml@v${yaml_version} failed (is the Go module proxy reachable?)"
  go build -o "$bin/pulumi-language-yaml" \
    -ldflags "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=v${yaml_version}" \
    github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml \
    || fail "building pulumi-language-yaml v${yaml_version} failed"
}

echo "engine toolchain: building Pulumi CLI v${version}, language hosts nodejs v${host_version} and yaml v${yaml_version} into $bin (first build takes minutes)" >&2
( build_host ) >&2
( build_yaml_host ) >&2
( build_cli ) >&2
"$bin/pulumi" version >/dev/null || fail "the built CLI does not run"
echo "$bin"
