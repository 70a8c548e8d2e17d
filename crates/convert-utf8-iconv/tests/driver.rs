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
use std::sync::Mutex;

use common::{GLIBC_FAULTY_WHEN_DAMAGED, Run, both, driver, encoded_by_glibc, scratch_dir};
use convert_utf8::{Charset, Family};

/// The name glibc's iconv_open takes for `charset` (the engine's name for glibc's internal
/// form is one glibc keeps to itself).
fn glibc_name(charset: Charset) -> &'static str {
    match charset.name() {
        "INTERNAL" => "WCHAR_T",
        name => name,
    }
}

fn sample_text_str() -> String {
    String::from_utf8(sample_text()).expect("the samples are UTF-8")
}

fn sample_text() -> Vec<u8> {
    let data = common::crate_dir().join("../convert-utf8/tests/data");
    let mut text = std::fs::read(data.join("multilingual.txt")).unwrap();
    text.extend(std::fs::read(data.join("cjk.txt")).unwrap());
    text
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
    let valid = encoded_by_glibc(text, name);
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
    let checked = std::sync::atomic::AtomicUsize::new(0);
    let differences = in_parallel(&charsets, |&charset| {
        let Some(inputs) = inputs(charset, &text, test) else {
            return Vec::new();
        };
        checked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        check(charset, &inputs)
    });
    let checked = checked.into_inner();
    assert!(
        checked >= 270,
        "only {checked} charsets could be encoded by glibc"
    );
    assert_same_as_glibc(&differences);
}

/// Fails with the first differences found, if any.
fn assert_same_as_glibc(differences: &[String]) {
    assert!(
        differences.is_empty(),
        "{} differences from glibc, the first ones:\n{}",
        differences.len(),
        differences[..differences.len().min(12)].join("\n")
    );
}

/// `work` over `items` on three threads; every difference it found.
fn in_parallel<T: Sync>(items: &[T], work: impl Fn(&T) -> Vec<String> + Sync) -> Vec<String> {
    let differences = Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                while let Some(item) =
                    items.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    let found = work(item);
                    differences.lock().unwrap().extend(found);
                }
            });
        }
    });
    differences.into_inner().unwrap()
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
        let unit = encoded_by_glibc(&text, name);
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

/// Charsets that keep state between characters (shift sequences, held characters, a byte
/// order) or write several code points for one code, and a few stateless ones, their bytes
/// damaged throughout, through outputs of 3 to 12, 17 and 33 bytes, with `//IGNORE` and
/// without. Where one step of the
/// engine writes more than the output has left (JIS X 0213's か゚, IBM1390's kana with a
/// semi-voiced mark), glibc writes what fits and keeps the rest for the next call; the library
/// once stopped there, or wrote an ESC that began no escape sequence again on every call, and
/// looped on UTF-8's drops around the end of the output.
///
/// Left out, for glibc's own faults on these inputs: TSCII, whose output glibc garbles when it
/// splits a syllable of several code points (ஸ்ரீ comes out as ஸ்்்), and EUC-JISX0213 and
/// SHIFT_JISX0213, on which glibc loops for ever at 3 bytes. Below 3 bytes one difference is
/// known: an ISO-2022-JP-2 ESC written as a character, with the bad pair after it dropped,
/// leaves glibc's input one byte earlier when the output is full right after it.
#[test]
fn charsets_damaged_throughout_through_tiny_outputs() {
    let text = include_str!("data/stateful.txt");
    let charsets = [
        "ISO-2022-JP",
        "ISO-2022-JP-2",
        "ISO-2022-JP-3",
        "ISO-2022-KR",
        "ISO-2022-CN",
        "ISO-2022-CN-EXT",
        "UTF-7",
        "UTF-16",
        "UTF-32",
        "IBM930",
        "IBM933",
        "IBM935",
        "IBM937",
        "IBM939",
        "IBM1364",
        "IBM1390",
        "IBM1399",
        "CP1255",
        "CP1258",
        "TCVN",
        "ISO_6937",
        // And stateless ones, whose tail takes several bytes at a time.
        "UTF-8",
        "SHIFT_JIS",
        "EUC-JP",
        "GB18030",
        "BIG5",
        "EUC-KR",
    ];
    let test = "tiny-outputs";
    let differences = in_parallel(&charsets, |&name| {
        let clean = encoded_by_glibc(text.as_bytes(), name);
        assert!(!clean.is_empty(), "glibc encodes no sample in {name}");
        let mut found = Vec::new();
        for variant in 0..2u64 {
            let damaged = damage(&clean, name, variant);
            let file = scratch_dir(test).join(format!("{name}-{variant}"));
            std::fs::write(&file, &damaged).unwrap();
            for room in (3..=12).chain([17, 33]) {
                let room = room.to_string();
                for list in [vec!["-c", "-o", &room, name], vec!["-o", &room, name]] {
                    found.extend(compare(
                        &format!("{name} damaged ({variant})"),
                        &args(&list, &[&file]),
                    ));
                }
            }
        }
        found
    });
    assert_same_as_glibc(&differences);
}

