//! Multi-byte tables: CJK double-byte sets, GB18030 ranges, the sets behind ISO-2022 and EBCDIC double-byte charsets.

use crate::GeneratedFile;

/// The files this module owns.
pub fn generate() -> Vec<GeneratedFile> {
    Vec::new()
}
