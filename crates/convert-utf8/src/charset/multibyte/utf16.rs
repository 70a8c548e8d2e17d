//! The CJK multi-byte charsets decoded straight to UTF-16 code units, for callers whose text
//! type is built from UTF-16 (a Python `str`): no UTF-8 between the charset and the units.
//!
//! It reads the same tables as the UTF-8 decoder and decodes the same way, a prefix of the input
//! at a time: single bytes and two-byte codes through the UTF-8 hot loop's direct table
//! ([`DirectTable`](super::direct::DirectTable)), loading the unit at the place of the entry the
//! first and next byte select from the table's entries as units ([`UnitLookup`]), everything
//! longer through the general sequence decoder. It stops before a bad or truncated sequence, which it leaves to a
//! [`Decoder`](crate::Decoder) so that errors, their positions and the policies stay in one
//! place. No code decodes to more units than it has bytes, which bounds the room a block needs.

use super::direct::{NOT_A_UNIT, UnitLookup};
use super::{MultibyteDecoder, Sequence};
use crate::Charset;
use crate::tables::format::DecoderKind;

/// Decodes a CJK multi-byte charset (Shift_JIS, CP932, EUC-*, GBK, GB18030, Big5, UHC, JOHAB,
/// ...) to UTF-16 code units in the machine's byte order, without state between calls.
///
/// ```
/// use convert_utf8::{Charset, CjkToUtf16, Utf16Stop};
/// let gbk = CjkToUtf16::new(Charset::for_label("GBK")?).unwrap();
/// let mut units = [0u16; 8];
/// // "中文" and a truncated code at the end.
/// let step = gbk.decode(b"\xD6\xD0\xCE\xC4\xD6", &mut units);
/// assert_eq!((step.read, step.written, step.stop), (4, 2, Utf16Stop::BadSequence));
/// assert_eq!(String::from_utf16(&units[..2]).unwrap(), "中文");
/// # Ok::<(), convert_utf8::Error>(())
/// ```
pub struct CjkToUtf16 {
    /// Its table, and its general sequence decoder (never given pending bytes).
    decoder: MultibyteDecoder,
    /// Its direct table's lookup of units.
    units: UnitLookup<'static>,
}

/// Why [`CjkToUtf16::decode`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Utf16Stop {
    /// It read all of the input.
    InputEnd,
    /// The next character's units do not fit in what is left of the output.
    OutputFull,
    /// The input at `read` is a bad or truncated sequence: a [`Decoder`](crate::Decoder) given
    /// the input from there says which and handles it under its policy.
    BadSequence,
}

/// How far [`CjkToUtf16::decode`] went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utf16Step {
    /// Input bytes decoded.
    pub read: usize,
    /// Code units written.
    pub written: usize,
    /// Why it stopped there.
    pub stop: Utf16Stop,
}

impl CjkToUtf16 {
    /// The UTF-16 decoder of `charset`; `None` unless it is one of the CJK multi-byte charsets
    /// ([`Family::CjkMultibyte`](crate::Family::CjkMultibyte)).
    pub fn new(charset: Charset) -> Option<CjkToUtf16> {
        let DecoderKind::Multibyte(tables) = charset.info()?.kind else {
            return None;
        };
        let decoder = MultibyteDecoder::new(tables);
        Some(CjkToUtf16 {
            units: decoder.direct.unit_lookup(),
            decoder,
        })
    }

