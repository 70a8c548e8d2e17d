//! convert-utf8 for whole trees: every file under some paths converted to UTF-8 in place, in
//! parallel, each one atomically, with its charset detected or given, and a report of what
//! became of each.
//!
//! ```
//! use convert_utf8_tree::{Action, Encoding, Options, convert_tree};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("a.txt"), b"caf\xe9 cr\xe8me")?;
//! std::fs::write(dir.path().join("b.txt"), "plain ASCII reads the same in UTF-8")?;
//! let options = Options { encoding: Encoding::Charset(convert_utf8::Charset::for_label("latin1")?), ..Options::default() };
//! let entries = std::sync::Mutex::new(Vec::new());
//! let summary = convert_tree(&[dir.path()], &options, &|entry: &convert_utf8_tree::Entry| {
//!     entries.lock().unwrap().push((entry.path.clone(), entry.action));
//! })?;
//! assert_eq!(std::fs::read_to_string(dir.path().join("a.txt"))?, "café crème");
//! assert_eq!((summary.converted, summary.already_utf8), (1, 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What it guarantees, file by file:
//!
//! - A file is only ever its original or its complete conversion: the conversion is written to
//!   an unnamed temporary file in the same directory, made durable, checked against the file
//!   (unchanged since it was read: same inode, size, modification and change times), and
//!   renamed over it. A kill leaves at most a `.convert-utf8-*.tmp` (between naming the
//!   temporary file and the rename), which the next run over the tree removes and reports,
//!   and, with backups, the backup already made beside the unconverted file, which the next
//!   run with the same suffix keeps while it converts the file.
//! - Durability is batched: the temporaries of a batch are synced together (`syncfs` on
//!   Linux), then renamed, then their directories synced together.
//! - Mode is kept, owner where permitted, modification time on request.
//! - Left as they are, each with its reason: files already UTF-8 (unless a charset is given),
//!   binary files, files whose charset detection is too uncertain, files invalid in their
//!   charset, files that changed while being converted, files with several hard links (unless
//!   asked), symbolic links (unless followed), and, when backups are asked for, the backups of
//!   an earlier run (a file named as one beside it plus the suffix).
//!
//! The walk is ripgrep's (the `ignore` crate): `.gitignore`, `.ignore` and `.rgignore` files are
//! honoured unless asked not to be, hidden files and version-control directories are passed
//! over unless asked, globs include or exclude. Memory is bounded whatever the tree: a file is
//! streamed (its first megabyte at most is held for detection), and at most a bounded batch of
//! converted files waits for its sync.

use convert_utf8::Charset;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

mod commit;
mod file;
mod json;
mod prefetch;
mod walk;

pub use json::entry_json;

/// The charset the files are in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Detect each file's charset (`-f auto`).
    Auto,
    /// Every file is in this charset: files that are valid UTF-8 are converted too.
    Charset(Charset),
}

/// How a tree is converted.
#[derive(Clone, Debug)]
pub struct Options {
    pub encoding: Encoding,
    /// Under [`Encoding::Auto`], the confidence a detection needs for its file to be converted.
    pub threshold: f32,
    /// Descend into directories (a directory given without it is reported and left).
    pub recursive: bool,
    /// Globs a file must match to be converted (its name, or its path below the given path
    /// when the glob has a `/`); empty: every file.
    pub include: Vec<String>,
    /// Globs of files and directories to pass over, matched the same way.
    pub exclude: Vec<String>,
    /// Visit hidden files and directories (names starting with `.`).
    pub hidden: bool,
    /// Honour `.gitignore`, `.ignore` and `.rgignore` files.
    pub ignore_files: bool,
    /// Follow symbolic links (and convert what they point to).
    pub follow_links: bool,
    /// Convert files with several hard links too: the converted file replaces the name given,
    /// the other names keep the original.
    pub hard_links: bool,
    /// Report what would be done, and touch nothing.
    pub dry_run: bool,
    /// Keep each original beside its conversion, under its name with this suffix.
    pub backup: Option<OsString>,
    /// Threads converting at once; 0: one per core.
    pub jobs: usize,
    /// Give each converted file its original's modification and access times.
    pub keep_times: bool,
    /// Make each conversion durable (synced) before renaming it into place, and the renames
    /// durable after. Off, a power loss may lose conversions (never an original's content to a
    /// half-written file: a killed process still leaves each file whole).
    pub durable: bool,
    /// Set (from any thread) to stop the run: no new file is started, the conversions already
    /// made are put in place, and the run returns.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            encoding: Encoding::Auto,
            threshold: convert_utf8::detect::DEFAULT_THRESHOLD,
            recursive: true,
            include: Vec::new(),
            exclude: Vec::new(),
            hidden: false,
            ignore_files: true,
            follow_links: false,
            hard_links: false,
            dry_run: false,
            backup: None,
            jobs: 0,
            keep_times: false,
            durable: true,
            cancel: None,
        }
    }
}

