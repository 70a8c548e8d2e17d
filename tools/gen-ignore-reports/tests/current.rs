//! The committed table is what the generator writes from this machine's iconv: a change in
//! glibc, or an edit by hand, fails here.

use std::process::Command;

#[test]
fn committed_table_is_current() {
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ignore_reports.rs");
    let status = Command::new(env!("CARGO_BIN_EXE_gen-ignore-reports"))
        .arg(&out)
        .status()
        .expect("run gen-ignore-reports");
    assert!(status.success());
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../crates/convert-utf8-iconv/src/ignore_reports.rs");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        std::fs::read_to_string(committed).unwrap(),
        "crates/convert-utf8-iconv/src/ignore_reports.rs is not what \
         `cargo run --release -p gen-ignore-reports` writes"
    );
}
