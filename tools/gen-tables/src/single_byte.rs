//! Single-byte tables, and the tables of the three contextual single-byte families (ISO 6937-style
//! prefix charsets, the composing code pages CP1255/CP1258/TCVN5712-1, and TSCII), all probed from
//! the system iconv one byte and one sequence at a time.
//!
//! Output: `single_byte.rs` in the engine's `src/tables/`. Code points are stored as `u16`
//! (every one of these charsets stays in the BMP; the generator checks it), in 128-entry halves
//! shared between charsets: the ASCII lower half of most 8-bit sets, the empty upper half of the
//! 7-bit sets and the many EBCDIC halves that coincide are stored once.

mod probe;
mod render;

use crate::GeneratedFile;
pub use probe::{Composition, ContextTables, Probed};

/// The families this module generates tables for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SingleByteFamily {
    /// One byte, one character.
    Plain,
    /// A plain table plus base + combining mark composition (CP1255, CP1258, TCVN5712-1).
    Composing,
    /// A prefix byte adds a diacritic to the following letter.
    Iso6937,
    /// TSCII: one byte becomes up to four code points, with reordering.
    Tscii,
}

/// The charsets of these families, by canonical name, from the registry.
pub fn charsets() -> Vec<(String, SingleByteFamily)> {
    use crate::registry::FamilyKind;
    crate::registry::charsets()
        .into_iter()
        .filter_map(|record| {
            let family = match record.family {
                FamilyKind::SingleByte => SingleByteFamily::Plain,
                FamilyKind::Composing => SingleByteFamily::Composing,
                FamilyKind::Iso6937 => SingleByteFamily::Iso6937,
                FamilyKind::Tscii => SingleByteFamily::Tscii,
                _ => return None,
            };
            Some((record.name, family))
        })
        .collect()
}

/// The files this module owns.
pub fn generate() -> Vec<GeneratedFile> {
    let probed = probe::probe_all(&charsets());
    vec![GeneratedFile {
        path: "single_byte.rs".to_string(),
        contents: rustfmt(&render::render(&probed)),
    }]
}

/// Formats generated source the way `cargo fmt` would, so that the committed tables pass the
/// project's format check unchanged.
pub(crate) fn rustfmt(source: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("rustfmt is needed to format the generated tables");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = source.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("rustfmt runs");
    writer
        .join()
        .expect("writer thread")
        .expect("rustfmt reads its input");
    assert!(
        output.status.success(),
        "rustfmt rejected the generated tables"
    );
    String::from_utf8(output.stdout).expect("rustfmt writes UTF-8")
}
