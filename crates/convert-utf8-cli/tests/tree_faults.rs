//! Trees converted in place (`--in-place -r`) under faults: the process killed at random
//! moments, the disk full halfway, a read-only directory, an unreadable file, a file replaced
//! or deleted while it is converted, a tree deeper than the open-file limit, names that are not
//! UTF-8, FIFOs; and the promises of `--dry-run` and `--backup`.
//!
//! What must hold every time, for every file: it is its original or the whole conversion
//! `iconv -f <its true charset> -t UTF-8` makes of it, never anything in between; a file that
//! could not be converted is reported, with the system's words, and the rest of the tree is
//! converted; nothing is left behind but, after a kill, `.convert-utf8-*.tmp` files holding a
//! whole conversion, which the next run removes and reports.
//!
//! The tests that need a filesystem of their own (a small one to fill, a read-only mount) mount
//! one when they run as root, and are skipped with a message otherwise; the tests that need
//! permissions to apply run the program as `nobody` when they run as root. `CU8_TREE_KILLS`
//! sets how many kills the kill test makes (default 60).

use iconv_oracle::{Iconv, Outcome};
use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_convert-utf8");

/// The unprivileged user the permission tests run the program as, when they run as root.
const NOBODY: u32 = 65534;

/// Text in six charsets the detector tells apart: (charset as iconv names it, sentences).
const TEXTS: &[(&str, &[&str])] = &[
    (
        "CP1251",
        &[
            "Съешь же ещё этих мягких французских булок, да выпей же чаю.",
            "В чащах юга жил бы цитрус? Да, но фальшивый экземпляр!",
            "Широкая электрификация южных губерний даст мощный толчок подъёму сельского хозяйства.",
        ],
    ),
    (
        "KOI8-R",
        &[
            "Широкая электрификация южных губерний даст мощный толчок подъёму сельского хозяйства.",
            "Любя, съешь щипцы, - вздохнёт мэр, - кайф жгуч.",
            "Эх, чужак, общий съём цен шляп юфти вдрызг!",
        ],
    ),
    (
        "SHIFT_JIS",
        &[
            "日本語の文章を正しく判定できるかどうかを確かめるための例文です。",
            "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。",
            "いろはにほへと ちりぬるを わかよたれそ つねならむ うゐのおくやま けふこえて。",
        ],
    ),
    (
        "GBK",
        &[
            "我们在这里测试简体中文的文本，看看检测器能否正确地判断出它的编码。",
            "天下大势，分久必合，合久必分。周末七国分争，并入于秦。",
            "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？",
        ],
    ),
    (
        "CP1252",
        &[
            "Voix ambiguë d’un cœur qui, au zéphyr, préfère les jattes de kiwis.",
            "Le cœur déçu mais l’âme plutôt naïve, Louÿs rêva de crapaüter en canoë.",
            "Dès Noël, où un zéphyr haï me vêt de glaçons würmiens, je dîne d’exquis rôtis.",
        ],
    ),
    (
        "ISO-8859-7",
        &[
            "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία, είπε ο δάσκαλος στην τάξη.",
            "Γαζέες και μυρτιές δεν θα βρω πια στο χρυσαφί ξέφωτο.",
            "Η γλώσσα μου έδωσαν ελληνική, το σπίτι φτωχικό στις αμμουδιές του Ομήρου.",
        ],
    ),
];

/// A small deterministic generator (no dependency needed for this).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// `text` in `charset`, as the system iconv writes it.
fn encode(text: &str, charset: &str) -> Vec<u8> {
    let conversion = Iconv::open_to("UTF-8", charset)
        .unwrap_or_else(|| panic!("iconv knows {charset}"))
        .convert(text.as_bytes());
    assert_eq!(conversion.outcome, Outcome::Complete, "{charset}");
    conversion.output
}

/// What `iconv -f charset -t UTF-8` makes of `bytes`: the whole conversion.
fn iconv(bytes: &[u8], charset: &str) -> Vec<u8> {
    let conversion = Iconv::open(charset)
        .unwrap_or_else(|| panic!("iconv knows {charset}"))
        .convert(bytes);
    assert_eq!(conversion.outcome, Outcome::Complete, "{charset}");
    conversion.output
}

/// Sentences of one language, picked at random, to about `len` bytes of UTF-8.
fn prose(rng: &mut Rng, sentences: &[&str], len: usize) -> String {
    let mut text = String::new();
    while text.len() < len {
        let sentence: &&str = rng.pick(sentences);
        text.push_str(sentence);
        text.push(if rng.below(4) == 0 { '\n' } else { ' ' });
    }
    text.push('\n');
    text
}

/// A file of a tree: what it was, what it becomes (the same for files left as they are), and
/// the charset it is in.
struct Case {
    path: PathBuf,
    charset: &'static str,
    original: Vec<u8>,
    converted: Vec<u8>,
}

impl Case {
    fn new(path: PathBuf, charset: &'static str, original: Vec<u8>) -> Case {
        let converted = match charset {
            "UTF-8" | "binary" => original.clone(),
            _ => iconv(&original, charset),
        };
        Case {
            path,
            charset,
            original,
            converted,
        }
    }

    /// A text file in one of [`TEXTS`]' charsets, of about `len` bytes.
    fn legacy(path: PathBuf, which: usize, rng: &mut Rng, len: usize) -> Case {
        let (charset, sentences) = TEXTS[which % TEXTS.len()];
        let text = prose(rng, sentences, len);
        Case::new(path, charset, encode(&text, charset))
    }

    fn converts(&self) -> bool {
        self.converted != self.original
    }

    fn write(&self) {
        fs::create_dir_all(self.path.parent().unwrap()).unwrap();
        fs::write(&self.path, &self.original).unwrap();
    }
}

