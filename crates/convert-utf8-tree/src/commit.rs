//! The committer: conversions waiting to be put in place, taken in batches on one thread. A
//! batch's temporary files are made durable together (their syncs overlapped on many threads,
//! where one after the other would wait for the disk once per file), then each file is checked
//! unchanged, backed up if asked, and replaced by one rename, then the renames are made durable
//! together (each directory synced once).
//! The batch is bounded, and so are the open files and memory waiting in it.

use crate::file::{Pending, backup_path};
use crate::{Action, Entry, Observer, Options, Skip};
use convert_utf8::io::describe_io_error;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io;
use std::path::Path;
use std::sync::mpsc::{Receiver, TryRecvError};

/// The most conversions a batch holds (each an open temporary file).
const MAX_BATCH: usize = 256;

pub(crate) struct Committer {
    durable: bool,
    follow_links: bool,
    backup: Option<OsString>,
    batch: usize,
}

impl Committer {
    pub(crate) fn new(options: &Options) -> Committer {
        Committer {
            durable: options.durable,
            follow_links: options.follow_links,
            backup: options.backup.clone(),
            batch: batch_size(),
        }
    }

    /// How many conversions may wait to be committed: a batch being committed and one being
    /// filled.
    pub(crate) fn capacity(&self) -> usize {
        self.batch
    }

    /// Commits what `pending` brings, in batches, until every sender is gone.
    pub(crate) fn run(&self, pending: Receiver<Pending>, observer: &dyn Observer) {
        let mut batch = Vec::with_capacity(self.batch);
        while let Ok(first) = pending.recv() {
            batch.push(first);
            // Whatever else is ready joins the batch: a busy run makes large batches, a slow
            // one small batches without waiting.
            while batch.len() < self.batch {
                match pending.try_recv() {
                    Ok(more) => batch.push(more),
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                }
            }
            for entry in self.commit(std::mem::take(&mut batch)) {
                observer.entry(&entry);
            }
        }
    }

    /// Puts a batch in place; each entry says what became of its file.
    fn commit(&self, batch: Vec<Pending>) -> Vec<Entry> {
        let mut done = Vec::with_capacity(batch.len());
        let mut ready = Vec::with_capacity(batch.len());
        if self.durable {
            let synced = sync_files(batch.iter().map(|p| p.replacement.as_file()));
            for (pending, synced) in batch.into_iter().zip(synced) {
                match synced {
                    Ok(()) => ready.push(pending),
                    Err(e) => done.push(failed(
                        pending.entry,
                        "cannot make its conversion durable",
                        &e,
                    )),
                }
            }
        } else {
            ready = batch;
        }
        let first_converted = done.len();
        for pending in ready {
            done.push(self.put_in_place(pending));
        }
        if self.durable {
            // The renames are durable once their directories are.
            let renamed = done[first_converted..]
                .iter()
                .filter(|entry| entry.action == Action::Converted)
                .map(|entry| entry.path.as_path());
            if let Err(e) = sync_directories(renamed) {
                for entry in &mut done[first_converted..] {
                    if entry.action == Action::Converted {
                        entry.reason = Some(format!(
                            "converted, but the rename may not be durable: syncing its \
                             directory failed: {}",
                            describe_io_error(&e)
                        ));
                    }
                }
            }
        }
        done
    }

