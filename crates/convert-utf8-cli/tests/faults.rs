//! In-place conversion (`-o` naming the input) under faults: the process killed at random
//! moments, the disk full, an unwritable directory, the file vanishing mid-run.
//!
//! What must hold every time: the file is either the intact original or the complete
//! conversion, never anything in between; an error is reported in words and with exit status 1;
//! after an error (as opposed to a kill) no temporary file is left in the directory.
//!
//! A SIGKILL cannot be cleaned up after. The temporary file has no name (`O_TMPFILE`) until
//! it is linked in right before the rename, so only a kill between those two calls leaves a
//! `.convert-utf8-*.tmp` file behind (the original still intact); where the filesystem has no
//! unnamed files, any kill after the temporary file is created can. The kill test checks that
//! leftovers are only ever such files and that they do not disturb the next run; it counts
//! them. `CU8_FAULT_KILLS` sets how many kills (default 40; the documented run in
//! docs/reliability.md uses 1000).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_convert-utf8");

/// ISO-8859-1 text of about `len` bytes whose UTF-8 is longer (every byte above 0x7F doubles),
/// and that UTF-8.
fn latin1_text(len: usize) -> (Vec<u8>, Vec<u8>) {
    let line: Vec<u8> = (0x20u8..=0x7E).chain(0xA0..=0xFF).chain([b'\n']).collect();
    let original: Vec<u8> = line.iter().copied().cycle().take(len).collect();
    let converted: String = original.iter().map(|&b| char::from(b)).collect();
    (original, converted.into_bytes())
}

fn in_place(path: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["-f", "ISO-8859-1", "-t", "UTF-8", "-o"])
        .arg(path)
        .arg(path)
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Every entry of `dir` but `keep`.
fn others(dir: &Path, keep: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p != keep)
        .collect();
    found.sort();
    found
}

fn is_temporary(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    name.starts_with(".convert-utf8-") && name.ends_with(".tmp")
}

/// A small deterministic generator for the kill delays (no dependency needed for this).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Asserts the run failed cleanly: exit status 1, the reason in words, the original intact,
/// no temporary file.
fn assert_clean_failure(out: &Output, path: &Path, original: &[u8], reason: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(reason), "stderr lacks {reason:?}: {stderr}");
    // The system's words only: no Rust error code, no temporary file name (both leaked in
    // once, when write errors came wrapped with the temporary path).
    assert!(
        !stderr.contains("os error") && !stderr.contains(".convert-utf8-"),
        "{stderr}"
    );
    assert_eq!(fs::read(path).unwrap(), original, "original changed");
    let dir = path.parent().unwrap();
    assert_eq!(
        others(dir, path),
        Vec::<PathBuf>::new(),
        "files left behind"
    );
}

#[test]
fn sigkill_at_random_moments_leaves_the_original_or_the_conversion() {
    let kills: u64 = std::env::var("CU8_FAULT_KILLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text.txt");
    let (original, converted) = latin1_text(4 << 20);

    // How long one uninterrupted run takes: kills are spread over that span and a little beyond.
    fs::write(&path, &original).unwrap();
    let started = Instant::now();
    let out = in_place(&path).output().unwrap();
    let span = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read(&path).unwrap(), converted);
    let span_us = (span.as_micros() as u64).saturating_mul(5) / 4;

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut intact, mut done, mut leftovers) = (0u64, 0u64, 0u64);
    for kill in 0..kills {
        fs::write(&path, &original).unwrap();
        let mut child = in_place(&path).spawn().unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(span_us)));
        // SAFETY: kill(2) on our own child's pid, which is not reaped until wait() below.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
        let status = child.wait().unwrap();
        assert!(
            status.success() || status.signal() == Some(libc::SIGKILL),
            "kill {kill}: {status:?}"
        );
        let now = fs::read(&path).unwrap();
        if now == original {
            intact += 1;
        } else if now == converted {
            done += 1;
        } else {
            panic!(
                "kill {kill}: the file is neither the original nor the conversion ({} bytes)",
                now.len()
            );
        }
        for left in others(dir.path(), &path) {
            assert!(
                is_temporary(&left),
                "kill {kill}: unexpected {}",
                left.display()
            );
            leftovers += 1;
            fs::remove_file(left).unwrap();
        }
    }
    eprintln!(
        "{kills} kills: {intact} left the original, {done} the conversion, \
         {leftovers} left a temporary file behind"
    );

    // Leftovers from a killed run do not disturb the next one.
    fs::write(&path, &original).unwrap();
    fs::write(dir.path().join(".convert-utf8-StaLe1.tmp"), b"stale").unwrap();
    let out = in_place(&path).output().unwrap();
    assert!(out.status.success());
    assert_eq!(fs::read(&path).unwrap(), converted);
}

