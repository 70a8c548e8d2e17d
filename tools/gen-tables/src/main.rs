//! `gen-tables`: writes the engine's generated tables from the system iconv.
//!
//! Usage: `cargo run --release -p gen-tables [-- OUT_DIR]`; OUT_DIR defaults to the engine's
//! `src/tables/`.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../crates/convert-utf8/src/tables")
        });
    for file in gen_tables::generate_all() {
        let path = out.join(&file.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &file.contents)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
