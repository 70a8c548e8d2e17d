"""Charset detection: detect(), Detection, declared labels, decode()/to_utf8() with "auto" and
DetectionError."""

from __future__ import annotations

import array
import ast
import codecs
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import convert_utf8
from convert_utf8 import DETECT_THRESHOLD, Detection, DetectionError, detect

RU = (
    "В чащах юга жил бы цитрус? Да, но фальшивый экземпляр! "
    "Съешь же ещё этих мягких французских булок, да выпей чаю."
)
JA = (
    "いろはにほへと ちりぬるを わかよたれそ つねならむ。"
    "今日は天気が良いので、公園へ散歩に行きました。桜の花がとてもきれいでした。"
)
ZH_HANS = "我能吞下玻璃而不伤身体。今天天气很好，我们一起去公园散步吧。这本书非常有意思。"
ZH_HANT = "我能吞下玻璃而不傷身體。今天天氣很好，我們一起去公園散步吧。這本書非常有意思。"
KO = "다람쥐 헌 쳇바퀴에 타고파. 오늘은 날씨가 좋아서 공원에 산책하러 갑니다. 한국어 문장입니다."
# Capital letters with tonos: bytes B6, B8-BA, BC, BE, BF in ISO-8859-7, elsewhere in CP1253
# (where B6 is a pilcrow), so only ISO-8859-7 decodes this text right.
EL = "Ο Άρης και η Έλενα πήγαν στην Αθήνα. Όλοι ήταν χαρούμενοι. Ήταν μια ωραία μέρα."
FR = (
    "Voix ambiguë d'un cœur qui, au zéphyr, préfère les jattes de kiwis. "
    "Le garçon a mangé une crème brûlée à côté de la fenêtre."
)
DE = "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich. Grüße aus Köln!"
MIXED = "Grüße, мир, 世界! Καλημέρα. "
DE_RU = "Grüße aus Köln und привет из Москвы, schönes Wetter heute."

# (Python codec, text, the encoding detect() names, the language it names)
LEGACY = [
    ("koi8-r", RU, "KOI8-R", "ru"),
    ("cp1251", RU, "CP1251", "ru"),
    ("shift_jis", JA, "SJIS", "ja"),
    ("gbk", ZH_HANS, "GBK", "zh-Hans"),
    ("big5", ZH_HANT, "BIG5", "zh-Hant"),
    ("euc-kr", KO, "EUC-KR", "ko"),
    ("iso-8859-7", EL, "ISO-8859-7", "el"),
    ("cp1252", FR, "CP1252", "fr"),
    ("cp1252", DE, "CP1252", "de"),
]
LEGACY_IDS = [f"{codec}-{language}" for codec, _, _, language in LEGACY]

# (bytes, text, encoding, basis, bom): what the structure alone decides.
STRUCTURED = [
    (MIXED.encode("utf-8-sig"), MIXED, "UTF-8", "bom", True),
    (codecs.BOM_UTF16_LE + MIXED.encode("utf-16-le"), MIXED, "UTF-16", "bom", True),
    (codecs.BOM_UTF16_BE + MIXED.encode("utf-16-be"), MIXED, "UTF-16", "bom", True),
    (codecs.BOM_UTF32_LE + MIXED.encode("utf-32-le"), MIXED, "UTF-32", "bom", True),
    (codecs.BOM_UTF32_BE + MIXED.encode("utf-32-be"), MIXED, "UTF-32", "bom", True),
    (DE_RU.encode("utf-16-le"), DE_RU, "UTF-16LE", "nul-pattern", False),
    (RU.encode("utf-16-be"), RU, "UTF-16BE", "nul-pattern", False),
    (MIXED.encode("utf-32-le"), MIXED, "UTF-32LE", "nul-pattern", False),
    (MIXED.encode("utf-8"), MIXED, "UTF-8", "utf-8", False),
    (JA.encode("iso2022_jp"), JA, "ISO-2022-JP", "escapes", False),
    (b"plain ASCII text.\n", "plain ASCII text.\n", "ANSI_X3.4-1968", "ascii", False),
]
STRUCTURED_IDS = [
    "utf-8-bom",
    "utf-16le-bom",
    "utf-16be-bom",
    "utf-32le-bom",
    "utf-32be-bom",
    "utf-16le",
    "utf-16be",
    "utf-32le",
    "utf-8",
    "iso-2022-jp",
    "ascii",
]

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"
# Seeded, so that a failure can be replayed: random bytes are mostly control bytes and NULs.
RANDOM_BYTES = random.Random(20240601).randbytes(4096)


