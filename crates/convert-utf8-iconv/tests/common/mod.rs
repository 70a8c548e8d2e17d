//! Shared by the tests that run programs against the built library: building it, compiling the
//! C programs in `tests/c/`, and running a program plainly (on glibc's iconv) and with the
//! library preloaded.
//!
//! `cargo test` does not build a package's cdylib for its integration tests, so the first test
//! that needs it runs `cargo build` for this package in the same profile.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A directory of this test run's own, for compiled programs and generated inputs.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("convert-utf8-iconv")
        .join(name);
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

/// The built `libconvert_utf8_iconv.so`, built once per test binary.
pub fn library() -> &'static Path {
    static LIBRARY: OnceLock<PathBuf> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command.args(["build", "--locked", "-p", "convert-utf8-iconv"]);
        let profile = if cfg!(debug_assertions) {
            "debug"
        } else {
            command.arg("--release");
            "release"
        };
        let status = command.status().expect("run cargo build");
        assert!(status.success(), "cargo build -p convert-utf8-iconv failed");
        // CARGO_TARGET_TMPDIR is <target>/tmp.
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
        let library = target.join(profile).join("libconvert_utf8_iconv.so");
        assert!(library.is_file(), "{} was not built", library.display());
        library
    })
}

fn compiler() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".to_owned())
}

/// Compiles `tests/c/<source>.c` (with `extra` arguments) into `<name>` and returns its path.
pub fn compile(source: &str, name: &str, extra: &[&str]) -> PathBuf {
    let dir = scratch_dir("bin");
    let executable = dir.join(name);
    let output = Command::new(compiler())
        .args([
            "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-g", "-pthread",
        ])
        .arg("-D_GNU_SOURCE")
        .arg(crate_dir().join("tests/c").join(format!("{source}.c")))
        .arg("-o")
        .arg(&executable)
        .args(extra)
        .output()
        .expect("run the C compiler");
    assert!(
        output.status.success(),
        "compiling {source}.c failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    executable
}

/// The iconv(1)-like driver, compiled once per test binary.
pub fn driver() -> &'static Path {
    static DRIVER: OnceLock<PathBuf> = OnceLock::new();
    DRIVER.get_or_init(|| compile("iconv_driver", "iconv_driver", &[]))
}

/// What a program did: exit status, standard output and error.
#[derive(Debug, PartialEq, Eq)]
pub struct Run {
    pub status: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            status: output.status.code(),
            stdout: output.stdout,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Where two outputs first differ (the shorter one's length when one is a start of the other).
pub fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

/// Runs `program` with `args` on glibc's iconv (`preload` false) or with the library preloaded.
/// A run that has not ended after 30 s (a conversion that loops) is killed: its status is then
/// 137 (killed), which no run of the programs tested here gives.
pub fn run(program: &Path, args: &[&std::ffi::OsStr], preload: bool) -> Run {
    let mut command = Command::new("timeout");
    command
        .args(["-s", "KILL", "30"])
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .env_remove("LD_PRELOAD");
    if preload {
        command.env("LD_PRELOAD", library());
    }
    command.output().expect("run the program").into()
}

/// Runs `program` both ways and returns (glibc's run, the preloaded run).
pub fn both(program: &Path, args: &[&std::ffi::OsStr]) -> (Run, Run) {
    (run(program, args, false), run(program, args, true))
}

/// The system iconv program converting `bytes`, on glibc alone (`-c`: dropping what it cannot
/// convert).
pub fn system_iconv(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new("iconv")
        .args(["-c", "-f", from, "-t", to])
        .env_remove("LD_PRELOAD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run iconv");
    let mut input = child.stdin.take().unwrap();
    // Written from a thread of its own: iconv writes as it reads, and a large input would fill
    // both pipes.
    let bytes = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output.stdout
}

/// `text` (UTF-8) in `charset`, as the system's iconv (glibc, the oracle) encodes it, leaving
/// out what the charset cannot hold.
pub fn encoded_by_glibc(text: &[u8], charset: &str) -> Vec<u8> {
    system_iconv(text, "UTF-8", charset)
}

/// Charsets left out of the tests that damage text and cut it small, for glibc's faults there:
/// TSCII (glibc garbles a syllable split between calls), EUC-JISX0213 and SHIFT_JISX0213
/// (glibc can loop for ever on small outputs), and UCS-4, UCS-4LE and glibc's internal form
/// (glibc writes forms above U+10FFFF, which are not UTF-8, where the library reports them).
pub const GLIBC_FAULTY_WHEN_DAMAGED: [&str; 6] = [
    "TSCII",
    "EUC-JISX0213",
    "SHIFT_JISX0213",
    "UCS-4",
    "UCS-4LE",
    "INTERNAL",
];
