//! The committed generated files are exactly what the generator makes from this system's iconv:
//! regenerates every table in memory and compares.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn tables_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/convert-utf8/src/tables")
}

/// Every file under `dir`, relative to `root`.
fn files_under(root: &Path, dir: &Path, found: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("the tables directory is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files_under(root, &path, found);
        } else {
            let relative = path.strip_prefix(root).expect("under the root");
            found.insert(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn committed_generated_files_are_fresh() {
    let tables = tables_dir();
    let mut problems = Vec::new();
    let mut generated = BTreeSet::new();
    for file in gen_tables::generate_all() {
        generated.insert(file.path.clone());
        match std::fs::read_to_string(tables.join(&file.path)) {
            Ok(committed) if committed == file.contents => {}
            Ok(_) => problems.push(format!(
                "{} differs from what the generator makes",
                file.path
            )),
            Err(e) => problems.push(format!("{} is missing ({e})", file.path)),
        }
    }
    // A file in tables/ that no generator makes any more is stale too (mod.rs and format.rs are
    // hand-written).
    let mut committed = BTreeSet::new();
    files_under(&tables, &tables, &mut committed);
    for path in committed {
        if path != "mod.rs" && path != "format.rs" && !generated.contains(&path) {
            problems.push(format!("{path} is no longer generated"));
        }
    }
    assert!(
        problems.is_empty(),
        "generated files are out of date; run `{}` and commit the result:\n  {}",
        gen_tables::REGENERATE,
        problems.join("\n  ")
    );
}
