"""convert_utf8.arrow: whole Arrow columns against convert_utf8.decode row by row."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import convert_utf8
import convert_utf8.arrow
from conftest import COLUMN_SAMPLES

pa = pytest.importorskip("pyarrow")
import pyarrow.compute as pc  # noqa: E402

SAMPLES = COLUMN_SAMPLES
LABELS = list(SAMPLES)
# The engine's spellings of the same charsets: rows may name them either way.
SPELLINGS = {"latin1": "ISO-8859-1", "shift_jis": "SJIS", "utf-8": "UTF8", "gbk": "CP936"}


def expected_row(body: bytes | None, label: str | None, errors: str):
    """What decoding one row alone gives: ("text", str), ("null",) or ("error", type, offset)."""
    if body is None:
        return ("null",)
    try:
        return ("text", convert_utf8.decode(body, "auto" if label is None else label, errors))
    except convert_utf8.DecodeError as e:
        return ("error", "decode", e.start)
    except LookupError:
        return ("error", "label", None)
    except convert_utf8.DetectionError:
        return ("error", "detect", None)


@st.composite
def columns(draw):
    rows = draw(st.integers(0, 24))
    bodies, labels = [], []
    for _ in range(rows):
        label = draw(st.sampled_from(LABELS + [None, "auto", "no-such-charset"]))
        kind = draw(st.sampled_from(["text", "text", "bytes", "null"]))
        if kind == "null":
            body = None
        elif kind == "bytes":
            body = draw(st.binary(max_size=12))
        else:
            sample_label = label if label in SAMPLES else draw(st.sampled_from(LABELS))
            text = SAMPLES[sample_label]
            start = draw(st.integers(0, len(text)))
            body = text[start : start + draw(st.integers(0, 30))].encode(sample_label)
            if draw(st.booleans()) and body:
                cut = draw(st.integers(0, len(body) - 1))
                body = body[:cut] + b"\xff" + body[cut + 1 :]
        if isinstance(label, str) and label in SPELLINGS and draw(st.booleans()):
            label = SPELLINGS[label]
        bodies.append(body)
        labels.append(label)
    return bodies, labels


def chunked(values, type_, cuts):
    """`values` as a chunked array cut at `cuts`."""
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(values)), len(values)]
    return pa.chunked_array(
        [pa.array(values[a:b], type_) for a, b in zip(bounds, bounds[1:])], type_
    )


def labels_array(labels, kind):
    if kind == "dictionary":
        return pa.array(labels, pa.string()).dictionary_encode()
    return pa.array(labels, {"utf8": pa.string(), "large": pa.large_string(), "view": pa.string_view()}[kind])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    column=columns(),
    body_type=st.sampled_from(["binary", "large_binary", "binary_view"]),
    label_kind=st.sampled_from(["utf8", "large", "view", "dictionary", "column"]),
    errors=st.sampled_from(["strict", "replace", "ignore", "null"]),
    body_cuts=st.lists(st.integers(0, 24), max_size=3),
    label_cuts=st.lists(st.integers(0, 24), max_size=3),
    shape=st.sampled_from(["array", "sliced", "chunked"]),
    threads=st.sampled_from([None, 1, 2]),
)
def test_columns_decode_as_rows_do(
    column, body_type, label_kind, errors, body_cuts, label_cuts, shape, threads
):
    bodies, labels = column
    type_ = getattr(pa, body_type)()
    if label_kind == "column":
        # One unknown label for the column fails the call under every policy (tested below).
        label = labels[0] if labels and labels[0] not in (None, "no-such-charset") else "cp1251"
        labels = [label] * len(bodies)
        encoding = label
    else:
        encoding = labels_array(labels, label_kind)
    if shape == "array":
        array = pa.array(bodies, type_)
    elif shape == "sliced":
        padded = pa.array([b"\xff\xfe"] + bodies + [None], type_)
        array = padded.slice(1, len(bodies))
        if label_kind != "column":
            encoding = labels_array(["??"] + labels + [None], label_kind).slice(1, len(bodies))
    else:
        array = chunked(bodies, type_, body_cuts)
        if label_kind != "column":
            encoding = chunked(labels, encoding.type, label_cuts)

    expected = [expected_row(b, l, "strict" if errors == "null" else errors) for b, l in zip(bodies, labels)]
    failures = [(row, e) for row, e in enumerate(expected) if e[0] == "error"]
    if errors != "null" and failures:
        row, (_, kind, offset) = failures[0]
        with pytest.raises((convert_utf8.DecodeError, LookupError, convert_utf8.DetectionError)) as raised:
            convert_utf8.arrow.decode(array, encoding, errors, threads=threads)
        assert raised.value.row == row
        if kind == "decode":
            assert isinstance(raised.value, convert_utf8.DecodeError)
            assert raised.value.offset == offset
        elif kind == "label":
            assert isinstance(raised.value, convert_utf8.UnknownEncodingError)
        else:
            assert isinstance(raised.value, convert_utf8.DetectionError)
        return
    values, reasons = convert_utf8.arrow.decode(
        array, encoding, errors, reasons=True, threads=threads
    ) if errors == "null" else (convert_utf8.arrow.decode(array, encoding, errors, threads=threads), None)
    got = values.to_pylist()
    assert got == [e[1] if e[0] == "text" else None for e in expected]
    if reasons is not None:
        why = reasons.to_pylist()
        for row, e in enumerate(expected):
            if e[0] == "error":
                assert why[row] is not None and why[row].startswith(f"row {row}"), (row, why[row])
            else:
                assert why[row] is None
    want = {"binary": (pa.string(), pa.large_string()), "large_binary": (pa.large_string(),), "binary_view": (pa.string_view(),)}
    assert values.type in want[body_type]
    assert isinstance(values, pa.ChunkedArray) == (shape == "chunked")


def test_output_types_follow_the_input():
    for type_, out in [
        (pa.binary(), pa.string()),
        (pa.large_binary(), pa.large_string()),
        (pa.binary_view(), pa.string_view()),
    ]:
        assert convert_utf8.arrow.decode(pa.array([b"caf\xe9"], type_), "latin1").type == out


def test_bad_input_says_what():
    bodies = pa.array([b"a", b"b", b"c"])
    with pytest.raises(TypeError, match="not Int64"):
        convert_utf8.arrow.decode(pa.array([1, 2]), "latin1")
    with pytest.raises(TypeError, match="already text"):
        convert_utf8.arrow.decode(pa.array(["a"]), "latin1")
    with pytest.raises(TypeError, match="Arrow array or stream .* not list"):
        convert_utf8.arrow.decode([b"a"], "latin1")
    with pytest.raises(ValueError, match="2 labels for 3 rows"):
        convert_utf8.arrow.decode(bodies, pa.array(["latin1", "utf-8"]))
    with pytest.raises(TypeError, match="labels must be Utf8"):
        convert_utf8.arrow.decode(bodies, pa.array([1, 2, 3]))
    with pytest.raises(ValueError, match="errors must be"):
        convert_utf8.arrow.decode(bodies, "latin1", "surrogateescape")
    with pytest.raises(convert_utf8.UnknownEncodingError, match="row 1: .*nope") as raised:
        convert_utf8.arrow.decode(bodies, pa.array(["latin1", "nope", "utf-8"]))
    assert raised.value.row == 1 and isinstance(raised.value, LookupError)
    for errors in ("strict", "null"):
        with pytest.raises(convert_utf8.UnknownEncodingError) as raised:
            convert_utf8.arrow.decode(bodies, "latin-9000", errors)
        assert raised.value.row is None
    values, reasons = convert_utf8.arrow.decode(
        bodies, pa.array(["latin1", "nope", "utf-8"]), "null", reasons=True
    )
    assert values.to_pylist() == ["a", None, "c"]
    assert "row 1" in reasons[1].as_py() and "nope" in reasons[1].as_py()


def test_strict_names_the_row_and_offset_across_chunks():
    bodies = pa.chunked_array([[b"ok", b"fine"], [b"still ok", b"caf\xe9 \xff"]])
    with pytest.raises(convert_utf8.DecodeError, match="position 3: .* in row 3") as raised:
        convert_utf8.arrow.decode(bodies, "utf-8")
    assert (raised.value.row, raised.value.offset) == (3, 3)
    assert raised.value.encoding == "UTF-8"
    # As convert_utf8.decode gives it for the row alone.
    assert (raised.value.object, raised.value.start, raised.value.end) == (b"caf\xe9 \xff", 3, 4)
    with pytest.raises(convert_utf8.DecodeError) as alone:
        convert_utf8.decode(b"caf\xe9 \xff", "utf-8")
    assert (alone.value.object, alone.value.start, alone.value.end) == (
        raised.value.object, raised.value.start, raised.value.end
    )
    # A sliced column: the row's own bytes, not the slice's start.
    with pytest.raises(convert_utf8.DecodeError) as raised:
        convert_utf8.arrow.decode(pa.array([b"a", b"ok", b"ab\xff"]).slice(1), "utf-8")
    assert (raised.value.row, raised.value.object, raised.value.start) == (1, b"ab\xff", 2)


def test_reasons_are_asked_for_with_errors_null():
    with pytest.raises(ValueError, match='reasons=True needs errors="null"'):
        convert_utf8.arrow.decode(pa.array([b"a"]), "latin1", "replace", reasons=True)
    with pytest.raises(ValueError, match="threads"):
        convert_utf8.arrow.decode(pa.array([b"a"]), "latin1", threads=True)


def test_chunks_whose_text_outgrows_32_bit_offsets_share_one_type():
    """A stream's chunks are decoded one by one; where one's text outgrows 32-bit offsets,
    every chunk comes out LargeUtf8, whichever comes first."""
    row = b"\xe9" * (64 << 20)
    big = pa.array([row] * 17)  # 1088 MiB in, 2176 MiB of text
    for chunks in ([pa.array([b"a"]), big], [big, pa.array([b"a"])]):
        out = convert_utf8.arrow.decode(pa.chunked_array(chunks), "latin1", threads=1)
        assert out.type == pa.large_string()
        assert [c.type for c in out.chunks] == [pa.large_string()] * 2
        out.validate(full=False)
        small = out.chunk(0 if len(chunks[0]) == 1 else 1)
        small.validate(full=True)
        assert small.to_pylist() == ["a"]
        wide = out.chunk(1 if len(chunks[0]) == 1 else 0)
        assert len(wide) == 17 and wide.null_count == 0
        lengths = pc.binary_length(wide)
        assert lengths[0].as_py() == lengths[16].as_py() == 2 * len(row)
        assert wide[16].as_py()[-2:] == "éé"
        del out, small, wide, lengths


def test_undetectable_rows():
    bodies = pa.array([b"\x00\x01\x02\x03binary\x00\xff\xfe" * 8])
    with pytest.raises(convert_utf8.DetectionError, match="row 0: binary"):
        convert_utf8.arrow.decode(bodies, "auto")
    values, reasons = convert_utf8.arrow.decode(bodies, "auto", "null", reasons=True)
    assert values.to_pylist() == [None] and "binary" in reasons[0].as_py()
    # The row is null already: its reason does not advise errors="null".
    assert "errors=" not in reasons[0].as_py()


def test_passthrough_of_text():
    text = pa.array(["café", None])
    assert convert_utf8.arrow.decode(text, "latin1", passthrough=True) is text
    # Passthrough applies to text only: bytes are decoded.
    assert convert_utf8.arrow.decode(pa.array([b"caf\xe9"]), "latin1", passthrough=True).to_pylist() == ["café"]


def test_empty_and_all_null_columns():
    for type_ in (pa.binary(), pa.large_binary(), pa.binary_view()):
        assert convert_utf8.arrow.decode(pa.array([], type_), "latin1").to_pylist() == []
        assert convert_utf8.arrow.decode(pa.array([None, None], type_), "auto").to_pylist() == [None, None]
        assert convert_utf8.arrow.decode(pa.chunked_array([], type_), "latin1").to_pylist() == []
        nulls = pa.array([None, None], pa.string())
        assert convert_utf8.arrow.decode(pa.array([None, None], type_), nulls).to_pylist() == [None, None]
        assert convert_utf8.arrow.decode(pa.array([None, None], type_), nulls.dictionary_encode()).null_count == 2


def test_labels_of_a_filtered_table_and_null_typed_columns():
    # A table filtered to no rows has columns of no chunks.
    table = pa.table({"body": [b"a"], "charset": ["latin1"]}).filter(pa.array([False]))
    out = convert_utf8.arrow.decode(table["body"], table["charset"])
    assert out.to_pylist() == [] and out.type == pa.string()
    assert convert_utf8.arrow.decode(pa.array([], pa.binary()), pa.chunked_array([], pa.string())).to_pylist() == []
    # Arrow's Null type, what pyarrow makes of a list of Nones: null bodies give nulls, null
    # labels detect every row.
    assert convert_utf8.arrow.decode(pa.array([None, None]), "latin1").to_pylist() == [None, None]
    values, reasons = convert_utf8.arrow.decode(pa.array([None]), "latin1", "null", reasons=True)
    assert values.to_pylist() == [None] and reasons.to_pylist() == [None]
    detected = convert_utf8.arrow.decode(pa.array(["żółw".encode(), None]), pa.array([None, None]))
    assert detected.to_pylist() == ["żółw", None]


def test_threads_must_be_positive():
    with pytest.raises(ValueError, match="threads"):
        convert_utf8.arrow.decode(pa.array([b"a"]), "latin1", threads=0)


def test_large_column_splits_across_threads_alike():
    rows = [SAMPLES[l].encode(l) * 40 for l in LABELS] * 600
    labels = LABELS * 600
    bodies = pa.array(rows, pa.binary())
    one = convert_utf8.arrow.decode(bodies, pa.array(labels), threads=1)
    many = convert_utf8.arrow.decode(bodies, pa.array(labels), threads=2)
    assert one.equals(many)
    assert one.to_pylist()[: len(LABELS)] == [SAMPLES[l] * 40 for l in LABELS]


def test_other_arrow_libraries_and_no_pyarrow():
    nanoarrow = pytest.importorskip("nanoarrow")
    bodies = nanoarrow.c_array([b"caf\xe9", None], nanoarrow.binary())
    assert convert_utf8.arrow.decode(bodies, "latin1").to_pylist() == ["café", None]
    # Without pyarrow the result is the package's own Arrow object, which other libraries take.
    script = textwrap.dedent(
        """
        import sys
        sys.modules["pyarrow"] = None
        import nanoarrow, convert_utf8.arrow
        out = convert_utf8.arrow.decode(nanoarrow.c_array([b"caf\\xe9", None], nanoarrow.binary()), "latin1")
        assert type(out).__name__ == "ArrowArray", type(out)
        assert list(nanoarrow.Array(out).to_pylist()) == ["café", None]
        stream = convert_utf8.arrow.decode(nanoarrow.Array(nanoarrow.c_array([b"\\xe9"], nanoarrow.binary())), "latin1")
        print(type(stream).__name__, list(nanoarrow.Array(stream).to_pylist()))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "['é']" in done.stdout


