//! Where the UTF-8 goes: stdout, a file named by `-o`, or — when `-o` names one of the inputs —
//! a replacement of that file made atomically at the end.
//!
//! Like `iconv`, the output is opened on the first non-empty write: a run that produces nothing
//! creates no file and truncates none. Opening it can fail; that failure is kept apart so that it
//! is reported as `cannot open output file` rather than as a write error.

use convert_utf8::io::AtomicReplace;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::path::PathBuf;

/// The destination chosen from the command line.
#[derive(Debug)]
pub enum Target {
    Stdout,
    /// `-o FILE`, not one of the inputs: created or truncated on the first write.
    File(PathBuf),
    /// `-o FILE` naming an input (same path or same inode): replaced when all went well.
    Replace(PathBuf),
}

#[derive(Debug)]
enum Open {
    Closed,
    Plain(File),
    Replacement(AtomicReplace),
}

/// A lazily opened output.
#[derive(Debug)]
pub struct Output {
    target: Target,
    open: Open,
    /// Why opening failed, if it did; taken by [`Output::take_open_error`].
    open_error: Option<io::Error>,
}

impl Output {
    pub fn new(target: Target) -> Output {
        Output {
            target,
            open: Open::Closed,
            open_error: None,
        }
    }

    /// Why the output could not be opened, if that is what the last write error was.
    pub fn take_open_error(&mut self) -> Option<io::Error> {
        self.open_error.take()
    }

    fn open(&mut self) -> io::Result<()> {
        self.open = match &self.target {
            // A duplicate of descriptor 1, so that writes go straight to it without std's line
            // buffering and its errors come back from each write.
            Target::Stdout => Open::Plain(File::from(io::stdout().as_fd().try_clone_to_owned()?)),
            Target::File(path) => Open::Plain(File::create(path)?),
            Target::Replace(path) => Open::Replacement(AtomicReplace::new(path)?),
        };
        Ok(())
    }

    fn writer(&mut self) -> io::Result<&mut dyn Write> {
        if matches!(self.open, Open::Closed)
            && let Err(e) = self.open()
        {
            let reported = io::Error::new(e.kind(), "cannot open output file");
            self.open_error = Some(e);
            return Err(reported);
        }
        match &mut self.open {
            Open::Closed => unreachable!("opened above"),
            Open::Plain(file) => Ok(file),
            Open::Replacement(replacement) => Ok(replacement),
        }
    }

    /// Ends the output. A replacement is put in place only if `keep` (nothing went wrong);
    /// otherwise the original stays and the temporary file is removed. Returns whether a
    /// replacement was discarded.
    pub fn finish(self, keep: bool) -> io::Result<bool> {
        match self.open {
            Open::Closed | Open::Plain(_) => Ok(false),
            Open::Replacement(replacement) if keep => replacement.commit().map(|()| false),
            Open::Replacement(_) => Ok(true),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.writer()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        self.writer()?.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.open {
            Open::Closed => Ok(()),
            Open::Plain(file) => file.flush(),
            Open::Replacement(replacement) => replacement.flush(),
        }
    }
}
