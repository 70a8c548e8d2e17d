"""Decode every charset glibc iconv decodes into UTF-8, in-process.

A drop-in for ``subprocess.check_call(["iconv", "-f", enc, "-t", "utf-8", path])`` that follows
Python's ``codecs`` conventions: ``errors=`` names, ``UnicodeDecodeError`` with positions,
``LookupError`` for unknown names, an incremental decoder and a codec search function.

    >>> import convert_utf8
    >>> convert_utf8.decode(b"caf\\xc3\\xa9", "utf8")
    'café'

When the charset is not known, ``detect(data)`` says which it most likely is, and
``decode(data, "auto")`` decodes with it (``DetectionError`` when it is too uncertain).

Whole columns decode in one call, a charset per row if need be, through the submodules
``convert_utf8.arrow`` (any Arrow array), ``.pandas``, ``.polars`` and ``.duckdb``.
"""

import codecs as _codecs
import re as _re
from functools import partial as _partial
from typing import Final as _Final

from ._native import (
    __version__,
    DETECT_THRESHOLD,
    Charset,
    DecodeError,
    Detection,
    DetectionError,
    UnknownEncodingError,
    UnsupportedEncodingError,
    charsets,
    TreeEntry,
    TreeReport,
    convert_file,
    convert_tree,
    decode,
    detect,
    lookup,
    to_utf8,
)
from . import _native

_Buffer = bytes | bytearray | memoryview

__all__ = [
    "__version__",
    "Charset",
    "DecodeError",
    "Detection",
    "DetectionError",
    "IncrementalDecoder",
    "UnknownEncodingError",
    "UnsupportedEncodingError",
    "TreeEntry",
    "TreeReport",
    "CODEC_PREFIX",
    "DETECT_THRESHOLD",
    "charsets",
    "convert_file",
    "convert_tree",
    "decode",
    "detect",
    "lookup",
    "register",
    "to_utf8",
]

#: Codec names ``register()`` answers: ``"convert_utf8:" + label``.
CODEC_PREFIX: _Final = "convert_utf8:"


class IncrementalDecoder(_codecs.IncrementalDecoder):
    """Decodes a stream given in pieces, as ``_codecs.IncrementalDecoder`` does.

    A sequence split across ``decode()`` calls decodes as if it came in one; with
    ``final=True`` whatever is held back goes through the error policy (a truncated sequence
    raises ``DecodeError`` under ``"strict"``). ``errors`` is fixed at construction.

    The engine's state between calls is opaque: ``getstate()`` reports ``(b"", 0)`` and
    ``setstate()`` resets the decoder and feeds it the bytes given, so ``TextIOWrapper.tell()``
    is exact only at character boundaries. One decoder serves one stream in one thread at a time.
    """

    def __init__(self, encoding: str, errors: str = "strict") -> None:
        # _codecs.IncrementalDecoder.__init__ only stores `errors`, which is read-only here.
        self._decoder = _native.IncrementalDecoder(encoding, errors)

    @property
    def encoding(self) -> str:
        """The canonical name of the charset being decoded."""
        return self._decoder.encoding

    @property
    def errors(self) -> str:  # type: ignore[override]
        """The ``errors=`` name in force."""
        return self._decoder.errors

    def decode(self, input: _Buffer, final: bool = False) -> str:
        """Decodes ``input``; ``final=True`` says nothing follows it."""
        return self._decoder.decode(input, final)

    def reset(self) -> None:
        """Back to the state of a new decoder."""
        self._decoder.reset()

    def getstate(self) -> tuple[bytes, int]:
        """``(b"", 0)``: the engine keeps its state to itself (see the class docstring)."""
        return (b"", 0)

    def setstate(self, state: tuple[bytes, int]) -> None:
        """Resets, then feeds ``state[0]`` as the start of a new stream."""
        buffered, _flags = state
        self._decoder.reset()
        if buffered:
            self._decoder.decode(buffered, False)


def _python_codec_form(name: str) -> str:
    """A name as Python's codec registry hands it to search functions: lower case, every run
    of characters other than letters, digits and ``.`` made one ``_``, none at either end."""
    return _re.sub(r"[^0-9a-z.]+", "_", name.lower()).strip("_")


_NORMALIZED_PREFIX: _Final = _python_codec_form(CODEC_PREFIX)
_charsets_by_codec_form: dict[str, Charset] | None = None