/// A tree of text in every charset of [`TEXTS`], UTF-8 text and binary files.
struct Tree {
    root: PathBuf,
    cases: Vec<Case>,
}

impl Tree {
    /// `count` files of 100 bytes to a few KiB, spread over nested directories.
    fn new(root: &Path, count: usize, rng: &mut Rng) -> Tree {
        let dirs = [
            "",
            "alpha",
            "alpha/one",
            "alpha/one/two",
            "alpha/one/two/three",
            "beta",
            "beta/docs",
            "gamma",
            "gamma/a",
            "gamma/b",
            "gamma/b/c",
        ];
        let mut cases = Vec::with_capacity(count);
        for i in 0..count {
            let path = root
                .join(dirs[i % dirs.len()])
                .join(format!("file{i:03}.txt"));
            let len = 100 + rng.below(3000) as usize;
            let case = match i % 8 {
                6 => {
                    let (_, sentences) = rng.pick(TEXTS);
                    Case::new(path, "UTF-8", prose(rng, sentences, len).into_bytes())
                }
                7 => {
                    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
                    bytes.extend((0..len).map(|_| rng.below(256) as u8));
                    Case::new(path, "binary", bytes)
                }
                which => Case::legacy(path, which, rng, len),
            };
            case.write();
            cases.push(case);
        }
        Tree {
            root: root.to_path_buf(),
            cases,
        }
    }

    /// Puts back every original that is not in place.
    fn restore(&self) {
        for case in &self.cases {
            if fs::read(&case.path).ok().as_deref() != Some(&case.original[..]) {
                fs::write(&case.path, &case.original).unwrap();
            }
        }
    }

    /// Asserts every file is its original or its whole conversion, and that nothing else is in
    /// the tree but temporary files holding the whole conversion of a file beside them; returns
    /// how many files are converted and the temporary files.
    fn check(&self, when: &str) -> (usize, Vec<PathBuf>) {
        let mut converted = 0;
        for case in &self.cases {
            let now = fs::read(&case.path)
                .unwrap_or_else(|e| panic!("{when}: {}: {e}", case.path.display()));
            if now == case.converted {
                converted += usize::from(case.converts());
            } else if now != case.original {
                panic!(
                    "{when}: {} ({}) is neither its original ({} bytes) nor its conversion \
                     ({} bytes) but {} bytes",
                    case.path.display(),
                    case.charset,
                    case.original.len(),
                    case.converted.len(),
                    now.len()
                );
            }
        }
        let known: BTreeSet<&Path> = self.cases.iter().map(|c| c.path.as_path()).collect();
        let mut temporaries = Vec::new();
        for path in files_under(&self.root) {
            if known.contains(path.as_path()) {
                continue;
            }
            assert!(is_temporary(&path), "{when}: unexpected {}", path.display());
            let content = fs::read(&path).unwrap();
            assert!(
                self.cases.iter().any(|c| c.converts()
                    && c.path.parent() == path.parent()
                    && c.converted == content),
                "{when}: {} ({} bytes) is not the whole conversion of a file beside it",
                path.display(),
                content.len()
            );
            temporaries.push(path);
        }
        (converted, temporaries)
    }

    /// Asserts every file is converted and nothing else is in the tree.
    fn assert_all_converted(&self, when: &str) {
        let (converted, temporaries) = self.check(when);
        assert_eq!(temporaries, Vec::<PathBuf>::new(), "{when}: left behind");
        let expected = self.cases.iter().filter(|c| c.converts()).count();
        assert_eq!(converted, expected, "{when}: files converted");
    }
}

/// Every file (not directory) under `root`.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                dirs.push(entry.path());
            } else {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    found
}

fn is_temporary(path: &Path) -> bool {
    let name = path.file_name().unwrap().as_bytes();
    name.starts_with(b".convert-utf8-") && name.ends_with(b".tmp")
}

/// `convert-utf8 --in-place ARGS`, as a user runs it, its output captured.
fn in_place<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("--in-place")
        .args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_CTYPE")
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// `--json=PATH`.
fn json_option(report: &Path) -> OsString {
    let mut option = OsString::from("--json=");
    option.push(report);
    option
}

/// Runs `command` to its end; a run that has not ended after two minutes is killed and fails
/// the test (a hang, not a slow machine).
fn finish(mut command: Command) -> Output {
    let child = command.spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let (done, watch) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if watch.recv_timeout(Duration::from_secs(120)).is_err() {
            // SAFETY: kill(2) on our child, not reaped until wait_with_output returns.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            return true;
        }
        false
    });
    let out = child.wait_with_output().unwrap();
    let _ = done.send(());
    assert!(!watchdog.join().unwrap(), "the run hung: {out:?}");
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// One object of the JSON report, its strings as they are written (escapes kept).
#[derive(Debug)]
struct Reported {
    path: String,
    action: String,
    reason: String,
}

/// The report's objects (one a line).
fn read_report(report: &Path) -> Vec<Reported> {
    let text = fs::read_to_string(report).unwrap();
    assert!(
        text.starts_with('[') && text.trim_end().ends_with(']'),
        "{text}"
    );
    text.lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| Reported {
            path: json_field(line, "path"),
            action: json_field(line, "action"),
            reason: json_field(line, "reason"),
        })
        .collect()
}