def assert_names_a_charset(name: str) -> None:
    assert convert_utf8.lookup(name).name == name


# --- legacy charsets, by statistics -----------------------------------------------------------


@pytest.mark.parametrize(("codec", "text", "encoding", "language"), LEGACY, ids=LEGACY_IDS)
def test_legacy_text_is_detected(codec, text, encoding, language):
    data = text.encode(codec)
    found = detect(data)
    assert (found.encoding, found.language, found.basis) == (encoding, language, "statistics")
    assert found.confidence >= 0.8
    assert not found.bom
    assert found.declared is None
    assert_names_a_charset(found.encoding)
    assert convert_utf8.decode(data, found.encoding) == text


@pytest.mark.parametrize(("codec", "text", "encoding", "language"), LEGACY, ids=LEGACY_IDS)
def test_alternatives_are_less_likely_charsets(codec, text, encoding, language):
    found = detect(text.encode(codec))
    assert isinstance(found.alternatives, tuple)
    # Runners-up whose weight is negligible are not listed: a long text may leave none.
    confidences = [found.confidence]
    for alternative in found.alternatives:
        name, confidence = alternative
        assert isinstance(alternative, tuple) and isinstance(confidence, float)
        assert name != found.encoding
        assert_names_a_charset(name)
        confidences.append(confidence)
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert sum(confidences) <= 1.0 + 1e-6


def test_greek_without_distinguishing_letters_names_a_charset_that_decodes_it():
    # Without capitals with tonos, ISO-8859-7 and CP1253 decode these bytes alike: either is
    # the right answer, and the two are one answer, not rivals.
    text = "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. Η γρήγορη καφέ αλεπού πηδάει πάνω από το σκυλί."
    data = text.encode("iso-8859-7")
    found = detect(data)
    assert found.encoding in ("ISO-8859-7", "CP1253")
    assert found.language == "el"
    assert found.confidence >= 0.9
    assert convert_utf8.decode(data, "auto") == text


# --- structure: BOMs, UTF-16/32 without BOM, UTF-8, escapes, ASCII ----------------------------


@pytest.mark.parametrize(("data", "text", "encoding", "basis", "bom"), STRUCTURED, ids=STRUCTURED_IDS)
def test_structure_decides(data, text, encoding, basis, bom):
    found = detect(data)
    assert (found.encoding, found.basis, found.bom) == (encoding, basis, bom)
    assert found.confidence >= 0.99
    assert found.alternatives == ()
    assert_names_a_charset(found.encoding)


@pytest.mark.parametrize(("data", "text", "encoding", "basis", "bom"), STRUCTURED, ids=STRUCTURED_IDS)
def test_auto_decodes_structured_input_without_its_bom(data, text, encoding, basis, bom):
    assert convert_utf8.decode(data, "auto") == text
    assert convert_utf8.to_utf8(data, "auto") == text.encode("utf-8")


def test_bom_alone_is_an_empty_text():
    for bom, encoding in [
        (codecs.BOM_UTF8, "UTF-8"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
        (codecs.BOM_UTF32_LE, "UTF-32"),
    ]:
        assert detect(bom).encoding == encoding
        assert convert_utf8.decode(bom, "auto") == ""
        assert convert_utf8.to_utf8(bom, "auto") == b""


# --- binary and empty input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [PNG_HEADER, bytes(1000), b"\x00", RANDOM_BYTES, b"\x1b\x01\x02\x03\x04\x05"],
    ids=["png", "zeros", "nul", "random", "controls"],
)
def test_binary_has_no_encoding(data):
    found = detect(data)
    assert found.encoding is None
    assert found.basis == "binary"
    assert found.language is None
    assert found.confidence >= DETECT_THRESHOLD  # how sure it is that this is binary
    with pytest.raises(DetectionError, match="binary") as raised:
        convert_utf8.decode(data, "auto")
    assert raised.value.detection == found
    with pytest.raises(DetectionError, match="binary"):
        convert_utf8.to_utf8(data, "auto", errors="replace")


