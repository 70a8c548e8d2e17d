//! [`convert_file`]: a file decoded to UTF-8 into its destination, or back into itself,
//! through [`AtomicReplace`] so that no failure leaves it half-written.

use super::atomic::AtomicReplace;
use super::error::TranscodeError;
use super::stream::{Transcoded, transcode};
use crate::charset::Charset;
use crate::decoder::Decoder;
use crate::error::ErrorPolicy;
use std::fs::File;
use std::path::Path;

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
    use crate::io::test_support::{assert_replaced, temp_files, utf8};
    use std::fs::{self, Permissions};
    use std::io::ErrorKind as IoErrorKind;
    use std::os::unix::fs::PermissionsExt;

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
}