/// The raw text of string field `key` of a one-line JSON object (empty for null).
fn json_field(line: &str, key: &str) -> String {
    let tag = format!("\"{key}\":");
    let start = line
        .find(&tag)
        .unwrap_or_else(|| panic!("no {key}: {line}"))
        + tag.len();
    let Some(rest) = line[start..].strip_prefix('"') else {
        return String::new();
    };
    let mut out = String::new();
    let mut escaped = false;
    for c in rest.chars() {
        match c {
            _ if escaped => {
                out.push('\\');
                out.push(c);
                escaped = false;
            }
            '\\' => escaped = true,
            '"' => return out,
            _ => out.push(c),
        }
    }
    panic!("unterminated {key}: {line}");
}

/// The entry of `path` in a report, which must have exactly one.
fn entry_of<'r>(report: &'r [Reported], path: &Path) -> &'r Reported {
    let path = path.to_str().unwrap();
    let mut found = report.iter().filter(|r| r.path == path);
    let entry = found
        .next()
        .unwrap_or_else(|| panic!("{path} not in the report"));
    assert!(found.next().is_none(), "{path} reported twice");
    entry
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A directory for a test's tree: a tmpfs of its own when mounted, unmounted when dropped.
struct Scratch {
    dir: tempfile::TempDir,
    mounted: bool,
}

impl Scratch {
    fn plain() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
            mounted: false,
        }
    }

    /// A tmpfs of `size` (as mount(8) reads it), when the tests run as root and may mount.
    fn tmpfs(size: &str) -> Option<Scratch> {
        if !is_root() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={size},mode=0755"))
            .arg("convert-utf8-test")
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Scratch { dir, mounted })
    }

    /// A tmpfs where the tests may mount one (conversions there wait on no shared disk), else
    /// a plain directory.
    fn fast() -> Scratch {
        Scratch::tmpfs("256m").unwrap_or_else(Scratch::plain)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.mounted {
            let _ = Command::new("umount").arg(self.dir.path()).status();
        }
    }
}

/// A mount to undo when dropped.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Makes `command` run as `nobody` when the tests run as root (for whom permissions do not
/// apply), and gives `nobody` what is under `dir`; as anyone else, it runs as they are.
fn unprivileged(command: &mut Command, dir: &Path) {
    if !is_root() {
        return;
    }
    let mut dirs = vec![dir.to_path_buf()];
    std::os::unix::fs::chown(dir, Some(NOBODY), Some(NOBODY)).unwrap();
    while let Some(d) = dirs.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            std::os::unix::fs::lchown(&path, Some(NOBODY), Some(NOBODY)).unwrap();
            if path.is_dir() {
                dirs.push(path);
            }
        }
    }
    // tempfile makes its directories 0700: nobody must be able to reach the tree.
    let mut above = dir.parent();
    while let Some(d) = above {
        let mode = fs::metadata(d).unwrap().permissions().mode();
        if mode & 0o011 != 0o011 {
            fs::set_permissions(d, fs::Permissions::from_mode(mode | 0o011)).unwrap();
        }
        above = d.parent();
    }
    command.uid(NOBODY).gid(NOBODY);
}

// -------------------------------------------------------------------------------------------
// 1. SIGKILL at random moments

#[test]
fn a_tree_killed_at_random_moments_holds_only_originals_and_whole_conversions() {
    let kills: u64 = std::env::var("CU8_TREE_KILLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(60);
    let scratch = Scratch::fast();
    let root = scratch.path().join("tree");
    let report = scratch.path().join("report.json");
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let tree = Tree::new(&root, 320, &mut rng);
    let run = |jobs: Option<&str>| {
        let mut args: Vec<OsString> = vec!["-r".into(), "-f".into(), "auto".into()];
        if let Some(jobs) = jobs {
            args.extend(["-j".into(), jobs.into()]);
        }
        args.push(json_option(&report));
        args.push(root.clone().into());
        in_place(args)
    };

    // Uninterrupted, every file converts as iconv converts it; how long that takes is the span
    // the kills are spread over (and a little beyond).
    let started = Instant::now();
    let out = finish(run(None));
    let span = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    tree.assert_all_converted("an uninterrupted run");
    let span_us = (span.as_micros() as u64).saturating_mul(5) / 4;

    let (mut untouched, mut partly, mut whole, mut left) = (0, 0, 0, 0);
    for round in 0..kills {
        let when = format!("kill {round}");
        tree.restore();
        let jobs = (round % 3 == 0).then_some("1");
        let mut child = run(jobs)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(span_us)));
        // SAFETY: kill(2) on our own child's pid, which is not reaped until wait() below.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
        let status = child.wait().unwrap();
        assert!(
            status.success() || status.signal() == Some(libc::SIGKILL),
            "{when}: {status:?}"
        );
        let (converted, temporaries) = tree.check(&when);
        let convertible = tree.cases.iter().filter(|c| c.converts()).count();
        match converted {
            0 => untouched += 1,
            n if n == convertible => whole += 1,
            _ => partly += 1,
        }
        left += temporaries.len();

        // Every tenth kill, and after the last, the next run finishes the job.
        if round % 10 == 9 || round + 1 == kills {
            let out = finish(run(None));
            assert_eq!(out.status.code(), Some(0), "{when}: {}", stderr(&out));
            tree.assert_all_converted(&format!("the run after {when}"));
            let entries = read_report(&report);
            for temporary in &temporaries {
                let entry = entry_of(&entries, temporary);
                assert_eq!(entry.action, "removed-temporary", "{when}: {entry:?}");
            }
            for entry in &entries {
                assert!(
                    ["converted", "already-utf8", "skipped", "removed-temporary"]
                        .contains(&entry.action.as_str()),
                    "{when}: {entry:?}"
                );
                if entry.action == "skipped" {
                    assert_eq!(entry.reason, "binary data, not text", "{when}: {entry:?}");
                }
            }
        }
    }
    eprintln!(
        "{kills} kills of a run over {} files: {untouched} before any file was converted, \
         {partly} partway, {whole} after all were; {left} temporary files left behind",
        tree.cases.len()
    );

    // A temporary file left by a kill between naming it and renaming it (rare by nature,
    // so planted too) is removed and reported by the next run, which converts the file.
    tree.restore();
    let case = tree.cases.iter().find(|c| c.converts()).unwrap();
    let planted = case.path.with_file_name(".convert-utf8-Kill3d.tmp");
    fs::write(&planted, &case.converted).unwrap();
    assert_eq!(tree.check("planted").1, vec![planted.clone()]);
    let out = finish(run(Some("1")));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    tree.assert_all_converted("the run after the planted temporary");
    let entries = read_report(&report);
    assert_eq!(entry_of(&entries, &planted).action, "removed-temporary");
    assert_eq!(entry_of(&entries, &case.path).action, "converted");
    assert!(stderr(&out).contains("1 temporary file of an interrupted run removed"));
}

