"""Decode whole Arrow columns of legacy-charset bytes to UTF-8 text, a charset per column or per row.

    >>> import pyarrow as pa, convert_utf8.arrow
    >>> bodies = pa.array([b"caf\\xe9", None, b"\\x93\\xfa\\x96\\x7b"])
    >>> charsets = pa.array(["latin1", "utf-8", "shift_jis"])
    >>> convert_utf8.arrow.decode(bodies, charsets).to_pylist()
    ['café', None, '日本']

Columns come and go through the Arrow PyCapsule interface: ``array`` may be any object with
``__arrow_c_array__`` or ``__arrow_c_stream__`` (pyarrow, Polars, nanoarrow, arro3, ...), read in
place. The result is a ``pyarrow.Array`` (a ``pyarrow.ChunkedArray`` for a stream) when pyarrow
is installed, else an object offering the same interface (``ArrowArray``, ``ArrowArrayStream``)
that any Arrow library takes. pyarrow is not required. The work runs without the GIL.
"""

from __future__ import annotations

from typing import Any

from . import _native
from ._native import ArrowArray, ArrowArrayStream

__all__ = ["ArrowArray", "ArrowArrayStream", "decode"]

ERRORS = ("strict", "replace", "ignore", "null")


def decode(
    array: Any,
    encoding: Any,
    errors: str = "strict",
    *,
    reasons: bool = False,
    passthrough: bool = False,
    threads: int | None = None,
) -> Any:
    """Decode a column of bytes (Binary, LargeBinary or BinaryView) to a column of text.

    ``encoding`` is one label for every row (``"auto"``: detect each row), or an Arrow array or
    stream of labels as long as ``array`` (Utf8, LargeUtf8, Utf8View or dictionary-encoded,
    chunked in any way), where a null label or ``"auto"`` means: detect that row.

    ``errors``: ``"strict"`` raises ``DecodeError`` naming the row (``.row``, 0-based) and the
    byte offset in it (``.offset``; ``.object`` is the row's bytes, ``.start`` the offset); ``"replace"`` puts U+FFFD for each bad sequence;
    ``"ignore"`` drops bad sequences; ``"null"`` makes the row null, and with ``reasons=True``
    returns ``(values, reasons)``, ``reasons`` a Utf8 column giving each such row's error
    (``reasons=True`` with another policy is a ``ValueError``: no row becomes null for one).

    An unknown label raises ``UnknownEncodingError`` (a ``LookupError``) naming the row (under
    ``"null"`` the row becomes null with its reason); a row to detect that is binary or too
    uncertain raises ``DetectionError``. A column that is already text raises ``TypeError``
    unless ``passthrough=True``, which returns it as it is after checking it is valid UTF-8.

    ``threads``: how many threads a large column may be split across (``None``: all cores;
    ``1``: the calling thread only). The result does not depend on it.
    """
    if errors not in ERRORS:
        raise ValueError(
            f'errors must be "strict", "replace", "ignore" or "null", not {errors!r}'
        )
    if reasons and errors != "null":
        raise ValueError(
            f'reasons=True needs errors="null" (only then do rows become null for a reason), '
            f"not errors={errors!r}"
        )
    if threads is not None and (
        not isinstance(threads, int) or isinstance(threads, bool) or threads < 1
    ):
        raise ValueError(f"threads must be a positive int or None, not {threads!r}")
    result = _native.arrow_decode(
        array, encoding, errors, reasons, passthrough, 0 if threads is None else threads
    )
    if isinstance(result, tuple):
        values, why = result
        return _as_pyarrow(values), _as_pyarrow(why)
    return _as_pyarrow(result)


def _as_pyarrow(column: Any) -> Any:
    """``column`` as a pyarrow array or chunked array when pyarrow is installed."""
    if not isinstance(column, (ArrowArray, ArrowArrayStream)):
        return column  # passed through as given
    try:
        import pyarrow
    except ImportError:
        return column
    if isinstance(column, ArrowArray):
        return pyarrow.array(column)
    return pyarrow.chunked_array(column)
