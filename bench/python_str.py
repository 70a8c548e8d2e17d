#!/usr/bin/env python3
"""convert_utf8.decode (str out) against bytes.decode, per family and size, for the installed
build of the package and, side by side in the same process, for a stable-ABI (abi3) build.

    .venv/bin/python bench/python_str.py                 # builds the abi3 variant with cargo
    .venv/bin/python bench/python_str.py --abi3 PATH     # an abi3 build of _native already made
    .venv/bin/python bench/python_str.py --no-abi3       # the installed build only

Inputs are the repository's sample texts (bench/inputs.py), encoded with Python's codec and
repeated to 1 KiB, 64 KiB and 4 MiB, cut at a character boundary. Every contender's text is
checked against bytes.decode first. Each figure is the best of 7 rounds, each round running
every contender in turn, in CPU time of this process; ratios > 1: convert_utf8 is faster.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

import convert_utf8

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inputs import CJK_TEXT, ENGINE_TEXT, LATIN, MIXED, repeat_to  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# (row name, our label, Python codec, source texts)
CASES = [
    ("ASCII", "ANSI_X3.4-1968", "ascii", [ENGINE_TEXT / "english.txt"]),
    ("Latin-1", "ISO-8859-1", "latin-1", LATIN),
    ("UTF-8 en", "UTF-8", "utf-8", [ENGINE_TEXT / "english.txt"]),
    ("UTF-8 ru", "UTF-8", "utf-8", [ENGINE_TEXT / "russian.txt"]),
    ("UTF-8 ja", "UTF-8", "utf-8", [CJK_TEXT / "ja.txt"]),
    ("UTF-16LE", "UTF-16LE", "utf-16-le", MIXED),
    ("CP1251", "CP1251", "cp1251", [ENGINE_TEXT / "russian.txt"]),
    ("KOI8-R", "KOI8-R", "koi8-r", [ENGINE_TEXT / "russian.txt"]),
    ("ISO-8859-7", "ISO-8859-7", "iso8859-7", [ENGINE_TEXT / "greek.txt"]),
    ("cp037 en", "IBM037", "cp037", [ENGINE_TEXT / "english.txt"]),
    ("cp037 latin", "IBM037", "cp037", LATIN),
    ("Shift_JIS", "SJIS", "shift_jis", [CJK_TEXT / "ja.txt"]),
    ("GBK", "GBK", "gbk", [CJK_TEXT / "zh-hans.txt"]),
    ("EUC-KR", "EUC-KR", "euc_kr", [CJK_TEXT / "ko.txt"]),
    ("Big5", "BIG5", "big5", [CJK_TEXT / "zh-hant.txt"]),
    ("UTF-7", "UTF-7", "utf-7", MIXED),
]

SIZES = [("1 KiB", 1 << 10, 4000), ("64 KiB", 64 << 10, 100), ("4 MiB", 4 << 20, 3)]


def build_abi3() -> Path:
    """Builds the abi3 variant of the extension with cargo and returns a copy of it."""
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet", "-p",
                    "convert-utf8-python", "--features", "abi3"], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    copy = Path(tempfile.mkdtemp(prefix="convert-utf8-abi3-")) / "_native.abi3.so"
    shutil.copy(target / "release" / "lib_native.so", copy)
    return copy


def load_native(path: Path):
    """The extension module at `path`, loaded beside the installed one under another name."""
    loader = importlib.machinery.ExtensionFileLoader("convert_utf8_abi3._native", str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def best(contenders, number: int, rounds: int = 7) -> list[float]:
    """Seconds per call of each contender: best of `rounds` rounds, each contender in turn."""
    seconds = [float("inf")] * len(contenders)
    for _ in range(rounds):
        for k, fn in enumerate(contenders):
            elapsed = timeit.timeit(fn, number=number, timer=time.process_time)
            seconds[k] = min(seconds[k], elapsed / number)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abi3", type=Path, help="an abi3 build of convert_utf8._native")
    parser.add_argument("--no-abi3", action="store_true", help="time the installed build only")
    parser.add_argument("--only", help="comma-separated row names to time")
    args = parser.parse_args()
    abi3 = None if args.no_abi3 else load_native(args.abi3 or build_abi3())
    installed = "abi3" if convert_utf8._native.__file__.endswith(".abi3.so") else "per-version"
    rows = [case for case in CASES if not args.only or case[0] in args.only.split(",")]

    print(f"Python {sys.version.split()[0]}; installed build: {installed}; best of 7 rounds, "
          "CPU time; ratio = bytes.decode time / decode time")
    header = f"{'family':12} {'size':>6} {'bytes.decode':>13} {'decode':>10} {'ratio':>6}"
    if abi3:
        header += f" {'abi3 decode':>11} {'ratio':>6}"
    print(header)
    for name, label, codec, sources in rows:
        unit = "".join(path.read_text(encoding="utf-8") for path in sources)
        unit = unit.encode(codec, "ignore")
        for size_name, size, number in SIZES:
            data = repeat_to(unit, size, codec)
            expected = data.decode(codec)
            contenders = [lambda: data.decode(codec), lambda: convert_utf8.decode(data, label)]
            if abi3:
                contenders.append(lambda: abi3.decode(data, label))
            for contender in contenders[1:]:
                assert contender() == expected, (name, size_name)
            seconds = best(contenders, number)
            line = (f"{name:12} {size_name:>6} {seconds[0] * 1e6:10.2f} µs"
                    f" {seconds[1] * 1e6:7.2f} µs {seconds[0] / seconds[1]:5.2f}x")
            if abi3:
                line += f" {seconds[2] * 1e6:8.2f} µs {seconds[0] / seconds[2]:5.2f}x"
            print(line, flush=True)


if __name__ == "__main__":
    main()
