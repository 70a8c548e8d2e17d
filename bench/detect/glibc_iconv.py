"""glibc's iconv(3) called in-process through ctypes, and the one rule for "decodes right".

Shared by the detection corpus builder (which checks every sample against it) and the evaluation
(which falls back to it when the convert_utf8 package is not importable). Linux with glibc only.

    decode(b"\\xe9t\\xe9", "ISO-8859-1")  -> "été"
    encode("été", "CP1258")               -> the bytes `iconv -t CP1258` writes
    matches(decoded, original)            -> the evaluation's definition of a right answer
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno

__all__ = ["IconvError", "decode", "encode", "known", "matches"]

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
_libc.iconv_open.restype = ctypes.c_void_p
_libc.iconv_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
_libc.iconv.restype = ctypes.c_size_t
_libc.iconv.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p),
                        ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_char_p),
                        ctypes.POINTER(ctypes.c_size_t)]
_libc.iconv_close.argtypes = [ctypes.c_void_p]

_FAILED = ctypes.c_void_p(-1).value
_ERROR = ctypes.c_size_t(-1).value
_descriptors: dict[tuple[str, str], int | None] = {}


class IconvError(ValueError):
    """The input is invalid or truncated for the charset (iconv's EILSEQ or EINVAL)."""


def _descriptor(to: str, frm: str) -> int:
    key = (to, frm)
    if key not in _descriptors:
        cd = _libc.iconv_open(to.encode("ascii"), frm.encode("ascii"))
        _descriptors[key] = None if cd == _FAILED else cd
    cd = _descriptors[key]
    if cd is None:
        raise LookupError(f"glibc iconv does not know {frm!r} -> {to!r}")
    # Back to the initial state: a descriptor is reused across calls.
    _libc.iconv(cd, None, None, None, None)
    return cd


def _convert(data: bytes, to: str, frm: str) -> bytes:
    cd = _descriptor(to, frm)
    out_size = 4 * len(data) + 64
    out = ctypes.create_string_buffer(out_size)
    in_buf = ctypes.c_char_p(data)
    in_left = ctypes.c_size_t(len(data))
    out_ptr = ctypes.c_char_p(ctypes.addressof(out))
    out_left = ctypes.c_size_t(out_size)
    if _libc.iconv(cd, ctypes.byref(in_buf), ctypes.byref(in_left), ctypes.byref(out_ptr),
                   ctypes.byref(out_left)) == _ERROR:
        code = ctypes.get_errno()
        raise IconvError(f"{frm} -> {to}: {errno.errorcode.get(code, code)} at byte "
                         f"{len(data) - in_left.value}")
    # Flush: a stateful target returns to its initial state, CP1258 emits a held base letter.
    if _libc.iconv(cd, None, None, ctypes.byref(out_ptr), ctypes.byref(out_left)) == _ERROR:
        raise IconvError(f"{frm} -> {to}: cannot flush")
    return out.raw[:out_size - out_left.value]


def known(name: str) -> bool:
    """Whether glibc iconv knows `name` as a source charset."""
    try:
        _descriptor("UTF-8", name)
    except LookupError:
        return False
    return True


def decode(data: bytes, name: str) -> str:
    """`data` in charset `name` as text; LookupError for an unknown name, IconvError if invalid."""
    return _convert(bytes(data), "UTF-8", name).decode("utf-8")


def encode(text: str, name: str) -> bytes:
    """`text` in charset `name`; IconvError if a character has no encoding there."""
    return _convert(text.encode("utf-8"), name, "UTF-8")


def matches(decoded: str, original: str) -> bool:
    """A right answer decodes to exactly the original text. The byte order mark is the charset's
    signature, not text: one leading U+FEFF in the decoded text is dropped before comparing (a
    decoder that consumes the BOM and one that returns it as U+FEFF are both right)."""
    if decoded.startswith("\ufeff"):
        decoded = decoded[1:]
    return decoded == original
