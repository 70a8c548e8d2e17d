#!/usr/bin/env bash
# Runs the column kernel inside the distributed engines (tests/engines: Spark through mapInArrow,
# Ray Data through map_batches), installing what they need first: a Java runtime for Spark from
# the distribution's packages, and pyspark and ray[data] in the repository's .venv beside the
# package, built as scripts/test-all.sh builds it. Usage: bash scripts/test-engines.sh
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==> %s\n' "$*"; }

section "Java runtime (Spark runs on the JVM)"
if ! command -v java >/dev/null 2>&1; then
  sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  command -v apt-get >/dev/null 2>&1 || { echo "java is required (a JRE 17 or newer)"; exit 1; }
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq default-jre-headless >/dev/null
fi
java -version 2>&1 | head -n 1

section "Python package (maturin, release) and the engines, in .venv"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "Python >= 3.11 is required for the Python package"; exit 1; }
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade 'maturin>=1.5,<2' pytest pyarrow pyspark 'ray[data]'
VIRTUAL_ENV="$PWD/.venv" .venv/bin/maturin develop --release --locked --quiet

section "Engine tests"
# pytest exits 5 when it collects no test: that is a failure here, not a pass.
.venv/bin/python -m pytest -q tests/engines || { rc=$?; [ "$rc" = 5 ] && echo "no engine tests were collected"; exit "$rc"; }