/// Runs the in-place conversion with the file size limit set to `limit` bytes, with SIGXFSZ
/// ignored (writes past the limit then fail with EFBIG, as on a full disk) or not (the process
/// dies of it).
fn with_file_size_limit(path: &Path, limit: u64, ignore_sigxfsz: bool) -> Output {
    let mut command = in_place(path);
    // SAFETY: setrlimit and signal are async-signal-safe; nothing else runs in the child.
    unsafe {
        command.pre_exec(move || {
            let rlimit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if ignore_sigxfsz {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            }
            Ok(())
        });
    }
    command.output().unwrap()
}

#[test]
fn disk_full_is_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text.txt");
    let (original, _) = latin1_text(1 << 20);
    for limit in [0, 1, 4096, 65536, 1 << 20] {
        fs::write(&path, &original).unwrap();
        let out = with_file_size_limit(&path, limit, true);
        assert_clean_failure(&out, &path, &original, "File too large");
    }
}

#[test]
fn killed_by_sigxfsz_the_original_stays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text.txt");
    let (original, _) = latin1_text(1 << 20);
    fs::write(&path, &original).unwrap();
    let out = with_file_size_limit(&path, 65536, false);
    assert_eq!(out.status.signal(), Some(libc::SIGXFSZ));
    assert_eq!(fs::read(&path).unwrap(), original);
}

/// A real full filesystem: a 256 KiB tmpfs, mounted when the tests run as root and the system
/// allows it (skipped otherwise: the RLIMIT_FSIZE test above covers the same path).
#[test]
fn full_tmpfs_is_a_clean_error() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "convert-utf8-test"])
        .arg(dir.path())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a tmpfs here");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(dir.path());
    let path = dir.path().join("text.txt");
    // 160 KiB of Latin-1 fits; its 240 KiB of UTF-8 beside it does not.
    let (original, _) = latin1_text(160 << 10);
    fs::write(&path, &original).unwrap();
    let out = in_place(&path).output().unwrap();
    assert_clean_failure(&out, &path, &original, "No space left on device");
}

#[test]
fn unwritable_directory_is_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("read-only");
    fs::create_dir(&sub).unwrap();
    let path = sub.join("text.txt");
    let (original, _) = latin1_text(64 << 10);
    fs::write(&path, &original).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
    fs::set_permissions(&sub, fs::Permissions::from_mode(0o555)).unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let mut command = in_place(&path);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // Root writes anywhere: run as nobody, for whom the directory is read-only.
        command.uid(65534).gid(65534);
    }
    let out = command.output().unwrap();
    fs::set_permissions(&sub, fs::Permissions::from_mode(0o755)).unwrap();
    if out.status.code() == Some(126) || String::from_utf8_lossy(&out.stderr).contains("exec") {
        panic!("cannot run the binary as nobody: {out:?}");
    }
    assert_clean_failure(&out, &path, &original, "Permission denied");
}

#[test]
fn missing_input_is_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gone.txt");
    let out = in_place(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("No such file or directory"), "{stderr}");
    assert!(!path.exists());
    assert_eq!(others(dir.path(), &path), Vec::<PathBuf>::new());
}

/// Whether process `pid` has a file in `dir` other than `input` open: its temporary output,
/// which has no name in the directory while it is an unnamed (`O_TMPFILE`) file.
fn writes_into(pid: u32, dir: &Path, input: &Path) -> bool {
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.filter_map(|fd| fs::read_link(fd.ok()?.path()).ok())
        .any(|open| open.starts_with(dir) && open != input)
}

/// The file is deleted while the conversion runs. The conversion reads the open file, so it
/// sees the whole original; what must never happen is a partial file or a temporary file left.
#[test]
fn file_vanishing_mid_run_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text.txt");
    let (original, converted) = latin1_text(8 << 20);
    let mut outcomes = Vec::new();
    for attempt in 0..5 {
        fs::write(&path, &original).unwrap();
        let child = in_place(&path).spawn().unwrap();
        // Wait until the conversion is under way (its output is open), then delete.
        let started = Instant::now();
        while !writes_into(child.id(), dir.path(), &path)
            && started.elapsed() < Duration::from_secs(10)
        {
            std::thread::sleep(Duration::from_micros(200));
        }
        let removed = fs::remove_file(&path).is_ok();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        match fs::read(&path) {
            // Completed from the open file: the whole conversion, nothing less.
            Ok(now) => {
                assert!(out.status.success(), "attempt {attempt}: {stderr}");
                assert!(
                    now == converted,
                    "attempt {attempt}: partial file of {} bytes",
                    now.len()
                );
            }
            Err(_) => assert_eq!(out.status.code(), Some(1), "attempt {attempt}: {stderr}"),
        }
        assert!(
            others(dir.path(), &path).is_empty(),
            "attempt {attempt}: files left behind"
        );
        outcomes.push((removed, out.status.code()));
    }
    eprintln!("vanishing file outcomes (removed mid-run, exit status): {outcomes:?}");
}
