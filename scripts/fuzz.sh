#!/usr/bin/env bash
# Runs the fuzz targets of fuzz/ (cargo-fuzz, libFuzzer, AddressSanitizer) for a given time each.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   SECONDS_PER_TARGET  default 60; every target in fuzz/fuzz_targets when none is named.
#   CU8_FUZZ_JOBS       parallel libFuzzer workers per target (default 1).
#   CU8_FUZZ_CORPUS     where the growing corpus lives (default target/fuzz-corpus; the committed
#                       seeds in fuzz/corpus/<target> are read, never written).
#
# cargo-fuzz needs nightly compiler flags (-Zsanitizer=address, sanitizer coverage options).
# On a stable toolchain they are enabled with RUSTC_BOOTSTRAP=1, which this script sets. A crash
# stops the run and leaves the input in fuzz/artifacts/<target>/; replay it with
#   cargo fuzz run <target> fuzz/artifacts/<target>/<file>
# or, without libFuzzer,
#   CU8_FUZZ_TARGET=<target> CU8_FUZZ_INPUT=<file> cargo test --manifest-path fuzz/Cargo.toml --release --test corpus replay
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_targets/*.rs; do targets+=("$(basename "$f" .rs)"); done
fi
corpus_root=${CU8_FUZZ_CORPUS:-target/fuzz-corpus}
jobs=${CU8_FUZZ_JOBS:-1}
parallel=()
[ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1

# Build once for all targets; the per-target runs then start at once.
cargo fuzz build

failed=()
for target in "${targets[@]}"; do
  mkdir -p "$corpus_root/$target"
  printf '\n==> fuzz target %s for %ss\n' "$target" "$seconds"
  # The first directory receives new inputs; the committed seeds are only read.
  cargo fuzz run "$target" "$corpus_root/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -max_len=4096 -timeout=20 -rss_limit_mb=4096 \
    -print_final_stats=1 "${parallel[@]}" || failed+=("$target")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz targets that found a failure: ${failed[*]} (inputs in fuzz/artifacts/)"
  exit 1
fi
