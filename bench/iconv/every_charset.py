#!/usr/bin/env python3
"""Every charset through iconv(3), on glibc and with libconvert_utf8_iconv preloaded.

For each of the charsets `iconv -l` lists that the sample text can be encoded in, the
repository's multilingual and CJK samples are encoded with `iconv -c` and repeated to SIZE
(default 16 MiB); the driver (`crates/convert-utf8-iconv/tests/c/iconv_driver.c`, built with
`cc -O2`) converts it to UTF-8 in 64 KiB calls, plainly and preloaded, alternately, RUNS times
each (default 3). Prints, slowest ratio first, the minimum whole-process wall time of each side
and their ratio (preloaded / glibc: below 1 is faster), and writes them to
bench/iconv/every_charset.json.

    cargo build --release -p convert-utf8-iconv
    python3 bench/iconv/every_charset.py [--size-mib N] [--runs N]
"""

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "target" / "release" / "libconvert_utf8_iconv.so"
DRIVER_SOURCE = ROOT / "crates" / "convert-utf8-iconv" / "tests" / "c" / "iconv_driver.c"
DATA = ROOT / "crates" / "convert-utf8" / "tests" / "data"


def plain_env() -> dict:
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}


def charsets() -> list[str]:
    """One name per charset glibc lists (its aliases skipped: they open the same module)."""
    listed = subprocess.run(["iconv", "-l"], capture_output=True, text=True, env=plain_env())
    names = [name.rstrip("/").rstrip(",") for name in listed.stdout.split()]
    return sorted(set(names))


def timed(command: list[str], preload: bool) -> float:
    env = plain_env()
    if preload:
        env["LD_PRELOAD"] = str(LIBRARY)
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not LIBRARY.is_file():
        raise SystemExit(f"{LIBRARY} is missing: cargo build --release -p convert-utf8-iconv")
    text = (DATA / "multilingual.txt").read_bytes() + (DATA / "cjk.txt").read_bytes()
    rows = []
    seen = set()
    with tempfile.TemporaryDirectory(prefix="iconv-every-") as tmp:
        work = Path(tmp)
        driver = work / "iconv_driver"
        subprocess.run(["cc", "-O2", "-o", str(driver), str(DRIVER_SOURCE)], check=True)
        for name in charsets():
            unit = subprocess.run(["iconv", "-c", "-f", "UTF-8", "-t", name], input=text,
                                  capture_output=True, env=plain_env()).stdout
            # Aliases give the same bytes: each charset once.
            if len(unit) < 256 or unit in seen:
                continue
            seen.add(unit)
            path = work / "input"
            path.write_bytes(unit * max(1, (args.size_mib << 20) // len(unit)))
            command = [str(driver), "-i", "65536", "-o", "65536", name, str(path)]
            glibc, ours = [], []
            for _ in range(args.runs):
                glibc.append(timed(command, False))
                ours.append(timed(command, True))
            rows.append({"charset": name, "bytes": path.stat().st_size,
                         "glibc_s": min(glibc), "preloaded_s": min(ours),
                         "ratio": min(ours) / min(glibc)})
    rows.sort(key=lambda row: -row["ratio"])
    (ROOT / "bench" / "iconv" / "every_charset.json").write_text(json.dumps(rows, indent=1) + "\n")
    print("| charset | input | glibc (s) | preloaded (s) | preloaded / glibc |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['charset']} | {row['bytes'] / (1 << 20):.1f} MiB | {row['glibc_s']:.3f} "
              f"| {row['preloaded_s']:.3f} | {row['ratio']:.2f} |")
    slower = [row for row in rows if row["ratio"] > 1]
    print(f"\n{len(rows)} charsets; preloaded slower on {len(slower)}")


if __name__ == "__main__":
    main()
