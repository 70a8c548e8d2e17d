"""Type stubs for convert_utf8: decode every charset glibc iconv decodes into UTF-8."""

import codecs
import os
from typing import Final, final

# Any object with the buffer protocol: bytes, bytearray, memoryview, array.array, mmap, ...
_Buffer = bytes | bytearray | memoryview
_Path = str | os.PathLike[str]

__all__ = [
    "Charset",
    "DecodeError",
    "IncrementalDecoder",
    "UnknownEncodingError",
    "UnsupportedEncodingError",
    "CODEC_PREFIX",
    "charsets",
    "convert_file",
    "decode",
    "lookup",
    "register",
    "to_utf8",
]

CODEC_PREFIX: Final[str]

class DecodeError(UnicodeDecodeError):
    """A bad byte sequence: ``object[start:end]`` are its bytes (for ``convert_file``,
    ``object`` holds only the bad bytes and ``start``/``end`` are offsets in the file, which is
    in ``filename``)."""

    filename: str | os.PathLike[str]

class UnknownEncodingError(LookupError):
    """No charset goes by this label."""

    label: str
    suggestion: str | None

class UnsupportedEncodingError(LookupError):
    """A known charset this build cannot decode yet, or an attempt to encode."""

    name: str

@final
class Charset:
    """A charset known to convert_utf8."""

    @property
    def name(self) -> str:
        """The canonical name, e.g. ``"SJIS"``, ``"ISO-8859-1"``, ``"UTF-8"``."""
    @property
    def aliases(self) -> tuple[str, ...]:
        """Every other name glibc accepts for it."""
    @property
    def family(self) -> str:
        """The decoder family, e.g. ``"unicode"``, ``"single_byte"``, ``"cjk_multibyte"``."""
    @property
    def supported(self) -> bool:
        """Whether this build can decode it."""
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

def decode(data: _Buffer, encoding: str, errors: str = "strict") -> str:
    """Decodes ``data`` from ``encoding`` to a str, applying ``errors``."""

def to_utf8(data: _Buffer, encoding: str, errors: str = "strict") -> bytes:
    """Decodes ``data`` from ``encoding`` to UTF-8 bytes, without building a str."""

def lookup(label: str) -> Charset:
    """The charset ``label`` names; ``UnknownEncodingError`` if none."""

def charsets() -> list[Charset]:
    """Every charset glibc iconv decodes."""

def convert_file(
    src: _Path,
    dst: _Path | None = None,
    *,
    encoding: str,
    errors: str = "strict",
) -> int:
    """Converts ``src`` to UTF-8 into ``dst`` (in place, atomically, when None); returns how
    many bad sequences the error policy dropped, replaced or handled."""

def register() -> None:
    """Adds the codec search function for ``"convert_utf8:LABEL"`` names (decode only)."""

class IncrementalDecoder(codecs.IncrementalDecoder):
    """Decodes a stream given in pieces."""

    def __init__(self, encoding: str, errors: str = "strict") -> None: ...
    @property
    def encoding(self) -> str: ...
    @property
    def errors(self) -> str: ...  # type: ignore[override]
    def decode(self, input: _Buffer, final: bool = False) -> str: ...
    def reset(self) -> None: ...
    def getstate(self) -> tuple[bytes, int]: ...
    def setstate(self, state: tuple[bytes, int]) -> None: ...

