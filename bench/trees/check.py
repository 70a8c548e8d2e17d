#!/usr/bin/env python3
"""Checks a converted copy of a tree against its original and manifest.

    python3 bench/trees/check.py ORIGINAL CONVERTED MANIFEST [--json REPORT] [--name NAME]

For each file of the manifest, the verdict is:
  right      legacy text (or UTF-16), now byte-identical to `iconv -f TRUE -t UTF-8` of the
             original (glibc's iconv, called in-process for the stateless charsets: the same
             conversion, without a process per file)
  wrong      changed, but not to that (or a UTF-8 or binary file changed at all)
  skipped    legacy text left as it was
  left       a UTF-8 or binary file left as it was (what must happen to them)
  missing    not there any more
Prints one JSON object: the counts overall and per true charset, and the first few wrong
files. With --json REPORT (convert-utf8's --json output), skipped files are also counted by
the report's reason.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "detect"))
import glibc_iconv  # noqa: E402


def read_manifest(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as f:
        return [tuple(line.rstrip("\n").split("\t")) for line in f]  # type: ignore[misc]


def verdict(original: bytes, now: bytes | None, charset: str) -> str:
    if now is None:
        return "missing"
    if charset in ("UTF-8", "binary"):
        return "left" if now == original else "wrong"
    if now == original:
        return "skipped"
    return "right" if now == reference(original, charset) else "wrong"


def reference(original: bytes, charset: str) -> bytes:
    if charset == "UTF-16":
        # The iconv command itself: glibc keeps the byte order a BOM chose in the descriptor
        # even across a reset, so a descriptor reused from a little-endian file would read the
        # next big-endian file wrongly.
        return subprocess.run(["iconv", "-f", "UTF-16", "-t", "UTF-8"], input=original,
                              capture_output=True, check=True).stdout
    return glibc_iconv._convert(original, "UTF-8", charset)


def check(original: Path, converted: Path, manifest: Path, report: Path | None = None) -> dict:
    counts: Counter = Counter()
    per_charset: dict[str, Counter] = defaultdict(Counter)
    wrong: list[str] = []
    reasons: dict[str, str] = {}
    if report is not None:
        for entry in json.loads(report.read_text(encoding="utf-8")):
            rel = str(Path(entry["path"]).relative_to(converted))
            reasons[rel] = entry.get("reason") or entry["action"]
    skipped_why: Counter = Counter()
    for rel, charset in read_manifest(manifest):
        target = converted / rel
        now = target.read_bytes() if target.exists() else None
        v = verdict((original / rel).read_bytes(), now, charset)
        counts[v] += 1
        per_charset[charset][v] += 1
        if v == "wrong" and len(wrong) < 20:
            wrong.append(f"{rel} ({charset})")
        if v == "skipped" and reasons:
            # The reason's words without the file-specific figures.
            skipped_why[re.sub(r"\d+", "N", reasons.get(rel, "?").split(" (")[0])] += 1
    out = {"counts": dict(counts), "per_charset": {k: dict(v) for k, v in sorted(per_charset.items())},
           "wrong_examples": wrong}
    if reasons:
        out["skipped_reasons"] = dict(skipped_why)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("original", type=Path)
    parser.add_argument("converted", type=Path)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--json", type=Path, help="convert-utf8's --json report of the run")
    args = parser.parse_args()
    print(json.dumps(check(args.original, args.converted, args.manifest, args.json), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
