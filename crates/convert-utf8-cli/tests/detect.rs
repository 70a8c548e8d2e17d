//! `-f auto` and `--detect` run as a user runs them: detected inputs convert exactly as
//! `iconv -f <their true charset>` converts them, and what cannot be told is refused, per file.

use std::fs;
use std::path::Path;

const BIN: &str = env!("CARGO_BIN_EXE_convert-utf8");

mod common;
use common::{Outcome, command, finish};

fn run_in(dir: &Path, program: &str, args: &[&str], stdin: &[u8]) -> Outcome {
    finish(command(program, args, dir), stdin)
}

fn encode(text: &str, charset: &str) -> Vec<u8> {
    let out = run_in(
        Path::new("."),
        "iconv",
        &["-f", "UTF-8", "-t", charset],
        text.as_bytes(),
    );
    assert_eq!(out.code, 0, "iconv -t {charset}");
    out.stdout
}

const TEXTS: &[(&str, &str)] = &[
    (
        "KOI8-R",
        "Широкая электрификация южных губерний даст мощный толчок подъёму сельского хозяйства.",
    ),
    (
        "CP1251",
        "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    ),
    (
        "SJIS",
        "日本語の文章を正しく判定できるかどうかを確かめるための例文です。",
    ),
    (
        "GBK",
        "我们在这里测试简体中文的文本，看看检测器能否正确地判断出它的编码。",
    ),
    (
        "CP1252",
        "Voix ambiguë d’un cœur qui, au zéphyr, préfère les jattes de kiwis.",
    ),
    (
        "ISO-8859-7",
        "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία, είπε ο δάσκαλος στην τάξη.",
    ),
];

#[test]
fn auto_converts_each_file_as_iconv_does_with_its_true_charset() {
    let dir = tempfile::tempdir().unwrap();
    let mut expected = Vec::new();
    let mut names = Vec::new();
    for (i, (charset, text)) in TEXTS.iter().enumerate() {
        let name = format!("f{i}.txt");
        fs::write(dir.path().join(&name), encode(text, charset)).unwrap();
        let glibc = run_in(
            dir.path(),
            "iconv",
            &["-f", charset, "-t", "UTF-8", &name],
            b"",
        );
        expected.extend_from_slice(&glibc.stdout);
        names.push(name);
    }
    let mut args = vec!["-f", "auto"];
    args.extend(names.iter().map(String::as_str));
    let ours = run_in(dir.path(), BIN, &args, b"");
    assert_eq!(
        String::from_utf8_lossy(&ours.stdout),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(ours.code, 0, "{}", ours.stderr);
}

#[test]
fn auto_reads_a_pipe_once() {
    let bytes = encode(TEXTS[0].1, "KOI8-R");
    let ours = run_in(Path::new("."), BIN, &["-f", "AUTO", "--verbose"], &bytes);
    assert_eq!(String::from_utf8(ours.stdout).unwrap(), TEXTS[0].1);
    let stderr = &ours.stderr;
    assert!(
        stderr.contains("-: detected KOI8-R (confidence "),
        "{stderr}"
    );
}

#[test]
fn detect_prints_one_line_per_file_named_as_given() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("ru.txt"), encode(TEXTS[1].1, "CP1251")).unwrap();
    fs::write(dir.path().join("plain.txt"), b"just ascii\n").unwrap();
    let ours = run_in(dir.path(), BIN, &["--detect", "./ru.txt", "plain.txt"], b"");
    let stdout = String::from_utf8(ours.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("./ru.txt: CP1251 (confidence "),
        "{stdout}"
    );
    assert!(lines[0].ends_with(", language ru)"), "{stdout}");
    assert!(
        lines[1].starts_with("plain.txt: ANSI_X3.4-1968 (confidence "),
        "{stdout}"
    );
    assert_eq!(ours.code, 0);
}

#[test]
fn a_declared_label_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("ru.txt"), encode(TEXTS[1].1, "CP1251")).unwrap();
    let ours = run_in(
        dir.path(),
        BIN,
        &["--detect", "-f", "koi8-r", "ru.txt"],
        b"",
    );
    let stdout = String::from_utf8(ours.stdout).unwrap();
    assert!(
        stdout.contains("CP1251") && stdout.contains("declared KOI8-R overridden"),
        "{stdout}"
    );
}

#[test]
fn binary_and_uncertain_inputs_are_refused_and_the_others_converted() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("image.png"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
    )
    .unwrap();
    fs::write(dir.path().join("ru.txt"), encode(TEXTS[1].1, "CP1251")).unwrap();
    let ours = run_in(dir.path(), BIN, &["-f", "auto", "image.png", "ru.txt"], b"");
    assert_eq!(ours.code, 1);
    assert_eq!(String::from_utf8(ours.stdout).unwrap(), TEXTS[1].1);
    let stderr = &ours.stderr;
    assert!(
        stderr.contains("image.png: looks binary, not text"),
        "{stderr}"
    );
    // No confidence reaches more than 1.
    let ours = run_in(
        dir.path(),
        BIN,
        &["-f", "auto", "--threshold=1", "ru.txt"],
        b"",
    );
    let stderr = &ours.stderr;
    assert!(
        ours.stdout.is_empty() && stderr.contains("cannot tell the charset"),
        "{stderr}"
    );
    let ours = run_in(dir.path(), BIN, &["--detect", "image.png"], b"");
    assert_eq!(ours.code, 1);
    assert!(
        String::from_utf8(ours.stdout)
            .unwrap()
            .starts_with("image.png: binary")
    );
}
