//! The walk: ripgrep's parallel walker over the given paths, with the run's filters (hidden
//! names, version-control directories, globs, ignore files), each file met handed to
//! [`file::examine`] on the walker's threads, and conversions handed to the committer's thread.
//! The files a directory lists are read ahead ([`crate::prefetch`]) as it is listed.

use crate::commit::Committer;
use crate::file::{self, Step};
use crate::prefetch::{self, Prefetch};
use crate::{Action, Entry, Observer, Options, Skip, Summary, TreeError};
use convert_utf8::io::is_temporary_name;
use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{DirEntry, WalkBuilder, WalkState};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, mpsc};

/// Directories of version-control systems: never converted, whatever is asked.
const VCS_DIRS: [&str; 4] = [".git", ".hg", ".svn", "_darcs"];

/// Which entries the walk passes over.
struct Filters {
    roots: Vec<PathBuf>,
    hidden: bool,
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl Filters {
    fn new(paths: &[&Path], options: &Options) -> Result<Filters, TreeError> {
        Ok(Filters {
            roots: paths.iter().map(|p| p.to_path_buf()).collect(),
            hidden: options.hidden,
            include: glob_set(&options.include)?,
            exclude: glob_set(&options.exclude)?,
        })
    }

    /// The entry's path below the given path it was found under.
    fn relative<'p>(&self, path: &'p Path) -> &'p Path {
        self.roots
            .iter()
            .find_map(|root| path.strip_prefix(root).ok())
            .unwrap_or(path)
    }

    fn matches(&self, set: &GlobSet, path: &Path) -> bool {
        let name = path.file_name().map(Path::new).unwrap_or(path);
        set.is_match(name) || set.is_match(self.relative(path))
    }

    /// Whether the walk goes into or looks at `entry` (what is named on the command line
    /// always is).
    fn visits(&self, entry: &DirEntry) -> bool {
        if entry.depth() == 0 {
            return true;
        }
        let name = entry.file_name();
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if is_dir && VCS_DIRS.iter().any(|vcs| name == OsStr::new(vcs)) {
            return false;
        }
        // Temporary files left by an interrupted run are hidden, and always looked at.
        if !self.hidden && name.as_bytes().starts_with(b".") && !is_temporary_name(name) {
            return false;
        }
        !self
            .exclude
            .as_ref()
            .is_some_and(|set| self.matches(set, entry.path()))
    }

    /// Whether an entry found in a directory is a file the run will examine: a regular file,
    /// not a temporary an interrupted run left, and included.
    fn examines(&self, entry: &DirEntry) -> bool {
        entry.file_type().is_some_and(|t| t.is_file())
            && !is_temporary_name(entry.file_name())
            && self.includes(entry)
    }

    /// Whether a file found in a directory is one to convert (files named on the command line
    /// always are).
    fn includes(&self, entry: &DirEntry) -> bool {
        entry.depth() == 0
            || self
                .include
                .as_ref()
                .is_none_or(|set| self.matches(set, entry.path()))
    }
}

fn glob_set(globs: &[String]) -> Result<Option<GlobSet>, TreeError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        builder.add(Glob::new(glob).map_err(|e| TreeError::Glob(e.to_string()))?);
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| TreeError::Glob(e.to_string()))
}

fn walker(
    paths: &[&Path],
    options: &Options,
    filters: &Arc<Filters>,
    prefetch: Option<Prefetch>,
) -> WalkBuilder {
    let mut builder = WalkBuilder::new(paths[0]);
    for path in &paths[1..] {
        builder.add(path);
    }
    if options.ignore_files {
        // ripgrep's own ignore files, which its walker leaves to ripgrep to name.
        builder.add_custom_ignore_filename(".rgignore");
    }
    let filter = Arc::clone(filters);
    builder
        // Hidden names are filtered here, so that left-over temporaries are still seen.
        .hidden(false)
        .ignore(options.ignore_files)
        .git_ignore(options.ignore_files)
        .git_exclude(options.ignore_files)
        .git_global(options.ignore_files)
        .parents(options.ignore_files)
        // A tree converted need not be a repository for its .gitignore to count.
        .require_git(false)
        .follow_links(options.follow_links)
        .threads(options.jobs)
        .max_depth((!options.recursive).then_some(0))
        // Called on each entry as its directory is listed, before the entries are taken up:
        // the moment to ask for the files' contents.
        .filter_entry(move |entry| {
            let visits = filter.visits(entry);
            if let Some(prefetch) = &prefetch
                && visits
                && filter.examines(entry)
            {
                prefetch.ask(entry.path().to_path_buf());
            }
            visits
        });
    builder
}

/// Counts the entries of a run on the run's threads, and tells the observer.
struct Counting<'o> {
    observer: &'o dyn Observer,
    summary: Mutex<Summary>,
}

impl Observer for Counting<'_> {
    fn entry(&self, entry: &Entry) {
        self.summary
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .count(entry);
        self.observer.entry(entry);
    }

    fn found(&self, bytes: u64) {
        self.observer.found(bytes);
    }
}