// -------------------------------------------------------------------------------------------
// 2. The disk full halfway through a tree

/// A 1 MiB tmpfs holding 16 files of about 40 KiB of CP1251 that grow to about 74 KiB each in
/// UTF-8: the conversions cannot all fit.
#[test]
fn a_full_disk_fails_the_files_that_do_not_fit_and_converts_the_others() {
    let Some(scratch) = Scratch::tmpfs("1m") else {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    let root = scratch.path().join("tree");
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut cases = Vec::new();
    for i in 0..16 {
        let case = Case::legacy(root.join(format!("{i:02}.txt")), 0, &mut rng, 74 << 10);
        case.write();
        cases.push(case);
    }
    // And some that are left as they are.
    for (i, charset) in ["UTF-8", "binary"].into_iter().enumerate() {
        let case = Case::new(
            root.join(format!("kept{i}.dat")),
            charset,
            if charset == "UTF-8" {
                "déjà vu\n".repeat(100).into_bytes()
            } else {
                b"\0\x01\x02\x03binary\0".repeat(100)
            },
        );
        case.write();
        cases.push(case);
    }
    let total: usize = cases.iter().map(|c| c.converted.len()).sum();
    assert!(total > 1 << 20, "the conversions must not all fit");
    let tree = Tree { root, cases };
    // The report goes elsewhere: it must not fail for want of space.
    let elsewhere = Scratch::plain();
    let report = elsewhere.path().join("report.json");
    // Two at a time: every worker may run out of space at once, but with two, the first
    // conversion done always has the room it needs.
    let out = finish(in_place([
        OsString::from("-r"),
        "-j".into(),
        "2".into(),
        json_option(&report),
        tree.root.clone().into(),
    ]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let (converted, temporaries) = tree.check("disk full");
    assert_eq!(temporaries, Vec::<PathBuf>::new(), "left behind");
    let entries = read_report(&report);
    let mut failed = 0;
    for case in &tree.cases {
        let entry = entry_of(&entries, &case.path);
        let now = fs::read(&case.path).unwrap();
        if !case.converts() {
            assert_ne!(entry.action, "failed", "{entry:?}");
        } else if now == case.converted {
            assert_eq!(entry.action, "converted", "{entry:?}");
        } else {
            assert_eq!(entry.action, "failed", "{entry:?}");
            assert!(
                entry.reason.ends_with("No space left on device"),
                "{entry:?}"
            );
            assert!(
                err.contains(&format!("{}: failed", case.path.display())),
                "{err}"
            );
            failed += 1;
        }
    }
    assert!(
        failed > 0 && converted > 0,
        "{failed} failed, {converted} converted"
    );
    assert!(
        !err.contains("os error") && !err.contains(".convert-utf8-"),
        "{err}"
    );
    eprintln!("disk full: {converted} converted, {failed} failed");
}

// -------------------------------------------------------------------------------------------
// 3. A read-only directory

/// A tree with a directory `locked` of three files (and a subdirectory that is not locked);
/// returns the tree and the files of `locked`.
fn tree_with_locked_directory(root: &Path) -> (Tree, Vec<PathBuf>) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut tree = Tree::new(root, 24, &mut rng);
    let locked = root.join("locked");
    let mut inside = Vec::new();
    for i in 0..3 {
        let case = Case::legacy(locked.join(format!("{i}.txt")), i, &mut rng, 500);
        case.write();
        inside.push(case.path.clone());
        tree.cases.push(case);
    }
    (tree, inside)
}

/// Runs a tree with a locked directory to its end and checks that the locked files, and
/// those only, failed for `reason`.
fn assert_only_locked_failed(
    tree: &Tree,
    locked: &[PathBuf],
    mut command: Command,
    report: &Path,
    reason: &str,
) {
    let out = finish({
        command.args([json_option(report), tree.root.clone().into()]);
        command
    });
    let err = stderr(&out);
    if out.status.code() == Some(126) || err.contains("exec") {
        panic!("cannot run the program as nobody: {out:?}");
    }
    assert_eq!(out.status.code(), Some(2), "{err}");
    let (converted, temporaries) = tree.check("locked");
    assert_eq!(temporaries, Vec::<PathBuf>::new(), "left behind");
    let entries = read_report(report);
    for case in &tree.cases {
        let entry = entry_of(&entries, &case.path);
        if locked.contains(&case.path) {
            assert_eq!(entry.action, "failed", "{entry:?}");
            assert!(entry.reason.ends_with(reason), "{entry:?}");
            assert_eq!(fs::read(&case.path).unwrap(), case.original);
        } else {
            assert_ne!(entry.action, "failed", "{entry:?}");
        }
    }
    let convertible = tree.cases.iter().filter(|c| c.converts()).count();
    assert_eq!(converted, convertible - locked.len());
}

/// Mounted read-only (a bind mount of itself), the directory's files fail: root cannot write
/// there either.
#[test]
fn a_read_only_mount_fails_its_files_and_the_rest_converts() {
    if !is_root() {
        eprintln!("skipped: a read-only bind mount needs root");
        return;
    }
    let scratch = Scratch::plain();
    let root = scratch.path().join("tree");
    let (tree, locked) = tree_with_locked_directory(&root);
    let dir = root.join("locked");
    let bound = Command::new("mount")
        .arg("--bind")
        .args([&dir, &dir])
        .status()
        .is_ok_and(|s| s.success());
    if !bound {
        eprintln!("skipped: cannot bind-mount here");
        return;
    }
    let _mounted = Mounted(dir.clone());
    let read_only = Command::new("mount")
        .args(["-o", "remount,bind,ro"])
        .arg(&dir)
        .status()
        .is_ok_and(|s| s.success());
    assert!(read_only, "cannot remount read-only");
    assert!(fs::write(dir.join("probe"), b"").is_err(), "not read-only");
    let report = scratch.path().join("report.json");
    let command = in_place(["-r"]);
    assert_only_locked_failed(&tree, &locked, command, &report, "Read-only file system");
}

/// Mode 0555 (and run as nobody when the tests run as root): the directory's files fail, its
/// subdirectory's convert.
#[test]
fn an_unwritable_directory_fails_its_files_and_the_rest_converts() {
    let scratch = Scratch::plain();
    let root = scratch.path().join("tree");
    let (mut tree, locked) = tree_with_locked_directory(&root);
    let mut rng = Rng(7);
    let below = Case::legacy(root.join("locked/open/below.txt"), 1, &mut rng, 800);
    below.write();
    tree.cases.push(below);
    let mut command = in_place(["-r"]);
    unprivileged(&mut command, scratch.path());
    fs::set_permissions(root.join("locked"), fs::Permissions::from_mode(0o555)).unwrap();
    let report = scratch.path().join("report.json");
    assert_only_locked_failed(&tree, &locked, command, &report, "Permission denied");
    fs::set_permissions(root.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
}

// -------------------------------------------------------------------------------------------
// 4. An unreadable file

#[test]
fn an_unreadable_file_fails_and_the_rest_converts() {
    let scratch = Scratch::plain();
    let root = scratch.path().join("tree");
    let mut rng = Rng(0xA076_1D64_78BD_642F);
    let tree = Tree::new(&root, 24, &mut rng);
    let secret = &tree.cases[1];
    assert!(secret.converts());
    let mut command = in_place([
        "-r".into(),
        json_option(&scratch.path().join("report.json")),
    ]);
    unprivileged(&mut command, scratch.path());
    fs::set_permissions(&secret.path, fs::Permissions::from_mode(0o000)).unwrap();
    let out = finish({
        command.arg(&root);
        command
    });
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    fs::set_permissions(&secret.path, fs::Permissions::from_mode(0o644)).unwrap();
    let entries = read_report(&scratch.path().join("report.json"));
    let entry = entry_of(&entries, &secret.path);
    assert_eq!(entry.action, "failed", "{entry:?}");
    assert_eq!(
        entry.reason, "cannot open it: Permission denied",
        "{entry:?}"
    );
    assert_eq!(fs::read(&secret.path).unwrap(), secret.original);
    assert!(
        err.contains(&format!(
            "{}: failed: cannot open it: Permission denied",
            secret.path.display()
        )),
        "{err}"
    );
    let (converted, temporaries) = tree.check("unreadable");
    assert!(temporaries.is_empty());
    assert_eq!(
        converted,
        tree.cases.iter().filter(|c| c.converts()).count() - 1
    );
}

// -------------------------------------------------------------------------------------------
// 5. A file changed, replaced or deleted while it is converted

/// What is done to the file while it is converted.
#[derive(Clone, Copy, Debug)]
enum Meddling {
    /// Another file renamed over it.
    Replaced,
    /// Rewritten where it is: same inode, same size, other bytes.
    Rewritten,
    /// Deleted.
    Deleted,
}

/// The process's state letters, one per thread (`T` once a SIGSTOP has stopped it).
fn thread_states(pid: u32) -> Vec<u8> {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(|task| {
            let stat = fs::read(task.ok()?.path().join("stat")).ok()?;
            // `pid (comm) S ...`: the command name may hold anything, so from the last `)`.
            let end = stat.iter().rposition(|&b| b == b')')?;
            stat.get(end + 2).copied()
        })
        .collect()
}

/// The descriptors of process `pid`: (number, what it is open on).
fn descriptors(pid: u32) -> Vec<(String, PathBuf)> {
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    fds.filter_map(|fd| {
        let fd = fd.ok()?;
        let target = fs::read_link(fd.path()).ok()?;
        Some((fd.file_name().to_string_lossy().into_owned(), target))
    })
    .collect()
}

/// Whether `target` (a descriptor's link) is an unnamed (`O_TMPFILE`) file in `dir`: the
/// kernel shows it as `dir/#INODE (deleted)`.
fn is_unnamed_in(target: &Path, dir: &Path) -> bool {
    let name = target
        .file_name()
        .map_or(&b""[..], |n| n.as_bytes())
        .to_owned();
    target.parent() == Some(dir) && name.starts_with(b"#") && name.ends_with(b" (deleted)")
}

/// Where in its file descriptor `fd` of process `pid` is.
fn position(pid: u32, fd: &str) -> Option<u64> {
    let info = fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")).ok()?;
    info.lines()
        .find_map(|line| line.strip_prefix("pos:"))
        .and_then(|pos| pos.trim().parse().ok())
}

/// The conversion is caught with its unnamed output open and its input half read: stopped
/// there (SIGSTOP), so that what is done to the file is done before the conversion can be
/// checked and put in place, whatever the timing; then let go. An attempt that catches it
/// past its last read is tried again (it proves nothing).
#[test]
fn a_file_changed_replaced_or_deleted_mid_conversion_is_left_as_it_now_is() {
    let scratch = Scratch::fast();
    let dir = fs::canonicalize(scratch.path()).unwrap();
    let path = dir.join("big.txt");
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let (charset, sentences) = TEXTS[0];
    let original = encode(&prose(&mut rng, sentences, 32 << 20), charset);
    let other = encode(&prose(&mut rng, sentences, 34 << 20), charset);
    let other = &other[..original.len()];
    let other_converted = iconv(other, charset);
    let converted = iconv(&original, charset);
    for meddling in [Meddling::Replaced, Meddling::Rewritten, Meddling::Deleted] {
        let mut caught = false;
        for attempt in 0..10 {
            fs::write(&path, &original).unwrap();
            let mut child = in_place([
                OsStr::new("-j"),
                OsStr::new("1"),
                OsStr::new("-f"),
                OsStr::new("auto"),
                path.as_os_str(),
            ])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
            let pid = child.id();
            let started = Instant::now();
            // Wait for the unnamed output, then stop the process and see where its input is.
            while child.try_wait().unwrap().is_none() && started.elapsed().as_secs() < 60 {
                let fds = descriptors(pid);
                if !fds.iter().any(|(_, t)| is_unnamed_in(t, &dir)) {
                    std::thread::sleep(Duration::from_micros(500));
                    continue;
                }
                // SAFETY: kill(2) on our own child, not reaped before wait() below.
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGSTOP) };
                while !thread_states(pid).iter().all(|&s| s == b'T' || s == b't') {
                    std::thread::sleep(Duration::from_micros(100));
                }
                let reading = descriptors(pid)
                    .iter()
                    .find(|(_, t)| t == &path)
                    .and_then(|(fd, _)| position(pid, fd))
                    .is_some_and(|pos| pos < original.len() as u64);
                if reading {
                    match meddling {
                        Meddling::Replaced => {
                            let new = dir.join("new.txt");
                            fs::write(&new, other).unwrap();
                            fs::rename(&new, &path).unwrap();
                        }
                        Meddling::Rewritten => {
                            let mut file = fs::OpenOptions::new().write(true).open(&path).unwrap();
                            file.seek(SeekFrom::Start(0)).unwrap();
                            file.write_all(other).unwrap();
                        }
                        Meddling::Deleted => fs::remove_file(&path).unwrap(),
                    }
                    caught = true;
                }
                // SAFETY: as above.
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGCONT) };
                break;
            }
            let out = child.wait_with_output().unwrap();
            let err = stderr(&out);
            let when = format!("{meddling:?}, attempt {attempt}");
            let left: Vec<PathBuf> = files_under(&dir)
                .into_iter()
                .filter(|p| p != &path)
                .collect();
            assert_eq!(left, Vec::<PathBuf>::new(), "{when}: left behind");
            if !caught {
                // Caught too late (or not at all): the run finished its work undisturbed.
                assert_eq!(out.status.code(), Some(0), "{when}: {err}");
                assert!(fs::read(&path).unwrap() == converted, "{when}");
                continue;
            }
            match meddling {
                Meddling::Replaced | Meddling::Rewritten => {
                    assert_eq!(out.status.code(), Some(1), "{when}: {err}");
                    assert!(
                        err.contains("skipped: changed while being converted"),
                        "{when}: {err}"
                    );
                    let now = fs::read(&path).unwrap();
                    assert!(now == other, "{when}: the new content was not kept");
                    assert_ne!(now, other_converted);
                }
                Meddling::Deleted => {
                    assert_eq!(out.status.code(), Some(2), "{when}: {err}");
                    assert!(
                        err.contains(
                            "failed: gone while being converted: No such file or directory"
                        ),
                        "{when}: {err}"
                    );
                    assert!(!path.exists(), "{when}: the deleted file came back");
                }
            }
            break;
        }
        assert!(caught, "{meddling:?}: never caught the conversion mid-read");
    }
}

