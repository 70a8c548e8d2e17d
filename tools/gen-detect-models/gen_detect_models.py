#!/usr/bin/env python3
"""Generates the charset detector's language models: crates/convert-utf8/src/detect/models.rs.

The detector (crates/convert-utf8/src/detect) asks of each candidate charset how natural the text it
decodes to is in some language. This tool writes the two kinds of model it asks:

* a *letter model* per alphabetic language: the language's letters in class order and the cost
  (-ln P, in eighths of a nat, one byte) of each class following each class, for the classes
  boundary, symbol, foreign letter, control, ASCII letter (non-Latin scripts only) and each letter;
* an *ideograph model* per CJK language: the most frequent characters and the cost of each, and the
  cost of any other character.

Sources, all installable, none read at build or run time (see tools/gen-detect-models/README.md):

* word frequencies of the `wordfreq` package (PyPI, data CC-BY-SA 4.0) for most languages;
* Traditional Chinese: wordfreq's Chinese words converted by OpenCC's `s2t` (PyPI `opencc`);
* Serbian Cyrillic: wordfreq's Serbo-Croatian words transliterated (the one-to-one Serbian
  Latin-Cyrillic correspondence);
* Thai, Belarusian, Estonian (no wordfreq list): the word lists of Debian's hunspell-th,
  hunspell-be and myspell-et, each word counted once.

gettext catalogues are never read: the project's held-out evaluation is built from them.

Usage: python3 tools/gen-detect-models/gen_detect_models.py [--out PATH]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "crates/convert-utf8/src/detect/models.rs"
COMMAND = "python3 tools/gen-detect-models/gen_detect_models.py"

# The fixed classes; a language's letters follow ASCII_LETTER (from it for Latin scripts, after it
# for the others, which keep it for ASCII letters). Must match
# crates/convert-utf8/src/detect/letters.rs.
BOUNDARY, PUNCTUATION, SYMBOL, FOREIGN, CONTROL, OPENING, QUOTE, APOSTROPHE, ASCII_LETTER = \
    range(9)

# Probability set aside for the classes words never show: punctuation (each of the four
# classes: opening, quotes, apostrophes, other), symbols, letters of other languages, controls.
P_PUNCTUATION = 2e-3
P_SYMBOL = 3e-4
P_FOREIGN = 1e-3
P_CONTROL = 1e-7
# Costs are -ln P in eighths of a nat, clamped to one byte.
SCALE = 8.0
MAX_COST = 255

# A letter joins a language's alphabet when it carries at least this share of its letters.
MIN_LETTER_SHARE = 2e-5
MAX_LETTERS = 80

# (language, source). "wf" = wordfreq; others are special.
LETTER_LANGUAGES = [
    ("en", "wf"), ("fr", "wf"), ("de", "wf"), ("es", "wf"), ("it", "wf"), ("pt", "wf"),
    ("nl", "wf"), ("sv", "wf"), ("da", "wf"), ("nb", "wf"), ("fi", "wf"), ("ca", "wf"),
    ("is", "wf"), ("pl", "wf"), ("cs", "wf"), ("sk", "wf"), ("hu", "wf"), ("sl", "wf"),
    ("hr", "wf:sh"), ("ro", "wf:ro:cedilla"), ("tr", "wf"), ("lt", "wf"), ("lv", "wf"),
    ("et", "hunspell:et_EE"), ("vi", "wf:vi:cp1258"), ("ru", "wf"), ("uk", "wf"),
    ("bg", "wf"), ("be", "hunspell:be_BY"), ("mk", "wf"), ("sr", "wf:sh:cyrillic"),
    ("el", "wf"), ("he", "wf"), ("ar", "wf"), ("fa", "wf"), ("th", "hunspell:th_TH"),
]
IDEOGRAPH_LANGUAGES = [("ja", "ja", 3000), ("zh-Hans", "zh", 3500), ("zh-Hant", "zh:s2t", 3500),
                       ("ko", "ko", 2500)]
# Characters another ideograph model's text would decode to are judged against this many.
IDEOGRAPH_UNSEEN = 20000

SERBIAN_CYRILLIC = {
    "lj": "љ", "nj": "њ", "dž": "џ", "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "đ": "ђ",
    "e": "е", "ž": "ж", "z": "з", "i": "и", "j": "ј", "k": "к", "l": "л", "m": "м", "n": "н",
    "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "ć": "ћ", "u": "у", "f": "ф", "h": "х",
    "c": "ц", "č": "ч", "š": "ш",
}


def wordfreq_words(lang: str) -> dict[str, float]:
    import wordfreq

    return wordfreq.get_frequency_dict(lang, wordlist="best")


def hunspell_words(name: str) -> dict[str, float]:
    base = Path("/usr/share/hunspell")
    dic, aff = base / f"{name}.dic", base / f"{name}.aff"
    if not dic.exists():
        sys.exit(f"{dic} is missing: apt-get install hunspell-th hunspell-be myspell-et")
    encoding = "utf-8"
    for line in aff.read_bytes().splitlines():
        if line.startswith(b"SET "):
            encoding = line[4:].strip().decode()
            break
    encoding = {"ISO8859-15": "iso8859_15", "ISO8859-1": "latin_1"}.get(encoding, encoding)
    lines = dic.read_bytes().decode(encoding).splitlines()[1:]
    words = [line.split("/")[0].strip() for line in lines]
    words = [w for w in words if w]
    return {w: 1.0 / len(words) for w in words}


def to_serbian_cyrillic(word: str) -> str:
    out, i = [], 0
    while i < len(word):
        two = word[i : i + 2]
        if two in SERBIAN_CYRILLIC:
            out.append(SERBIAN_CYRILLIC[two])
            i += 2
        else:
            out.append(SERBIAN_CYRILLIC.get(word[i], word[i]))
            i += 1
    return "".join(out)


def as_cp1258_units(words: dict[str, float]) -> dict[str, float]:
    """Vietnamese as CP1258 writes it: tone marks as combining characters after the letter.

    The detector classifies each byte on its own, so the model must see the letters CP1258's
    bytes stand for, not the precomposed letters of ordinary text. The system iconv does the
    decomposition; each encoded byte is then read back alone."""
    keys = list(words)
    blob = "\n".join(keys).encode()
    encoded = subprocess.run(["iconv", "-f", "UTF-8", "-t", "CP1258//TRANSLIT"], input=blob,
                             capture_output=True, check=True).stdout.split(b"\n")
    if len(encoded) != len(keys):
        sys.exit("iconv changed the number of Vietnamese words")
    table = {}
    for b in range(256):
        try:
            table[b] = bytes([b]).decode("cp1258")
        except UnicodeDecodeError:
            table[b] = "\x00"
    out: dict[str, float] = defaultdict(float)
    for key, raw in zip(keys, encoded):
        out["".join(table[b] for b in raw)] += words[key]
    return out


def with_cedilla_forms(words: dict[str, float]) -> dict[str, float]:
    """Romanian with s and t comma below (today's spelling) and with cedilla (what windows-1250
    and ISO-8859-2, which lack the comma forms, made everyone write), each half the time.

    The two spellings are the same text to a reader; which charset wrote them is for the
    charsets' priors to say, not for the model."""
    fold = str.maketrans("șțȘȚ", "şţŞŢ")
    out: dict[str, float] = defaultdict(float)
    for word, freq in words.items():
        cedilla = word.translate(fold)
        if cedilla == word:
            out[word] += freq
        else:
            out[word] += freq / 2
            out[cedilla] += freq / 2
    return out


