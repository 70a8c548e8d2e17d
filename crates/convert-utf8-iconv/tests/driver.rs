//! The iconv(1)-like driver (`tests/c/iconv_driver.c`), which converts through
//! iconv_open/iconv/iconv_close, run on glibc and with the library preloaded: the same output,
//! messages and exit status for every charset, on valid text, invalid and truncated variants,
//! under `//IGNORE`, with the input split at every size and output buffers of every size from
//! one byte, and on huge inputs.
//!
//! The one deliberate difference: where glibc's output is not UTF-8 (its UTF-8, UCS-4 and
//! WCHAR_T decoders let values above U+10FFFF through), the library reports the sequence as
//! invalid. Such inputs are checked for that instead.

mod common;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use common::{Run, both, driver, scratch_dir};
use convert_utf8::Charset;

/// The name glibc's iconv_open takes for `charset` (the engine's name for glibc's internal
/// form is one glibc keeps to itself).
fn glibc_name(charset: Charset) -> &'static str {
    match charset.name() {
        "INTERNAL" => "WCHAR_T",
        name => name,
    }
}

fn sample_text() -> Vec<u8> {
    let data = common::crate_dir().join("../convert-utf8/tests/data");
    let mut text = std::fs::read(data.join("multilingual.txt")).unwrap();
    text.extend(std::fs::read(data.join("cjk.txt")).unwrap());
    text
}

/// `text` in `charset`, as glibc encodes it, dropping what it cannot encode.
fn encode(text: &[u8], name: &str, test: &str) -> Vec<u8> {
    let source = scratch_dir(test).join(format!("sample-{}.txt", name.replace('/', "_")));
    std::fs::write(&source, text).unwrap();
    let output = Command::new("iconv")
        .args(["-c", "-f", "UTF-8", "-t", name])
        .arg(&source)
        .output()
        .expect("run iconv");
    output.stdout
}

/// The inputs of one charset, written to files: valid text, a short start of it, and variants
/// with bytes that are invalid in most charsets and with the last byte cut off.
struct Inputs {
    valid: PathBuf,
    short: PathBuf,
    invalid: PathBuf,
    short_invalid: PathBuf,
    truncated: PathBuf,
}

