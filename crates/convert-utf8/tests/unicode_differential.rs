//! Differential tests of the Unicode forms against the system iconv (glibc), in-process.
//!
//! For each input, three things must match glibc: the output and the position where a strict
//! conversion stops (and whether it stops on an invalid or a truncated sequence), and the output
//! of an error-ignoring conversion (glibc's `//IGNORE`, which is what `iconv -c` does). The one
//! deliberate difference, values above U+10FFFF that glibc writes out as 4- to 6-byte "UTF-8",
//! is checked separately: there we must report an invalid sequence exactly where glibc decodes
//! such a value, covering exactly the bytes it decodes it from.

use convert_utf8::{Charset, DecodeError, DecodeStatus, Decoder, ErrorKind, ErrorPolicy, Family};
use iconv_oracle::{Iconv, Outcome};

/// Every Unicode form, by a name both glibc and convert-utf8 accept (glibc refuses the name
/// `INTERNAL` itself; `WCHAR_T` is its alias).
const FORMS: &[&str] = &[
    "UTF-8",
    "UTF-16",
    "UTF-16LE",
    "UTF-16BE",
    "UTF-32",
    "UTF-32LE",
    "UTF-32BE",
    "UCS-2",
    "UNICODEBIG",
    "UCS-4",
    "UCS-4LE",
    "UNICODE",
    "UTF-7",
    "UTF-7-IMAP",
    "WCHAR_T",
];

