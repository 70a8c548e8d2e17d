"""convert_utf8.decode / to_utf8 against Python's own codecs and against a forked iconv.

Not a test: prints a table of timings measured side by side in one run.
Usage (with the package installed): python crates/convert-utf8-python/benches/compare_codecs.py
    [--throughput [MB]]

`--throughput` times 100 MB (or MB megabytes) of real text instead: the repository's committed
sample texts, encoded with Python's codec and repeated to size, for CP1251, Shift_JIS, GBK,
EUC-KR and UTF-16LE.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import timeit

from pathlib import Path

import convert_utf8

ROOT = Path(__file__).resolve().parents[3]
ENGINE_TEXT = ROOT / "crates/convert-utf8/benches/data"
CJK_TEXT = ROOT / "crates/convert-utf8/benches/multibyte-text"
MIXED_TEXT = [ENGINE_TEXT / "english.txt", ENGINE_TEXT / "greek.txt", ENGINE_TEXT / "russian.txt",
              CJK_TEXT / "ja.txt", CJK_TEXT / "zh-hans.txt", CJK_TEXT / "ko.txt"]

# (our label, Python codec, committed texts that the charset can encode)
THROUGHPUT_CASES = [
    ("CP1251", "cp1251", [ENGINE_TEXT / "russian.txt"]),
    ("SHIFT_JIS", "shift_jis", [CJK_TEXT / "ja.txt"]),
    ("GBK", "gbk", [CJK_TEXT / "zh-hans.txt"]),
    ("EUC-KR", "euc_kr", [CJK_TEXT / "ko.txt"]),
    ("UTF-16LE", "utf-16-le", MIXED_TEXT),
]

# Mixed text: ASCII markup around Cyrillic, Greek and CJK, as in real documents.
SAMPLE = (
    "<p>Hello, world. Привет, мир! Γειά σου κόσμε. こんにちは世界。你好，世界。</p>\n"
    "Plain ASCII line with numbers 1234567890 and punctuation; nothing fancy here.\n"
)

CASES = [
    # (our label, Python codec, text that the charset can encode)
    ("UTF-8", "utf-8", SAMPLE),
    ("UTF-16LE", "utf-16-le", SAMPLE),
    ("SJIS", "shift_jis", "Plain ASCII and こんにちは世界、日本語のテキストです。\n"),
    ("CP1251", "cp1251", "Plain ASCII and Привет, мир! Обычный русский текст.\n"),
]


def best(contenders, number: int, rounds: int = 5, timer=time.process_time) -> list[float]:
    """Seconds per call of each contender, the best of `rounds` rounds in which each runs
    `number` calls in turn, so that a change of machine load weighs on every contender alike.
    By default this process's CPU time, so that other processes competing for the CPU disturb
    the figures less than wall-clock time would."""
    seconds = [float("inf")] * len(contenders)
    for _ in range(rounds):
        for k, fn in enumerate(contenders):
            elapsed = timeit.timeit(fn, number=number, timer=timer)
            seconds[k] = min(seconds[k], elapsed / number)
    return seconds


def throughput(megabytes: int) -> None:
    """Decodes `megabytes` MB of each charset's real text, best of 5 rounds in CPU time."""
    size = megabytes * 1_000_000
    print(f"Python {sys.version.split()[0]}, {megabytes} MB of real text per call "
          f"(best of 5 rounds, CPU time, MB/s = 10^6 input bytes per second)")
    print(f"{'charset':10} {'bytes.decode':>13} {'decode':>9} {'ratio':>6}"
          f" {'.encode(utf8)':>14} {'to_utf8':>9} {'ratio':>6}")
    for ours, python, sources in THROUGHPUT_CASES:
        unit = "".join(path.read_text(encoding="utf-8") for path in sources).encode(python)
        data = unit * -(-size // len(unit))
        text = data.decode(python)
        assert convert_utf8.decode(data, ours) == text
        assert convert_utf8.to_utf8(data, ours) == text.encode("utf-8")
        del text

        contenders = [lambda: data.decode(python), lambda: convert_utf8.decode(data, ours),
                      lambda: data.decode(python).encode("utf-8"),
                      lambda: convert_utf8.to_utf8(data, ours)]
        seconds = best(contenders, 1)
        theirs, mine, theirs8, mine8 = (len(data) / s / 1e6 for s in seconds)
        print(f"{ours:10} {theirs:8.0f} MB/s {mine:4.0f} MB/s {mine / theirs:5.2f}x"
              f" {theirs8:9.0f} MB/s {mine8:4.0f} MB/s {mine8 / theirs8:5.2f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--throughput", nargs="?", type=int, const=100, metavar="MB",
                        help="time MB megabytes (default 100) of real text per charset instead")
    args = parser.parse_args()
    if args.throughput is not None:
        throughput(args.throughput)
        return
    print(f"Python {sys.version.split()[0]}, convert_utf8 vs bytes.decode "
          f"(best of 5 rounds, CPU time)")
    print(f"{'charset':10} {'size':>6} {'bytes.decode':>14} {'decode':>12} {'ratio':>6}"
          f" {'.encode(utf8)':>14} {'to_utf8':>12} {'ratio':>6}")
    for ours, python, text in CASES:
        unit = text.encode(python)
        for size_name, size in (("1 KiB", 1024), ("1 MiB", 1 << 20)):
            data = (unit * (size // len(unit) + 1))[:size]
            data = data[: len(data.decode(python, "ignore").encode(python))]  # whole characters
            assert convert_utf8.decode(data, ours) == data.decode(python)
            number = 20000 if size == 1024 else 50
            theirs, mine, theirs8, mine8 = best(
                [lambda: data.decode(python), lambda: convert_utf8.decode(data, ours),
                 lambda: data.decode(python).encode("utf-8"),
                 lambda: convert_utf8.to_utf8(data, ours)], number)
            print(f"{ours:10} {size_name:>6} {theirs * 1e6:11.2f} µs {mine * 1e6:9.2f} µs"
                  f" {theirs / mine:5.2f}x {theirs8 * 1e6:11.2f} µs {mine8 * 1e6:9.2f} µs"
                  f" {theirs8 / mine8:5.2f}x")

    data = (CASES[2][2].encode("shift_jis") * 40)[:1024]
    data = data[: len(data.decode("shift_jis", "ignore").encode("shift_jis"))]
    if convert_utf8.lookup("SJIS").supported:
        # Wall-clock: the child's CPU time counts too.
        fork, = best([lambda: subprocess.run(["iconv", "-f", "SHIFT_JIS", "-t", "UTF-8"],
                                             input=data, check=True, capture_output=True)],
                     200, timer=time.perf_counter)
        mine, = best([lambda: convert_utf8.decode(data, "SHIFT_JIS")], 20000,
                     timer=time.perf_counter)
        print(f"1 KiB Shift_JIS per call: subprocess iconv {fork * 1e6:.0f} µs, "
              f"convert_utf8.decode {mine * 1e6:.2f} µs ({fork / mine:.0f}x)")


if __name__ == "__main__":
    main()
