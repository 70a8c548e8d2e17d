#!/bin/bash
# The loop people write to convert a tree with iconv, given the most favourable case: the true
# charset of every file, from the manifest, so it detects nothing and only runs iconv on the
# files that need it (UTF-8 and binary files are passed over). Without those charsets such a
# loop cannot be written at all: iconv does not detect.
#     bench/trees/loop.sh TREE MANIFEST
set -u
tree=$1
declare -A charset
while IFS=$'\t' read -r path cs; do charset[$path]=$cs; done < "$2"
find "$tree" -type f | while read -r f; do
    cs=${charset[${f#"$tree"/}]}
    case $cs in UTF-8|binary) continue ;; esac
    iconv -f "$cs" -t UTF-8 "$f" > "$f.tmp" && mv "$f.tmp" "$f"
done
