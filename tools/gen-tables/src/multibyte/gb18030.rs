//! GB18030's four-byte codes: probed exhaustively, stored as ranges of a linear index.
//!
//! A four-byte code `b1 b2 b3 b4` (`81..=FE`, `30..=39`, `81..=FE`, `30..=39`) has the linear
//! index `((b1-0x81)*10 + (b2-0x30))*1260 + (b3-0x81)*10 + (b4-0x30)`. Every code is decoded once;
//! consecutive indexes whose code points are consecutive too form one range, and a run of codes
//! glibc rejects forms a range with code point 0. The decoder finds an index's range by binary
//! search. How many bytes `-c` drops for a bad third byte, a bad fourth byte and an unmapped code
//! is probed on every lead byte's first codes.

use iconv_oracle::{Iconv, Outcome};

use super::probe::{Prober, Special};

pub struct FourByte {
    /// `(first linear index, its code point or 0 for rejected codes)`, by index.
    pub ranges: Vec<(u32, u32)>,
    pub unit_bad_third: u8,
    pub unit_bad_fourth: u8,
    pub unit_unmapped: u8,
}

pub fn linear_index(b: [u8; 4]) -> u32 {
    ((u32::from(b[0]) - 0x81) * 10 + (u32::from(b[1]) - 0x30)) * 1260
        + (u32::from(b[2]) - 0x81) * 10
        + (u32::from(b[3]) - 0x30)
}

fn only_unit(mask: u8, what: &str) -> u8 {
    assert_eq!(
        mask.count_ones(),
        1,
        "GB18030 {what}: ambiguous drop length {mask:#b}"
    );
    mask.trailing_zeros() as u8
}

pub fn probe(name: &str) -> FourByte {
    let mut cd = Iconv::open(name).expect("GB18030 opens");
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    let mut unmapped_sample = None;
    let mut expect_next: Option<(u32, u32)> = None;
    for b1 in 0x81..=0xFEu8 {
        for b2 in 0x30..=0x39u8 {
            for b3 in 0x81..=0xFEu8 {
                for b4 in 0x30..=0x39u8 {
                    let code = [b1, b2, b3, b4];
                    let index = linear_index(code);
                    let c = cd.convert(&code);
                    let cp = match c.outcome {
                        Outcome::Complete => {
                            let s = std::str::from_utf8(&c.output).unwrap();
                            let mut chars = s.chars();
                            let cp = u32::from(chars.next().expect("one character"));
                            assert!(chars.next().is_none(), "{code:02X?} is two characters");
                            cp
                        }
                        Outcome::Invalid(0) => {
                            unmapped_sample.get_or_insert(code);
                            0
                        }
                        other => panic!("{code:02X?}: {other:?}"),
                    };
                    let continues = match expect_next {
                        Some((i, next_cp)) => i == index && next_cp == cp,
                        None => false,
                    };
                    if !continues {
                        ranges.push((index, cp));
                    }
                    expect_next = Some((index + 1, if cp == 0 { 0 } else { cp + 1 }));
                }
            }
        }
    }
    let mut prober = Prober::new(name, Special::Gb18030);
    let unit_bad_third = only_unit(prober.units(&[0x81, 0x30, 0x41, 0x30]), "bad third byte");
    let unit_bad_fourth = only_unit(prober.units(&[0x81, 0x30, 0x81, 0x41]), "bad fourth byte");
    let unmapped = unmapped_sample.expect("some four-byte code is rejected");
    let unit_unmapped = only_unit(prober.units(&unmapped), "unmapped code");
    FourByte {
        ranges,
        unit_bad_third,
        unit_bad_fourth,
        unit_unmapped,
    }
}