def load_letter_words(source: str, lang: str) -> dict[str, float]:
    parts = source.split(":")
    if parts[0] == "hunspell":
        return hunspell_words(parts[1])
    words = wordfreq_words(parts[1] if len(parts) > 1 else lang)
    if parts[-1] == "cyrillic":
        return {to_serbian_cyrillic(w): f for w, f in words.items()}
    if parts[-1] == "cp1258":
        return as_cp1258_units(words)
    if parts[-1] == "cedilla":
        return with_cedilla_forms(words)
    return words


def is_letter(c: str) -> bool:
    return c.isalpha() or unicodedata.category(c) in ("Mn", "Mc")


def letter_model(lang: str, words: dict[str, float]):
    letter_mass: Counter[str] = Counter()
    for word, freq in words.items():
        for c in word.lower():
            if is_letter(c):
                letter_mass[c] += freq
    total = sum(letter_mass.values())
    ascii_share = sum(m for c, m in letter_mass.items() if c.isascii()) / total
    latin = ascii_share > 0.5
    # Most frequent first; equals by code point, so that the output does not depend on the
    # order sets and dictionaries happen to iterate in.
    letters = [c for c, m in letter_mass.items()
               if m / total >= MIN_LETTER_SHARE and (not c.isascii() or latin)]
    if latin:
        letters = list(set(letters) | set("abcdefghijklmnopqrstuvwxyz"))
    letters.sort(key=lambda c: (-letter_mass[c], c))
    letters = letters[:MAX_LETTERS]
    # A Latin language's letters start at ASCII_LETTER; a non-Latin one keeps that class for
    # ASCII letters and its own start after it.
    first = ASCII_LETTER + (0 if latin else 1)
    index = {c: first + i for i, c in enumerate(letters)}
    k = first + len(letters)

    def classify(c: str) -> int:
        if c in index:
            return index[c]
        if c.isascii() and c.isalpha():
            return ASCII_LETTER if not latin else FOREIGN
        if is_letter(c):
            return FOREIGN
        return BOUNDARY

    counts = [[0.0] * k for _ in range(k)]
    for word, freq in words.items():
        classes = [BOUNDARY] + [classify(c) for c in word.lower()] + [BOUNDARY]
        for prev, cur in zip(classes, classes[1:]):
            counts[prev][cur] += freq
    learned = [BOUNDARY] + list(range(ASCII_LETTER, k))
    reserved = 4 * P_PUNCTUATION + P_SYMBOL + P_FOREIGN + P_CONTROL

    def class_costs(counts_by_class: list[float]) -> list[int]:
        """Costs of each class given how often the words show each learned one."""
        total = sum(counts_by_class[c] for c in learned)
        fixed = {PUNCTUATION: P_PUNCTUATION, OPENING: P_PUNCTUATION, QUOTE: P_PUNCTUATION,
                 APOSTROPHE: P_PUNCTUATION,
                 SYMBOL: P_SYMBOL,
                 CONTROL: P_CONTROL,
                 # Fixed, whatever the words show: a run of letters foreign to the language
                 # must cost as much as any other unexplained byte.
                 FOREIGN: P_FOREIGN}
        out = []
        for cur in range(k):
            if cur in fixed:
                p = fixed[cur]
            elif cur in learned:
                p = (1 - reserved) * max(counts_by_class[cur] / total, 1e-6)
            else:
                out.append(MAX_COST)
                continue
            out.append(max(0, min(MAX_COST, round(-math.log(p) * SCALE))))
        return out

    # After anything but a letter of the language the text reads like a word's start.
    costs = [class_costs(counts[prev] if prev in learned and sum(counts[prev]) > 0
                         else counts[BOUNDARY]) for prev in range(k)]
    # A symbol stands between words, not inside one: after it, a boundary is likely and a
    # letter (what a letter misread as a symbol is followed by) is not.
    costs[SYMBOL] = [max(0, min(MAX_COST, c + (0 if cur in (BOUNDARY, PUNCTUATION) else 24)))
                     for cur, c in enumerate(costs[SYMBOL])]
    # Punctuation stands at a word's edge: an opening mark (( [ „ ¿) before a word, a closing or
    # other one () … §) after it; inside a word it is what a misread letter turns into. Quotes
    # (« » “ ” ‘ ’), which open in one language and close in another, and dashes may stand on
    # either side; an apostrophe inside a word or after it, not at its start.
    # (ASCII_LETTER stands in this list twice for non-Latin languages, so its edges count twice.)
    letter_classes = [c for c in learned if c != BOUNDARY] + ([ASCII_LETTER] if not latin else [])
    edge = round(math.log(10) * SCALE)
    for prev in letter_classes:
        costs[prev][OPENING] = min(MAX_COST, costs[prev][OPENING] + edge)
    costs[BOUNDARY][PUNCTUATION] = min(MAX_COST, costs[BOUNDARY][PUNCTUATION] + edge)
    costs[BOUNDARY][APOSTROPHE] = min(MAX_COST, costs[BOUNDARY][APOSTROPHE] + edge)
    for cur in letter_classes:
        costs[PUNCTUATION][cur] = min(MAX_COST, costs[PUNCTUATION][cur] + edge)
    if not latin:
        # Latin words in a non-Latin text stand apart from its own words: a Latin letter is
        # followed by another or by a boundary, seldom by a letter of the script.
        own = [c for c in learned if c >= ASCII_LETTER + 1]
        for cur in range(k):
            if cur == BOUNDARY:
                p = 0.3
            elif cur == ASCII_LETTER:
                p = 0.7 - 1e-3 - reserved
            elif cur in own:
                p = 1e-3 / len(own)
            else:
                continue
            costs[ASCII_LETTER][cur] = max(0, min(MAX_COST, round(-math.log(p) * SCALE)))
    # How often each class occurs at all: what a class costs after a combining mark, and how
    # much each letter weighs when pairing languages with charsets.
    unigram = class_costs([sum(counts[prev][cur] for prev in range(k)) for cur in range(k)])
    return latin, letters, costs, unigram


