//! One file: opened without blocking or following links, its charset decided (given, or
//! detected from its start), then converted into an unnamed temporary file beside it, or left
//! as it is with the reason why. The conversion then waits for the committer
//! ([`crate::commit`]), which checks the file is unchanged and renames it into place.

use crate::{Action, Encoding, Entry, Options, Skip};
use convert_utf8::detect::SCAN_LIMIT;
use convert_utf8::io::{AtomicReplace, TranscodeError, describe_io_error, transcode};
use convert_utf8::{Charset, Decoder, Detector, ErrorPolicy};
use std::fs::{self, File, FileTimes, Metadata};
use std::io::{self, Cursor, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// How much is read at a time while the detector looks at a file's start.
const CHUNK: usize = 64 * 1024;

/// What examining a file ends in.
pub(crate) enum Step {
    /// Its fate is decided: left as it is, or failed (or, in a dry run, would be converted).
    Done(Entry),
    /// Converted into a temporary file that waits to be put in place.
    Pending(Pending),
}

/// A conversion ready to replace its file.
pub(crate) struct Pending {
    pub(crate) replacement: AtomicReplace,
    /// The file as it was read: it is replaced only if it still is.
    pub(crate) identity: Identity,
    /// The original, still open: the rename then only unlinks it, and freeing its blocks
    /// waits for this to be closed, off the committer's thread (see [`crate::commit`]).
    pub(crate) original: File,
    /// The entry to report once it is in place (action [`Action::Converted`]).
    pub(crate) entry: Entry,
}

/// What tells a file apart from itself changed or replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) device: u64,
    inode: u64,
    size: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Identity {
    /// Whether `metadata` is of this very file (whatever has changed in it).
    pub(crate) fn is(&self, metadata: &Metadata) -> bool {
        (self.device, self.inode) == (metadata.dev(), metadata.ino())
    }

    /// Its device and inode.
    pub(crate) fn key(&self) -> (u64, u64) {
        (self.device, self.inode)
    }

    /// When its status last changed (`ctime`).
    pub(crate) fn changed(&self) -> (i64, i64) {
        self.changed
    }

    /// The same identity with its status changed at `changed`: what a file looks like after
    /// the run took one of its other names away (a link count change touches `ctime` alone).
    pub(crate) fn relinked(self, changed: (i64, i64)) -> Identity {
        Identity { changed, ..self }
    }

    pub(crate) fn of(metadata: &Metadata) -> Identity {
        Identity {
            device: metadata.dev(),
            inode: metadata.ino(),
            size: metadata.size(),
            modified: (metadata.mtime(), metadata.mtime_nsec()),
            changed: (metadata.ctime(), metadata.ctime_nsec()),
        }
    }
}

/// Removes a temporary file an interrupted run left (or, in a dry run, says it would).
pub(crate) fn remove_temporary(path: &Path, dry_run: bool) -> Entry {
    if dry_run {
        return Entry::new(
            path,
            Action::Skipped(Skip::Temporary),
            "a temporary file left by an interrupted run: a run that is not a dry run removes it"
                .to_owned(),
        );
    }
    match fs::remove_file(path) {
        Ok(()) => Entry::new(
            path,
            Action::RemovedTemporary,
            "a temporary file left by an interrupted run: removed".to_owned(),
        ),
        Err(e) => Entry::new(
            path,
            Action::Failed,
            format!(
                "a temporary file left by an interrupted run, which cannot be removed: {}",
                describe_io_error(&e)
            ),
        ),
    }
}

/// Decides what becomes of the file at `path`, converting it if it is to be.
pub(crate) fn examine(path: &Path, options: &Options) -> Step {
    match Examined::open(path, options) {
        Ok(examined) => examined.decide(options),
        Err(done) => Step::Done(*done),
    }
}

/// An open file being examined.
struct Examined<'p> {
    path: &'p Path,
    file: File,
    metadata: Metadata,
}

/// The file's start, as read for detection, and whether that was all of it.
struct Head {
    bytes: Vec<u8>,
    whole: bool,
}

