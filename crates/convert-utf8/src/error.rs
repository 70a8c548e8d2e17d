//! Error types and error policies: what went wrong, where, and what to do about it.
//!
//! Every face (CLI, C ABI, Python) translates these; none re-implements them.

use std::fmt;

/// The longest bad sequence a decoder reports, in bytes. [`DecodeError::bytes`] holds all of it.
pub const MAX_BAD_SEQUENCE_LEN: usize = 16;

/// What kind of bad input was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A sequence the charset does not define (glibc: "illegal input sequence").
    Invalid,
    /// Input ended inside a character or shift sequence (glibc: "incomplete character or shift
    /// sequence at end of buffer"). Only reported when the caller says the input is complete.
    Truncated,
}

/// One bad sequence: where it starts, how long it is, and its bytes.
///
/// `offset` counts bytes from the start of the input the decoder was given (since it was created,
/// [`reset`](crate::Decoder::reset) or [`begin_next_input`](crate::Decoder::begin_next_input)),
/// across every call, so it is the same whatever the chunking. `len` is the unit glibc's
/// `iconv -c` would drop.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DecodeError {
    pub(crate) kind: ErrorKind,
    pub(crate) offset: u64,
    pub(crate) len: u8,
    pub(crate) bytes: [u8; MAX_BAD_SEQUENCE_LEN],
}

impl DecodeError {
    /// Builds an error from its parts; `bytes` must hold the bad sequence (at most
    /// [`MAX_BAD_SEQUENCE_LEN`] bytes are kept).
    pub fn new(kind: ErrorKind, offset: u64, bytes: &[u8]) -> Self {
        let len = bytes.len().min(MAX_BAD_SEQUENCE_LEN);
        let mut stored = [0u8; MAX_BAD_SEQUENCE_LEN];
        stored[..len].copy_from_slice(&bytes[..len]);
        DecodeError {
            kind,
            offset,
            len: len as u8,
            bytes: stored,
        }
    }

    /// Invalid or truncated.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Absolute byte offset of the first byte of the bad sequence.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Length of the bad sequence in bytes (at least 1).
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Always false: a bad sequence has at least one byte. Present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Offset one past the last byte of the bad sequence.
    pub fn end(&self) -> u64 {
        self.offset + u64::from(self.len)
    }

    /// The bad bytes themselves, even when they were split across calls.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("kind", &self.kind)
            .field("offset", &self.offset)
            .field("bytes", &format_args!("{}", HexBytes(self.bytes())))
            .finish()
    }
}

/// Renders bytes as `0x82 0xE2`.
pub(crate) struct HexBytes<'a>(pub &'a [u8]);

impl fmt::Display for HexBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "0x{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Display for DecodeError {
    /// glibc's wording, followed by the bytes: scripts that match glibc's text still match.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::Invalid => write!(
                f,
                "illegal input sequence at position {} (bytes {})",
                self.offset,
                HexBytes(self.bytes())
            ),
            ErrorKind::Truncated => write!(
                f,
                "incomplete character or shift sequence at end of buffer (position {}, bytes {})",
                self.offset,
                HexBytes(self.bytes())
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// What a [`Decoder`](crate::Decoder) does with a bad sequence.
///
/// Custom policies (Python's `backslashreplace`, `surrogateescape`, user callbacks) are built on
/// [`ErrorPolicy::Strict`]: the decoder stops at each bad sequence with a [`DecodeError`] carrying
/// its bytes and span, the caller emits what it likes, and calls again to continue after it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorPolicy {
    /// Stop at every bad sequence and report it.
    #[default]
    Strict,
    /// Drop exactly the bytes glibc's `iconv -c` drops, and go on. Errors are still counted.
    Ignore,
    /// Write U+FFFD for each bad sequence (one per unit `iconv -c` would drop), and go on.
    Replace,
}

impl ErrorPolicy {
    /// The policy for a Python-style `errors=` name: `strict`, `ignore` or `replace`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "strict" => Some(ErrorPolicy::Strict),
            "ignore" => Some(ErrorPolicy::Ignore),
            "replace" => Some(ErrorPolicy::Replace),
            _ => None,
        }
    }
}

/// Everything that can go wrong in the engine.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The label names no charset known to glibc, WHATWG, Python or common mail software.
    #[error("conversion from `{label}' is not supported: unknown charset{}", suggestion_suffix(.suggestion))]
    UnknownCharset {
        /// The label as given.
        label: String,
        /// The closest known name, if one is close.
        suggestion: Option<&'static str>,
    },
    /// A conversion target other than UTF-8 was asked for.
    #[error("conversion to `{label}' is not supported: convert-utf8 only writes UTF-8")]
    UnsupportedTarget {
        /// The target as given.
        label: String,
    },
    /// Bad input under [`ErrorPolicy::Strict`].
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

fn suggestion_suffix(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}'?)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_keeps_glibc_wording_and_adds_bytes() {
        let e = DecodeError::new(ErrorKind::Invalid, 2, &[0x82, 0xE2]);
        assert_eq!(
            e.to_string(),
            "illegal input sequence at position 2 (bytes 0x82 0xE2)"
        );
        let t = DecodeError::new(ErrorKind::Truncated, 7, &[0xE2]);
        assert!(
            t.to_string()
                .starts_with("incomplete character or shift sequence at end of buffer")
        );
        assert_eq!(t.end(), 8);
    }

    #[test]
    fn long_sequences_are_capped() {
        let e = DecodeError::new(ErrorKind::Invalid, 0, &[1u8; 40]);
        assert_eq!(e.len(), MAX_BAD_SEQUENCE_LEN);
    }

    #[test]
    fn policy_names() {
        assert_eq!(ErrorPolicy::from_name("ignore"), Some(ErrorPolicy::Ignore));
        assert_eq!(ErrorPolicy::from_name("surrogateescape"), None);
    }
}