def ideograph_model(lang: str, source: str, size: int):
    parts = source.split(":")
    words = wordfreq_words(parts[0])
    if len(parts) > 1 and parts[1] == "s2t":
        import opencc

        keys = list(words)
        converted = opencc.OpenCC("s2t").convert("\n".join(keys)).split("\n")
        if len(converted) != len(keys):
            sys.exit("OpenCC changed the number of Chinese words")
        merged: dict[str, float] = defaultdict(float)
        for key, word in zip(keys, converted):
            merged[word] += words[key]
        words = merged
    mass: Counter[str] = Counter()
    for word, freq in words.items():
        for c in word:
            if not c.isascii():
                mass[c] += freq
    total = sum(mass.values())
    top = mass.most_common(size)
    kept = sum(m for _, m in top)
    chars = sorted(top)
    costs = [min(MAX_COST, round(-math.log(m / total) * SCALE)) for _, m in chars]
    unseen = min(MAX_COST, round(-math.log(max((total - kept) / total, 1e-4) / IDEOGRAPH_UNSEEN)
                                 * SCALE))
    return [c for c, _ in chars], costs, unseen


def punctuation() -> tuple[list[str], list[str], list[str], list[str], list[str]]:
    """Non-ASCII spaces, opening punctuation (before a word), quotes and dashes (either side),
    apostrophes (inside or after a word) and other punctuation (after a word)."""
    spaces, opening, quotes, apostrophes, other = [], [], [], [], []
    for cp in list(range(0xA0, 0x100)) + list(range(0x2000, 0x2070)) + list(range(0x3000, 0x3040)) \
            + list(range(0xFF00, 0xFF66)):
        c = chr(cp)
        cat = unicodedata.category(c)
        if cat == "Zs":
            spaces.append(c)
        elif cat == "Ps" or c in "\u00bf\u00a1":
            opening.append(c)
        # The middle dot stands inside Catalan words (col·lecció) and between items ( · ): like
        # the dashes, either side of a word.
        elif cat in ("Pi", "Pf", "Pd") or c == "\u00b7":
            quotes.append(c)
        # The acute accent on its own is typed for an apostrophe: zo´n, auto´s, students´.
        elif c == "\u00b4":
            apostrophes.append(c)
        elif cat.startswith("P"):
            other.append(c)
    return spaces, opening, quotes, apostrophes, other


