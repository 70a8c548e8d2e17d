#!/usr/bin/env python3
"""Builds the charset-detection evaluation corpus (owned by this script: its sources, cells,
sample cutting and manifest format; bench/detect/evaluate.py reads what it writes).

    python3 bench/detect/make_corpus.py                  # -> target/detect-corpus/
    python3 bench/detect/make_corpus.py --per-cell 5 --out /tmp/corpus

Text comes from Debian packages fetched with `apt-get download` (cached under
target/detect-sources/, never installed): translated manual pages (troff reduced to plain prose)
and Firefox ESR language packs (the values of their Fluent .ftl and .properties strings). Each
package is read straight from its .deb, and only manual pages and language-pack string files
are read; SOURCES.md beside this script lists the packages and their licences.

For every cell (language, charset) and size (64 B, 512 B, 8 KiB by default) it writes
--per-cell samples, each a window of the language's text taken from its own seeded random place,
encoded as a whole and cut at a character boundary so that it is at most the size. A sample
is kept only when its bytes decode back to exactly its text under glibc iconv and, where Python
has the codec, under Python's codecs too; characters a charset cannot encode are first replaced
by their usual plain forms (typographic quotes and dashes, Romanian comma-below letters, the
Persian yeh and kaf), and a paragraph that still does not fit is left out of that cell.

The mislabel set pairs samples with a declared label: wrong in the common ways, and right
(controls, which a detector must not override).

Output, in --out:
  manifest.jsonl   one JSON object per sample: id, set ("main" or "mislabel"), file (the
                   bytes), text (the original UTF-8 text), group, language, charset (a glibc
                   name), bom, size, bytes, declared, case, sha256 (of the UTF-8 text), source
  corpus.json      the parameters, the source packages and their versions, counts per group
  samples/ text/   the sample bytes and their texts; mislabel/ mislabel-text/ likewise
"""

from __future__ import annotations

import argparse
import codecs
import collections
import gzip
import hashlib
import html
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import glibc_iconv  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FORMAT_VERSION = 1
SIZES = (64, 512, 8192)

# --------------------------------------------------------------------------------------------
# Sources: language -> Debian packages. Manual pages give prose; Firefox ESR language packs
# cover the languages without translated manual pages (and add Greek and Turkish text).

MANPAGE_PACKAGES = {
    "en": ("manpages", "."), "ja": ("manpages-ja", "ja"), "zh_CN": ("manpages-zh", "zh_CN"),
    "zh_TW": ("manpages-zh", "zh_TW"), "ru": ("manpages-ru", "ru"),
    "uk": ("manpages-uk", "uk"), "de": ("manpages-de", "de"), "fr": ("manpages-fr", "fr"),
    "pl": ("manpages-pl", "pl"), "es": ("manpages-es", "es"), "it": ("manpages-it", "it"),
    "cs": ("manpages-cs", "cs"), "hu": ("manpages-hu", "hu"), "ro": ("manpages-ro", "ro"),
    "tr": ("manpages-tr", "tr"), "vi": ("manpages-vi", "vi"), "el": ("manpages-el", "el"),
    "mk": ("manpages-mk", "mk"), "sr": ("manpages-sr", "sr"), "nl": ("manpages-nl", "nl"),
    "pt": ("manpages-pt-br", "pt_BR"), "da": ("manpages-da", "da"),
    "fi": ("manpages-fi", "fi"), "sv": ("manpages-sv", "sv"), "nb": ("manpages-nb", "nb"),
}
LANGPACK_PACKAGES = {
    lang: f"firefox-esr-l10n-{lang}"
    for lang in ("ko", "th", "he", "ar", "fa", "bg", "be", "lt", "lv", "et", "el", "tr", "mk",
                 "ro")
}

# Expected script of each language, for dropping untranslated (English) passages.
SCRIPTS = {
    "ja": "CJK", "zh_CN": "HAN", "zh_TW": "HAN", "ko": "HANGUL", "th": "THAI", "he": "HEBREW",
    "ar": "ARABIC", "fa": "ARABIC", "el": "GREEK",
    **{lang: "CYRILLIC" for lang in ("ru", "uk", "bg", "be", "sr", "mk")},
}
UNSPACED = {"ja", "zh_CN", "zh_TW", "th"}          # no spaces between words
CJK_SENTENCE_END = {"ja": "。", "zh_CN": "。", "zh_TW": "。"}

# --------------------------------------------------------------------------------------------
# Cells: group -> [(language, charset glibc name, bom)].

WESTERN = ("de", "fr", "es", "it", "nl", "pt", "da", "fi", "sv", "nb")


