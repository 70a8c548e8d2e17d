#!/usr/bin/env python3
"""Builds a tree of many small files in mixed charsets, for timing whole-tree conversion.

    python3 bench/trees/make_tree.py --out DIR/tree                 # 100,000 files
    python3 bench/trees/make_tree.py --files 10000 --out DIR/tree-10k

Each file is 1 to 16 KiB (sizes spread evenly on a log scale), made of whole lines of real
prose committed in this repository, in one charset; a few are binary or already UTF-8. Files
are numbered and laid out 100 to a directory, two directory levels deep (000/00/000000.txt).
Everything derives from --seed and the file's number, so the first N files of a bigger tree are
the files of an N-file tree.

The manifest, DIR/tree.manifest.tsv (beside the tree, not in it), has one line per file:
its path below the tree, a tab, and its true charset as glibc iconv names it (UTF-16 for
UTF-16 with a byte-order mark, UTF-8, or `binary`).

Keep the tree outside any directory a .gitignore file ignores: `convert-utf8 -r` honours
ignore files of the parent directories too, as git does, and would leave such a tree alone.
"""

from __future__ import annotations

import argparse
import math
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH_DATA = ROOT / "crates/convert-utf8/benches/data"
CJK_DATA = ROOT / "crates/convert-utf8/benches/multibyte-text"


def lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sources() -> dict[str, list[str]]:
    """The texts, by name: all committed prose with a stated origin (see the docs)."""
    english = lines(BENCH_DATA / "english.txt")
    # The Central European lines of the test data's multilingual text (traditional pangrams:
    # Polish, Czech, Hungarian): the only Polish, Czech and Hungarian text in the repository.
    multilingual = lines(ROOT / "crates/convert-utf8/tests/data/multilingual.txt")
    central = [l for l in multilingual if l.startswith(("Pchnąć", "Příliš", "Árvíztűrő"))]
    assert len(central) == 3, central
    return {
        "latin": lines(ROOT / "bench/text/udhr-article1-latin.txt")[1:],  # without its title
        # Windows text as a word processor types it: typographic double quotes, which only
        # CP1252 (not ISO-8859-1) has, mixed with the accented Latin-1 text.
        "latin-typographic": english_typographic(english)
        + lines(ROOT / "bench/text/udhr-article1-latin.txt")[1:],
        "central": central,
        "russian": lines(BENCH_DATA / "russian.txt"),
        "greek": lines(BENCH_DATA / "greek.txt"),
        "japanese": lines(CJK_DATA / "ja.txt"),
        "korean": lines(CJK_DATA / "ko.txt"),
        "chinese-simplified": lines(CJK_DATA / "zh-hans.txt"),
        "chinese-traditional": lines(CJK_DATA / "zh-hant.txt"),
        "english": english,
    }


def english_typographic(english: list[str]) -> list[str]:
    out = []
    for line in english:
        parts = line.split('"')
        out.append("".join(p + ("“" if i % 2 == 0 else "”") for i, p in enumerate(parts[:-1]))
                   + parts[-1])
    return out


# (true charset as glibc names it, Python codec, text, weight). Weights: legacy text 80 %,
# UTF-16 with BOM 4 %, UTF-8 10 %, binary 6 %.
KINDS = [
    ("CP1252", "cp1252", "latin-typographic", 10),
    ("ISO-8859-1", "iso8859_1", "latin", 6),
    ("CP1251", "cp1251", "russian", 8),
    ("KOI8-R", "koi8_r", "russian", 5),
    ("ISO-8859-2", "iso8859_2", "central", 5),
    ("CP1250", "cp1250", "central", 6),
    ("ISO-8859-7", "iso8859_7", "greek", 5),
    ("SHIFT_JIS", "shift_jis", "japanese", 7),
    ("EUC-JP", "euc_jp", "japanese", 5),
    ("GBK", "gbk", "chinese-simplified", 8),
    ("BIG5", "big5", "chinese-traditional", 6),
    ("EUC-KR", "euc_kr", "korean", 9),
    ("UTF-16", None, None, 4),
    ("UTF-8", "utf-8", None, 10),
    ("binary", None, None, 6),
]

MIN_SIZE, MAX_SIZE = 1024, 16 * 1024
PER_DIR = 100