def _charset_for_codec_name(label: str) -> Charset:
    """The charset a codec name's label part means. Python has already lower-cased it and made
    its punctuation ``_``, so it is first matched against every canonical name and alias in that
    same form, then tried as a label as it is and with ``-`` for ``_``."""
    global _charsets_by_codec_form
    if _charsets_by_codec_form is None:
        table: dict[str, Charset] = {}
        for charset in charsets():
            for name in (charset.name, *charset.aliases):
                table.setdefault(_python_codec_form(name), charset)
        _charsets_by_codec_form = table
    known = _charsets_by_codec_form.get(label)
    if known is not None:
        return known
    try:
        return lookup(label.replace("_", "-"))
    except UnknownEncodingError:
        return lookup(label)  # raises UnknownEncodingError with a suggestion


def _codec_decode(charset_name: str, input: _Buffer, errors: str = "strict") -> tuple[str, int]:
    text = decode(input, charset_name, errors)
    return text, memoryview(input).nbytes


def _codec_encode(charset_name: str, input: str, errors: str = "strict") -> tuple[bytes, int]:
    raise UnsupportedEncodingError(
        f"{CODEC_PREFIX}{charset_name} only decodes: convert_utf8 converts to UTF-8, "
        f"it does not encode text into {charset_name}"
    )


class _StreamReader(_codecs.StreamReader):
    """``_codecs.StreamReader`` on top of an incremental decoder (set per codec)."""

    charset_name: str = ""

    def __init__(self, stream: object, errors: str = "strict") -> None:
        super().__init__(stream, errors)  # type: ignore[arg-type]
        self._incremental = IncrementalDecoder(self.charset_name, errors)

    def decode(self, input: bytes, errors: str = "strict") -> tuple[str, int]:  # type: ignore[override]
        return self._incremental.decode(input), len(input)

    def reset(self) -> None:
        super().reset()
        self._incremental.reset()


def _resolves_to(label: str, charset: Charset) -> bool:
    try:
        return lookup(label) == charset
    except LookupError:
        return False


class _StreamWriter(_codecs.StreamWriter):
    """Present so that ``_codecs.open()`` can build its reader-writer; writing raises."""

    charset_name: str = ""

    def encode(self, input: str, errors: str = "strict") -> tuple[bytes, int]:  # type: ignore[override]
        return _codec_encode(self.charset_name, input, errors)


def _search(name: str) -> _codecs.CodecInfo | None:
    if not name.startswith(_NORMALIZED_PREFIX + "_"):
        return None
    return _codec_info(_charset_for_codec_name(name[len(_NORMALIZED_PREFIX) + 1 :]))


def _fallback_search(name: str) -> _codecs.CodecInfo | None:
    """Unprefixed names: asked only after Python's own codecs, which were registered first."""
    if name.startswith(_NORMALIZED_PREFIX + "_"):
        return None
    try:
        charset = _charset_for_codec_name(name)
    except UnknownEncodingError:
        return None
    return _codec_info(charset)


def _codec_info(charset: Charset) -> _codecs.CodecInfo:
    # A name the label resolver accepts (glibc's INTERNAL is only reachable as WCHAR_T).
    label = next(n for n in (charset.name, *charset.aliases) if _resolves_to(n, charset))
    attributes = {"charset_name": label}
    reader = type(f"StreamReader_{charset.name}", (_StreamReader,), attributes)
    writer = type(f"StreamWriter_{charset.name}", (_StreamWriter,), attributes)
    return _codecs.CodecInfo(
        name=CODEC_PREFIX + charset.name,
        encode=_partial(_codec_encode, charset.name),
        decode=_partial(_codec_decode, label),
        incrementaldecoder=_partial(IncrementalDecoder, label),  # type: ignore[arg-type]
        streamreader=reader,
        streamwriter=writer,
    )


_registered = False
_fallback_registered = False


def register(*, fallback: bool = False) -> None:
    """Adds a codec search function for ``"convert_utf8:LABEL"`` names (decode only).

    Afterwards ``b"...".decode("convert_utf8:SHIFT_JIS")``, ``_codecs.decode(...)``,
    ``_codecs.getincrementaldecoder(...)`` and ``open(path, encoding="convert_utf8:...")`` work
    for every label; encoding raises ``UnsupportedEncodingError``.

    With ``fallback=True``, every name Python's codecs do not know (``iso-2022-cn``, ``ibm930``,
    ``tscii``, ``koi8-ru``, ...) also resolves to convert-utf8's decoder without the prefix, so
    that the ``email`` package, ``open(..., encoding=...)`` and pandas decode text in them
    unchanged; names Python knows keep Python's codec. Calling it again does nothing more.
    """
    global _registered, _fallback_registered
    if not _registered:
        _codecs.register(_search)
        _registered = True
    if fallback and not _fallback_registered:
        _codecs.register(_fallback_search)
        _fallback_registered = True

