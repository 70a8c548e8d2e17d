#!/usr/bin/env python3
"""The convert-utf8 benchmark suite: one command for every measurement, written up as
docs/benchmarks/report.md with PNG plots.

    python3 bench/run.py --quick     # about 5 minutes on 2 cores (heap up to 4 GiB)
    python3 bench/run.py --full      # for publication (heap up to 8 GiB, 100 MB per family,
                                     # a 1 GiB file for the whole-tool run)

It installs what it needs: a virtual environment under the cargo target directory with
matplotlib, cffi, maturin and the convert_utf8 package built from this tree (release); the
release C library and command; GNU time and ICU's uconv through apt-get when missing (as root).
Then it runs, in order:
  1+2. per-call cost from Python (bench/percall.py), once per caller heap size;
  3.   throughput per family: the criterion bench crates/convert-utf8/benches/throughput.rs
       (convert-utf8, glibc iconv(), encoding_rs) and bench/throughput.py (ICU, Python's codecs,
       the Python package) on the same generated files; then the strongest peers on the same
       files, in one process (bench/peers: encoding_rs with simd-accel, simdutf8, memcpy);
  4.   the whole tool against iconv and uconv (bench/wholetool.py).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

MODES: dict[str, dict[str, Any]] = {
    # heap sizes (GiB), bytes per throughput family, whole-tool file (MiB), per-call budget (s)
    "quick": {"heap_gib": "0,1,4", "throughput_mib": 4, "cli_mib": 256, "budget_s": 1.0,
              "repeats": 3, "criterion": ["--warm-up-time", "0.2", "--measurement-time", "0.5",
                                          "--sample-size", "10"],
              "peers": ["--rounds", "30", "--min-seconds", "0.5"]},
    "full": {"heap_gib": "0,1,4,8", "throughput_mib": 100, "cli_mib": 1024, "budget_s": 5.0,
             "repeats": 7, "criterion": ["--warm-up-time", "1", "--measurement-time", "5",
                                         "--sample-size", "10"],
             "peers": ["--rounds", "15", "--min-seconds", "3"]},
}
PERCALL_SIZES = "100,1024,65536,1048576"


def sh(*command: str, **kwargs) -> str:
    return subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True,
                          **kwargs).stdout.strip()


def target_dir() -> Path:
    metadata = json.loads(sh("cargo", "metadata", "--format-version", "1", "--no-deps",
                             cwd=ROOT))
    return Path(metadata["target_directory"])


def ensure_tools() -> None:
    """GNU time and uconv, from apt when missing (needs root; otherwise it says what to do)."""
    wanted = {"/usr/bin/time": "time", "uconv": "icu-devtools"}
    missing = [package for tool, package in wanted.items() if not shutil.which(tool)]
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"bench: please install {' '.join(missing)} (apt-get install)")
    subprocess.run(["apt-get", "install", "-y", *missing], check=True)


def ensure_venv(target: Path) -> Path:
    """The suite's virtual environment, with its packages and this tree's convert_utf8."""
    venv = target / "bench-venv"
    python = venv / "bin/python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "matplotlib", "cffi", "maturin"],
                   check=True)
    env = dict(os.environ, VIRTUAL_ENV=str(venv), CARGO_TARGET_DIR=str(target))
    subprocess.run([str(venv / "bin/maturin"), "develop", "--release", "-q"], cwd=ROOT, env=env,
                   check=True)
    return python


def load() -> str:
    return sh("uptime").split("load average:")[-1].strip()


def environment() -> dict:
    lscpu = sh("lscpu")
    model = re.search(r"Model name:\s*(.+)", lscpu)
    cpus = re.search(r"^CPU\(s\):\s*(\d+)", lscpu, re.M)
    memory = sh("free", "-g").splitlines()[1].split()[1]
    lock = (ROOT / "Cargo.lock").read_text()

    def locked(crate: str) -> str:
        found = re.search(rf'name = "{crate}"\nversion = "([^"]+)"', lock)
        return found[1] if found else "?"

    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    uconv = sh("uconv", "--version") if shutil.which("uconv") else "uconv missing"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpus[1] if cpus else '?'} × {model[1] if model else platform.processor()}",
        "memory": f"{memory} GiB",
        "thp": thp.read_text().split("[")[1].split("]")[0] if thp.exists() else "?",
        "kernel": f"Linux {platform.release()}",
        "glibc": sh("ldd", "--version").splitlines()[0],
        "rustc": sh("rustc", "--version"),
        "python": platform.python_version(),
        "encoding_rs": locked("encoding_rs"),
        "criterion": locked("criterion"),
        "uconv": uconv.splitlines()[0] if uconv else "",
        "load_before": load(),
    }


def run_peers(mode: dict, target: Path, data: Path) -> dict:
    """bench/peers on the throughput inputs: convert-utf8 against encoding_rs built with
    simd-accel (nightly features, enabled on stable by RUSTC_BOOTSTRAP=1), simdutf8's
    validate-and-copy and memcpy, in one process. A crate outside the workspace, built into its
    own target directory, so simd-accel never reaches the engine's other builds."""
    peers_target = target / "bench-peers"
    env = dict(os.environ, RUSTC_BOOTSTRAP="1", CARGO_TARGET_DIR=str(peers_target))
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "--manifest-path",
                    str(ROOT / "bench/peers/Cargo.toml")], cwd=ROOT, env=env, check=True)
    out = sh(str(peers_target / "release/bench-peers"), str(data), *mode["peers"])
    return json.loads(out)


