#!/usr/bin/env bash
# Checks the package's Python story as far as it runs without Azure and without
# the Python language host (not obtainable here): generates the Python SDK from
# provider/schema.json with the Pulumi CLI's own Python code generator
# (tools/python-sdk/main.go, built from the pkg module of the CLI version in
# package-lock.json), installs it beside the `pulumi` package from PyPI, imports
# it, and type-checks examples/python/__main__.py against it with mypy; a
# misuse must fail the type check. Needs Go, Python 3.9+ with venv, and PyPI
# (first run only: the generator and the virtualenv are cached outside the
# checkout). Not part of CI. Exits non-zero on any failure.
#
#   bash tools/python-sdk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

fail() { echo "python sdk: $*" >&2; exit 1; }
command -v go >/dev/null 2>&1 || fail "Go is not installed (needed to build the SDK generator)"
command -v python3 >/dev/null 2>&1 || fail "python3 is not installed"

version=$(node -p 'require("./package-lock.json").packages["node_modules/@pulumi/pulumi"].version')
python_pulumi=3.272.0
mypy_version=2.4.1
cache="${XDG_CACHE_HOME:-$HOME/.cache}/batch-cert-rotation/python-sdk-pulumi-v${version}-py-${python_pulumi}-mypy-${mypy_version}"
mkdir -p "$cache"

if [ ! -x "$cache/sdkgen" ]; then
  echo "python sdk: building the generator from github.com/pulumi/pulumi/pkg/v3@v${version}" >&2
  (
    export GOFLAGS="-mod=mod" GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
    src="$cache/src"; rm -rf "$src"; mkdir -p "$src"; cp tools/python-sdk/main.go "$src/"; cd "$src"
    go mod init sdkgen >/dev/null 2>&1
    # The same replace the CLI's own go.mod carries (see test/engine/toolchain.sh).
    go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
    go get "github.com/pulumi/pulumi/pkg/v3@v${version}" >/dev/null || fail "go get pkg/v3@v${version} failed"
    go build -o "$cache/sdkgen" . || fail "building the generator failed"
  )
fi
if [ ! -x "$cache/venv/bin/python" ]; then
  echo "python sdk: creating a virtualenv with pulumi==${python_pulumi} and mypy==${mypy_version} from PyPI" >&2
  python3 -m venv "$cache/venv" || fail "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"
  "$cache/venv/bin/pip" install -q "pulumi==${python_pulumi}" "mypy==${mypy_version}" || fail "pip install failed"
fi

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$cache/sdkgen" provider/schema.json "$work/sdk"
"$cache/venv/bin/pip" install -q --no-deps --force-reinstall "$work/sdk" >/dev/null || fail "the generated SDK does not install"
"$cache/venv/bin/python" -c 'import pulumi_batch_cert_rotation as m; assert m.CertRotationPool and m.CertificateArgs and m.KeyVaultAuthorization.RBAC == "rbac"' \
  || fail "the generated SDK does not import"
echo "python sdk: generated from provider/schema.json, installed and imported with pulumi ${python_pulumi}"

# azure-native's Python SDK is large and not what is checked here: its imports are left untyped.
cat > "$work/mypy.ini" <<'INI'
[mypy]
[mypy-pulumi_azure_native.*]
ignore_missing_imports = True
follow_imports = skip
INI
"$cache/venv/bin/mypy" --config-file "$work/mypy.ini" --no-incremental examples/python/__main__.py \
  || fail "examples/python/__main__.py does not type-check against the generated SDK"
cat > "$work/misuse.py" <<'PY'
import pulumi_batch_cert_rotation as certs
certs.CertificateArgs(name="a", subject="CN=a", validity_in_months="twelve")
PY
misuse=$("$cache/venv/bin/mypy" --config-file "$work/mypy.ini" --no-incremental "$work/misuse.py" || true)
grep -q 'Argument "validity_in_months" to "CertificateArgs" has incompatible type "str"' <<<"$misuse" \
  || fail "a misuse type-checks (or fails for another reason): the generated SDK's types check nothing. mypy said: $misuse"
echo "python sdk: examples/python type-checks against it; a misuse does not"
