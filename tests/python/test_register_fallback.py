"""``register(fallback=True)``: names Python's codecs do not know decode through convert-utf8,
unprefixed, in the ``email`` package and ``open``; names Python knows keep Python's codec.

Each test runs in a fresh interpreter: a codec search function, once registered, stays for the
life of the process."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(script: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_unknown_names_stay_unknown_without_fallback() -> None:
    out = run(
        """
        import convert_utf8
        convert_utf8.register()
        try:
            b"x".decode("iso-2022-cn")
        except LookupError:
            print("unknown")
        """
    )
    assert out.strip() == "unknown"


def test_python_names_keep_pythons_codec_and_others_resolve() -> None:
    out = run(
        """
        import codecs, convert_utf8
        convert_utf8.register(fallback=True)
        print(codecs.lookup("shift_jis").name)
        print(codecs.lookup("iso-2022-cn").name)
        print(codecs.lookup("IBM930").name)
        print("\\u4e2d\\u6587".encode("gb2312").decode("gb2312"))
        # ISO-2022-CN: ESC $ ) A, SO, the GB2312 bytes of U+4E2D U+6587, SI.
        print(b"\\x1b$)A\\x0eVPND\\x0f".decode("iso-2022-cn"))
        print(b"\\xf0\\xd2\\xc9\\xd7\\xc5\\xd4".decode("koi8-ru"))
        """
    )
    lines = out.splitlines()
    assert lines[0] == "shift_jis"
    assert lines[1].startswith("convert_utf8:ISO-2022-CN")
    assert lines[2].startswith("convert_utf8:IBM930")
    assert lines[3] == "中文"
    assert lines[4] == "中文"
    assert lines[5] == "Привет"


def test_email_parts_in_charsets_python_lacks_decode_and_a_wrong_label_is_recovered() -> None:
    out = run(
        r'''
        import email, email.policy, convert_utf8
        convert_utf8.register(fallback=True)
        cp1251 = "Съешь же ещё этих мягких французских булок, да выпей чаю.".encode("cp1251")
        raw = (
            b"From: a@example.org\r\nTo: b@example.org\r\nSubject: test\r\n"
            b"MIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n'
            b"--XX\r\nContent-Type: text/plain; charset=iso-2022-cn\r\n"
            b"Content-Transfer-Encoding: 7bit\r\n\r\n"
            b"\x1b$)A\x0eVPND\x0f\r\n"
            b"--XX\r\nContent-Type: text/plain; charset=koi8-ru\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n"
            b"\xf0\xd2\xc9\xd7\xc5\xd4\r\n"
            b"--XX\r\nContent-Type: text/plain; charset=koi8-r\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n"
            + cp1251 + b"\r\n"
            b"--XX--\r\n"
        )
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        parts = [p for p in msg.walk() if p.get_content_maintype() == "text"]
        print(parts[0].get_content().strip())
        print(parts[1].get_content().strip())
        body = parts[2].get_payload(decode=True)
        d = convert_utf8.detect(body, declared=parts[2].get_content_charset())
        print(d.encoding, d.declared)
        print(convert_utf8.decode(body, d.encoding).strip())
        '''
    )
    lines = out.splitlines()
    assert lines[0] == "中文"
    assert lines[1] == "Привет"
    assert lines[2] == "CP1251 less-natural"
    assert lines[3] == "Съешь же ещё этих мягких французских булок, да выпей чаю."


def test_open_reads_a_file_in_a_charset_python_lacks(tmp_path) -> None:
    path = tmp_path / "tscii.txt"
    path.write_bytes(b"\xab\xa6")
    out = run(
        f"""
        import convert_utf8, subprocess
        convert_utf8.register(fallback=True)
        with open({str(path)!r}, encoding="tscii") as f:
            text = f.read()
        expected = subprocess.run(["iconv", "-f", "TSCII", "-t", "UTF-8", {str(path)!r}],
                                  capture_output=True, check=True).stdout.decode()
        print(text == expected, len(text) > 0)
        """
    )
    assert out.strip() == "True True"