def test_empty_input_is_certain_and_decodes_to_nothing():
    found = detect(b"")
    assert (found.encoding, found.confidence, found.basis, found.bom) == (
        "ANSI_X3.4-1968",
        1.0,
        "empty",
        False,
    )
    assert convert_utf8.decode(b"", "auto") == ""
    assert convert_utf8.to_utf8(bytearray(), "auto") == b""


# --- declared labels --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "text", "label", "encoding"),
    [
        ("koi8-r", RU, "koi8-r", "KOI8-R"),
        ("cp1251", RU, "windows-1251", "CP1251"),
        ("shift_jis", JA, "Shift_JIS", "SJIS"),
        ("utf-8", MIXED, "utf8", "UTF-8"),
        ("ascii", "plain text", "cp1251", "CP1251"),  # ASCII reads alike in CP1251
    ],
    ids=["koi8-r", "cp1251", "shift_jis", "utf-8", "ascii-as-cp1251"],
)
def test_right_declared_label_is_kept(codec, text, label, encoding):
    found = detect(text.encode(codec), declared=label)
    assert (found.encoding, found.declared, found.basis) == (encoding, "kept", "declared")
    assert found.confidence >= 0.9


def test_koi8r_declared_on_cp1251_russian_is_overridden():
    found = detect(RU.encode("cp1251"), declared="koi8-r")
    assert (found.encoding, found.declared, found.language) == ("CP1251", "less-natural", "ru")
    assert found.basis == "statistics"


def test_latin1_declared_on_utf8_text_is_overridden():
    found = detect(DE.encode("utf-8"), declared="iso-8859-1")
    assert (found.encoding, found.declared, found.basis) == ("UTF-8", "less-natural", "utf-8")


def test_declared_label_the_bytes_are_invalid_in_is_overridden():
    found = detect(DE.encode("cp1252"), declared="utf-8")
    assert found.declared == "invalid"
    assert found.encoding == "CP1252"


def test_declared_is_none_without_a_label():
    assert detect(RU.encode("koi8-r")).declared is None
    assert detect(RU.encode("koi8-r"), declared=None).declared is None


@pytest.mark.parametrize("label", ["no-such-charset", "KOI8-RR", "", "auto"])
def test_unknown_declared_label_raises_lookup_error(label):
    with pytest.raises(convert_utf8.UnknownEncodingError) as raised:
        detect(RU.encode("koi8-r"), declared=label)
    assert isinstance(raised.value, LookupError)
    assert raised.value.label == label


def test_declared_is_keyword_only():
    with pytest.raises(TypeError):
        detect(b"abc", "koi8-r")  # type: ignore[misc]


# --- decode(..., "auto") and to_utf8(..., "auto") ---------------------------------------------


@pytest.mark.parametrize(("codec", "text", "encoding", "language"), LEGACY, ids=LEGACY_IDS)
def test_auto_round_trips(codec, text, encoding, language):
    data = text.encode(codec)
    assert convert_utf8.decode(data, "auto") == text
    assert convert_utf8.to_utf8(data, "auto") == text.encode("utf-8")


@pytest.mark.parametrize("label", ["auto", "AUTO", "Auto"])
def test_auto_ignores_ascii_case(label):
    assert convert_utf8.decode(RU.encode("koi8-r"), label) == RU


def test_auto_keeps_the_error_policy():
    # After a UTF-8 BOM the input is UTF-8, bad sequence or not: errors= says what happens.
    data = codecs.BOM_UTF8 + "Grüße ".encode() + b"\xff" + " мир".encode()
    with pytest.raises(convert_utf8.DecodeError) as raised:
        convert_utf8.decode(data, "auto")
    error = raised.value
    assert (error.encoding, error.start, error.end) == ("UTF-8", 11, 12)
    assert error.object == data and data[error.start] == 0xFF
    assert convert_utf8.decode(data, "auto", "replace") == "Grüße \ufffd мир"
    assert convert_utf8.decode(data, "auto", "backslashreplace") == "Grüße \\xff мир"
    assert convert_utf8.to_utf8(data, "auto", "ignore") == "Grüße  мир".encode()


