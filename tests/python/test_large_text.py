"""Large inputs: decode() builds their str in pieces (and has the engine decode them batch by
batch), which must give exactly the str of the general path (to_utf8, then Python's UTF-8
decoder) and the engine's errors, wherever pieces, batches and characters fall."""

from __future__ import annotations

import codecs

import pytest

import convert_utf8

PIECE = 64 * 1024  # bytes of UTF-8 per piece of str
BATCH = 1024 * 1024  # input bytes the engine decodes at a time

# Python handlers doing what the engine's ignore and replace policies do: with them decode()
# takes its general path (the engine stops at each bad sequence and calls back), the reference.
codecs.register_error("test_large_ignore", lambda error: ("", error.end))
codecs.register_error("test_large_replace", lambda error: ("\ufffd", error.end))

# Texts whose widths change from piece to piece: the str must widen as it grows.
GROWING = [
    "a" * (3 * PIECE) + "é" * PIECE + "мир" * PIECE + "🙂" * PIECE,
    "🙂" + "a" * (3 * PIECE),
    "é" * (2 * PIECE) + "a" * PIECE,
]


@pytest.mark.parametrize("text", GROWING)
@pytest.mark.parametrize("shift", [0, 1, 2, 3])
def test_utf8_text_in_pieces_comes_out_exactly(text, shift):
    # Shifted so that multi-byte characters straddle every piece boundary in some run.
    whole = "x" * shift + text
    assert convert_utf8.decode(whole.encode("utf-8"), "UTF-8") == whole


CJK = "こんにちは世界、日本語のテキストです。 ASCII between, Ｆｕｌｌ　ｗｉｄｔｈ. "


@pytest.mark.parametrize("label, codec", [("SHIFT_JIS", "shift_jis"), ("EUC-JP", "euc_jp"),
                                          ("ISO-2022-JP", "iso2022_jp")])
@pytest.mark.parametrize("shift", [0, 1])
def test_engine_batches_give_the_general_paths_str(label, codec, shift):
    # Over two batch boundaries; the shift puts a two-byte character across them.
    text = "x" * shift + CJK * (2 * BATCH // len(CJK.encode(codec)) + 1)
    data = text.encode(codec)
    assert len(data) > 2 * BATCH
    assert convert_utf8.decode(data, label) == text
    assert convert_utf8.to_utf8(data, label) == text.encode("utf-8")


@pytest.mark.parametrize("bad_at", [10, BATCH - 2, BATCH - 1, BATCH, 2 * BATCH + 101])
def test_engine_batches_raise_the_engines_error(bad_at):
    # An ASCII byte first when needed, so that the bad pair starts at a character boundary.
    good = b"x" * (bad_at % 2) + ("日本語のテキスト" * (3 * BATCH // 16)).encode("shift_jis")
    data = good[:bad_at] + b"\x85\x40" + good[bad_at:]  # 0x85 leads nothing in Shift_JIS
    with pytest.raises(UnicodeDecodeError) as caught:
        convert_utf8.decode(data, "SHIFT_JIS")
    with pytest.raises(UnicodeDecodeError) as engine:
        convert_utf8.to_utf8(data, "SHIFT_JIS")
    assert (caught.value.start, caught.value.end) == (engine.value.start, engine.value.end)
    assert caught.value.start == bad_at
    assert caught.value.object == data
    for errors in ("ignore", "replace"):
        general = convert_utf8.decode(data, "SHIFT_JIS", f"test_large_{errors}")
        assert convert_utf8.decode(data, "SHIFT_JIS", errors) == general
        assert convert_utf8.to_utf8(data, "SHIFT_JIS", errors) == general.encode("utf-8")


def test_truncated_sequence_at_the_end_of_the_last_batch():
    data = ("テキスト" * BATCH).encode("shift_jis")[: 2 * BATCH + 1]  # half a character last
    for decode in (convert_utf8.decode, convert_utf8.to_utf8):
        with pytest.raises(UnicodeDecodeError) as caught:
            decode(data, "SHIFT_JIS")
        assert (caught.value.start, caught.value.end) == (2 * BATCH, 2 * BATCH + 1)
        assert "truncated" in caught.value.reason
    assert convert_utf8.decode(data, "SHIFT_JIS", "replace") == (
        convert_utf8.decode(data, "SHIFT_JIS", "test_large_replace"))


@pytest.mark.parametrize("make", [bytes, bytearray, memoryview])
def test_every_buffer_kind_in_batches(make):
    text = CJK * (BATCH // len(CJK) + 1)
    assert convert_utf8.decode(make(text.encode("euc_jp")), "EUC-JP") == text
    assert convert_utf8.to_utf8(make(text.encode("euc_jp")), "EUC-JP") == text.encode("utf-8")


@pytest.mark.parametrize("label, codec", [("UTF-16LE", "utf-16-le"), ("CP1251", "cp1251")])
def test_to_utf8_in_batches_for_the_str_fast_paths(label, codec):
    # decode() takes CPython's own constructors for these; to_utf8() batches through the engine.
    text = "Привет, мир! Обычный русский текст. " * (BATCH // 20)
    assert convert_utf8.to_utf8(text.encode(codec), label) == text.encode("utf-8")
