#!/bin/sh
# Benchmark (not a test): the convert-utf8 command against glibc's iconv on 1 GiB inputs,
# UTF-8 -> UTF-8 and UTF-16LE -> UTF-8. Measures wall time and peak RSS with GNU time
# (/usr/bin/time -v), checks that both produce the same bytes, and prints a Markdown table.
#
#   sh benches/cli-vs-iconv.sh [SIZE_MIB]      (default 1024)
#
# The inputs (mixed Japanese and ASCII text from samples/) are generated in a temporary
# directory and deleted afterwards; about 4 x SIZE of free space is needed there.
# If /usr/bin/time is missing, it installs the `time` package with apt-get (needs root).
set -eu
cd "$(dirname "$0")/.."
size_mib=${1:-1024}

if [ ! -x /usr/bin/time ]; then
    echo "cli-vs-iconv: /usr/bin/time missing; installing GNU time with apt-get" >&2
    apt-get install -y time >&2
fi
cargo build --release --locked --quiet -p convert-utf8-cli
bin=$(cargo metadata --format-version 1 --no-deps |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release/convert-utf8

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Repeats a whole file until it fills SIZE_MIB MiB (whole copies only, so no character is cut).
fill() {
    src=$1 dst=$2
    cp "$src" "$tmp/block"
    while [ "$(wc -c < "$tmp/block")" -lt 1048576 ]; do
        cat "$tmp/block" "$tmp/block" > "$tmp/block2" && mv "$tmp/block2" "$tmp/block"
    done
    block=$(wc -c < "$tmp/block")
    copies=$(( (size_mib * 1048576 + block - 1) / block ))
    i=0
    while [ $i -lt $copies ]; do cat "$tmp/block"; i=$((i + 1)); done > "$dst"
    rm "$tmp/block"
}

fill samples/wagahai.utf8.txt "$tmp/in.utf8"
iconv -f UTF-8 -t UTF-16LE samples/wagahai.utf8.txt > "$tmp/sample.utf16le"
fill "$tmp/sample.utf16le" "$tmp/in.utf16le"

# One timed run: prints "seconds peak_kib" for the command, its output going to $tmp/out.$2.
measure() {
    label=$1; shift
    /usr/bin/time -v -o "$tmp/time" "$@" > "$tmp/out.$label"
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time")
    echo "$wall $rss"
}

echo "| input | tool | wall time (m:ss) | peak RSS |"
echo "|---|---|---|---|"
for form in UTF-8 UTF-16LE; do
    case $form in UTF-8) input=$tmp/in.utf8 ;; *) input=$tmp/in.utf16le ;; esac
    mib=$(( $(wc -c < "$input") / 1048576 ))
    set -- $(measure ours "$bin" -f "$form" "$input")
    echo "| $form, $mib MiB | convert-utf8 | $1 | $(( $2 / 1024 )) MiB |"
    set -- $(measure glibc iconv -f "$form" -t UTF-8 "$input")
    echo "| $form, $mib MiB | iconv | $1 | $(( $2 / 1024 )) MiB |"
    cmp "$tmp/out.ours" "$tmp/out.glibc" >&2 || echo "cli-vs-iconv: outputs differ for $form" >&2
    rm -f "$tmp/out.ours" "$tmp/out.glibc"
done
