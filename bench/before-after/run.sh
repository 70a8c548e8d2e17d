#!/usr/bin/env bash
# The engine of revision REV against this tree's, on the benchmark suite's inputs, in one
# process: each family's input decoded by one and then the other, round after round, outputs
# compared first. Usage: bash bench/before-after/run.sh REV [MIB per family, default 4]
set -euo pipefail
cd "$(dirname "$0")/../.."
rev=${1:?usage: bash bench/before-after/run.sh REV [MIB]}
mib=${2:-4}
work=target/before-after
rm -rf "$work/old" "$work/data"
mkdir -p "$work/old" "$work/data"
# The old engine, as a crate of its own name inside the workspace it came with.
git archive "$rev" Cargo.toml crates/convert-utf8 tools/iconv-oracle | tar -x -C "$work/old"
python3 - "$work/old" <<'PY'
import re, sys
from pathlib import Path
root = Path(sys.argv[1])
manifest = root / "Cargo.toml"
text = manifest.read_text()
text = re.sub(r"members = \[[^\]]*\]", 'members = ["crates/convert-utf8"]', text, count=1)
text = re.sub(r"default-members = \[[^\]]*\]\n", "", text)
manifest.write_text(text)
crate = root / "crates/convert-utf8/Cargo.toml"
crate.write_text(crate.read_text().replace('name = "convert-utf8"', 'name = "convert-utf8-old"', 1))
PY
python3 -c "
import sys; sys.path.insert(0, 'bench'); import inputs; from pathlib import Path
inputs.write_all($mib << 20, Path('$work/data'))"
CARGO_TARGET_DIR="$work/build" cargo run --release -q --manifest-path bench/before-after/Cargo.toml -- "$work/data"
