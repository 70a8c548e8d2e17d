//! Probes the ISO-2022 charsets into `tables/iso2022.rs`.
//!
//! The ISO-2022 decoder stores no character tables: each designated set is decoded through a
//! CJK or single-byte charset that carries the same characters (its "twin"). This module checks
//! that sharing cell by cell against glibc: every code of every designated set must decode
//! exactly as its twin's code does (or be illegal in both). What the twins cannot tell — which
//! lead bytes glibc calls "incomplete" when they end the input, instead of illegal at once — is
//! probed and written out as one 128-bit mask per set.

use iconv_oracle::{Iconv, Outcome};
use std::fmt::Write as _;

use crate::GeneratedFile;

/// One designated set: its name in the generated file, how to reach it in one ISO-2022
/// charset, and how to form the same code in the twin charset.
struct DesignatedSet {
    ident: &'static str,
    charset: &'static str,
    /// Escape sequence (and shift) that invokes the set.
    invoke: &'static [u8],
    twin: &'static str,
    /// Bytes before the code in the twin (the high bits are set on the code's two bytes).
    twin_prefix: &'static [u8],
}

const DOUBLE_BYTE_SETS: [DesignatedSet; 17] = [
    DesignatedSet {
        ident: "JIS0208",
        charset: "ISO-2022-JP",
        invoke: b"\x1b$B",
        twin: "EUC-JP",
        twin_prefix: b"",
    },
    // The same set again under its 1978 designation, and in ISO-2022-JP-2.
    DesignatedSet {
        ident: "JIS0208",
        charset: "ISO-2022-JP-2",
        invoke: b"\x1b$@",
        twin: "EUC-JP",
        twin_prefix: b"",
    },
    DesignatedSet {
        ident: "JIS0212",
        charset: "ISO-2022-JP-2",
        invoke: b"\x1b$(D",
        twin: "EUC-JP",
        twin_prefix: b"\x8f",
    },
    DesignatedSet {
        ident: "GB2312",
        charset: "ISO-2022-JP-2",
        invoke: b"\x1b$A",
        twin: "EUC-CN",
        twin_prefix: b"",
    },
    DesignatedSet {
        ident: "KSC5601",
        charset: "ISO-2022-KR",
        invoke: b"\x1b$)C\x0e",
        twin: "EUC-KR",
        twin_prefix: b"",
    },
    DesignatedSet {
        ident: "GB2312",
        charset: "ISO-2022-CN",
        invoke: b"\x1b$)A\x0e",
        twin: "EUC-CN",
        twin_prefix: b"",
    },
    DesignatedSet {
        ident: "CNS1",
        charset: "ISO-2022-CN",
        invoke: b"\x1b$)G\x0e",
        twin: "EUC-TW",
        twin_prefix: b"",
    },
    DesignatedSet {
        ident: "JIS0213",
        charset: "ISO-2022-JP-3",
        invoke: b"\x1b$(Q",
        twin: "EUC-JISX0213",
        twin_prefix: b"",
    },
    DesignatedSet {
        ident: "JIS0213",
        charset: "ISO-2022-JP-3",
        invoke: b"\x1b$(O",
        twin: "EUC-JISX0213",
        twin_prefix: b"",
    },
    DesignatedSet {
        ident: "JIS0213",
        charset: "ISO-2022-JP-3",
        invoke: b"\x1b$(P",
        twin: "EUC-JISX0213",
        twin_prefix: b"\x8f",
    },
    DesignatedSet {
        ident: "JIS0208",
        charset: "ISO-2022-JP-3",
        invoke: b"\x1b$B",
        twin: "EUC-JP",
        twin_prefix: b"",
    },
    // The single-shifted planes, and ISO-2022-CN-EXT's sets (whose lead bytes are all held
    // alike, so they need no mask).
    DesignatedSet {
        ident: "",
        charset: "ISO-2022-CN",
        invoke: b"\x1b$*H\x1bN",
        twin: "EUC-TW",
        twin_prefix: b"\x8e\xa2",
    },
    DesignatedSet {
        ident: "",
        charset: "ISO-2022-CN-EXT",
        invoke: b"\x1b$)A\x0e",
        twin: "EUC-CN",
        twin_prefix: b"",
    },
    DesignatedSet {
        ident: "",
        charset: "ISO-2022-CN-EXT",
        invoke: b"\x1b$)G\x0e",
        twin: "EUC-TW",
        twin_prefix: b"",
    },
    DesignatedSet {
        ident: "",
        charset: "ISO-2022-CN-EXT",
        invoke: b"\x1b$+I\x1bO",
        twin: "EUC-TW",
        twin_prefix: b"\x8e\xa3",
    },
    DesignatedSet {
        ident: "",
        charset: "ISO-2022-CN-EXT",
        invoke: b"\x1b$+J\x1bO",
        twin: "EUC-TW",
        twin_prefix: b"\x8e\xa4",
    },
    DesignatedSet {
        ident: "",
        charset: "ISO-2022-CN-EXT",
        invoke: b"\x1b$+M\x1bO",
        twin: "EUC-TW",
        twin_prefix: b"\x8e\xa7",
    },
];

