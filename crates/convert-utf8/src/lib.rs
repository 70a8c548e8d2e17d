//! convert-utf8 decodes every charset glibc iconv decodes into UTF-8: in-process, streaming in
//! constant memory, byte for byte the same output as `iconv -f X -t UTF-8` on valid input, and the
//! same error positions on invalid input.
//!
//! # Quick start
//!
//! ```
//! // One shot.
//! let text = convert_utf8::decode_to_string("utf8", b"caf\xC3\xA9")?;
//! assert_eq!(text, "café");
//!
//! // UTF-16 with a big-endian byte order mark, as glibc reads it.
//! let text = convert_utf8::decode_to_string("UTF-16", b"\xFE\xFF\x00h\x00i")?;
//! assert_eq!(text, "hi");
//!
//! // Errors say what and where: here an unpaired surrogate.
//! let err = convert_utf8::decode_to_string("UTF-16LE", b"a\x00\x00\xDCb\x00").unwrap_err();
//! assert_eq!(err.to_string(), "illegal input sequence at position 2 (bytes 0x00 0xDC)");
//! # Ok::<(), convert_utf8::Error>(())
//! ```
//!
//! Streaming goes through a [`Decoder`]: input from the caller, UTF-8 into the caller's buffer,
//! no allocation per call, any split of the input allowed.
//!
//! # Charset names
//!
//! [`Charset::for_label`] accepts every name glibc iconv accepts, with glibc's normalisation
//! ([`normalize_glibc`]) and suffixes ([`parse_label`]: `//IGNORE`, `//TRANSLIT`), then WHATWG
//! labels (`x-sjis`) and Python codec names (`latin_1`), each meaning the glibc charset that
//! decodes like it. Where glibc and the WHATWG Encoding Standard disagree (`latin1`, `ascii`,
//! `gb2312`, ...), glibc's meaning is the default and [`LabelMode::Whatwg`] gives the WHATWG one.
//! Unknown names come with a "did you mean" suggestion.
//!
//! # Differences from glibc
//!
//! Output is always valid UTF-8: where glibc lets 5- and 6-byte forms or values above U+10FFFF
//! through its UTF-8, UCS-4, UCS-4LE and INTERNAL (WCHAR_T) decoders, convert-utf8 reports an
//! invalid sequence instead, covering the whole sequence glibc would have decoded.

#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod charset;
mod decoder;
pub mod detect;
mod error;
pub mod io;
mod label;
mod tables;

pub use charset::unicode::is_well_formed_utf8;
pub use charset::{Charset, Family};
pub use decoder::{DecodeStatus, DecodeStep, Decoder, MIN_OUTPUT_SPACE};
pub use detect::{Detection, Detector, detect, detect_with_declared};
pub use error::{DecodeError, Error, ErrorKind, ErrorPolicy, MAX_BAD_SEQUENCE_LEN};
pub use label::{LabelMode, ParsedLabel, normalize_glibc, parse_label};

impl Charset {
    /// Decodes all of `bytes` to UTF-8 bytes under `policy`.
    pub fn decode_to_vec(self, bytes: &[u8], policy: ErrorPolicy) -> Result<Vec<u8>, Error> {
        let mut decoder = Decoder::new(self, policy);
        let mut out = Vec::with_capacity(bytes.len().saturating_add(MIN_OUTPUT_SPACE));
        decoder.decode_to_vec(bytes, &mut out)?;
        Ok(out)
    }

    /// Decodes all of `bytes` to UTF-16 code units under `policy`.
    pub fn decode_to_utf16(self, bytes: &[u8], policy: ErrorPolicy) -> Result<Vec<u16>, Error> {
        let mut decoder = Decoder::new(self, policy);
        let mut out = Vec::with_capacity(bytes.len().saturating_add(MIN_OUTPUT_SPACE));
        decoder.decode_to_utf16_vec(bytes, &mut out)?;
        Ok(out)
    }

    /// Decodes all of `bytes` to a `String` under `policy`.
    ///
    /// ```
    /// use convert_utf8::{Charset, ErrorPolicy};
    /// let utf8 = Charset::for_label("UTF-8")?;
    /// assert_eq!(utf8.decode_to_string(b"x\xFFy", ErrorPolicy::Replace)?, "x\u{FFFD}y");
    /// # Ok::<(), convert_utf8::Error>(())
    /// ```
    pub fn decode_to_string(self, bytes: &[u8], policy: ErrorPolicy) -> Result<String, Error> {
        let out = self.decode_to_vec(bytes, policy)?;
        // Decoders only ever write valid UTF-8; a failure here is a bug, not bad input.
        Ok(String::from_utf8(out).expect("decoders write valid UTF-8"))
    }
}

/// Decodes `bytes` in the charset named by `label` (glibc's meaning) to a `String`, stopping at
/// the first bad sequence.
pub fn decode_to_string(label: &str, bytes: &[u8]) -> Result<String, Error> {
    Charset::for_label(label)?.decode_to_string(bytes, ErrorPolicy::Strict)
}

/// Decodes `bytes` in the charset named by `label` (glibc's meaning) to UTF-8 bytes, stopping at
/// the first bad sequence.
pub fn decode_to_vec(label: &str, bytes: &[u8]) -> Result<Vec<u8>, Error> {
    Charset::for_label(label)?.decode_to_vec(bytes, ErrorPolicy::Strict)
}
