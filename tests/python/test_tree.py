"""convert_utf8.convert_tree: trees converted in place, as the command does."""

from __future__ import annotations

import os
import subprocess

import pytest

import convert_utf8

RUSSIAN = (
    "Съешь же ещё этих мягких французских булок, да выпей же чаю. В чащах юга жил бы цитрус? "
    "Да, но фальшивый экземпляр! Широкая электрификация южных губерний даст мощный толчок."
)


def iconv(data: bytes, charset: str) -> bytes:
    return subprocess.run(
        ["iconv", "-f", charset, "-t", "UTF-8"], input=data, capture_output=True, check=True
    ).stdout


def make_tree(root, files: int = 30) -> dict[str, bytes]:
    made = {}
    for i in range(files):
        sub = root / f"d{i % 3}"
        sub.mkdir(exist_ok=True)
        body = (RUSSIAN * (1 + i % 4)).encode("cp1251")
        (sub / f"ru{i}.txt").write_bytes(body)
        made[str(sub / f"ru{i}.txt")] = body
    (root / "utf8.txt").write_text(RUSSIAN, encoding="utf-8")
    (root / "blob.bin").write_bytes(b"\x00\x01\x02\x03binary\xff" * 10)
    return made


def test_converts_as_iconv_does_and_reports_each_file(tmp_path):
    made = make_tree(tmp_path)
    seen = []
    report = convert_utf8.convert_tree(tmp_path, progress=seen.append)
    assert report.ok and report.converted == len(made)
    assert (report.already_utf8, report.skipped, report.failed) == (1, 1, 0)
    assert seen == report.entries and len(report.entries) == len(made) + 2
    for path, original in made.items():
        with open(path, "rb") as f:
            assert f.read() == iconv(original, "CP1251")
    by_path = {e.path: e for e in report.entries}
    entry = by_path[next(iter(made))]
    assert (entry.action, entry.charset) == ("converted", "CP1251")
    assert 0.5 <= entry.confidence <= 1 and entry.bytes == len(made[next(iter(made))])
    blob = by_path[str(tmp_path / "blob.bin")]
    assert blob.action == "skipped" and "binary" in blob.reason and not blob.text_left
    assert "TreeEntry(path=" in repr(entry) and "TreeReport(converted=" in repr(report)


def test_dry_run_backup_and_a_given_charset(tmp_path):
    latin = b"caf\xe9 cr\xe8me"
    (tmp_path / "a.txt").write_bytes(latin)
    report = convert_utf8.convert_tree([str(tmp_path)], "latin1", dry_run=True)
    assert report.would_convert == 1 and (tmp_path / "a.txt").read_bytes() == latin
    report = convert_utf8.convert_tree(os.fsencode(tmp_path), "latin1", backup=".orig")
    assert report.converted == 1
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "café crème"
    assert (tmp_path / "a.txt.orig").read_bytes() == latin
    assert "a.txt.orig" in report.entries[0].reason


def test_invalid_files_are_left_whole_and_counted_as_text_left(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"ok \x98 then")
    report = convert_utf8.convert_tree(tmp_path, "cp1251")
    (entry,) = report.entries
    assert (entry.action, entry.text_left) == ("skipped", True)
    assert entry.reason == "not valid CP1251 at byte 3 (0x98): left as it is"
    assert not report.ok and report.text_left == 1
    assert (tmp_path / "bad.txt").read_bytes() == b"ok \x98 then"


def test_names_that_are_not_utf8_come_back_as_the_same_bytes(tmp_path):
    raw = os.fsencode(tmp_path) + b"/caf\xe9.txt"
    with open(raw, "wb") as f:
        f.write(b"caf\xe9")
    report = convert_utf8.convert_tree(tmp_path, "latin1")
    (entry,) = report.entries
    assert os.fsencode(entry.path) == raw
    with open(raw, "rb") as f:
        assert f.read() == "café".encode()


def test_an_exception_in_progress_stops_the_run_and_leaves_whole_files(tmp_path):
    made = make_tree(tmp_path, files=400)

    def stop(entry):
        raise KeyError("enough")

    with pytest.raises(KeyError, match="enough"):
        convert_utf8.convert_tree(tmp_path, progress=stop, jobs=1)
    left = 0
    for path, original in made.items():
        with open(path, "rb") as f:
            now = f.read()
        if now == original:
            left += 1
        else:
            assert now == iconv(original, "CP1251")
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".convert-utf8-")]
    # The next run finishes the job.
    report = convert_utf8.convert_tree(tmp_path)
    assert report.converted == left


def test_bad_arguments_say_what(tmp_path):
    with pytest.raises(ValueError, match="no file"):
        convert_utf8.convert_tree([])
    with pytest.raises(TypeError, match="paths must be"):
        convert_utf8.convert_tree(42)
    with pytest.raises(convert_utf8.UnknownEncodingError):
        convert_utf8.convert_tree(tmp_path, "no-such-charset")
    with pytest.raises(ValueError, match="jobs"):
        convert_utf8.convert_tree(tmp_path, jobs=0)
    with pytest.raises(ValueError, match="threshold"):
        convert_utf8.convert_tree(tmp_path, threshold=2.0)
    with pytest.raises(ValueError, match="backup"):
        convert_utf8.convert_tree(tmp_path, backup="a/b")
    with pytest.raises(TypeError, match="progress"):
        convert_utf8.convert_tree(tmp_path, progress=3)
    with pytest.raises(ValueError, match="jobs"):
        convert_utf8.convert_tree(tmp_path, jobs=100000)
    with pytest.raises(ValueError, match="bad glob"):
        convert_utf8.convert_tree(tmp_path, include=["a["])
    with pytest.raises(ValueError, match="bad glob"):
        convert_utf8.convert_tree(tmp_path, include="a[")
    with pytest.raises(TypeError, match="include must be a glob"):
        convert_utf8.convert_tree(tmp_path, include=3)
    report = convert_utf8.convert_tree(tmp_path / "missing")
    assert report.failed == 1 and "No such file" in report.entries[0].reason


def test_one_glob_may_be_given_as_a_str(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"caf\xe9")
    (tmp_path / "b.log").write_bytes(b"caf\xe9")
    report = convert_utf8.convert_tree(tmp_path, "latin1", include="*.txt")
    assert report.converted == 1
    assert (tmp_path / "a.txt").read_bytes() == "café".encode()
    assert (tmp_path / "b.log").read_bytes() == b"caf\xe9"
