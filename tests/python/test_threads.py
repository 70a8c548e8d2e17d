"""Many threads decoding at once get what one thread gets."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import convert_utf8

TEXT = "Grüße, мир, 世界, 🙂! "


def work(i: int) -> tuple[str, bytes, str, str]:
    data = (TEXT * (2000 + i)).encode("utf-8") + b"\xff" * (i % 3)
    text = convert_utf8.decode(data, "UTF-8", "replace")
    utf8 = convert_utf8.to_utf8(bytearray(data), "UTF-8", "ignore")
    escaped = convert_utf8.decode(memoryview(data), "UTF-8", "backslashreplace")
    decoder = convert_utf8.IncrementalDecoder("UTF-8", "replace")
    pieces = "".join(decoder.decode(data[k : k + 7777]) for k in range(0, len(data), 7777))
    return text, utf8, escaped, pieces + decoder.decode(b"", True)


def test_sixteen_threads_agree_with_one():
    alone = [work(i) for i in range(32)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        together = list(pool.map(work, range(32)))
    assert together == alone
    for text, utf8, escaped, pieces in alone:
        assert pieces == text
        assert utf8.decode("utf-8") == text.replace("\ufffd", "")
