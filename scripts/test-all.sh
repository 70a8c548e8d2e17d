#!/usr/bin/env bash
# Runs every test of the project: Rust (unit, property, differential against the system iconv,
# doctests), C and Python. Installs what it needs first. Usage: bash scripts/test-all.sh
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==> %s\n' "$*"; }

section "toolchain and system packages"
command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 1; }
rustup component add rustfmt clippy >/dev/null 2>&1 || true
if ! command -v iconv >/dev/null; then
  echo "the system iconv (glibc) is required: it is the oracle of the differential tests"; exit 1
fi

section "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

section "C ABI: tools its tests use (C compiler, AddressSanitizer, pkg-config, Python ctypes and cffi)"
# crates/convert-utf8-capi/tests skip what the machine lacks unless told it is required: here it is.
command -v cc >/dev/null || { echo "a C compiler (cc) is required for the C ABI tests"; exit 1; }
command -v pkg-config >/dev/null || { echo "pkg-config is required for the C ABI tests"; exit 1; }
python3 -c 'import cffi' 2>/dev/null || python3 -m pip install --quiet cffi
export CU8_REQUIRE_C_TOOLS=1 CU8_REQUIRE_PYTHON=1

section "Rust tests"
cargo test --workspace --locked
