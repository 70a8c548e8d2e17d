"""The column kernel inside Spark: `mapInArrow` hands each partition's rows to a Python worker as
Arrow record batches, and convert_utf8.arrow.decode decodes each batch in one call.

Skipped where pyspark or a Java runtime is missing (scripts/test-engines.sh installs both).
"""

from __future__ import annotations

import os
import shutil
import sys

import pytest

pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs a Java runtime (java)", allow_module_level=True)
pa = pytest.importorskip("pyarrow")

import convert_utf8.arrow  # noqa: E402
from engine_rows import arrow_table, expected, rows  # noqa: E402

COPIES = 40  # 600+ rows over several partitions and batches


@pytest.fixture(scope="module")
def spark():
    # The Python workers must be this interpreter, which has convert_utf8 installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("convert-utf8 engine tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.ui.showConsoleProgress", "false")
               # Small batches, so that a partition reaches the kernel in several calls.
               .config("spark.sql.execution.arrow.maxRecordsPerBatch", "64")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def frame(spark, data):
    # Three partitions of Arrow-made rows: each Python worker gets more than one.
    return spark.createDataFrame(arrow_table(data)).repartition(3, "id")


def decoded(spark, data, decode, schema):
    """Run `decode` (a record batch to a dict of columns) over the rows in Spark; the output
    rows in id order."""

    def each_batch(batches):
        for batch in batches:
            yield pa.RecordBatch.from_pydict({"id": batch.column("id"), **decode(batch)})

    table = frame(spark, data).mapInArrow(each_batch, f"id long, {schema}").toArrow()
    return table.sort_by("id").to_pylist()


def test_errors_null_with_reasons(spark):
    data = rows(COPIES, unknown_label=True)

    def decode(batch):
        values, reasons = convert_utf8.arrow.decode(
            batch.column("body"), batch.column("charset"), errors="null", reasons=True,
            threads=1)
        return {"text": values, "reason": reasons}

    out = decoded(spark, data, decode, "text string, reason string")
    assert [r["id"] for r in out] == list(range(len(data)))
    for row, (body, label) in zip(out, data):
        assert row["text"] == expected(body, label, "null"), (body, label)
        # A reason exactly where a row that had a body became null.
        assert (row["reason"] is not None) == (body is not None and row["text"] is None)
    # The bad rows and the unknown label are among them, once per copy.
    assert sum(r["reason"] is not None for r in out) == 3 * COPIES


def test_errors_replace(spark):
    data = rows(COPIES)

    def decode(batch):
        return {"text": convert_utf8.arrow.decode(batch.column("body"), batch.column("charset"),
                                                  errors="replace", threads=1)}

    out = decoded(spark, data, decode, "text string")
    assert [r["text"] for r in out] == [expected(b, c, "replace") for b, c in data]


def test_one_label_for_the_column(spark):
    data = [(text.encode("cp1251"), None) for text in ["Мой дядя самых честных правил", "", "ё"]]

    def decode(batch):
        return {"text": convert_utf8.arrow.decode(batch.column("body"), "windows-1251")}

    out = decoded(spark, data * 50, decode, "text string")
    assert [r["text"] for r in out] == [b.decode("cp1251") for b, _ in data * 50]


def test_strict_fails_the_job_on_a_bad_row(spark):
    data = rows(2)

    def decode(batch):
        return {"text": convert_utf8.arrow.decode(batch.column("body"), batch.column("charset"),
                                                  threads=1)}

    with pytest.raises(Exception) as failure:
        decoded(spark, data, decode, "text string")
    # The worker's error comes back through Spark with convert_utf8's message in it.
    assert "0xFF" in str(failure.value) or "illegal" in str(failure.value)
