#!/usr/bin/env bash
# Memory checkers over the engine's own `unsafe` code (the SIMD loads and stores of
# charset/single_byte.rs, charset/multibyte.rs, charset/iso2022/fast.rs and
# charset/unicode/utf16_simd.rs, the unchecked indexing of charset/multibyte.rs and
# charset/ebcdic_dbcs.rs), in addition to the
# fuzz targets, which run under AddressSanitizer too (docs/reliability.md, "Sanitizers and Miri").
#
# Usage: scripts/sanitize.sh [asan] [miri] [MIRI_TEST_FILTER...]   (default: both)
#   asan  The engine's unit and integration tests (the differential ones against the system
#         iconv included) built with AddressSanitizer (and LeakSanitizer) by the stable
#         compiler: -Zsanitizer is a nightly flag, which RUSTC_BOOTSTRAP=1 enables.
#         CU8_ASAN_TESTS picks the test targets (default "--lib --tests"; "--lib" for the unit
#         tests alone, which is what scripts/test-all.sh runs).
#   miri  The unit tests of the modules with `unsafe` code (charset::single_byte,
#         charset::multibyte, charset::ebcdic_dbcs, charset::iso2022,
#         charset::unicode::utf16_simd) under Miri, which checks every access
#         against Rust's rules (bounds, initialisation, aliasing, validity), not only what
#         ASan's shadow memory sees. It needs a nightly toolchain with the miri component
#         (rustup toolchain install nightly --component miri rust-src). Tests that compare with
#         the system iconv (Miri cannot call foreign code) and the exhaustive every-charset
#         loop test (hours under Miri) are marked `#[cfg_attr(miri, ignore = ...)]`. Built
#         with AVX2 enabled, so that Miri's AVX2 support runs the AVX2 loop (the AVX-512 one it
#         cannot interpret; the portable one runs anyway) and the SSSE3 and AVX2 UTF-16 kernels.
#         Other modules' tests run too when named: scripts/sanitize.sh miri unicode::
set -euo pipefail
cd "$(dirname "$0")/.."

checks=()
miri_filters=()
for arg in "$@"; do
  case "$arg" in
    asan | miri) checks+=("$arg") ;;
    *) miri_filters+=("$arg") ;;
  esac
done
[ ${#checks[@]} -gt 0 ] || checks=(asan miri)
[ ${#miri_filters[@]} -gt 0 ] || miri_filters=(charset::single_byte:: charset::multibyte:: charset::ebcdic_dbcs:: charset::iso2022:: charset::unicode::utf16_simd::)
target_dir=${CARGO_TARGET_DIR:-target}
host=$(rustc -vV | sed -n 's/^host: //p')

for check in "${checks[@]}"; do
  case "$check" in
    asan)
      read -r -a asan_tests <<<"${CU8_ASAN_TESTS:---lib --tests}"
      printf '\n==> AddressSanitizer: cargo test -p convert-utf8 %s\n' "${asan_tests[*]}"
      # --target keeps build scripts and proc macros uninstrumented; a target directory of its
      # own keeps the instrumented build apart from the ordinary one.
      RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zsanitizer=address" RUSTDOCFLAGS="-Zsanitizer=address" \
        ASAN_OPTIONS=detect_leaks=1 CARGO_TARGET_DIR="$target_dir/asan" \
        cargo test -p convert-utf8 --locked --target "$host" "${asan_tests[@]}"
      ;;
    miri)
      printf '\n==> Miri: cargo +nightly miri test -p convert-utf8 --lib\n'
      if ! cargo +nightly miri --version >/dev/null 2>&1; then
        echo "Miri is not installed: rustup toolchain install nightly --component miri rust-src" >&2
        exit 1
      fi
      RUSTFLAGS="-C target-feature=+avx2" MIRIFLAGS=-Zmiri-disable-isolation \
        CARGO_TARGET_DIR="$target_dir/miri" \
        cargo +nightly miri test -p convert-utf8 --locked --lib -- "${miri_filters[@]}"
      ;;
    *)
      echo "unknown check $check (asan or miri)" >&2
      exit 2
      ;;
  esac
done
