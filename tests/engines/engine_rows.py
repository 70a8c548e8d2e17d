"""Rows shared by the engine tests (imported by them; pytest puts this folder on the path), and what each row must decode to.

The reference is convert_utf8.decode, row by row: the column kernel, run inside an engine, must
give exactly what the per-row call gives, nulls and bad rows included.
"""

from __future__ import annotations

import convert_utf8

# (body, label): labels as mail spells them, a null body, a null label (the row's charset is
# detected), a row that is not valid in its charset, and a label no charset answers to.
BASE_ROWS: list[tuple[bytes | None, str | None]] = [
    ("Tous les êtres humains naissent libres et égaux".encode("cp1252"), "windows-1252"),
    ("Alle Menschen sind frei und gleich an Würde".encode("latin-1"), "ISO-8859-1"),
    ("Все счастливые семьи похожи друг на друга".encode("koi8-r"), "KOI8-R"),
    ("Всё смешалось в доме Облонских".encode("cp1251"), "cp1251"),
    ("Όλοι οι άνθρωποι γεννιούνται ελεύθεροι".encode("iso8859-7"), "iso-8859-7"),
    ("吾輩は猫である。名前はまだ無い。".encode("shift_jis"), "Shift_JIS"),
    ("どこで生れたかとんと見当がつかぬ。".encode("euc_jp"), "euc-jp"),
    ("人人生而自由，在尊严和权利上一律平等。".encode("gbk"), "GBK"),
    ("人人生而自由，在尊嚴和權利上一律平等。".encode("big5"), "big5"),
    ("모든 인간은 태어날 때부터 자유로우며".encode("euc_kr"), "EUC-KR"),
    ("It is a truth universally acknowledged — ünïcödé".encode("utf-8"), "utf8"),
    (None, "utf-8"),
    ("Η Ελλάδα, μια χώρα με μακραίωνη ιστορία και πολιτισμό, στη νότια Ευρώπη.".encode("utf-8"),
     None),
    (b"bad \xff\xfe here", "utf-8"),
    (b"\x82\xa0 then a lone lead byte \x82", "shift_jis"),
]
UNKNOWN_LABEL_ROW: tuple[bytes | None, str | None] = (b"plain", "no-such-charset")


def rows(copies: int, *, unknown_label: bool = False) -> list[tuple[bytes | None, str | None]]:
    """The base rows repeated, so that the engine splits them over partitions and batches."""
    base = BASE_ROWS + ([UNKNOWN_LABEL_ROW] if unknown_label else [])
    return base * copies


def expected(body: bytes | None, label: str | None, errors: str) -> str | None:
    """What the per-row call gives for this row under this policy."""
    if body is None:
        return None
    if label is None or label == "auto":
        label = convert_utf8.detect(body).encoding
        if label is None:
            if errors == "null":
                return None
            raise LookupError("no charset detected")
    if errors == "null":
        try:
            return convert_utf8.decode(body, label)
        except (UnicodeDecodeError, LookupError):
            return None
    return convert_utf8.decode(body, label, errors)


def arrow_table(data: list[tuple[bytes | None, str | None]]):
    """The rows as an Arrow table, with an `id` column to put an engine's output back in order."""
    import pyarrow as pa

    return pa.table({
        "id": pa.array(range(len(data)), pa.int64()),
        "body": pa.array([b for b, _ in data], pa.binary()),
        "charset": pa.array([c for _, c in data], pa.string()),
    })
