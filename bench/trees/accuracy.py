#!/usr/bin/env python3
"""How many real legacy text files `convert-utf8 --in-place -r -f auto` converts, and how many
to the wrong text, on a tree made from the detection corpus.

    python3 bench/detect/make_corpus.py          # if target/detect-corpus/ is not there yet
    python3 bench/trees/accuracy.py [--corpus DIR] [--work DIR] [--threshold P]

The tree holds every sample of the corpus's main set that is at least 512 bytes (the 512-byte
and 8 KiB cells; a sample is cut at a character boundary, so a few 512-byte cells' samples are
just under and left out), as GROUP/LANGUAGE/ID.txt, in --work (default
$TMPDIR/convert-utf8-accuracy, outside the repository: convert-utf8 -r honours ignore files of
parent directories). One run at the default threshold (or --threshold), with --json; then each
file is judged as check.py does: converted right (byte-identical to `iconv -f TRUE -t UTF-8`
of the original), converted wrong, or skipped (with the report's reason). Files already UTF-8
or ASCII must be left; UTF-16 and UTF-32 samples are counted apart from the legacy ones.

Prints Markdown tables (overall, per charset, per language) and writes
bench/trees/results/accuracy-TIMESTAMP.json.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import check  # noqa: E402

UNICODE_GROUPS = ("UTF-8", "ASCII", "UTF-16/32")


def reference(original: bytes, charset: str, bom: bool) -> bytes:
    if charset.startswith(("UTF-16", "UTF-32")):
        # The iconv command: glibc keeps a BOM's byte order in a reused descriptor. A BOM is
        # part of the sample's bytes; with it, the truth is the charset without byte order.
        name = charset[:6] if bom else charset
        return subprocess.run(["iconv", "-f", name, "-t", "UTF-8"], input=original,
                              capture_output=True, check=True).stdout
    return check.glibc_iconv._convert(original, "UTF-8", charset)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "target/detect-corpus")
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "convert-utf8-accuracy")
    parser.add_argument("--tool", type=Path, default=ROOT / "target/release/convert-utf8")
    parser.add_argument("--threshold", type=float, help="default: the tool's own")
    parser.add_argument("--min-bytes", type=int, default=512)
    args = parser.parse_args()
    if not (args.corpus / "manifest.jsonl").exists():
        sys.exit(f"no corpus in {args.corpus}: run bench/detect/make_corpus.py first")

    tree = args.work / "tree"
    if tree.exists():
        shutil.rmtree(tree)
    samples = []
    with open(args.corpus / "manifest.jsonl", encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            if e["set"] != "main" or e["bytes"] < args.min_bytes:
                continue
            rel = f"{e['group'].replace('/', '-').replace(' ', '-')}/{e['language']}/{e['id']}.txt"
            data = (args.corpus / e["file"]).read_bytes()
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            (tree / rel).write_bytes(data)
            samples.append((rel, e, data))

    report = args.work / "report.json"
    command = [str(args.tool), "--in-place", "-r", "-f", "auto", "--json", str(report)]
    if args.threshold is not None:
        command.append(f"--threshold={args.threshold}")
    proc = subprocess.run([*command, str(tree)], capture_output=True, text=True)
    entries = {str(Path(x["path"]).relative_to(tree)): x
               for x in json.loads(report.read_text(encoding="utf-8"))}

    rows = []
    for rel, e, original in samples:
        now = (tree / rel).read_bytes()
        entry = entries.get(rel, {})
        unicode_ = e["group"] in UNICODE_GROUPS
        if e["group"] in ("UTF-8", "ASCII"):
            verdict = "left" if now == original else "wrong"
        elif now == original:
            verdict = "skipped"
        else:
            verdict = "right" if now == reference(original, e["charset"], e["bom"]) else "wrong"
        reason = re.sub(r"\d+(\.\d+)?", "N", (entry.get("reason") or entry.get("action", "?"))
                        .split(" (")[0])
        rows.append({"path": rel, "charset": e["charset"] + ("+BOM" if e["bom"] else ""),
                     "language": e["language"], "group": e["group"], "size": e["size"],
                     "bytes": e["bytes"], "unicode": unicode_, "verdict": verdict,
                     "detected": entry.get("charset"), "confidence": entry.get("confidence"),
                     "reason": reason if verdict in ("skipped", "wrong") else None})

    def table(key, subset, title):
        by: dict[str, Counter] = defaultdict(Counter)
        for r in subset:
            by[r[key] if key else "all"][r["verdict"]] += 1
        print(f"\n{title}\n")
        print("| " + (key or "set") + " | files | converted | right | wrong | skipped |")
        print("|---|---:|---:|---:|---:|---:|")
        for k in sorted(by):
            c = by[k]
            n = sum(c.values())
            conv = c["right"] + c["wrong"]
            print(f"| {k} | {n} | {conv / n:.1%} | {c['right']} | {c['wrong']} | {c['skipped']} |")

    legacy = [r for r in rows if not r["unicode"]]
    table(None, legacy, "Legacy charsets, all files")
    table("size", legacy, "Legacy, by sample cell (bytes at most the size)")
    table("charset", legacy, "Legacy, by true charset")
    table("language", legacy, "Legacy, by language")
    table("charset", [r for r in rows if r["group"] == "UTF-16/32"], "UTF-16/32 (not legacy)")
    unicode_left = Counter(r["verdict"] for r in rows if r["group"] in ("UTF-8", "ASCII"))
    print(f"\nUTF-8 and ASCII files: {dict(unicode_left)}")
    why = Counter(r["reason"] for r in legacy if r["verdict"] == "skipped")
    print("\nLegacy files skipped, by reason:")
    for reason, n in why.most_common():
        print(f"  {n:5}  {reason}")
    wrong = [r for r in rows if r["verdict"] == "wrong"]
    print(f"\nWrong conversions: {len(wrong)}")
    for r in wrong[:40]:
        print(f"  {r['path']}  true {r['charset']}  detected {r['detected']} "
              f"({r['confidence']})")

    out = HERE / "results" / time.strftime("accuracy-%Y%m%d-%H%M%S.json")
    out.parent.mkdir(exist_ok=True)
    corpus_info = json.loads((args.corpus / "corpus.json").read_text(encoding="utf-8"))
    out.write_text(json.dumps({"command": " ".join(command + ["TREE"]), "status": proc.returncode,
                               "summary": proc.stderr.strip().splitlines()[-1:],
                               "corpus": {k: v for k, v in corpus_info.items()
                                          if k != "languages"},
                               "rows": rows}, indent=1))
    print(f"\n{proc.stderr.strip().splitlines()[-1]}\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