/// What became of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Converted in place.
    Converted,
    /// Would be converted (a dry run).
    WouldConvert,
    /// Already UTF-8 (or ASCII, which reads the same in UTF-8): left as it is.
    AlreadyUtf8,
    /// Left as it is, for the reason given.
    Skipped(Skip),
    /// Could not be read, converted or written: the reason is the system's error. The file is
    /// as it was.
    Failed,
    /// A temporary file an interrupted run left behind, removed.
    RemovedTemporary,
}

impl Action {
    /// The name the report uses.
    pub fn name(self) -> &'static str {
        match self {
            Action::Converted => "converted",
            Action::WouldConvert => "would-convert",
            Action::AlreadyUtf8 => "already-utf8",
            Action::Skipped(_) => "skipped",
            Action::Failed => "failed",
            Action::RemovedTemporary => "removed-temporary",
        }
    }
}

/// Why a file was left as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Skip {
    /// Binary data, not text.
    Binary,
    /// Its charset could not be told surely enough.
    Uncertain,
    /// Not valid in its charset (the one given, or the one detected).
    Invalid,
    /// Changed while being converted (checked just before the rename).
    Changed,
    /// It has several hard links, which a rename would split.
    HardLinks,
    /// A symbolic link, not followed (or a loop of them).
    SymbolicLink,
    /// A FIFO, socket or device.
    NotRegular,
    /// Its backup exists already.
    BackupExists,
    /// A directory given without recursion.
    Directory,
    /// A temporary file of an interrupted run, kept by a dry run.
    Temporary,
    /// The backup of a file beside it (its name plus the backup suffix asked for): a backup
    /// keeps the original, so a later run with the same suffix leaves it as it is.
    Backup,
}

impl Skip {
    /// Whether a text file was left in its legacy charset, which a user needs to look at (a
    /// binary file, a link or a special file are left by design).
    pub fn leaves_text_unconverted(self) -> bool {
        matches!(
            self,
            Skip::Uncertain
                | Skip::Invalid
                | Skip::Changed
                | Skip::HardLinks
                | Skip::BackupExists
                | Skip::Directory
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One file met, and what became of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub path: PathBuf,
    pub action: Action,
    /// The charset it was (or would be) converted from, or that it is in.
    pub charset: Option<Charset>,
    /// The detector's confidence, under [`Encoding::Auto`].
    pub confidence: Option<f32>,
    /// Why it was skipped or failed, or a note on what was done.
    pub reason: Option<String>,
    /// Its size in bytes (as read).
    pub bytes: u64,
}

impl Entry {
    fn new(path: &Path, action: Action, reason: impl Into<Option<String>>) -> Entry {
        Entry {
            path: path.to_path_buf(),
            action,
            charset: None,
            confidence: None,
            reason: reason.into(),
            bytes: 0,
        }
    }
}

/// What a run did, counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub converted: u64,
    pub would_convert: u64,
    pub already_utf8: u64,
    pub skipped: u64,
    pub failed: u64,
    pub removed_temporaries: u64,
    /// Of the skipped, files of text left in their charset (see
    /// [`Skip::leaves_text_unconverted`]).
    pub text_left: u64,
    /// Bytes of the files converted (or that would be).
    pub bytes_converted: u64,
}

impl Summary {
    fn count(&mut self, entry: &Entry) {
        match entry.action {
            Action::Converted => self.converted += 1,
            Action::WouldConvert => self.would_convert += 1,
            Action::AlreadyUtf8 => self.already_utf8 += 1,
            Action::Skipped(skip) => {
                self.skipped += 1;
                if skip.leaves_text_unconverted() {
                    self.text_left += 1;
                }
            }
            Action::Failed => self.failed += 1,
            Action::RemovedTemporary => self.removed_temporaries += 1,
        }
        if matches!(entry.action, Action::Converted | Action::WouldConvert) {
            self.bytes_converted += entry.bytes;
        }
    }

