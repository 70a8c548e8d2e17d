//! Whether two paths name one file, so that a conversion whose output is its input goes
//! through [`AtomicReplace`](super::AtomicReplace) instead of truncating what it reads.

use std::fs;
use std::io::{self, ErrorKind as IoErrorKind};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
