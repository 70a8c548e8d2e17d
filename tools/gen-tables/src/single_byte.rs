//! Single-byte tables (and the ISO 6937, TSCII and composing families), probed one byte and one sequence at a time.

use crate::GeneratedFile;

/// The files this module owns.
pub fn generate() -> Vec<GeneratedFile> {
    Vec::new()
}
