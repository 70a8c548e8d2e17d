//! Files and streams: decoding from any [`Read`] into any [`Write`] in constant memory, and
//! converting a file to UTF-8 in place without ever leaving it half-written.
//!
//! This module owns what every face that touches files needs: bounded buffers (64 KiB of input at
//! a time, whatever the input size), read errors told apart from write errors, decode errors with
//! positions counted from the start of the input, and the atomic-replace dance (temporary file in
//! the same directory, unnamed until the end where the system allows, fsync, permissions
//! copied, rename) used when the output is also the input.
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

use crate::charset::Charset;
use crate::decoder::{DecodeStatus, Decoder, MIN_OUTPUT_SPACE};
use crate::error::{DecodeError, ErrorPolicy};
use std::fmt;
use std::fs::{self, File, Permissions};
use std::io::{self, ErrorKind as IoErrorKind, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// How much input [`transcode`] reads at a time. Output buffers are sized from it with
/// [`Decoder::max_utf8_len`], so memory stays bounded whatever the input size.
pub const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;

/// What a successful [`transcode`] or [`convert_file`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transcoded {
    /// Input bytes read.
    pub read: u64,
    /// UTF-8 bytes written.
    pub written: u64,
    /// Bad sequences dropped or replaced (always 0 under [`ErrorPolicy::Strict`], which stops
    /// at the first one instead).
    pub errors: u64,
    /// The first of those bad sequences.
    pub first_error: Option<DecodeError>,
    /// The input ended inside a character or shift sequence, which the policy dropped or
    /// replaced (glibc: "incomplete character or shift sequence at end of buffer").
    pub truncated: bool,
}

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

/// Decodes everything `reader` yields as one complete input and writes the UTF-8 to `writer`,
/// reading [`DEFAULT_CHUNK_SIZE`] bytes at a time.
///
/// The input starts with [`Decoder::begin_next_input`] (positions count from its first byte;
/// between several inputs the decoder keeps what glibc's `iconv` keeps between files), so the
/// same decoder can be passed for each of several files. Under [`ErrorPolicy::Strict`] it stops
/// at the first bad sequence after writing everything before it; under the other policies it
/// goes to the end and counts them. `writer` is flushed at the end; it only ever sees non-empty
/// writes, so a writer that opens its file lazily creates nothing for an empty output.
///
/// ```
/// use convert_utf8::io::{TranscodeError, transcode};
/// use convert_utf8::{Charset, Decoder, ErrorPolicy};
///
/// let utf8 = Charset::for_label("UTF-8")?;
/// let mut out = Vec::new();
/// let mut strict = Decoder::new(utf8, ErrorPolicy::Strict);
/// match transcode(&mut strict, &b"ab\xFFcd"[..], &mut out) {
///     Err(TranscodeError::Decode(e)) => assert_eq!(e.offset(), 2),
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(out, b"ab"); // what came before the error is written
///
/// out.clear();
/// let mut ignoring = Decoder::new(utf8, ErrorPolicy::Ignore);
/// let done = transcode(&mut ignoring, &b"ab\xFFcd"[..], &mut out)?;
/// assert_eq!((out.as_slice(), done.errors), (&b"abcd"[..], 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn transcode<R: Read, W: Write>(
    decoder: &mut Decoder,
    reader: R,
    writer: W,
) -> Result<Transcoded, TranscodeError> {
    transcode_in_chunks(decoder, reader, writer, DEFAULT_CHUNK_SIZE)
}

