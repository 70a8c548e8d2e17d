//! Unmodified programs from Debian's packages, run plainly (on glibc's iconv) and with the
//! library preloaded: the same standard output, standard error and exit status.
//!
//! - `xmllint` (libxml2-utils) parses documents declared and encoded in CJK and single-byte
//!   charsets, whole, pushed in small pieces, streamed and as HTML, valid, with an invalid
//!   byte and cut short in a character, and writes them back in UTF-8 or in their own charset.
//! - `php` (php-cli) converts with `iconv()`, `iconv_strlen()` and friends and the
//!   `convert.iconv.*` stream filters, and (with php-xml) parses the same documents with
//!   DOMDocument and SimpleXML.
//! - `git` re-encodes commit messages and author names stored in Shift_JIS, EUC-JP,
//!   ISO-8859-1 and other charsets for `log`, `show`, `shortlog` and `format-patch`.
//! - gettext's `msgconv` (gettext) converts translation catalogues between charsets, through
//!   libunistring's calls of iconv.
//! - Perl's Text::Iconv (libtext-iconv-perl), a thin binding of iconv(3).
//! - glibc's own `iconv` program, which opens its handles through a private glibc function:
//!   the library must pass them on untouched, in both directions, with `-c`, on invalid and
//!   truncated input and on a missing file.
//!
//! Besides the comparison, each test checks that the program really converted (its output
//! holds the text as glibc's iconv decodes it) and that its iconv calls really reach the
//! library when preloaded (the dynamic linker's bindings), so that a comparison cannot pass
//! for want of anything being compared. The exception is PHP's iconv extension: PHP loads its
//! extensions with `RTLD_DEEPBIND`, which binds their calls to glibc ahead of a preloaded
//! library, so that test notes it and shows only that preloading does no harm.
//!
//! A program that is not installed is skipped with a note on standard error, unless
//! `CU8_REQUIRE_PROGRAMS=1`, which makes that a failure.

mod common;

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Run, encoded_by_glibc, library, scratch_dir, system_iconv};

/// Writes past the test harness's capture, so that a skip is seen in a plain `cargo test`.
fn note(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// The program `name`, as Debian's package installs it (in /usr/bin), else found on PATH;
/// `None`, with a note, when it is not installed.
fn installed(name: &str, package: &str) -> Option<PathBuf> {
    let search = std::env::var_os("PATH").unwrap_or_default();
    let found = [PathBuf::from("/usr/bin"), PathBuf::from("/bin")]
        .into_iter()
        .chain(std::env::split_paths(&search))
        .map(|dir| dir.join(name))
        .find(|path| path.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("CU8_REQUIRE_PROGRAMS").is_none_or(|v| v != "1"),
            "{name} is not installed (Debian package {package}) and CU8_REQUIRE_PROGRAMS=1"
        );
        note(&format!(
            "skipped: {name} is not installed (Debian package {package})"
        ));
    }
    found
}

/// Where a program runs and with what environment: a cleared one, with a C.UTF-8 locale and a
/// home of its own, plus `env`.
struct Place {
    dir: PathBuf,
    env: Vec<(OsString, OsString)>,
}

impl Place {
    fn new(test: &str) -> Place {
        let dir = scratch_dir(&format!("programs-{test}"));
        let home = dir.join("home");
        std::fs::create_dir_all(&home).unwrap();
        Place {
            dir,
            env: vec![
                ("PATH".into(), "/usr/bin:/bin".into()),
                ("LC_ALL".into(), "C.UTF-8".into()),
                ("HOME".into(), home.clone().into()),
                ("XDG_CONFIG_HOME".into(), home.into()),
            ],
        }
    }

    fn with(mut self, name: &str, value: impl Into<OsString>) -> Place {
        self.env.push((name.into(), value.into()));
        self
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    fn write(&self, file: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(file);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn command(&self, program: &Path, args: &[OsString], preload: bool) -> Command {
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(&self.dir)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        if preload {
            command.env("LD_PRELOAD", library());
        }
        command
    }

    /// Runs `program` on glibc's iconv or with the library preloaded, with `stdin` as input.
    fn run(&self, program: &Path, args: &[OsString], stdin: &[u8], preload: bool) -> Run {
        let mut child = self
            .command(program, args, preload)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("run {}: {e}", program.display()));
        let mut input = child.stdin.take().unwrap();
        let stdin = stdin.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&stdin);
        });
        let output = child.wait_with_output().expect("wait for the program");
        writer.join().unwrap();
        output.into()
    }

    /// The objects that the program's iconv_open, iconv and iconv_close calls were bound to
    /// with the library preloaded, as `(caller, callee, symbol)`.
    fn iconv_bindings(&self, program: &Path, args: &[OsString]) -> Vec<(String, String, String)> {
        let output = self
            .command(program, args, true)
            .env("LD_DEBUG", "bindings")
            .stdin(Stdio::null())
            .output()
            .expect("run the program");
        let stderr = String::from_utf8_lossy(&output.stderr);
        stderr
            .lines()
            .filter_map(|line| {
                // "   PID:	binding file CALLER [0] to CALLEE [0]: normal symbol `NAME' [...]"
                let rest = line.split_once("binding file ")?.1;
                let (caller, rest) = rest.split_once(" [")?;
                let rest = rest.split_once("] to ")?.1;
                let (callee, rest) = rest.split_once(" [")?;
                let symbol = rest.split_once('`')?.1.split_once('\'')?.0;
                symbol
                    .starts_with("iconv")
                    .then(|| (caller.to_owned(), callee.to_owned(), symbol.to_owned()))
            })
            .collect()
    }

    /// Fails unless, preloaded, some call of `caller` (a path suffix) to `symbol` went to the
    /// library.
    fn assert_served(&self, program: &Path, args: &[OsString], caller: &str, symbol: &str) {
        let bindings = self.iconv_bindings(program, args);
        let ours = library().to_string_lossy().into_owned();
        assert!(
            bindings
                .iter()
                .any(|(from, to, bound)| from.ends_with(caller) && *to == ours && bound == symbol),
            "{} {args:?}: {caller}'s {symbol} is not bound to the library when preloaded; \
             bindings: {bindings:#?}",
            program.display()
        );
    }
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn os_path(args: &[&str], path: &Path) -> Vec<OsString> {
    let mut args = os(args);
    args.push(path.as_os_str().to_owned());
    args
}