    /// Files met.
    pub fn files(&self) -> u64 {
        self.converted
            + self.would_convert
            + self.already_utf8
            + self.skipped
            + self.failed
            + self.removed_temporaries
    }
}

/// What a run reports to as it goes: each file once done, from any of its threads.
pub trait Observer: Sync {
    /// A file's fate.
    fn entry(&self, entry: &Entry);
    /// A regular file of `bytes` bytes was met (before it is converted).
    fn found(&self, bytes: u64) {
        let _ = bytes;
    }
}

impl<F: Fn(&Entry) + Sync> Observer for F {
    fn entry(&self, entry: &Entry) {
        self(entry)
    }
}

/// Why a run could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum TreeError {
    /// An include or exclude glob that does not parse.
    Glob(String),
    /// No path was given.
    NoPaths,
    /// A threshold outside 0 to 1.
    Threshold(f32),
}

impl fmt::Display for TreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TreeError::Glob(message) => write!(f, "bad glob: {message}"),
            TreeError::NoPaths => write!(f, "no file or directory to convert"),
            TreeError::Threshold(t) => write!(f, "the threshold must be between 0 and 1, not {t}"),
        }
    }
}

impl std::error::Error for TreeError {}

/// The most files a run converts at a time (`Options::jobs`): each is a thread, and far more
/// than the cores gain nothing (a run's memory and open files grow with them).
pub const MAX_JOBS: usize = 1024;

/// Converts every file under `paths` as `options` say, telling `observer` about each, and
/// returns the counts. Per-file problems are entries, not errors: the run goes on.
pub fn convert_tree<P: AsRef<Path>>(
    paths: &[P],
    options: &Options,
    observer: &dyn Observer,
) -> Result<Summary, TreeError> {
    if paths.is_empty() {
        return Err(TreeError::NoPaths);
    }
    if !(0.0..=1.0).contains(&options.threshold) {
        return Err(TreeError::Threshold(options.threshold));
    }
    let paths = distinct(paths, options.follow_links);
    walk::run(&paths, options, observer)
}

/// `paths` with each file or directory given more than once (the same path twice, or two
/// names of one file) kept the first time only: met twice, a file would be converted once and
/// then reported as changed while being converted. A symbolic link counts as itself where links
/// are not followed (it is then reported as a link), as the file it points to where they are.
/// Paths that cannot be read are kept, for the walk to report.
fn distinct<P: AsRef<Path>>(paths: &[P], follow_links: bool) -> Vec<&Path> {
    let mut seen = std::collections::HashSet::new();
    let status = |path: &Path| {
        if follow_links {
            std::fs::metadata(path)
        } else {
            std::fs::symlink_metadata(path)
        }
    };
    paths
        .iter()
        .map(AsRef::as_ref)
        .filter(|path| match status(path) {
            Ok(meta) => seen.insert(identity(&meta)),
            Err(_) => true,
        })
        .collect()
}

/// What tells one file from another: its device and inode.
fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

/// Counts the files and bytes a run over `paths` would meet (for a progress bar's total),
/// walking as [`convert_tree`] does without opening any file.
pub fn survey<P: AsRef<Path>>(paths: &[P], options: &Options) -> Result<(u64, u64), TreeError> {
    let paths = distinct(paths, options.follow_links);
    walk::survey(&paths, options)
}

#[cfg(test)]
mod tests;
