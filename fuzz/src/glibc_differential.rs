//! Differential fuzzing against the system iconv (glibc): the same bytes to the engine and to
//! `iconv()` must give the same output, the same error position and kind, and the same
//! `iconv -c` drops.
//!
//! Input: two bytes pick a charset among the families decoded byte for byte like glibc
//! (Unicode, single-byte, composing, ISO 6937, TSCII, CJK multi-byte, ISO-2022, EBCDIC
//! double-byte); the rest is the input.
//! The documented deliberate differences are held to what the documentation promises instead:
//! - values glibc writes as 5/6-byte "UTF-8" or above U+10FFFF (UTF-8, UCS-4, UCS-4LE,
//!   WCHAR_T): where glibc's output stops being UTF-8, ours must stop with an invalid sequence
//!   and what we wrote must be what glibc wrote up to there;
//! - UHC `A2 E8` (glibc consumes it and writes garbage): inputs containing it are skipped;
//! - EUC-JP-MS under `-c` (glibc writes U+FFFD for some codes instead of dropping them): only
//!   the strict comparison applies;
//! - ISO-2022-CN-EXT ending in an undesignated SO (glibc reports it past the end and its `-c`
//!   reads beyond its input): inputs ending in SO are skipped.
//!
//! Without a byte order mark, glibc reads UTF-16/UTF-32/UNICODE in the host's order and
//! convert-utf8 little-endian: the same on the little-endian machines this runs on.

use convert_utf8::{Charset, Decoder, ErrorKind, ErrorPolicy, Family};
use iconv_oracle::{Iconv, Outcome};
use std::sync::OnceLock;

use crate::Reader;

/// The charsets compared: every supported glibc charset of the byte-identical families that
/// the system iconv opens, with the name it opens under.
fn compared() -> &'static [(Charset, &'static str)] {
    static ALL: OnceLock<Vec<(Charset, &'static str)>> = OnceLock::new();
    ALL.get_or_init(|| {
        let families = [
            Family::Unicode,
            Family::SingleByte,
            Family::Composing,
            Family::Iso6937,
            Family::Tscii,
            Family::CjkMultibyte,
            Family::Iso2022,
            Family::EbcdicDbcs,
        ];
        Charset::all()
            .filter(|c| families.contains(&c.family()))
            .filter_map(|c| {
                let name = std::iter::once(c.name())
                    .chain(c.aliases().iter().copied())
                    .find(|name| Iconv::open(name).is_some())?;
                Some((c, name))
            })
            .collect()
    })
}

pub fn check(data: &[u8]) {
    let mut reader = Reader::new(data);
    let all = compared();
    let (charset, iconv_name) = all[usize::from(reader.u16()) % all.len()];
    let input = reader.rest();
    if charset.name() == "UHC" && input.windows(2).any(|w| w == [0xA2, 0xE8]) {
        return;
    }
    if charset.name() == "ISO-2022-CN-EXT" && input.last() == Some(&0x0E) {
        return;
    }
    let context = (charset, input);
    // Fresh descriptors for every input, each given all the output room it can need at once:
    // glibc's TSCII under `//IGNORE` writes different text when iconv() runs out of output room
    // (E2BIG) mid-way and is called again (found by the first fuzzing run; not our bug).
    let glibc = converted(&mut Iconv::open(iconv_name).unwrap(), input);
    let ours = strict(charset, input);
    if std::str::from_utf8(&glibc.output).is_err() {
        // A value outside Unicode that glibc writes anyway (documented difference).
        assert!(
            charset.family() == Family::Unicode,
            "{context:?}: glibc wrote invalid UTF-8 {:02X?}",
            glibc.output
        );
        assert!(
            matches!(ours.1, Outcome::Invalid(_)),
            "{context:?}: {ours:?}"
        );
        assert!(
            glibc.output.starts_with(&ours.0),
            "{context:?}: {ours:?} vs {glibc:?}"
        );
        return;
    }
    assert_eq!(ours, (glibc.output, glibc.outcome), "{context:?}: strict");
    if charset.name() == "EUC-JP-MS" {
        return;
    }
    let mut ignore = Iconv::open_to(iconv_name, "UTF-8//IGNORE").unwrap();
    let glibc_dropping = dropping(&mut ignore, input);
    if std::str::from_utf8(&glibc_dropping).is_err() {
        assert_eq!(
            charset.family(),
            Family::Unicode,
            "{context:?}: -c wrote invalid UTF-8"
        );
        return;
    }
    let mut decoder = Decoder::new(charset, ErrorPolicy::Ignore);
    let mut ours_dropping = Vec::new();
    decoder.decode_to_vec(input, &mut ours_dropping).unwrap();
    assert_eq!(ours_dropping, glibc_dropping, "{context:?}: -c drops");
}

/// The most UTF-8 one input byte can become in any compared charset (TSCII: four code points).
const ROOM_PER_BYTE: usize = 12;

/// What glibc's strict conversion writes and how it ends, with room for all of it at once.
fn converted(strict: &mut Iconv, input: &[u8]) -> iconv_oracle::Conversion {
    let mut output = Vec::with_capacity(input.len() * ROOM_PER_BYTE + 256);
    let outcome = strict.convert_into(input, &mut output, true);
    iconv_oracle::Conversion { output, outcome }
}

/// Our strict decoding as iconv reports it: output before the error, and the error.
fn strict(charset: Charset, input: &[u8]) -> (Vec<u8>, Outcome) {
    let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
    let mut out = Vec::new();
    let outcome = match decoder.decode_to_vec(input, &mut out) {
        Ok(()) => Outcome::Complete,
        Err(e) if e.kind() == ErrorKind::Truncated => Outcome::Incomplete(e.offset() as usize),
        Err(e) => Outcome::Invalid(e.offset() as usize),
    };
    (out, outcome)
}

/// What `iconv -c` writes: with `//IGNORE`, iconv() converts all it can and reports EILSEQ at
/// the end if it dropped something; the program then flushes what the converter holds back.
fn dropping(ignore: &mut Iconv, input: &[u8]) -> Vec<u8> {
    let mut output = Vec::with_capacity(input.len() * ROOM_PER_BYTE + 256);
    if let Outcome::Invalid(_) = ignore.convert_into(input, &mut output, true) {
        ignore.convert_into(&[], &mut output, true);
    }
    output
}
