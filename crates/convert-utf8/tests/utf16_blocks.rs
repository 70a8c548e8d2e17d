//! The 16-bit forms where their vector loop meets every kind of unit: a window of units of one
//! kind with one unit (or a surrogate pair) of another kind at each place, so that it falls at
//! every place of a 16- or 32-byte block and across block edges. For each window and form:
//!
//! - a strict decode must give glibc's output and stop where glibc stops (`iconv` in-process);
//! - an error-dropping decode with room to spare (which runs the vector loop) must equal one
//!   through the least output buffer, where the vector loop never has room for a block and the
//!   scalar loop does everything, both whole and cut around the odd unit (a pair split between
//!   calls included).
//!
//! And mixed text must decode alike through every output room, wherever that stops a block.

mod common;

use common::{decode_in_chunks, decode_in_chunks_into, ours};
use convert_utf8::{Charset, ErrorPolicy};
use iconv_oracle::Iconv;

/// Kinds of units: ASCII (NUL and DEL too), two-byte, three-byte at both edges of the
/// surrogates and of the BMP, high and low surrogates. `None` stands for a surrogate pair.
const KINDS: [Option<u16>; 16] = [
    Some(0x0000),
    Some(0x0041),
    Some(0x007F),
    Some(0x0080),
    Some(0x03B1),
    Some(0x07FF),
    Some(0x0800),
    Some(0x4E2D),
    Some(0xD7FF),
    Some(0xD800),
    Some(0xDBFF),
    Some(0xDC00),
    Some(0xDFFF),
    Some(0xE000),
    Some(0xFFFF),
    None,
];

/// Runs of text the odd unit sits in: ASCII, Cyrillic, CJK, and the last BMP character.
const BACKGROUNDS: [u16; 4] = [0x0061, 0x0436, 0x3042, 0xFFFF];

/// A form under test: its name and how its units are laid out.
struct Form {
    name: &'static str,
    big_endian: bool,
    /// A BOM (in the form's byte order) to put first, for the sniffing forms.
    bom: bool,
}

const FORMS: [Form; 7] = [
    Form {
        name: "UTF-16LE",
        big_endian: false,
        bom: false,
    },
    Form {
        name: "UTF-16BE",
        big_endian: true,
        bom: false,
    },
    Form {
        name: "UTF-16",
        big_endian: false,
        bom: false,
    },
    Form {
        name: "UTF-16",
        big_endian: true,
        bom: true,
    },
    Form {
        name: "UCS-2",
        big_endian: false,
        bom: false,
    },
    Form {
        name: "UNICODEBIG",
        big_endian: true,
        bom: false,
    },
    Form {
        name: "UNICODE",
        big_endian: true,
        bom: true,
    },
];

fn encode(form: &Form, units: &[u16]) -> Vec<u8> {
    let bom = form.bom.then_some(0xFEFF);
    bom.iter()
        .chain(units)
        .flat_map(|u| {
            if form.big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

/// Every window: `len` units of a background with one kind at `at`, for windows filling one
/// and two AVX2 blocks, one unit more, and one byte more (a cut unit at the end).
fn windows(mut each: impl FnMut(&[u16], usize, bool)) {
    for background in BACKGROUNDS {
        for kind in KINDS {
            for len in [16, 32, 33] {
                for at in 0..len {
                    let mut units = vec![background; len];
                    match kind {
                        Some(unit) => units[at] = unit,
                        None => {
                            units[at] = 0xD83D;
                            units.insert(at + 1, 0xDE00);
                        }
                    }
                    each(&units, at, false);
                    if len == 32 {
                        each(&units, at, true);
                    }
                }
            }
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "calls the system iconv, which Miri cannot")]
fn every_kind_at_every_place_decodes_as_glibc_does() {
    for form in &FORMS {
        let charset = Charset::for_label(form.name).unwrap();
        let mut iconv = Iconv::open(form.name).unwrap();
        windows(|units, _, odd_byte| {
            let mut input = encode(form, units);
            if odd_byte {
                input.push(0x41);
            }
            let glibc = iconv.convert(&input);
            assert_eq!(
                ours(charset, &input),
                (glibc.output, glibc.outcome),
                "{} input {input:02X?}",
                form.name
            );
        });
    }
}

#[test]
fn vector_and_scalar_loops_agree_whole_and_cut() {
    let mut room = vec![0u8; 4096];
    for form in &FORMS {
        let charset = Charset::for_label(form.name).unwrap();
        windows(|units, at, odd_byte| {
            let mut input = encode(form, units);
            if odd_byte {
                input.push(0x41);
            }
            let ctx = || format!("{} input {input:02X?}", form.name);
            let vector =
                decode_in_chunks_into(charset, &input, &[], ErrorPolicy::Ignore, &mut room);
            assert_eq!(vector, decode_in_chunks(charset, &input, &[]), "{}", ctx());
            // Cuts just before, inside and after the odd unit (or pair), in bytes from the
            // start of the input.
            let start = 2 * (at + usize::from(form.bom));
            for cut in start.saturating_sub(1)..=start + 5 {
                let cuts = [cut];
                let cut_vector =
                    decode_in_chunks_into(charset, &input, &cuts, ErrorPolicy::Ignore, &mut room);
                assert_eq!(cut_vector, vector, "{}, cut at {cut}", ctx());
            }
        });
    }
}

/// Mixed text with a pair and lone surrogates among runs long enough for several blocks,
/// through every output room from the least to more than it needs: the vector loop stops for
/// room at every place of a block, and the scalar loop must go on from there.
#[test]
fn every_output_room_gives_the_same_output() {
    let mut units: Vec<u16> =
        "Plain ASCII words, then Ελληνικά and Русский, then 日本語のテキスト."
            .encode_utf16()
            .collect();
    units.extend([0xD83D, 0xDE00, 0x0041, 0xDC00, 0x3042, 0xD800, 0x0436]);
    units.extend(
        "and once more: ASCII, Ελληνικά, Русский, 日本語のテキスト, 한국어 텍스트.".encode_utf16(),
    );
    for form in &FORMS {
        let charset = Charset::for_label(form.name).unwrap();
        let input = encode(form, &units);
        let expected = decode_in_chunks(charset, &input, &[]);
        for room in convert_utf8::MIN_OUTPUT_SPACE..=3 * input.len() / 2 + 64 {
            let mut dst = vec![0u8; room];
            let out = decode_in_chunks_into(charset, &input, &[], ErrorPolicy::Ignore, &mut dst);
            assert_eq!(out, expected, "{} through {room} bytes", form.name);
        }
    }
}
