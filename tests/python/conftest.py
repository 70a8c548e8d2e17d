"""Shared helpers for the convert_utf8 test suite."""

from __future__ import annotations

import codecs
import re

import pytest

import convert_utf8

# Charsets that mean the same bytes to glibc (and so to convert_utf8) and to Python's codecs.
SAME_MEANING = [
    ("UTF-8", "utf-8"),
    ("UTF-16LE", "utf-16-le"),
    ("UTF-16BE", "utf-16-be"),
    ("UTF-32LE", "utf-32-le"),
    ("UTF-32BE", "utf-32-be"),
    ("ISO-8859-1", "latin-1"),
    ("ISO-8859-5", "iso8859-5"),
    ("CP1251", "cp1251"),
    ("CP1252", "cp1252"),
    ("KOI8-R", "koi8-r"),
    ("ANSI_X3.4-1968", "ascii"),
]

# Short texts in the charsets the column tests mix, each encodable in its charset.
COLUMN_SAMPLES = {
    "latin1": "café crème brûlée, façade",
    "cp1251": "Съешь же ещё этих мягких французских булок",
    "koi8-r": "да выпей чаю",
    "iso-8859-7": "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία",
    "shift_jis": "いろはにほへと ちりぬるを 日本語",
    "gbk": "我能吞下玻璃而不伤身体",
    "euc-kr": "다람쥐 헌 쳇바퀴에 타고파",
    "utf-8": "Příliš žluťoučký kůň úpěl ďábelské ódy",
}

ERROR_HANDLERS = ["strict", "ignore", "replace", "backslashreplace", "surrogateescape"]


# glibc (and so the engine) reports some ill-formed UTF-8 as one unit where Python reports one
# error per byte: an overlong form, an encoded surrogate, a value above U+10FFFF, a 5- or 6-byte
# form, a run of stray continuation bytes -- the unit `iconv -c` drops. The same bytes are bad
# either way ("ignore", "backslashreplace" and "surrogateescape" agree), but "replace" writes
# fewer U+FFFD and handlers see longer spans. `check_against_python` allows exactly that.


def _spans(decode_with_handler) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []

    def record(exc: UnicodeError) -> tuple[str, int]:
        assert isinstance(exc, UnicodeDecodeError)
        spans.append((exc.start, exc.end))
        return "", exc.end

    codecs.register_error("test.spans", record)
    decode_with_handler("test.spans")
    return spans


def check_against_python(data: bytes, ours: str, python: str, errors: str) -> None:
    """Asserts that convert_utf8 decodes `data` as Python does, allowing only glibc's merged units."""
    our_spans = _spans(lambda h: convert_utf8.decode(data, ours, h))
    python_spans = _spans(lambda h: data.decode(python, h))
    python_cuts = {cut for span in python_spans for cut in span}
    assert {i for a, b in our_spans for i in range(a, b)} == {
        i for a, b in python_spans for i in range(a, b)
    }, "different bytes are bad"
    assert all(a in python_cuts and b in python_cuts for a, b in our_spans), "units cut differently"
    if our_spans == python_spans or errors in PER_BYTE_HANDLERS:
        assert our_result(data, ours, errors) == python_result(data, python, errors)
    else:
        assert python == "utf-8", "only UTF-8 has merged units"


# Handlers whose output is per byte, so unit boundaries cannot change it.
PER_BYTE_HANDLERS = {"ignore", "backslashreplace", "surrogateescape"}


def same_meaning_params() -> list[object]:
    """SAME_MEANING as pytest params, each named by our charset."""
    return [pytest.param(ours, python, id=ours) for ours, python in SAME_MEANING]


def python_result(data: bytes, encoding: str, errors: str) -> tuple[str, object]:
    """Python's own decoding: ("ok", text) or ("error", (start, end))."""
    try:
        return "ok", data.decode(encoding, errors)
    except UnicodeDecodeError as e:
        return "error", (e.start, e.end)


def our_result(data: bytes, encoding: str, errors: str) -> tuple[str, object]:
    try:
        return "ok", convert_utf8.decode(data, encoding, errors)
    except UnicodeDecodeError as e:
        return "error", (e.start, e.end)


def _record_positions(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    return f"<{exc.start}:{exc.end}:{exc.object[exc.start:exc.end].hex()}>", exc.end


codecs.register_error("test.record", _record_positions)
