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
