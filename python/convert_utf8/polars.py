"""Decode Polars columns of bytes to text, a charset per column or per row, batch by batch.

    >>> import polars as pl, convert_utf8.polars
    >>> df = pl.DataFrame({"body": [b"caf\\xe9", b"\\x93\\xfa\\x96\\x7b"], "charset": ["latin1", "sjis"]})
    >>> df.select(convert_utf8.polars.decode(pl.col("body"), pl.col("charset")))["body"].to_list()
    ['café', '日本']

The expression hands each batch Polars gives it to the Arrow column kernel whole (through the
Arrow PyCapsule interface, without pyarrow), so it is lazy and works in the streaming engine: it
is element-wise, and a batch's rows do not depend on other batches.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from . import _native
from ._native import DecodeError
from .arrow import ERRORS

__all__ = ["decode"]


def decode(
    expr_or_series: pl.Expr | pl.Series | str,
    encoding: str | pl.Expr | pl.Series,
    errors: str = "strict",
    *,
    threads: int | None = None,
) -> Any:
    """Decode Binary to String.

    ``expr_or_series``: an expression (or a column name) giving Binary, or a ``pl.Series``.
    ``encoding``: one label (``"auto"``: detect each row), or an expression of labels
    (``pl.col("charset")``) or a Series of them, where a null label or ``"auto"`` means: detect
    that row. ``errors`` as in ``convert_utf8.arrow.decode`` (``"null"`` makes a bad row null).
Under ``"strict"`` a bad row raises ``DecodeError`` for a Series, and Polars' ``ComputeError``
with the same message from an expression; its row is counted within the batch Polars handed
over (the whole column, unless the streaming engine cut it into batches).

    Returns an expression named as the bodies' for an expression, a Series for a Series (and for
    a Series of labels, which must then go with a Series of bodies).
    """
    if errors not in ERRORS:
        raise ValueError(
            f'errors must be "strict", "replace", "ignore" or "null", not {errors!r}'
        )
    threads = _threads(threads)
    if isinstance(expr_or_series, pl.Series):
        if isinstance(encoding, pl.Expr):
            raise TypeError("a Series of bodies takes a label or a Series of labels, not an expression")
        return _decode_series(expr_or_series, encoding, errors, threads)
    if isinstance(encoding, pl.Series):
        raise TypeError("an expression of bodies takes a label or an expression of labels, not a Series")
    bodies = pl.col(expr_or_series) if isinstance(expr_or_series, str) else expr_or_series
    if not isinstance(bodies, pl.Expr):
        raise TypeError(
            f"expr_or_series must be a Polars expression, column name or Series, not "
            f"{type(expr_or_series).__name__}"
        )
    if isinstance(encoding, str):
        return bodies.map_batches(
            lambda batch: _decode_batch(batch, encoding, errors, threads),
            return_dtype=pl.String,
            is_elementwise=True,
        )
    if not isinstance(encoding, pl.Expr):
        raise TypeError(
            f"encoding must be a label, an expression or a Series, not {type(encoding).__name__}"
        )
    return pl.map_batches(
        [bodies, encoding],
        lambda batch: _decode_batch(batch[0], batch[1], errors, threads),
        return_dtype=pl.String,
        is_elementwise=True,
    )


def _threads(threads: int | None) -> int:
    if threads is None:
        return 0
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads must be a positive int or None, not {threads!r}")
    return threads


def _decode_batch(bodies: pl.Series, encoding: str | pl.Series, errors: str, threads: int) -> pl.Series:
    """``_decode_series`` for an expression's batch."""
    if isinstance(encoding, pl.Series) and len(encoding) == 1 and len(bodies) != 1:
        # A literal (`pl.lit("latin1")`, `pl.lit(None)`) comes as one value for every row.
        label = encoding[0]
        encoding = "auto" if label is None else str(label)
    try:
        return _decode_series(bodies, encoding, errors, threads)
    except DecodeError as e:
        # Polars raises an expression's exception again from its message alone, which a
        # UnicodeDecodeError cannot be built from: its own error kind carries the message.
        raise pl.exceptions.ComputeError(str(e)) from e


def _decode_series(bodies: pl.Series, encoding: str | pl.Series, errors: str, threads: int) -> pl.Series:
    if bodies.dtype == pl.String:
        raise TypeError(
            f"the bodies are already text (String, column {bodies.name!r}), not bytes to decode: "
            "use them as they are, or cast them to Binary to decode their bytes"
        )
    if bodies.dtype != pl.Binary:
        raise TypeError(f"the bodies must be Binary, not {bodies.dtype} (column {bodies.name!r})")
    if isinstance(encoding, pl.Series):
        if encoding.dtype not in (pl.String, pl.Categorical, pl.Enum, pl.Null):
            raise TypeError(f"the labels must be String or Categorical, not {encoding.dtype}")
        if encoding.dtype == pl.Null:
            encoding = encoding.cast(pl.String)
    elif not isinstance(encoding, str):
        raise TypeError(
            f"encoding must be a label or a Series of labels, not {type(encoding).__name__}"
        )
    values = _native.arrow_decode(bodies, encoding, errors, False, False, threads)
    return pl.Series(values, dtype=pl.String).alias(bodies.name)