impl<'p> Examined<'p> {
    fn open(path: &'p Path, options: &Options) -> Result<Examined<'p>, Box<Entry>> {
        let failed = |what: &str, e: io::Error| {
            Box::new(Entry::new(
                path,
                Action::Failed,
                format!("{what}: {}", describe_io_error(&e)),
            ))
        };
        let mut open = File::options();
        open.read(true);
        // A FIFO put in a file's place must not block the run; a link put there is not
        // followed unless links are.
        let mut flags = libc::O_NONBLOCK | libc::O_CLOEXEC;
        if !options.follow_links {
            flags |= libc::O_NOFOLLOW;
        }
        open.custom_flags(flags);
        let file = match open.open(path) {
            Ok(file) => file,
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(Box::new(Entry::new(
                    path,
                    Action::Skipped(Skip::SymbolicLink),
                    "a symbolic link: not followed".to_owned(),
                )));
            }
            Err(e) => return Err(failed("cannot open it", e)),
        };
        let metadata = file
            .metadata()
            .map_err(|e| failed("cannot read its metadata", e))?;
        if !metadata.is_file() {
            return Err(Box::new(Entry::new(
                path,
                Action::Skipped(Skip::NotRegular),
                "not a regular file".to_owned(),
            )));
        }
        // A run given the same backup suffix again (as after an interruption, to finish the
        // tree) would otherwise convert the backups themselves, each then backed up anew: the
        // file named as the backup would no longer hold the original.
        if let Some(original) = options
            .backup
            .as_deref()
            .and_then(|suffix| backup_of(path, suffix))
        {
            return Err(Box::new(Entry::new(
                path,
                Action::Skipped(Skip::Backup),
                format!("the backup of {}: left as it is", original.display()),
            )));
        }
        if metadata.nlink() > 1 && !options.hard_links && !is_backed_up(path, &metadata, options) {
            return Err(Box::new(Entry::new(
                path,
                Action::Skipped(Skip::HardLinks),
                format!(
                    "{} hard links: replacing it would split them (allow hard links to convert \
                     this name, the others keeping the original)",
                    metadata.nlink()
                ),
            )));
        }
        Ok(Examined {
            path,
            file,
            metadata,
        })
    }

    fn entry(&self, action: Action, reason: impl Into<Option<String>>) -> Entry {
        let mut entry = Entry::new(self.path, action, reason);
        entry.bytes = self.metadata.len();
        entry
    }

    fn decide(mut self, options: &Options) -> Step {
        let (charset, confidence, head, skip) = match options.encoding {
            Encoding::Charset(charset) => match self.read_head(None) {
                // UTF-8 to UTF-8 would rewrite the file as it is: checked instead.
                Ok(head) if charset.name() == "UTF-8" => {
                    return self.check_utf8(head, charset, None);
                }
                Ok(head) => (charset, None, head, 0),
                Err(e) => return self.failed_read(e),
            },
            Encoding::Auto => {
                let mut detector = Detector::new();
                let head = match self.read_head(Some(&mut detector)) {
                    Ok(head) => head,
                    Err(e) => return self.failed_read(e),
                };
                let detection = detector.finish();
                let confidence = detection.confidence();
                let skipped = |skip: Skip, reason: String| {
                    let mut entry = self.entry(Action::Skipped(skip), reason);
                    entry.charset = detection.charset();
                    entry.confidence = Some(confidence);
                    Step::Done(entry)
                };
                if detection.is_binary() {
                    return skipped(Skip::Binary, "binary data, not text".to_owned());
                }
                let Some(charset) = detection.charset_at(options.threshold) else {
                    return skipped(
                        Skip::Uncertain,
                        match detection.charset() {
                            Some(best) => format!(
                                "charset too uncertain: the best guess, {}, has confidence {confidence:.2}, below {:.2}",
                                best.name(),
                                options.threshold
                            ),
                            None => "charset unknown".to_owned(),
                        },
                    );
                };
                if is_utf8_or_ascii(charset) {
                    return self.check_utf8(head, charset, Some(confidence));
                }
                (charset, Some(confidence), head, detection.decode_start())
            }
        };
        if head.whole && reads_as_itself(charset, &head.bytes) {
            let mut entry = self.entry(
                Action::AlreadyUtf8,
                "ASCII only: the same in UTF-8".to_owned(),
            );
            entry.charset = Some(charset);
            entry.confidence = confidence;
            return Step::Done(entry);
        }
        self.convert(options, charset, confidence, head, skip)
    }