def _cells() -> dict[str, list[tuple[str, str, bool]]]:
    def each(langs, *charsets):
        return [(lang, cs, False) for cs in charsets for lang in langs]

    return {
        "Japanese": each(["ja"], "SHIFT_JIS", "CP932", "EUC-JP", "ISO-2022-JP"),
        "Chinese (Simplified)": each(["zh_CN"], "GB2312", "GBK", "GB18030"),
        "Chinese (Traditional)": each(["zh_TW"], "BIG5", "BIG5-HKSCS", "EUC-TW"),
        "Korean": each(["ko"], "EUC-KR", "CP949", "ISO-2022-KR"),
        "Cyrillic": (each(["ru", "uk", "bg", "be", "sr", "mk"], "WINDOWS-1251")
                     + each(["ru", "bg"], "KOI8-R") + each(["uk", "ru"], "KOI8-U")
                     + each(["ru", "sr"], "ISO-8859-5") + each(["ru", "bg"], "IBM866")
                     + each(["ru", "bg"], "MACCYRILLIC")),
        "Greek": each(["el"], "WINDOWS-1253", "ISO-8859-7"),
        "Hebrew": each(["he"], "WINDOWS-1255", "ISO-8859-8"),
        "Arabic": each(["ar", "fa"], "WINDOWS-1256") + each(["ar"], "ISO-8859-6"),
        "Thai": each(["th"], "TIS-620", "CP874"),
        "Turkish": each(["tr"], "WINDOWS-1254", "ISO-8859-9"),
        "Central European": (each(["pl", "cs", "hu", "ro"], "WINDOWS-1250", "ISO-8859-2")
                             + each(["pl", "cs"], "IBM852") + each(["ro", "pl"], "ISO-8859-16")),
        "Western European": (each(WESTERN, "WINDOWS-1252", "ISO-8859-1")
                             + each(["fr", "de", "fi", "es"], "ISO-8859-15")
                             + each(["de", "fr", "es"], "IBM850") + each(["de", "sv"], "IBM437")
                             + each(["fr", "de", "es"], "MACINTOSH")
                             + each(["en", "es"], "IBM037") + each(["fr", "de"], "IBM500")
                             + each(["en", "it"], "IBM1047") + each(["de"], "IBM273")),
        "Baltic": each(["lt", "lv", "et"], "WINDOWS-1257", "ISO-8859-13", "ISO-8859-4"),
        "Vietnamese": each(["vi"], "CP1258"),
        "UTF-8": (each(["ja", "zh_CN", "ko", "ru", "el", "he", "ar", "th", "tr", "pl", "fr",
                        "de", "vi", "lt"], "UTF-8")
                  + [("fr", "UTF-8", True), ("ru", "UTF-8", True)]),
        "UTF-16/32": ([(lang, cs, bom) for cs in ("UTF-16LE", "UTF-16BE") for bom in (True, False)
                       for lang in ("ja", "ru", "fr")]
                      + [(lang, cs, True) for cs in ("UTF-32LE", "UTF-32BE")
                         for lang in ("zh_CN", "de")]),
        "ASCII": [("en", "ASCII", False)],
    }


CELLS = _cells()

# Python codec of each charset, where Python has one (the sample must decode to its text with
# it too); None: glibc only.
PYTHON_CODECS = {
    "SHIFT_JIS": "shift_jis", "CP932": "cp932", "EUC-JP": "euc_jp", "ISO-2022-JP": "iso2022_jp",
    "GB2312": "gb2312", "GBK": "gbk", "GB18030": "gb18030", "BIG5": "big5",
    "BIG5-HKSCS": "big5hkscs", "EUC-TW": None, "EUC-KR": "euc_kr", "CP949": "cp949",
    "ISO-2022-KR": "iso2022_kr", "WINDOWS-1251": "cp1251", "KOI8-R": "koi8_r",
    "KOI8-U": "koi8_u", "ISO-8859-5": "iso8859_5", "IBM866": "cp866",
    "MACCYRILLIC": "mac_cyrillic", "WINDOWS-1253": "cp1253", "ISO-8859-7": "iso8859_7",
    "WINDOWS-1255": "cp1255", "ISO-8859-8": "iso8859_8", "WINDOWS-1256": "cp1256",
    "ISO-8859-6": "iso8859_6", "TIS-620": "tis_620", "CP874": "cp874",
    "WINDOWS-1254": "cp1254", "ISO-8859-9": "iso8859_9", "WINDOWS-1250": "cp1250",
    "ISO-8859-2": "iso8859_2", "IBM852": "cp852", "ISO-8859-16": "iso8859_16",
    "WINDOWS-1252": "cp1252", "ISO-8859-1": "latin_1", "ISO-8859-15": "iso8859_15",
    "IBM850": "cp850", "IBM437": "cp437", "MACINTOSH": "mac_roman", "IBM037": "cp037",
    "IBM500": "cp500", "IBM1047": None, "IBM273": "cp273", "WINDOWS-1257": "cp1257",
    "ISO-8859-13": "iso8859_13", "ISO-8859-4": "iso8859_4", "CP1258": None, "UTF-8": "utf-8",
    "UTF-16LE": "utf-16-le", "UTF-16BE": "utf-16-be", "UTF-32LE": "utf-32-le",
    "UTF-32BE": "utf-32-be", "ASCII": "ascii",
}
# Encoded by glibc rather than Python: no Python codec, CP1258's decomposition (Vietnamese
# precomposed letters become base + tone mark), and ISO-2022-KR's header at the start of the
# text (RFC 1557) where Python writes it before the first Korean character.
ICONV_ENCODES = {"EUC-TW", "IBM1047", "CP1258", "ISO-2022-KR"}
BOMS = {"UTF-8": codecs.BOM_UTF8, "UTF-16LE": codecs.BOM_UTF16_LE,
        "UTF-16BE": codecs.BOM_UTF16_BE, "UTF-32LE": codecs.BOM_UTF32_LE,
        "UTF-32BE": codecs.BOM_UTF32_BE}
# Charsets in which ASCII text is not ASCII bytes. In every other cell (ASCII's aside) a window
# must hold at least one non-ASCII character: an all-ASCII window is the same bytes in all of
# those charsets and tests nothing.
NOT_ASCII_COMPATIBLE = {"UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE", "IBM037", "IBM500",
                        "IBM1047", "IBM273", "ISO-2022-JP", "ISO-2022-KR"}