/// [`transcode`] with input read `chunk_size` bytes at a time (at least 1).
pub fn transcode_in_chunks<R: Read, W: Write>(
    decoder: &mut Decoder,
    mut reader: R,
    mut writer: W,
    chunk_size: usize,
) -> Result<Transcoded, TranscodeError> {
    decoder.begin_next_input();
    let chunk_size = chunk_size.max(1);
    let mut input = vec![0u8; chunk_size];
    // Room for a whole chunk's worst case means one decode call per chunk; the cap keeps
    // memory bounded even for a decoder with a huge bound (OutputFull is handled anyway).
    let output_size = decoder
        .max_utf8_len(chunk_size)
        .unwrap_or(usize::MAX)
        .clamp(MIN_OUTPUT_SPACE, chunk_size.saturating_mul(4).max(4096));
    let mut sink = Sink {
        writer: &mut writer,
        output: vec![0u8; output_size],
        written: 0,
    };
    let mut read: u64 = 0;
    loop {
        let n = match reader.read(&mut input) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == IoErrorKind::Interrupted => continue,
            Err(e) => return Err(TranscodeError::Read(e)),
        };
        read += n as u64;
        sink.decode(decoder, &input[..n], false)?;
    }
    sink.decode(decoder, &[], true)?;
    let truncated = decoder.truncated();
    sink.writer.flush().map_err(TranscodeError::Write)?;
    Ok(Transcoded {
        read,
        written: sink.written,
        errors: decoder.error_count(),
        first_error: decoder.first_error(),
        truncated,
    })
}

/// The output half of [`transcode`]: one reusable buffer, written out after each decode call.
struct Sink<'w, W: Write> {
    writer: &'w mut W,
    output: Vec<u8>,
    written: u64,
}

impl<W: Write> Sink<'_, W> {
    fn decode(
        &mut self,
        decoder: &mut Decoder,
        src: &[u8],
        last: bool,
    ) -> Result<(), TranscodeError> {
        let mut consumed = 0;
        loop {
            let step = decoder.decode(&src[consumed..], &mut self.output, last);
            consumed += step.read;
            if step.written > 0 {
                self.writer
                    .write_all(&self.output[..step.written])
                    .map_err(TranscodeError::Write)?;
                self.written += step.written as u64;
            }
            match step.status {
                DecodeStatus::InputEmpty => return Ok(()),
                DecodeStatus::OutputFull => {}
                DecodeStatus::Error(e) => return Err(TranscodeError::Decode(e)),
            }
        }
    }
}

