"""convert_utf8.polars, .pandas and .duckdb, and the kernel inside Dask on a local cluster of
worker processes: each against convert_utf8.decode row by row."""

from __future__ import annotations

import random

import pytest

import convert_utf8
from conftest import COLUMN_SAMPLES

pa = pytest.importorskip("pyarrow")

TEXTS = {k: COLUMN_SAMPLES[k] for k in ("latin1", "cp1251", "shift_jis", "gbk", "euc-kr", "utf-8")}


def mail(rows: int, seed: int = 7):
    """Bodies in mixed charsets with a charset per row; some null bodies, some null labels
    (detect), one label spelled as the engine spells it."""
    rng = random.Random(seed)
    bodies, labels = [], []
    for row in range(rows):
        label = rng.choice(list(TEXTS))
        text = TEXTS[label] * rng.randint(1, 4)
        bodies.append(None if row % 17 == 5 else text.encode(label))
        labels.append(None if row % 13 == 4 and label in ("cp1251", "utf-8") else label)
    labels[1] = "SJIS" if labels[1] == "shift_jis" else labels[1]
    return bodies, labels


def by_rows(bodies, labels, errors="strict"):
    out = []
    for body, label in zip(bodies, labels):
        if body is None:
            out.append(None)
            continue
        try:
            out.append(convert_utf8.decode(body, "auto" if label is None else label, errors))
        except (convert_utf8.DecodeError, LookupError, convert_utf8.DetectionError):
            out.append(None)
    return out


# --- Polars -------------------------------------------------------------------------------


def test_polars_expression_with_a_charset_column():
    pl = pytest.importorskip("polars")
    import convert_utf8.polars

    bodies, labels = mail(500)
    df = pl.DataFrame({"body": bodies, "charset": labels}, schema={"body": pl.Binary, "charset": pl.String})
    out = df.with_columns(text=convert_utf8.polars.decode(pl.col("body"), pl.col("charset")))
    assert out["text"].to_list() == by_rows(bodies, labels)
    assert out["text"].dtype == pl.String
    # Lazy and in the streaming engine, in small batches, with Categorical labels.
    lazy = (
        df.lazy()
        .with_columns(pl.col("charset").cast(pl.Categorical))
        .select(convert_utf8.polars.decode("body", pl.col("charset")).alias("text"))
    )
    with pl.Config(streaming_chunk_size=37):
        streamed = lazy.collect(engine="streaming")
    assert streamed["text"].to_list() == by_rows(bodies, labels)


def test_polars_series_and_one_label():
    pl = pytest.importorskip("polars")
    import convert_utf8.polars

    series = pl.Series("b", [b"caf\xe9", None, b"\xff"])
    assert convert_utf8.polars.decode(series, "latin1").to_list() == ["café", None, "ÿ"]
    out = convert_utf8.polars.decode(series, "utf-8", "replace")
    assert out.name == "b" and out.to_list() == ["caf\ufffd", None, "\ufffd"]
    labels = pl.Series(["latin1", "utf-8", "utf-8"])
    assert convert_utf8.polars.decode(series, labels, "null").to_list() == ["café", None, None]
    with pytest.raises(convert_utf8.DecodeError, match="row 2"):
        convert_utf8.polars.decode(series, labels)
    with pytest.raises(TypeError, match="already text"):
        convert_utf8.polars.decode(pl.Series(["café"]), "latin1")
    with pytest.raises(TypeError, match="must be Binary, not Int64"):
        convert_utf8.polars.decode(pl.Series([1, 2]), "latin1")
    df = pl.DataFrame({"body": [b"\xe9"]})
    with pytest.raises(pl.exceptions.ComputeError, match="position 0: .* in row 0"):
        df.select(convert_utf8.polars.decode(pl.col("body"), "utf-8"))


def test_polars_literal_labels_apply_to_every_row():
    pl = pytest.importorskip("polars")
    import convert_utf8.polars

    df = pl.DataFrame({"body": [b"caf\xe9", None, b"na\xefve", "żółw".encode()]})
    latin = df.select(convert_utf8.polars.decode(pl.col("body"), pl.lit("latin1")))["body"]
    assert latin.to_list()[:3] == ["café", None, "naïve"]
    # A null literal: detect every row (the short Latin-1 ones are too uncertain: null).
    detected = df.select(convert_utf8.polars.decode(pl.col("body"), pl.lit(None, pl.String), "null"))
    assert detected["body"].to_list()[3] == "żółw"
    lazy = df.lazy().select(convert_utf8.polars.decode(pl.col("body"), pl.lit("latin1")))
    assert lazy.collect(engine="streaming")["body"].to_list()[:3] == ["café", None, "naïve"]


# --- pandas -------------------------------------------------------------------------------