# Plain forms for characters a charset lacks (applied only to characters it cannot encode).
PLAIN = {
    "‘": "'", "’": "'", "‚": ",", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"',
    "»": '"', "‹": "'", "›": "'", "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "―": "-",
    "…": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "•": "*", "·": ".",
    "№": "No.", "™": "(TM)", "©": "(C)", "®": "(R)", "×": "x", "→": "->", "←": "<-",
    "ș": "ş", "Ș": "Ş", "ț": "ţ", "Ț": "Ţ", "ی": "ي", "ک": "ك", "\u00ad": "",
}

# What ISO-8859-15 has and ISO-8859-1 lacks: half the ISO-8859-15 samples hold one of these
# where the language's text has any (French œ), so that the cell is more than ISO-8859-1.
ISO_8859_15_ONLY = set("€ŠšŽžŒœŸ")


def _c1_of_1252() -> set[str]:
    """The characters windows-1252 puts at 0x80-0x9F (curly quotes, dashes, €, ...)."""
    return {bytes([b]).decode("cp1252") for b in range(0x80, 0xA0)
            if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


# --------------------------------------------------------------------------------------------
# Fetching packages


def fetch_debs(packages: list[str], cache: Path) -> dict[str, Path]:
    """The .deb of each package, downloaded into `cache` by apt-get when not there yet."""
    cache.mkdir(parents=True, exist_ok=True)
    found = {p: sorted(cache.glob(f"{p}_*.deb")) for p in packages}
    missing = [p for p, debs in found.items() if not debs]
    if missing:
        command = ["apt-get", "download", "-q"]
        if os.geteuid() == 0:  # root: apt's sandbox user cannot write into our cache
            command += ["-o", "APT::Sandbox::User=root"]
        result = subprocess.run(command + missing, cwd=cache, capture_output=True, text=True)
        if result.returncode != 0 and os.geteuid() == 0:
            print("apt-get download failed; running apt-get update once", file=sys.stderr)
            subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
            result = subprocess.run(command + missing, cwd=cache, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"apt-get download {' '.join(missing)} failed:\n{result.stderr}"
                     "(the package lists may need `apt-get update`)")
        found = {p: sorted(cache.glob(f"{p}_*.deb")) for p in packages}
    # Several versions cached: the newest file name sorts last only by luck, so ask dpkg.
    return {p: max(debs, key=lambda d: _deb_field(d, "Version", as_key=True))
            for p, debs in found.items()}


def _deb_field(deb: Path, name: str, as_key: bool = False):
    value = subprocess.run(["dpkg-deb", "-f", str(deb), name], check=True, capture_output=True,
                           text=True).stdout.strip()
    if not as_key:
        return value
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", value)]


def deb_members(deb: Path, wanted) -> list[tuple[str, bytes]]:
    """(path, content) of the regular files of `deb` whose path `wanted(path)` accepts, sorted
    by path; nothing else of the package is unpacked."""
    tar_bytes = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True,
                               capture_output=True).stdout
    out = []
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        for member in tar:
            path = member.name.lstrip("./")
            if member.isfile() and wanted(path):
                out.append((path, tar.extractfile(member).read()))
    return sorted(out)


# --------------------------------------------------------------------------------------------
# Text extraction

# troff escapes with a text meaning; every other escape is dropped.
TROFF_GLYPHS = {
    "em": "—", "en": "–", "hy": "-", "aq": "'", "dq": '"', "lq": "“", "rq": "”", "oq": "‘",
    "cq": "’", "Fo": "«", "Fc": "»", "fo": "‹", "fc": "›", "bu": "•", "co": "©", "rg": "®",
    "tm": "™", "mu": "×", "di": "÷", "de": "°", "ti": "~", "ha": "^", "ga": "`", "ul": "_",
    "rs": "\\", "at": "@", "sh": "#", "Do": "$", "sl": "/", "ba": "|", "bv": "|", "pl": "+",
    "mi": "-", "eq": "=", "<=": "≤", ">=": "≥", "!=": "≠", "->": "→", "<-": "←", "Eu": "€",
    "eu": "€", "ss": "ß", "+-": "±", "12": "½", "14": "¼", "34": "¾", "ps": "¶", "sc": "§",
}
_TROFF_ESCAPE = re.compile(r"""\\(?:
      \(([^\s]{2})               # \(xx
    | \[([^\]\s]+)\]             # \[name]
    | \*(?:\(..|\[[^\]]*\]|.)    # string
    | f(?:\(..|\[[^\]]*\]|.)     # font
    | [sS][+-]?(?:\d|\(\d\d|\[\d+\])   # size
    | n[+-]?(?:\(..|\[[^\]]*\]|.)      # register
    | [hvwlLoDbXNRz]'[^']*'      # motions, widths, ...
    | [kgmM](?:\(..|\[[^\]]*\]|.)
    | (.)                        # any other one-character escape
    )""", re.VERBOSE)
_FONT_MACROS = {"B", "I", "BR", "RB", "IR", "RI", "BI", "IB", "SM", "SB", "UR", "UE", "MT",
                "ME", "OP", "\\\"", "IX", "in", "ft", "ps", "ne", "ad", "na", "hy", "nh"}
_NOFILL_START = {"nf", "EX", "DS", "Vb", "TS", "EQ"}
_NOFILL_END = {"fi", "EE", "DE", "Ve", "TE", "EN"}


