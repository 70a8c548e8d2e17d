r"""Decode a pandas Series of bytes to a ``string[pyarrow]`` Series, a charset per Series or per row.

    >>> import pandas as pd, convert_utf8.pandas
    >>> s = pd.Series([b"caf\xe9", None, b"\x93\xfa\x96\x7b"], index=[10, 11, 12])
    >>> text = convert_utf8.pandas.decode(s, pd.Series(["latin1", None, "shift_jis"], index=[10, 11, 12]))
    >>> text.to_list(), text.index.to_list(), str(text.dtype)
    (['café', <NA>, '日本'], [10, 11, 12], 'string')

The Series is handed to the Arrow column kernel whole (``convert_utf8.arrow.decode``), not row
by row. Needs pandas and pyarrow (which ``string[pyarrow]`` is built on).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from . import arrow

__all__ = ["decode"]


def decode(
    series: pd.Series,
    encoding: str | pd.Series,
    errors: str = "strict",
    *,
    threads: int | None = None,
) -> pd.Series:
    """Decode ``series`` (bytes, or None/NaN for missing) to a ``string[pyarrow]`` Series with
    the same index and name.

    ``encoding`` is one label (``"auto"``: detect each row), or a Series of labels aligned on
    the index (a missing label means: detect that row). ``errors`` as in
    ``convert_utf8.arrow.decode`` (``"null"`` makes a bad row missing). Row numbers in errors
    are positions (0-based), not index labels.
    """
    if not isinstance(series, pd.Series):
        raise TypeError(f"series must be a pandas Series, not {type(series).__name__}")
    bodies = _binary(series)
    labels: Any = encoding
    if isinstance(encoding, pd.Series):
        labels = _labels(encoding, series.index)
    elif not isinstance(encoding, str):
        raise TypeError(
            f"encoding must be a label or a pandas Series of labels, not {type(encoding).__name__}"
        )
    values = arrow.decode(bodies, labels, errors, threads=threads)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if not pa.types.is_large_string(values.type):
        values = values.cast(pa.large_string())
    return pd.Series(
        pd.arrays.ArrowStringArray(values), index=series.index, name=series.name, copy=False
    )


def _binary(series: pd.Series) -> Any:
    """The Series' bytes as an Arrow binary array, in place where pandas keeps them in Arrow."""
    backing = series.array
    if hasattr(backing, "__arrow_array__"):
        column = backing.__arrow_array__()
        if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            return column
        if pa.types.is_binary_view(column.type):
            return column
        raise TypeError(
            f"the Series holds {series.dtype}, not bytes: decode takes a Series of bytes"
        )
    # pyarrow would encode str values to UTF-8 bytes and decode them again as the charset:
    # text already decoded is refused, as the Arrow face refuses a string column.
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind == "string" or (kind == "mixed" and any(isinstance(v, str) for v in series)):
        raise TypeError(
            "the Series holds str values, text already decoded, not bytes to decode: use them "
            "as they are, or encode them to bytes first"
        )
    try:
        return pa.array(series.to_numpy(dtype=object), type=pa.binary(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise TypeError(
            f"the Series must hold bytes (or None/NaN for missing), not {series.dtype}: {e}"
        ) from None


def _labels(labels: pd.Series, index: pd.Index) -> Any:
    """The labels in the order of ``index``, as an Arrow string array."""
    if not labels.index.equals(index):
        if not labels.index.is_unique:
            raise ValueError("the labels' index has duplicates: it cannot be aligned on the bodies'")
        missing = index.difference(labels.index)
        if len(missing):
            raise ValueError(
                f"{len(missing)} rows have no label in the labels' index (first: {missing.tolist()[0]!r})"
            )
        labels = labels.reindex(index)
    backing = labels.array
    if hasattr(backing, "__arrow_array__"):
        column = backing.__arrow_array__()
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            return column
    try:
        return pa.array(labels.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise TypeError(f"the labels must be strings (or missing), not {labels.dtype}: {e}") from None
