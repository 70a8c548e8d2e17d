"""convert_utf8.decode / to_utf8 against Python's own codecs and against a forked iconv.

Not a test: prints a table of timings measured side by side in one run.
Usage (with the package installed): python crates/convert-utf8-python/benches/compare_codecs.py
"""

from __future__ import annotations

import subprocess
import sys
import time
import timeit

import convert_utf8

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


def best(fn, number: int, timer=time.process_time) -> float:
    """Best of 5 runs, seconds per call; by default this process's CPU time, so that other
    processes competing for the CPU disturb the figures less than wall-clock time would."""
    return min(timeit.repeat(fn, number=number, repeat=5, timer=timer)) / number


def main() -> None:
    print(f"Python {sys.version.split()[0]}, convert_utf8 vs bytes.decode (best of 5, CPU time)")
    print(f"{'charset':10} {'size':>6} {'bytes.decode':>14} {'decode':>12} {'ratio':>6}"
          f" {'.encode(utf8)':>14} {'to_utf8':>12} {'ratio':>6}")
    for ours, python, text in CASES:
        if not convert_utf8.lookup(ours).supported:
            print(f"{ours:10} not decodable in this build")
            continue
        unit = text.encode(python)
        for size_name, size in (("1 KiB", 1024), ("1 MiB", 1 << 20)):
            data = (unit * (size // len(unit) + 1))[:size]
            data = data[: len(data.decode(python, "ignore").encode(python))]  # whole characters
            assert convert_utf8.decode(data, ours) == data.decode(python)
            number = 20000 if size == 1024 else 50
            theirs = best(lambda: data.decode(python), number)
            mine = best(lambda: convert_utf8.decode(data, ours), number)
            theirs8 = best(lambda: data.decode(python).encode("utf-8"), number)
            mine8 = best(lambda: convert_utf8.to_utf8(data, ours), number)
            print(f"{ours:10} {size_name:>6} {theirs * 1e6:11.2f} µs {mine * 1e6:9.2f} µs"
                  f" {theirs / mine:5.2f}x {theirs8 * 1e6:11.2f} µs {mine8 * 1e6:9.2f} µs"
                  f" {theirs8 / mine8:5.2f}x")

    data = (CASES[2][2].encode("shift_jis") * 40)[:1024]
    data = data[: len(data.decode("shift_jis", "ignore").encode("shift_jis"))]
    if convert_utf8.lookup("SJIS").supported:
        fork = best(lambda: subprocess.run(["iconv", "-f", "SHIFT_JIS", "-t", "UTF-8"], input=data,
                                           check=True, capture_output=True), 200,
                    timer=time.perf_counter)  # wall-clock: the child's CPU time counts too
        mine = best(lambda: convert_utf8.decode(data, "SHIFT_JIS"), 20000, timer=time.perf_counter)
        print(f"1 KiB Shift_JIS per call: subprocess iconv {fork * 1e6:.0f} µs, "
              f"convert_utf8.decode {mine * 1e6:.2f} µs ({fork / mine:.0f}x)")


if __name__ == "__main__":
    main()