def _troff_escape(m: re.Match) -> str:
    two, name, one = m.group(1), m.group(2), m.group(3)
    if two is not None:
        return TROFF_GLYPHS.get(two, "")
    if name is not None:
        if re.fullmatch(r"u[0-9A-Fa-f]{4,5}", name):
            return chr(int(name[1:], 16))
        return TROFF_GLYPHS.get(name, "")
    if one is not None:
        return {"-": "-", "e": "\\", "\\": "\\", " ": " ", "~": " ", "0": " ", "'": "'",
                "`": "`", ".": "."}.get(one, "")
    return ""


def troff_paragraphs(source: str, lang: str) -> list[str]:
    """Plain paragraphs of a manual page: requests dropped (those of font and inline kind
    continue the paragraph, the others end it), no-fill blocks (examples, synopses) dropped,
    escapes reduced to their character or to nothing."""
    paragraphs, lines, nofill = [], [], False
    for line in source.splitlines():
        if line[:1] in (".", "'"):
            macro = line[1:].strip().split(" ", 1)[0] if line[1:].strip() else ""
            if macro in _NOFILL_START:
                nofill = True
            elif macro in _NOFILL_END:
                nofill = False
            if macro not in _FONT_MACROS and lines:
                paragraphs.append(lines)
                lines = []
            continue
        if nofill:
            continue
        if not line.strip():
            if lines:
                paragraphs.append(lines)
                lines = []
            continue
        lines.append(_TROFF_ESCAPE.sub(_troff_escape, line).strip())
    if lines:
        paragraphs.append(lines)
    return [join_lines(p, lang) for p in paragraphs]


def join_lines(lines: list[str], lang: str) -> str:
    """Lines of one paragraph as one line: joined without a space between two CJK characters."""
    out = ""
    for line in lines:
        if not line:
            continue
        if out and not (lang in UNSPACED and _is_wide(out[-1]) and _is_wide(line[0])):
            out += " "
        out += line
    return out


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F") or "\u0e00" <= ch <= "\u0e7f"


_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_FTL_MESSAGE = re.compile(r"^-?[A-Za-z][\w-]*\s*=\s?(.*)$")
_FTL_ATTRIBUTE = re.compile(r"^\s+\.[\w-]+\s*=\s?(.*)$")
_FTL_VARIANT = re.compile(r"^\s*(\*?)\[[^\]]+\]\s*(.*)$")


def ftl_values(source: str) -> list[str]:
    """The string values of a Fluent file: messages and attributes, multiline values joined,
    of a select expression only its default variant, placeables removed."""
    values: list[str] = []
    current: list[str] | None = None
    in_select = False

    def close():
        nonlocal current
        if current:
            values.append(" ".join(x for x in current if x))
        current = None

    for line in source.splitlines():
        if line.startswith("#") or not line.strip():
            if not line.strip() and not in_select:
                close()
            continue
        m = _FTL_MESSAGE.match(line)
        if m and not line[0].isspace():
            close()
            current, in_select = [], False
            rest = m.group(1)
        else:
            m = _FTL_ATTRIBUTE.match(line)
            if m and not in_select:
                close()
                current = []
                rest = m.group(1)
            else:
                rest = line.strip()
        if current is None:
            continue
        if "->" in rest:                       # a select expression starts
            in_select = True
            current.append(rest.split("{", 1)[0])
            continue
        if in_select:
            v = _FTL_VARIANT.match(rest)
            if v and v.group(1):               # the default variant
                current.append(v.group(2))
            elif rest.startswith("}"):
                in_select = False
                current.append(rest[1:])
            continue
        current.append(rest)
    close()
    return [_clean_value(v) for v in values]


_PROPERTIES_LINE = re.compile(r"^\s*[^#!\s][^=:]*?\s*[=:]\s*(.*)$")
_PRINTF = re.compile(r"%(?:\d+\$)?[-#0 +]*\d*(?:\.\d+)?[sSdDiuxXfg@]|%%|#\d\b")


def properties_values(source: str) -> list[str]:
    """The values of a Java-style .properties file, printf-like placeholders removed."""
    values = []
    for line in source.splitlines():
        m = _PROPERTIES_LINE.match(line)
        if m:
            value = re.sub(r"\\u([0-9a-fA-F]{4})", lambda u: chr(int(u.group(1), 16)), m.group(1))
            values.append(_clean_value(_PRINTF.sub("", value.replace("\\n", " "))))
    return values


_EMPTY_PAIR = re.compile(r"""\(\s*\)|\[\s*\]|"\s*"|'\s*'|„\s*“|«\s*»|“\s*”|‘\s*’|「\s*」""")


def _clean_value(value: str) -> str:
    while _PLACEHOLDER.search(value):
        value = _PLACEHOLDER.sub("", value)
    value = html.unescape(re.sub(r"<[^>]*>", "", value))
    value = _EMPTY_PAIR.sub("", value)            # what held only a placeholder
    return re.sub(r"\s+", " ", value).strip()


# Untranslated English left in a translation (manual pages are often partly translated).
# Words that are English and no word of the Latin-script languages here.
ENGLISH_MARKERS = {"the", "and", "with", "that", "this", "which", "from", "when", "are",
                   "will", "should", "have", "has", "these", "their", "there", "used", "must",
                   "you", "your", "not", "into", "if", "how", "what", "been", "would", "could"}
_WORD = re.compile(r"[^\W\d_]+")


