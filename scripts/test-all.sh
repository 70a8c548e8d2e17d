#!/usr/bin/env bash
# Runs every test of the project: Rust (unit, property, differential against the system iconv,
# doctests), C and Python. Installs what it needs first. Usage: bash scripts/test-all.sh
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==> %s\n' "$*"; }

# Installs Debian packages for commands that are missing (as root, or through sudo).
apt_updated=
need() { # need COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  if command -v apt-get >/dev/null 2>&1; then
    [ -n "$apt_updated" ] || { $sudo apt-get update -qq && apt_updated=1; }
    $sudo apt-get install -y -qq "$2" >/dev/null
  fi
  command -v "$1" >/dev/null 2>&1 || { echo "$1 is required (Debian package $2)"; exit 1; }
}

section "toolchain and system packages"
command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 1; }
rustup component add rustfmt clippy >/dev/null 2>&1 || true
# The system iconv (glibc) is the oracle of the differential tests.
need iconv libc-bin

section "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

section "C ABI: tools its tests use (C compiler, AddressSanitizer, pkg-config, Python ctypes and cffi)"
# crates/convert-utf8-capi/tests skip what the machine lacks unless told it is required: here it is.
need cc gcc
need pkg-config pkg-config
python3 -c 'import cffi' 2>/dev/null || python3 -m pip install --quiet cffi
export CU8_REQUIRE_C_TOOLS=1 CU8_REQUIRE_PYTHON=1

section "Rust tests"
cargo test --workspace --locked

section "Python package: build it (maturin, release) into .venv and run pytest"
# A virtualenv inside the repository (gitignored) keeps the system Python untouched.
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "Python >= 3.11 is required for the Python package"; exit 1; }
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade 'maturin>=1.5,<2' pytest hypothesis
VIRTUAL_ENV="$PWD/.venv" .venv/bin/maturin develop --release --locked --quiet
# pytest exits 5 when it collects no test: that is a failure here, not a pass.
.venv/bin/python -m pytest -q tests/python || { rc=$?; [ "$rc" = 5 ] && echo "no Python tests were collected"; exit "$rc"; }
