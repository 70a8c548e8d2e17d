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


def assert_decode_is_the_engines(data: bytes, label: str) -> bool:
    """decode() gives the text of to_utf8() (always the engine), or raises its error with the
    same span, reason and encoding; says whether the input decoded."""
    try:
        expected = convert_utf8.to_utf8(data, label).decode("utf-8")
    except UnicodeDecodeError as engine_error:
        with pytest.raises(UnicodeDecodeError) as ours:
            convert_utf8.decode(data, label)
        assert (ours.value.start, ours.value.end, ours.value.reason, ours.value.encoding) == (
            engine_error.start, engine_error.end, engine_error.reason, engine_error.encoding)
        return False
    assert convert_utf8.decode(data, label) == expected
    return True


# Single-byte charsets whose text CPython's Latin-1 or ASCII constructor builds (every byte, or
# every ASCII byte, is the character of its own value), next to ones that take the charmap route.
SINGLE_BYTE_ROUTES = ["ISO-8859-1", "latin1", "ANSI_X3.4-1968", "ascii", "CP1251", "KOI8-R",
                      "ISO-8859-15", "IBM037", "ISO646-DE"]


@pytest.mark.parametrize("label", SINGLE_BYTE_ROUTES)
def test_single_byte_routes_give_the_engines_text_and_errors(label):
    ascii_text = bytes(range(0x80)) * 40
    cases = [b"", ascii_text, bytes(range(0x100))]
    # One byte from 80 up at every place of a few 8-byte words, and at the very end.
    cases += [ascii_text[:at] + bytes([high]) + ascii_text[at:70]
              for at in range(0, 70, 3) for high in (0x80, 0xA4, 0xFF)]
    for data in cases:
        assert_decode_is_the_engines(data, label)


def test_ascii_and_latin1_agree_with_pythons_codecs():
    data = bytes(range(0x80)) * 100
    assert convert_utf8.decode(data, "ascii") == data.decode("ascii")
    assert convert_utf8.decode(bytes(range(0x100)), "latin1") == bytes(range(0x100)).decode("latin-1")
    with pytest.raises(UnicodeDecodeError) as ours:
        convert_utf8.decode(data + b"\xe9" + data, "ascii")
    assert (ours.value.start, ours.value.end) == (len(data), len(data) + 1)


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


# --- UTF-16 and UCS-2 inputs, decoded straight to UTF-16 when well-formed -------------------

BIG = "Grüße, мир, 世界, 🙂!" * 2000  # above the size from which the GIL is released
BIG_BMP = BIG.replace("🙂", "?")


@pytest.mark.parametrize("make", [bytes, bytearray, memoryview])
@pytest.mark.parametrize("text", ["", "A", BIG, "\ufeffkept"])
def test_utf16_forms_well_formed(make, text):
    for label, codec in [("UTF-16LE", "utf-16-le"), ("UTF-16BE", "utf-16-be")]:
        assert convert_utf8.decode(make(text.encode(codec)), label) == text
    bmp = text.replace("🙂", "?")
    assert convert_utf8.decode(make(bmp.encode("utf-16-le")), "UCS-2") == bmp
    assert convert_utf8.decode(make(bmp.encode("utf-16-be")), "UNICODEBIG") == bmp
    # The sniffing forms take the byte order from a BOM and drop it; without one, little-endian.
    no_bom = "Hello, мир!".encode("utf-16-be")  # read little-endian: no surrogates
    assert convert_utf8.decode(make(no_bom), "UTF-16") == no_bom.decode("utf-16-le")
    assert convert_utf8.decode(make(b"\xfe\xff" + text.encode("utf-16-be")), "UTF-16") == text
    assert convert_utf8.decode(make(b"\xff\xfe" + bmp.encode("utf-16-le")), "UNICODE") == bmp


@pytest.mark.parametrize("prefix", [b"", BIG_BMP.encode("utf-16-le")])
@pytest.mark.parametrize("bad, label, start, end", [
    (b"\x00\xd8A\x00", "UTF-16LE", 0, 2),   # lone high surrogate
    (b"\x00\xdcA\x00", "UTF-16LE", 0, 2),   # lone low surrogate
    (b"A\x00B", "UTF-16LE", 2, 3),          # odd byte at the end
    (b"\x3d\xd8\x00\xde", "UCS-2", 0, 2),   # UCS-2 has no pairs
])
def test_utf16_forms_with_errors_report_them_exactly(prefix, bad, label, start, end):
    data = prefix + bad
    with pytest.raises(UnicodeDecodeError) as caught:
        convert_utf8.decode(data, label)
    assert (caught.value.start, caught.value.end) == (len(prefix) + start, len(prefix) + end)
    assert caught.value.object == data
    assert convert_utf8.decode(data, label, "replace") == (
        prefix.decode("utf-16-le") + convert_utf8.decode(bad, label, "replace"))


# --- plain single-byte charsets, mapped byte by byte when every byte is defined --------------

SINGLE_BYTE = [c.name for c in convert_utf8.charsets() if c.family == "single_byte"]


def test_there_are_single_byte_charsets():
    assert len(SINGLE_BYTE) > 200


@pytest.mark.parametrize("name", SINGLE_BYTE)
def test_single_byte_str_equals_the_engines_utf8(name):
    every_byte = bytes(range(256)) * 3
    for errors in ("replace", "ignore", "backslashreplace"):
        assert (convert_utf8.decode(every_byte, name, errors)
                == convert_utf8.to_utf8(every_byte, name, errors).decode("utf-8", errors))
    defined = bytes(b for b in range(256)
                    if convert_utf8.to_utf8(bytes([b]), name, "ignore")) * 100
    assert convert_utf8.decode(defined, name) == convert_utf8.to_utf8(defined, name).decode()
    undefined = [b for b in range(256) if not convert_utf8.to_utf8(bytes([b]), name, "ignore")]
    if undefined:
        data = defined + bytes([undefined[0]]) + b"tail"
        with pytest.raises(UnicodeDecodeError) as caught:
            convert_utf8.decode(data, name)
        assert (caught.value.start, caught.value.end) == (len(defined), len(defined) + 1)


# --- UTF-16 forms decoded by CPython's own strict UTF-16 constructor ------------------------

@settings(max_examples=300)
@given(units=st.lists(st.sampled_from([0x41, 0xE9, 0x416, 0x4E16, 0xFEFF, 0xFFFE, 0xFFFF,
                                        0xD83D, 0xDE42, 0xDBFF, 0xDC00]), max_size=12),
       odd=st.booleans())
def test_utf16_constructor_agrees_with_the_engine(units, odd):
    """Whatever CPython's constructor accepts the engine accepts with the same text, and what it
    refuses raises the engine's error: the same one to_utf8 (always the engine) raises."""
    for label, order in [("UTF-16LE", "little"), ("UTF-16BE", "big"), ("UTF-16", "little")]:
        data = b"".join(unit.to_bytes(2, order) for unit in units) + (b"\x00" if odd else b"")
        if not assert_decode_is_the_engines(data, label):
            assert convert_utf8.decode(data, label, "replace") == (
                convert_utf8.to_utf8(data, label, "replace").decode("utf-8"))


def test_utf16_error_positions_count_the_bom():
    data = b"\xfe\xff\x00A\xd8\x00\x00B"
    with pytest.raises(UnicodeDecodeError) as caught:
        convert_utf8.decode(data, "UTF-16")
    assert (caught.value.start, caught.value.end) == (4, 6)
    assert caught.value.object == data