def script_of(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if name.startswith(("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH")):
        return "HAN"
    if name.startswith(("HIRAGANA", "KATAKANA", "HALFWIDTH KATAKANA")):
        return "KANA"
    return name.split(" ", 1)[0] if name else ""


def script_share(letters: list[str], lang: str) -> float:
    """The share of `letters` in the language's script (Japanese: Han or kana)."""
    expected = SCRIPTS.get(lang, "LATIN")
    scripts = ("HAN", "KANA") if expected == "CJK" else (expected,)
    return sum(script_of(c) in scripts for c in letters) / max(1, len(letters))


def looks_english(text: str, lang: str) -> bool:
    """Untranslated English in a Latin-script language other than English."""
    if lang == "en" or SCRIPTS.get(lang, "LATIN") != "LATIN":
        return False
    words = [w.lower() for w in _WORD.findall(text)]
    markers = sum(w in ENGLISH_MARKERS for w in words)
    return markers >= 2 or (markers == 1 and len(words) <= 8) if len(words) < 25 \
        else markers > 0.06 * len(words)


def keep_paragraph(text: str, lang: str) -> bool:
    """Real words in the expected script: not a command line, not untranslated English."""
    if "@" in text or "://" in text or "\ufffd" in text:
        return False
    letters = [c for c in text if c.isalpha()]
    visible = [c for c in text if not c.isspace()]
    minimum = 12 if lang in UNSPACED or lang == "ko" else 40
    if len(letters) < minimum or len(letters) < 0.6 * len(visible):
        return False
    latin = SCRIPTS.get(lang, "LATIN") == "LATIN"
    if script_share(letters, lang) < (0.95 if latin else 0.5):
        return False
    return not looks_english(text, lang)


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\ufeff", "")
    text = "".join(c for c in text if c == "\n" or unicodedata.category(c) not in ("Cc", "Co",
                                                                                   "Cs"))
    return re.sub(r"[ \t\u3000]+", lambda m: "\u3000" if m.group() == "\u3000" else " ",
                  text).strip()


@dataclass
class LanguageText:
    paragraphs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def extract_language(lang: str, debs: dict[str, Path], max_chars: int, seed: str
                     ) -> LanguageText:
    """The language's unique paragraphs, in document order within each source file, the files
    in a seeded order, until max_chars."""
    documents: list[list[str]] = []
    out = LanguageText()
    if lang in MANPAGE_PACKAGES:
        package, subdir = MANPAGE_PACKAGES[lang]
        prefix = "usr/share/man/" + ("" if subdir == "." else subdir + "/")
        pattern = re.compile(re.escape(prefix) + r"man\d[^/]*/[^/]+$")
        files = deb_members(debs[package], lambda p: bool(pattern.match(p)))
        out.sources.append(package)
        for _path, content in files:
            try:
                source = (gzip.decompress(content) if content[:2] == b"\x1f\x8b"
                          else content).decode("utf-8")
            except (UnicodeDecodeError, OSError, EOFError):
                continue
            documents.append(troff_paragraphs(source, lang))
    if lang in LANGPACK_PACKAGES:
        package = LANGPACK_PACKAGES[lang]
        out.sources.append(package)
        for _path, xpi in deb_members(debs[package], lambda p: p.endswith(".xpi")):
            with zipfile.ZipFile(io.BytesIO(xpi)) as z:
                for name in sorted(z.namelist()):
                    if name.endswith(".ftl"):
                        values = ftl_values(z.read(name).decode("utf-8"))
                    elif name.endswith(".properties"):
                        values = properties_values(z.read(name).decode("utf-8"))
                    else:
                        continue
                    documents.append(values_to_paragraphs(values, lang))
    rng = random.Random(f"{seed}:files:{lang}")
    rng.shuffle(documents)
    seen, total = set(), 0
    for paragraphs in documents:
        for p in paragraphs:
            p = normalize(p)
            if p in seen or not keep_paragraph(p, lang):
                continue
            seen.add(p)
            out.paragraphs.append(p)
            total += len(p) + 1
        if total >= max_chars:
            break
    return out


def values_to_paragraphs(values: list[str], lang: str) -> list[str]:
    """Interface strings as prose: each a sentence (closed with the language's full stop when it
    has none), unique ones only, grouped into paragraphs of about 400 characters."""
    end = CJK_SENTENCE_END.get(lang, "" if lang == "th" else ".")
    paragraphs, current, seen = [], "", set()
    for value in values:
        value = normalize(value)
        if value in seen or sum(c.isalpha() for c in value) < 2:
            continue
        seen.add(value)
        if script_share([c for c in value if c.isalpha()], lang) < 0.5 \
                or looks_english(value, lang):
            continue
        if value[-1] not in ".!?:;。！？؟…)\"»”":
            value += end
        separator = "" if lang in UNSPACED and lang != "th" else " "
        current = current + separator + value if current else value
        if len(current) >= 400:
            paragraphs.append(current.strip())
            current = ""
    if current:
        paragraphs.append(current.strip())
    return paragraphs


# --------------------------------------------------------------------------------------------
# Encoding and checking


class Codec:
    """Encodes text in a charset and says whether bytes decode back to exactly that text."""

    def __init__(self, charset: str, bom: bool):
        self.charset, self.bom = charset, bom
        self.python = PYTHON_CODECS[charset]
        self._encodable: dict[str, bool] = {}

    def _raw_encode(self, text: str) -> bytes:
        if self.charset in ICONV_ENCODES:
            return glibc_iconv.encode(text, self.charset)
        return text.encode(self.python)

    def encode(self, text: str) -> bytes:
        data = self._raw_encode(text)
        return BOMS[self.charset] + data if self.bom else data

    def can_encode(self, ch: str) -> bool:
        if ch not in self._encodable:
            # Both decoders must agree: Python's EUC-KR, say, writes a syllable outside KS X 1001
            # as an 8-byte jamo sequence that glibc does not decode.
            try:
                ok = self.round_trips(self._raw_encode(ch), ch)
            except (UnicodeEncodeError, glibc_iconv.IconvError):
                ok = False
            self._encodable[ch] = ok
        return self._encodable[ch]

    def fit(self, text: str) -> str | None:
        """`text`, with the characters the charset lacks in their plain forms; None if some
        character has none."""
        chars = []
        for ch in text:
            if not self.can_encode(ch):
                ch = PLAIN.get(ch, ch)
                if not all(self.can_encode(c) for c in ch):
                    return None
            chars.append(ch)
        return "".join(chars)

    def round_trips(self, data: bytes, text: str) -> bool:
        """Both decoders (glibc's; Python's where it has the codec) give back exactly `text`."""
        try:
            if not glibc_iconv.matches(glibc_iconv.decode(data, self.charset), text):
                return False
            if self.python and not glibc_iconv.matches(data.decode(self.python), text):
                return False
        except (UnicodeDecodeError, glibc_iconv.IconvError):
            return False
        return True


@dataclass
class CellText:
    """A cell's text: its paragraphs made to fit the charset, joined by newlines."""
    text: str
    paragraphs: int
    dropped: int


def cell_text(codec: Codec, paragraphs: list[str]) -> CellText:
    kept, dropped = [], 0
    for p in paragraphs:
        fitted = codec.fit(p)
        if fitted is not None:
            try:
                data = codec.encode(fitted)
            except (UnicodeEncodeError, glibc_iconv.IconvError):
                data = None
            if data is not None and codec.round_trips(data, fitted):
                kept.append(fitted)
                continue
        dropped += 1
    return CellText("\n".join(kept), len(kept), dropped)


def cut(codec: Codec, text: str, start: int, size: int) -> tuple[str, bytes]:
    """The longest text from `start` whose encoding (as a whole document: BOM, ISO-2022
    header and return to ASCII included) is at most `size` bytes."""
    lo, hi = 0, min(len(text) - start, size)      # every character takes at least one byte
    best = ("", b"")
    while lo <= hi:
        mid = (lo + hi) // 2
        piece = text[start:start + mid]
        data = codec.encode(piece)
        if len(data) <= size:
            best = (piece, data)
            lo = mid + 1
        else:
            hi = mid - 1
    piece, data = best
    # Do not end on a space, a newline or between a letter and its combining mark.
    while piece and (piece[-1].isspace() or (start + len(piece) < len(text)
                                             and unicodedata.combining(text[start + len(piece)]))):
        piece = piece[:-1]
        data = codec.encode(piece)
    return piece, data


def choose_sample(codec: Codec, text: str, size: int, rng: random.Random, spaced: bool,
                  need_non_ascii: bool, marked: set[str] | None = None) -> tuple[str, bytes] | None:
    """A window of `text` that starts at a seeded random place (at a word start where words are
    spaced), holds a non-ASCII character if `need_non_ascii`, and one of `marked` if given."""
    if marked:
        positions = [i for i, c in enumerate(text) if c in marked]
        if not positions:
            return None
    for _attempt in range(200):
        if marked:
            anchor = rng.choice(positions)
            start = max(0, anchor - rng.randrange(max(1, size // 4)))
        else:
            start = rng.randrange(max(1, len(text) - 16))
        if spaced:
            m = re.compile(r"[\s]").search(text, start, start + 40)
            if m and start > 0:
                start = m.end()
        while start < len(text) and (text[start].isspace()
                                     or unicodedata.combining(text[start])):
            start += 1
        piece, data = cut(codec, text, start, size)
        if len(piece) < 4:
            continue
        if need_non_ascii and piece.isascii():
            continue
        if marked and not any(c in marked for c in piece):
            continue
        if codec.round_trips(data, piece):
            return piece, data
    return None


# --------------------------------------------------------------------------------------------
# Mislabel cases


@dataclass
class MislabelCase:
    """Samples of `sources` (language, charset; taken in turn) declared as `declared`: a wrong
    declaration (kind "wrong") or the right one (kind "right"). `marked`: each window holds one
    of these characters; `uhc`: Hangul syllables outside KS X 1001 are put in (see below)."""
    case: str
    kind: str
    declared: str
    sources: list[tuple[str, str]]
    marked: set[str] | None = None
    uhc: bool = False


def mislabel_cases(c1252: set[str], beyond_gb2312: set[str]) -> list[MislabelCase]:
    western_1252 = [("de", "WINDOWS-1252"), ("fr", "WINDOWS-1252"), ("es", "WINDOWS-1252"),
                    ("it", "WINDOWS-1252")]
    # Traditional Chinese text in GBK: the simplified-Chinese sources have next to no
    # character outside GB2312, while every traditional one is.
    gbk = [("zh_TW", "GBK")]
    return [
        MislabelCase("windows-1252 declared iso-8859-1", "wrong", "iso-8859-1", western_1252,
                     c1252),
        MislabelCase("UTF-8 declared iso-8859-1", "wrong", "iso-8859-1",
                     [("de", "UTF-8"), ("fr", "UTF-8"), ("es", "UTF-8")]),
        MislabelCase("GBK declared gb2312", "wrong", "gb2312", gbk, beyond_gb2312),
        MislabelCase("CP949 declared ks_c_5601-1987", "wrong", "ks_c_5601-1987",
                     [("ko", "CP949")], uhc=True),
        MislabelCase("CP949 declared euc-kr", "wrong", "euc-kr", [("ko", "CP949")], uhc=True),
        MislabelCase("8-bit text declared us-ascii", "wrong", "us-ascii",
                     [("de", "WINDOWS-1252"), ("ru", "WINDOWS-1251"), ("fr", "UTF-8"),
                      ("pl", "ISO-8859-2")]),
        MislabelCase("windows-1251 declared koi8-r", "wrong", "koi8-r", [("ru", "WINDOWS-1251")]),
        MislabelCase("KOI8-R declared windows-1251", "wrong", "windows-1251", [("ru", "KOI8-R")]),
        MislabelCase("windows-1252 declared windows-1252", "right", "windows-1252",
                     western_1252, c1252),
        MislabelCase("ISO-8859-1 declared iso-8859-1", "right", "iso-8859-1",
                     [("de", "ISO-8859-1"), ("fr", "ISO-8859-1"), ("es", "ISO-8859-1")]),
        MislabelCase("UTF-8 declared utf-8", "right", "utf-8",
                     [("de", "UTF-8"), ("ru", "UTF-8"), ("ja", "UTF-8")]),
        MislabelCase("GBK declared gbk", "right", "gbk", gbk, beyond_gb2312),
        MislabelCase("GB2312 declared gb2312", "right", "gb2312", [("zh_CN", "GB2312")]),
        MislabelCase("CP949 declared cp949", "right", "cp949", [("ko", "CP949")], uhc=True),
        MislabelCase("EUC-KR declared euc-kr", "right", "euc-kr", [("ko", "EUC-KR")]),
        MislabelCase("ASCII declared us-ascii", "right", "us-ascii", [("en", "ASCII")]),
        MislabelCase("KOI8-R declared koi8-r", "right", "koi8-r", [("ru", "KOI8-R")]),
        MislabelCase("windows-1251 declared windows-1251", "right", "windows-1251",
                     [("ru", "WINDOWS-1251")]),
    ]


def put_uhc_syllables(text: str, rng: random.Random, count: int, euckr: Codec) -> str:
    """`text` with `count` Hangul syllables (at seeded places) given another final consonant,
    one outside KS X 1001 (so in CP949 but not in EUC-KR), first and middle jamo kept.

    The Korean sources have no such syllable (two in all, both typos), though real CP949 text
    has them in names and colloquial spellings; so the CP949 mislabel samples are real text
    with this one change."""
    chars = list(text)
    places = [i for i, c in enumerate(chars) if "\uac00" <= c <= "\ud7a3"]
    for i in rng.sample(places, min(count, len(places))):
        base = (ord(chars[i]) - 0xAC00) // 28 * 28 + 0xAC00
        choices = [chr(base + t) for t in range(28) if not euckr.can_encode(chr(base + t))]
        if choices:
            chars[i] = rng.choice(choices)
    return "".join(chars)


def group_of(lang: str, charset: str) -> str:
    """The group of a mislabel sample: its cell's, else its charset's Unicode group, else its
    language's legacy group."""
    for group, cells in CELLS.items():
        if any(c[0] == lang and c[1] == charset for c in cells):
            return group
    for group in ("UTF-8", "UTF-16/32", "ASCII"):
        if any(c[1] == charset for c in CELLS[group]):
            return group
    for group, cells in CELLS.items():
        if any(c[0] == lang for c in cells):
            return group
    raise KeyError((lang, charset))


# --------------------------------------------------------------------------------------------


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--out", type=Path, default=ROOT / "target" / "detect-corpus",
                        help="corpus directory, replaced (default: target/detect-corpus)")
    parser.add_argument("--sources", type=Path, default=ROOT / "target" / "detect-sources",
                        help="cache of downloaded .deb files (default: target/detect-sources)")
    parser.add_argument("--per-cell", type=int, default=20, metavar="N",
                        help="samples per (language, charset, size) and per mislabel case and "
                             "size (default: 20)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="sample sizes in bytes (default: 64,512,8192)")
    parser.add_argument("--seed", default="convert-utf8-detect-1", help="random seed (a string)")
    parser.add_argument("--max-chars", type=int, default=400_000,
                        help="text taken per language, in characters (default: 400000)")
    parser.add_argument("--no-mislabel", action="store_true", help="skip the mislabel set")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.monotonic()

    languages = sorted({lang for cells in CELLS.values() for lang, _, _ in cells})
    packages = sorted({MANPAGE_PACKAGES[lang][0] for lang in languages
                       if lang in MANPAGE_PACKAGES}
                      | {LANGPACK_PACKAGES[lang] for lang in languages
                         if lang in LANGPACK_PACKAGES})
    debs = fetch_debs(packages, args.sources)
    versions = {p: _deb_field(d, "Version") for p, d in debs.items()}

    texts: dict[str, LanguageText] = {}
    for lang in languages:
        texts[lang] = extract_language(lang, debs, args.max_chars, args.seed)
        chars = sum(len(p) + 1 for p in texts[lang].paragraphs)
        print(f"text {lang:6} {len(texts[lang].paragraphs):6} paragraphs {chars:8} chars "
              f"({', '.join(texts[lang].sources)})", file=sys.stderr)

    if args.out.exists():
        shutil.rmtree(args.out)
    for sub in ("samples", "text", "mislabel", "mislabel-text"):
        (args.out / sub).mkdir(parents=True)

    manifest: list[dict] = []
    cell_texts: dict[tuple[str, str], CellText] = {}
    short: list[str] = []

    def text_for(lang: str, charset: str) -> CellText:
        key = (lang, charset)
        if key not in cell_texts:
            cell_texts[key] = cell_text(Codec(charset, False), texts[lang].paragraphs)
        return cell_texts[key]

    def write(entry: dict, data: bytes, text: str, bin_dir: str, text_dir: str) -> None:
        entry["file"] = f"{bin_dir}/{entry['id']}.bin"
        entry["text"] = f"{text_dir}/{entry['id']}.txt"
        entry["bytes"] = len(data)
        entry["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        (args.out / entry["file"]).write_bytes(data)
        (args.out / entry["text"]).write_bytes(text.encode("utf-8"))
        manifest.append(entry)

    for group, cells in CELLS.items():
        for lang, charset, bom in cells:
            codec = Codec(charset, bom)
            ct = text_for(lang, charset)
            name = charset + ("+BOM" if bom else "")
            marked = ISO_8859_15_ONLY if charset == "ISO-8859-15" else None
            need_non_ascii = group != "ASCII" and charset not in NOT_ASCII_COMPATIBLE
            for size in sizes:
                made = 0
                for i in range(args.per_cell):
                    rng = random.Random(f"{args.seed}:{lang}:{name}:{size}:{i}")
                    # Half the ISO-8859-15 samples hold one of its own characters, if the text
                    # has any; the others are windows like those of every other cell.
                    want = marked if marked and i % 2 == 0 else None
                    sample = (choose_sample(codec, ct.text, size, rng, lang not in UNSPACED,
                                            need_non_ascii, want) if want else None) or \
                        choose_sample(codec, ct.text, size, rng, lang not in UNSPACED,
                                      need_non_ascii)
                    if sample is None:
                        continue
                    text, data = sample
                    entry = {"id": f"{slug(lang)}-{slug(name)}-{size}-{i:03d}", "set": "main",
                             "group": group, "language": lang, "charset": charset, "bom": bom,
                             "size": size, "declared": None, "case": None, "kind": None,
                             "source": "+".join(texts[lang].sources)}
                    write(entry, data, text, "samples", "text")
                    made += 1
                if made < args.per_cell:
                    short.append(f"{lang} {name} {size}: {made}/{args.per_cell}")
            print(f"cell {group:22} {lang:6} {name:14} {ct.paragraphs:6} paragraphs fit "
                  f"({ct.dropped} do not)", file=sys.stderr)

    if not args.no_mislabel:
        gb2312 = Codec("GB2312", False)
        euckr = Codec("EUC-KR", False)
        beyond_gb2312 = {c for c in set(text_for("zh_TW", "GBK").text)
                         if not gb2312.can_encode(c)}
        for mc in mislabel_cases(_c1_of_1252(), beyond_gb2312):
            for size in sizes:
                made = 0
                for i in range(args.per_cell):
                    lang, charset = mc.sources[i % len(mc.sources)]
                    codec = Codec(charset, False)
                    rng = random.Random(f"{args.seed}:mislabel:{mc.case}:{size}:{i}")
                    sample = choose_sample(codec, text_for(lang, charset).text, size, rng,
                                           lang not in UNSPACED, charset != "ASCII", mc.marked)
                    if sample is None:
                        continue
                    text, data = sample
                    if mc.uhc:   # same length in CP949: two bytes a syllable either way
                        text = put_uhc_syllables(text, rng, 1 + len(data) // 1024, euckr)
                        data = codec.encode(text)
                        if not codec.round_trips(data, text):
                            continue
                    entry = {"id": f"{slug(mc.case)}-{size}-{i:03d}", "set": "mislabel",
                             "group": group_of(lang, charset), "language": lang,
                             "charset": charset, "bom": False, "size": size,
                             "declared": mc.declared, "case": mc.case, "kind": mc.kind,
                             "source": "+".join(texts[lang].sources)}
                    write(entry, data, text, "mislabel", "mislabel-text")
                    made += 1
                if made < args.per_cell:
                    short.append(f"mislabel {mc.case} {size}: {made}/{args.per_cell}")

    with open(args.out / "manifest.jsonl", "w", encoding="utf-8") as f:
        for entry in manifest:
            f.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    counts = collections.Counter((e["set"], e["group"]) for e in manifest)
    meta = {
        "format": FORMAT_VERSION, "seed": args.seed, "per_cell": args.per_cell, "sizes": sizes,
        "max_chars": args.max_chars, "packages": versions,
        "samples": {f"{s}/{g}": n for (s, g), n in sorted(counts.items())},
        "short_cells": short,
        "languages": {lang: {"paragraphs": len(t.paragraphs),
                             "chars": sum(len(p) + 1 for p in t.paragraphs),
                             "sources": t.sources} for lang, t in texts.items()},
    }
    (args.out / "corpus.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False,
                                                     sort_keys=True) + "\n", encoding="utf-8")
    for line in short:
        print(f"short: {line}", file=sys.stderr)
    print(f"{len(manifest)} samples in {args.out} ({time.monotonic() - started:.0f} s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
