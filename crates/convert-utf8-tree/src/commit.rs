//! The committer: conversions waiting to be put in place, taken in batches on one thread. A
//! batch's temporary files are made durable together (one `syncfs` per filesystem on Linux,
//! where a sync per file would cost a journal commit each), then each file is checked
//! unchanged, backed up if asked, and replaced by one rename, then the renames are made durable
//! together.
//! The originals stay open until their renames are done and are closed on threads of their
//! own ([`CLOSERS`]): a rename over a file nothing holds open frees the file's blocks there and
//! then, which cost more than all the rest of a small file's commit (measured: 90-125 µs a
//! rename against 16 µs with the original open, on ext4), and would leave the run waiting on
//! one thread.
//! The batch is bounded, and so are the open files and memory waiting in it.

use crate::file::{Pending, backup_path};
use crate::{Action, Entry, Observer, Options, Skip};
use convert_utf8::io::describe_io_error;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io;
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, RecvError, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

/// The most conversions a batch holds (each an open temporary file).
const MAX_BATCH: usize = 256;

/// Threads closing the originals. A close that frees a file's blocks mostly waits for the disk
/// (on a filesystem mounted with `discard`, for the discard): two such waits overlap. Measured,
/// 10,000 files: the one closer was busy for 1.2 s of a 1.5 s run, and with the workers no longer
/// waiting on their reads ([`crate::prefetch`]) it held the run back.
const CLOSERS: usize = 2;

/// How long a batch waits for more conversions after its first.
const GATHER: Duration = Duration::from_millis(10);

pub(crate) struct Committer {
    durable: bool,
    follow_links: bool,
    backup: Option<OsString>,
    batch: usize,
    /// Whether files with several names are converted (`--hard-links`).
    hard_links: bool,
    /// Files with other names (under `--hard-links`) that this run renamed one name of: by
    /// device and inode, their `ctime` as they were examined and after the run's renames. The
    /// lost link changes the `ctime` of the file its other names still hold, which is not a
    /// change to them: they are still converted.
    relinked: Mutex<HashMap<(u64, u64), (Ctime, Ctime)>>,
}

/// A `ctime`: seconds and nanoseconds.
type Ctime = (i64, i64);

impl Committer {
    pub(crate) fn new(options: &Options) -> Committer {
        Committer {
            durable: options.durable,
            follow_links: options.follow_links,
            backup: options.backup.clone(),
            batch: batch_size(),
            hard_links: options.hard_links,
            relinked: Mutex::new(HashMap::new()),
        }
    }

    /// How many conversions may wait to be committed: a batch being committed and one being
    /// filled.
    pub(crate) fn capacity(&self) -> usize {
        self.batch
    }

    /// Commits what `pending` brings, in batches, until every sender is gone.
    pub(crate) fn run(&self, pending: Receiver<Pending>, observer: &dyn Observer) {
        // One batch's originals queued while the closers close earlier ones: what stays open
        // is bounded, and the committer goes on meanwhile.
        let (originals, to_close) = mpsc::sync_channel::<Vec<File>>(1);
        let to_close = Mutex::new(to_close);
        std::thread::scope(|scope| {
            for _ in 0..CLOSERS {
                scope.spawn(|| {
                    // The lock is held only while waiting for a batch, not while closing it.
                    while let Ok(batch) = next_batch(&to_close) {
                        drop(batch);
                    }
                });
            }
            self.commit_batches(pending, observer, &originals);
            // The closers end once their queue is closed, and the scope waits for them.
            drop(originals);
        });
    }

    fn commit_batches(
        &self,
        pending: Receiver<Pending>,
        observer: &dyn Observer,
        originals: &SyncSender<Vec<File>>,
    ) {
        let mut batch = Vec::with_capacity(self.batch);
        while let Ok(first) = pending.recv() {
            batch.push(first);
            // What else comes within a few milliseconds joins the batch: a sync costs about
            // the same for one file as for hundreds, and a run's files come a few dozen
            // microseconds apart.
            let deadline = Instant::now() + GATHER;
            while batch.len() < self.batch {
                let left = deadline.saturating_duration_since(Instant::now());
                match pending.recv_timeout(left) {
                    Ok(more) => batch.push(more),
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
                }
            }
            let mut replaced = Vec::with_capacity(batch.len());
            for entry in self.commit(std::mem::take(&mut batch), &mut replaced) {
                observer.entry(&entry);
            }
            // Only gone if the closer is (it never panics): then they close here.
            let _ = originals.send(replaced);
        }
    }

