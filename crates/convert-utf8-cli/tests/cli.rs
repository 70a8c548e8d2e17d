//! The `convert-utf8` binary run as a user runs it, beside the system's `iconv` on the same
//! input: same stdout and exit status where glibc is right, our documented behaviour where it
//! is not (a second `-`, `-o` onto an input, `-c`'s exit status, the locale fallback).

use convert_utf8::Charset;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

const BIN: &str = env!("CARGO_BIN_EXE_convert-utf8");

mod common;
use common::{Outcome, command, finish};

fn ours_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Outcome {
    finish(command(BIN, args, dir), stdin)
}

fn iconv_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Outcome {
    finish(command("iconv", args, dir), stdin)
}

fn ours(args: &[&str], stdin: &[u8]) -> Outcome {
    ours_in(Path::new("."), args, stdin)
}

/// Runs both on the same arguments and input; asserts the same stdout and exit status.
fn same_as_iconv(dir: &Path, args: &[&str], stdin: &[u8]) -> (Outcome, Outcome) {
    let mine = ours_in(dir, args, stdin);
    let glibc = iconv_in(dir, args, stdin);
    assert_eq!(mine.stdout, glibc.stdout, "stdout of {args:?}");
    assert_eq!(
        mine.code, glibc.code,
        "exit status of {args:?}: {mine:?} vs {glibc:?}"
    );
    (mine, glibc)
}

fn temp_dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        fs::write(dir.path().join(name), content).unwrap();
    }
    dir
}

fn leftovers(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".convert-utf8-")
        })
        .collect()
}

#[test]
fn usage_errors_are_worded_as_argp_words_them() {
    let here = Path::new(".");
    for args in [
        &["--x"][..],
        &["--x=1"],
        &["-x"],
        &["-cx"],
        &["-f"],
        &["-cf"],
        &["-o"],
        &["--from-code"],
        &["--to"],
        &["--ver"],
        &["--v"],
        &["--help=x"],
        &["--li=x"],
        &["--usage=3"],
        &["--fr"],
        &["-f", "utf8", "--nosuch", "file"],
    ] {
        let mine = ours_in(here, args, b"");
        let glibc = iconv_in(here, args, b"");
        assert_eq!(mine.code, 64, "{args:?}");
        assert_eq!(glibc.code, 64, "{args:?}");
        assert_eq!(
            mine.stderr,
            glibc.stderr.replace("iconv", "convert-utf8"),
            "{args:?}"
        );
        assert!(mine.stdout.is_empty());
    }
}

#[test]
fn help_usage_and_version() {
    let help = ours(&["--help"], b"");
    assert_eq!(help.code, 0);
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(text.starts_with("Usage: convert-utf8 [OPTION...] [FILE...]"));
    assert!(text.contains("Exit status: 0 success; 1 invalid or truncated input"));
    assert!(text.contains("--whatwg"));
    assert_eq!(ours(&["-?"], b"").stdout, text.as_bytes());
    assert_eq!(
        ours(&["--he", "-x"], b"").code,
        0,
        "--help acts where it stands"
    );
    let usage = ours(&["--usage"], b"");
    assert!(
        String::from_utf8(usage.stdout)
            .unwrap()
            .starts_with("Usage: convert-utf8 [-lcs?V]")
    );
    let version = ours(&["-V"], b"");
    assert_eq!(version.code, 0);
    assert!(
        String::from_utf8(version.stdout)
            .unwrap()
            .starts_with("convert-utf8 0.")
    );
}

#[test]
fn option_spellings_orders_and_double_dash() {
    let dir = temp_dir_with(&[("a", "héllo\n".as_bytes()), ("-x", b"dash\n")]);
    for args in [
        &["-f", "UTF-8", "a"][..],
        &["-fUTF-8", "a"],
        &["--from-code=utf8", "a"],
        &["--from-code", "utf8", "a"],
        &["--fr", "utf8", "a"],
        &["a", "-f", "utf8"],
        &[
            "-f",
            "nosuch",
            "a",
            "-f",
            "UTF-8",
            "-t",
            "latin1",
            "--to-code=UTF-8",
        ],
        &["-c", "-s", "--verb", "-f", "utf8", "-t", "UTF8", "a"],
    ] {
        let (mine, _) = same_as_iconv(dir.path(), args, b"");
        assert_eq!(mine.stdout, "héllo\n".as_bytes(), "{args:?}");
    }
    let (mine, _) = same_as_iconv(dir.path(), &["-f", "utf8", "--", "-x", "a"], b"");
    assert_eq!(mine.stdout, "dash\nhéllo\n".as_bytes());
    assert_eq!(
        ours_in(dir.path(), &["-f", "utf8", "-o", "-", "a"], b"").stdout,
        "héllo\n".as_bytes()
    );
}