    /// Decodes a prefix of `src` into `dst`: as far as the end of `src`, the end of the room in
    /// `dst`, or a bad or truncated sequence, whichever comes first. The units are those of the
    /// UTF-8 a [`Decoder`](crate::Decoder) writes for the same bytes (a character beyond the BMP
    /// as a surrogate pair). `src` is taken as the end of the input: a sequence it cuts is
    /// truncated.
    pub fn decode(&self, src: &[u8], dst: &mut [u16]) -> Utf16Step {
        let ascii_identity = self.decoder.table.ascii_identity;
        let (mut read, mut written) = (0, 0);
        loop {
            // A block of input whose units surely fit: every code writes at most as many units
            // as it has bytes, so the fast loop checks no room.
            let fits = dst.len() - written;
            let block = &src[..read + (src.len() - read).min(fits)];
            (read, written) = fast_run(self.units, ascii_identity, block, dst, read, written);
            let stop = if read == src.len() {
                Utf16Stop::InputEnd
            } else {
                let end = (read + super::MAX_SEQUENCE).min(src.len());
                match self.decoder.sequence(&src[read..end]) {
                    Sequence::Chars { len, first, second } => {
                        let mut units = [0u16; 4];
                        let mut count = char_units(first, &mut units);
                        if second != 0 {
                            count += char_units(second, &mut units[count..]);
                        }
                        if dst.len() - written < count {
                            Utf16Stop::OutputFull
                        } else {
                            dst[written..written + count].copy_from_slice(&units[..count]);
                            written += count;
                            read += len;
                            continue;
                        }
                    }
                    Sequence::Invalid { .. } | Sequence::Incomplete => Utf16Stop::BadSequence,
                }
            };
            return Utf16Step {
                read,
                written,
                stop,
            };
        }
    }
}

/// Writes the UTF-16 of the code point `cp` to `dst` and returns how many units it took.
fn char_units(cp: u32, dst: &mut [u16]) -> usize {
    char::from_u32(cp)
        .expect("tables hold only scalar values")
        .encode_utf16(dst)
        .len()
}

/// Decodes from `block[read..]` into `dst[written..]` every single byte and two-byte code up to
/// the block's last byte or the first one the direct table does not map to a character. `dst`
/// has room for a unit per byte left in the block. Returns the new `(read, written)`.
#[inline(never)]
fn fast_run(
    units: UnitLookup,
    ascii_identity: bool,
    block: &[u8],
    dst: &mut [u16],
    mut read: usize,
    mut written: usize,
) -> (usize, usize) {
    assert!(dst.len() - written >= block.len() - read);
    // Positions before `last` have a next byte.
    let last = block.len().saturating_sub(1);
    while read < last {
        // SAFETY: `read + 1 < block.len()`.
        let (first, next) = unsafe { (*block.get_unchecked(read), *block.get_unchecked(read + 1)) };
        let (unit, step) = units.lookup(first, next);
        if unit & 0xF800 == NOT_A_UNIT {
            break;
        }
        // SAFETY: every step consumes at least one byte of the block for the one unit it
        // writes, so the room asserted above for the bytes left lasts: `written < dst.len()`
        // while `read < block.len()`.
        unsafe { *dst.get_unchecked_mut(written) = unit };
        written += 1;
        // A branch, not arithmetic on the step: predicted, it lets the processor run ahead
        // (as in the UTF-8 loop).
        if step == 2 {
            read += 2;
            continue;
        }
        read += 1;
        if ascii_identity && next < 0x80 {
            (read, written) = ascii_run(block, dst, read, written);
        }
    }
    (read, written)
}