/// ISO-IR-165 (ISO-2022-CN-EXT's `ESC $ ) E`) has no twin: it is stored as the cells where it
/// differs from GB 2312 (EUC-CN), code point 0 for a cell GB 2312 has and it lacks.
fn iso_ir_165_differences() -> Vec<(u16, u32)> {
    let mut iso = Iconv::open("ISO-2022-CN-EXT").expect("ISO-2022-CN-EXT");
    let mut gb = Iconv::open("EUC-CN").expect("EUC-CN");
    let mut differences = Vec::new();
    for lead in 0x21..=0x7Eu8 {
        for trail in 0x21..=0x7Eu8 {
            let ours = iso.convert(&[b"\x1b$)E\x0e", &[lead, trail][..]].concat());
            let theirs = gb.convert(&[lead | 0x80, trail | 0x80]);
            let cp = |c: &iconv_oracle::Conversion| {
                let text = std::str::from_utf8(&c.output).expect("UTF-8");
                let mut chars = text.chars();
                match (c.outcome, chars.next(), chars.next()) {
                    (Outcome::Complete, Some(ch), None) => u32::from(ch),
                    (Outcome::Complete, ..) => panic!("ISO-IR-165 {lead:02X}{trail:02X}: {text}"),
                    _ => 0,
                }
            };
            let (ours, theirs) = (cp(&ours), cp(&theirs));
            if ours != theirs {
                differences.push((u16::from(lead) << 8 | u16::from(trail), ours));
            }
        }
    }
    differences
}

/// Checks every cell of `set` against its twin and returns the mask of lead bytes glibc holds
/// as incomplete when they end the input.
fn probe_set(set: &DesignatedSet) -> u128 {
    let mut iso = Iconv::open(set.charset).unwrap_or_else(|| panic!("no {}", set.charset));
    let mut twin = Iconv::open(set.twin).unwrap_or_else(|| panic!("no {}", set.twin));
    let mut mask = 0u128;
    for lead in 0..0x80u8 {
        if let Outcome::Incomplete(_) = iso.convert(&[set.invoke, &[lead]].concat()).outcome {
            mask |= 1 << lead;
        }
    }
    for lead in 0x21..=0x7Eu8 {
        for trail in 0x21..=0x7Eu8 {
            let ours = iso.convert(&[set.invoke, &[lead, trail]].concat());
            let theirs = twin.convert(&[set.twin_prefix, &[lead | 0x80, trail | 0x80]].concat());
            let ours_ok = ours.outcome == Outcome::Complete;
            let theirs_ok = theirs.outcome == Outcome::Complete;
            assert!(
                ours_ok == theirs_ok && (!ours_ok || ours.output == theirs.output),
                "{} {:?} {lead:02X}{trail:02X} differs from {}",
                set.charset,
                String::from_utf8_lossy(set.invoke),
                set.twin
            );
        }
    }
    mask
}

