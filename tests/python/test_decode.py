"""decode() and to_utf8(): inputs, labels, error policies and exceptions."""

from __future__ import annotations

import array
import codecs
import mmap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convert_utf8
from conftest import (
    ERROR_HANDLERS,
    our_result,
    python_result,
    check_against_python,
    same_meaning_params,
)

TEXT = "Grüße, мир, 世界, 🙂!"


# --- inputs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        bytes,
        bytearray,
        memoryview,
        lambda b: memoryview(bytearray(b)),
        lambda b: memoryview(b).toreadonly(),
        lambda b: array.array("B", b),
        lambda b: memoryview(b"xx" + b + b"yy")[2:-2],
    ],
    ids=["bytes", "bytearray", "memoryview", "memoryview-rw", "readonly", "array", "slice"],
)
def test_every_buffer_kind_decodes(make):
    data = TEXT.encode("utf-8")
    assert convert_utf8.decode(make(data), "UTF-8") == TEXT
    assert convert_utf8.to_utf8(make(data), "UTF-8") == data


def test_array_of_wider_items_is_read_as_its_bytes():
    data = array.array("H", [0x41, 0x42])  # native-endian 16-bit units
    assert convert_utf8.decode(data, "UTF-16LE" if array.array("H", [1]).tobytes()[0] else "UTF-16BE") == "AB"


def test_mmap_decodes(tmp_path):
    path = tmp_path / "text"
    path.write_bytes(TEXT.encode("utf-8") * 10_000)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        assert convert_utf8.decode(m, "utf-8") == TEXT * 10_000


def test_large_writable_buffer_decodes():
    data = bytearray(TEXT.encode("utf-8") * 50_000)
    assert convert_utf8.decode(data, "utf-8") == TEXT * 50_000


def test_non_contiguous_buffer_is_refused():
    with pytest.raises((BufferError, TypeError)):
        convert_utf8.decode(memoryview(b"abcdef")[::2], "utf-8")


@pytest.mark.parametrize("bad", ["text", None, 42, 3.5, ["a"], object()])
def test_non_buffers_are_type_errors(bad):
    with pytest.raises(TypeError):
        convert_utf8.decode(bad, "utf-8")
    with pytest.raises(TypeError):
        convert_utf8.to_utf8(bad, "utf-8")


def test_str_input_says_it_is_already_text():
    with pytest.raises(TypeError, match="str"):
        convert_utf8.decode("déjà", "utf-8")


@pytest.mark.parametrize("bad", [None, 1, b"utf-8"])
def test_encoding_and_errors_must_be_str(bad):
    with pytest.raises(TypeError):
        convert_utf8.decode(b"x", bad)
    with pytest.raises(TypeError):
        convert_utf8.decode(b"x", "utf-8", bad)


def test_empty_input():
    assert convert_utf8.decode(b"", "utf-8") == ""
    assert convert_utf8.to_utf8(b"", "utf-8") == b""
    assert convert_utf8.decode(bytearray(), "utf-8", "surrogateescape") == ""


def test_huge_input_round_trips():
    data = ("ascii and ünïcödé " * 1024).encode("utf-8") * 2048  # about 40 MiB
    assert convert_utf8.to_utf8(data, "utf-8") == data
    assert convert_utf8.decode(data, "utf-8") == data.decode("utf-8")


def test_keywords():
    assert convert_utf8.decode(data=b"a\xff", encoding="utf-8", errors="replace") == "a\ufffd"
    assert convert_utf8.to_utf8(data=b"a\xff", encoding="utf-8", errors="ignore") == b"a"


# --- labels -------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["utf8", "UTF-8", "utf-8", " Utf8 ", "ISO-10646/UTF8/"])
def test_labels_are_glibc_names(label):
    assert convert_utf8.decode(b"\xc3\xa9", label) == "é"


def test_unknown_label_is_a_lookup_error_with_the_label():
    with pytest.raises(LookupError) as info:
        convert_utf8.decode(b"x", "no-such-charset")
    exc = info.value
    assert isinstance(exc, convert_utf8.UnknownEncodingError)
    assert exc.label == "no-such-charset"
    assert "no-such-charset" in str(exc)
    assert exc.suggestion is None or f"did you mean `{exc.suggestion}'" in str(exc)


