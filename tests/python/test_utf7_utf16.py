"""decode() of UTF-7 and UTF-7-IMAP, which builds its str from the UTF-16 units the engine
decodes straight from the base64 runs: the same str as the engine's UTF-8 (to_utf8, the general
route) and as Python's codec on real text of any length, astral characters included, and on bad
input the same errors at the same positions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import convert_utf8

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [ROOT / "crates/convert-utf8/benches/data" / name
         for name in ("english.txt", "greek.txt", "russian.txt")]
TEXTS += [ROOT / "crates/convert-utf8/benches/multibyte-text" / name
          for name in ("ja.txt", "zh-hans.txt", "ko.txt")]
ASTRAL = "emoji 😀🎉 and music 𝄞, CJK extension B 𠀀, mixed with ÿ€ and plain text. "


def general_route(data: bytes, name: str, errors: str = "strict") -> str:
    return convert_utf8.to_utf8(data, name, errors).decode("utf-8")


@pytest.mark.parametrize("copies", [1, 300])
def test_real_text_gives_pythons_str(copies):
    text = "".join(path.read_text(encoding="utf-8") for path in TEXTS) + ASTRAL
    data = text.encode("utf-7") * copies
    assert convert_utf8.decode(data, "UTF-7") == text * copies
    assert convert_utf8.decode(data, "UTF-7") == general_route(data, "UTF-7")


def test_imap_gives_the_general_routes_str():
    text = "Привет, 世界 😀 ~/\\ end. " * 1000
    # Python's UTF-7 with IMAP's shift character and alphabet, every run closed by '-'.
    data = re.sub(rb"\+([A-Za-z0-9+/]*)-?",
                  lambda run: b"&" + run[1].replace(b"/", b",") + b"-", text.encode("utf-7"))
    assert convert_utf8.decode(data, "UTF-7-IMAP") == text
    assert convert_utf8.decode(data, "UTF-7-IMAP") == general_route(data, "UTF-7-IMAP")


@pytest.mark.parametrize("bad", [b"~", b"\x80", b"+2D3-", b"+3AA-", b"+AGF-"])
def test_bad_input_reports_the_general_routes_errors(bad):
    body = ("Все счастливые семьи похожи друг на друга " * 50_000).encode("utf-7")
    data = body + bad + b"tail"
    with pytest.raises(UnicodeDecodeError) as ours:
        convert_utf8.decode(data, "UTF-7")
    with pytest.raises(UnicodeDecodeError) as general:
        general_route(data, "UTF-7")
    assert ours.value.start >= len(body) - 4
    assert (ours.value.start, ours.value.end, ours.value.reason) == (
        general.value.start, general.value.end, general.value.reason)
    for errors in ("ignore", "replace", "backslashreplace"):
        assert (convert_utf8.decode(data, "UTF-7", errors)
                == convert_utf8.to_utf8(data, "UTF-7", errors).decode("utf-8", errors))
