"""IncrementalDecoder: split inputs decode as whole ones, leftovers go through the policy."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convert_utf8
from conftest import ERROR_HANDLERS

TEXT = "Grüße, мир, 世界, 🙂!"
WITH_ERRORS = "ok ".encode() + b"\xff" + "é".encode() + b"\xe2\x82" + "€🙂".encode() + b"\xf0\x9f"


def one_shot(data: bytes, encoding: str, errors: str) -> object:
    try:
        return convert_utf8.decode(data, encoding, errors)
    except UnicodeDecodeError as e:
        return ("error", e.start, e.end)


def in_pieces(data: bytes, cuts: list[int], encoding: str, errors: str) -> object:
    decoder = convert_utf8.IncrementalDecoder(encoding, errors)
    bounds = [0, *sorted(cuts), len(data)]
    out = []
    try:
        for i, (a, b) in enumerate(zip(bounds, bounds[1:])):
            out.append(decoder.decode(data[a:b], final=i == len(bounds) - 2))
    except UnicodeDecodeError as e:
        # Positions are relative to this call's `object`; make them absolute to compare.
        before = bounds[i] - (len(e.object) - (bounds[i + 1] - bounds[i]))
        return ("error", before + e.start, before + e.end)
    return "".join(out)


def test_is_a_codecs_incremental_decoder():
    decoder = convert_utf8.IncrementalDecoder("utf8")
    assert isinstance(decoder, codecs.IncrementalDecoder)
    assert (decoder.encoding, decoder.errors) == ("UTF-8", "strict")
    with pytest.raises(AttributeError):
        decoder.errors = "replace"


@pytest.mark.parametrize("errors", ERROR_HANDLERS)
@pytest.mark.parametrize("data", [TEXT.encode("utf-8"), WITH_ERRORS], ids=["valid", "invalid"])
def test_every_split_point_gives_the_one_shot_result(data, errors):
    expected = one_shot(data, "UTF-8", errors)
    for cut in range(len(data) + 1):
        assert in_pieces(data, [cut], "UTF-8", errors) == expected, cut


@pytest.mark.parametrize("errors", ERROR_HANDLERS)
def test_byte_at_a_time(errors):
    for data in (TEXT.encode("utf-8"), WITH_ERRORS):
        assert in_pieces(data, list(range(1, len(data))), "UTF-8", errors) == one_shot(data, "UTF-8", errors)


def test_utf16_every_split_point():
    data = TEXT.encode("utf-16-le") + b"\x00\xd8A\x00"
    for errors in ERROR_HANDLERS:
        expected = one_shot(data, "UTF-16LE", errors)
        for cut in range(len(data) + 1):
            assert in_pieces(data, [cut], "UTF-16LE", errors) == expected


@settings(max_examples=200, deadline=None)
@given(
    data=st.one_of(st.binary(max_size=48), st.text(max_size=16).map(lambda t: t.encode("utf-8"))),
    cuts=st.lists(st.integers(min_value=0, max_value=48), max_size=6),
    errors=st.sampled_from(ERROR_HANDLERS),
)
def test_random_chunkings_equal_one_shot(data, cuts, errors):
    cuts = [c for c in cuts if c <= len(data)]
    assert in_pieces(data, cuts, "UTF-8", errors) == one_shot(data, "UTF-8", errors)


def test_truncated_at_final_goes_through_the_policy():
    decoder = convert_utf8.IncrementalDecoder("UTF-8")
    assert decoder.decode(b"a\xe2\x82") == "a"
    with pytest.raises(convert_utf8.DecodeError) as info:
        decoder.decode(b"", final=True)
    assert "truncated" in info.value.reason
    assert info.value.object == b"\xe2\x82"  # the held bytes are put in front of this call's
    assert (info.value.start, info.value.end) == (0, 2)
    replacing = convert_utf8.IncrementalDecoder("UTF-8", "replace")
    assert replacing.decode(b"a\xe2\x82") + replacing.decode(b"", True) == "a\ufffd"


def test_reset_forgets_held_bytes():
    decoder = convert_utf8.IncrementalDecoder("UTF-8")
    assert decoder.decode(b"\xe2\x82") == ""
    decoder.reset()
    assert decoder.decode(b"abc", final=True) == "abc"


def test_a_decoder_is_reusable_after_an_error_and_after_final():
    decoder = convert_utf8.IncrementalDecoder("UTF-8")
    with pytest.raises(UnicodeDecodeError):
        decoder.decode(b"\xffx")
    assert decoder.decode(b"ok", final=True) == "ok"
    with pytest.raises(UnicodeDecodeError) as info:
        decoder.decode(b"x\xffy")
    assert info.value.start == 1  # positions count from the new stream


def test_getstate_setstate():
    decoder = convert_utf8.IncrementalDecoder("UTF-8")
    assert decoder.getstate() == (b"", 0)
    decoder.setstate((b"\xc3", 0))
    assert decoder.decode(b"\xa9", final=True) == "é"
    decoder.setstate((b"", 0))
    assert decoder.decode(b"x", final=True) == "x"


@pytest.mark.parametrize("bad", ["text", None, 1])
def test_bad_input_types(bad):
    with pytest.raises(TypeError):
        convert_utf8.IncrementalDecoder("UTF-8").decode(bad)


def test_bad_labels():
    with pytest.raises(convert_utf8.UnknownEncodingError):
        convert_utf8.IncrementalDecoder("no-such-charset")
    with pytest.raises(TypeError):
        convert_utf8.IncrementalDecoder(None)


def test_large_pieces_release_the_gil_and_still_join():
    data = TEXT.encode("utf-8") * 20_000
    decoder = convert_utf8.IncrementalDecoder("UTF-8")
    half = len(data) // 2 + 1  # inside a character
    assert decoder.decode(data[:half]) + decoder.decode(bytearray(data[half:]), True) == TEXT * 20_000