def test_a_misspelt_label_gets_a_suggestion_when_the_engine_has_one():
    with pytest.raises(convert_utf8.UnknownEncodingError) as info:
        convert_utf8.lookup("UTF-88")
    if info.value.suggestion is not None:
        assert "did you mean" in str(info.value)
        assert convert_utf8.lookup(info.value.suggestion).name


def test_every_charset_decodes():
    for charset in convert_utf8.charsets():
        # glibc's INTERNAL is only reachable as WCHAR_T.
        label = "WCHAR_T" if charset.name == "INTERNAL" else charset.name
        assert convert_utf8.decode(b"", label) == ""


# --- errors ---------------------------------------------------------------------------------


def test_strict_error_attributes():
    data = b"ab\xffcd"
    with pytest.raises(UnicodeDecodeError) as info:
        convert_utf8.decode(data, "utf8")
    exc = info.value
    assert isinstance(exc, convert_utf8.DecodeError)
    assert isinstance(exc, ValueError)
    assert (exc.encoding, exc.object, exc.start, exc.end) == ("UTF-8", data, 2, 3)
    assert exc.reason == "illegal input sequence"
    assert "position 2" in str(exc)


def test_error_object_is_bytes_for_any_buffer():
    with pytest.raises(UnicodeDecodeError) as info:
        convert_utf8.decode(bytearray(b"x\xe2\x28"), "utf-8")
    assert info.value.object == b"x\xe2\x28"
    assert type(info.value.object) is bytes
    assert (info.value.start, info.value.end) == (1, 2)


def test_truncated_end_says_so():
    with pytest.raises(UnicodeDecodeError) as info:
        convert_utf8.decode(b"abc\xe2\x82", "utf-8")
    exc = info.value
    assert (exc.start, exc.end) == (3, 5)
    assert "truncated" in exc.reason and "incomplete" in exc.reason


def test_to_utf8_errors_like_decode():
    with pytest.raises(convert_utf8.DecodeError):
        convert_utf8.to_utf8(b"\xff", "utf-8")
    assert convert_utf8.to_utf8(b"a\xffb", "utf-8", "backslashreplace") == b"a\\xffb"


def test_to_utf8_cannot_carry_lone_surrogates():
    with pytest.raises(UnicodeEncodeError):
        convert_utf8.to_utf8(b"a\xffb", "utf-8", "surrogateescape")


def test_unknown_handler_fails_only_at_an_error():
    assert convert_utf8.decode(b"fine", "utf-8", "no-such-handler") == "fine"
    with pytest.raises(LookupError, match="no-such-handler"):
        convert_utf8.decode(b"\xff", "utf-8", "no-such-handler")


def test_custom_handler_sees_a_real_exception():
    seen = []

    def handler(exc):
        seen.append((type(exc), exc.encoding, exc.object, exc.start, exc.end, exc.reason))
        return ("?", exc.end)

    codecs.register_error("test.seen", handler)
    assert convert_utf8.decode(b"a\xffb\xc3", "utf-8", "test.seen") == "a?b?"
    assert seen[0][0] is convert_utf8.DecodeError
    assert seen[0][1:5] == ("UTF-8", b"a\xffb\xc3", 1, 2)
    assert seen[1][3:5] == (3, 4) and "truncated" in seen[1][5]


def test_handler_may_skip_ahead_go_back_or_count_from_the_end():
    codecs.register_error("test.skip2", lambda exc: ("<skip>", exc.end + 1))
    data = b"a\xffbcd"
    assert convert_utf8.decode(data, "utf-8", "test.skip2") == data.decode("utf-8", "test.skip2")
    codecs.register_error("test.negative", lambda exc: ("|", exc.end - len(exc.object)))
    assert convert_utf8.decode(data, "utf-8", "test.negative") == data.decode("utf-8", "test.negative")
    # Going back once (to before the bad byte, replacing it) then moving on.
    calls = []

    def back_once(exc):
        calls.append(exc.start)
        if len(calls) == 1:
            exc.object = exc.object[: exc.start] + b"Z" + exc.object[exc.end :]
            return ("", exc.start)
        return ("?", exc.end)

    codecs.register_error("test.back", back_once)
    assert convert_utf8.decode(b"a\xffb\xfe", "utf-8", "test.back") == b"a\xffb\xfe".decode("utf-8", "test.back")


