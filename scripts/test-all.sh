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
# The Python extension's stable-ABI variant (`maturin build --features abi3`) must keep building.
cargo clippy -p convert-utf8-python --features abi3 --locked -- -D warnings

section "C ABI: tools its tests use (C compiler, AddressSanitizer, pkg-config, Python ctypes and cffi)"
# crates/convert-utf8-capi/tests skip what the machine lacks unless told it is required: here it is.
need cc gcc
need pkg-config pkg-config
python3 -c 'import cffi' 2>/dev/null || python3 -m pip install --quiet cffi
export CU8_REQUIRE_C_TOOLS=1 CU8_REQUIRE_PYTHON=1

section "iconv(3) library: the unmodified programs its tests run preloaded"
# xmllint, php (with its XML extension), git, gettext's msgconv and Perl's Text::Iconv.
need xmllint libxml2-utils
need php php-cli
need git git
need msgconv gettext
# Packages that add no command of their own: installed when what they provide is missing.
need_package() { # need_package CHECK-COMMAND PACKAGE
  sh -c "$1" >/dev/null 2>&1 && return 0
  local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  [ -n "$apt_updated" ] || { $sudo apt-get update -qq && apt_updated=1; }
  $sudo apt-get install -y -qq "$2" >/dev/null
  sh -c "$1" >/dev/null 2>&1 || { echo "Debian package $2 is required"; exit 1; }
}
need_package "php -r 'exit(class_exists(\"DOMDocument\") ? 0 : 1);'" php-xml
need_package "perl -MText::Iconv -e 1" libtext-iconv-perl
export CU8_REQUIRE_PROGRAMS=1

section "Rust tests"
cargo test --workspace --locked

section "Python package: build it (maturin, release) into .venv and run pytest"
# A virtualenv inside the repository (gitignored) keeps the system Python untouched.
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "Python >= 3.11 is required for the Python package"; exit 1; }
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade 'maturin>=1.5,<2' pytest hypothesis
# The column libraries the Arrow face is tested with (docs/columns.md); the package itself needs
# none of them.
.venv/bin/python -m pip install --quiet 'pyarrow>=16' 'polars>=1.20' 'pandas>=2.2' 'duckdb>=1.1' \
  'dask[dataframe,distributed]>=2024.8' nanoarrow
VIRTUAL_ENV="$PWD/.venv" .venv/bin/maturin develop --release --locked --quiet
# pytest exits 5 when it collects no test: that is a failure here, not a pass.
.venv/bin/python -m pytest -q tests/python || { rc=$?; [ "$rc" = 5 ] && echo "no Python tests were collected"; exit "$rc"; }
# Spark and Ray run where they are installed (scripts/test-engines.sh installs them), and are
# skipped otherwise, saying so; with neither installed every module is skipped, and pytest says
# so with exit status 5.
.venv/bin/python -m pytest -q -rs tests/engines || { rc=$?; [ "$rc" = 5 ] || exit "$rc"; }

section "Reliability: fuzz targets on their seed corpora; ThreadSanitizer on the C threads test"
# fuzz/ is a cargo-fuzz workspace of its own (docs/reliability.md). cargo-fuzz needs nightly
# compiler flags, which RUSTC_BOOTSTRAP=1 enables on this stable toolchain. Here each target
# replays its committed seeds once (-runs=0), under AddressSanitizer: deterministic, so a test
# run never fails on what random exploration happens to find that day — exploring is
# scripts/fuzz.sh's job, and what it finds becomes a seed once fixed. Where cargo-fuzz cannot be
# installed or built, the targets' checks run over the same seeds as an ordinary test instead.
export RUSTC_BOOTSTRAP=1
if { command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet; } \
  && cargo fuzz build >/dev/null 2>&1; then
  for target_file in fuzz/fuzz_targets/*.rs; do
    target=$(basename "$target_file" .rs)
    printf 'fuzz target %s: replaying %s seeds\n' "$target" "$(ls "fuzz/corpus/$target" | wc -l)"
    cargo fuzz run "$target" "fuzz/corpus/$target" -- -runs=0 2>&1 | tail -n 1
    [ "${PIPESTATUS[0]}" = 0 ] || { echo "fuzz target $target failed on its seeds"; exit 1; }
  done
else
  echo "cargo-fuzz unavailable: running the fuzz targets' checks over the seed corpora instead"
  cargo test --manifest-path fuzz/Cargo.toml --locked --release --test corpus
fi
unset RUSTC_BOOTSTRAP
# The C threads test again, built with ThreadSanitizer (the C side is instrumented; the library
# is linked as built), ten runs.
cargo build -p convert-utf8-capi --locked --quiet
tsan_dir="${CARGO_TARGET_DIR:-target}/tsan"
mkdir -p "$tsan_dir"
cc -std=c11 -g -O1 -pthread -fsanitize=thread -I include -I crates/convert-utf8-capi/tests/c \
  crates/convert-utf8-capi/tests/c/test_threads.c "${CARGO_TARGET_DIR:-target}/debug/libconvert_utf8.a" \
  -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o "$tsan_dir/test_threads"
for _ in 1 2 3 4 5 6 7 8 9 10; do
  TSAN_OPTIONS=halt_on_error=1 "$tsan_dir/test_threads" >/dev/null
done
echo "test_threads: ThreadSanitizer clean in 10 runs"

section "Memory checkers: the engine's unit tests under AddressSanitizer, and under Miri where installed"
# scripts/sanitize.sh (docs/reliability.md, "Sanitizers and Miri"). ASan here runs the unit tests
# (the SIMD and unchecked-indexing code among them); `scripts/sanitize.sh asan` adds the
# integration tests. Miri needs a nightly toolchain with its component: installed here when
# missing; a machine that cannot fetch it says so and goes on.
CU8_ASAN_TESTS=--lib scripts/sanitize.sh asan
if ! cargo +nightly miri --version >/dev/null 2>&1; then
  timeout 600 rustup toolchain install nightly --profile minimal --component miri --component rust-src ||
    echo "could not install a nightly toolchain with Miri"
fi
if cargo +nightly miri --version >/dev/null 2>&1; then
  scripts/sanitize.sh miri
else
  echo "Miri not available (rustup toolchain install nightly --component miri rust-src): skipped"
fi