/// Whether two paths name the same file (same device and inode), as hard links or symbolic
/// links can make two different paths do. A path that does not exist names no file.
pub fn is_same_file(a: &Path, b: &Path) -> io::Result<bool> {
    let a = match fs::metadata(a) {
        Ok(m) => m,
        Err(e) if e.kind() == IoErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    match fs::metadata(b) {
        Ok(b) => Ok(a.dev() == b.dev() && a.ino() == b.ino()),
        Err(e) if e.kind() == IoErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// A file replaced all at once: writes go to a temporary file in the target's directory, and
/// [`commit`](Self::commit) syncs it, gives it the permissions of the file it replaces and
/// renames it over the target. Dropped without `commit` (an error, a panic), it deletes the
/// temporary file and leaves the target as it was.
///
/// On Linux the temporary file is unnamed (`O_TMPFILE`) until `commit` links it in under a
/// temporary name right before the rename, so a process killed while writing (SIGKILL, power
/// loss) leaves nothing behind in the directory. Where the filesystem refuses unnamed files,
/// it is a hidden `.convert-utf8-XXXXXX.tmp` from the start.
///
/// ```
/// use std::io::Write;
/// use convert_utf8::io::AtomicReplace;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("notes.txt");
/// std::fs::write(&path, "old")?;
/// let mut replacement = AtomicReplace::new(&path)?;
/// replacement.write_all(b"new")?;
/// assert_eq!(std::fs::read(&path)?, b"old"); // untouched until commit
/// replacement.commit()?;
/// assert_eq!(std::fs::read(&path)?, b"new");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct AtomicReplace {
    temp: Temporary,
    /// The file to replace, with symbolic links resolved so that a link keeps pointing at the
    /// (converted) file instead of being replaced by a regular file.
    target: PathBuf,
    /// The replaced file's permissions; `None` for a new file (which gets 0666 less the umask).
    permissions: Option<Permissions>,
}

/// Where the content waits for the commit.
#[derive(Debug)]
enum Temporary {
    /// An `O_TMPFILE` file in `dir`: no name until the commit.
    Unnamed { file: File, dir: PathBuf },
    /// A named temporary file, deleted when dropped.
    Named(tempfile::NamedTempFile),
}

/// Names of temporary files: hidden, and saying what left them.
fn temporary_name() -> tempfile::Builder<'static, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".convert-utf8-").suffix(".tmp");
    builder
}

/// An unnamed file in `dir` for writing, with mode 0666 less the umask like any new file;
/// `Ok(None)` where the kernel or filesystem has no unnamed files.
#[cfg(target_os = "linux")]
fn create_unnamed(dir: &Path) -> io::Result<Option<File>> {
    use rustix::fs::{CWD, Mode, OFlags, openat};
    use rustix::io::Errno;
    let flags = OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC;
    match openat(CWD, dir, flags, Mode::from_raw_mode(0o666)) {
        Ok(fd) => {
            let file = File::from(fd);
            // Linking it in at commit goes through its /proc/self/fd entry (the way open(2)
            // documents for unprivileged processes): without /proc, fall back to a name now
            // rather than fail after the whole conversion.
            Ok(Path::new(&proc_fd_path(&file)).exists().then_some(file))
        }
        // Old kernels report EISDIR (O_TMPFILE includes O_DIRECTORY); filesystems without
        // support EOPNOTSUPP; some report EINVAL.
        Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn create_unnamed(_dir: &Path) -> io::Result<Option<File>> {
    Ok(None)
}

#[cfg(target_os = "linux")]
fn proc_fd_path(file: &File) -> String {
    use std::os::fd::AsRawFd;
    format!("/proc/self/fd/{}", file.as_raw_fd())
}

/// Gives the unnamed `file` the name `path` (which must not exist).
#[cfg(target_os = "linux")]
fn link_unnamed(file: &File, path: &Path) -> io::Result<()> {
    use rustix::fs::{AtFlags, CWD, linkat};
    linkat(CWD, proc_fd_path(file), CWD, path, AtFlags::SYMLINK_FOLLOW)?;
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn link_unnamed(_file: &File, _path: &Path) -> io::Result<()> {
    unreachable!("unnamed files are only created on Linux")
}

impl AtomicReplace {
    /// Prepares to replace `target` (which need not exist yet).
    pub fn new(target: &Path) -> io::Result<AtomicReplace> {
        AtomicReplace::with_unnamed(target, true)
    }

    /// [`new`](Self::new), trying an unnamed temporary file only if `unnamed` (so that tests
    /// reach the named one on filesystems that have both).
    fn with_unnamed(target: &Path, unnamed: bool) -> io::Result<AtomicReplace> {
        let (target, permissions) = match fs::canonicalize(target) {
            Ok(real) => {
                let permissions = fs::metadata(&real)?.permissions();
                (real, Some(permissions))
            }
            Err(e) if e.kind() == IoErrorKind::NotFound => (target.to_path_buf(), None),
            Err(e) => return Err(e),
        };
        let dir = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let unnamed = if unnamed { create_unnamed(dir)? } else { None };
        let temp = match unnamed {
            Some(file) => Temporary::Unnamed {
                file,
                dir: dir.to_path_buf(),
            },
            // Created with 0666 and the umask applied, like any new file; an existing file's
            // exact mode is copied at commit. Opened here rather than by `tempfile_in`, whose
            // errors carry the temporary path in place of the OS error code.
            None => Temporary::Named(temporary_name().make_in(dir, |path| {
                File::options()
                    .write(true)
                    .create_new(true)
                    .mode(0o666)
                    .open(path)
            })?),
        };
        Ok(AtomicReplace {
            temp,
            target,
            permissions,
        })
    }

    /// The file that [`commit`](Self::commit) replaces.
    pub fn target(&self) -> &Path {
        &self.target
    }

    fn file(&mut self) -> &mut File {
        match &mut self.temp {
            Temporary::Unnamed { file, .. } => file,
            Temporary::Named(named) => named.as_file_mut(),
        }
    }

    /// Makes the written content durable and puts it in place of the target in one rename.
    /// On error the target is untouched and the temporary file is removed.
    pub fn commit(mut self) -> io::Result<()> {
        let file = self.file();
        file.sync_all()?;
        if let Some(permissions) = self.permissions.clone() {
            self.file().set_permissions(permissions)?;
        }
        let AtomicReplace { temp, target, .. } = self;
        match temp {
            Temporary::Unnamed { file, dir } => {
                // A rename cannot take a descriptor: the file gets a temporary name first.
                // Only a kill between these two calls leaves it behind.
                let linked = temporary_name().make_in(&dir, |path| link_unnamed(&file, path))?;
                linked.persist(&target).map_err(|e| e.error)?;
            }
            Temporary::Named(named) => {
                named.persist(&target).map_err(|e| e.error)?;
            }
        }
        // The rename itself is durable only once the directory is synced.
        if let Some(dir) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

/// Writes go to the temporary file's `File` itself: `NamedTempFile`'s own `Write` wraps each
/// error with the temporary path, which hides the OS error code (Python's `convert_file` then
/// raised an `OSError` without `errno`) and put the temporary name and "(os error 27)" into the
/// CLI's message. Found by the disk-full fault tests.
impl Write for AtomicReplace {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file().write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file().flush()
    }
}

/// Converts the file `src` from `charset` to UTF-8.
///
/// The result goes to `dst`, or back to `src` when `dst` is `None` or names the same file
/// (same path, a hard link or a symbolic link to it). Either way the destination is replaced
/// atomically through [`AtomicReplace`]: on any error (a bad sequence under
/// [`ErrorPolicy::Strict`], a read error, a full disk) it keeps its old content (or does not
/// appear) and no temporary file is left behind. Under the other policies the conversion
/// completes and [`Transcoded::errors`] says how many bad sequences were dropped or replaced.
///
/// ```
/// use convert_utf8::io::{TranscodeError, convert_file};
/// use convert_utf8::{Charset, ErrorPolicy};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("letter.txt");
/// let utf8 = Charset::for_label("UTF-8")?;
///
/// std::fs::write(&path, "ünïcödé")?;
/// convert_file(&path, None, utf8, ErrorPolicy::Strict)?;
/// assert_eq!(std::fs::read_to_string(&path)?, "ünïcödé");
///
/// // A bad sequence under Strict: the file keeps its content.
/// std::fs::write(&path, b"ok\xFF")?;
/// let err = convert_file(&path, None, utf8, ErrorPolicy::Strict).unwrap_err();
/// assert!(matches!(err, TranscodeError::Decode(e) if e.offset() == 2));
/// assert_eq!(std::fs::read(&path)?, b"ok\xFF");
///
/// // Under Ignore it completes, dropping what `iconv -c` drops.
/// let done = convert_file(&path, None, utf8, ErrorPolicy::Ignore)?;
/// assert_eq!((std::fs::read(&path)?, done.errors), (b"ok".to_vec(), 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn convert_file(
    src: &Path,
    dst: Option<&Path>,
    charset: Charset,
    policy: ErrorPolicy,
) -> Result<Transcoded, TranscodeError> {
    let mut decoder = Decoder::new(charset, policy);
    let input = File::open(src).map_err(TranscodeError::Open)?;
    let mut output = AtomicReplace::new(dst.unwrap_or(src)).map_err(TranscodeError::Write)?;
    let done = transcode(&mut decoder, input, &mut output)?;
    output.commit().map_err(TranscodeError::Write)?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use std::os::unix::fs::PermissionsExt;

    fn utf8() -> Charset {
        Charset::for_label("UTF-8").unwrap()
    }

    fn decoder(policy: ErrorPolicy) -> Decoder {
        Decoder::new(utf8(), policy)
    }

    /// Accepts `room` bytes, then fails like a full disk.
    struct FullAfter {
        room: usize,
        taken: Vec<u8>,
    }

    impl Write for FullAfter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::from_raw_os_error(28));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.taken.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Yields `good`, then an error (interrupting once first, which must be retried).
    struct FailingReader {
        good: Vec<u8>,
        interrupted: bool,
    }

    impl Read for FailingReader {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if !self.good.is_empty() {
                let n = buf.len().min(self.good.len());
                buf[..n].copy_from_slice(&self.good[..n]);
                self.good.drain(..n);
                return Ok(n);
            }
            if !self.interrupted {
                self.interrupted = true;
                return Err(io::Error::from(IoErrorKind::Interrupted));
            }
            Err(io::Error::from_raw_os_error(21))
        }
    }

    #[test]
    fn every_chunk_size_gives_the_same_output_and_positions() {
        let text = "añb€c😀d".repeat(50).into_bytes();
        let mut bad = text.clone();
        bad.insert(299, 0xFF); // between two repetitions of the 13-byte text
        for chunk in [1, 2, 3, 5, 7, 64, 4096] {
            let mut out = Vec::new();
            let done = transcode_in_chunks(
                &mut decoder(ErrorPolicy::Strict),
                &text[..],
                &mut out,
                chunk,
            )
            .unwrap();
            assert_eq!(out, text, "chunk {chunk}");
            assert_eq!(
                (done.read, done.written),
                (text.len() as u64, text.len() as u64)
            );

            out.clear();
            let err =
                transcode_in_chunks(&mut decoder(ErrorPolicy::Strict), &bad[..], &mut out, chunk)
                    .unwrap_err();
            match err {
                TranscodeError::Decode(e) => {
                    assert_eq!((e.offset(), e.bytes()), (299, &[0xFF][..]), "chunk {chunk}")
                }
                other => panic!("chunk {chunk}: {other:?}"),
            }
            assert_eq!(out, &text[..299]);
        }
    }

    #[test]
    fn ignore_counts_and_reports_a_truncated_end() {
        let mut out = Vec::new();
        let mut d = decoder(ErrorPolicy::Ignore);
        let done = transcode_in_chunks(&mut d, &b"a\xFFb\xFEc\xE2\x82"[..], &mut out, 3).unwrap();
        assert_eq!(out, b"abc");
        assert_eq!(done.errors, 3);
        assert_eq!(done.first_error.unwrap().offset(), 1);
        assert!(done.truncated);

        out.clear();
        let done = transcode(&mut d, &b"x\xFFy"[..], &mut out).unwrap();
        assert!(!done.truncated, "a new input starts clean");
        assert_eq!((done.errors, out.as_slice()), (1, &b"xy"[..]));
    }

    /// A UTF-8 byte that can begin no sequence is held at the end of a chunk (it would take
    /// continuation bytes along), so the end of input is where it is found to be bad; it is
    /// still a bad byte, not an input ending inside a sequence. glibc's `iconv -c` says nothing
    /// of incompleteness for it.
    #[test]
    fn a_bad_byte_found_at_the_end_is_not_truncation() {
        for input in [&b"a\xFF"[..], b"\xFF\xFF\xFF", b"\x80"] {
            for chunk in [1, 2, 4096] {
                let mut out = Vec::new();
                let mut d = decoder(ErrorPolicy::Ignore);
                let done = transcode_in_chunks(&mut d, input, &mut out, chunk).unwrap();
                assert!(!done.truncated, "{input:02X?} in chunks of {chunk}");
                assert!(done.errors > 0);
            }
        }
    }

    #[test]
    fn strict_reports_truncation_as_its_own_kind() {
        let mut out = Vec::new();
        let err = transcode(
            &mut decoder(ErrorPolicy::Strict),
            &b"ab\xE2\x82"[..],
            &mut out,
        )
        .unwrap_err();
        assert!(matches!(err, TranscodeError::Decode(e) if e.kind() == ErrorKind::Truncated));
        assert_eq!(out, b"ab");
    }

    #[test]
    fn write_errors_are_told_apart_from_read_errors() {
        let text = vec![b'x'; 200_000];
        let mut full = FullAfter {
            room: 70_000,
            taken: Vec::new(),
        };
        let err = transcode(&mut decoder(ErrorPolicy::Strict), &text[..], &mut full).unwrap_err();
        assert!(matches!(&err, TranscodeError::Write(e) if e.raw_os_error() == Some(28)));
        assert_eq!(
            err.to_string(),
            "conversion stopped due to problem in writing the output: No space left on device"
        );
        assert_eq!(full.taken.len(), 70_000);

        let reader = FailingReader {
            good: b"abc".to_vec(),
            interrupted: false,
        };
        let mut out = Vec::new();
        let err = transcode(&mut decoder(ErrorPolicy::Strict), reader, &mut out).unwrap_err();
        assert_eq!(
            err.to_string(),
            "error while reading the input: Is a directory"
        );
        assert_eq!(out, b"abc");
    }

    #[test]
    fn empty_output_means_no_write_calls() {
        struct NoWrites;
        impl Write for NoWrites {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                panic!("written to")
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        transcode(
            &mut decoder(ErrorPolicy::Ignore),
            &b"\xFF\xFE"[..],
            NoWrites,
        )
        .unwrap();
        transcode(&mut decoder(ErrorPolicy::Strict), &b""[..], NoWrites).unwrap();
    }

    fn temp_files(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".convert-utf8-"))
            .collect()
    }

    /// `path` holds `content` with permission bits `mode`, and no temporary file is left.
    fn assert_replaced(path: &Path, content: &[u8], mode: u32) {
        assert_eq!(fs::read(path).unwrap(), content);
        assert_eq!(
            fs::metadata(path).unwrap().permissions().mode() & 0o777,
            mode
        );
        assert!(temp_files(path.parent().unwrap()).is_empty());
    }

    #[test]
    fn in_place_conversion_of_a_big_file_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.txt");
        let text = "ünïcödé\n".repeat(20_000).into_bytes();
        fs::write(&path, &text).unwrap();
        fs::set_permissions(&path, Permissions::from_mode(0o640)).unwrap();
        let done = convert_file(&path, None, utf8(), ErrorPolicy::Strict).unwrap();
        assert_eq!(done.read, text.len() as u64);
        assert_replaced(&path, &text, 0o640);
    }

    #[test]
    fn the_temporary_file_has_no_name_until_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("text.txt");
        fs::write(&path, b"old").unwrap();
        fs::set_permissions(&path, Permissions::from_mode(0o604)).unwrap();
        let mut replacement = AtomicReplace::new(&path).unwrap();
        replacement.write_all(b"new").unwrap();
        if cfg!(target_os = "linux") {
            // Every Linux filesystem the tests run on (ext4, tmpfs, btrfs, xfs) has O_TMPFILE.
            assert!(matches!(replacement.temp, Temporary::Unnamed { .. }));
            assert!(temp_files(dir.path()).is_empty(), "a name before commit");
        }
        replacement.commit().unwrap();
        assert_replaced(&path, b"new", 0o604);
    }

    /// Where unnamed files are refused, a named temporary file does the same job.
    #[test]
    fn the_named_fallback_replaces_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("text.txt");
        fs::write(&path, b"old").unwrap();
        fs::set_permissions(&path, Permissions::from_mode(0o640)).unwrap();
        let mut replacement = AtomicReplace::with_unnamed(&path, false).unwrap();
        replacement.write_all(b"new").unwrap();
        assert_eq!(temp_files(dir.path()).len(), 1);
        replacement.commit().unwrap();
        assert_replaced(&path, b"new", 0o640);

        let mut abandoned = AtomicReplace::with_unnamed(&path, false).unwrap();
        abandoned.write_all(b"newer").unwrap();
        drop(abandoned);
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert!(temp_files(dir.path()).is_empty());
    }

    /// A rename that fails at commit (here: the target became a directory) leaves the target
    /// as it is and removes the name the unnamed file was given for the rename.
    #[test]
    fn a_failed_rename_leaves_no_temporary_file() {
        for unnamed in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("text.txt");
            let mut replacement = AtomicReplace::with_unnamed(&path, unnamed).unwrap();
            replacement.write_all(b"new").unwrap();
            fs::create_dir(&path).unwrap();
            fs::write(path.join("inside"), b"kept").unwrap();
            let err = replacement.commit().unwrap_err();
            assert_eq!(err.kind(), IoErrorKind::IsADirectory, "unnamed: {unnamed}");
            assert_eq!(fs::read(path.join("inside")).unwrap(), b"kept");
            assert!(temp_files(dir.path()).is_empty(), "unnamed: {unnamed}");
        }
    }

    #[test]
    fn bad_input_leaves_the_original_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.txt");
        let mut content = vec![b'a'; 100_000];
        content.push(0xFF);
        fs::write(&path, &content).unwrap();
        let err = convert_file(&path, Some(&path), utf8(), ErrorPolicy::Strict).unwrap_err();
        assert!(matches!(err, TranscodeError::Decode(e) if e.offset() == 100_000));
        assert_eq!(fs::read(&path).unwrap(), content);
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn a_symbolic_link_keeps_pointing_at_the_converted_file() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.txt");
        let link = dir.path().join("link.txt");
        fs::write(&real, b"a\xFFb").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let done = convert_file(&link, None, utf8(), ErrorPolicy::Ignore).unwrap();
        assert_eq!(done.errors, 1);
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"ab");
    }

    #[test]
    fn a_separate_destination_is_created_and_the_source_kept() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("in.txt");
        let dst = dir.path().join("out.txt");
        fs::write(&src, b"a\0b\0").unwrap();
        let utf16le = Charset::for_label("UTF-16LE").unwrap();
        convert_file(&src, Some(&dst), utf16le, ErrorPolicy::Strict).unwrap();
        assert_eq!(fs::read(&dst).unwrap(), b"ab");
        assert_eq!(fs::read(&src).unwrap(), b"a\0b\0");
    }

    #[test]
    fn a_missing_source_or_directory_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let err = convert_file(&missing, None, utf8(), ErrorPolicy::Strict).unwrap_err();
        assert!(matches!(&err, TranscodeError::Open(e) if e.kind() == IoErrorKind::NotFound));
        let err = convert_file(dir.path(), Some(&missing), utf8(), ErrorPolicy::Strict);
        assert!(matches!(err, Err(TranscodeError::Read(_))));
        assert!(!missing.exists());
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn same_file_sees_through_hard_links() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        let c = dir.path().join("c");
        fs::write(&a, b"x").unwrap();
        fs::hard_link(&a, &b).unwrap();
        fs::write(&c, b"x").unwrap();
        assert!(is_same_file(&a, &b).unwrap());
        assert!(!is_same_file(&a, &c).unwrap());
        assert!(!is_same_file(&a, &dir.path().join("none")).unwrap());
    }

    #[test]
    fn io_error_text_is_strerror() {
        let e = io::Error::from_raw_os_error(28);
        assert_eq!(describe_io_error(&e), "No space left on device");
        let custom = io::Error::other("custom");
        assert_eq!(describe_io_error(&custom), "custom");
    }
}
