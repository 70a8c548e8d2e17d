"""The str decode() builds is the one bytes.decode builds: same characters, same storage width
(a str's width must be the smallest that fits, or equality and hashing go wrong), whatever the
route; and a strict decode that meets a bad sequence raises the engine's error for it, at its
position, on the first pass, for inputs of every size."""

from __future__ import annotations

import sys

import pytest

import convert_utf8

BIG = convert_utf8._native.DETACH_THRESHOLD * 2 + 5  # decoded with the GIL released; many blocks

# (label, Python codec) of single-byte charsets written from their tables.
SINGLE_BYTE = [("CP1251", "cp1251"), ("KOI8-R", "koi8-r"), ("ISO-8859-7", "iso8859-7"),
               ("IBM037", "cp037"), ("ISO-8859-15", "iso8859-15")]

# Texts of each width, and ones whose width grows late (after the first blocks).
TEXTS = [
    "",
    "plain ASCII",
    "caf\xe9 na\xefve",
    "Привет, мир!",
    "Γειά σου κόσμε",
    "x" * 10_000 + "\xe9",
    "x" * 10_000 + "\xe9" * 5000 + "Ж",
    "y" * BIG + "Ж",
    "\xe9" * BIG,
]


def same_str(ours: str, theirs: str) -> None:
    assert ours == theirs
    assert hash(ours) == hash(theirs)
    assert ours.isascii() == theirs.isascii()
    assert sys.getsizeof(ours) == sys.getsizeof(theirs)  # same storage width


@pytest.mark.parametrize("label, codec", SINGLE_BYTE)
@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_single_byte_str_has_the_canonical_width(label, codec, text):
    data = text.encode(codec, "ignore")
    same_str(convert_utf8.decode(data, label), data.decode(codec))


@pytest.mark.parametrize("label, codec", [("UTF-8", "utf-8"), ("UTF-16LE", "utf-16-le"),
                                          ("SJIS", "shift_jis"), ("GBK", "gbk"),
                                          ("EUC-KR", "euc_kr"), ("UTF-7", "utf-7")])
@pytest.mark.parametrize("text", TEXTS + ["こんにちは", "a" * BIG + "世界", "🙂" + "a" * 100],
                         ids=range(len(TEXTS) + 3))
def test_every_route_gives_the_canonical_width(label, codec, text):
    data = text.encode(codec, "ignore")
    same_str(convert_utf8.decode(data, label), data.decode(codec))


def where(size: int) -> list[int]:
    return [0, 1, size // 2, 4095, 4096, size - 1]


@pytest.mark.parametrize("size", [1, 100, 5000, BIG])
def test_single_byte_error_at_every_place(size):
    # 0x98 is the one byte CP1251 leaves undefined.
    text = ("Привет, мир! " * (size // 10 + 1)).encode("cp1251")[:size]
    for at in sorted({min(at, size - 1) for at in where(size)}):
        data = text[:at] + b"\x98" + text[at + 1:]
        with pytest.raises(convert_utf8.DecodeError) as raised:
            convert_utf8.decode(data, "CP1251")
        error = raised.value
        assert (error.start, error.end, error.reason, error.encoding) == (
            at, at + 1, "illegal input sequence", "CP1251")
        assert error.object == data
        # Other errors= still decode the whole input, as the engine does.
        assert convert_utf8.decode(data, "CP1251", "replace") == (
            text[:at].decode("cp1251") + "\ufffd" + text[at + 1:].decode("cp1251"))
        assert convert_utf8.decode(bytearray(data), "CP1251", "ignore") == (
            text[:at].decode("cp1251") + text[at + 1:].decode("cp1251"))


@pytest.mark.parametrize("size", [100, 5000, BIG, (1 << 20) + 100])
@pytest.mark.parametrize("label, codec, bad, span", [
    ("SJIS", "shift_jis", b"\xff", 1), ("GBK", "gbk", b"\xff", 1),
    ("UTF-8", "utf-8", b"\xff", 1), ("ascii", "ascii", b"\x80", 1)])
def test_strict_error_positions(size, label, codec, bad, span):
    text = ("日本語 and text " if codec != "ascii" else "ascii text ") * (size // 8)
    data = text.encode(codec)[:size]
    data = data.decode(codec, "ignore").encode(codec)
    for at in (0, len(data) // 2, len(data)):
        # A character boundary near `at`.
        at = len(data[:at].decode(codec, "ignore").encode(codec))
        bad_data = data[:at] + bad + data[at:]
        with pytest.raises(convert_utf8.DecodeError) as raised:
            convert_utf8.decode(bad_data, label)
        assert (raised.value.start, raised.value.end) == (at, at + span)
        assert raised.value.object == bad_data


def test_truncated_cjk_end_is_the_engines():
    data = "日本語".encode("shift_jis") * 10_000 + b"\x88"
    with pytest.raises(convert_utf8.DecodeError) as raised:
        convert_utf8.decode(data, "SJIS")
    assert (raised.value.start, raised.value.end) == (len(data) - 1, len(data))
    assert raised.value.reason.startswith("truncated input")