/// One run of a program, both ways.
struct Case {
    label: String,
    args: Vec<OsString>,
    stdin: Vec<u8>,
}

impl Case {
    fn new(label: impl Into<String>, args: Vec<OsString>) -> Case {
        Case {
            label: label.into(),
            args,
            stdin: Vec::new(),
        }
    }

    fn stdin(mut self, bytes: &[u8]) -> Case {
        self.stdin = bytes.to_vec();
        self
    }
}

fn excerpt(bytes: &[u8], at: usize) -> String {
    let start = at.saturating_sub(20);
    let end = (at + 60).min(bytes.len());
    format!("{:?}", String::from_utf8_lossy(&bytes[start.min(end)..end]))
}

fn describe(program: &Path, case: &Case, glibc: &Run, ours: &Run) -> String {
    let stdout = if glibc.stdout == ours.stdout {
        "stdout identical".to_owned()
    } else {
        let at = common::first_difference(&glibc.stdout, &ours.stdout);
        format!(
            "stdout differs from byte {at}: glibc {} / preloaded {}",
            excerpt(&glibc.stdout, at),
            excerpt(&ours.stdout, at)
        )
    };
    format!(
        "{}: {} {:?}\n  glibc:     status {:?}, {} bytes out, stderr {:?}\n  \
         preloaded: status {:?}, {} bytes out, stderr {:?}\n  {stdout}",
        case.label,
        program.display(),
        case.args,
        glibc.status,
        glibc.stdout.len(),
        glibc.stderr,
        ours.status,
        ours.stdout.len(),
        ours.stderr,
    )
}