/// Every charset, its text (the stateful sample and the start of the multilingual one) damaged
/// throughout, fed whole and in pieces of 1 to 13 bytes into outputs of 3 to 33 bytes, with
/// `//IGNORE` and without. Left out: TSCII, EUC-JISX0213 and SHIFT_JISX0213 for glibc's faults
/// (above), and UCS-4, UCS-4LE and WCHAR_T, whose glibc decoders write forms above U+10FFFF
/// that are not UTF-8 (or stop for want of room for them) where the library reports the
/// sequence as invalid.
#[test]
fn every_charset_damaged_through_small_outputs_and_pieces() {
    let test = "small-pieces";
    let mut text = include_str!("data/stateful.txt").to_owned();
    text.extend(sample_text_str().chars().take(3000));
    let charsets: Vec<Charset> = Charset::all()
        .filter(|charset| !GLIBC_FAULTY_WHEN_DAMAGED.contains(&charset.name()))
        .collect();
    for_each_encoded(&charsets, &text, |name, clean| {
        let damaged = damage(clean, name, 7);
        let file = scratch_dir(test).join(name.replace('/', "_"));
        std::fs::write(&file, &damaged).unwrap();
        let mut found = Vec::new();
        for (piece, room) in [
            ("", "3"),
            ("", "4"),
            ("", "7"),
            ("1", "5"),
            ("2", "9"),
            ("3", "16"),
            ("5", "6"),
            ("7", "33"),
            ("13", "4"),
        ] {
            for ignore in [true, false] {
                let mut list = Vec::new();
                if ignore {
                    list.push("-c");
                }
                if !piece.is_empty() {
                    list.extend(["-i", piece]);
                }
                list.extend(["-o", room, name]);
                found.extend(compare(&format!("{name} damaged"), &args(&list, &[&file])));
            }
        }
        found
    });
}

/// Every CJK multi-byte charset, its text valid and damaged, fed in pieces about as long as
/// the output buffer, with `//IGNORE` and without. Such calls are decoded whole off to the side
/// and copied when their output is likely to fit, and decoded into the buffer itself when it
/// does not fit after all.
#[test]
fn cjk_multibyte_charsets_in_pieces_about_as_long_as_the_output() {
    let test = "pieces-like-outputs";
    let text: String = sample_text_str().chars().take(6000).collect();
    let charsets: Vec<Charset> = Charset::all()
        .filter(|charset| charset.family() == Family::CjkMultibyte)
        .collect();
    for_each_encoded(&charsets, &text, |name, clean| {
        let mut found = Vec::new();
        for (label, bytes) in [
            ("valid", clean.to_vec()),
            ("damaged", damage(clean, name, 3)),
        ] {
            let file = scratch_dir(test).join(format!("{}-{label}", name.replace('/', "_")));
            std::fs::write(&file, &bytes).unwrap();
            for (piece, room) in [
                ("20", "24"),
                ("37", "41"),
                ("64", "80"),
                ("100", "100"),
                ("300", "256"),
                ("1000", "1024"),
            ] {
                for ignore in [true, false] {
                    let mut list = if ignore { vec!["-c"] } else { Vec::new() };
                    list.extend(["-i", piece, "-o", room, name]);
                    found.extend(compare(&format!("{name} {label}"), &args(&list, &[&file])));
                }
            }
        }
        found
    });
}

/// `check` over each of `charsets`, given its name for glibc and `text` as glibc encodes it
/// there, on three threads (a charset in which glibc encodes none of `text` is passed over);
/// fails with every difference found.
fn for_each_encoded(
    charsets: &[Charset],
    text: &str,
    check: impl Fn(&str, &[u8]) -> Vec<String> + Sync,
) {
    let differences = in_parallel(charsets, |&charset| {
        let name = glibc_name(charset);
        let clean = encoded_by_glibc(text.as_bytes(), name);
        if clean.is_empty() {
            return Vec::new();
        }
        check(name, &clean)
    });
    assert_same_as_glibc(&differences);
}

/// `clean` with about one byte in 60 replaced, chosen by a generator seeded from `name` and
/// `variant`: bytes that break ISO-2022 and EBCDIC shift sequences, UTF-7 and 8-bit bytes.
fn damage(clean: &[u8], name: &str, variant: u64) -> Vec<u8> {
    let mut state = name.bytes().fold(0x9E37_79B9_7F4A_7C15 ^ variant, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    });
    let mut next = move || {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut damaged = clean.to_vec();
    for _ in 0..damaged.len() / 60 {
        let at = (next() % damaged.len() as u64) as usize;
        let choices = [0xFF, 0x1B, 0x0E, 0x0F, 0x80, b'+', b'(', b'$', next() as u8];
        damaged[at] = choices[(next() % choices.len() as u64) as usize];
    }
    damaged
}
