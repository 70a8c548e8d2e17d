"""Type stubs for convert_utf8: decode every charset glibc iconv decodes into UTF-8."""

import codecs
import os
from collections.abc import Callable, Iterable
from typing import Final, Literal, final

__version__: str

# Any object with the buffer protocol: bytes, bytearray, memoryview, array.array, mmap, ...
_Buffer = bytes | bytearray | memoryview
_Path = str | os.PathLike[str]

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

CODEC_PREFIX: Final[str]
#: Below this confidence ``decode(data, "auto")`` and ``to_utf8(data, "auto")`` raise
#: ``DetectionError`` instead of decoding (0.5).
DETECT_THRESHOLD: Final[float]

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
    """An attempt to encode: convert_utf8 only decodes."""

    name: str

class DetectionError(ValueError):
    """``"auto"`` decoding found binary data, or no charset with a confidence of at least
    ``DETECT_THRESHOLD``; ``detection`` is what the detector found."""

    detection: Detection

_Basis = Literal[
    "empty",
    "bom",
    "nul-pattern",
    "ascii",
    "escapes",
    "utf-8",
    "statistics",
    "declared",
    "binary",
    "unknown",
    "other",
]
_Verdict = Literal["kept", "invalid", "less-natural", "overridden"]

@final
class Detection:
    """What ``detect()`` found. Immutable; compared and hashed by value."""

    @property
    def encoding(self) -> str | None:
        """The canonical name of the charset to decode with (``decode`` and every other
        function here accept it), or None for binary data and text in no charset the detector
        can name."""
    @property
    def confidence(self) -> float:
        """The probability, 0 to 1, that decoding with ``encoding`` gives the right text; for
        binary data, how sure the detector is that it is binary."""
    @property
    def language(self) -> str | None:
        """The language the text reads best in (``"ru"``, ``"ja"``, ``"zh-Hant"``, ...), or None."""
    @property
    def bom(self) -> bool:
        """Whether the data starts with a byte order mark."""
    @property
    def basis(self) -> _Basis:
        """How the answer was reached (``"other"``: a basis newer than this package's names)."""
    @property
    def alternatives(self) -> tuple[tuple[str, float], ...]:
        """The runners-up as ``(encoding, confidence)`` pairs, most likely first (at most 4)."""
    @property
    def declared(self) -> _Verdict | None:
        """What became of ``declared=``: None without one, ``"kept"``, ``"invalid"`` (the data is
        not valid in it) or ``"less-natural"`` (valid, but clearly in another charset)."""
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

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
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

def decode(data: _Buffer, encoding: str, errors: str = "strict") -> str:
    """Decodes ``data`` from ``encoding`` to a str, applying ``errors``. ``encoding="auto"``
    detects the charset first (``DetectionError`` if binary or uncertain)."""

def to_utf8(data: _Buffer, encoding: str, errors: str = "strict") -> bytes:
    """Decodes ``data`` from ``encoding`` to UTF-8 bytes, without building a str.
    ``encoding="auto"`` detects the charset first (``DetectionError`` if binary or uncertain)."""

def detect(data: _Buffer, *, declared: str | None = None) -> Detection:
    """The charset ``data`` is most likely in. ``declared`` is the label it came with, kept
    unless the data is invalid in it or clearly in another charset; an unknown label raises
    ``UnknownEncodingError``."""

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

class TreeEntry:
    """One file of a ``convert_tree`` report."""

    @property
    def path(self) -> str: ...
    @property
    def action(
        self,
    ) -> Literal["converted", "would-convert", "already-utf8", "skipped", "failed", "removed-temporary"]: ...
    @property
    def charset(self) -> str | None: ...
    @property
    def confidence(self) -> float | None: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def bytes(self) -> int: ...
    @property
    def text_left(self) -> bool: ...
    def __eq__(self, other: object, /) -> bool: ...

class TreeReport:
    """What ``convert_tree`` did."""

    converted: int
    would_convert: int
    already_utf8: int
    skipped: int
    failed: int
    removed_temporaries: int
    text_left: int
    bytes_converted: int
    entries: list[TreeEntry]
    @property
    def ok(self) -> bool: ...

def convert_tree(
    paths: _Path | bytes | Iterable[_Path | bytes],
    encoding: str = "auto",
    *,
    recursive: bool = True,
    dry_run: bool = False,
    backup: str | None = None,
    jobs: int | None = None,
    progress: Callable[[TreeEntry], object] | None = None,
    threshold: float | None = None,
    include: str | Iterable[str] | None = None,
    exclude: str | Iterable[str] | None = None,
    hidden: bool = False,
    ignore_files: bool = True,
    follow_links: bool = False,
    hard_links: bool = False,
    keep_mtime: bool = False,
) -> TreeReport:
    """Convert every file under ``paths`` to UTF-8 in place; see docs/trees.md."""

def register(*, fallback: bool = False) -> None:
    """Adds the codec search function for ``"convert_utf8:LABEL"`` names (decode only); with
    ``fallback=True`` also for every name Python's own codecs do not know, unprefixed."""

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