    /// Reads the file's start: all of it if small, else as much as the detector wants (or one
    /// chunk when there is no detector).
    fn read_head(&mut self, mut detector: Option<&mut Detector>) -> io::Result<Head> {
        let size = self.metadata.len();
        let mut bytes = Vec::with_capacity((size as usize).min(CHUNK));
        // One byte more than the file holds: a read that comes short of it was at the end.
        let mut chunk = vec![0u8; (size as usize).saturating_add(1).min(CHUNK)];
        loop {
            let n = match self.file.read(&mut chunk) {
                Ok(0) => return Ok(Head { bytes, whole: true }),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            bytes.extend_from_slice(&chunk[..n]);
            let wants_more = match detector.as_deref_mut() {
                Some(detector) => detector.feed(&chunk[..n]) && bytes.len() < SCAN_LIMIT,
                None => false,
            };
            // All the file held when opened, in a read that came short: it is at its end, and
            // a read to find that out would cost a system call per file. One that has grown
            // since is found changed before it is replaced.
            if n < chunk.len() && bytes.len() as u64 >= size {
                return Ok(Head { bytes, whole: true });
            }
            if !wants_more && bytes.len() >= CHUNK {
                return Ok(Head {
                    bytes,
                    whole: false,
                });
            }
        }
    }

    fn failed_read(&self, e: io::Error) -> Step {
        Step::Done(self.entry(
            Action::Failed,
            format!("cannot read it: {}", describe_io_error(&e)),
        ))
    }

    /// A file detected as UTF-8 (or ASCII) from its start: already UTF-8 if all of it is.
    fn check_utf8(self, head: Head, detected: Charset, confidence: Option<f32>) -> Step {
        let utf8 = Charset::for_label("UTF-8").expect("UTF-8 is known");
        let mut decoder = Decoder::new(utf8, ErrorPolicy::Strict);
        let result = self.decode(&mut decoder, &head, 0, &mut io::sink());
        let mut entry = match result {
            Ok(_) => self.entry(Action::AlreadyUtf8, None),
            Err(TranscodeError::Decode(e)) => self.entry(
                Action::Skipped(Skip::Uncertain),
                format!(
                    "its start reads as {} but it is not valid UTF-8 at byte {} ({}): charset \
                     unclear",
                    detected.name(),
                    e.offset(),
                    hex_bytes(e.bytes())
                ),
            ),
            Err(e) => self.entry(Action::Failed, e.to_string()),
        };
        entry.charset = Some(detected);
        entry.confidence = confidence;
        Step::Done(entry)
    }

    /// Converts the file from `charset` (its first `skip` bytes, a UTF-8 byte order mark, left
    /// out)
    /// into a temporary file beside it, or, in a dry run, only checks that it converts.
    fn convert(
        self,
        options: &Options,
        charset: Charset,
        confidence: Option<f32>,
        head: Head,
        skip: usize,
    ) -> Step {
        let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
        let start = skip.min(head.bytes.len());
        let with_charset = |mut entry: Entry| {
            entry.charset = Some(charset);
            entry.confidence = confidence;
            entry
        };
        let mut convert_into =
            |writer: &mut dyn Write| self.decode(&mut decoder, &head, start, writer);
        let outcome = if options.dry_run {
            convert_into(&mut io::sink()).map(|_| None)
        } else {
            // A link followed is replaced where it points (`new` resolves it); a regular file
            // opened without following links is replaced as it is named.
            let replacement = if options.follow_links {
                AtomicReplace::new(self.path)
            } else {
                AtomicReplace::for_regular_file(self.path, self.metadata.permissions())
            };
            match replacement {
                Ok(mut replacement) => convert_into(&mut replacement).map(|_| Some(replacement)),
                Err(e) => Err(TranscodeError::Write(e)),
            }
        };
        let mut replacement = match outcome {
            Ok(Some(replacement)) => replacement,
            Ok(None) => return Step::Done(with_charset(self.entry(Action::WouldConvert, None))),
            Err(TranscodeError::Decode(e)) => {
                return Step::Done(with_charset(self.entry(
                    Action::Skipped(Skip::Invalid),
                    format!(
                        "not valid {} at byte {} ({}): left as it is",
                        charset.name(),
                        e.offset() + start as u64,
                        hex_bytes(e.bytes())
                    ),
                )));
            }
            Err(TranscodeError::Write(e)) => {
                return Step::Done(with_charset(self.entry(
                    Action::Failed,
                    format!("cannot write its conversion: {}", describe_io_error(&e)),
                )));
            }
            Err(e) => return Step::Done(with_charset(self.entry(Action::Failed, e.to_string()))),
        };
        if let Err(e) = self.keep_owner_and_times(&mut replacement, options) {
            return Step::Done(with_charset(self.entry(
                Action::Failed,
                format!("cannot keep its times: {}", describe_io_error(&e)),
            )));
        }
        let identity = Identity::of(&self.metadata);
        let entry = with_charset(self.entry(Action::Converted, None));
        Step::Pending(Pending {
            replacement,
            identity,
            original: self.file,
            entry,
        })
    }

    /// Decodes the file from byte `start` of its `head` on into `writer`. A file read whole is
    /// decoded at once into a buffer its size; the rest of a larger one streams through.
    fn decode(
        &self,
        decoder: &mut Decoder,
        head: &Head,
        start: usize,
        writer: &mut dyn Write,
    ) -> Result<(), TranscodeError> {
        if head.whole {
            let mut text = Vec::new();
            decoder
                .decode_to_vec(&head.bytes[start..], &mut text)
                .map_err(TranscodeError::Decode)?;
            writer.write_all(&text).map_err(TranscodeError::Write)
        } else {
            let input = Cursor::new(&head.bytes[start..]).chain(&self.file);
            transcode(decoder, input, writer).map(|_| ())
        }
    }

    /// Gives the conversion the original's owner where permitted, and its times if asked.
    fn keep_owner_and_times(
        &self,
        replacement: &mut AtomicReplace,
        options: &Options,
    ) -> io::Result<()> {
        let mine = replacement.as_file().metadata()?;
        let file = replacement.as_file();
        let (uid, gid) = (self.metadata.uid(), self.metadata.gid());
        let mut mode = mine.mode();
        if (mine.uid(), mine.gid()) != (uid, gid) {
            // Only root may give a file away; a group the user is in is kept where possible.
            if std::os::unix::fs::fchown(file, Some(uid), Some(gid)).is_err() {
                let _ = std::os::unix::fs::fchown(file, None, Some(gid));
            }
            // A change of owner clears the set-user-ID and set-group-ID bits: the commit then
            // gives the mode again.
            mode = file.metadata()?.mode();
        }
        if options.keep_times {
            let times = FileTimes::new()
                .set_accessed(self.metadata.accessed()?)
                .set_modified(self.metadata.modified()?);
            file.set_times(times)?;
        }
        replacement.temporary_mode_is(mode);
        Ok(())
    }
}

/// A bad sequence's bytes as the engine's errors name them: `0x98`, `0xE3 0x81`.
fn hex_bytes(bytes: &[u8]) -> String {
    let named: Vec<String> = bytes.iter().map(|b| format!("0x{b:02X}")).collect();
    named.join(" ")
}

fn is_utf8_or_ascii(charset: Charset) -> bool {
    matches!(charset.name(), "UTF-8" | "ANSI_X3.4-1968")
}

/// Whether `bytes` decode to themselves in `charset`: ASCII in a charset that keeps ASCII as
/// it is, which converting would rewrite byte for byte.
fn reads_as_itself(charset: Charset, bytes: &[u8]) -> bool {
    if !bytes.is_ascii() {
        return false;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
    decoder.decode_to_vec(bytes, &mut out).is_ok() && out == bytes
}

/// The path a backup of `path` gets.
pub(crate) fn backup_path(path: &Path, suffix: &std::ffi::OsStr) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Whether the only other name of the file at `path` (with `metadata`) is its backup: what a
/// run killed between backing it up (a hard link) and renaming its conversion over it leaves.
/// Such a file is converted as if it had one name, and keeps that backup.
fn is_backed_up(path: &Path, metadata: &Metadata, options: &Options) -> bool {
    metadata.nlink() == 2
        && options.backup.as_deref().is_some_and(|suffix| {
            fs::symlink_metadata(backup_path(path, suffix))
                .is_ok_and(|backup| Identity::of(metadata).is(&backup))
        })
}

/// The file `path` is the backup of, if it is one: its name is that of a file (not a
/// directory) beside it plus `suffix`.
fn backup_of(path: &Path, suffix: &std::ffi::OsStr) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let name = path.file_name()?.as_bytes();
    let stem = name.strip_suffix(suffix.as_bytes())?;
    if stem.is_empty() || suffix.is_empty() {
        return None;
    }
    let original = path.with_file_name(std::ffi::OsStr::from_bytes(stem));
    fs::symlink_metadata(&original)
        .is_ok_and(|m| !m.is_dir())
        .then_some(original)
}
