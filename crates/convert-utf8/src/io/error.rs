//! The failures of [`transcode`] and [`convert_file`], told apart (open, read, write, decode,
//! charset), and the system's text for an I/O error in the words glibc's `iconv` prints.

use crate::error::DecodeError;
use std::fmt;
use std::io;
#[cfg(doc)] // Named in the documentation only.
use {super::convert_file, super::transcode, crate::error::ErrorPolicy};

/// Why a [`transcode`] or [`convert_file`] failed. Whatever was decoded before the failure has
/// been written (except by [`convert_file`], which then leaves its destination untouched).
#[derive(Debug)]
#[non_exhaustive]
pub enum TranscodeError {
    /// The input could not be opened.
    Open(io::Error),
    /// Reading the input failed (for example, it is a directory).
    Read(io::Error),
    /// Creating, writing, syncing or renaming the output failed (for example, the disk is full).
    Write(io::Error),
    /// A bad sequence under [`ErrorPolicy::Strict`]; its offset counts from the input's start.
    Decode(DecodeError),
}

impl fmt::Display for TranscodeError {
    /// glibc's `iconv` wording, with the system's reason where there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TranscodeError::Open(e) => {
                write!(f, "cannot open input file: {}", describe_io_error(e))
            }
            TranscodeError::Read(e) => {
                write!(f, "error while reading the input: {}", describe_io_error(e))
            }
            TranscodeError::Write(e) => write!(
                f,
                "conversion stopped due to problem in writing the output: {}",
                describe_io_error(e)
            ),
            TranscodeError::Decode(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for TranscodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TranscodeError::Open(e) | TranscodeError::Read(e) | TranscodeError::Write(e) => Some(e),
            TranscodeError::Decode(e) => Some(e),
        }
    }
}

/// The system's text for an I/O error, as C's `strerror` gives it (`No space left on device`),
/// without the ` (os error 28)` that Rust's `Display` adds: the words glibc's `iconv` prints.
///
/// ```
/// let e = std::io::Error::from_raw_os_error(2);
/// assert_eq!(convert_utf8::io::describe_io_error(&e), "No such file or directory");
/// ```
pub fn describe_io_error(error: &io::Error) -> String {
    let text = error.to_string();
    match error.raw_os_error() {
        Some(code) => text
            .strip_suffix(&format!(" (os error {code})"))
            .map_or_else(|| text.clone(), str::to_owned),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_error_text_is_strerror() {
        let e = io::Error::from_raw_os_error(28);
        assert_eq!(describe_io_error(&e), "No space left on device");
        let custom = io::Error::other("custom");
        assert_eq!(describe_io_error(&custom), "custom");
    }
}