#[test]
fn invalid_input_stops_everything_after_writing_what_came_before() {
    let dir = temp_dir_with(&[("bad", b"ab\xFFcd"), ("good", b"xy\n")]);
    let (mine, _) = same_as_iconv(dir.path(), &["-f", "UTF-8", "bad", "good"], b"");
    assert_eq!(mine.stdout, b"ab");
    assert_eq!(
        mine.stderr,
        "convert-utf8: bad: illegal input sequence at position 2 (bytes 0xFF)\n"
    );

    let (mine, glibc) = same_as_iconv(dir.path(), &["-f", "UTF-8"], b"ab\xE2\x82\xFFc");
    assert_eq!(
        glibc.stderr,
        "iconv: illegal input sequence at position 2\n"
    );
    assert_eq!(
        mine.stderr,
        "convert-utf8: illegal input sequence at position 2 (bytes 0xE2 0x82)\n"
    );

    let (mine, glibc) = same_as_iconv(dir.path(), &["-f", "UTF-8"], b"ab\xE2\x82");
    assert_eq!(
        glibc.stderr,
        "iconv: incomplete character or shift sequence at end of buffer\n"
    );
    assert!(mine.stderr.starts_with(
        "convert-utf8: incomplete character or shift sequence at end of buffer (position 2, bytes 0xE2 0x82)"
    ));
}

#[test]
fn several_files_in_one_output_and_verbose_names() {
    let dir = temp_dir_with(&[
        ("one", "é\n".as_bytes()),
        ("two", "€\n".as_bytes()),
        ("empty", b""),
    ]);
    let args = ["--verbose", "-f", "UTF-8", "one", "-", "two", "empty"];
    let (mine, glibc) = same_as_iconv(dir.path(), &args, b"in\n");
    assert_eq!(mine.stdout, "é\nin\n€\n".as_bytes());
    assert_eq!(mine.stderr, glibc.stderr);
    assert_eq!(mine.stderr, "one:\n-:\ntwo:\nempty:\n");

    // glibc fails with "Bad address" when stdin follows an empty file; nothing special here.
    let mine = ours_in(dir.path(), &["-f", "UTF-8", "empty", "-", "two"], b"in\n");
    assert_eq!(
        (mine.stdout.as_slice(), mine.code),
        ("in\n€\n".as_bytes(), 0)
    );
}

#[test]
fn unicode_forms_across_files_match_iconv() {
    let utf16 = "hé€😀\n".encode_utf16();
    let le: Vec<u8> = utf16.clone().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = utf16.flat_map(u16::to_be_bytes).collect();
    let with_bom_be = [&[0xFE, 0xFF][..], &be].concat();
    let dir = temp_dir_with(&[
        ("le", &le),
        ("be", &be),
        ("bom-be", &with_bom_be),
        ("lone", b"a\0\x00\xD8b\0"),
    ]);
    for (charset, files) in [
        ("UTF-16LE", &["le", "le"][..]),
        ("UTF-16BE", &["be"]),
        ("UTF-16", &["bom-be", "be", "le"]),
        ("UTF-16LE", &["le", "lone", "le"]),
    ] {
        let args: Vec<&str> = ["-f", charset].iter().chain(files).copied().collect();
        same_as_iconv(dir.path(), &args, b"");
        let mut ignoring = vec!["-c"];
        ignoring.extend(&args);
        let mine = ours_in(dir.path(), &ignoring, b"");
        let glibc = iconv_in(dir.path(), &ignoring, b"");
        assert_eq!(mine.stdout, glibc.stdout, "{ignoring:?}");
    }
}

