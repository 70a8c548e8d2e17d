"""convert_file(): streaming, atomic in place, errors as Python's OSError subclasses."""

from __future__ import annotations

import os
import pathlib
import stat

import pytest

import convert_utf8

TEXT = "Grüße, мир, 世界, 🙂!\n"


def temp_files(directory: pathlib.Path) -> list[str]:
    return [name for name in os.listdir(directory) if name.endswith(".tmp")]


def test_in_place_on_a_file_larger_than_the_buffer(tmp_path):
    path = tmp_path / "big.txt"
    data = (TEXT * 20_000).encode("utf-8")  # far more than the 64 KiB chunks
    path.write_bytes(data)
    os.chmod(path, 0o640)
    assert convert_utf8.convert_file(path, encoding="UTF-8") == 0
    assert path.read_bytes() == data
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("as_str", [True, False])
def test_separate_destination_and_path_kinds(tmp_path, as_str):
    src, dst = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_bytes(b"ab\xffcd")
    args = (str(src), str(dst)) if as_str else (src, dst)
    assert convert_utf8.convert_file(*args, encoding="utf8", errors="replace") == 1
    assert dst.read_text(encoding="utf-8") == "ab\ufffdcd"
    assert src.read_bytes() == b"ab\xffcd"


def test_invalid_input_leaves_the_original_untouched(tmp_path):
    path = tmp_path / "bad.txt"
    original = (TEXT * 10_000).encode("utf-8") + b"\xff" + b"tail"
    path.write_bytes(original)
    with pytest.raises(convert_utf8.DecodeError) as info:
        convert_utf8.convert_file(path, encoding="UTF-8")
    exc = info.value
    assert (exc.start, exc.end, exc.object) == (len(original) - 5, len(original) - 4, b"\xff")
    assert exc.filename == path
    assert path.read_bytes() == original
    assert temp_files(tmp_path) == []


def test_truncated_file_says_so(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes(b"abc\xe2\x82")
    with pytest.raises(convert_utf8.DecodeError) as info:
        convert_utf8.convert_file(path, encoding="UTF-8")
    assert "truncated" in info.value.reason
    assert path.read_bytes() == b"abc\xe2\x82"


def test_python_error_handlers_stream_too(tmp_path):
    path = tmp_path / "h.txt"
    data = (b"x\xff" + TEXT.encode("utf-8")) * 10_000
    path.write_bytes(data)
    assert convert_utf8.convert_file(path, encoding="UTF-8", errors="backslashreplace") == 10_000
    assert path.read_text(encoding="utf-8") == data.decode("utf-8", "backslashreplace")
    assert temp_files(tmp_path) == []


def test_lone_surrogates_cannot_be_written_and_the_file_is_kept(tmp_path):
    path = tmp_path / "s.txt"
    path.write_bytes(b"a\xffb")
    with pytest.raises(UnicodeEncodeError):
        convert_utf8.convert_file(path, encoding="UTF-8", errors="surrogateescape")
    assert path.read_bytes() == b"a\xffb"
    assert temp_files(tmp_path) == []


def test_missing_file(tmp_path):
    missing = tmp_path / "missing.txt"
    with pytest.raises(FileNotFoundError) as info:
        convert_utf8.convert_file(missing, encoding="UTF-8")
    assert info.value.filename == missing
    with pytest.raises(FileNotFoundError):
        convert_utf8.convert_file(str(missing), encoding="UTF-8", errors="backslashreplace")


def test_directory_as_source(tmp_path):
    with pytest.raises(IsADirectoryError) as info:
        convert_utf8.convert_file(tmp_path, tmp_path / "out", encoding="UTF-8")
    assert info.value.filename == tmp_path
    assert not (tmp_path / "out").exists()


def test_destination_in_a_missing_directory(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes(b"x")
    dst = tmp_path / "no-such-dir" / "out.txt"
    with pytest.raises(FileNotFoundError) as info:
        convert_utf8.convert_file(src, dst, encoding="UTF-8")
    assert info.value.filename == dst


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_directory_keeps_the_original(tmp_path):
    directory = tmp_path / "ro"
    directory.mkdir()
    path = directory / "f.txt"
    path.write_bytes(b"abc")
    directory.chmod(0o500)
    try:
        with pytest.raises(PermissionError) as info:
            convert_utf8.convert_file(path, encoding="UTF-8")
        assert info.value.filename == path
        assert path.read_bytes() == b"abc"
    finally:
        directory.chmod(0o700)


def test_bad_arguments(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"x")
    with pytest.raises(TypeError):
        convert_utf8.convert_file(path, "UTF-8")  # encoding is keyword-only
    with pytest.raises(TypeError):
        convert_utf8.convert_file(None, encoding="UTF-8")
    with pytest.raises(TypeError):
        convert_utf8.convert_file(42, encoding="UTF-8")
    with pytest.raises(convert_utf8.UnknownEncodingError):
        convert_utf8.convert_file(path, encoding="no-such-charset")
    assert path.read_bytes() == b"x"
    assert temp_files(tmp_path) == []


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert convert_utf8.convert_file(path, encoding="UTF-8") == 0
    assert path.read_bytes() == b""