/// Widens the ASCII run at `block[read..]` into `dst[written..]` a word at a time, as far as
/// whole words of the block go. Returns the new `(read, written)`.
#[inline(never)]
fn ascii_run(block: &[u8], dst: &mut [u16], mut read: usize, mut written: usize) -> (usize, usize) {
    while read + 8 <= block.len() {
        let word: [u8; 8] = block[read..read + 8].try_into().unwrap();
        let out: &mut [u16; 8] = (&mut dst[written..written + 8]).try_into().unwrap();
        for (unit, byte) in out.iter_mut().zip(word) {
            *unit = u16::from(byte);
        }
        let high = u64::from_le_bytes(word) & 0x8080_8080_8080_8080;
        if high != 0 {
            let n = high.trailing_zeros() as usize / 8;
            return (read + n, written + n);
        }
        read += 8;
        written += 8;
    }
    (read, written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Decoder, ErrorPolicy, Family};
    use iconv_oracle::{Iconv, Outcome};

    /// Real text in the four languages of the CJK benchmarks, plus characters beyond the BMP,
    /// a two-code-point JIS X 0213 character and a Euro sign (GB18030's four-byte forms).
    const TEXT: [&str; 5] = [
        include_str!("../../../benches/multibyte-text/ja.txt"),
        include_str!("../../../benches/multibyte-text/ko.txt"),
        include_str!("../../../benches/multibyte-text/zh-hans.txt"),
        include_str!("../../../benches/multibyte-text/zh-hant.txt"),
        "ｶﾀｶﾅ 𠀋𪚲😀 か゚ € ¥ ~ \\ \u{3000}",
    ];

    fn cjk_charsets() -> Vec<Charset> {
        let charsets: Vec<Charset> = Charset::all()
            .filter(|c| c.family() == Family::CjkMultibyte)
            .collect();
        assert_eq!(charsets.len(), 17);
        charsets
    }

    /// `TEXT` in `charset`: each character the charset has (the two-code-point one as a whole),
    /// encoded by the system iconv.
    fn encoded_text(charset: Charset) -> Vec<u8> {
        let mut to = Iconv::open_to("UTF-8", charset.name()).expect("iconv knows the charset");
        let mut encoded = Vec::new();
        let mut encode = |piece: &str| {
            to.reset();
            let c = to.convert(piece.as_bytes());
            if c.outcome == Outcome::Complete {
                encoded.extend_from_slice(&c.output);
            }
        };
        for text in TEXT {
            let mut buf = [0u8; 4];
            text.chars().for_each(|ch| encode(ch.encode_utf8(&mut buf)));
        }
        encode("か゚");
        encoded
    }

    /// What a strict `Decoder` makes of `src` as a whole input: its text as UTF-16, or the
    /// offset of its first bad sequence.
    fn decoder_units(charset: Charset, src: &[u8]) -> Result<Vec<u16>, u64> {
        let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
        let mut utf8 = Vec::new();
        decoder
            .decode_to_vec(src, &mut utf8)
            .map_err(|e| e.offset())?;
        Ok(String::from_utf8(utf8).unwrap().encode_utf16().collect())
    }

    /// Decodes all of `src` with `room` units of output per call, resuming where each call
    /// stopped for room. Returns the units and the last step.
    fn decode_with_room(fast: &CjkToUtf16, src: &[u8], room: usize) -> (Vec<u16>, Utf16Step) {
        let (mut units, mut dst, mut pair) = (Vec::new(), vec![0u16; room], [0u16; 2]);
        let mut read = 0;
        loop {
            let mut step = fast.decode(&src[read..], &mut dst);
            units.extend_from_slice(&dst[..step.written]);
            if step.stop == Utf16Stop::OutputFull && step.read == 0 {
                // A character of two units with room for one: give it room for two.
                assert_eq!(room, 1, "stopped for room with room left");
                step = fast.decode(&src[read..], &mut pair);
                assert_eq!(step.written, 2);
                units.extend_from_slice(&pair);
            }
            read += step.read;
            if step.stop != Utf16Stop::OutputFull {
                let whole = Utf16Step {
                    read,
                    written: units.len(),
                    stop: step.stop,
                };
                return (units, whole);
            }
            assert!(step.written + 2 > room, "stopped for room with room left");
        }
    }

    /// Checks `fast` on `src` against a strict `Decoder`: the units are the decoder's for the
    /// bytes read, and it stops at the end or exactly at the decoder's first bad sequence.
    fn check(charset: Charset, fast: &CjkToUtf16, src: &[u8], room: usize) {
        let (units, step) = decode_with_room(fast, src, room);
        let name = charset.name();
        assert_eq!(
            decoder_units(charset, &src[..step.read]),
            Ok(units),
            "{name} {src:02X?} room {room}"
        );
        match step.stop {
            Utf16Stop::InputEnd => assert_eq!(step.read, src.len(), "{name} {src:02X?}"),
            Utf16Stop::BadSequence => assert_eq!(
                decoder_units(charset, src),
                Err(step.read as u64),
                "{name} {src:02X?}"
            ),
            Utf16Stop::OutputFull => unreachable!(),
        }
    }

    /// The units are the characters of the direct table's entries, place by place.
    #[test]
    #[cfg_attr(miri, ignore = "every pair of 17 charsets: hours under Miri")]
    fn the_units_are_the_characters_of_the_direct_entries() {
        for charset in cjk_charsets() {
            let fast = CjkToUtf16::new(charset).unwrap();
            let name = charset.name();
            for first in 0..=255u8 {
                for next in 0..=255u8 {
                    let (unit, unit_step) = fast.units.lookup(first, next);
                    let (entry, step) = fast.decoder.direct.lookup(first, next);
                    assert_eq!(unit_step, step, "{name} {first:02X}{next:02X}");
                    match super::super::utf8_len(entry).map(|len| &entry[..len]) {
                        None => assert_eq!(unit, NOT_A_UNIT, "{name} {first:02X}{next:02X}"),
                        Some(utf8) => {
                            let c = char::from_u32(u32::from(unit)).unwrap();
                            let mut bytes = [0; 4];
                            assert_eq!(
                                c.encode_utf8(&mut bytes).as_bytes(),
                                utf8,
                                "{name} {first:02X}{next:02X}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn only_cjk_multibyte_charsets_are_served() {
        for label in ["UTF-8", "ISO-2022-JP", "CP1251", "IBM930"] {
            assert!(CjkToUtf16::new(Charset::for_label(label).unwrap()).is_none());
        }
    }

    /// The committed Shift_JIS sample through several output rooms (block ends everywhere):
    /// the hot loop's unchecked unit loads and stores on real text, with nothing from the
    /// system iconv, so that it runs under Miri too.
    #[test]
    fn the_sample_decodes_to_its_units_through_output_rooms() {
        let sjis = include_bytes!("../../../../../samples/wagahai.sjis.txt");
        let utf8 = include_str!("../../../../../samples/wagahai.utf8.txt");
        let expected: Vec<u16> = utf8.encode_utf16().collect();
        let fast = CjkToUtf16::new(Charset::for_label("SJIS").unwrap()).unwrap();
        let rooms: &[usize] = if cfg!(miri) {
            &[7, 33, expected.len()]
        } else {
            &[1, 2, 3, 7, 16, 33, expected.len()]
        };
        for &room in rooms {
            let (units, step) = decode_with_room(&fast, sjis, room);
            assert_eq!(step.stop, Utf16Stop::InputEnd, "room {room}");
            assert_eq!(units, expected, "room {room}");
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "calls the system iconv")]
    fn real_text_gives_the_decoders_units_with_any_room() {
        for charset in cjk_charsets() {
            let fast = CjkToUtf16::new(charset).unwrap();
            let text = encoded_text(charset);
            assert!(text.len() > 500, "{}", charset.name());
            for room in [1, 2, 3, 7, 64, text.len()] {
                check(charset, &fast, &text, room);
            }
            let (_, step) = decode_with_room(&fast, &text, text.len());
            assert_eq!(step.stop, Utf16Stop::InputEnd, "{}", charset.name());
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "calls the system iconv")]
    fn damaged_text_stops_where_the_decoder_reports_the_error() {
        for charset in cjk_charsets() {
            let fast = CjkToUtf16::new(charset).unwrap();
            let text = encoded_text(charset);
            let truncated = text.iter().position(|&b| b >= 0x80).unwrap() + 1;
            let damages = [
                (100, vec![0xFF]),
                (57, vec![0x80]),
                (text.len(), vec![0x81]),
                (truncated, vec![]),
            ];
            for (at, bytes) in damages {
                let mut damaged = text[..at].to_vec();
                damaged.extend_from_slice(&bytes);
                damaged.extend_from_slice(&text[at..]);
                for room in [1, 3, damaged.len()] {
                    check(charset, &fast, &damaged, room);
                }
            }
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "every pair of 17 charsets: hours under Miri")]
    fn every_one_and_two_byte_code_gives_the_decoders_units() {
        for charset in cjk_charsets() {
            let fast = CjkToUtf16::new(charset).unwrap();
            for first in 0..=255u8 {
                check(charset, &fast, &[first], 4);
                for next in 0..=255u8 {
                    check(charset, &fast, &[first, next], 4);
                    // Room for one unit: a code of two stops for room, not for a bad sequence.
                    check(charset, &fast, &[first, next], 1);
                }
            }
        }
    }
}