fn charset(name: &str) -> Charset {
    Charset::for_label(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Our strict conversion, continued after every error: the output (which is what the ignore
/// policy must produce) and every error in order.
fn ours_all_errors(name: &str, input: &[u8]) -> (Vec<u8>, Vec<DecodeError>) {
    let mut decoder = Decoder::new(charset(name), ErrorPolicy::Strict);
    let mut out = vec![0u8; decoder.max_utf8_len(input.len()).unwrap()];
    let (mut read, mut written, mut errors) = (0, 0, Vec::new());
    loop {
        let step = decoder.decode(&input[read..], &mut out[written..], true);
        read += step.read;
        written += step.written;
        match step.status {
            DecodeStatus::InputEmpty => break,
            DecodeStatus::OutputFull => panic!("{name}: max_utf8_len too small for {input:02X?}"),
            DecodeStatus::Error(e) => errors.push(e),
        }
    }
    out.truncate(written);
    (out, errors)
}

/// glibc's `//IGNORE` conversion of a whole input (a fresh descriptor each time, as byte-order
/// choices stick to a descriptor): the output, and the offset of a truncated tail if any.
fn glibc_ignore(name: &str, input: &[u8]) -> (Vec<u8>, Option<usize>) {
    let mut cd = Iconv::open_to(name, "UTF-8//IGNORE").expect("iconv knows the form");
    let mut output = Vec::new();
    let mut at = 0;
    loop {
        match cd.convert_into(&input[at..], &mut output, true) {
            Outcome::Complete => return (output, None),
            Outcome::Incomplete(p) => return (output, Some(at + p)),
            // glibc goes on after what it ignores and reports EILSEQ at the end (or where an
            // internal buffer filled): carry on from there.
            Outcome::Invalid(p) if at + p < input.len() && p > 0 => at += p,
            Outcome::Invalid(_) => return (output, None),
        }
    }
}

fn glibc_strict(name: &str, input: &[u8]) -> (Vec<u8>, Outcome) {
    let c = Iconv::open(name)
        .expect("iconv knows the form")
        .convert(input);
    (c.output, c.outcome)
}

/// Removes from glibc output the characters above U+10FFFF it writes as 4- to 6-byte forms
/// (the deliberate difference), returning the cleaned output and whether any were found.
fn without_out_of_range(glibc: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(glibc.len());
    let mut found = false;
    let mut i = 0;
    while i < glibc.len() {
        let lead = glibc[i];
        let len = match lead {
            0xF0..=0xF7 => 4,
            0xF8..=0xFB => 5,
            0xFC..=0xFD => 6,
            _ => 1,
        };
        let out_of_range = len > 4 || (lead == 0xF4 && glibc[i + 1] >= 0x90) || lead >= 0xF5;
        if out_of_range {
            found = true;
        } else {
            out.extend_from_slice(&glibc[i..i + len]);
        }
        i += len;
    }
    (out, found)
}

/// Checks one input of one form against glibc; panics with a readable report on a mismatch.
fn check(name: &str, input: &[u8]) {
    let (g_out, g_outcome) = glibc_strict(name, input);
    let (gi_out, gi_truncated) = glibc_ignore(name, input);
    let (o_all, o_errors) = ours_all_errors(name, input);
    let ctx = || format!("{name} input {input:02X?}");

    // Strict: our output up to the first error, and that error.
    let mut strict = Decoder::new(charset(name), ErrorPolicy::Strict);
    let mut o_out = Vec::new();
    let o_first = strict.decode_to_vec(input, &mut o_out).err();
    assert_eq!(o_first, o_errors.first().copied(), "{}", ctx());

    let (_, g_out_of_range) = without_out_of_range(&g_out);
    if g_out_of_range {
        // glibc decoded a value above U+10FFFF: we stop there with an invalid sequence whose
        // bytes glibc decodes, alone, to exactly one such value.
        let e = o_first
            .unwrap_or_else(|| panic!("{}: no error where glibc went above U+10FFFF", ctx()));
        assert_eq!(e.kind(), ErrorKind::Invalid, "{}", ctx());
        let prefix = usize::try_from(e.offset()).unwrap();
        let (g_prefix, g_prefix_outcome) = glibc_strict(name, &input[..prefix]);
        assert_eq!(g_prefix_outcome, Outcome::Complete, "{}", ctx());
        assert_eq!(o_out, g_prefix, "{}", ctx());
        let (g_unit, g_unit_outcome) = glibc_strict(name, e.bytes());
        assert_eq!(g_unit_outcome, Outcome::Complete, "{}", ctx());
        let (g_unit_clean, unit_out_of_range) = without_out_of_range(&g_unit);
        assert!(
            unit_out_of_range && g_unit_clean.is_empty(),
            "{}: unit {e:?}",
            ctx()
        );
        assert!(g_unit.len() >= 4, "{}", ctx());
    } else {
        assert_eq!(
            String::from_utf8_lossy(&o_out),
            String::from_utf8_lossy(&g_out),
            "{}: strict output",
            ctx()
        );
        match (g_outcome, o_first) {
            (Outcome::Complete, None) => {}
            (Outcome::Invalid(p), Some(e)) if e.kind() == ErrorKind::Invalid => {
                assert_eq!(e.offset(), p as u64, "{}: invalid position", ctx())
            }
            (Outcome::Incomplete(p), Some(e)) if e.kind() == ErrorKind::Truncated => {
                assert_eq!(e.offset(), p as u64, "{}: truncated position", ctx());
                assert_eq!(e.end(), input.len() as u64, "{}", ctx());
            }
            (g, o) => panic!("{}: glibc {g:?}, ours {o:?}", ctx()),
        }
    }

    // Ignore: glibc's //IGNORE output minus the values above U+10FFFF.
    let (gi_clean, _) = without_out_of_range(&gi_out);
    assert_eq!(
        String::from_utf8_lossy(&o_all),
        String::from_utf8_lossy(&gi_clean),
        "{}: ignore output",
        ctx()
    );
    let o_truncated = o_errors
        .last()
        .filter(|e| e.kind() == ErrorKind::Truncated)
        .map(|e| e.offset() as usize);
    assert_eq!(
        o_truncated,
        gi_truncated,
        "{}: truncated tail under ignore",
        ctx()
    );
    let mut ignore = Decoder::new(charset(name), ErrorPolicy::Ignore);
    let mut o_ignore = Vec::new();
    ignore.decode_to_vec(input, &mut o_ignore).unwrap();
    assert_eq!(o_ignore, o_all, "{}: ignore policy", ctx());
    assert_eq!(ignore.error_count(), o_errors.len() as u64, "{}", ctx());
}

/// Encodes text in a form with Rust's own encoders (no BOM), for the valid-text cases.
fn encode(name: &str, text: &str) -> Vec<u8> {
    let units16: Vec<u16> = text.encode_utf16().collect();
    let chars: Vec<u32> = text.chars().map(u32::from).collect();
    match name {
        "UTF-8" => text.as_bytes().to_vec(),
        "UTF-16" | "UTF-16LE" | "UCS-2" | "UNICODE" => {
            units16.iter().flat_map(|u| u.to_le_bytes()).collect()
        }
        "UTF-16BE" | "UNICODEBIG" => units16.iter().flat_map(|u| u.to_be_bytes()).collect(),
        "UTF-32" | "UTF-32LE" | "UCS-4LE" | "WCHAR_T" => {
            chars.iter().flat_map(|c| c.to_le_bytes()).collect()
        }
        "UTF-32BE" | "UCS-4" => chars.iter().flat_map(|c| c.to_be_bytes()).collect(),
        "UTF-7" | "UTF-7-IMAP" => encode_utf7(text, name == "UTF-7-IMAP"),
        _ => unreachable!("{name}"),
    }
}

/// A straightforward UTF-7 encoder: letters, digits and spaces direct, everything else in
/// base64 runs closed by `-`.
fn encode_utf7(text: &str, imap: bool) -> Vec<u8> {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut run: Vec<u16> = Vec::new();
    let flush = |run: &mut Vec<u16>, out: &mut Vec<u8>| {
        if run.is_empty() {
            return;
        }
        out.push(if imap { b'&' } else { b'+' });
        let bits: Vec<bool> = run
            .iter()
            .flat_map(|u| (0..16).rev().map(move |i| u >> i & 1 == 1))
            .collect();
        for chunk in bits.chunks(6) {
            let mut v = 0usize;
            for i in 0..6 {
                v = v << 1 | usize::from(chunk.get(i).copied().unwrap_or(false));
            }
            let c = B64[v];
            out.push(if imap && c == b'/' { b',' } else { c });
        }
        out.push(b'-');
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == ' ' || c == '.' {
            flush(&mut run, &mut out);
            out.push(c as u8);
        } else {
            let mut buf = [0u16; 2];
            run.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut run, &mut out);
    out
}

const TEXTS: &[&str] = &[
    "",
    "plain ASCII text.",
    "Grüße aus Köln, ça va? Ελληνικά, русский, עברית, العربية",
    "日本語のテキスト、中文文本，한국어 텍스트",
    "astral: 😀🎉𝄞𠀀 and \u{10FFFF} and \u{FEFF} mid-text BOM and \u{FFFE}",
    "controls \u{0}\u{1}\t\n\r and C1 \u{80}\u{9F} and private \u{E000}\u{F8FF}",
    "+&-~\\ signs that UTF-7 escapes: + & ~ \\ - !\"#$%*;<=>@[]^_`{|}",
];

#[test]
fn valid_text_in_every_form_matches_glibc() {
    for name in FORMS {
        for text in TEXTS {
            let bytes = encode(name, text);
            check(name, &bytes);
            // And the text really is what we decode it to (UCS-2 has no surrogate pairs).
            let ucs2 = matches!(*name, "UCS-2" | "UNICODEBIG" | "UNICODE");
            if ucs2 && text.chars().any(|c| c > '\u{FFFF}') {
                continue;
            }
            let ours = charset(name)
                .decode_to_string(&bytes, ErrorPolicy::Strict)
                .unwrap();
            assert_eq!(ours, *text, "{name}");
        }
    }
}

#[test]
fn byte_order_marks() {
    let le16 = b"\xFF\xFEA\x00\x3D\xD8\x00\xDE";
    let be16 = b"\xFE\xFF\x00A\xD8\x3D\xDE\x00";
    let le32 = b"\xFF\xFE\x00\x00A\x00\x00\x00";
    let be32 = b"\x00\x00\xFE\xFF\x00\x00\x00A";
    let cases: &[&[u8]] = &[
        le16,
        be16,
        le32,
        be32,
        b"\xFF\xFE",
        b"\xFE\xFF",
        b"\xFF\xFE\x00\x00",
        b"\x00\x00\xFE\xFF",
        b"\xFF",
        b"\xFE",
        b"\xFF\xFE\x00",
        b"\x00\x00\xFE",
        b"A\x00\xFF\xFEB\x00",
        b"\x00A\xFE\xFF\x00B",
        b"\xFF\xFE\xFF\xFEA\x00",
        b"\xFE\xFF\xFF\xFE\x00A",
        b"\xEF\xBB\xBFA",
        b"+/v8-A",
        b"&,,8-A",
    ];
    for name in FORMS {
        for input in cases {
            check(name, input);
        }
    }
}

#[test]
fn invalid_and_truncated_input() {
    let cases: &[(&str, &[&[u8]])] = &[
        (
            "UTF-8",
            &[
                b"ab\xFFcd",
                b"\x80\x80\x80\x80\x80\x80\x80A",
                b"\xC0\x80A\xC1\xBF",
                b"\xE0\x80\x80A\xE0\x80",
                b"\xED\xA0\x80A\xED\xBF\xBF",
                b"\xED\xA0",
                b"\xE2\x82A\xE2\x82\xE2\x82\xAC",
                b"\xF0\x9F\x98",
                b"\xF0\x9F\x98A",
                b"\xF4\x90\x80\x80A",
                b"\xF5\x80\x80\x80A",
                b"\xF7\xBF\xBF\xBF",
                b"\xF8\x88\x80\x80\x80A",
                b"\xFC\x84\x80\x80\x80\x80A",
                b"\xFD\xBF\xBF\xBF\xBF\xBF",
                b"\xF8\x80\x80\x80\x80",
                b"\xF8\x88\x80",
                b"\xFC\x84\x80\x80\x80",
                b"\xFE\x80\x80\x80\x80\x80\x80",
                b"\xC3",
                b"A\xC3",
            ],
        ),
        (
            "UTF-16LE",
            &[
                b"\x00\xD8",
                b"\x00\xD8A\x00",
                b"\x00\xDCA\x00",
                b"\x00\xD8\x00\xD8\x00\xDC",
                b"A\x00\x00\xD8\x00",
                b"A\x00\x00",
                b"\x00\xD8\x00\xDCA",
            ],
        ),
        (
            "UTF-16BE",
            &[b"\xD8\x00\x00A", b"\xDC\x00", b"\xD8\x00\xD8"],
        ),
        (
            "UTF-16",
            &[b"\xFE\xFF\xD8\x00\x00A", b"A", b"\xFF\xFE\x00\xDC"],
        ),
        ("UCS-2", &[b"\x00\xD8A\x00", b"A\x00\x00\xDC", b"A"]),
        ("UNICODEBIG", &[b"\xD8\x00\x00A", b"\x00"]),
        ("UNICODE", &[b"\xFE\xFF\xD8\x00\x00A", b"\xFF\xFE\x00\xD8"]),
        (
            "UTF-32LE",
            &[
                b"\x00\xD8\x00\x00A\x00\x00\x00",
                b"\x00\x00\x11\x00",
                b"A\x00\x00",
            ],
        ),
        ("UTF-32BE", &[b"\x00\x11\x00\x00", b"\x00\x00\xDC\x00"]),
        (
            "UTF-32",
            &[b"A\x00\x00\x00B", b"\x00\x00\xFE\xFF\x00\x11\x00\x00"],
        ),
        (
            "UCS-4",
            &[
                b"\x00\x11\x00\x00A",
                b"\x7F\xFF\xFF\xFF",
                b"\x80\x00\x00\x00\x00\x00\x00A",
                b"\x00\x00\xD8\x00\x00\x00\x00A",
                b"\x00\x00\x00",
            ],
        ),
        (
            "UCS-4LE",
            &[b"\x00\x00\x11\x00", b"\x00\x00\x00\x80A\x00\x00\x00"],
        ),
        (
            "WCHAR_T",
            &[b"\x00\x00\x11\x00", b"\x00\xD8\x00\x00", b"A\x00"],
        ),
        (
            "UTF-7",
            &[
                b"a+",
                b"+AGE-",
                b"+AGF-x",
                b"+AGF.x",
                b"+AG-",
                b"+A-",
                b"+AAA.",
                b"a~b\\c\x80d\x00e",
                b"+2D3eAA-",
                b"+2D0AQQ-",
                b"+3AA-",
                b"x+3ABBAEE-",
                b"x+AGEA3AA-",
                b"+2D3",
                b"+2D0-",
                b"+,",
                b"+A,",
            ],
        ),
        (
            "UTF-7-IMAP",
            &[
                b"a&",
                b"&-",
                b"&AGE.",
                b"&AGE/-x",
                b"a\tb\nc",
                b"a+b~c\\d",
                b"&AP,-",
                b"&3AA-",
            ],
        ),
    ];
    for (name, inputs) in cases {
        for input in *inputs {
            check(name, input);
        }
    }
}

/// The byte order a BOM chose sticks for later inputs, as glibc's iconv program does across
/// files (it resets the descriptor between files, which keeps the order).
#[test]
fn byte_order_sticks_across_inputs() {
    let files: &[&[&[u8]]] = &[
        &[b"\xFE\xFF\x00A", b"B\x00"],
        &[b"\xFE\xFF\x00A", b"\xFF\xFEC\x00"],
        &[b"\xFE\xFF\x00A", b"\xFF\xFEC\x00", b"B\x00"],
        &[b"\xFF\xFEC\x00", b"B\x00"],
        &[b"B\x00", b"\xFE\xFF\x00A", b"B\x00"],
        &[b"\x00\x00\xFE\xFF\x00\x00\x00A", b"\x00\x00\x00B"],
        &[b"\x00\x00\xFE\xFF\x00\x00\x00A", b"B\x00\x00\x00"],
        &[b"\xFF\xFE\x00\x00A\x00\x00\x00", b"B\x00\x00\x00"],
        &[b"\xFE\xFF", b"\x00A"],
    ];
    for name in ["UTF-16", "UTF-32", "UNICODE", "UTF-16LE", "UTF-32BE"] {
        for inputs in files {
            let mut cd = Iconv::open(name).unwrap();
            let mut decoder = Decoder::new(charset(name), ErrorPolicy::Strict);
            for (i, input) in inputs.iter().enumerate() {
                let g = cd.convert(input);
                if i > 0 {
                    decoder.begin_next_input();
                }
                let mut ours = Vec::new();
                let result = decoder.decode_to_vec(input, &mut ours);
                let ctx = format!("{name} file {i} of {inputs:02X?}");
                assert_eq!(ours, g.output, "{ctx}");
                match (g.outcome, result) {
                    (Outcome::Complete, Ok(())) => {}
                    (Outcome::Invalid(p), Err(e)) if e.kind() == ErrorKind::Invalid => {
                        assert_eq!(e.offset(), p as u64, "{ctx}");
                        break;
                    }
                    (Outcome::Incomplete(p), Err(e)) if e.kind() == ErrorKind::Truncated => {
                        assert_eq!(e.offset(), p as u64, "{ctx}");
                        break;
                    }
                    (g, o) => panic!("{ctx}: glibc {g:?}, ours {o:?}"),
                }
            }
            if !matches!(name, "UTF-16" | "UTF-32" | "UNICODE") {
                continue;
            }
            // `reset` forgets the order: a BOM-less input is little-endian again.
            decoder.reset();
            let mut ours = Vec::new();
            let le = if name == "UTF-32" {
                &b"B\x00\x00\x00"[..]
            } else {
                &b"B\x00"[..]
            };
            let _ = decoder.decode_to_vec(le, &mut ours);
            let fresh = Iconv::open(name).unwrap().convert(le);
            assert_eq!(ours, fresh.output, "{name} after reset");
        }
    }
}

/// The same through glibc's `iconv` program itself, with several files in one run.
#[test]
fn iconv_program_keeps_the_byte_order_between_files() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    std::fs::write(&a, b"\xFE\xFF\x00A").unwrap();
    std::fs::write(&b, b"B\x00").unwrap();
    let program = std::process::Command::new("iconv")
        .args(["-f", "UTF-16", "-t", "UTF-8"])
        .arg(&a)
        .arg(&b)
        .output()
        .expect("the system iconv program");
    let mut decoder = Decoder::new(charset("UTF-16"), ErrorPolicy::Strict);
    let mut ours = Vec::new();
    decoder.decode_to_vec(b"\xFE\xFF\x00A", &mut ours).unwrap();
    decoder.begin_next_input();
    decoder.decode_to_vec(b"B\x00", &mut ours).unwrap();
    assert_eq!(ours, program.stdout);
    assert_eq!(ours, "A\u{4200}".as_bytes());
}

/// A small deterministic generator (xorshift), so failures reproduce from the printed input.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// A random input biased towards the structure of the form: mostly well-formed pieces, with
/// bad units, BOMs and cut sequences mixed in.
fn random_input(name: &str, rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    let pieces = rng.below(12);
    for _ in 0..pieces {
        match name {
            "UTF-8" => utf8_piece(rng, &mut out),
            "UTF-7" | "UTF-7-IMAP" => utf7_piece(rng, &mut out, name == "UTF-7-IMAP"),
            _ => {
                let width =
                    if name.contains("16") || name.contains("UCS-2") || name.starts_with("UNICODE")
                    {
                        2
                    } else {
                        4
                    };
                let big = name.ends_with("BE") || name == "UNICODEBIG" || name == "UCS-4";
                unit_piece(rng, &mut out, width, big);
            }
        }
    }
    if rng.below(4) == 0 && !out.is_empty() {
        let cut = rng.below(out.len());
        out.truncate(out.len() - cut.min(3));
    }
    out
}

fn utf8_piece(rng: &mut Rng, out: &mut Vec<u8>) {
    match rng.below(10) {
        0..=2 => out.extend_from_slice(
            rng.pick(&["a", "é", "€", "😀", "日本", "\u{10FFFF}"])
                .as_bytes(),
        ),
        3 => out.push(rng.pick(&[
            0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xF7, 0xF8, 0xFB,
            0xFC, 0xFD, 0xFE, 0xFF,
        ])),
        4 => out.push(0x80 | rng.below(0x40) as u8),
        5 => {
            // A lead byte with a random number of continuation bytes.
            out.push(0xC0 | rng.below(0x40) as u8);
            for _ in 0..rng.below(6) {
                out.push(0x80 | rng.below(0x40) as u8);
            }
        }
        6 => out.extend_from_slice(rng.pick(&[
            &b"\xED\xA0\x80"[..],
            b"\xF4\x90\x80\x80",
            b"\xE0\x80\xAF",
            b"\xEF\xBB\xBF",
            b"\xF8\x88\x80\x80\x80",
            b"\xFC\x84\x80\x80\x80\x80",
        ])),
        _ => out.push(rng.below(256) as u8),
    }
}

fn unit_piece(rng: &mut Rng, out: &mut Vec<u8>, width: usize, big: bool) {
    let value: u32 = match rng.below(12) {
        0..=2 => rng.pick(&[0x41, 0x7F, 0xE9, 0x20AC, 0x65E5, 0xFEFF, 0xFFFE, 0xFFFF]),
        3 => 0xD800 + rng.below(0x400) as u32,
        4 => 0xDC00 + rng.below(0x400) as u32,
        5 => rng.below(0x10000) as u32,
        6 if width == 4 => rng.pick(&[
            0x10FFFF, 0x110000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x1F600,
        ]),
        6 => {
            // A surrogate pair.
            let c = 0x10000 + rng.below(0x100000) as u32;
            let hi = 0xD800 + ((c - 0x10000) >> 10);
            let lo = 0xDC00 + ((c - 0x10000) & 0x3FF);
            push_unit(out, hi, width, big);
            lo
        }
        7 => rng.next() as u32,
        8 => {
            // A BOM of either order.
            let bom = if rng.below(2) == 0 { 0xFEFF } else { 0xFFFE };
            push_unit(out, bom, width, false);
            return;
        }
        9 => {
            out.push(rng.below(256) as u8);
            return;
        }
        _ => rng.below(0x80) as u32,
    };
    push_unit(out, value, width, big);
}

fn push_unit(out: &mut Vec<u8>, value: u32, width: usize, big: bool) {
    match (width, big) {
        (2, false) => out.extend_from_slice(&(value as u16).to_le_bytes()),
        (2, true) => out.extend_from_slice(&(value as u16).to_be_bytes()),
        (_, false) => out.extend_from_slice(&value.to_le_bytes()),
        (_, true) => out.extend_from_slice(&value.to_be_bytes()),
    }
}

fn utf7_piece(rng: &mut Rng, out: &mut Vec<u8>, imap: bool) {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/,";
    match rng.below(8) {
        0 => out.extend_from_slice(b"abc"),
        1 => out.push(if imap { b'&' } else { b'+' }),
        2 => out.push(b'-'),
        3 => {
            // A base64 run of random length, often well-formed text.
            let text = rng.pick(&["é", "日本", "😀", "ü", "a€"]);
            out.extend_from_slice(&encode_utf7(text, imap));
            if rng.below(2) == 0 {
                out.pop();
            }
        }
        4 => {
            for _ in 0..rng.below(8) {
                out.push(rng.pick(B64));
            }
        }
        5 => out.push(rng.pick(b"~\\\t\n\r\x00\x7F\x80\xFF.&+")),
        6 => {
            // A lone low surrogate, a high one without its low one.
            let run = rng.pick(&[&b"3AA"[..], b"2D3", b"2D0AQQ", b"AGHcAA"]);
            out.push(if imap { b'&' } else { b'+' });
            out.extend_from_slice(run);
        }
        _ => out.push(rng.below(256) as u8),
    }
}

#[test]
fn randomized_inputs_match_glibc() {
    let cases: usize = std::env::var("CONVERT_UTF8_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    for (i, name) in FORMS.iter().enumerate() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
        for _ in 0..cases {
            let input = random_input(name, &mut rng);
            check(name, &input);
        }
    }
}

#[test]
fn every_form_resolves() {
    for name in FORMS {
        assert_eq!(charset(name).family(), Family::Unicode, "{name}");
    }
    for (label, canonical) in [
        ("UCS-2LE", "UCS-2"),
        ("UNICODELITTLE", "UCS-2"),
        ("UCS-2BE", "UNICODEBIG"),
        ("UCS-4BE", "UCS-4"),
        ("ISO-10646", "UCS-4"),
    ] {
        let ours = charset(label);
        assert_eq!(ours, charset(canonical), "{label}");
        check(label, b"\x00A\x00B");
    }
}

/// The in-process `//IGNORE` the other tests compare with is what the `iconv -c` program does:
/// checked on a sample of bad input for every form, through the program itself.
#[test]
fn ignore_matches_the_iconv_c_program() {
    let mut rng = Rng(0x5EED);
    for name in FORMS {
        for _ in 0..6 {
            let input = random_input(name, &mut rng);
            let program = std::process::Command::new("iconv")
                .args(["-c", "-f", name, "-t", "UTF-8"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .and_then(|mut child| {
                    use std::io::Write;
                    child.stdin.take().unwrap().write_all(&input)?;
                    child.wait_with_output()
                })
                .expect("the system iconv program");
            let (expected, _) = without_out_of_range(&program.stdout);
            let (ours, _) = ours_all_errors(name, &input);
            assert_eq!(ours, expected, "{name} input {input:02X?}");
        }
    }
}

/// UTF-7 base64 runs long enough for the decoder's windows of eight bytes, and everything that
/// stops a window: the input as glibc's own encoder writes it (runs ended by `-` or implicitly
/// by the next character), runs shifted by every prefix length so that surrogate pairs and run
/// ends fall at every offset of a window, and runs broken by bad bytes, leftover bits, lone low
/// surrogates and high surrogates without their low half.
fn utf7_long_run_inputs(imap: bool) -> Vec<Vec<u8>> {
    const TEXTS: &[&str] = &[
        "Все счастливые семьи похожи друг на друга, каждая несчастливая семья несчастлива по-своему.",
        "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。",
        "😀🎉𝄞𠀀😀🎉𝄞𠀀 mixed ÿ€😀日本\u{FFFF}\u{E000}😀",
        "Ελληνικά + русский - עברית & العربية ~ \\ 한국어 텍스트",
    ];
    let shift = if imap { b'&' } else { b'+' };
    let mut inputs = Vec::new();
    for text in TEXTS {
        let name = if imap { "UTF-7-IMAP" } else { "UTF-7" };
        if !imap {
            inputs.push(
                Iconv::open_to("UTF-8", name)
                    .unwrap()
                    .convert(text.as_bytes())
                    .output,
            );
        }
        let encoded = encode_utf7(text, imap);
        inputs.push(encoded.clone());
        // Without the closing '-', and with a direct character right after the run instead.
        inputs.push(encoded.strip_suffix(b"-").unwrap_or(&encoded).to_vec());
        let mut implicit = encoded.clone();
        if let Some(last) = implicit.last_mut() {
            *last = b'.';
        }
        inputs.push(implicit);
    }
    // A run of `prefix` BMP units and then astral, BMP and lone surrogate units: every unit
    // boundary at every offset of a window.
    let mut tails: Vec<Vec<u16>> = vec![
        vec![0xD83D, 0xDE00, 0x0444],
        vec![0xD83D, 0xDE00, 0xD83C, 0xDF89, 0x65E5],
        vec![0xDC00, 0x0444, 0x0444],
        vec![0xD83D, 0x0444, 0x0444, 0x0444],
        vec![0x0444, 0xDBFF],
        vec![0x00FF, 0x0041, 0x0800],
    ];
    // After a pair the bits held are not a multiple of six: a lone low surrogate some units
    // later is reported from where a window's last character ended.
    for between in 0..9 {
        let mut tail = vec![0xD83D, 0xDE00];
        tail.extend(std::iter::repeat_n(0x0444, between));
        tail.extend_from_slice(&[0xDC00, 0x0444]);
        tails.push(tail);
    }
    for prefix in 0..9 {
        for tail in &tails {
            let mut units = vec![0x0430; prefix];
            units.extend_from_slice(tail);
            units.extend_from_slice(&[0x0431; 6]);
            let run = base64_of_units(&units, imap);
            for end in [&b"-"[..], b"", b".x", b"-x", b"\x80", b"~"] {
                let mut input = vec![b'a', shift];
                input.extend_from_slice(&run);
                input.extend_from_slice(end);
                inputs.push(input);
            }
        }
    }
    // One long run broken at every offset: a bad byte, a '-', a base64 character that leaves
    // bits over, the shift character and "+-".
    let long = base64_of_units(&[0x0444; 12], imap);
    for at in 0..long.len() {
        for insert in [
            &b"\x80"[..],
            b"-",
            b"B-",
            b"~",
            b"+",
            b"&",
            b"+-",
            b"&-",
            b" ",
        ] {
            let mut input = vec![shift];
            input.extend_from_slice(&long[..at]);
            input.extend_from_slice(insert);
            input.extend_from_slice(&long[at..]);
            inputs.push(input);
        }
        // Leftover bits that are not zero: the run ends after a changed character.
        let mut input = vec![shift];
        input.extend_from_slice(&long[..at]);
        input.push(if long[at] == b'B' { b'C' } else { b'B' });
        input.extend_from_slice(b"-z");
        inputs.push(input);
    }
    inputs
}

/// The base64 characters of `units`, big-endian, the last zero-padded (no shift characters).
fn base64_of_units(units: &[u16], imap: bool) -> Vec<u8> {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut bits, mut count) = (0u32, 0);
    for &unit in units {
        bits = bits << 16 | u32::from(unit);
        count += 16;
        while count >= 6 {
            count -= 6;
            out.push(B64[(bits >> count & 0x3F) as usize]);
        }
        bits &= (1 << count) - 1;
    }
    if count > 0 {
        out.push(B64[(bits << (6 - count) & 0x3F) as usize]);
    }
    if imap {
        for c in &mut out {
            if *c == b'/' {
                *c = b',';
            }
        }
    }
    out
}

#[test]
fn utf7_long_runs_match_glibc() {
    for (name, imap) in [("UTF-7", false), ("UTF-7-IMAP", true)] {
        for input in utf7_long_run_inputs(imap) {
            check(name, &input);
        }
    }
}

/// The same inputs split in two at every offset, in UTF-8 and in UTF-16, with room for all of
/// the output or only a little at a time: the output and the errors are those of the whole
/// input at once.
#[test]
fn utf7_long_runs_split_anywhere() {
    for (name, imap) in [("UTF-7", false), ("UTF-7-IMAP", true)] {
        for input in utf7_long_run_inputs(imap) {
            let whole = ours_all_errors(name, &input);
            for split in 0..=input.len() {
                for (utf16, room) in [
                    (false, None),
                    (true, None),
                    (false, Some(16)),
                    (true, Some(17)),
                ] {
                    let pieces = [&input[..split], &input[split..]];
                    let ours = decode_pieces(name, &pieces, utf16, room);
                    assert_eq!(
                        ours, whole,
                        "{name} input {input:02X?} split at {split}, UTF-16 {utf16}, room {room:?}"
                    );
                }
            }
        }
    }
}

/// [`ours_all_errors`] over an input given in `pieces`, one call per piece (and more after an
/// error or a full output), writing UTF-8 or UTF-16 into `room` units (`None`: as many as
/// `max_utf8_len` says, which must never fill up).
fn decode_pieces(
    name: &str,
    pieces: &[&[u8]],
    utf16: bool,
    room: Option<usize>,
) -> (Vec<u8>, Vec<DecodeError>) {
    let mut decoder = Decoder::new(charset(name), ErrorPolicy::Strict);
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    for (i, piece) in pieces.iter().enumerate() {
        let last = i + 1 == pieces.len();
        let mut read = 0;
        loop {
            let size = room.unwrap_or_else(|| decoder.max_utf8_len(piece.len() - read).unwrap());
            let step = if utf16 {
                let mut units = vec![0u16; size];
                let step = decoder.decode_utf16(&piece[read..], &mut units, last);
                let text = String::from_utf16(&units[..step.written]).expect("whole characters");
                out.extend_from_slice(text.as_bytes());
                step
            } else {
                let mut bytes = vec![0u8; size];
                let step = decoder.decode(&piece[read..], &mut bytes, last);
                out.extend_from_slice(&bytes[..step.written]);
                step
            };
            read += step.read;
            match step.status {
                DecodeStatus::InputEmpty => break,
                DecodeStatus::OutputFull if room.is_some() => {}
                DecodeStatus::OutputFull => panic!("{name}: max_utf8_len too small"),
                DecodeStatus::Error(e) => errors.push(e),
            }
        }
    }
    (out, errors)
}