/// Runs every case both ways; returns glibc's runs, and fails with every difference found.
fn compare_all(place: &Place, program: &Path, cases: &[Case]) -> Vec<Run> {
    let mut differences = Vec::new();
    let mut runs = Vec::new();
    for case in cases {
        let glibc = place.run(program, &case.args, &case.stdin, false);
        let ours = place.run(program, &case.args, &case.stdin, true);
        if glibc != ours {
            differences.push(describe(program, case, &glibc, &ours));
        }
        runs.push(glibc);
    }
    assert!(
        differences.is_empty(),
        "{} of {} runs of {} differ with the library preloaded:\n{}",
        differences.len(),
        cases.len(),
        program.display(),
        differences.join("\n")
    );
    runs
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// Fails unless `run` succeeded and wrote `expected`.
fn assert_output(label: &str, run: &Run, expected: &[u8]) {
    assert_eq!(run.status, Some(0), "{label}: failed: {}", run.stderr);
    assert!(
        contains(&run.stdout, expected),
        "{label}: the output does not hold the text as glibc's iconv decodes it \
         ({} bytes expected, {} written; stderr {:?})",
        expected.len(),
        run.stdout.len(),
        run.stderr
    );
}

fn encode(text: &str, charset: &str) -> Vec<u8> {
    encoded_by_glibc(text.as_bytes(), charset)
}

fn decode(bytes: &[u8], charset: &str) -> Vec<u8> {
    system_iconv(bytes, charset, "UTF-8")
}

/// Whether glibc's iconv refuses `bytes` in `charset` (a conversion to UTF-8 without `-c`).
fn glibc_refuses(bytes: &[u8], charset: &str) -> bool {
    let mut child = Command::new("iconv")
        .args(["-f", charset, "-t", "UTF-8"])
        .env_remove("LD_PRELOAD")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run iconv");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    !child.wait().unwrap().success()
}

/// A byte that glibc's decoder for `charset` refuses at the start of a line, if there is one.
fn invalid_byte(charset: &str) -> Option<u8> {
    [0xFF, 0x80, 0xA0, 0x98, 0x81, 0xFE]
        .into_iter()
        .find(|&b| glibc_refuses(&[b'\n', b, b'\n'], charset))
}

fn sample_text() -> String {
    let data = common::crate_dir().join("../convert-utf8/tests/data");
    let mut text = std::fs::read_to_string(data.join("multilingual.txt")).unwrap();
    text.push_str(&std::fs::read_to_string(data.join("cjk.txt")).unwrap());
    text
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Charsets for documents: (name in the XML declaration, name for glibc's iconv program, a
/// character of the charset that takes more than one byte, if any).
const DOCUMENT_CHARSETS: &[(&str, &str, Option<&str>)] = &[
    ("Shift_JIS", "SHIFT_JIS", Some("日")),
    ("EUC-KR", "EUC-KR", Some("한")),
    ("GB18030", "GB18030", Some("中")),
    ("Big5", "BIG5", Some("中")),
    ("EUC-JP", "EUC-JP", Some("日")),
    ("ISO-8859-2", "ISO-8859-2", None),
    ("windows-1251", "WINDOWS-1251", None),
    ("KOI8-R", "KOI8-R", None),
];

/// A document in one charset: its bytes, and its body between `<doc>` and `</doc>` as glibc
/// decodes it.
struct Document {
    bytes: Vec<u8>,
    body_utf8: Vec<u8>,
}

/// `<doc>` with `repeat` copies of the sample text, a line per element, in `charset`.
fn document(declared: &str, charset: &str, repeat: usize) -> Document {
    let text = sample_text();
    let mut body = String::from("\n");
    for copy in 0..repeat {
        for line in text.lines() {
            body.push_str(&format!("<p n=\"{copy}\">- {}</p>\n", xml_escape(line)));
        }
    }
    let encoded_body = encode(&body, charset);
    let mut bytes = format!("<?xml version=\"1.0\" encoding=\"{declared}\"?>\n<doc>").into_bytes();
    bytes.extend_from_slice(&encoded_body);
    bytes.extend_from_slice(b"</doc>\n");
    Document {
        bytes,
        body_utf8: decode(&encoded_body, charset),
    }
}

/// `bytes` with `bad` inserted at the start of the line nearest `fraction` of the way in.
fn spoil(bytes: &[u8], fraction: f64, bad: u8) -> Vec<u8> {
    let mut at = (bytes.len() as f64 * fraction) as usize;
    while at < bytes.len() && bytes[at - 1] != b'\n' {
        at += 1;
    }
    let mut spoilt = bytes.to_vec();
    spoilt.insert(at, bad);
    spoilt
}

#[test]
fn xmllint_parses_documents_in_cjk_and_single_byte_charsets() {
    let Some(xmllint) = installed("xmllint", "libxml2-utils") else {
        return;
    };
    let place = Place::new("xmllint");
    let mut cases = Vec::new();
    // (case index, text the output must hold)
    let mut expectations = Vec::new();
    for &(declared, charset, wide) in DOCUMENT_CHARSETS {
        let doc = document(declared, charset, 30);
        let file = place.write(&format!("{declared}.xml"), &doc.bytes);
        let label = |what: &str| format!("{declared} {what}");
        for (what, args) in [
            ("--encode UTF-8", vec!["--encode", "UTF-8"]),
            ("--push", vec!["--push", "--encode", "UTF-8"]),
            ("--pushsmall", vec!["--pushsmall", "--encode", "UTF-8"]),
            ("--memory", vec!["--memory", "--encode", "UTF-8"]),
        ] {
            expectations.push((cases.len(), doc.body_utf8.clone()));
            cases.push(Case::new(label(what), os_path(&args, &file)));
        }
        expectations.push((cases.len(), doc.body_utf8.clone()));
        cases.push(Case::new(label("stdin"), os(&["--encode", "UTF-8", "-"])).stdin(&doc.bytes));
        cases.push(Case::new(
            label("--stream"),
            os_path(&["--stream", "--noout"], &file),
        ));
        cases.push(Case::new(label("--sax"), os_path(&["--sax"], &file)));
        // Back into its own charset: a conversion from UTF-8, which the library forwards.
        cases.push(Case::new(
            label("--encode itself"),
            os_path(&["--encode", declared], &file),
        ));
        cases.push(Case::new(
            label("--encode SJIS"),
            os_path(&["--encode", "SHIFT_JIS"], &file),
        ));

        if let Some(bad) = invalid_byte(charset) {
            for (n, fraction) in [0.02, 0.5, 0.97].into_iter().enumerate() {
                let spoilt = place.write(
                    &format!("{declared}-invalid-{n}.xml"),
                    &spoil(&doc.bytes, fraction, bad),
                );
                cases.push(Case::new(
                    label(&format!("invalid byte {bad:#04x} at {fraction}")),
                    os_path(&["--noout"], &spoilt),
                ));
                cases.push(Case::new(
                    label(&format!("invalid byte {bad:#04x} at {fraction}, --recover")),
                    os_path(&["--recover", "--encode", "UTF-8"], &spoilt),
                ));
                cases.push(Case::new(
                    label(&format!(
                        "invalid byte {bad:#04x} at {fraction}, --pushsmall"
                    )),
                    os_path(&["--pushsmall", "--noout"], &spoilt),
                ));
            }
        }
        if let Some(wide) = wide {
            let mut cut =
                format!("<?xml version=\"1.0\" encoding=\"{declared}\"?>\n<doc>x").into_bytes();
            let character = encode(wide, charset);
            assert!(character.len() > 1, "{wide} in {charset}: {character:x?}");
            cut.extend_from_slice(&character[..character.len() - 1]);
            let cut = place.write(&format!("{declared}-truncated.xml"), &cut);
            cases.push(Case::new(label("truncated"), os_path(&["--noout"], &cut)));
            cases.push(Case::new(
                label("truncated, --recover"),
                os_path(&["--recover", "--encode", "UTF-8"], &cut),
            ));
        }

        // The HTML parser, told the charset by a meta element.
        let text = xml_escape(&sample_text());
        let html = encode(
            &format!(
                "<html><head><meta http-equiv=\"Content-Type\" \
                 content=\"text/html; charset={declared}\"><title>t</title></head>\
                 <body><pre>{text}</pre></body></html>\n"
            ),
            charset,
        );
        let html = place.write(&format!("{declared}.html"), &html);
        cases.push(Case::new(
            label("--html"),
            os_path(&["--html", "--encode", "UTF-8"], &html),
        ));
    }
    // A document in UTF-8 written out in other charsets (every conversion forwarded).
    let utf8 = document("UTF-8", "UTF-8", 3);
    let utf8_file = place.write("utf-8.xml", &utf8.bytes);
    for target in [
        "Shift_JIS",
        "EUC-KR",
        "GB18030",
        "ISO-8859-2",
        "windows-1251",
    ] {
        cases.push(Case::new(
            format!("UTF-8 --encode {target}"),
            os_path(&["--encode", target], &utf8_file),
        ));
    }

    let runs = compare_all(&place, &xmllint, &cases);
    for (index, expected) in expectations {
        assert_output(&cases[index].label, &runs[index], &expected);
    }
    place.assert_served(
        &xmllint,
        &os_path(&["--encode", "UTF-8"], &place.path("Shift_JIS.xml")),
        "libxml2.so.2",
        "iconv_open",
    );
}

/// The PHP script of the iconv test, run as `php -r SCRIPT DIR CHARSET...` where DIR holds the
/// sample text in each CHARSET: each result printed with var_dump (strings as hex), with the
/// warning that came with it.
const PHP_ICONV_SCRIPT: &str = r#"
$dir = $argv[1];
function show($label, $value) {
    echo $label, ': ';
    var_dump(is_string($value) ? bin2hex($value) : $value);
    $error = error_get_last();
    if ($error !== null) {
        echo '  warning: ', $error['message'], "\n";
        error_clear_last();
    }
}
function load($name) { global $dir; return file_get_contents("$dir/$name"); }
$sjis = load('SJIS');
$eucjp = load('EUC-JP');
foreach (array_slice($argv, 2) as $charset) {
    $text = load($charset);
    show("$charset to UTF-8", @iconv($charset, 'UTF-8', $text));
    show("$charset to UTF-8//IGNORE", @iconv($charset, 'UTF-8//IGNORE', $text));
    show("$charset iconv_strlen", @iconv_strlen($text, $charset));
    show("$charset iconv_substr", @iconv_substr($text, 3, 17, $charset));
}
show('SJIS iconv_strpos', @iconv_strpos($sjis, @iconv('UTF-8', 'SJIS', '猫'), 0, 'SJIS'));
show('SJIS iconv_strrpos', @iconv_strrpos($sjis, @iconv('UTF-8', 'SJIS', 'の'), 'SJIS'));
$bad = substr($eucjp, 0, 40) . "\xff\xfe" . substr($eucjp, 40, 40);
show('EUC-JP invalid', @iconv('EUC-JP', 'UTF-8', $bad));
show('EUC-JP invalid //IGNORE', @iconv('EUC-JP', 'UTF-8//IGNORE', $bad));
show('EUC-JP invalid //TRANSLIT', @iconv('EUC-JP', 'UTF-8//TRANSLIT', $bad));
show('EUC-JP invalid iconv_strlen', @iconv_strlen($bad, 'EUC-JP'));
show('SJIS truncated', @iconv('SJIS', 'UTF-8', substr($sjis, 0, -1) . "\x93"));
show('SJIS truncated //IGNORE', @iconv('SJIS', 'UTF-8//IGNORE', "abc\x93"));
show('SJIS lone trail byte', @iconv('SJIS', 'UTF-8', "a\x93\x20b"));
show('unknown charset', @iconv('NO-SUCH-CHARSET', 'UTF-8', 'x'));
show('empty', @iconv('SJIS', 'UTF-8', ''));
$big = str_repeat($sjis, 300);
show('large SJIS md5', md5(@iconv('SJIS', 'UTF-8', $big)));
show('large SJIS iconv_strlen', @iconv_strlen($big, 'SJIS'));
// The other direction, which the library forwards.
$utf8 = load('UTF-8');
show('UTF-8 to ISO-8859-1//TRANSLIT', @iconv('UTF-8', 'ISO-8859-1//TRANSLIT', "caf\u{e9} \u{20ac} \u{201c}q\u{201d} \u{2026}"));
show('UTF-8 to SJIS', @iconv('UTF-8', 'SJIS', $utf8));
show('UTF-8 to SJIS//IGNORE', @iconv('UTF-8', 'SJIS//IGNORE', $utf8));
show('UTF-8 to EUC-JP', @iconv('UTF-8', 'EUC-JP', "日本語"));
show('SJIS to EUC-JP', @iconv('SJIS', 'EUC-JP', $sjis));
show('mime decode', @iconv_mime_decode('=?Shift_JIS?B?' . base64_encode(iconv('UTF-8', 'SJIS', '日本語の件名')) . '?=', 0, 'UTF-8'));
show('mime encode', @iconv_mime_encode('Subject', "日本語の件名", ['scheme' => 'B', 'input-charset' => 'UTF-8', 'output-charset' => 'ISO-2022-JP']));
// Stream filters.
$stream = fopen('php://memory', 'w+');
fwrite($stream, $sjis);
rewind($stream);
stream_filter_append($stream, 'convert.iconv.SJIS/UTF-8');
show('filter SJIS/UTF-8', stream_get_contents($stream));
show('filter resource EUC-KR', @file_get_contents("php://filter/read=convert.iconv.EUC-KR%2FUTF-8/resource=$dir/EUC-KR"));
show('filter resource GB18030', @file_get_contents("php://filter/read=convert.iconv.GB18030.UTF-8/resource=$dir/GB18030"));
$stream = fopen('php://memory', 'w+');
fwrite($stream, $bad);
rewind($stream);
stream_filter_append($stream, 'convert.iconv.EUC-JP/UTF-8');
show('filter invalid EUC-JP', @stream_get_contents($stream));
"#;

const PHP_ICONV_CHARSETS: &[&str] = &[
    "SJIS",
    "SHIFT_JIS",
    "CP932",
    "EUC-JP",
    "GB18030",
    "BIG5",
    "EUC-KR",
    "ISO-8859-1",
    "ISO-8859-2",
    "CP1251",
    "CP1252",
    "KOI8-R",
    "UTF-16LE",
    "UTF-8",
];

#[test]
fn php_iconv_functions_and_stream_filters() {
    let Some(php) = installed("php", "php-cli") else {
        return;
    };
    let place = Place::new("php-iconv");
    let text = sample_text();
    for charset in PHP_ICONV_CHARSETS {
        place.write(charset, &encode(&text, charset));
    }
    let mut cases = vec![Case::new(
        "iconv functions and filters",
        vec![
            "-r".into(),
            PHP_ICONV_SCRIPT.into(),
            place.dir.clone().into_os_string(),
        ]
        .into_iter()
        .chain(PHP_ICONV_CHARSETS.iter().map(OsString::from))
        .collect(),
    )];
    cases.push(
        Case::new(
            "iconv() on standard input",
            os(&[
                "-r",
                "echo bin2hex(iconv('SJIS', 'UTF-8', stream_get_contents(STDIN))), \"\\n\";",
            ]),
        )
        .stdin(&encode(&text, "SJIS")),
    );
    let runs = compare_all(&place, &php, &cases);
    let sjis_hex = hex(&decode(&encode(&text, "SJIS"), "SJIS"));
    let expected = format!("SJIS to UTF-8: string({}) \"{sjis_hex}\"", sjis_hex.len());
    assert_output(&cases[0].label, &runs[0], expected.as_bytes());
    assert_output(&cases[1].label, &runs[1], sjis_hex.as_bytes());

    // PHP loads its extensions with RTLD_DEEPBIND, which binds ext/iconv's calls to glibc
    // ahead of a preloaded library: say so, as then the comparison only shows that preloading
    // does no harm.
    let bindings = place.iconv_bindings(&php, &cases[0].args);
    let ours = library().to_string_lossy().into_owned();
    let extension: Vec<_> = bindings
        .iter()
        .filter(|(from, _, symbol)| from.ends_with("/iconv.so") && symbol == "iconv_open")
        .collect();
    if !extension.is_empty() && extension.iter().all(|(_, to, _)| *to != ours) {
        note(&format!(
            "note: php's iconv extension binds iconv_open to {} even with the library \
             preloaded (extensions are loaded with RTLD_DEEPBIND): its functions are compared \
             but not served by the library",
            extension[0].1
        ));
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The PHP script of the XML test: DOMDocument, SimpleXML and XMLReader on each document
/// named on the command line.
const PHP_XML_SCRIPT: &str = r#"
libxml_use_internal_errors(true);
function errors() {
    foreach (libxml_get_errors() as $e) {
        printf("  error %d at %d:%d: %s", $e->code, $e->line, $e->column, $e->message);
    }
    libxml_clear_errors();
}
foreach (array_slice($argv, 1) as $file) {
    echo "== $file\n";
    $d = new DOMDocument();
    var_dump($d->load($file));
    errors();
    if ($d->documentElement !== null) {
        var_dump($d->encoding);
        $d->encoding = 'UTF-8';
        echo $d->saveXML();
    }
    $x = simplexml_load_file($file);
    errors();
    if ($x !== false) {
        var_dump(count($x->p), md5((string) $x->p[count($x->p) - 1]));
    }
    $r = new XMLReader();
    $r->open($file);
    $texts = 0;
    $length = 0;
    while (@$r->read()) {
        if ($r->nodeType === XMLReader::TEXT) {
            $texts++;
            $length += strlen($r->value);
        }
    }
    errors();
    var_dump($texts, $length);
}
"#;

#[test]
fn php_parses_documents_in_cjk_and_single_byte_charsets() {
    let Some(php) = installed("php", "php-cli") else {
        return;
    };
    let place = Place::new("php-xml");
    let has_dom = place.run(
        &php,
        &os(&[
            "-r",
            "echo class_exists('DOMDocument') && class_exists('XMLReader') ? 'yes' : 'no';",
        ]),
        b"",
        false,
    );
    if has_dom.stdout != b"yes" {
        assert!(
            std::env::var_os("CU8_REQUIRE_PROGRAMS").is_none_or(|v| v != "1"),
            "php's DOM and XMLReader are not installed (Debian package php-xml) and \
             CU8_REQUIRE_PROGRAMS=1"
        );
        note("skipped: php's DOM and XMLReader are not installed (Debian package php-xml)");
        return;
    }
    let mut args: Vec<OsString> = vec!["-r".into(), PHP_XML_SCRIPT.into()];
    let mut bodies = Vec::new();
    for &(declared, charset, _) in DOCUMENT_CHARSETS {
        let doc = document(declared, charset, 30);
        args.push(place.write(&format!("{declared}.xml"), &doc.bytes).into());
        if let Some(bad) = invalid_byte(charset) {
            let spoilt = spoil(&doc.bytes, 0.5, bad);
            args.push(
                place
                    .write(&format!("{declared}-invalid.xml"), &spoilt)
                    .into(),
            );
        }
        bodies.push((declared, doc.body_utf8));
    }
    let cases = [Case::new("DOMDocument, SimpleXML, XMLReader", args)];
    let runs = compare_all(&place, &php, &cases);
    for (declared, body) in bodies {
        assert_output(&format!("php {declared}"), &runs[0], &body);
    }
    place.assert_served(&php, &cases[0].args, "libxml2.so.2", "iconv_open");
}

/// Commit messages and author names of the git test: (charset for git and glibc, author).
const COMMIT_CHARSETS: &[(&str, &str)] = &[
    ("SJIS", "山田 太郎"),
    ("Shift_JIS", "鈴木 花子"),
    ("EUC-JP", "佐藤 一郎"),
    ("ISO-8859-1", "Jürgen Müller"),
    ("CP1252", "François Lœuvre"),
    ("GB18030", "张伟"),
    ("BIG5", "陳美玲"),
    ("EUC-KR", "김민준"),
    ("KOI8-R", "Пётр Иванов"),
    ("ISO-8859-2", "Łukasz Żółć"),
];

/// Fails unless `run` wrote every line of `text` as git keeps a commit message: without
/// trailing blanks, and runs of blank lines as one.
fn assert_message_lines(label: &str, run: &Run, text: &[u8]) {
    for line in text.split(|&b| b == b'\n') {
        assert_output(label, run, line.trim_ascii_end());
    }
}

#[test]
fn git_reencodes_commit_messages() {
    let Some(git) = installed("git", "git") else {
        return;
    };
    let place = Place::new("git")
        .with("GIT_CONFIG_NOSYSTEM", "1")
        .with("GIT_AUTHOR_EMAIL", "author@example.com")
        .with("GIT_COMMITTER_NAME", "Committer")
        .with("GIT_COMMITTER_EMAIL", "committer@example.com")
        .with("GIT_AUTHOR_DATE", "2020-01-01T00:00:00Z")
        .with("GIT_COMMITTER_DATE", "2020-01-01T00:00:00Z");
    let repo = place.path("repo");
    let _ = std::fs::remove_dir_all(&repo);
    let setup = |args: Vec<OsString>, env: &[(&str, &OsStr)]| {
        let mut command = place.command(&git, &args, false);
        command.current_dir(&repo).envs(env.iter().copied());
        let output = command.output().expect("run git");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    std::fs::create_dir_all(&repo).unwrap();
    setup(os(&["init", "-q", "-b", "main"]), &[]);
    setup(os(&["config", "user.name", "Tester"]), &[]);
    setup(os(&["config", "user.email", "tester@example.com"]), &[]);

    let text = sample_text();
    let mut expected = Vec::new();
    let commit = |charset: &str, author: &[u8], message: &[u8], n: usize| {
        std::fs::write(repo.join("file.txt"), format!("{n}\n")).unwrap();
        setup(os(&["add", "file.txt"]), &[]);
        let message_file = place.write(&format!("message-{n}"), message);
        let mut args = os(&[
            "-c",
            &format!("i18n.commitEncoding={charset}"),
            "commit",
            "-q",
            "-F",
        ]);
        args.push(message_file.into());
        let author = OsString::from_vec(author.to_vec());
        setup(args, &[("GIT_AUTHOR_NAME", &author)]);
    };
    let mut n = 0;
    for &(charset, author) in COMMIT_CHARSETS {
        let line = text.lines().nth(n % 3 + 26).unwrap();
        let subject = encode(&format!("{charset}: {author}, {line}"), charset);
        let body = encode(&text, charset);
        let mut message = subject.clone();
        message.extend_from_slice(b"\n\n");
        message.extend_from_slice(&body);
        commit(charset, &encode(author, charset), &message, n);
        expected.push((
            charset,
            decode(&subject, charset),
            decode(&body, charset),
            author,
        ));
        n += 1;
    }
    // Bytes glibc refuses (git then shows the message as stored), a message cut in a
    // character, and a long one.
    let mut invalid = encode("SJIS 不正なバイト\n\n", "SJIS");
    invalid.extend_from_slice(&encode(&text, "SJIS")[..200]);
    invalid.extend_from_slice(b"\xff\xfe\x80 end\n");
    commit("SJIS", &encode("不正 太郎", "SJIS"), &invalid, n);
    let mut cut = encode("EUC-JP 途中で切れた", "EUC-JP");
    cut.pop();
    cut.push(b'\n');
    commit("EUC-JP", b"Cut", &cut, n + 1);
    let long = encode(&text.repeat(60), "EUC-JP");
    let mut message = b"EUC-JP long\n\n".to_vec();
    message.extend_from_slice(&long);
    commit("EUC-JP", b"Long", &message, n + 2);

    let in_repo = |args: &[&str]| {
        let mut all = os(&["-C"]);
        all.push(repo.clone().into());
        all.extend(os(args));
        all
    };
    let cases = vec![
        Case::new(
            "log --encoding=UTF-8 --format=%B",
            in_repo(&["log", "--encoding=UTF-8", "--format=%B"]),
        ),
        Case::new(
            "log with i18n.logOutputEncoding=UTF-8",
            in_repo(&["-c", "i18n.logOutputEncoding=UTF-8", "log"]),
        ),
        Case::new("log", in_repo(&["log"])),
        Case::new(
            "log --encoding=utf8 %an %s",
            in_repo(&["log", "--encoding=utf8", "--format=%an <%ae> %s"]),
        ),
        Case::new(
            "show HEAD~5",
            in_repo(&["show", "--encoding=UTF-8", "HEAD~5"]),
        ),
        Case::new("shortlog", in_repo(&["shortlog", "-s", "-n", "-e", "HEAD"])),
        Case::new(
            "format-patch",
            in_repo(&["format-patch", "--stdout", "--root", "HEAD"]),
        ),
        Case::new(
            "log --grep",
            in_repo(&["log", "--encoding=UTF-8", "--format=%h %s", "--grep=吾輩"]),
        ),
        // To other charsets: conversions the library forwards.
        Case::new(
            "log --encoding=EUC-JP",
            in_repo(&["log", "--encoding=EUC-JP", "--format=%an%n%B"]),
        ),
        Case::new(
            "log --encoding=ISO-8859-1",
            in_repo(&["log", "--encoding=ISO-8859-1", "--format=%an%n%B"]),
        ),
        Case::new(
            "log --encoding=UTF-16",
            in_repo(&["log", "--encoding=UTF-16", "--format=%s"]),
        ),
    ];
    let runs = compare_all(&place, &git, &cases);
    for (charset, subject, body, author) in &expected {
        let label = format!("git log {charset}");
        assert_output(&label, &runs[0], subject.trim_ascii_end());
        assert_message_lines(&label, &runs[0], body);
        assert_output(&label, &runs[3], author.as_bytes());
    }
    assert_message_lines("git log long", &runs[0], &decode(&long, "EUC-JP"));
    place.assert_served(&git, &cases[0].args, "/git", "iconv_open");
}

#[test]
fn glibc_iconv_program_is_passed_through() {
    let Some(iconv) = installed("iconv", "libc-bin") else {
        return;
    };
    let place = Place::new("iconv-program");
    let text = sample_text();
    let mut cases = Vec::new();
    let mut expectations = Vec::new();
    let utf8 = place.write("utf-8.txt", text.repeat(20).as_bytes());
    for charset in [
        "SJIS",
        "EUC-JP",
        "GB18030",
        "BIG5",
        "EUC-KR",
        "ISO-8859-1",
        "CP1252",
        "KOI8-R",
        "UTF-16",
    ] {
        let encoded = encode(&text.repeat(20), charset);
        let file = place.write(&format!("{charset}.txt"), &encoded);
        let label = |what: &str| format!("{charset} {what}");
        let from = |extra: &[&str], file: &Path| {
            let mut args = os(extra);
            args.extend(os(&["-f", charset, "-t", "UTF-8"]));
            args.push(file.into());
            args
        };
        expectations.push((cases.len(), decode(&encoded, charset)));
        cases.push(Case::new(label("to UTF-8"), from(&[], &file)));
        cases.push(
            Case::new(
                label("to UTF-8 from stdin"),
                os(&["-f", charset, "-t", "UTF-8"]),
            )
            .stdin(&encoded),
        );
        cases.push(Case::new(
            label("to UTF-8//IGNORE"),
            os_path(&["-f", charset, "-t", "UTF-8//IGNORE"], &file),
        ));
        cases.push(Case::new(
            label("from UTF-8"),
            os_path(&["-f", "UTF-8", "-t", charset], &utf8),
        ));
        cases.push(Case::new(
            label("from UTF-8 -c"),
            os_path(&["-c", "-f", "UTF-8", "-t", charset], &utf8),
        ));
        cases.push(Case::new(
            label("from UTF-8 //TRANSLIT"),
            os_path(
                &["-f", "UTF-8", "-t", &format!("{charset}//TRANSLIT")],
                &utf8,
            ),
        ));
        if let Some(bad) = invalid_byte(charset) {
            let spoilt = place.write(
                &format!("{charset}-invalid.txt"),
                &spoil(&encoded, 0.5, bad),
            );
            cases.push(Case::new(label("invalid"), from(&[], &spoilt)));
            cases.push(Case::new(label("invalid -c"), from(&["-c"], &spoilt)));
            cases.push(
                Case::new(label("invalid, stdin"), os(&["-f", charset, "-t", "UTF-8"]))
                    .stdin(&spoil(&encoded, 0.5, bad)),
            );
        }
        let mut truncated = encoded.clone();
        truncated.extend_from_slice(&encode("日本", charset));
        truncated.pop();
        let truncated = place.write(&format!("{charset}-truncated.txt"), &truncated);
        cases.push(Case::new(label("truncated"), from(&[], &truncated)));
        cases.push(Case::new(
            label("missing file"),
            from(&[], &place.path("no-such-file")),
        ));
        cases.push(Case::new(label("two files"), {
            let mut args = from(&[], &file);
            args.push(file.clone().into());
            args
        }));
        cases.push(Case::new(label("-o"), {
            let mut args = os(&["-o"]);
            args.push(place.path(&format!("{charset}-out")).into());
            args.extend(from(&[], &file));
            args
        }));
    }
    cases.push(Case::new(
        "unknown charset",
        os_path(&["-f", "NO-SUCH", "-t", "UTF-8"], &utf8),
    ));
    cases.push(Case::new("list", os(&["-l"])));
    let runs = compare_all(&place, &iconv, &cases);
    for (index, expected) in expectations {
        assert_output(&cases[index].label, &runs[index], &expected);
    }
    // It opens its handles through glibc's private __gconv_open: only its iconv calls, on
    // handles that are not the library's, reach the library.
    place.assert_served(&iconv, &cases[0].args, "/iconv", "iconv");
}

/// A PO file of translations in `charset`: the sample's lines as messages, the header
/// declaring the charset as gettext names it.
fn po_file(declared: &str, charset: &str, lines: &[&str]) -> Vec<u8> {
    let mut po = format!(
        "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset={declared}\\n\"\n\
         \"Content-Transfer-Encoding: 8bit\\n\"\n\n"
    );
    for (n, line) in lines.iter().enumerate() {
        let line = line.replace('\\', "\\\\").replace('"', "\\\"");
        po.push_str(&format!("msgid \"message {n}\"\nmsgstr \"{line}\"\n\n"));
    }
    encode(&po, charset)
}

/// gettext's `msgconv` converts translation catalogues between charsets through iconv (by way of
/// libunistring): catalogues in legacy charsets to UTF-8, valid and with an invalid byte, and
/// a UTF-8 catalogue back into them (forwarded).
#[test]
fn msgconv_converts_translation_catalogues() {
    let Some(msgconv) = installed("msgconv", "gettext") else {
        return;
    };
    let place = Place::new("msgconv");
    let text = sample_text();
    let mut cases = Vec::new();
    let mut checks = Vec::new();
    for (declared, charset) in [
        ("EUC-JP", "EUC-JP"),
        ("EUC-KR", "EUC-KR"),
        ("GB18030", "GB18030"),
        ("BIG5", "BIG5"),
        ("KOI8-R", "KOI8-R"),
        ("ISO-8859-2", "ISO-8859-2"),
        ("CP1251", "CP1251"),
    ] {
        // The lines the charset holds whole, so that the catalogue says what they say.
        let lines: Vec<&str> = text
            .lines()
            .filter(|line| decode(&encode(line, charset), charset) == line.as_bytes())
            .filter(|line| !line.is_ascii())
            .collect();
        assert!(!lines.is_empty(), "no line of the sample is all {charset}");
        let po = place.write(
            &format!("{declared}.po"),
            &po_file(declared, charset, &lines),
        );
        cases.push(Case::new(
            format!("{declared} to UTF-8"),
            os_path(&["--no-wrap", "-t", "UTF-8"], &po),
        ));
        checks.push((declared, lines[0].to_owned()));
        if let Some(bad) = invalid_byte(charset) {
            let mut spoilt = std::fs::read(&po).unwrap();
            let at = spoilt.len() - 2;
            spoilt.insert(at, bad);
            let spoilt = place.write(&format!("{declared}-invalid.po"), &spoilt);
            cases.push(Case::new(
                format!("{declared} with an invalid byte"),
                os_path(&["--no-wrap", "-t", "UTF-8"], &spoilt),
            ));
        }
        let utf8 = place.write(
            &format!("{declared}-utf8.po"),
            &po_file("UTF-8", "UTF-8", &lines),
        );
        cases.push(Case::new(
            format!("UTF-8 to {declared} (forwarded)"),
            os_path(&["--no-wrap", "-t", declared], &utf8),
        ));
    }
    let runs = compare_all(&place, &msgconv, &cases);
    for (declared, line) in checks {
        let (case, run) = cases
            .iter()
            .zip(&runs)
            .find(|(case, _)| case.label == format!("{declared} to UTF-8"))
            .unwrap();
        assert_output(&case.label, run, line.as_bytes());
    }
    let euc_jp = place.path("EUC-JP.po");
    place.assert_served(
        &msgconv,
        &os_path(&["-t", "UTF-8"], &euc_jp),
        "libunistring.so.2",
        "iconv",
    );
}

/// Perl's Text::Iconv (Debian package libtext-iconv-perl) is a thin binding of iconv(3):
/// conversions to UTF-8 from CJK and single-byte charsets, `//IGNORE`, invalid and truncated
/// input (undef and the module's own error), and the other direction (forwarded).
#[test]
fn perl_text_iconv_converts() {
    let Some(perl) = installed("perl", "perl") else {
        return;
    };
    let place = Place::new("perl");
    let has_module = place
        .command(&perl, &os(&["-MText::Iconv", "-e", "1"]), false)
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_module {
        assert!(
            std::env::var_os("CU8_REQUIRE_PROGRAMS").is_none_or(|v| v != "1"),
            "Text::Iconv is not installed (Debian package libtext-iconv-perl) and \
             CU8_REQUIRE_PROGRAMS=1"
        );
        note("skipped: Text::Iconv is not installed (Debian package libtext-iconv-perl)");
        return;
    }
    let text = sample_text();
    let script = r#"
        use Text::Iconv;
        Text::Iconv->raise_error(0);
        my ($from, $to, $file) = @ARGV;
        open(my $in, '<:raw', $file) or die;
        local $/; my $bytes = <$in>;
        my $c = Text::Iconv->new($from, $to) or die "no converter $from -> $to";
        my $out = $c->convert($bytes);
        print defined $out ? unpack('H*', $out) : 'undef', ' ', $c->retval // 'undef', "\n";
        for my $cut (1, 2, 3) {
            my $part = $c->convert(substr($bytes, 0, length($bytes) - $cut));
            print defined $part ? length($part) : 'undef', "\n";
        }
    "#;
    let mut cases = Vec::new();
    let mut checks = Vec::new();
    for charset in [
        "SJIS", "EUC-JP", "GB18030", "BIG5", "EUC-KR", "CP1252", "KOI8-R", "UTF-16",
    ] {
        let bytes = encode(&text, charset);
        let file = place.write(&format!("text.{charset}"), &bytes);
        let args = |to: &str| {
            let mut args = os(&["-e", script, charset, to]);
            args.push(file.clone().into());
            args
        };
        cases.push(Case::new(format!("{charset} to UTF-8"), args("UTF-8")));
        cases.push(Case::new(
            format!("{charset} to UTF-8//IGNORE"),
            args("UTF-8//IGNORE"),
        ));
        checks.push((cases.len() - 2, decode(&bytes, charset)));
        if let Some(bad) = invalid_byte(charset) {
            let mut spoilt = bytes.clone();
            spoilt.insert(spoilt.len() / 2, bad);
            let file = place.write(&format!("invalid.{charset}"), &spoilt);
            for to in ["UTF-8", "UTF-8//IGNORE"] {
                let mut args = os(&["-e", script, charset, to]);
                args.push(file.clone().into());
                cases.push(Case::new(
                    format!("{charset} with an invalid byte to {to}"),
                    args,
                ));
            }
        }
    }
    let utf8 = place.write("text.UTF-8", text.as_bytes());
    for to in ["SJIS//TRANSLIT", "ISO-8859-1//TRANSLIT", "EUC-KR//IGNORE"] {
        let mut args = os(&["-e", script, "UTF-8", to]);
        args.push(utf8.clone().into());
        cases.push(Case::new(format!("UTF-8 to {to} (forwarded)"), args));
    }
    let runs = compare_all(&place, &perl, &cases);
    for (index, expected) in checks {
        let hex: String = expected.iter().map(|b| format!("{b:02x}")).collect();
        assert_output(&cases[index].label, &runs[index], hex.as_bytes());
    }
    place.assert_served(&perl, &cases[0].args, "Iconv.so", "iconv");
}
