//! Replacing a file all at once: a temporary file in the target's directory (unnamed until
//! the commit where the system allows), fsync, the old permissions, one rename.

use std::fs::{self, File, Permissions};
use std::io::{self, ErrorKind as IoErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

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
    builder
        .prefix(".convert-utf8-")
        .rand_bytes(TEMPORARY_RANDOM)
        .suffix(".tmp");
    builder
}

/// The random letters and digits in a temporary file's name.
const TEMPORARY_RANDOM: usize = 6;

/// An unnamed file in `dir` for writing, with `mode` less the umask like any new file;
/// `Ok(None)` where the kernel or filesystem has no unnamed files.
#[cfg(target_os = "linux")]
fn create_unnamed(dir: &Path, mode: u32) -> io::Result<Option<File>> {
    use rustix::fs::{CWD, Mode, OFlags, openat};
    use rustix::io::Errno;
    use std::sync::OnceLock;
    let flags = OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC;
    match openat(CWD, dir, flags, Mode::from_raw_mode(mode)) {
        Ok(fd) => {
            let file = File::from(fd);
            // Linking it in at commit goes through its /proc/self/fd entry (the way open(2)
            // documents for unprivileged processes): without /proc, fall back to a name now
            // rather than fail after the whole conversion. Looked at once per process: a
            // look per file cost a system call each.
            static PROC_FD: OnceLock<bool> = OnceLock::new();
            let proc_fd = *PROC_FD.get_or_init(|| Path::new(&proc_fd_path(&file)).exists());
            Ok(proc_fd.then_some(file))
        }
        // Old kernels report EISDIR (O_TMPFILE includes O_DIRECTORY); filesystems without
        // support EOPNOTSUPP; some report EINVAL.
        Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn create_unnamed(_dir: &Path, _mode: u32) -> io::Result<Option<File>> {
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
        AtomicReplace::in_place_of(target, permissions, unnamed)
    }

    /// Prepares to replace `file`, a regular file (not a symbolic link) the caller has open
    /// and whose `permissions` it has read: what [`new`](Self::new) finds out with a path
    /// resolution and a `stat`, which a caller replacing many files saves.
    pub fn for_regular_file(file: &Path, permissions: Permissions) -> io::Result<AtomicReplace> {
        AtomicReplace::in_place_of(file.to_path_buf(), Some(permissions), true)
    }

    fn in_place_of(
        target: PathBuf,
        permissions: Option<Permissions>,
        unnamed: bool,
    ) -> io::Result<AtomicReplace> {
        let dir = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        // Created with the replaced file's permission bits (less the umask, as any new file):
        // mostly what the commit would give it, which then needs no change of mode.
        use std::os::unix::fs::PermissionsExt;
        let mode = permissions.as_ref().map_or(0o666, |p| p.mode() & 0o777);
        let unnamed = if unnamed {
            create_unnamed(dir, mode)?
        } else {
            None
        };
        let temp = match unnamed {
            Some(file) => Temporary::Unnamed {
                file,
                dir: dir.to_path_buf(),
            },
            // An existing file's exact mode is copied at commit. Opened here rather than by
            // `tempfile_in`, whose errors carry the temporary path in place of the OS error
            // code.
            None => Temporary::Named(temporary_name().make_in(dir, |path| {
                File::options()
                    .write(true)
                    .create_new(true)
                    .mode(mode)
                    .open(path)
            })?),
        };
        Ok(AtomicReplace {
            temp,
            target,
            permissions,
        })
    }

    /// Tells the replacement the mode its temporary file has (as a caller that reads the
    /// temporary file's metadata anyway found it): where that is the mode the commit would
    /// give it, the commit leaves it (one system call less per file).
    pub fn temporary_mode_is(&mut self, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        if self
            .permissions
            .as_ref()
            .is_some_and(|p| p.mode() & 0o7777 == mode & 0o7777)
        {
            self.permissions = None;
        }
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

    /// The temporary file: for a caller that sets its owner or times, or syncs it along with
    /// others before [`commit_unsynced`](Self::commit_unsynced).
    pub fn as_file(&self) -> &File {
        match &self.temp {
            Temporary::Unnamed { file, .. } => file,
            Temporary::Named(named) => named.as_file(),
        }
    }

    /// Makes the written content durable and puts it in place of the target in one rename.
    /// On error the target is untouched and the temporary file is removed.
    pub fn commit(mut self) -> io::Result<()> {
        self.file().sync_all()?;
        let target = self.target.clone();
        self.commit_unsynced()?;
        // The rename itself is durable only once the directory is synced.
        if let Some(dir) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }

    /// Puts the content in place of the target in one rename, as [`commit`](Self::commit)
    /// does, but syncs neither the content nor the directory: for a caller that makes many
    /// replacements durable together (their contents synced at once before, e.g. by one
    /// `syncfs`, their directories after). Without those syncs, a power loss may leave the
    /// target empty or as it was; a killed process never leaves it half-written.
    pub fn commit_unsynced(mut self) -> io::Result<()> {
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
        Ok(())
    }
}

/// Whether `name` is one [`AtomicReplace`] gives its temporary files (`.convert-utf8-` then six
/// random letters and digits then `.tmp`): one found in a directory was left by a process
/// killed between naming its temporary file and renaming it over the target, and holds a
/// complete copy of the new content. Only that exact shape: a file of the user's named like
/// it in part (`.convert-utf8-my-notes.tmp`) is not ours to remove.
pub fn is_temporary_name(name: &std::ffi::OsStr) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Some(random) = name
        .as_bytes()
        .strip_prefix(b".convert-utf8-")
        .and_then(|rest| rest.strip_suffix(b".tmp"))
    else {
        return false;
    };
    random.len() == TEMPORARY_RANDOM && random.iter().all(u8::is_ascii_alphanumeric)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_support::{assert_replaced, temp_files};
    use std::os::unix::fs::PermissionsExt;

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

    #[test]
    fn temporary_names_are_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("text.txt");
        let mut replacement = AtomicReplace::with_unnamed(&path, false).unwrap();
        replacement.write_all(b"new").unwrap();
        let names = temp_files(dir.path());
        assert_eq!(names.len(), 1);
        assert!(is_temporary_name(names[0].as_ref()), "{names:?}");
        for other in [
            ".convert-utf8-.tmp",
            ".convert-utf8-my-notes.tmp",
            ".convert-utf8-abc.tmp",
            ".convert-utf8-AbC1234.tmp",
            "convert-utf8-abc.tmp",
            ".convert-utf8-abc",
            "a.tmp",
        ] {
            assert!(!is_temporary_name(other.as_ref()), "{other}");
        }
        replacement.commit_unsynced().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert!(temp_files(dir.path()).is_empty());
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
}
