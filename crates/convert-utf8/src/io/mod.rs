//! Files and streams: decoding from any [`Read`](std::io::Read) into any
//! [`Write`](std::io::Write) in constant memory, and converting a file to UTF-8 in place without
//! ever leaving it half-written.
//!
//! This module owns what every face that touches files needs: bounded buffers (64 KiB of input at
//! a time, whatever the input size), read errors told apart from write errors, decode errors with
//! positions counted from the start of the input, and the atomic-replace dance (temporary file in
//! the same directory, unnamed until the end where the system allows, fsync, permissions
//! copied, rename) used when the output is also the input.
//!
//! One file per concern:
//!
//! - `stream.rs`: [`transcode`] and [`transcode_in_chunks`], the read-decode-write loop, its
//!   chunk size ([`DEFAULT_CHUNK_SIZE`]) and what it reports ([`Transcoded`]);
//! - `error.rs`: [`TranscodeError`] in glibc's `iconv` wording, and [`describe_io_error`], the
//!   system's text for an I/O error;
//! - `same_file.rs`: [`is_same_file`], whether an output path names the input file;
//! - `atomic.rs`: [`AtomicReplace`], the temporary file, its commit (fsync, permissions,
//!   rename) and its cleanup;
//! - `file.rs`: [`convert_file`], a file converted into its destination or in place through
//!   the above;
//! - `test_support.rs`: helpers the tests of these files share.
//!
//! ```
//! use convert_utf8::io::transcode;
//! use convert_utf8::{Charset, Decoder, ErrorPolicy};
//!
//! let mut decoder = Decoder::new(Charset::for_label("UTF-8")?, ErrorPolicy::Strict);
//! let mut out = Vec::new();
//! let done = transcode(&mut decoder, &b"caf\xC3\xA9"[..], &mut out)?;
//! assert_eq!(out, "café".as_bytes());
//! assert_eq!((done.read, done.written, done.errors), (5, 5, 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod atomic;
mod error;
mod file;
mod same_file;
mod stream;
#[cfg(test)]
mod test_support;

pub use atomic::{AtomicReplace, is_temporary_name};
pub use error::{TranscodeError, describe_io_error};
pub use file::convert_file;
pub use same_file::is_same_file;
pub use stream::{DEFAULT_CHUNK_SIZE, Transcoded, transcode, transcode_in_chunks};
