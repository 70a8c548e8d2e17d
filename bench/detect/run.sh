#!/usr/bin/env bash
# Reproduces the charset-detection evaluation, docs/benchmarks/detect.md (with detect.png and
# detect-results.json), in one command from any directory:
#
#   bash bench/detect/run.sh                       # peers only
#   bash bench/detect/run.sh --with-ours           # also builds and evaluates convert_utf8
#   bash bench/detect/run.sh --per-cell 5 --ours-cli target/release/convert-utf8
#
# It makes the virtual environment target/detect-venv (the pinned peers of requirements.txt
# and matplotlib; with --with-ours also maturin and this tree's convert_utf8 package in
# release mode), builds the corpus into target/detect-corpus (bench/detect/make_corpus.py:
# Debian packages fetched with apt-get download) and runs bench/detect/evaluate.py.
#
# Options: --with-ours; --per-cell N (corpus samples per cell and size, default 20);
# --skip-corpus (reuse target/detect-corpus); anything else goes to evaluate.py.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
venv=target/detect-venv
python="${PYTHON:-python3}"

with_ours=0
skip_corpus=0
corpus_args=()
evaluate_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --with-ours) with_ours=1 ;;
        --skip-corpus) skip_corpus=1 ;;
        --per-cell) corpus_args+=(--per-cell "$2"); shift ;;
        --per-cell=*) corpus_args+=("$1") ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) evaluate_args+=("$1") ;;
    esac
    shift
done

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
fi
"$venv/bin/python" -m pip install -q -r bench/detect/requirements.txt

if [ "$with_ours" = 1 ]; then
    "$venv/bin/python" -m pip install -q "maturin>=1.5,<2"
    VIRTUAL_ENV="$root/$venv" "$venv/bin/maturin" develop --release --quiet
fi

if [ "$skip_corpus" = 0 ]; then
    "$venv/bin/python" bench/detect/make_corpus.py ${corpus_args[@]+"${corpus_args[@]}"}
fi

command="bash bench/detect/run.sh"
[ "$with_ours" = 1 ] && command+=" --with-ours"
for arg in ${corpus_args[@]+"${corpus_args[@]}"} ${evaluate_args[@]+"${evaluate_args[@]}"}; do
    command+=" $(printf '%q' "$arg")"
done
"$venv/bin/python" bench/detect/evaluate.py --command "$command" \
    ${evaluate_args[@]+"${evaluate_args[@]}"}
