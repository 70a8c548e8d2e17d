"""The column kernel inside Ray Data: `map_batches(batch_format="pyarrow")` hands each batch to a
task as an Arrow table, and convert_utf8.arrow.decode decodes it in one call.

Skipped where ray[data] is missing (scripts/test-engines.sh installs it).
"""

from __future__ import annotations

import logging

import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")
pa = pytest.importorskip("pyarrow")

import ray.data  # noqa: E402

import convert_utf8.arrow  # noqa: E402
from engine_rows import arrow_table, expected, rows  # noqa: E402

COPIES = 40


@pytest.fixture(scope="module")
def ray_session():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


def dataset(data):
    # Several blocks, so that the rows go to more than one task.
    table = arrow_table(data)
    step = -(-len(data) // 4)
    return ray.data.from_arrow([table.slice(start, step) for start in range(0, len(data), step)])


def decoded(data, decode):
    """Run `decode` (an Arrow table to a dict of columns) over the rows in batches of 50; the
    output rows in id order."""

    def each_batch(batch: pa.Table) -> pa.Table:
        return pa.table({"id": batch.column("id"), **decode(batch)})

    out = dataset(data).map_batches(each_batch, batch_format="pyarrow", batch_size=50)
    return pa.concat_tables(ray.get(out.to_arrow_refs())).sort_by("id").to_pylist()


def test_errors_null_with_reasons(ray_session):
    data = rows(COPIES, unknown_label=True)

    def decode(batch):
        values, reasons = convert_utf8.arrow.decode(
            batch.column("body"), batch.column("charset"), errors="null", reasons=True,
            threads=1)
        return {"text": values, "reason": reasons}

    out = decoded(data, decode)
    assert [r["id"] for r in out] == list(range(len(data)))
    for row, (body, label) in zip(out, data):
        assert row["text"] == expected(body, label, "null"), (body, label)
        assert (row["reason"] is not None) == (body is not None and row["text"] is None)
    assert sum(r["reason"] is not None for r in out) == 3 * COPIES


def test_errors_replace(ray_session):
    data = rows(COPIES)

    def decode(batch):
        return {"text": convert_utf8.arrow.decode(batch.column("body"), batch.column("charset"),
                                                  errors="replace", threads=1)}

    out = decoded(data, decode)
    assert [r["text"] for r in out] == [expected(b, c, "replace") for b, c in data]


def test_one_label_for_the_column(ray_session):
    data = [(text.encode("cp1251"), None) for text in ["Мой дядя самых честных правил", "", "ё"]]

    def decode(batch):
        return {"text": convert_utf8.arrow.decode(batch.column("body"), "windows-1251")}

    out = decoded(data * 50, decode)
    assert [r["text"] for r in out] == [b.decode("cp1251") for b, _ in data * 50]


def test_strict_fails_the_job_on_a_bad_row(ray_session):
    data = rows(2)

    def decode(batch):
        return {"text": convert_utf8.arrow.decode(batch.column("body"), batch.column("charset"),
                                                  threads=1)}

    with pytest.raises(Exception) as failure:
        decoded(data, decode)
    assert "0xFF" in str(failure.value) or "illegal" in str(failure.value)
