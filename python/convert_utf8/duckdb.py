r"""Decode DuckDB BLOB columns in SQL: ``cu8_decode(body, charset)``, vectorised through Arrow.

    >>> import duckdb, convert_utf8.duckdb
    >>> con = duckdb.connect()
    >>> convert_utf8.duckdb.register(con)
    >>> con.sql(r"SELECT cu8_decode('caf\xe9'::BLOB, 'latin1')").fetchall()
    [('café',)]

DuckDB hands the function whole vectors as Arrow arrays, which the column kernel decodes at
once. Needs duckdb and pyarrow (DuckDB's Arrow functions are built on it).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from . import arrow

__all__ = ["register"]


def register(
    con: duckdb.DuckDBPyConnection,
    *,
    name: str = "cu8_decode",
    errors: str = "strict",
) -> None:
    """Register ``name(body BLOB, charset VARCHAR) -> VARCHAR`` on ``con``.

    ``charset`` is a label per row; NULL or ``'auto'`` means: detect that row. A NULL body gives
    NULL. ``errors`` as in ``convert_utf8.arrow.decode``: under ``"strict"`` a bad row fails the
    query, naming the byte offset and the row counted within the vector DuckDB handed over
    (DuckDB gives no table position); ``"null"`` makes it NULL. Register
    the function under several names to have several policies.
    """
    if errors not in arrow.ERRORS:
        raise ValueError(
            f'errors must be "strict", "replace", "ignore" or "null", not {errors!r}'
        )

    def decode_vector(bodies: pa.Array, charsets: pa.Array) -> pa.Array:
        # One vector at a time: DuckDB already runs vectors on its own threads.
        values = arrow.decode(bodies, charsets, errors, threads=1)
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        return values

    con.create_function(
        name,
        decode_vector,
        [duckdb.sqltype("BLOB"), duckdb.sqltype("VARCHAR")],
        duckdb.sqltype("VARCHAR"),
        type="arrow",
        # A NULL charset means "detect", so nulls are the function's to handle.
        null_handling="special",
        side_effects=False,
    )