def test_pandas_keeps_the_index_and_aligns_the_labels():
    pd = pytest.importorskip("pandas")
    import convert_utf8.pandas

    bodies, labels = mail(300)
    index = pd.Index([f"m{i}" for i in range(len(bodies))])
    series = pd.Series(bodies, index=index, name="body", dtype=object)
    charsets = pd.Series(labels, index=index).sample(frac=1, random_state=3)  # shuffled
    out = convert_utf8.pandas.decode(series, charsets)
    assert out.dtype == pd.StringDtype("pyarrow")
    assert out.index.equals(series.index) and out.name == "body"
    assert [None if pd.isna(v) else v for v in out] == by_rows(bodies, labels)


def test_pandas_inputs_and_bad_input():
    pd = pytest.importorskip("pandas")
    import convert_utf8.pandas

    arrow_backed = pd.Series(pd.array([b"caf\xe9", None], dtype=pd.ArrowDtype(pa.binary())))
    assert list(convert_utf8.pandas.decode(arrow_backed, "latin1").fillna("-")) == ["café", "-"]
    with_nan = pd.Series([b"\xe9", float("nan")])
    assert convert_utf8.pandas.decode(with_nan, "latin1").isna().tolist() == [False, True]
    with pytest.raises(TypeError, match="bytes"):
        convert_utf8.pandas.decode(pd.Series([1, 2]), "latin1")
    with pytest.raises(ValueError, match=r"no label .*\(first: 1\)"):
        convert_utf8.pandas.decode(pd.Series([b"a", b"b"]), pd.Series(["latin1"], index=[0]))
    # Text already decoded is refused, not encoded to UTF-8 and decoded again as the charset.
    for values in (["é", "x"], [b"a", "é"], ["é", None]):
        with pytest.raises(TypeError, match="str values"):
            convert_utf8.pandas.decode(pd.Series(values, dtype=object), "latin1")
    assert convert_utf8.pandas.decode(pd.Series([None, None], dtype=object), "latin1").isna().all()
    with pytest.raises(LookupError, match="row 1"):
        convert_utf8.pandas.decode(pd.Series([b"a", b"b"]), pd.Series(["latin1", "nope"]))
    assert len(convert_utf8.pandas.decode(pd.Series([], dtype=object), "latin1")) == 0


# --- DuckDB -------------------------------------------------------------------------------


def test_duckdb_function_over_a_table():
    duckdb = pytest.importorskip("duckdb")
    import convert_utf8.duckdb

    bodies, labels = mail(3000)
    con = duckdb.connect()
    convert_utf8.duckdb.register(con)
    convert_utf8.duckdb.register(con, name="cu8_decode_or_null", errors="null")
    table = pa.table({"id": range(len(bodies)), "body": pa.array(bodies, pa.binary()), "charset": labels})
    con.register("mail", table)
    got = [r[0] for r in con.sql("SELECT cu8_decode(body, charset) FROM mail ORDER BY id").fetchall()]
    assert got == by_rows(bodies, labels)
    rows = con.sql(
        "SELECT cu8_decode_or_null(body, charset) FROM (VALUES ('\\xFF'::BLOB, 'utf-8'), ('a'::BLOB, 'nope')) t(body, charset)"
    ).fetchall()
    assert rows == [(None,), (None,)]
    with pytest.raises(duckdb.Error, match="row 0"):
        con.sql("SELECT cu8_decode('\\xFF'::BLOB, 'utf-8')").fetchall()
    with pytest.raises(ValueError, match="errors must be"):
        convert_utf8.duckdb.register(con, name="x", errors="surrogateescape")


# --- Dask ---------------------------------------------------------------------------------


def test_dask_on_a_local_cluster_of_worker_processes():
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    import convert_utf8.pandas

    bodies, labels = mail(2000)
    # Bytes kept in Arrow (pandas' object columns would be taken for text by Dask).
    frame = pd.DataFrame(
        {
            "body": pd.Series(pd.array(bodies, dtype=pd.ArrowDtype(pa.binary()))),
            "charset": pd.Series(labels, dtype=pd.StringDtype("pyarrow")),
        }
    )
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        ddf = dd.from_pandas(frame, npartitions=6)
        text = ddf.map_partitions(
            lambda part: convert_utf8.pandas.decode(part["body"], part["charset"], threads=1),
            meta=pd.Series(dtype=pd.StringDtype("pyarrow"), name="body"),
        )
        got = text.compute()
        # It ran in the workers, which are other processes.
        assert len(client.scheduler_info()["workers"]) == 2
    assert got.index.equals(frame.index)
    assert [None if pd.isna(v) else v for v in got] == by_rows(bodies, labels)


# --- The modules' own examples ------------------------------------------------------------


@pytest.mark.parametrize("module", ["arrow", "pandas", "polars", "duckdb"])
def test_module_examples_run_as_written(module):
    import doctest
    import importlib

    pytest.importorskip(module if module != "arrow" else "pyarrow")
    found = doctest.testmod(importlib.import_module(f"convert_utf8.{module}"))
    assert found.attempted > 0 and found.failed == 0