def rust_str(s: str) -> str:
    out = []
    for c in s:
        if c in '"\\' or not c.isprintable() or unicodedata.category(c) in ("Mn", "Mc", "Zs"):
            out.append(f"\\u{{{ord(c):04x}}}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def rust_bytes(values: list[int], indent: str) -> str:
    lines = []
    for i in range(0, len(values), 24):
        lines.append(indent + ", ".join(str(v) for v in values[i : i + 24]) + ",")
    return "\n".join(lines)


def render(letter_models, ideograph_models) -> str:
    spaces, opening, quotes, apostrophes, other = punctuation()
    out = [
        f"// @generated by `{COMMAND}`; do not edit.",
        "//! The detector's language models, from word frequencies (wordfreq, CC-BY-SA 4.0),",
        "//! OpenCC's Simplified-to-Traditional conversion and Debian's hunspell word lists",
        "//! (tools/gen-detect-models/README.md). Costs are -ln P in eighths of a nat.",
        "",
        "use super::letters::LetterModel;",
        "use super::ideographs::IdeographModel;",
        "",
        "/// The byte classes every letter model shares (a language's letters follow ASCII_LETTER).",
        *(f"pub(super) const {name}: u8 = {value};" for name, value in [
            ("BOUNDARY", BOUNDARY), ("PUNCTUATION_CLASS", PUNCTUATION), ("SYMBOL", SYMBOL),
            ("FOREIGN", FOREIGN), ("CONTROL", CONTROL), ("OPENING_CLASS", OPENING),
            ("QUOTE_CLASS", QUOTE), ("APOSTROPHE_CLASS", APOSTROPHE),
            ("ASCII_LETTER", ASCII_LETTER)]),
        "",
        "/// Non-ASCII spaces.",
        f"pub(super) const SPACES: &str = {rust_str(''.join(spaces))};",
        "/// Punctuation that opens (before a word).",
        f"pub(super) const OPENING_PUNCTUATION: &str = {rust_str(''.join(opening))};",
        "/// Quotation marks and dashes (either side of a word).",
        f"pub(super) const QUOTES: &str = {rust_str(''.join(quotes))};",
        "/// Marks typed for an apostrophe (inside or after a word, not before one).",
        f"pub(super) const APOSTROPHES: &str = {rust_str(''.join(apostrophes))};",
        "/// Other punctuation (after a word).",
        f"pub(super) const PUNCTUATION: &str = {rust_str(''.join(other))};",
        "",
        "pub(super) static LETTER_MODELS: &[LetterModel] = &[",
    ]
    for lang, latin, letters, costs, unigram in letter_models:
        flat = [c for row in costs for c in row]
        out += [
            "    LetterModel {",
            f"        language: {rust_str(lang)},",
            f"        latin: {'true' if latin else 'false'},",
            f"        letters: {rust_str(''.join(letters))},",
            "        unigram: &[",
            rust_bytes(unigram, "            "),
            "        ],",
            "        costs: &[",
            rust_bytes(flat, "            "),
            "        ],",
            "    },",
        ]
    out += ["];", "", "pub(super) static IDEOGRAPH_MODELS: &[IdeographModel] = &["]
    for lang, chars, costs, unseen in ideograph_models:
        out += [
            "    IdeographModel {",
            f"        language: {rust_str(lang)},",
            f"        chars: {rust_str(''.join(chars))},",
            f"        unseen_cost: {unseen},",
            "        costs: &[",
            rust_bytes(costs, "            "),
            "        ],",
            "    },",
        ]
    out += ["];", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    letter_models = []
    for lang, source in LETTER_LANGUAGES:
        latin, letters, costs, unigram = letter_model(lang, load_letter_words(source, lang))
        letter_models.append((lang, latin, letters, costs, unigram))
        print(f"{lang}: {len(letters)} letters ({'Latin' if latin else 'own script'})",
              file=sys.stderr)
    ideograph_models = []
    for lang, source, size in IDEOGRAPH_LANGUAGES:
        chars, costs, unseen = ideograph_model(lang, source, size)
        ideograph_models.append((lang, chars, costs, unseen))
        print(f"{lang}: {len(chars)} characters, unseen cost {unseen}", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(letter_models, ideograph_models), encoding="utf-8")
    print(f"wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
