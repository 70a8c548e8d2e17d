//! The iconv(3) contract, checked against glibc itself: `tests/c/iconv_contract.c` prints what
//! every call of its cases did (return value, errno, input and output moved, bytes written),
//! and its output must be the same on glibc and with the library preloaded. Then what glibc
//! does not define (null, invalid and closed handles: glibc crashes), checked on the library
//! alone, preloaded and linked.

mod common;

use std::ffi::OsStr;

use common::{both, compile, library, run};

#[test]
fn every_call_of_the_contract_cases_is_the_same_as_glibc() {
    let program = compile("iconv_contract", "iconv_contract", &[]);
    let (glibc, ours) = both(&program, &[]);
    assert_eq!(glibc.status, Some(0), "on glibc: {}", glibc.stderr);
    assert!(glibc.stdout.len() > 100_000, "the cases printed too little");
    if glibc != ours {
        let glibc_lines = String::from_utf8_lossy(&glibc.stdout);
        let ours_lines = String::from_utf8_lossy(&ours.stdout);
        let first = glibc_lines
            .lines()
            .zip(ours_lines.lines())
            .find(|(a, b)| a != b);
        panic!(
            "the contract cases differ from glibc (status {:?} vs {:?}, stderr {:?}); first \
             differing line:\n  glibc: {:?}\n  ours:  {:?}",
            glibc.status,
            ours.status,
            ours.stderr,
            first.map(|p| p.0),
            first.map(|p| p.1)
        );
    }
}

#[test]
fn misuse_is_an_error_not_a_crash_preloaded() {
    let program = compile("iconv_misuse", "iconv_misuse", &[]);
    let ours = run(&program, &[], true);
    assert_eq!(ours.status, Some(0), "{}", ours.stderr);
}

/// Linked explicitly (no preload): the library's definitions come before libc's.
fn linked(source: &str, name: &str, defines: &[&str]) -> std::path::PathBuf {
    let dir = library().parent().unwrap().to_str().unwrap().to_owned();
    let mut extra: Vec<String> = defines.iter().map(|d| d.to_string()).collect();
    extra.extend([
        format!("-L{dir}"),
        format!("-Wl,-rpath,{dir}"),
        "-lconvert_utf8_iconv".to_owned(),
    ]);
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    compile(source, name, &extra)
}

#[test]
fn misuse_is_an_error_not_a_crash_linked() {
    let program = linked("iconv_misuse", "iconv_misuse_linked", &[]);
    let ours = run(&program, &[], false);
    assert_eq!(ours.status, Some(0), "{}", ours.stderr);
}

/// A program built against GNU libiconv calls `libiconv_open`, `libiconv` and `libiconv_close`:
/// linked with the library alone, it converts to UTF-8 through the engine and the other way
/// through glibc, with the same results as the plain driver on glibc.
#[test]
fn gnu_libiconv_names_work_with_the_library_alone() {
    let with_names = linked(
        "iconv_driver",
        "iconv_driver_libiconv",
        &["-DLIBICONV_NAMES"],
    );
    let plain = common::driver();
    let dir = common::scratch_dir("libiconv-names");
    let sjis = dir.join("sjis.txt");
    std::fs::write(&sjis, b"\x93\xfa\x96\x7b\x8c\xea abc \x82\xa0\xff tail").unwrap();
    let utf8 = dir.join("utf8.txt");
    std::fs::write(&utf8, "日本語 café ½".as_bytes()).unwrap();
    let cases: [&[&str]; 5] = [
        &["SJIS"],
        &["-c", "SJIS"],
        &["-i", "3", "-o", "4", "SJIS"],
        &["-t", "SJIS", "UTF-8"],
        &["-t", "ISO-8859-1//TRANSLIT", "UTF-8"],
    ];
    for args in cases {
        let file = if args.contains(&"UTF-8") {
            &utf8
        } else {
            &sjis
        };
        let mut all: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        all.push(file.as_os_str());
        let expected = run(plain, &all, false);
        let got = run(&with_names, &all, false);
        assert_eq!(got, expected, "iconv_driver {args:?}");
    }
}

/// A small deterministic generator (a linear congruential one): the cases are the same on
/// every run.
struct Cases(u64);

