//! The charset registry and label tables: every charset and name the system iconv accepts (from the gconv configuration and `iconv -l`), by family.

use crate::GeneratedFile;

/// The files this module owns.
pub fn generate() -> Vec<GeneratedFile> {
    Vec::new()
}