#[test]
fn error_table_rows() {
    let dir = temp_dir_with(&[("a", b"a\n"), ("b", b"b\n")]);
    let path = dir.path();

    let unknown = ours_in(path, &["-f", "NO-SUCH-CHARSET"], b"x");
    assert_eq!(unknown.code, 1);
    assert!(
        unknown
            .stderr
            .starts_with("convert-utf8: conversion from `NO-SUCH-CHARSET' is not supported")
    );
    assert!(unknown.stdout.is_empty());

    let (missing, glibc) = same_as_iconv(path, &["-f", "UTF-8", "a", "missing", "b"], b"");
    assert_eq!(missing.stdout, b"a\nb\n");
    assert_eq!(
        missing.stderr,
        glibc.stderr.replace("iconv", "convert-utf8")
    );
    assert_eq!(
        missing.stderr,
        "convert-utf8: cannot open input file `missing': No such file or directory\n"
    );

    fs::create_dir(path.join("dir")).unwrap();
    let (directory, _) = same_as_iconv(path, &["-f", "UTF-8", "a", "dir", "b"], b"");
    assert_eq!(directory.stdout, b"a\n");
    assert_eq!(
        directory.stderr,
        "convert-utf8: dir: error while reading the input: Is a directory\n"
    );

    let (no_output, glibc) =
        same_as_iconv(path, &["-f", "UTF-8", "-o", "no/such/dir/out", "a"], b"");
    assert_eq!(
        no_output.stderr,
        glibc.stderr.replace("iconv", "convert-utf8")
    );
    assert_eq!(
        no_output.stderr,
        "convert-utf8: cannot open output file: No such file or directory\n"
    );

    let full = ours_in(path, &["-f", "UTF-8", "-o", "/dev/full", "a"], b"");
    assert_eq!(full.code, 1);
    assert_eq!(
        full.stderr,
        "convert-utf8: conversion stopped due to problem in writing the output: No space left on device\n"
    );
    assert_eq!(
        iconv_in(path, &["-f", "UTF-8", "-o", "/dev/full", "a"], b"").code,
        1
    );

    let target = ours_in(path, &["-f", "UTF-8", "-t", "UTF-16"], b"x");
    assert_eq!(target.code, 1);
    assert!(
        target
            .stderr
            .contains("conversion to `UTF-16' is not supported")
    );
    assert!(target.stdout.is_empty());
}

/// Text in many scripts; each charset's valid input is whatever of it glibc can encode.
const MANY_SCRIPTS: &str = "Plain ASCII 0123456789 ~!@#$%^&*()_+{}|:<>?\n\
    Latin: Grüße, façade, œuvre, Ångström, Łódź, Dvořák, İstanbul, Ærø, ß€£¥©®±µ¶·¿\n\
    Greek: Καλημέρα κόσμε. Cyrillic: Съешь же ещё этих мягких французских булок. Ґанок, Ўзбек.\n\
    Hebrew: שלום עולם. Arabic: مرحبا بالعالم. Thai: สวัสดีชาวโลก. Vietnamese: Tiếng Việt có dấu.\n\
    Japanese: 吾輩は猫である。名前はまだ無い。カタカナ ｶﾀｶﾅ ①②③ ㈱ ～ ¬ ∥\n\
    Chinese: 人人生而自由，在尊严和权利上一律平等。人人生而自由，在尊嚴和權利上一律平等。\n\
    Korean: 모든 인간은 태어날 때부터 자유로우며 그 존엄과 권리에 있어 동등하다.\n\
    Symbols: ─│┌┐└┘├┤┬┴┼ ░▒▓█ ♠♣♥♦ ☺☻ ←↑→↓ ≤≥≠∞ √∑∫ ‰ † ‡ • … ‹›«» “”‘’ – —\n\
    Tamil: தமிழ். Devanagari: नमस्ते. Armenian: Բարեւ. Georgian: გამარჯობა. Braille: ⠓⠑⠇⠇⠕\n";

