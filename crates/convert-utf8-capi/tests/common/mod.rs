//! Shared by the integration tests that use the built library from outside Rust (C programs,
//! Python): building it and finding its files.
//!
//! `cargo test` does not build a package's cdylib and staticlib for its integration tests, so
//! the first test that needs them runs `cargo build` for this package (same profile, same target
//! directory: cargo releases its lock while tests run) and reads the paths cargo reports.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The built library and its header.
pub struct Library {
    pub static_lib: PathBuf,
    pub shared_lib: PathBuf,
    pub include_dir: PathBuf,
}

impl Library {
    /// The directory holding both libraries.
    pub fn dir(&self) -> &Path {
        self.shared_lib
            .parent()
            .expect("the library has a directory")
    }
}

/// The system libraries a Rust staticlib needs on Linux (`rustc --print native-static-libs`).
pub const NATIVE_STATIC_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Builds the library once per test binary and returns where it is.
pub fn library() -> &'static Library {
    static LIBRARY: OnceLock<Library> = OnceLock::new();
    LIBRARY.get_or_init(build_library)
}

fn build_library() -> Library {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args([
        "build",
        "--locked",
        "-p",
        "convert-utf8-capi",
        "--message-format=json-render-diagnostics",
    ]);
    if !cfg!(debug_assertions) {
        command.arg("--release");
    }
    let output = command.output().expect("run cargo build");
    assert!(
        output.status.success(),
        "cargo build -p convert-utf8-capi failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut static_lib = None;
    let mut shared_lib = None;
    for line in stdout.lines() {
        if !line.contains(r#""reason":"compiler-artifact""#)
            || !line.contains(r#""crate_types":["cdylib","staticlib"]"#)
        {
            continue;
        }
        for path in artifact_filenames(line) {
            if path.ends_with(".a") {
                static_lib = Some(PathBuf::from(path));
            } else if path.ends_with(".so") {
                shared_lib = Some(PathBuf::from(path));
            }
        }
    }
    Library {
        static_lib: static_lib.expect("cargo reported the static library"),
        shared_lib: shared_lib.expect("cargo reported the shared library"),
        include_dir: crate_dir().join("../../include"),
    }
}

/// The paths in the `"filenames":[...]` array of one cargo JSON message (paths of build
/// artifacts hold no quotes or commas).
fn artifact_filenames(message: &str) -> Vec<&str> {
    let Some(start) = message.find(r#""filenames":["#) else {
        return Vec::new();
    };
    let rest = &message[start + r#""filenames":["#.len()..];
    let list = &rest[..rest.find(']').unwrap_or(rest.len())];
    list.split(',').map(|item| item.trim_matches('"')).collect()
}

/// Whether an optional tool the environment lacks must be treated as a failure (set by the
/// project's full test script, so that CI cannot silently skip these tests).
pub fn required(variable: &str) -> bool {
    std::env::var_os(variable).is_some_and(|v| v == "1")
}
