"""lookup(), charsets() and the codec search function register() installs."""

from __future__ import annotations

import codecs

import pytest

import convert_utf8

convert_utf8.register()


def test_lookup_gives_name_aliases_family():
    charset = convert_utf8.lookup("utf8")
    assert charset.name == "UTF-8"
    assert "UTF8" in charset.aliases and isinstance(charset.aliases, tuple)
    assert charset.family == "unicode"
    assert charset == convert_utf8.lookup("UTF-8") and hash(charset) == hash(convert_utf8.lookup("utf-8"))
    assert repr(charset) == "Charset(name='UTF-8', family='unicode')"
    assert str(charset) == "UTF-8"


def test_charsets_lists_every_name_and_each_resolves_to_itself():
    every = convert_utf8.charsets()
    assert len(every) == len({c.name for c in every})
    assert "UTF-8" in {c.name for c in every}
    for charset in every:
        # glibc's INTERNAL (its in-memory UCS-4) is listed under that name but, as in `iconv`,
        # only reachable through its alias WCHAR_T.
        names = charset.aliases if charset.name == "INTERNAL" else (charset.name, *charset.aliases)
        for name in names:
            assert convert_utf8.lookup(name) == charset, name


def test_lookup_errors():
    with pytest.raises(LookupError):
        convert_utf8.lookup("no-such-charset")
    with pytest.raises(TypeError):
        convert_utf8.lookup(None)


def test_bytes_decode_and_codecs_decode_through_the_codec():
    assert b"caf\xc3\xa9".decode("convert_utf8:UTF-8") == "café"
    assert codecs.decode(b"a\xffb", "convert_utf8:utf8", "backslashreplace") == "a\\xffb"
    assert bytearray(b"x").decode("convert_utf8:UTF-8") == "x"
    assert codecs.lookup("convert_utf8:utf-8").name == "convert_utf8:UTF-8"
    with pytest.raises(UnicodeDecodeError) as info:
        b"a\xff".decode("convert_utf8:UTF-8")
    assert (info.value.start, info.value.end) == (1, 2)


def test_every_charset_name_and_alias_works_as_a_codec_name():
    for charset in convert_utf8.charsets():
        names = charset.aliases if charset.name == "INTERNAL" else (charset.name, *charset.aliases)
        for name in names:
            assert codecs.lookup("convert_utf8:" + name).name == "convert_utf8:" + charset.name, name
            assert b"".decode("convert_utf8:" + name) == ""
            assert codecs.getincrementaldecoder("convert_utf8:" + name)().decode(b"", True) == ""


def test_encoding_is_refused_clearly():
    with pytest.raises(convert_utf8.UnsupportedEncodingError, match="only decodes"):
        "x".encode("convert_utf8:UTF-8")


def test_unknown_codec_names():
    with pytest.raises(LookupError):
        b"x".decode("convert_utf8:no-such-charset")


def test_other_codecs_are_untouched():
    assert codecs.lookup("utf-8").name == "utf-8"
    with pytest.raises(LookupError):
        codecs.lookup("no-such-codec")


def test_register_twice_is_harmless():
    convert_utf8.register()
    assert b"x".decode("convert_utf8:UTF-8") == "x"


def test_text_files_and_stream_readers(tmp_path):
    text = "line one é\nline two 世界\n" * 5000
    path = tmp_path / "t.txt"
    path.write_bytes(text.encode("utf-8"))
    with open(path, encoding="convert_utf8:UTF-8") as f:
        assert f.read() == text
    with open(path, encoding="convert_utf8:UTF-8") as f:
        assert f.readline() == "line one é\n"
    with codecs.open(path, encoding="convert_utf8:UTF-8") as f:
        assert f.read() == text
    incremental = codecs.getincrementaldecoder("convert_utf8:UTF-8")("replace")
    assert incremental.decode(b"\xe2\x82") + incremental.decode(b"\xac", True) == "€"
