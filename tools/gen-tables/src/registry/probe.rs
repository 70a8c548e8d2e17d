//! Fingerprints: what a charset name does to a fixed set of probe inputs, through the system
//! iconv. Two names with the same fingerprint decode alike; this is how names that the gconv
//! configuration does not list (glibc's built-in converters) are attributed to a charset.

use iconv_oracle::{Conversion, Iconv};

/// The probe inputs: every byte alone, then short sequences that tell the Unicode forms and
/// their byte orders, BOM rules and ranges apart.
fn probes() -> Vec<Vec<u8>> {
    let mut probes: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    let sequences: &[&[u8]] = &[
        b"\x41\x00",
        b"\x00\x41",
        b"\xE9\x00",
        b"\x00\xE9",
        b"\xAC\x20",
        b"\x20\xAC",
        b"\xFE\xFF\x00\x41",
        b"\xFF\xFE\x41\x00",
        b"\x00\xD8\x00\xDC",
        b"\xD8\x00\xDC\x00",
        b"\x41\x00\x00\x00",
        b"\x00\x00\x00\x41",
        b"\x00\x00\xFE\xFF\x00\x00\x00\x41",
        b"\xFF\xFE\x00\x00\x41\x00\x00\x00",
        b"\x00\x11\x00\x00",
        b"\x00\x00\x11\x00",
        b"\x7F\xFF\xFF\xFF",
        b"\xFF\xFF\xFF\x7F",
        b"\x00\x00\xD8\x00",
        b"\x00\xD8\x00\x00",
        b"\xC3\xA9",
        b"\xE2\x82\xAC",
        b"\xF0\x9F\x98\x80",
        b"\xF8\x88\x80\x80\x80",
        b"\xEF\xBB\xBF\x41",
        b"+AGE-",
        b"&AGE-",
        b"\x1B\x24\x42\x30\x21",
        b"\x81\x40",
        b"\xA1\xA1",
        b"\x0E\x41\x41\x0F",
    ];
    probes.extend(sequences.iter().map(|s| s.to_vec()));
    probes
}

/// The fingerprint of a name, or `None` if iconv cannot open it. Each probe gets a fresh
/// descriptor: glibc's UTF-16 and UTF-32 decoders keep a byte order learnt from a BOM across
/// resets.
pub fn fingerprint(name: &str) -> Option<Vec<Conversion>> {
    Iconv::open(name)?;
    probes()
        .iter()
        .map(|p| Some(Iconv::open(name)?.convert(p)))
        .collect()
}
