"""Unless errors="strict", the routes that build a str by CPython's constructors or straight
into its storage are taken only for input a cheap check finds clean; input with a bad sequence is
decoded once, by the engine under its policy or by a Python error handler's path. Either way the
text must be the engine's: the same as `to_utf8` (which always goes through the engine) gives, at
sizes below and above the batch and GIL-release thresholds, with the bad bytes at the start, the
middle and the end."""

import pytest

import convert_utf8

SIZES = [1, 100, 70_000, 2_500_000]

CASES = [
    # (encoding, clean text's encoding in Python, a bad sequence for that encoding)
    ("UTF-8", "utf-8", b"\xff"),
    ("UTF-8", "utf-8", b"\xe2\x82"),
    ("UTF-16LE", "utf-16-le", b"\x00\xdc"),
    ("UTF-16BE", "utf-16-be", b"\xd8\x00\x00A"),
    ("CP1251", "cp1251", b"\x98"),
    ("ASCII", "ascii", b"\xc0"),
    ("SHIFT_JIS", "shift_jis", b"\x81\x20"),
    ("UTF-7", "utf-7", b"+\xff-"),
]

TEXT = "Съешь же ещё этих мягких французских булок, да выпей чаю. abc "


def sample(codec: str, size: int) -> bytes:
    try:
        unit = TEXT.encode(codec)
    except UnicodeEncodeError:
        unit = TEXT.encode("ascii", "ignore").decode().encode(codec)
    data = unit * (size // len(unit) + 1)
    # Whole code units for the 16-bit forms.
    return data[: max(2, size - size % 2)] if codec.startswith("utf-16") else data[:size]


def engine_text(data: bytes, encoding: str, errors: str) -> str:
    return convert_utf8.to_utf8(data, encoding, errors).decode("utf-8")


@pytest.mark.parametrize("errors", ["ignore", "replace", "backslashreplace"])
@pytest.mark.parametrize("encoding,codec,bad", CASES)
@pytest.mark.parametrize("size", SIZES)
def test_dirty_input_gives_the_engines_text(encoding, codec, bad, size, errors):
    clean = sample(codec, size)
    if codec == "utf-7":
        clean = TEXT.encode("utf-7") * (size // 80 + 1)
    middle = len(clean) // 2
    if codec.startswith("utf-16"):
        middle -= middle % 2
    for data in (bad + clean, clean[:middle] + bad + clean[middle:], clean + bad):
        assert convert_utf8.decode(data, encoding, errors) == engine_text(data, encoding, errors)


@pytest.mark.parametrize("errors", ["ignore", "replace"])
@pytest.mark.parametrize("encoding,codec", sorted({(e, c) for e, c, _ in CASES}))
def test_clean_input_is_the_same_under_every_engine_policy(encoding, codec, errors):
    try:
        unit = TEXT.encode(codec)
    except UnicodeEncodeError:
        unit = TEXT.encode("ascii", "ignore")
    data = unit * 1000
    assert convert_utf8.decode(data, encoding, errors) == convert_utf8.decode(data, encoding)
