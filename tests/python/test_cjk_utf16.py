"""decode() of the CJK multi-byte charsets, which builds its str from UTF-16 units the engine
decodes straight from the input: the same str as the engine's UTF-8 (to_utf8, the general
route) on every valid code and on real text of any length, and on bad input the same errors at
the same positions."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

import convert_utf8

CJK = [c.name for c in convert_utf8.charsets() if c.family == "cjk_multibyte"]

TEXTS = Path(__file__).resolve().parents[2] / "crates/convert-utf8/benches/multibyte-text"

# Real text per charset that Python's codecs also encode: (charset, Python codec, text file).
REAL_TEXT = [
    ("SJIS", "shift_jis", "ja.txt"),
    ("CP932", "cp932", "ja.txt"),
    ("EUC-JP", "euc_jp", "ja.txt"),
    ("SHIFT_JISX0213", "shift_jisx0213", "ja.txt"),
    ("EUC-JISX0213", "euc_jisx0213", "ja.txt"),
    ("GBK", "gbk", "zh-hans.txt"),
    ("GB18030", "gb18030", "zh-hans.txt"),
    ("EUC-CN", "gb2312", "zh-hans.txt"),
    ("BIG5", "big5", "zh-hant.txt"),
    ("BIG5HKSCS", "big5hkscs", "zh-hant.txt"),
    ("EUC-KR", "euc_kr", "ko.txt"),
    ("UHC", "cp949", "ko.txt"),
    ("JOHAB", "johab", "ko.txt"),
]


def general_route(data: bytes, name: str, errors: str = "strict") -> str:
    return convert_utf8.to_utf8(data, name, errors).decode("utf-8")


def test_every_cjk_charset_is_covered():
    assert len(CJK) == 17
    assert {name for name, _, _ in REAL_TEXT} <= set(CJK)


def bad_alone(data: bytes, name: str) -> bool:
    """Whether `data` starts with a one-byte bad sequence."""
    try:
        convert_utf8.to_utf8(data, name)
    except UnicodeDecodeError as error:
        return (error.start, error.end) == (0, 1)
    return False


@cache
def valid_codes(name: str) -> bytes:
    """Every single byte and two-byte code that decodes by itself, one after another."""
    codes = []
    for first in range(256):
        if convert_utf8.to_utf8(bytes([first]), name, "ignore"):
            codes.append(bytes([first]))
            continue
        for next_byte in range(256):
            code = bytes([first, next_byte])
            try:
                convert_utf8.to_utf8(code, name)
            except UnicodeDecodeError:
                continue
            codes.append(code)
    return b"".join(codes)


@pytest.mark.parametrize("name", CJK)
def test_every_valid_code_gives_the_general_routes_str(name):
    codes = valid_codes(name)
    assert len(codes) > 5000
    assert convert_utf8.decode(codes, name) == general_route(codes, name)
    # Large enough for several batches, with the GIL released.
    many = codes * (3_000_000 // len(codes) + 1)
    assert convert_utf8.decode(many, name) == general_route(many, name)


@pytest.mark.parametrize("name, codec, file", REAL_TEXT)
@pytest.mark.parametrize("copies", [1, 2000])
def test_real_text_gives_pythons_str(name, codec, file, copies):
    text = (TEXTS / file).read_text(encoding="utf-8")
    data = text.encode(codec, "ignore") * copies
    expected = data.decode(codec)
    assert convert_utf8.decode(data, name) == expected
    assert convert_utf8.decode(memoryview(bytearray(data)), name) == expected


@pytest.mark.parametrize("name", CJK)
@pytest.mark.parametrize("size", [0, 3_000_000])
def test_bad_and_truncated_input_reports_the_general_routes_errors(name, size):
    codes = valid_codes(name)
    body = codes * max(1, size // len(codes))
    bad_byte = next(b for b in range(0x80, 0x100) if bad_alone(bytes([b]) + b"AA", name))
    lead = next(b for b in range(0x81, 0x100)
                if not convert_utf8.to_utf8(bytes([b]), name, "ignore"))
    for bad in (body + bytes([bad_byte]) + codes[:50], body + bytes([lead])):
        with pytest.raises(UnicodeDecodeError) as ours:
            convert_utf8.decode(bad, name)
        with pytest.raises(UnicodeDecodeError) as general:
            general_route(bad, name)
        assert ours.value.start == len(body)
        assert (ours.value.start, ours.value.end, ours.value.reason) == (
            general.value.start, general.value.end, general.value.reason)
        for errors in ("ignore", "replace", "backslashreplace"):
            assert (convert_utf8.decode(bad, name, errors)
                    == convert_utf8.to_utf8(bad, name, errors).decode("utf-8", errors))