impl Cases {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a [u8]]) -> &'a [u8] {
        items[self.below(items.len())]
    }

    /// `count` pairs, leads from `lead` on (common rows), trails anywhere in 21..=7E.
    fn pairs(&mut self, lead: u8, count: usize) -> Vec<u8> {
        (0..count)
            .flat_map(|_| [lead + self.below(0x20) as u8, 0x21 + self.below(0x5E) as u8])
            .collect()
    }

    fn ascii(&mut self) -> Vec<u8> {
        (0..1 + self.below(6))
            .map(|_| b"abc XYZ019~!"[self.below(12)])
            .collect()
    }

    /// One piece of ISO-2022 text in `charset`: its shifts and sets, and damage (unknown
    /// escapes, stray bytes, cut sequences).
    fn fragment(&mut self, charset: &str) -> Vec<u8> {
        let n = 1 + self.below(6);
        let mut text = Vec::new();
        match (charset, self.below(14)) {
            (_, 0) => text = self.ascii(),
            (_, 1) => text.push(0x80 + self.below(0x80) as u8),
            (_, 2) => text.push(self.pick(&[b"\n", b"\x0e", b"\x0f", b"\x1b", b"\x7f", b"\0"])[0]),
            (_, 3) => {
                text.push(0x21 + self.below(0x5E) as u8);
                text.push(0x21 + self.below(0x5E) as u8);
            }
            ("ISO-2022-KR", 4..=7) => {
                text.push(0x0E);
                text.extend(self.pairs(0x30, n));
                if self.below(2) == 0 {
                    text.push(0x0F);
                }
            }
            ("ISO-2022-KR", _) => text
                .extend_from_slice(self.pick(&[b"\x1b$)C", b"\x1b(B", b"\x1b$", b"\x1bx", b" "])),
            ("ISO-2022-CN", 4..=7) => {
                text.extend_from_slice(self.pick(&[b"\x1b$)A\x0e", b"\x1b$)G\x0e", b"\x0e"]));
                text.extend(self.pairs(0x30, n));
                if self.below(2) == 0 {
                    text.push(0x0F);
                }
            }
            ("ISO-2022-CN", _) => {
                text.extend_from_slice(self.pick(&[b"\x1b$*H\x1bN", b"\x1bN", b"\x1b$)", b"\x0f"]));
                text.extend(self.pairs(0x21, 1));
            }
            (_, 4..=7) => {
                let designations: &[&[u8]] = match charset {
                    "ISO-2022-JP-2" => &[b"\x1b$B", b"\x1b$A", b"\x1b$(C", b"\x1b$(D", b"\x1b$@"],
                    "ISO-2022-JP-3" => &[b"\x1b$B", b"\x1b$(Q", b"\x1b$(O", b"\x1b$(P"],
                    _ => &[b"\x1b$B", b"\x1b$@"],
                };
                text.extend_from_slice(self.pick(designations));
                text.extend(self.pairs(0x30, n));
                if charset == "ISO-2022-JP-3" && self.below(2) == 0 {
                    // Cells of two code points (か゚ and the like).
                    text.extend_from_slice(self.pick(&[b"\x24\x77", b"\x25\x77", b"\x2b\x44"]));
                }
            }
            (_, 8..=9) => {
                text.extend_from_slice(self.pick(&[b"\x1b(B", b"\x1b(J", b"\x1b(I"]));
                text.extend(self.ascii());
            }
            (_, _) => {
                // Escapes that begin no known sequence, and JP-2's single shift.
                text.extend_from_slice(self.pick(&[
                    b"\x1b(Z",
                    b"\x1b$Z",
                    b"\x1bx",
                    b"\x1b(",
                    b"\x1b$",
                    b"\x1b$(",
                    b"\x1b.A\x1bNi",
                    b"\x1bN",
                    b"\x1b.F\x1bN",
                ]));
                text.push(0x20 + self.below(0x60) as u8);
            }
        }
        text
    }
}

/// Random ISO-2022 text (its shifts and sets, unknown escapes, stray bytes, cut sequences)
/// converted the way a streaming program does, call by call, into outputs of 0 to 100 bytes,
/// fed whole and in pieces of 1 to 7 bytes: every call's return value, errno, input read and
/// output written are glibc's. Strict conversions only: under //IGNORE one difference is known
/// and documented (`docs/iconv-abi.md`, "One position"). ISO-2022-CN-EXT is left out for the
/// deliberate difference of its final SO without designation.
#[test]
fn iso2022_conversions_call_by_call_are_glibc_s() {
    let mut cases = Cases(2022);
    let mut lines = String::new();
    for _ in 0..8000 {
        let charset = [
            "ISO-2022-JP",
            "ISO-2022-JP-2",
            "ISO-2022-JP-3",
            "ISO-2022-KR",
            "ISO-2022-CN",
        ][cases.below(5)];
        let mut text = Vec::new();
        for _ in 0..1 + cases.below(8) {
            text.extend(cases.fragment(charset));
        }
        if cases.below(5) == 0 {
            text.truncate(cases.below(text.len() + 1));
        }
        let output = [
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 16, 17, 20, 25, 30, 40, 100,
        ][cases.below(20)];
        let piece = [0, 0, 0, 1, 2, 3, 5, 7][cases.below(8)];
        let hex: String = text.iter().map(|b| format!("{b:02x}")).collect();
        lines.push_str(&format!("{charset} {output} 0 {piece} {hex}\n"));
    }
    assert_calls_are_glibc_s("iso2022-calls", &lines, 8000);
}

