"""Large inputs: decode() builds their str in pieces (and has the engine decode them batch by
batch), which must give exactly the str of the general path (to_utf8, then Python's UTF-8
decoder) and the engine's errors, wherever pieces, batches and characters fall."""

from __future__ import annotations

import pytest

import convert_utf8

PIECE = 64 * 1024  # bytes of UTF-8 per piece of str
BATCH = 1024 * 1024  # input bytes the engine decodes at a time

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
    assert convert_utf8.decode(data, label) == convert_utf8.to_utf8(data, label).decode("utf-8")


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
        assert convert_utf8.decode(data, "SHIFT_JIS", errors) == (
            convert_utf8.to_utf8(data, "SHIFT_JIS", errors).decode("utf-8"))


def test_truncated_sequence_at_the_end_of_the_last_batch():
    data = ("テキスト" * BATCH).encode("shift_jis")[: 2 * BATCH + 1]  # half a character last
    with pytest.raises(UnicodeDecodeError) as caught:
        convert_utf8.decode(data, "SHIFT_JIS")
    assert (caught.value.start, caught.value.end) == (2 * BATCH, 2 * BATCH + 1)
    assert "truncated" in caught.value.reason


@pytest.mark.parametrize("make", [bytes, bytearray, memoryview])
def test_every_buffer_kind_in_batches(make):
    text = CJK * (BATCH // len(CJK) + 1)
    assert convert_utf8.decode(make(text.encode("euc_jp")), "EUC-JP") == text