/// The single-byte sets: JIS X 0201 through SJIS, ISO-2022-JP-2's G2 sets through ISO-8859-1/7.
fn check_single_byte_sets() {
    let mut jp2 = Iconv::open("ISO-2022-JP-2").expect("ISO-2022-JP-2");
    let mut sjis = Iconv::open("SJIS").expect("SJIS");
    let mut greek = Iconv::open("ISO-8859-7").expect("ISO-8859-7");
    let mut latin1 = Iconv::open("ISO-8859-1").expect("ISO-8859-1");
    for b in 0x21..=0x7Eu8 {
        for (invoke, twin_byte) in [(&b"\x1b(J"[..], b), (b"\x1b(I", b + 0x80)] {
            let ours = jp2.convert(&[invoke, &[b]].concat());
            let theirs = sjis.convert(&[twin_byte]);
            let same = match (ours.outcome, theirs.outcome) {
                (Outcome::Complete, Outcome::Complete) => ours.output == theirs.output,
                (Outcome::Complete, _) | (_, Outcome::Complete) => false,
                _ => true,
            };
            assert!(same, "ISO-2022-JP-2 {invoke:?} {b:02X} differs from SJIS");
        }
    }
    for b in 0x20..=0x7Fu8 {
        for (invoke, twin) in [
            (&b"\x1b.F\x1bN"[..], &mut greek),
            (b"\x1b.A\x1bN", &mut latin1),
        ] {
            let ours = jp2.convert(&[invoke, &[b]].concat());
            let theirs = twin.convert(&[b | 0x80]);
            assert_eq!(
                ours.outcome == Outcome::Complete,
                theirs.outcome == Outcome::Complete,
                "ISO-2022-JP-2 G2 {b:02X}"
            );
            assert_eq!(ours.output, theirs.output, "ISO-2022-JP-2 G2 {b:02X}");
        }
    }
}

/// The file this module owns.
pub fn generate() -> GeneratedFile {
    check_single_byte_sets();
    let mut masks: Vec<(&str, u128)> = Vec::new();
    for set in &DOUBLE_BYTE_SETS {
        let mask = probe_set(set);
        if set.ident.is_empty() {
            continue;
        }
        match masks.iter().find(|(ident, _)| *ident == set.ident) {
            Some(&(_, known)) => assert_eq!(known, mask, "{} differs between charsets", set.ident),
            None => masks.push((set.ident, mask)),
        }
    }
    let mut s = crate::header();
    s.push_str(
        "//! What the ISO-2022 decoder cannot learn from the CJK charsets it decodes the designated\n\
         //! sets through: per set, the lead bytes (bit `b` for byte `b`) that glibc holds as\n\
         //! incomplete when they end the input; other lead bytes are illegal at once. Every cell\n\
         //! of every set was checked to decode exactly as in its twin charset.\n\n",
    );
    for (ident, mask) in masks {
        let _ = writeln!(s, "pub(crate) const {ident}: u128 = {mask:#034x};");
    }
    let differences = iso_ir_165_differences();
    let _ = writeln!(
        s,
        "\n/// ISO-IR-165 where it differs from GB 2312, by code (`lead << 8 | trail`); code point 0:\n\
         /// illegal in ISO-IR-165.\npub(crate) static ISO_IR_165: [(u16, u32); {}] = [",
        differences.len()
    );
    for (code, cp) in differences {
        let _ = writeln!(s, "({code:#06x}, {cp:#x}),");
    }
    s.push_str("];\n");
    GeneratedFile {
        path: "iso2022.rs".into(),
        contents: crate::single_byte::rustfmt(&s),
    }
}