/// Runs `tests/c/iconv_calls.c` over `cases` (`count` lines: see the program) on glibc and
/// preloaded, and fails with the first differing cases unless every call is the same.
fn assert_calls_are_glibc_s(name: &str, cases: &str, count: usize) {
    let file = common::scratch_dir(name).join("cases");
    std::fs::write(&file, cases).unwrap();
    let program = compile("iconv_calls", "iconv_calls", &[]);
    let (glibc, ours) = both(&program, &[file.as_os_str()]);
    assert_eq!(glibc.status, Some(0), "on glibc: {}", glibc.stderr);
    let glibc_lines = String::from_utf8_lossy(&glibc.stdout);
    let ours_lines = String::from_utf8_lossy(&ours.stdout);
    assert_eq!(glibc_lines.lines().count(), count, "a line a case");
    let differences: Vec<String> = glibc_lines
        .lines()
        .zip(ours_lines.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("  glibc: {a}\n  ours:  {b}"))
        .collect();
    assert!(
        differences.is_empty() && ours.status == Some(0),
        "{} of {count} cases differ from glibc (status {:?}), the first ones:\n{}",
        differences.len(),
        ours.status,
        differences[..differences.len().min(5)].join("\n")
    );
}

/// Stretches of the stateful sample and the start of the multilingual one in every charset,
/// one or two bytes of each damaged now and then, converted call by call as a streaming program
/// does (outputs of 0 to 100 bytes, whole and in pieces of 1 to 7 bytes), strict, under
/// //IGNORE, and strict with each bad byte skipped by the program and the conversion going on
/// (which reads on from the state the handle is left in after `EILSEQ`): every call's return
/// value, errno, input read and output written are glibc's. The
/// charsets that keep state (shifts, a byte order, held characters, cells of two code points)
/// get more stretches. Left out: the charsets on which glibc loops or writes what is not UTF-8
/// (as in the driver's tests), ISO-2022-CN-EXT for its deliberate difference, the ISO-2022
/// charsets under //IGNORE for the one documented ("One position" in `docs/iconv-abi.md`), and
/// charsets in which glibc encodes too little of the samples to cut stretches from.
#[test]
fn sample_stretches_call_by_call_are_glibc_s() {
    use convert_utf8::{Charset, Family};
    let multilingual = include_str!("../../convert-utf8/tests/data/multilingual.txt");
    let text = format!(
        "{}{}",
        include_str!("data/stateful.txt"),
        multilingual.chars().take(1500).collect::<String>()
    );
    let left_out =
        |name| common::GLIBC_FAULTY_WHEN_DAMAGED.contains(&name) || name == "ISO-2022-CN-EXT";
    let mut cases = Cases(1390);
    let (mut lines, mut count) = (String::new(), 0);
    for charset in Charset::all().filter(|charset| !left_out(charset.name())) {
        let sample = common::encoded_by_glibc(text.as_bytes(), charset.name());
        if sample.len() < 200 {
            continue;
        }
        let stretches = match charset.family() {
            Family::SingleByte => 12,
            _ => 120,
        };
        for _ in 0..stretches {
            let start = cases.below(sample.len() - 1);
            let end = (start + 1 + cases.below(160)).min(sample.len());
            let mut stretch = sample[start..end].to_vec();
            for _ in 0..[0, 0, 1, 2][cases.below(4)] {
                let at = cases.below(stretch.len());
                stretch[at] = cases.below(256) as u8;
            }
            let output = [
                0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 16, 17, 20, 25, 30, 40, 100,
            ][cases.below(20)];
            // 0 strict, 1 //IGNORE, 2 strict with each bad byte skipped by the program.
            let ignore = match charset.family() {
                Family::Iso2022 => 2 * cases.below(2),
                _ => cases.below(3),
            };
            let piece = [0, 0, 0, 1, 2, 3, 5, 7][cases.below(8)];
            let hex: String = stretch.iter().map(|b| format!("{b:02x}")).collect();
            lines.push_str(&format!(
                "{} {output} {ignore} {piece} {hex}\n",
                charset.name()
            ));
            count += 1;
        }
    }
    assert!(count > 5000, "only {count} cases");
    assert_calls_are_glibc_s("sample-calls", &lines, count);
}