def run_throughput(mode: dict, target: Path, work: Path) -> dict:
    import inputs
    import throughput

    data = work / "throughput"
    data.mkdir()
    inputs.write_all(mode["throughput_mib"] << 20, data)
    criterion_home = work / "criterion"
    env = dict(os.environ, CU8_BENCH_DATA=str(data), CRITERION_HOME=str(criterion_home),
               CARGO_TARGET_DIR=str(target))
    subprocess.run(["cargo", "bench", "--locked", "-q", "-p", "convert-utf8", "--bench",
                    "throughput", "--", "--noplot", *mode["criterion"]], cwd=ROOT, env=env,
                   check=True)
    print("bench: the strongest peers (bench/peers)", file=sys.stderr)
    peers = run_peers(mode, target, data)
    return {
        "bytes": mode["throughput_mib"] << 20,
        "families": [f.family for f in inputs.FAMILIES],
        "charsets": {f.family: f.charset for f in inputs.FAMILIES},
        "notes": {f.family: f.note for f in inputs.FAMILIES if f.note},
        "rust": throughput.rust_side(criterion_home),
        "python": throughput.python_side(data, mode["repeats"]),
        "peers": peers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--quick", action="store_const", dest="mode", const="quick",
                       help="about 5 minutes on 2 cores; heap up to 4 GiB (the default)")
    which.add_argument("--full", action="store_const", dest="mode", const="full",
                       help="for publication: heap up to 8 GiB, 100 MiB per family, 1 GiB file")
    parser.add_argument("--heap-gib", help="caller heap sizes for the per-call runs, e.g. 0,1,4")
    parser.add_argument("--throughput-mib", type=int, help="input size per family")
    parser.add_argument("--cli-mib", type=int, help="size of the whole-tool file")
    parser.add_argument("--out", type=Path, default=ROOT / "docs/benchmarks")
    parser.add_argument("--in-venv", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    mode_name = args.mode or "quick"
    mode = dict(MODES[mode_name])
    for key in ("heap_gib", "throughput_mib", "cli_mib"):
        if getattr(args, key) is not None:
            mode[key] = getattr(args, key)
    command = "python3 bench/run.py " + " ".join(
        a for a in sys.argv[1:] if a != "--in-venv") if len(sys.argv) > 1 else (
        "python3 bench/run.py")

    target = target_dir()
    if not args.in_venv:
        ensure_tools()
        python = ensure_venv(target)
        os.execv(str(python), [str(python), __file__, *sys.argv[1:], "--in-venv"])

    started = time.time()
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "convert-utf8-capi",
                    "-p", "convert-utf8-cli"], cwd=ROOT, check=True)
    library = target / "release/libconvert_utf8.so"
    cli = target / "release/convert-utf8"
    results: dict[str, Any] = {"mode": mode_name, "command": command.strip(), "settings": mode,
               "environment": environment()}

    import wholetool
    import report

    results["percall"] = []
    for gib in mode["heap_gib"].split(","):
        mib = int(float(gib) * 1024)
        print(f"bench: per-call, caller heap {gib} GiB", file=sys.stderr)
        out = sh(sys.executable, str(ROOT / "bench/percall.py"), str(library), str(mib),
                 PERCALL_SIZES, str(mode["budget_s"]), cwd=ROOT / "bench")
        results["percall"].append(json.loads(out))

    with tempfile.TemporaryDirectory(prefix="cu8-bench-") as work:
        print("bench: throughput", file=sys.stderr)
        results["throughput"] = run_throughput(mode, target, Path(work))
        print("bench: whole tool", file=sys.stderr)
        results["wholetool"] = wholetool.run(cli, mode["cli_mib"], Path(work))

    results["load_after"] = load()
    results["elapsed_s"] = time.time() - started
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"bench: wrote {report.write(results, args.out)}", file=sys.stderr)


if __name__ == "__main__":
    main()
