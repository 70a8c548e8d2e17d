#!/usr/bin/env python3
"""Times converting a whole tree to UTF-8 in place: the iconv shell loop, a chardet script and
convert-utf8, side by side, each on a fresh copy of the same tree, and checks every output.

    python3 bench/trees/run.py                      # 1,000 / 10,000 / 100,000 files
    python3 bench/trees/run.py --rounds 3 --work DIR
    python3 bench/trees/run.py --sizes 10000 --settle 65   # each run after a minute's rest

The trees are made by make_tree.py in --work (default $TMPDIR/convert-utf8-trees: outside the
repository, whose ignore files convert-utf8 -r would honour), once, and kept. For every timed
run: the tree is copied afresh with `cp -a` and `sync`ed (not timed, so that no write-back of
the copy falls in the run, nor in convert-utf8's syncfs), then the command runs under
/usr/bin/time -f '%e %U %S %M' (wall s, user s, system s, peak RSS KiB), with the load average
read before and after; then check.py compares the copy with the original (not timed).

Contenders run in rounds, each round all of them in turn (A B C D A B C D), so that a change
in the machine's load falls on all of them alike:
  - 10,000 files: the shell loop, the chardet script, convert-utf8 -j 1 and with its default
    jobs (the slow two would take over 10 minutes each on 100,000 files);
  - 100,000 files: convert-utf8 -j 1 and default;
  - 1,000 files: convert-utf8 default, for peak memory against the number of files.
Results: bench/trees/results/run-TIMESTAMP.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PYTHON = sys.executable
sys.path.insert(0, str(HERE))
import check  # noqa: E402


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def timed(command: list[str], cwd: Path) -> dict:
    before = loadavg()
    proc = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", *command], cwd=cwd,
                          capture_output=True, text=True)
    after = loadavg()
    wall, user, system, rss = proc.stderr.strip().splitlines()[-1].split()
    return {"wall": float(wall), "user": float(user), "sys": float(system),
            "rss_kib": int(rss), "load_before": before, "load_after": after,
            "status": proc.returncode, "stderr_tail": proc.stderr.strip().splitlines()[-3:-1]}


def fresh_copy(master: Path, work: Path) -> None:
    if work.exists():
        shutil.rmtree(work)
    subprocess.run(["cp", "-a", str(master), str(work)], check=True)
    subprocess.run(["sync"], check=True)


def contenders(tool: Path, copy: Path, manifest: Path, report: Path) -> dict[str, list[str]]:
    copy = str(copy)
    return {
        "shell loop (iconv, true charsets)": ["bash", str(HERE / "loop.sh"), copy, str(manifest)],
        "chardet script": [PYTHON, str(HERE / "chardet_tree.py"), copy],
        "convert-utf8 -j 1": [str(tool), "--in-place", "-r", "-f", "auto", "-j", "1",
                              "--json", str(report), copy],
        "convert-utf8 (default jobs)": [str(tool), "--in-place", "-r", "-f", "auto",
                                        "--json", str(report), copy],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "convert-utf8-trees")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tool", type=Path, default=ROOT / "target/release/convert-utf8")
    parser.add_argument("--sizes", default="10000,100000,1000",
                        help="tree sizes to run, in this order")
    parser.add_argument("--settle", type=float, default=0, metavar="SECONDS",
                        help="wait this long after each fresh copy before timing (default 0): "
                        "ext4 without a journal passes over inodes freed in the last minute "
                        "when it allocates one, so right after the previous copy is deleted "
                        "every new file costs a scan past its thousands of freed inodes")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = {"machine": {"cores": os.cpu_count(), "uname": os.uname().release,
                           "iconv": subprocess.run(["iconv", "--version"], capture_output=True,
                                                   text=True).stdout.splitlines()[0]},
               "runs": []}
    import chardet
    results["machine"]["chardet"] = chardet.__version__
    out = HERE / "results" / time.strftime("run-%Y%m%d-%H%M%S.json")
    out.parent.mkdir(exist_ok=True)
    for n in map(int, args.sizes.split(",")):
        master = args.work / f"tree-{n}"
        manifest = master.with_name(master.name + ".manifest.tsv")
        if not master.exists():
            subprocess.run([PYTHON, str(HERE / "make_tree.py"), "--files", str(n),
                            "--out", str(master)], check=True)
        copy, report = args.work / "copy", args.work / "copy.json"
        names = contenders(args.tool, copy, manifest, report)
        if n > 10_000:
            names = {k: v for k, v in names.items() if k.startswith("convert-utf8")}
        if n < 10_000:
            names = {k: v for k, v in names.items() if k == "convert-utf8 (default jobs)"}
        for round_ in range(args.rounds):
            for name, command in names.items():
                fresh_copy(master, copy)
                if report.exists():
                    report.unlink()
                time.sleep(args.settle)
                run = {"files": n, "contender": name, "round": round_ + 1, "settle": args.settle,
                       "command": " ".join(command), **timed(command, args.work)}
                run["check"] = check.check(master, copy, manifest,
                                           report if report.exists() else None)
                results["runs"].append(run)
                print(f"{n:>7} {name:<36} {run['wall']:8.2f} s  user {run['user']:7.2f}  "
                      f"sys {run['sys']:7.2f}  rss {run['rss_kib'] / 1024:7.1f} MiB  load "
                      f"{run['load_before']:.1f}->{run['load_after']:.1f}  "
                      f"{run['check']['counts']}", flush=True)
                out.write_text(json.dumps(results, indent=1))
    shutil.rmtree(args.work / "copy", ignore_errors=True)
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
