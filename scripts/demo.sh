#!/bin/sh
# Builds the convert-utf8 command (release) and converts the bundled Shift_JIS sample to UTF-8
# on stdout: the first thing to run on a fresh machine. Needs only Rust's cargo.
set -eu
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
    echo "demo.sh: cargo not found; install Rust first (https://rustup.rs)" >&2
    exit 1
fi
cargo build --release --locked --quiet -p convert-utf8-cli
cargo run --release --locked --quiet -p convert-utf8-cli -- -f SHIFT_JIS samples/wagahai.sjis.txt
