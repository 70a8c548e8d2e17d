"""How decode() builds its str: every width of text (ASCII, Latin-1, BMP, beyond the BMP) comes
out exactly, whatever the length and the mix; and decoders reused between calls start fresh."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convert_utf8

# Each class of character the str builder treats differently, and the edges between them.
SAMPLES = [
    "",
    "a",
    "plain ASCII text, long enough for several 8-byte words at a time",
    "\x00\x7f",
    "é",
    "\x80\xff caf\xe9 na\xefve \xa0",
    "\ufeff",
    "\ufeffstarts with U+FEFF, which must stay a character",
    "Привет, мир! Обычный русский текст.",
    "こんにちは世界、日本語のテキストです。",
    "\u0100\u07ff\u0800\uffff",
    "🙂",
    "emoji 🙂 and the last one \U0010ffff and the first \U00010000",
    "Grüße, мир, 世界, 🙂!" * 50,
]

WHOLE_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300)


@pytest.mark.parametrize("text", SAMPLES)
@pytest.mark.parametrize("label, codec", [("UTF-8", "utf-8"), ("UTF-16LE", "utf-16-le"),
                                          ("UTF-16BE", "utf-16-be"), ("UTF-32LE", "utf-32-le")])
def test_every_width_comes_out_exactly(text, label, codec):
    for prefix in ("", "x", "xyz", "1234567"):  # every alignment against 8-byte words
        whole = prefix + text
        assert convert_utf8.decode(whole.encode(codec), label) == whole


@settings(max_examples=300, deadline=None)
@given(WHOLE_TEXT)
def test_any_text_round_trips(text):
    assert convert_utf8.decode(text.encode("utf-8"), "UTF-8") == text
    assert convert_utf8.decode(text.encode("utf-16-le"), "UTF-16LE") == text
    assert convert_utf8.decode(text.encode("utf-16-be"), "UTF-16BE") == text


def test_latin1_output_of_a_single_byte_charset():
    data = bytes(range(0x20, 0x7F)) + bytes(range(0xA0, 0x100))
    assert convert_utf8.decode(data, "ISO-8859-1") == data.decode("latin-1")


def test_surrogates_from_a_handler_next_to_every_width():
    data = "aé€🙂".encode("utf-8") + b"\xff" + "z".encode("utf-8")
    assert (convert_utf8.decode(data, "UTF-8", "surrogateescape")
            == data.decode("utf-8", "surrogateescape"))


def test_reused_decoder_forgets_the_byte_order_a_bom_chose():
    assert convert_utf8.decode(b"\xfe\xff\x00A", "UTF-16") == "A"
    # A fresh decoder reads input without a BOM little-endian.
    assert convert_utf8.decode(b"B\x00", "UTF-16") == "B"


def test_reused_decoder_forgets_a_sequence_cut_by_an_error():
    with pytest.raises(UnicodeDecodeError):
        convert_utf8.decode(b"ok\xe3\x81", "UTF-8")
    assert convert_utf8.decode(b"\x81A", "UTF-8", "replace") == "\ufffdA"
    with pytest.raises(UnicodeDecodeError):
        convert_utf8.decode(b"\x82", "SJIS")
    assert convert_utf8.decode(b"\x82\xa0", "SJIS") == "\u3042"


def test_labels_cached_or_not_resolve_the_same():
    labels = ["utf8", "UTF-8", "cp1251", "windows-1251", "sjis", "shift_jis", "latin1", "koi8-r",
              "ISO-8859-5", "EUC-JP"]
    for _ in range(3):  # more labels than a thread caches, so entries are evicted and re-added
        for label in labels:
            assert convert_utf8.decode(b"abc", label) == "abc"
    with pytest.raises(LookupError):
        convert_utf8.decode(b"abc", "no-such-charset")