@pytest.mark.parametrize("make", [bytes, bytearray], ids=["bytes", "bytearray"])
def test_auto_positions_count_the_bom_in_large_input(make):
    # Over 1 MiB: decoded in batches, from a view that starts after the BOM.
    body = ("Grüße, мир, 世界. " * 60_000).encode()
    data = make(codecs.BOM_UTF8 + body + b"\xc3")
    for convert in (convert_utf8.decode, convert_utf8.to_utf8):
        with pytest.raises(convert_utf8.DecodeError) as raised:
            convert(data, "auto")
        assert (raised.value.start, raised.value.end) == (len(data) - 1, len(data))
        assert raised.value.object == bytes(data)
    text = convert_utf8.decode(data, "auto", "replace")
    assert text[0] == "G" and text.endswith("\ufffd") and len(text) == len(body.decode()) + 1
    assert convert_utf8.to_utf8(data, "auto", "ignore") == body


def test_detected_decode_error_names_the_detected_charset():
    # The detector decides on the first 64 KiB: a bad byte after them is the decoder's to find.
    text = "Grüße, мир. " * 10_000
    data = text.encode() + b"\xff"
    with pytest.raises(convert_utf8.DecodeError) as raised:
        convert_utf8.decode(data, "auto")
    assert (raised.value.encoding, raised.value.start) == ("UTF-8", len(data) - 1)
    assert convert_utf8.decode(data, "auto", "replace") == text + "\ufffd"


SINGLE_BYTES = [bytes([b]) for b in range(0x80, 0x100)]


def test_single_bytes_decode_exactly_when_confident():
    # One byte says little: most single bytes leave every charset below the threshold.
    raised = 0
    for data in SINGLE_BYTES:
        found = detect(data)
        if found.encoding is not None and found.confidence >= DETECT_THRESHOLD:
            assert convert_utf8.decode(data, "auto") == convert_utf8.decode(data, found.encoding)
            continue
        with pytest.raises(DetectionError) as error:
            convert_utf8.decode(data, "auto")
        assert error.value.detection == found
        raised += 1
    assert raised >= len(SINGLE_BYTES) // 2


def uncertain_bytes() -> bytes:
    return next(
        data
        for data in SINGLE_BYTES
        if (found := detect(data)).encoding is not None and found.confidence < DETECT_THRESHOLD
    )


def test_uncertain_detection_raises():
    data = uncertain_bytes()
    found = detect(data)
    with pytest.raises(DetectionError) as raised:
        convert_utf8.decode(data, "auto")
    error = raised.value
    assert isinstance(error, ValueError) and not isinstance(error, UnicodeError)
    assert error.detection == found
    message = str(error)
    assert f"best guess {found.encoding}" in message
    assert f"confidence {found.confidence:.2f}" in message
    assert "threshold 0.5" in message
    for name, confidence in found.alternatives:
        assert f"{name} {confidence:.2f}" in message
    with pytest.raises(DetectionError):
        convert_utf8.to_utf8(bytearray(data), "auto", "ignore")


def test_threshold():
    assert DETECT_THRESHOLD == 0.5
    assert isinstance(DETECT_THRESHOLD, float)


def test_auto_is_only_for_whole_inputs(tmp_path: Path):
    for make in (
        lambda: convert_utf8.IncrementalDecoder("auto"),
        lambda: convert_utf8.lookup("auto"),
        lambda: convert_utf8.convert_file(tmp_path / "missing", encoding="auto"),
    ):
        with pytest.raises(convert_utf8.UnknownEncodingError, match="whole inputs") as raised:
            make()
        assert raised.value.label == "auto" and raised.value.suggestion is None
    convert_utf8.register()
    with pytest.raises(LookupError, match="whole inputs"):
        b"abc".decode("convert_utf8:auto")