fn inputs(charset: Charset, text: &[u8], test: &str) -> Option<Inputs> {
    let name = glibc_name(charset);
    let valid = encode(text, name, test);
    if valid.is_empty() {
        return None;
    }
    let dir = scratch_dir(test).join(name.replace('/', "_"));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |file: &str, bytes: &[u8]| {
        let path = dir.join(file);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let spoil = |bytes: &[u8]| {
        let mut spoilt = bytes.to_vec();
        for (at, bad) in [(spoilt.len() / 3, 0xFF), (2 * spoilt.len() / 3, 0x80)] {
            spoilt.insert(at, bad);
        }
        spoilt.push(0xFF);
        spoilt.extend_from_slice(&bytes[..bytes.len().min(8)]);
        spoilt
    };
    let short = &valid[..valid.len().min(96)];
    Some(Inputs {
        valid: write("valid", &valid),
        short: write("short", short),
        invalid: write("invalid", &spoil(&valid)),
        short_invalid: write("short-invalid", &spoil(short)),
        truncated: write("truncated", &valid[..valid.len() - 1]),
    })
}

fn args(list: &[&str], files: &[&Path]) -> Vec<OsString> {
    let mut args: Vec<OsString> = list.iter().map(OsString::from).collect();
    args.extend(files.iter().map(|f| f.as_os_str().to_owned()));
    args
}

/// Compares one run both ways; returns a description of the difference, if any.
fn compare(label: &str, args: &[OsString]) -> Option<String> {
    let args: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
    let (glibc, ours) = both(driver(), &args);
    (glibc != ours).then(|| describe(label, &args, &glibc, &ours))
}

fn describe(label: &str, args: &[&OsStr], glibc: &Run, ours: &Run) -> String {
    let first_difference = common::first_difference(&glibc.stdout, &ours.stdout);
    format!(
        "{label}: iconv_driver {args:?}\n  glibc: status {:?}, {} bytes out, stderr {:?}\n  \
         ours:  status {:?}, {} bytes out, stderr {:?}\n  output differs from byte {}: \
         glibc {:?} / ours {:?}",
        glibc.status,
        glibc.stdout.len(),
        glibc.stderr,
        ours.status,
        ours.stdout.len(),
        ours.stderr,
        first_difference,
        String::from_utf8_lossy(
            &glibc.stdout[first_difference..(first_difference + 60).min(glibc.stdout.len())]
        ),
        String::from_utf8_lossy(
            &ours.stdout[first_difference..(first_difference + 60).min(ours.stdout.len())]
        ),
    )
}

/// Runs `check` over every charset on two threads and fails with every difference found.
fn for_every_charset(test: &str, check: impl Fn(Charset, &Inputs) -> Vec<String> + Sync) {
    let text = sample_text();
    let charsets: Vec<Charset> = Charset::all().collect();
    let differences = Mutex::new(Vec::new());
    let next = Mutex::new(0usize);
    let mut checked = Mutex::new(0usize);
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                loop {
                    let i = {
                        let mut next = next.lock().unwrap();
                        *next += 1;
                        *next - 1
                    };
                    let Some(&charset) = charsets.get(i) else {
                        break;
                    };
                    let Some(inputs) = inputs(charset, &text, test) else {
                        continue;
                    };
                    let found = check(charset, &inputs);
                    *checked.lock().unwrap() += 1;
                    differences.lock().unwrap().extend(found);
                }
            });
        }
    });
    let differences = differences.into_inner().unwrap();
    let checked = *checked.get_mut().unwrap();
    assert!(
        checked >= 270,
        "only {checked} charsets could be encoded by glibc"
    );
    assert!(
        differences.is_empty(),
        "{} differences from glibc, the first ones:\n{}",
        differences.len(),
        differences
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn utf8_ok(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
}

/// One run both ways, allowing the documented difference: where glibc writes non-UTF-8, the
/// library must write UTF-8 and fail.
fn check_run(label: &str, list: &[&str], files: &[&Path]) -> Option<String> {
    let a = args(list, files);
    let a: Vec<&OsStr> = a.iter().map(OsString::as_os_str).collect();
    let (glibc, ours) = both(driver(), &a);
    if glibc == ours {
        return None;
    }
    if !utf8_ok(&glibc.stdout) && utf8_ok(&ours.stdout) && ours.status == Some(1) {
        return None;
    }
    Some(describe(label, &a, &glibc, &ours))
}

#[test]
fn every_charset_whole_files_valid_invalid_truncated_and_ignored() {
    for_every_charset("whole-files", |charset, inputs| {
        let name = glibc_name(charset);
        let mut found = Vec::new();
        let cases: [(&str, Vec<&str>, Vec<&Path>); 7] = [
            ("valid", vec![name], vec![&inputs.valid]),
            ("invalid", vec![name], vec![&inputs.invalid]),
            ("truncated", vec![name], vec![&inputs.truncated]),
            ("ignore", vec!["-c", name], vec![&inputs.invalid]),
            (
                "ignore truncated",
                vec!["-c", name],
                vec![&inputs.truncated],
            ),
            (
                "small buffers",
                vec!["-i", "7", "-o", "5", name],
                vec![&inputs.invalid],
            ),
            // Several files through one handle, reset between them.
            (
                "three files",
                vec!["-i", "64", name],
                vec![&inputs.short, &inputs.valid, &inputs.short],
            ),
        ];
        for (label, list, files) in cases {
            found.extend(check_run(&format!("{name} {label}"), &list, &files));
        }
        found
    });
}

#[test]
fn every_charset_at_every_split_and_output_size() {
    for_every_charset("sweeps", |charset, inputs| {
        let name = glibc_name(charset);
        let mut found = Vec::new();
        for (label, list, file) in [
            ("sweep", vec!["-s", "24", name], &inputs.short),
            (
                "sweep invalid",
                vec!["-s", "24", name],
                &inputs.short_invalid,
            ),
            (
                "sweep ignore",
                vec!["-c", "-s", "24", name],
                &inputs.short_invalid,
            ),
        ] {
            // Where glibc writes non-UTF-8 the sweep's digests cannot agree: the whole-file
            // runs check those inputs.
            let mut plain_list = list.clone();
            plain_list.drain(plain_list.len() - 3..plain_list.len() - 1);
            let plain = args(&plain_list, &[file]);
            let plain: Vec<&OsStr> = plain.iter().map(OsString::as_os_str).collect();
            if !utf8_ok(&common::run(driver(), &plain, false).stdout) {
                continue;
            }
            found.extend(compare(&format!("{name} {label}"), &args(&list, &[file])));
        }
        found
    });
}

/// Inputs of megabytes, whole and in chunks, with bad bytes early only (glibc forgets drops
/// made before its last round through its internal buffer under `//IGNORE`, so the status says
/// nothing was dropped) and all along (the last round drops too).
#[test]
fn huge_inputs_whole_and_chunked_with_drops_early_and_all_along() {
    let text = sample_text();
    let dir = scratch_dir("huge");
    let mut found = Vec::new();
    for name in [
        "SJIS",
        "UTF-8",
        "CP1252",
        "UTF-16",
        "ISO-2022-JP",
        "EUC-KR",
        "GB18030",
        "IBM930",
    ] {
        let unit = encode(&text, name, "huge");
        let mut valid = Vec::with_capacity(3 << 20);
        while valid.len() < 3 << 20 {
            valid.extend_from_slice(&unit);
        }
        let spoil = |every: usize, until: usize| {
            let mut spoilt = Vec::with_capacity(valid.len() + valid.len() / every + 1);
            for (i, piece) in valid.chunks(every).enumerate() {
                spoilt.extend_from_slice(piece);
                if i * every < until {
                    spoilt.push(0xFF);
                }
            }
            spoilt
        };
        let files = [
            ("valid", valid.clone()),
            ("early drops", spoil(997, 4000)),
            ("drops all along", spoil(20011, usize::MAX)),
        ];
        for (label, bytes) in files {
            let path = dir.join(format!("{name}-{}", label.replace(' ', "-")));
            std::fs::write(&path, &bytes).unwrap();
            for list in [
                vec![name],
                vec!["-c", name],
                vec!["-c", "-i", "65536", "-o", "65536", name],
                vec!["-c", "-i", "100003", "-o", "7001", name],
            ] {
                found.extend(check_run(&format!("{name} {label}"), &list, &[&path]));
            }
        }
    }
    // Drops right around the boundaries of glibc's rounds, in one call each.
    for (name, bad) in [("UTF-8", 0xFF), ("CP1252", 0x81), ("SJIS", 0xFF)] {
        for (total, bad_at) in [
            (8161, 2),
            (8162, 2),
            (16321, 8162),
            (16322, 8162),
            (8300, 8000),
        ] {
            let mut bytes = vec![b'a'; total];
            bytes[bad_at] = bad;
            let path = dir.join(format!("{name}-round-{total}-{bad_at}"));
            std::fs::write(&path, &bytes).unwrap();
            found.extend(check_run(
                &format!("{name} round {total}"),
                &["-c", name],
                &[&path],
            ));
        }
    }
    assert!(
        found.is_empty(),
        "{} differences from glibc:\n{}",
        found.len(),
        found.join("\n")
    );
}