    /// Puts a batch in place; each entry says what became of its file. The originals, open
    /// still, go to `originals` once their files are renamed or left.
    fn commit(&self, batch: Vec<Pending>, originals: &mut Vec<File>) -> Vec<Entry> {
        let mut done = Vec::with_capacity(batch.len());
        let mut ready = Vec::with_capacity(batch.len());
        if self.durable {
            let synced = sync_files(
                batch
                    .iter()
                    .map(|p| (p.identity.device, p.replacement.as_file())),
            );
            for (pending, synced) in batch.into_iter().zip(synced) {
                match synced {
                    Ok(()) => ready.push(pending),
                    Err(e) => {
                        originals.push(pending.original);
                        done.push(failed(
                            pending.entry,
                            "cannot make its conversion durable",
                            &e,
                        ));
                    }
                }
            }
        } else {
            ready = batch;
        }
        let first_converted = done.len();
        for pending in ready {
            done.push(self.put_in_place(pending, originals));
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

    fn put_in_place(&self, pending: Pending, originals: &mut Vec<File>) -> Entry {
        let Pending {
            replacement,
            identity,
            original,
            entry,
        } = pending;
        originals.push(original);
        let path = entry.path.clone();
        let now = if self.follow_links {
            fs::metadata(&path)
        } else {
            fs::symlink_metadata(&path)
        };
        let relinked = if self.hard_links {
            self.relinked
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&identity.key())
                .filter(|(examined, _)| *examined == identity.changed())
                .map(|&(_, after)| identity.relinked(after))
        } else {
            None
        };
        match now {
            Ok(now)
                if crate::file::Identity::of(&now) == identity
                    || Some(crate::file::Identity::of(&now)) == relinked => {}
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
            Ok(()) => {
                // A status call per file only where files may have other names.
                if self.hard_links {
                    self.note_other_names(identity, originals.last());
                }
                Entry {
                    reason: backup.map(|b| format!("the original kept as {}", b.display())),
                    ..entry
                }
            }
            Err(e) => {
                if let Some(backup) = backup.as_ref().filter(|_| backed_up) {
                    // The original is still in place: the tree is left as it was.
                    let _ = fs::remove_file(backup);
                }
                failed(entry, "cannot put its conversion in place", &e)
            }
        }
    }

    /// After a rename over one name of `identity`'s file (`original`, still open): if other
    /// names still hold it, its `ctime` now, for their own commits to expect.
    fn note_other_names(&self, identity: crate::file::Identity, original: Option<&File>) {
        use std::os::unix::fs::MetadataExt;
        let Some(now) = original.and_then(|file| file.metadata().ok()) else {
            return;
        };
        if now.nlink() == 0 {
            return;
        }
        let mut relinked = self.relinked.lock().unwrap_or_else(|e| e.into_inner());
        let examined = relinked
            .get(&identity.key())
            .map_or(identity.changed(), |&(examined, _)| examined);
        relinked.insert(identity.key(), (examined, (now.ctime(), now.ctime_nsec())));
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

/// The next batch of originals for a closer to close.
fn next_batch(to_close: &Mutex<Receiver<Vec<File>>>) -> Result<Vec<File>, RecvError> {
    to_close.lock().unwrap_or_else(|e| e.into_inner()).recv()
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
    // What is left once the walker's threads and the process have theirs, shared out: a batch
    // being committed and one waiting hold two files a conversion (the temporary and the
    // original); the originals of the batch just committed, of one queued for the closers and
    // of one being closed by each closer, one each.
    (soft.saturating_sub(64) / 12).clamp(1, MAX_BATCH)
}

/// Makes a batch's files durable: on Linux one `syncfs` per filesystem, which writes them all
/// out in one journal commit where a sync per file costs one each (measured: about half the
/// system time, and faster on the whole); elsewhere a sync of each. One result per file. The
/// price: `syncfs` also waits for other processes' unwritten data on that filesystem.
fn sync_files<'f>(files: impl Iterator<Item = (u64, &'f File)>) -> Vec<io::Result<()>> {
    let files: Vec<(u64, &File)> = files.collect();
    #[cfg(target_os = "linux")]
    {
        let mut by_device: BTreeMap<u64, io::Result<()>> = BTreeMap::new();
        for (device, file) in &files {
            by_device
                .entry(*device)
                .or_insert_with(|| rustix::fs::syncfs(file).map_err(io::Error::from));
        }
        files
            .iter()
            .map(|(device, _)| match &by_device[device] {
                Ok(()) => Ok(()),
                Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
            })
            .collect()
    }
    #[cfg(not(target_os = "linux"))]
    {
        files.iter().map(|(_, file)| file.sync_all()).collect()
    }
}

/// Makes the renames in the directories of `paths` durable: on Linux one `syncfs` per
/// filesystem, elsewhere a sync of each directory.
fn sync_directories<'p>(paths: impl Iterator<Item = &'p Path>) -> io::Result<()> {
    let directories: BTreeSet<&Path> = paths
        .map(|path| match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        })
        .collect();
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let mut synced = BTreeSet::new();
        for dir in directories {
            let dir = File::open(dir)?;
            if synced.insert(dir.metadata()?.dev()) {
                rustix::fs::syncfs(&dir)?;
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    for dir in directories {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}