# --- inputs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        bytes,
        bytearray,
        memoryview,
        lambda b: memoryview(bytearray(b)),
        lambda b: array.array("B", b),
        lambda b: memoryview(b"\x00\x00" + b + b"\x00\x00")[2:-2],
    ],
    ids=["bytes", "bytearray", "memoryview", "memoryview-rw", "array", "slice"],
)
@pytest.mark.parametrize("repeat", [1, 400], ids=["small", "large"])
def test_bytes_like_inputs(make, repeat):
    text = RU * repeat  # 400 copies: over 16 KiB, detected with the GIL released after a copy
    data = text.encode("koi8-r")
    assert detect(make(data)) == detect(data)
    assert detect(make(data)).encoding == "KOI8-R"
    assert convert_utf8.decode(make(data), "auto") == text
    assert convert_utf8.to_utf8(make(data), "auto") == text.encode()
    bom_data = codecs.BOM_UTF8 + text.encode()
    assert convert_utf8.decode(make(bom_data), "auto") == text


def test_str_is_refused():
    with pytest.raises(TypeError, match="str"):
        detect("already text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str"):
        convert_utf8.decode("already text", "auto")  # type: ignore[arg-type]


# --- the Detection object ---------------------------------------------------------------------


def test_detection_is_immutable_and_compares_by_value():
    found = detect(RU.encode("koi8-r"))
    for attribute in ("encoding", "confidence", "language", "bom", "basis", "alternatives"):
        with pytest.raises(AttributeError):
            setattr(found, attribute, None)
    same = detect(RU.encode("koi8-r"))
    assert found == same and hash(found) == hash(same)
    assert found != detect(RU.encode("cp1251"))
    assert len({found, same, detect(b"")}) == 2
    with pytest.raises(TypeError):
        Detection()  # type: ignore[call-arg]


def test_detection_repr_shows_every_field():
    found = detect(RU.encode("koi8-r"), declared="koi8-r")
    text = repr(found)
    assert text.startswith("Detection(encoding='KOI8-R', ")
    for part in (
        f"confidence={found.confidence!r}",
        "language='ru'",
        "basis='declared'",
        "bom=False",
        "declared='kept'",
        f"alternatives={found.alternatives!r}",
    ):
        assert part in text
    assert repr(detect(PNG_HEADER)) == (
        "Detection(encoding=None, confidence=0.99, language=None, basis='binary', bom=False, "
        "declared=None, alternatives=())"
    )


def test_confidences_are_the_detectors_decimals():
    # An f32 of the engine shows as its shortest decimal, not 0.9900000095367432.
    assert detect(b"plain text").confidence == 0.99
    assert detect(bytes(8)).confidence == 0.99


# --- the package surface ----------------------------------------------------------------------


def test_new_names_are_exported_and_stubbed():
    names = {"detect", "Detection", "DetectionError", "DETECT_THRESHOLD"}
    assert names <= set(convert_utf8.__all__)
    stub = Path(convert_utf8.__file__).with_name("__init__.pyi")
    tree = ast.parse(stub.read_text(encoding="utf-8"))
    stub_all = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "__all__"
    )
    assert set(ast.literal_eval(stub_all)) == set(convert_utf8.__all__)
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    } | {
        node.target.id
        for node in tree.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    assert names <= defined


# --- threads ----------------------------------------------------------------------------------


def detect_everything(i: int) -> list[object]:
    results: list[object] = []
    for codec, text, _, _ in LEGACY:
        data = (text * (1 + i % 3 * 150)).encode(codec)  # small, and over 16 KiB
        found = detect(bytearray(data) if i % 2 else data)
        results.append(found)
        results.append(convert_utf8.decode(memoryview(data), "auto"))
    for data, *_ in STRUCTURED:
        results.append(detect(data))
        results.append(convert_utf8.to_utf8(data, "auto"))
    results.append(detect(RU.encode("cp1251"), declared="koi8-r"))
    try:
        convert_utf8.decode(PNG_HEADER, "auto")
    except DetectionError as error:
        results.append(error.detection)
    return results


def test_threads_detect_what_one_thread_detects():
    alone = [detect_everything(i) for i in range(12)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(detect_everything, range(12)))
    assert together == alone
    assert alone[0][0].encoding == "KOI8-R" and alone[0][-1].basis == "binary"