def test_more_than_2_gib_of_text():
    """Binary input whose text outgrows 32-bit offsets comes out as LargeUtf8; LargeBinary
    with more than 2 GiB of bytes decodes."""
    half = 600 << 20
    latin = pa.array([b"\xe9" * half, None, b"\xe9" * half], pa.binary())
    out = convert_utf8.arrow.decode(latin, "latin1", threads=1)
    assert out.type == pa.large_string()
    assert len(out) == 3 and out.null_count == 1
    assert out[2].as_py()[-3:] == "ééé" and len(out[0].as_py()) == half
    del out, latin
    big = pa.array([b"a" * (1100 << 20), b"b" * (1100 << 20)], pa.large_binary())
    out = convert_utf8.arrow.decode(big, "ascii")
    assert out.type == pa.large_string() and len(out[1].as_py()) == 1100 << 20


def test_rows_with_a_byte_order_mark_decode_as_decode_auto_does():
    text = "Съешь же ещё этих мягких французских булок"
    rows = [
        codecs_bom + text.encode(form)
        for codecs_bom, form in [
            (b"\xfe\xff", "utf-16-be"),
            (b"\xff\xfe", "utf-16-le"),
            (b"\0\0\xfe\xff", "utf-32-be"),
            (b"\xff\xfe\0\0", "utf-32-le"),
            (b"\xef\xbb\xbf", "utf-8"),
        ]
    ]
    got = convert_utf8.arrow.decode(pa.array(rows), pa.array([None] * len(rows), pa.string()))
    assert got.to_pylist() == [convert_utf8.decode(row, "auto") for row in rows] == [text] * 5