// -------------------------------------------------------------------------------------------
// 6. A tree deeper than the open-file limit

#[test]
fn a_tree_deeper_than_the_open_file_limit_converts() {
    const LIMIT: u64 = 64;
    const DEPTH: usize = 150;
    let scratch = Scratch::plain();
    let root = scratch.path().join("tree");
    let mut rng = Rng(0x5851_F42D_4C95_7F2D);
    let mut cases = Vec::new();
    let mut dir = root.clone();
    for depth in 0..DEPTH {
        dir.push("d");
        if depth % 3 == 0 || depth > DEPTH - 5 {
            let case = Case::legacy(dir.join(format!("{depth}.txt")), depth, &mut rng, 300);
            case.write();
            cases.push(case);
        }
    }
    let tree = Tree { root, cases };
    let mut command = in_place([
        "-r".into(),
        json_option(&scratch.path().join("report.json")),
    ]);
    command.arg(&tree.root);
    // SAFETY: setrlimit is async-signal-safe; nothing else runs in the child.
    unsafe {
        command.pre_exec(|| {
            let rlimit = libc::rlimit {
                rlim_cur: LIMIT,
                rlim_max: LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &rlimit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = finish(command);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    tree.assert_all_converted("deep tree");
    let entries = read_report(&scratch.path().join("report.json"));
    assert_eq!(entries.len(), tree.cases.len());
}

// -------------------------------------------------------------------------------------------
// 7. Names that are not UTF-8

/// The bytes a report's path stands for, as Python's `os.fsencode(json.loads(...))` gives them
/// back: `\udcXX` is the byte XX, anything else the UTF-8 of what it escapes.
fn fsencode(raw: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            continue;
        }
        match chars.next().unwrap() {
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                let unit = u32::from_str_radix(&hex, 16).unwrap();
                if (0xDC80..=0xDCFF).contains(&unit) {
                    out.push((unit - 0xDC00) as u8);
                } else {
                    let c = char::from_u32(unit).expect("no other surrogates in these names");
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
            }
            'n' => out.push(b'\n'),
            't' => out.push(b'\t'),
            c => out.push(c as u8),
        }
    }
    out
}

#[test]
fn names_that_are_not_utf8_are_converted_and_reported_with_surrogate_escapes() {
    let scratch = Scratch::plain();
    let mut rng = Rng(0x3C6E_F372_FE94_F82B);
    let names: [(&[u8], &str); 5] = [
        (b"\xe9t\xe9/caf\xe9.txt", "\\udce9t\\udce9/caf\\udce9.txt"),
        (
            b"\xe9t\xe9/\xff\xfe.txt",
            "\\udce9t\\udce9/\\udcff\\udcfe.txt",
        ),
        (b"na\xc3\xafve \xc3.txt", "naïve \\udcc3.txt"),
        (b"quote\"back\\slash.txt", "quote\\\"back\\\\slash.txt"),
        (b"\x82\xa0\x93\xfa.txt", "\\udc82\\udca0\\udc93\\udcfa.txt"),
    ];
    let mut cases = Vec::new();
    for (i, (name, _)) in names.iter().enumerate() {
        let path = scratch.path().join("tree").join(OsStr::from_bytes(name));
        let case = Case::legacy(path, i, &mut rng, 400);
        case.write();
        cases.push(case);
    }
    let tree = Tree {
        root: scratch.path().join("tree"),
        cases,
    };
    let mut command = in_place(["-r", "--json=report.json", "tree"]);
    command.current_dir(scratch.path());
    let out = finish(command);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    tree.assert_all_converted("names");
    let entries = read_report(&scratch.path().join("report.json"));
    assert_eq!(entries.len(), names.len());
    for (name, escaped) in names {
        let raw = format!("tree/{escaped}");
        let entry = entries
            .iter()
            .find(|e| e.path == raw)
            .unwrap_or_else(|| panic!("{raw} not in the report: {entries:?}"));
        assert_eq!(entry.action, "converted", "{entry:?}");
        let mut expected = b"tree/".to_vec();
        expected.extend_from_slice(name);
        assert_eq!(fsencode(&entry.path), expected);
    }
}

// -------------------------------------------------------------------------------------------
// 8. --dry-run, --backup, FIFOs

/// What tells a file or directory apart from itself changed or replaced.
fn identity(path: &Path) -> (u64, u64, i64, i64, i64, i64, u32) {
    let m = fs::symlink_metadata(path).unwrap();
    (
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
        m.mode(),
    )
}

#[test]
fn a_dry_run_touches_nothing() {
    let scratch = Scratch::plain();
    let root = scratch.path().join("tree");
    let mut rng = Rng(0xBF58_476D_1CE4_E5B9);
    let tree = Tree::new(&root, 64, &mut rng);
    let leftover = root.join("alpha/.convert-utf8-Dry123.tmp");
    fs::write(&leftover, &tree.cases[1].converted).unwrap();
    let mut everything: Vec<PathBuf> = files_under(&root);
    let mut dirs = vec![root.clone()];
    dirs.extend(
        everything
            .iter()
            .filter_map(|p| p.parent().map(Path::to_path_buf)),
    );
    dirs.sort();
    dirs.dedup();
    everything.extend(dirs);
    let before: Vec<_> = everything
        .iter()
        .map(|p| (identity(p), p.is_file().then(|| fs::read(p).unwrap())))
        .collect();
    let report = scratch.path().join("report.json");
    let out = finish(in_place([
        OsString::from("-r"),
        "--dry-run".into(),
        json_option(&report),
        root.clone().into(),
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after: Vec<_> = everything
        .iter()
        .map(|p| (identity(p), p.is_file().then(|| fs::read(p).unwrap())))
        .collect();
    for ((path, before), after) in everything.iter().zip(&before).zip(&after) {
        assert!(before == after, "{} changed", path.display());
    }
    assert_eq!(files_under(&root).len(), tree.cases.len() + 1);
    let entries = read_report(&report);
    for case in &tree.cases {
        let action = &entry_of(&entries, &case.path).action;
        if case.converts() {
            assert_eq!(action, "would-convert");
        } else {
            assert_ne!(action, "would-convert");
        }
    }
    assert_eq!(entry_of(&entries, &leftover).action, "skipped");
}

#[test]
fn backups_keep_the_originals() {
    let scratch = Scratch::plain();
    let root = scratch.path().join("tree");
    let mut rng = Rng(0x94D0_49BB_1331_11EB);
    let tree = Tree::new(&root, 48, &mut rng);
    let inodes: Vec<u64> = tree
        .cases
        .iter()
        .map(|c| fs::metadata(&c.path).unwrap().ino())
        .collect();
    let out = finish(in_place([
        OsString::from("-r"),
        "--backup=.orig".into(),
        root.clone().into(),
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut expected: BTreeSet<PathBuf> = tree.cases.iter().map(|c| c.path.clone()).collect();
    for (case, inode) in tree.cases.iter().zip(inodes) {
        let backup = PathBuf::from(format!("{}.orig", case.path.display()));
        assert_eq!(fs::read(&case.path).unwrap(), case.converted);
        if case.converts() {
            // The original itself, its inode kept: not a copy.
            assert_eq!(fs::read(&backup).unwrap(), case.original);
            assert_eq!(fs::metadata(&backup).unwrap().ino(), inode);
            assert_eq!(fs::metadata(&backup).unwrap().nlink(), 1);
            expected.insert(backup);
        } else {
            assert!(!backup.exists(), "{} backed up", case.path.display());
        }
    }
    let found: BTreeSet<PathBuf> = files_under(&root).into_iter().collect();
    assert_eq!(found, expected);

    // The same command again (as after a kill, to finish the tree): the backups, legacy text
    // beside the files they back up, are left as they are, not converted and backed up anew.
    let report = scratch.path().join("report.json");
    let out = finish(in_place([
        OsString::from("-r"),
        "--backup=.orig".into(),
        json_option(&report),
        root.clone().into(),
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let entries = read_report(&report);
    for case in tree.cases.iter().filter(|c| c.converts()) {
        let backup = PathBuf::from(format!("{}.orig", case.path.display()));
        assert!(
            fs::read(&backup).unwrap() == case.original,
            "{}: the backup no longer holds the original",
            backup.display()
        );
        let entry = entry_of(&entries, &backup);
        assert_eq!(entry.action, "skipped", "{entry:?}");
        assert!(entry.reason.starts_with("the backup of "), "{entry:?}");
    }
    let found: BTreeSet<PathBuf> = files_under(&root).into_iter().collect();
    assert_eq!(found, expected);
}

/// A run with `--backup` killed between backing a file up (a hard link) and renaming its
/// conversion over it leaves the original with a second name, its backup; the same command
/// run again converts the file and keeps that backup.
#[test]
fn a_run_killed_between_backup_and_rename_is_finished_by_the_next() {
    let scratch = Scratch::plain();
    let root = scratch.path().join("tree");
    let mut rng = Rng(0x6A09_E667_F3BC_C908);
    let tree = Tree::new(&root, 16, &mut rng);
    let case = &tree.cases[0];
    assert!(case.converts());
    let backup = PathBuf::from(format!("{}.orig", case.path.display()));
    // The state such a kill leaves (its window is two system calls wide: made here).
    fs::hard_link(&case.path, &backup).unwrap();
    let inode = fs::metadata(&case.path).unwrap().ino();
    let report = scratch.path().join("report.json");
    let out = finish(in_place([
        OsString::from("-r"),
        "--backup=.orig".into(),
        json_option(&report),
        root.clone().into(),
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let entries = read_report(&report);
    let entry = entry_of(&entries, &case.path);
    assert_eq!(entry.action, "converted", "{entry:?}");
    assert!(fs::read(&case.path).unwrap() == case.converted);
    assert!(fs::read(&backup).unwrap() == case.original);
    assert_eq!(fs::metadata(&backup).unwrap().ino(), inode);
    assert_eq!(entry_of(&entries, &backup).action, "skipped");
    for other in &tree.cases[1..] {
        assert!(fs::read(&other.path).unwrap() == other.converted);
    }
}

fn mkfifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
}

/// FIFOs in the tree, and one named on the command line, are left as they are: nothing opens
/// them for a read that would wait for a writer forever.
#[test]
fn fifos_do_not_hang_the_run() {
    let scratch = Scratch::plain();
    let root = scratch.path().join("tree");
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    let tree = Tree::new(&root, 16, &mut rng);
    let fifos = [
        root.join("pipe"),
        root.join("alpha/pipe.txt"),
        root.join("alpha/.convert-utf8-Fif0aa.tmp"),
    ];
    for fifo in &fifos {
        mkfifo(fifo);
    }
    let named = scratch.path().join("named-pipe");
    mkfifo(&named);
    let report = scratch.path().join("report.json");
    let out = finish(in_place([
        OsString::from("-r"),
        json_option(&report),
        root.clone().into(),
        named.clone().into(),
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let entries = read_report(&report);
    for fifo in fifos.iter().chain([&named]) {
        let entry = entry_of(&entries, fifo);
        assert_eq!(entry.action, "skipped", "{entry:?}");
        assert_eq!(entry.reason, "not a regular file", "{entry:?}");
        assert!(fs::symlink_metadata(fifo).unwrap().file_type().is_fifo());
    }
    for case in &tree.cases {
        assert_eq!(fs::read(&case.path).unwrap(), case.converted);
    }
}

/// `-s` silences the lines about skipped files and the summary, not failures: they are errors.
#[test]
fn silent_runs_still_report_failures() {
    let scratch = Scratch::plain();
    let missing = scratch.path().join("nope.txt");
    let uncertain = scratch.path().join("short.txt");
    fs::write(&uncertain, b"\xe9t\xe9").unwrap();
    let out = finish({
        let mut command = in_place(["-s".into(), missing.clone().into_os_string()]);
        command.arg(&uncertain);
        command
    });
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("nope.txt: failed"), "{err}");
    assert!(!err.contains("short.txt"), "{err}");
    assert!(!err.contains("converted 0 files"), "{err}");
}

/// An unknown charset or another target is the arguments' fault: usage error, nothing touched.
#[test]
fn an_unknown_charset_or_target_is_a_usage_error() {
    let scratch = Scratch::plain();
    let file = scratch.path().join("a.txt");
    fs::write(&file, b"caf\xe9").unwrap();
    for args in [["-f", "no-such-charset"], ["-t", "latin1"]] {
        let out = finish({
            let mut command = in_place(args);
            command.arg(&file);
            command
        });
        assert_eq!(out.status.code(), Some(64), "{args:?}: {}", stderr(&out));
        assert_eq!(fs::read(&file).unwrap(), b"caf\xe9");
    }
}
