"""Benchmark data for the column benchmark: mail bodies of about 200 bytes in mixed charsets,
a charset label per row, written as Parquet (`body` binary, `charset` string).

The text is the repository's committed prose (SOURCES.md beside this script says what and under
which terms); each body is a run of it cut at character boundaries and encoded with Python's
codecs. The mix leans to Latin and UTF-8, as mail does, and the labels come in the spellings
mail headers use ('ISO-8859-1', 'latin1', 'utf8', 'Shift_JIS', ...). The same seed and row
count always give the same rows.

    python bench/columns/make_data.py [--rows N] [--seed S] [--out FILE]
"""

from __future__ import annotations

import argparse
import bisect
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "data"
ENGINE_TEXT = ROOT / "crates/convert-utf8/benches/data"
CJK_TEXT = ROOT / "crates/convert-utf8/benches/multibyte-text"
SUITE_TEXT = ROOT / "bench/text"

ENGLISH = [ENGINE_TEXT / "english.txt"]
LATIN = ENGLISH + [SUITE_TEXT / "udhr-article1-latin.txt"]
UTF8_MIX = LATIN + [ENGINE_TEXT / "greek.txt", ENGINE_TEXT / "russian.txt", CJK_TEXT / "ja.txt",
                    CJK_TEXT / "zh-hans.txt", CJK_TEXT / "ko.txt"]

# (Python codec, share of the rows in per cent, the texts, label spellings with their weights).
# The shares follow what a mail archive holds: mostly UTF-8 and the Latin charsets.
MIX = [
    ("utf-8", 37, UTF8_MIX, [("utf-8", 6), ("UTF-8", 3), ("utf8", 1)]),
    ("cp1252", 20, LATIN, [("windows-1252", 6), ("Windows-1252", 3), ("cp1252", 1)]),
    ("latin-1", 12, LATIN, [("iso-8859-1", 5), ("ISO-8859-1", 4), ("latin1", 1)]),
    ("koi8-r", 4, [ENGINE_TEXT / "russian.txt"], [("koi8-r", 2), ("KOI8-R", 1)]),
    ("cp1251", 5, [ENGINE_TEXT / "russian.txt"], [("windows-1251", 3), ("cp1251", 1)]),
    ("iso8859-7", 3, [ENGINE_TEXT / "greek.txt"], [("iso-8859-7", 2), ("ISO-8859-7", 1)]),
    ("shift_jis", 4, [CJK_TEXT / "ja.txt"], [("shift_jis", 2), ("Shift_JIS", 2), ("sjis", 1)]),
    ("euc_jp", 3, [CJK_TEXT / "ja.txt"], [("euc-jp", 2), ("EUC-JP", 1)]),
    ("gbk", 5, [CJK_TEXT / "zh-hans.txt"], [("gbk", 2), ("GBK", 1)]),
    ("big5", 3, [CJK_TEXT / "zh-hant.txt"], [("big5", 2), ("Big5", 1)]),
    ("euc_kr", 4, [CJK_TEXT / "ko.txt"], [("euc-kr", 2), ("EUC-KR", 1)]),
]
assert sum(share for _, share, _, _ in MIX) == 100

# Lines left out: the one line of the samples whose source is not named (SOURCES.md).
EXCLUDED_LINES = ("Η Αθήνα είναι η πρωτεύουσα",)

# Body sizes in bytes: uniform in this range, about 200 on average.
MIN_BYTES, MAX_BYTES = 120, 280


class Source:
    """One charset's text, encoded once, with the byte offset of every character so that a body
    can be cut at character boundaries without decoding."""

    def __init__(self, codec: str, paths: list[Path]):
        # Lines joined as mail joins them (CRLF); a paragraph's text is repeated so that a body
        # may start near the end and run on.
        text = "\r\n".join(
            line.strip() for path in paths
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith(EXCLUDED_LINES))
        text = text + "\r\n" + text
        encoded_chars = [ch.encode(codec) for ch in text]
        self.data = b"".join(encoded_chars)
        self.offsets = [0]
        for chunk in encoded_chars:
            self.offsets.append(self.offsets[-1] + len(chunk))
        # A body may start anywhere in the first copy.
        self.starts = len(text) // 2

    def body(self, rng: random.Random) -> bytes:
        start = rng.randrange(self.starts)
        size = rng.randint(MIN_BYTES, MAX_BYTES)
        begin = self.offsets[start]
        # The last character boundary at most `size` bytes on.
        end = self.offsets[bisect.bisect_right(self.offsets, begin + size) - 1]
        return self.data[begin:end]


def rows(count: int, seed: int = 1) -> tuple[list[bytes], list[str]]:
    """`count` (body, label) rows, the same for the same seed."""
    rng = random.Random(seed)
    sources = [Source(codec, paths) for codec, _, paths, _ in MIX]
    shares = [share for _, share, _, _ in MIX]
    labels = [[label for label, _ in spellings] for _, _, _, spellings in MIX]
    label_weights = [[weight for _, weight in spellings] for _, _, _, spellings in MIX]
    picks = rng.choices(range(len(MIX)), weights=shares, k=count)
    bodies, charsets = [], []
    for pick in picks:
        bodies.append(sources[pick].body(rng))
        charsets.append(rng.choices(labels[pick], weights=label_weights[pick])[0])
    return bodies, charsets


def default_path(count: int, seed: int = 1) -> Path:
    return DATA_DIR / f"mail-{count}-seed{seed}.parquet"


def write(count: int, seed: int = 1, out: Path | None = None) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = out or default_path(count, seed)
    bodies, charsets = rows(count, seed)
    # Each body must be text in its label's charset as Python reads it: the benchmark's per-row
    # routes decode it with Python's codecs.
    for body, label in zip(bodies, charsets):
        body.decode(label)
    table = pa.table({"body": pa.array(bodies, pa.binary()),
                      "charset": pa.array(charsets, pa.string())})
    out.parent.mkdir(parents=True, exist_ok=True)
    # Row groups of 64k rows, as a writer streaming mail would make them.
    pq.write_table(table, out, row_group_size=65536, compression="zstd")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    path = write(args.rows, args.seed, args.out)
    print(f"{args.rows} rows written to {path}")


if __name__ == "__main__":
    main()