pub(crate) fn run(
    paths: &[&Path],
    options: &Options,
    observer: &dyn Observer,
) -> Result<Summary, TreeError> {
    let filters = Arc::new(Filters::new(paths, options)?);
    let (prefetch, to_read_ahead) = Prefetch::new();
    let walk = walker(paths, options, &filters, Some(prefetch)).build_parallel();
    let counting = Counting {
        observer,
        summary: Mutex::new(Summary::default()),
    };
    let committer = Committer::new(options);
    let (sender, receiver) = mpsc::sync_channel(committer.capacity());
    std::thread::scope(|scope| {
        let committing = scope.spawn(|| committer.run(receiver, &counting));
        // Ends once the walk, which holds the only `Prefetch`, is over.
        scope.spawn(|| prefetch::read_ahead(to_read_ahead));
        walk.run(|| {
            let sender = sender.clone();
            let filters = &filters;
            let counting = &counting;
            Box::new(move |found| {
                if options
                    .cancel
                    .as_ref()
                    .is_some_and(|cancel| cancel.load(Ordering::Relaxed))
                {
                    return WalkState::Quit;
                }
                match found {
                    Ok(entry) => visit(entry, filters, options, counting, &sender),
                    Err(error) => counting.entry(&walk_error(error)),
                }
                WalkState::Continue
            })
        });
        drop(sender);
        committing.join().expect("the committer does not panic");
    });
    Ok(counting
        .summary
        .into_inner()
        .unwrap_or_else(|e| e.into_inner()))
}

/// What the walk does with one entry.
fn visit(
    entry: DirEntry,
    filters: &Filters,
    options: &Options,
    observer: &dyn Observer,
    commit: &mpsc::SyncSender<file::Pending>,
) {
    let path = entry.path();
    let Some(file_type) = entry.file_type() else {
        return; // standard input: never given here
    };
    if file_type.is_dir() {
        if entry.depth() == 0 && !options.recursive {
            observer.entry(&Entry::new(
                path,
                Action::Skipped(Skip::Directory),
                "a directory: -r converts the files under it".to_owned(),
            ));
        }
        return;
    }
    if file_type.is_symlink() {
        observer.entry(&Entry::new(
            path,
            Action::Skipped(Skip::SymbolicLink),
            "a symbolic link: not followed (follow links to convert what it points to)".to_owned(),
        ));
        return;
    }
    if entry.depth() > 0 && file_type.is_file() && is_temporary_name(entry.file_name()) {
        observer.entry(&file::remove_temporary(path, options.dry_run));
        return;
    }
    if !file_type.is_file() {
        observer.entry(&Entry::new(
            path,
            Action::Skipped(Skip::NotRegular),
            "not a regular file".to_owned(),
        ));
        return;
    }
    if !filters.includes(&entry) {
        return;
    }
    // Its size as read from the open file: a stat of the path for it alone cost a system call
    // per file.
    match file::examine(path, options) {
        Step::Done(done) => {
            observer.found(done.bytes);
            observer.entry(&done);
        }
        Step::Pending(pending) => {
            observer.found(pending.entry.bytes);
            // The committer only stops once every sender is gone.
            let _ = commit.send(pending);
        }
    }
}

/// A walk error as the entry of the path it is about.
fn walk_error(error: ignore::Error) -> Entry {
    fn path_of(error: &ignore::Error) -> Option<&Path> {
        match error {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::Loop { child, .. } => Some(child),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            ignore::Error::Partial(errors) => errors.iter().find_map(path_of),
            _ => None,
        }
    }
    let path = path_of(&error).unwrap_or(Path::new("")).to_path_buf();
    let reason = match &error {
        ignore::Error::Loop { ancestor, .. } => format!(
            "a symbolic link loop back to {}: not followed again",
            ancestor.display()
        ),
        other => innermost(other),
    };
    let action = if matches!(error, ignore::Error::Loop { .. }) {
        Action::Skipped(Skip::SymbolicLink)
    } else {
        Action::Failed
    };
    Entry::new(&path, action, reason)
}

/// The message of the error an ignore error wraps, without the path the entry already has.
fn innermost(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => innermost(err),
        ignore::Error::Io(io) => convert_utf8::io::describe_io_error(io),
        other => other.to_string(),
    }
}

pub(crate) fn survey(paths: &[&Path], options: &Options) -> Result<(u64, u64), TreeError> {
    let filters = Arc::new(Filters::new(paths, options)?);
    let walk = walker(paths, options, &filters, None).build_parallel();
    let totals = Mutex::new((0u64, 0u64));
    walk.run(|| {
        let filters = &filters;
        let totals = &totals;
        Box::new(move |found| {
            if let Ok(entry) = found
                && filters.examines(&entry)
            {
                let bytes = entry.metadata().map_or(0, |m| m.len());
                let mut totals = totals.lock().unwrap_or_else(|e| e.into_inner());
                totals.0 += 1;
                totals.1 += bytes;
            }
            WalkState::Continue
        })
    });
    Ok(totals.into_inner().unwrap_or_else(|e| e.into_inner()))
}