def test_handler_mistakes_raise_like_python():
    data = b"a\xffb"
    for name, handler, error in [
        ("test.oob", lambda exc: ("", len(exc.object) + 1), IndexError),
        ("test.notuple", lambda exc: "x", TypeError),
        ("test.bytes", lambda exc: (b"x", exc.end), TypeError),
        ("test.float", lambda exc: ("x", 1.0), TypeError),
    ]:
        codecs.register_error(name, handler)
        with pytest.raises(error):
            data.decode("utf-8", name)
        with pytest.raises(error):
            convert_utf8.decode(data, "utf-8", name)


def test_handler_exceptions_propagate():
    class Boom(Exception):
        pass

    def boom(exc):
        raise Boom

    codecs.register_error("test.boom", boom)
    with pytest.raises(Boom):
        convert_utf8.decode(b"\xff", "utf-8", "test.boom")


def test_handler_may_decode_reentrantly():
    codecs.register_error("test.nested", lambda exc: (convert_utf8.decode(b"[\xc3\xa9]", "utf-8"), exc.end))
    assert convert_utf8.decode(b"x\xffy" * 1000, "utf-8", "test.nested") == "x[é]y" * 1000


# --- agreement with Python's codecs --------------------------------------------------------

SAMPLES = [
    b"",
    b"plain ascii",
    "ünïcödé 世界 🙂".encode("utf-8"),
    b"\xff",
    b"a\x80b",
    b"\xc3",
    b"\xc3(",
    b"\xe2\x82",
    b"\xe2\x82(",
    b"\xf0\x9f\x99",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xf4\x90\x80\x80",
    b"\xfe\xff\x00",
    bytes(range(256)),
    "Aé€".encode("utf-16-le") + b"\x00\xd8A\x00" + b"\x00\xdc" + b"\x3d\xd8\x42\xde" + b"\x41",
    "Aé€".encode("utf-16-be") + b"\xd8\x00\x00A" + b"\xdc\x00" + b"\xd8\x3d\xde\x42" + b"\x41",
    "A🙂".encode("utf-32-le") + b"\x00\x00\x11\x00" + b"\x00\xd8\x00\x00" + b"\x41\x00",
    "A🙂".encode("utf-32-be") + b"\x00\x11\x00\x00" + b"\x00\x00\xd8\x00" + b"\x00\x41",
]


@pytest.mark.parametrize("errors", ERROR_HANDLERS + ["test.record"])
@pytest.mark.parametrize(("ours", "python"), same_meaning_params())
def test_samples_decode_as_python_does(ours, python, errors):
    for data in SAMPLES:
        check_against_python(data, ours, python, errors)


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=64),
    errors=st.sampled_from(ERROR_HANDLERS + ["test.record"]),
    pair=st.sampled_from([p.values for p in same_meaning_params()]),
)
def test_random_bytes_decode_as_python_does(data, errors, pair):
    ours, python = pair
    check_against_python(data, ours, python, errors)


@pytest.mark.parametrize(
    ("data", "replaced", "span"),
    [
        (b"\xed\xa0\x80", "\ufffd", (0, 3)),  # an encoded surrogate
        (b"\xe0\x80\x80", "\ufffd", (0, 3)),  # an overlong form
        (b"\xf4\x90\x80\x80", "\ufffd", (0, 4)),  # above U+10FFFF
        (b"\xc1\xbf", "\ufffd", (0, 2)),
    ],
)
def test_utf8_units_are_glibcs(data, replaced, span):
    """Documented difference from Python: one unit where Python reports one per byte."""
    assert convert_utf8.decode(data, "UTF-8", "replace") == replaced
    assert data.decode("utf-8", "replace") == "\ufffd" * len(data)
    assert our_result(data, "UTF-8", "strict") == ("error", span)
    assert convert_utf8.decode(data, "UTF-8", "ignore") == data.decode("utf-8", "ignore") == ""


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), st.sampled_from(["strict", "ignore", "replace", "backslashreplace"]))
def test_to_utf8_is_decode_then_encode(data, errors):
    try:
        expected = convert_utf8.decode(data, "utf-8", errors).encode("utf-8")
    except UnicodeDecodeError:
        with pytest.raises(UnicodeDecodeError):
            convert_utf8.to_utf8(data, "utf-8", errors)
        return
    assert convert_utf8.to_utf8(data, "utf-8", errors) == expected
