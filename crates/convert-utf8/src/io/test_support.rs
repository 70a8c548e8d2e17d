//! Helpers shared by the tests of the io submodules.

use crate::charset::Charset;
use crate::decoder::Decoder;
use crate::error::ErrorPolicy;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The charset of most tests.
pub(super) fn utf8() -> Charset {
    Charset::for_label("UTF-8").unwrap()
}

/// A UTF-8 decoder under `policy`.
pub(super) fn decoder(policy: ErrorPolicy) -> Decoder {
    Decoder::new(utf8(), policy)
}

/// The names of the temporary files [`AtomicReplace`](super::AtomicReplace) left in `dir`.
pub(super) fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".convert-utf8-"))
        .collect()
}

/// `path` holds `content` with permission bits `mode`, and no temporary file is left.
pub(super) fn assert_replaced(path: &Path, content: &[u8], mode: u32) {
    assert_eq!(fs::read(path).unwrap(), content);
    assert_eq!(
        fs::metadata(path).unwrap().permissions().mode() & 0o777,
        mode
    );
    assert!(temp_files(path.parent().unwrap()).is_empty());
}
