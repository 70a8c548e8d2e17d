//! Reading ahead of the workers: as the walk lists a directory, each file in it that will be
//! converted is asked of the disk in the background (`posix_fadvise(WILLNEED)` on a thread of
//! its own), so that the worker that takes it up finds its start in memory.
//!
//! Without it a worker that reads a file not in the page cache waits for the disk, one file at
//! a time: on a tree not read lately (measured: 10,000 small files a minute after they were
//! written, when the kernel had already dropped their pages) the workers spent about a fifth
//! of the run waiting in `read`.
//!
//! Asking is best-effort and never blocks the walk: a path is dropped when the queue is full,
//! and a file that cannot be opened is left to the worker, which reports it.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, SyncSender};

/// Paths waiting to be read ahead: the walk lists a directory at a time, and the workers are
/// never more than a few directories behind it.
const QUEUE: usize = 4096;

/// How much of each file is asked for: what the worker reads first (the detector's sample, and
/// all of most files).
const AHEAD: u64 = 256 * 1024;

/// The walk's side: asks for files to be read ahead.
pub(crate) struct Prefetch {
    queue: SyncSender<PathBuf>,
}

impl Prefetch {
    /// A prefetch, and what its thread runs ([`read_ahead`]) until every `Prefetch` is gone.
    pub(crate) fn new() -> (Prefetch, Receiver<PathBuf>) {
        let (queue, paths) = mpsc::sync_channel(QUEUE);
        (Prefetch { queue }, paths)
    }

    /// Asks for `path`'s start to be read into memory, unless the queue is full.
    pub(crate) fn ask(&self, path: PathBuf) {
        let _ = self.queue.try_send(path);
    }
}

/// Reads ahead each path that comes, until the walk is over.
pub(crate) fn read_ahead(paths: Receiver<PathBuf>) {
    for path in paths {
        ask_the_disk(&path);
    }
}

#[cfg(target_os = "linux")]
fn ask_the_disk(path: &std::path::Path) {
    use rustix::fs::{Advice, CWD, Mode, OFlags, fadvise, openat};
    // Not following links, as the worker opens it; not blocking on what turned into a FIFO
    // since it was listed.
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    if let Ok(fd) = openat(CWD, path, flags, Mode::empty()) {
        let _ = fadvise(&fd, 0, std::num::NonZeroU64::new(AHEAD), Advice::WillNeed);
    }
}

#[cfg(not(target_os = "linux"))]
fn ask_the_disk(_path: &std::path::Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asking_never_blocks_the_walk() {
        let (prefetch, _paths) = Prefetch::new();
        // Nothing reads the queue: asks past its capacity are dropped, not waited on.
        for n in 0..QUEUE + 10 {
            prefetch.ask(PathBuf::from(format!("file-{n}")));
        }
    }

    #[test]
    fn the_thread_ends_with_the_walk() {
        let (prefetch, paths) = Prefetch::new();
        let reader = std::thread::spawn(move || read_ahead(paths));
        prefetch.ask(PathBuf::from("does/not/exist"));
        drop(prefetch);
        reader.join().unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_fifo_does_not_hold_it_up() {
        // A file replaced by a FIFO after the walk listed it: opened for reading without
        // O_NONBLOCK, it would wait for a writer forever.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("was-a-file");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let (done, finished) = mpsc::channel();
        let asker = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                ask_the_disk(&fifo);
                let _ = done.send(());
            })
        };
        // A deadline for a hang, not a measure of speed: the ask takes microseconds.
        let hung = finished
            .recv_timeout(std::time::Duration::from_secs(60))
            .is_err();
        if hung {
            // A writer releases the blocked open, so that the thread can end.
            let _ = std::fs::OpenOptions::new().write(true).open(&fifo);
        }
        asker.join().unwrap();
        assert!(!hung, "the ask waited for a writer to open the FIFO");
    }
}