def check_codecs(texts: dict[str, list[str]]) -> None:
    """Python's codec and glibc iconv must agree on every text, so that the manifest's charset
    is the truth for `iconv -f CHARSET` as well (they differ on a few codes in some charsets)."""
    for charset, codec, name, _ in KINDS:
        if codec is None or name is None or codec == "utf-8":
            continue
        text = "\n".join(texts[name]) + "\n"
        data = text.encode(codec)
        back = subprocess.run(["iconv", "-f", charset, "-t", "UTF-8"], input=data,
                              capture_output=True, check=True).stdout
        if back.decode("utf-8") != text:
            sys.exit(f"{charset}: Python's {codec} and glibc iconv disagree on {name}")


def text_body(rng: random.Random, text: list[str], codec: str, size: int) -> bytes:
    """Whole lines from a random place, cycling, then part of one line, to about `size` bytes."""
    out = bytearray()
    i = rng.randrange(len(text))
    while True:
        line = (text[i % len(text)] + "\n").encode(codec)
        if len(out) + len(line) > size:
            # Cut the last line at a character boundary.
            chars = text[i % len(text)]
            for n in range(len(chars), 0, -1):
                part = chars[:n].encode(codec)
                if len(out) + len(part) <= size:
                    out += part
                    break
            return bytes(out)
        out += line
        i += 1


def binary_body(rng: random.Random, size: int) -> tuple[bytes, str]:
    if rng.random() < 0.5:
        # PNG-like: the signature, an IHDR chunk, then an IDAT chunk of random bytes.
        width, height = rng.randrange(16, 1024), rng.randrange(16, 1024)
        header = (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + width.to_bytes(4, "big")
                  + height.to_bytes(4, "big") + b"\x08\x06\x00\x00\x00" + rng.randbytes(4))
        body = rng.randbytes(max(0, size - len(header) - 12))
        idat = len(body).to_bytes(4, "big") + b"IDAT" + body + rng.randbytes(4)
        return header + idat, ".png"
    # Random bytes with runs of NULs, as in object files and databases.
    data = bytearray(rng.randbytes(size))
    for _ in range(size // 256 + 1):
        at, run = rng.randrange(size), rng.randrange(1, 32)
        data[at:at + run] = bytes(len(data[at:at + run]))
    return bytes(data), ".dat"


def make_file(seed: str, index: int, texts: dict[str, list[str]]) -> tuple[str, bytes, str]:
    rng = random.Random(f"{seed}:{index}")
    charset, codec, name, _ = rng.choices(KINDS, weights=[k[3] for k in KINDS])[0]
    size = int(math.exp(rng.uniform(math.log(MIN_SIZE), math.log(MAX_SIZE))))
    ext = ".txt"
    if charset == "binary":
        data, ext = binary_body(rng, size)
    elif charset == "UTF-16":
        text = texts[rng.choice(sorted(t for t in texts if t != "latin-typographic"))]
        if rng.random() < 0.5:
            data = b"\xff\xfe" + text_body(rng, text, "utf-16-le", size - 2)
        else:
            data = b"\xfe\xff" + text_body(rng, text, "utf-16-be", size - 2)
    elif charset == "UTF-8":
        text = texts[rng.choice(sorted(t for t in texts if t != "latin-typographic"))]
        data = text_body(rng, text, "utf-8", size)
    else:
        data = text_body(rng, texts[name], codec, size)
    directory = index // PER_DIR
    path = f"{directory // 100:03d}/{directory % 100:02d}/{index:06d}{ext}"
    return path, data, charset


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the tree (must not exist)")
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--seed", default="convert-utf8-trees-1")
    args = parser.parse_args()
    if args.out.exists():
        sys.exit(f"{args.out} exists")
    texts = sources()
    check_codecs(texts)
    manifest = args.out.with_name(args.out.name + ".manifest.tsv")
    made: set[Path] = set()
    with open(manifest, "w", encoding="utf-8") as m:
        for index in range(args.files):
            path, data, charset = make_file(args.seed, index, texts)
            target = args.out / path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            target.write_bytes(data)
            m.write(f"{path}\t{charset}\n")
    print(f"{args.files} files in {args.out}, manifest {manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