    fn put_in_place(&self, pending: Pending) -> Entry {
        let Pending {
            replacement,
            identity,
            entry,
        } = pending;
        let path = entry.path.clone();
        let now = if self.follow_links {
            fs::metadata(&path)
        } else {
            fs::symlink_metadata(&path)
        };
        match now {
            Ok(now) if crate::file::Identity::of(&now) == identity => {}
            Ok(_) => {
                return Entry {
                    action: Action::Skipped(Skip::Changed),
                    reason: Some("changed while being converted: left as it is now".to_owned()),
                    ..entry
                };
            }
            Err(e) => return failed(entry, "gone while being converted", &e),
        }
        let backup = self
            .backup
            .as_ref()
            .map(|suffix| backup_path(&path, suffix));
        // Whether this run made the backup (and undoes it if the rename fails).
        let mut backed_up = false;
        if let Some(backup) = &backup {
            match fs::hard_link(&path, backup) {
                Ok(()) => backed_up = true,
                // Already the file itself: a run killed before its rename left it.
                Err(e)
                    if e.kind() == io::ErrorKind::AlreadyExists
                        && fs::symlink_metadata(backup).is_ok_and(|b| identity.is(&b)) => {}
                Err(e) => return not_backed_up(entry, backup, &e),
            }
        }
        match replacement.commit_unsynced() {
            Ok(()) => Entry {
                reason: backup.map(|b| format!("the original kept as {}", b.display())),
                ..entry
            },
            Err(e) => {
                if let Some(backup) = backup.as_ref().filter(|_| backed_up) {
                    // The original is still in place: the tree is left as it was.
                    let _ = fs::remove_file(backup);
                }
                failed(entry, "cannot put its conversion in place", &e)
            }
        }
    }
}

/// The entry of a file whose backup could not be made: one there already (not the file
/// itself) is never overwritten, and the file is left.
fn not_backed_up(entry: Entry, backup: &Path, e: &io::Error) -> Entry {
    if e.kind() == io::ErrorKind::AlreadyExists {
        return Entry {
            action: Action::Skipped(Skip::BackupExists),
            reason: Some(format!(
                "its backup {} exists already: left as it is",
                backup.display()
            )),
            ..entry
        };
    }
    failed(
        entry,
        &format!("cannot back it up as {}", backup.display()),
        e,
    )
}

fn failed(entry: Entry, what: &str, e: &io::Error) -> Entry {
    Entry {
        action: Action::Failed,
        reason: Some(format!("{what}: {}", describe_io_error(e))),
        ..entry
    }
}

/// A batch small enough that its open temporary files stay well within the open-file limit.
fn batch_size() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the limit into the struct it is given.
    let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        limit.rlim_cur as usize
    } else {
        1024
    };
    // Half of what is left once the walker's threads and the process have theirs.
    (soft.saturating_sub(64) / 4).clamp(1, MAX_BATCH)
}

/// How many syncs run at once: a sync mostly waits for the disk, so many overlap well beyond
/// the core count.
const SYNC_THREADS: usize = 64;

/// Makes files durable, their syncs overlapped on up to [`SYNC_THREADS`] threads. (One
/// `syncfs` per filesystem would also flush every other process's dirty data there, which on a
/// busy filesystem made a batch wait seconds: measured, and dropped.) One result per file.
fn sync_files<'f>(files: impl Iterator<Item = &'f File>) -> Vec<io::Result<()>> {
    let files: Vec<&File> = files.collect();
    sync_overlapped(&files, |file| file.sync_all())
}

/// Makes renames in the directories of `paths` durable: each directory synced once, the syncs
/// overlapped.
fn sync_directories<'p>(paths: impl Iterator<Item = &'p Path>) -> io::Result<()> {
    let directories: BTreeSet<&Path> = paths
        .map(|path| match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        })
        .collect();
    let directories: Vec<&Path> = directories.into_iter().collect();
    sync_overlapped(&directories, |dir| File::open(dir)?.sync_all())
        .into_iter()
        .collect()
}

/// `sync` applied to each item, on up to [`SYNC_THREADS`] threads at once.
fn sync_overlapped<T: Sync>(
    items: &[T],
    sync: impl Fn(&T) -> io::Result<()> + Sync,
) -> Vec<io::Result<()>> {
    if items.len() <= 1 {
        return items.iter().map(&sync).collect();
    }
    let threads = items.len().min(SYNC_THREADS);
    let per_thread = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = items
            .chunks(per_thread)
            .map(|part| scope.spawn(|| part.iter().map(&sync).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|part| part.join().expect("a sync does not panic"))
            .collect()
    })
}