/// Every charset `iconv -l` lists (INTERNAL aside, which only opens as WCHAR_T) decodes valid
/// text byte for byte like `iconv -f X -t UTF-8`, run as commands. The text is what glibc
/// encodes of [`MANY_SCRIPTS`] into the charset with `iconv -c -t X` (its encoder drops what
/// the charset lacks). For a few charsets glibc's decoder rejects what its own encoder wrote
/// (IBM932, ISO-2022-CN, ISO-2022-CN-EXT here); those still have to stop exactly where iconv
/// stops, with the same output before it.
#[test]
fn every_charset_decodes_valid_text_like_iconv() {
    let (mut compared, mut valid) = (0, 0);
    let mut failures = Vec::new();
    for charset in Charset::all().filter(|c| c.name() != "INTERNAL") {
        let encoded = finish(
            command(
                "iconv",
                &["-c", "-f", "UTF-8", "-t", charset.name()],
                Path::new("."),
            ),
            MANY_SCRIPTS.as_bytes(),
        );
        assert!(
            encoded.code <= 1 && !encoded.stdout.is_empty(),
            "iconv cannot encode into {}: {}",
            charset.name(),
            encoded.stderr
        );
        let mine = ours(&["-f", charset.name()], &encoded.stdout);
        let glibc = iconv_in(
            Path::new("."),
            &["-f", charset.name(), "-t", "UTF-8"],
            &encoded.stdout,
        );
        let position = |stderr: &str| {
            stderr.split(" at position ").nth(1).map(|rest| {
                rest.split(|c: char| !c.is_ascii_digit())
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
        };
        if (mine.code, &mine.stdout) != (glibc.code, &glibc.stdout)
            || position(&mine.stderr) != position(&glibc.stderr)
        {
            failures.push(format!(
                "{}: ours exit {} {:?}, iconv exit {} {:?}",
                charset.name(),
                mine.code,
                mine.stderr,
                glibc.code,
                glibc.stderr
            ));
        }
        compared += 1;
        valid += usize::from(glibc.code == 0);
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(compared, 278);
    assert!(valid >= 270, "only {valid} charsets had valid text");
}

#[test]
fn output_is_opened_lazily() {
    let dir = temp_dir_with(&[("empty", b""), ("out", b"keep")]);
    let (_, _) = same_as_iconv(dir.path(), &["-f", "UTF-8", "-o", "new", "empty"], b"");
    assert!(!dir.path().join("new").exists());
    same_as_iconv(dir.path(), &["-f", "UTF-8", "-o", "out", "empty"], b"");
    assert_eq!(fs::read(dir.path().join("out")).unwrap(), b"keep");
    same_as_iconv(dir.path(), &["-f", "UTF-8", "-o", "out", "missing"], b"");
    assert_eq!(fs::read(dir.path().join("out")).unwrap(), b"keep");
}

fn big_text() -> Vec<u8> {
    "Grüße, 世界! ".repeat(10_000).into_bytes() // 170 kB, well past glibc's 32 KiB failure
}

#[test]
fn output_onto_an_input_converts_in_place() {
    let text = big_text();
    let dir = temp_dir_with(&[("big", &text), ("tail", b"tail\n")]);
    let path = dir.path();
    let outcome = ours_in(path, &["-f", "UTF-8", "-o", "big", "big", "tail"], b"");
    assert_eq!((outcome.code, outcome.stderr.as_str()), (0, ""));
    assert_eq!(
        fs::read(path.join("big")).unwrap(),
        [&text[..], b"tail\n"].concat()
    );
    assert!(leftovers(path).is_empty());

    // The same file under another name: the named output gets the result, and the other name
    // still sees the original (it is the old inode).
    fs::write(path.join("src"), &text).unwrap();
    fs::hard_link(path.join("src"), path.join("link")).unwrap();
    let outcome = ours_in(path, &["-f", "UTF-8", "src", "tail", "-o", "link"], b"");
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert_eq!(
        fs::read(path.join("link")).unwrap(),
        [&text[..], b"tail\n"].concat()
    );
    assert_eq!(fs::read(path.join("src")).unwrap(), text);

    // stdin redirected from the output file.
    let mut child = command(BIN, &["-f", "UTF-8", "-o", "src"], path)
        .stdin(fs::File::open(path.join("src")).unwrap())
        .spawn()
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(fs::read(path.join("src")).unwrap(), text);
    assert!(leftovers(path).is_empty());
}

#[test]
fn in_place_keeps_the_original_on_any_error() {
    let mut text = big_text();
    text.extend_from_slice(b"\xFFend");
    let dir = temp_dir_with(&[("big", &text), ("ok", b"ok\n")]);
    let path = dir.path();

    let outcome = ours_in(path, &["-f", "UTF-8", "-o", "big", "big"], b"");
    assert_eq!(outcome.code, 1);
    let position = format!(
        "illegal input sequence at position {} (bytes 0xFF)",
        big_text().len()
    );
    assert!(outcome.stderr.contains(&position), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("`big' left unchanged"),
        "{}",
        outcome.stderr
    );
    assert_eq!(fs::read(path.join("big")).unwrap(), text);
    assert!(leftovers(path).is_empty());

    let outcome = ours_in(path, &["-f", "UTF-8", "-o", "ok", "ok", "missing"], b"");
    assert_eq!(outcome.code, 1);
    assert_eq!(fs::read(path.join("ok")).unwrap(), b"ok\n");
    assert!(leftovers(path).is_empty());

    // With -c the conversion is what was asked for: the file is replaced, the status says 1.
    let outcome = ours_in(path, &["-c", "-f", "UTF-8", "-o", "big", "big"], b"");
    assert_eq!(outcome.code, 1);
    assert_eq!(
        fs::read(path.join("big")).unwrap(),
        [&big_text()[..], b"end"].concat()
    );
}

#[test]
fn omitting_invalid_input_converts_everything_and_exits_1() {
    let dir = temp_dir_with(&[("bad", b"ab\xFFcd\xE2\x82Aef\n"), ("good", b"xy\n")]);
    let path = dir.path();
    for args in [
        &["-c", "-f", "UTF-8", "bad", "good"][..],
        &["-f", "UTF-8", "-t", "UTF-8//IGNORE", "bad", "good"],
        &["-f", "UTF-8", "-t", "utf8//translit//ignore", "bad", "good"],
    ] {
        let mine = ours_in(path, args, b"");
        assert_eq!(mine.stdout, b"abcdAef\nxy\n", "{args:?}");
        assert_eq!(mine.code, 1, "{args:?}");
        assert_eq!(
            mine.stderr,
            "convert-utf8: bad: illegal input sequence at position 2 (bytes 0xFF) omitted, and 1 more\n"
        );
    }
    // glibc drops the same bytes.
    let glibc = iconv_in(
        path,
        &["-c", "-f", "UTF-8", "-t", "UTF-8", "bad", "good"],
        b"",
    );
    assert_eq!(glibc.stdout, b"abcdAef\nxy\n");

    let silent = ours_in(path, &["-cs", "-f", "UTF-8", "bad"], b"");
    assert_eq!((silent.code, silent.stderr.as_str()), (1, ""));

    let truncated = ours_in(path, &["-c", "-f", "UTF-8", "-", "good"], b"ab\xE2\x82");
    assert_eq!(truncated.stdout, b"abxy\n");
    assert_eq!(truncated.code, 1);
    assert_eq!(
        truncated.stderr,
        "convert-utf8: incomplete character or shift sequence at end of buffer\n"
    );
    let glibc = iconv_in(path, &["-c", "-f", "UTF-8", "-t", "UTF-8"], b"ab\xE2\x82");
    assert_eq!((glibc.stdout.as_slice(), glibc.code), (&b"ab"[..], 1));

    let translit = ours_in(path, &["-f", "UTF-8", "-t", "UTF-8//TRANSLIT", "good"], b"");
    assert_eq!(
        (translit.stdout.as_slice(), translit.code),
        (&b"xy\n"[..], 0)
    );
}

/// A bad byte at the very end is reported as the bad byte it is, not as an incomplete
/// character (glibc's `-c` says nothing of incompleteness for it either); an input that ends
/// inside a real sequence still is incomplete, under `-c` as without it.
#[test]
fn a_bad_last_byte_under_c_is_not_incomplete() {
    for input in [&b"a\xFF"[..], b"\xFF\xFF\xFF"] {
        let mine = ours(&["-c", "-f", "UTF-8"], input);
        assert_eq!(mine.code, 1);
        assert!(
            mine.stderr.contains("illegal input sequence at position"),
            "{mine:?}"
        );
        assert!(!mine.stderr.contains("incomplete"), "{mine:?}");
    }
    let cut = ours(&["-c", "-f", "UTF-8"], b"a\xE2\x82");
    assert_eq!((cut.code, cut.stdout.as_slice()), (1, &b"a"[..]));
    assert!(cut.stderr.contains("incomplete character"), "{cut:?}");
}

fn with_locale(vars: &[(&str, &str)], args: &[&str], stdin: &[u8], program: &str) -> Outcome {
    let mut c = command(program, args, Path::new("."));
    c.env_remove("LANG");
    for (k, v) in vars {
        c.env(k, v);
    }
    finish(c, stdin)
}

#[test]
fn locale_default_for_an_omitted_or_empty_from_code() {
    let cafe = "café\n".as_bytes();
    for vars in [
        &[("LC_ALL", "C.UTF-8")][..],
        &[("LC_ALL", ""), ("LC_CTYPE", "C.UTF-8"), ("LANG", "C")],
        &[("LANG", "C.UTF-8")],
    ] {
        for args in [&[][..], &["-f", ""], &["--from-code="], &["-t", "UTF-8"]] {
            let mine = with_locale(vars, args, cafe, BIN);
            let glibc = with_locale(vars, args, cafe, "iconv");
            assert_eq!(
                (mine.stdout.as_slice(), mine.code),
                (cafe, 0),
                "{vars:?} {args:?}"
            );
            assert_eq!(glibc.stdout, cafe);
        }
    }
    // A named codeset counts even when the locale is not installed (glibc falls back to ASCII).
    let uninstalled = with_locale(&[("LC_ALL", "xx_YY.UTF-8")], &[], cafe, BIN);
    assert_eq!((uninstalled.stdout.as_slice(), uninstalled.code), (cafe, 0));

    // C, POSIX, nothing, or an uninstalled locale without codeset: ASCII, as in glibc.
    for vars in [
        &[("LC_ALL", "C")][..],
        &[("LC_ALL", "POSIX")],
        &[],
        &[("LANG", "xx_YY")],
    ] {
        let mine = with_locale(vars, &[], cafe, BIN);
        assert_eq!(mine.code, 1, "{vars:?}");
        let glibc = with_locale(vars, &[], cafe, "iconv");
        assert_eq!(mine.stdout, glibc.stdout);
        assert!(mine.stderr.contains("illegal input sequence at position 3"));
    }
}

#[test]
fn stdin_can_be_read_twice() {
    let mine = ours(&["-f", "UTF-8", "-", "-"], b"once\n");
    assert_eq!((mine.stdout.as_slice(), mine.code), (&b"once\n"[..], 0));
    assert!(mine.stderr.is_empty());
    // glibc: "error while reading the input: Bad file descriptor".
    assert_eq!(
        iconv_in(Path::new("."), &["-f", "UTF-8", "-", "-"], b"once\n").code,
        1
    );
}

#[test]
fn a_broken_pipe_ends_quietly() {
    let mut child = command(BIN, &["-f", "UTF-8"], Path::new("."))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let chunk = vec![b'y'; 1 << 16];
        // Stops when the command exits and the pipe breaks.
        while stdin.write_all(&chunk).is_ok() {}
    });
    let mut first = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then dropped: pipe closed
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn list_prints_every_charset_with_its_aliases() {
    let listing = ours(&["-l"], b"");
    assert_eq!(listing.code, 0);
    let text = String::from_utf8(listing.stdout).unwrap();
    assert_eq!(text.lines().count(), Charset::all().len());
    let utf8 = text
        .lines()
        .find(|l| l.starts_with("UTF-8//"))
        .expect("UTF-8 line");
    assert!(utf8.contains(", UTF8//"), "{utf8}");
    assert!(utf8.contains(", ISO-10646/UTF8/"), "{utf8}");
    // Every name iconv lists is somewhere in ours.
    let glibc = String::from_utf8(iconv_in(Path::new("."), &["-l"], b"").stdout).unwrap();
    let ours: std::collections::HashSet<&str> = text.split([',', ' ', '\n']).collect();
    let missing: Vec<&str> = glibc.lines().filter(|name| !ours.contains(name)).collect();
    assert!(missing.is_empty(), "{missing:?}");
    assert_eq!(Charset::all().len(), 279);
}

#[test]
fn whatwg_option_gives_web_meanings() {
    let latin1 = ours(&["--whatwg", "-f", "latin1"], b"\x80");
    assert_eq!((latin1.stdout.as_slice(), latin1.code), ("€".as_bytes(), 0));
    // Without the option, latin1 is glibc's ISO-8859-1: 0x80 is the C1 control U+0080.
    let glibc_latin1 = ours(&["-f", "latin1"], b"\x80");
    assert_eq!(
        (glibc_latin1.stdout.as_slice(), glibc_latin1.code),
        ("\u{80}".as_bytes(), 0)
    );
    let utf8 = ours(
        &["--whatwg", "-f", "unicode-1-1-utf-8", "-t", "utf8"],
        "é".as_bytes(),
    );
    assert_eq!(
        (utf8.stdout.as_slice(), utf8.code),
        ("é".as_bytes(), 0),
        "{utf8:?}"
    );
}

#[test]
fn the_bundled_sample_decodes_like_iconv() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples");
    let utf8 = fs::read(samples.join("wagahai.utf8.txt")).unwrap();
    let (mine, _) = same_as_iconv(&samples, &["-f", "SHIFT_JIS", "wagahai.sjis.txt"], b"");
    assert_eq!(mine.stdout, utf8);
}
