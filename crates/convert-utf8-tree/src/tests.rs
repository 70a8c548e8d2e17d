use super::*;
use iconv_oracle::Iconv;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::sync::Mutex;

const RUSSIAN: &str = "Съешь же ещё этих мягких французских булок, да выпей же чаю. \
    В чащах юга жил бы цитрус? Да, но фальшивый экземпляр! Широкая электрификация южных \
    губерний даст мощный толчок подъёму сельского хозяйства.";
const JAPANESE: &str = "いろはにほへと ちりぬるを わかよたれそ つねならむ うゐのおくやま けふこえて \
    あさきゆめみし ゑひもせす。日本語の文章を書くことは、思ったより難しいものです。\
    吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。";

fn encode(text: &str, charset: &str) -> Vec<u8> {
    Iconv::open_to("UTF-8", charset)
        .expect("iconv knows the charset")
        .convert(text.as_bytes())
        .output
}

/// What `iconv -f charset -t UTF-8` makes of `bytes`.
fn iconv(bytes: &[u8], charset: &str) -> Vec<u8> {
    Iconv::open(charset)
        .expect("iconv knows the charset")
        .convert(bytes)
        .output
}

/// Runs a conversion and returns the summary and each path's entry.
fn run(paths: &[&Path], options: &Options) -> (Summary, HashMap<PathBuf, Entry>) {
    let entries = Mutex::new(HashMap::new());
    let summary = convert_tree(paths, options, &|entry: &Entry| {
        let previous = entries
            .lock()
            .unwrap()
            .insert(entry.path.clone(), entry.clone());
        assert!(
            previous.is_none(),
            "{} reported twice",
            entry.path.display()
        );
    })
    .unwrap();
    (summary, entries.into_inner().unwrap())
}

fn auto() -> Options {
    Options::default()
}

fn forced(label: &str) -> Options {
    Options {
        encoding: Encoding::Charset(Charset::for_label(label).unwrap()),
        ..Options::default()
    }
}

#[test]
fn detects_and_converts_as_iconv_does_and_leaves_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("sub/deeper")).unwrap();
    let russian = encode(RUSSIAN, "CP1251");
    let japanese = encode(JAPANESE, "SHIFT_JIS");
    let koi8 = encode(RUSSIAN, "KOI8-R");
    fs::write(root.join("ru.txt"), &russian).unwrap();
    fs::write(root.join("sub/ja.txt"), &japanese).unwrap();
    fs::write(root.join("sub/deeper/koi8.txt"), &koi8).unwrap();
    fs::write(root.join("utf8.txt"), RUSSIAN).unwrap();
    fs::write(root.join("ascii.txt"), "plain text").unwrap();
    fs::write(
        root.join("image.png"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0",
    )
    .unwrap();
    fs::write(root.join("empty.txt"), b"").unwrap();
    // Byte order marks of each order: the decoder reads the mark for the order.
    let marked: Vec<(String, Vec<u8>, &str)> = [
        ("UTF-16BE", &b"\xfe\xff"[..], "UTF-16"),
        ("UTF-16LE", b"\xff\xfe", "UTF-16"),
        ("UTF-32BE", b"\0\0\xfe\xff", "UTF-32"),
        ("UTF-32LE", b"\xff\xfe\0\0", "UTF-32"),
    ]
    .iter()
    .map(|&(form, mark, generic)| {
        let mut bytes = mark.to_vec();
        bytes.extend(encode(RUSSIAN, form));
        fs::write(root.join(format!("{form}.txt")), &bytes).unwrap();
        (format!("{form}.txt"), bytes, generic)
    })
    .collect();

    let (summary, entries) = run(&[root], &auto());
    for (name, bytes, generic) in &marked {
        assert_eq!(
            fs::read(root.join(name)).unwrap(),
            iconv(bytes, generic),
            "{name}"
        );
        assert_eq!(
            fs::read_to_string(root.join(name)).unwrap(),
            RUSSIAN,
            "{name}"
        );
    }
    assert_eq!(
        fs::read(root.join("ru.txt")).unwrap(),
        iconv(&russian, "CP1251")
    );
    assert_eq!(
        fs::read(root.join("sub/ja.txt")).unwrap(),
        iconv(&japanese, "SHIFT_JIS")
    );
    assert_eq!(
        fs::read(root.join("sub/deeper/koi8.txt")).unwrap(),
        iconv(&koi8, "KOI8-R")
    );
    assert_eq!(
        entries[&root.join("ru.txt")].charset.unwrap().name(),
        "CP1251"
    );
    assert!(entries[&root.join("ru.txt")].confidence.unwrap() > 0.5);
    assert_eq!(entries[&root.join("utf8.txt")].action, Action::AlreadyUtf8);
    assert_eq!(entries[&root.join("ascii.txt")].action, Action::AlreadyUtf8);
    let png = &entries[&root.join("image.png")];
    assert_eq!(png.action, Action::Skipped(Skip::Binary));
    assert!(png.reason.as_deref().unwrap().contains("binary"), "{png:?}");
    assert_eq!(fs::read(root.join("utf8.txt")).unwrap(), RUSSIAN.as_bytes());
    assert_eq!(summary.converted, 7, "{entries:#?}");
    assert_eq!(summary.files(), 11);
    assert!(temporaries(root).is_empty());
}

#[test]
fn a_given_charset_converts_every_file_and_skips_invalid_ones_whole() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let latin = b"caf\xe9 cr\xe8me".to_vec();
    fs::write(root.join("a.txt"), &latin).unwrap();
    fs::write(root.join("utf8.txt"), "café").unwrap();
    // Valid UTF-8 is converted too when a charset is given: the user said what it is.
    let (summary, entries) = run(&[root], &forced("ISO-8859-1"));
    assert_eq!(
        fs::read_to_string(root.join("a.txt")).unwrap(),
        "café crème"
    );
    assert_eq!(fs::read_to_string(root.join("utf8.txt")).unwrap(), "cafÃ©");
    assert_eq!(summary.converted, 2);
    assert_eq!(entries[&root.join("a.txt")].confidence, None);

    fs::write(root.join("bad.txt"), b"ok \x98 then").unwrap();
    let (_, entries) = run(&[&root.join("bad.txt")], &forced("CP1251"));
    let bad = &entries[&root.join("bad.txt")];
    assert_eq!(bad.action, Action::Skipped(Skip::Invalid));
    assert_eq!(
        bad.reason.as_deref(),
        Some("not valid CP1251 at byte 3 (0x98): left as it is")
    );
    assert_eq!(fs::read(root.join("bad.txt")).unwrap(), b"ok \x98 then");
    assert!(temporaries(root).is_empty());
}

#[test]
fn large_files_stream_and_keep_their_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.txt");
    let russian = encode(RUSSIAN, "CP1251").repeat(20_000); // about 3 MB, past the detector's scan
    fs::write(&path, &russian).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let (summary, _) = run(&[dir.path()], &auto());
    assert_eq!(summary.converted, 1);
    assert_eq!(fs::read(&path).unwrap(), iconv(&russian, "CP1251"));
    assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o640);
}

/// The originals, kept open until their renames, are all closed by the end of the run, over
/// several batches: nothing of the tree is left held open (an original held would stay on the
/// disk, unlinked, for as long as the process lives).
#[test]
fn nothing_of_the_tree_is_left_open_after_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let russian = encode(RUSSIAN, "CP1251");
    for i in 0..600 {
        fs::write(dir.path().join(format!("{i:03}.txt")), &russian).unwrap();
    }
    let (summary, _) = run(&[dir.path()], &forced("CP1251"));
    assert_eq!(summary.converted, 600);
    // What this process holds open, by the path each descriptor's link in /proc names (with
    // " (deleted)" after an unlinked file's). Other tests' files lie elsewhere.
    let held: Vec<PathBuf> = fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|fd| fs::read_link(fd.unwrap().path()).ok())
        .filter(|target| target.starts_with(dir.path()))
        .collect();
    assert!(held.is_empty(), "still open: {held:?}");
}

/// The conversion is created with the original's mode less the umask and given the exact
/// mode only where that differs: modes the umask would narrow, and narrower ones, are kept.
#[test]
fn every_mode_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let russian = encode(RUSSIAN, "CP1251");
    let modes = [0o666, 0o644, 0o600, 0o444, 0o751, 0o606];
    for mode in modes {
        let path = dir.path().join(format!("{mode:o}.txt"));
        fs::write(&path, &russian).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    }
    let (summary, _) = run(&[dir.path()], &auto());
    assert_eq!(summary.converted, modes.len() as u64);
    for mode in modes {
        let path = dir.path().join(format!("{mode:o}.txt"));
        assert_eq!(fs::read(&path).unwrap(), iconv(&russian, "CP1251"));
        assert_eq!(
            fs::metadata(&path).unwrap().mode() & 0o7777,
            mode,
            "{mode:o}"
        );
    }
}

/// Where the run may give files away (as root), a file of another owner keeps its owner and
/// its set-user-ID, set-group-ID and sticky bits, which a change of owner clears.
#[test]
fn another_owners_file_keeps_its_owner_and_special_bits() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: giving files away needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let russian = encode(RUSSIAN, "CP1251");
    let modes = [0o6750, 0o4755, 0o2755, 0o1777, 0o6755];
    for mode in modes {
        let path = dir.path().join(format!("{mode:o}.txt"));
        fs::write(&path, &russian).unwrap();
        std::os::unix::fs::chown(&path, Some(1234), Some(5678)).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    }
    let (summary, _) = run(&[dir.path()], &auto());
    assert_eq!(summary.converted, modes.len() as u64);
    for mode in modes {
        let path = dir.path().join(format!("{mode:o}.txt"));
        let meta = fs::metadata(&path).unwrap();
        assert_eq!(fs::read(&path).unwrap(), iconv(&russian, "CP1251"));
        assert_eq!((meta.uid(), meta.gid()), (1234, 5678), "{mode:o}");
        assert_eq!(meta.mode() & 0o7777, mode, "{mode:o}");
    }
}

/// Files read whole in one short read, and those just past one read, convert whole.
#[test]
fn sizes_around_a_read_convert_whole() {
    let dir = tempfile::tempdir().unwrap();
    let russian = encode(RUSSIAN, "CP1251").repeat(1000);
    for size in [1, 2, 65_535, 65_536, 65_537, 131_072, 131_073] {
        let path = dir.path().join(format!("{size}.txt"));
        let body = &russian[..size];
        fs::write(&path, body).unwrap();
        let (_, entries) = run(
            &[&path],
            &Options {
                encoding: Encoding::Charset(Charset::for_label("CP1251").unwrap()),
                ..auto()
            },
        );
        assert_eq!(entries[&path].action, Action::Converted, "{size}");
        assert_eq!(fs::read(&path).unwrap(), iconv(body, "CP1251"), "{size}");
    }
}

/// A file given twice (the same path, another name of it, or in a directory given twice) is
/// converted once and reported once, not reported the second time as changed meanwhile.
#[test]
fn a_file_given_twice_is_converted_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    let russian = encode(RUSSIAN, "CP1251");
    fs::write(&path, &russian).unwrap();
    let dotted = dir.path().join(".").join("a.txt");
    let (summary, entries) = run(&[&path, &path, &dotted], &forced("CP1251"));
    assert_eq!(
        (summary.converted, summary.skipped, summary.failed),
        (1, 0, 0)
    );
    assert_eq!(entries.len(), 1);
    assert_eq!(fs::read(&path).unwrap(), iconv(&russian, "CP1251"));
    // The same directory twice, under two names.
    fs::write(&path, &russian).unwrap();
    let options = Options {
        recursive: true,
        ..forced("CP1251")
    };
    let again = dir.path().join(".");
    let (summary, _) = run(&[dir.path(), &again], &options);
    assert_eq!(
        (summary.converted, summary.skipped, summary.failed),
        (1, 0, 0)
    );
    assert_eq!(fs::read(&path).unwrap(), iconv(&russian, "CP1251"));
}

#[test]
fn a_dry_run_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    let russian = encode(RUSSIAN, "CP1251");
    fs::write(&path, &russian).unwrap();
    let before = fs::metadata(&path).unwrap();
    let options = Options {
        dry_run: true,
        ..auto()
    };
    let (summary, entries) = run(&[dir.path()], &options);
    assert_eq!(summary.would_convert, 1);
    assert_eq!(entries[&path].charset.unwrap().name(), "CP1251");
    assert_eq!(fs::read(&path).unwrap(), russian);
    assert_eq!(fs::metadata(&path).unwrap().ino(), before.ino());
}

#[test]
fn backups_keep_the_original_and_are_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    fs::write(&path, b"caf\xe9").unwrap();
    let options = Options {
        backup: Some(".orig".into()),
        ..forced("latin1")
    };
    let (_, entries) = run(&[&path], &options);
    assert_eq!(fs::read(&path).unwrap(), "café".as_bytes());
    assert_eq!(fs::read(dir.path().join("a.txt.orig")).unwrap(), b"caf\xe9");
    assert!(
        entries[&path]
            .reason
            .as_deref()
            .unwrap()
            .contains("a.txt.orig")
    );
    // Again: the backup is there, so the file is left.
    fs::write(&path, b"caf\xe9 again").unwrap();
    let (summary, entries) = run(&[&path], &options);
    assert_eq!(summary.skipped, 1, "{entries:?}");
    assert_eq!(fs::read(&path).unwrap(), b"caf\xe9 again");
    assert_eq!(fs::read(dir.path().join("a.txt.orig")).unwrap(), b"caf\xe9");
}

/// Under `--hard-links`, every name of a file met in the run is converted: renaming one name
/// changes the file's status (its link count) as the others see it, which is not a change to
/// them.
#[test]
fn every_name_of_a_file_with_hard_links_converts_when_asked() {
    for jobs in [1, 3] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let names = ["a.txt", "b.txt", "c.txt"].map(|name| root.join(name));
        fs::write(&names[0], b"caf\xe9 cr\xe8me").unwrap();
        for name in &names[1..] {
            fs::hard_link(&names[0], name).unwrap();
        }
        let options = Options {
            hard_links: true,
            jobs,
            ..forced("latin1")
        };
        let (summary, entries) = run(&[root], &options);
        assert_eq!(summary.converted, 3, "{jobs} jobs: {entries:?}");
        for name in &names {
            assert_eq!(fs::read(name).unwrap(), "café crème".as_bytes());
        }
    }
}

#[test]
fn hard_links_and_symbolic_links_are_left_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let original = root.join("a.txt");
    fs::write(&original, b"caf\xe9").unwrap();
    fs::hard_link(&original, root.join("b.txt")).unwrap();
    fs::create_dir(root.join("links")).unwrap();
    fs::write(root.join("target.txt"), b"cr\xe8me").unwrap();
    std::os::unix::fs::symlink("../target.txt", root.join("links/link.txt")).unwrap();

    let options = Options {
        exclude: vec!["target.txt".into()],
        ..forced("latin1")
    };
    let (summary, entries) = run(&[root], &options);
    assert_eq!(summary.converted, 0, "{entries:?}");
    assert!(
        entries[&original]
            .reason
            .as_deref()
            .unwrap()
            .contains("2 hard links")
    );
    assert!(
        entries[&root.join("links/link.txt")]
            .reason
            .as_deref()
            .unwrap()
            .contains("symbolic link")
    );

    let options = Options {
        hard_links: true,
        follow_links: true,
        ..options
    };
    let (summary, _) = run(&[&original, &root.join("links")], &options);
    assert_eq!(summary.converted, 2);
    assert_eq!(fs::read(&original).unwrap(), "café".as_bytes());
    assert_eq!(
        fs::read(root.join("b.txt")).unwrap(),
        b"caf\xe9",
        "the other name keeps the original"
    );
    // The link still points at the target, converted.
    assert!(
        fs::symlink_metadata(root.join("links/link.txt"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read(root.join("target.txt")).unwrap(),
        "crème".as_bytes()
    );
}

#[test]
fn temporaries_of_an_interrupted_run_are_removed_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let left = dir.path().join(".convert-utf8-AbC123.tmp");
    fs::write(&left, "half a story").unwrap();
    fs::write(dir.path().join("a.txt"), "fine").unwrap();
    let dry = Options {
        dry_run: true,
        ..auto()
    };
    let (_, entries) = run(&[dir.path()], &dry);
    assert_eq!(entries[&left].action, Action::Skipped(Skip::Temporary));
    assert!(left.exists());
    let (summary, entries) = run(&[dir.path()], &auto());
    assert_eq!(entries[&left].action, Action::RemovedTemporary);
    assert_eq!(summary.removed_temporaries, 1);
    assert!(!left.exists());
    // A file of the user's named like one only in part is not ours: kept, and (hidden) not met.
    for name in [".convert-utf8-my-notes.tmp", ".convert-utf8-AbC1234.tmp"] {
        let theirs = dir.path().join(name);
        fs::write(&theirs, "mine").unwrap();
        let (summary, entries) = run(&[dir.path()], &auto());
        assert_eq!(summary.removed_temporaries, 0, "{name}");
        assert!(!entries.contains_key(&theirs), "{name}");
        assert_eq!(fs::read(&theirs).unwrap(), b"mine");
    }
}

#[test]
fn the_walk_honours_ignore_files_hidden_names_globs_and_recursion() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for name in [
        "keep.txt",
        "ignored.log",
        ".hidden.txt",
        "sub/keep.md",
        "sub/skip.txt",
        ".git/config",
    ] {
        let path = root.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, b"caf\xe9").unwrap();
    }
    fs::write(root.join(".gitignore"), "*.log\n").unwrap();
    let options = Options {
        exclude: vec!["sub/skip.txt".into()],
        ..forced("latin1")
    };
    let (_, entries) = run(&[root], &options);
    let mut met: Vec<_> = entries
        .keys()
        .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
        .collect();
    met.sort();
    assert_eq!(met, [Path::new("keep.txt"), Path::new("sub/keep.md")]);

    let options = Options {
        hidden: true,
        ignore_files: false,
        include: vec!["*.log".into(), ".*".into()],
        ..forced("latin1")
    };
    let (_, entries) = run(&[root], &options);
    let mut met: Vec<_> = entries
        .keys()
        .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
        .collect();
    met.sort();
    // .gitignore is hidden too, and ASCII: already UTF-8. .git is never entered.
    assert_eq!(
        met,
        [
            Path::new(".gitignore"),
            Path::new(".hidden.txt"),
            Path::new("ignored.log")
        ]
    );

    let options = Options {
        recursive: false,
        ..forced("latin1")
    };
    let (summary, entries) = run(&[root], &options);
    assert_eq!(summary.skipped, 1);
    assert!(entries[root].reason.as_deref().unwrap().contains("-r"));
}

/// `.ignore` and ripgrep's `.rgignore` are honoured as `.gitignore` is (unless told not to).
#[test]
fn ignore_and_rgignore_files_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for name in ["keep.txt", "a.skip1", "b.skip2"] {
        fs::write(root.join(name), b"caf\xe9").unwrap();
    }
    fs::write(root.join(".ignore"), "*.skip1\n").unwrap();
    fs::write(root.join(".rgignore"), "*.skip2\n").unwrap();
    let (_, entries) = run(&[root], &forced("latin1"));
    let met: Vec<_> = entries.keys().map(|p| p.file_name().unwrap()).collect();
    assert_eq!(met, ["keep.txt"]);
    let options = Options {
        ignore_files: false,
        ..forced("latin1")
    };
    let (_, entries) = run(&[root], &options);
    assert_eq!(entries.len(), 3);
}

#[test]
fn names_that_are_not_utf8_and_special_files() {
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join(OsStr::from_bytes(b"caf\xe9.txt"));
    fs::write(&name, b"caf\xe9").unwrap();
    let fifo = dir.path().join("pipe");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid C string path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let (summary, entries) = run(&[dir.path()], &forced("latin1"));
    assert_eq!(fs::read(&name).unwrap(), "café".as_bytes());
    assert_eq!(entries[&fifo].action, Action::Skipped(Skip::NotRegular));
    assert_eq!(summary.converted, 1);
}

#[test]
fn any_number_of_threads_gives_the_same_tree() {
    let make = |root: &Path| {
        for i in 0..300 {
            let body = match i % 4 {
                0 => encode(
                    &RUSSIAN.chars().take(i % 50 + 60).collect::<String>(),
                    "CP1251",
                ),
                1 => encode(JAPANESE, "EUC-JP"),
                2 => RUSSIAN.as_bytes().to_vec(),
                _ => b"\0\x01binary\xff".to_vec(),
            };
            let path = root.join(format!("d{}/f{i}.txt", i % 7));
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, body).unwrap();
        }
    };
    let one = tempfile::tempdir().unwrap();
    let four = tempfile::tempdir().unwrap();
    make(one.path());
    make(four.path());
    let (summary_one, _) = run(&[one.path()], &Options { jobs: 1, ..auto() });
    let (summary_four, _) = run(
        &[four.path()],
        &Options {
            jobs: 4,
            durable: false,
            ..auto()
        },
    );
    assert_eq!(summary_one, summary_four);
    for i in 0..300 {
        let rel = format!("d{}/f{i}.txt", i % 7);
        assert_eq!(
            fs::read(one.path().join(&rel)).unwrap(),
            fs::read(four.path().join(&rel)).unwrap()
        );
    }
}

#[test]
fn bad_options_are_refused() {
    let options = Options {
        include: vec!["a[".into()],
        ..auto()
    };
    let err = convert_tree(&[Path::new(".")], &options, &|_: &Entry| {}).unwrap_err();
    assert!(err.to_string().starts_with("bad glob"), "{err}");
    let none: [&Path; 0] = [];
    assert!(matches!(
        convert_tree(&none, &auto(), &|_: &Entry| {}),
        Err(TreeError::NoPaths)
    ));
}

#[test]
fn a_missing_path_is_a_failed_entry() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let (summary, entries) = run(&[&missing], &auto());
    assert_eq!(summary.failed, 1);
    assert!(
        entries[&missing]
            .reason
            .as_deref()
            .unwrap()
            .contains("No such file"),
        "{entries:?}"
    );
}

fn temporaries(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(root).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            found.extend(temporaries(&entry.path()));
        } else if convert_utf8::io::is_temporary_name(&entry.file_name()) {
            found.push(entry.path());
        }
    }
    found
}

#[test]
fn a_cancelled_run_stops_and_leaves_whole_files() {
    let dir = tempfile::tempdir().unwrap();
    let latin = b"caf\xe9 cr\xe8me".to_vec();
    for i in 0..200 {
        fs::write(dir.path().join(format!("f{i}.txt")), &latin).unwrap();
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let options = Options {
        cancel: Some(Arc::clone(&cancel)),
        jobs: 1,
        ..forced("latin1")
    };
    // Cancelled from the walk's own thread as the 11th file is met: no later file is started.
    struct CancelAt<'c>(&'c AtomicBool, std::sync::atomic::AtomicUsize);
    impl Observer for CancelAt<'_> {
        fn entry(&self, _: &Entry) {}
        fn found(&self, _: u64) {
            if self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 10 {
                self.0.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }
    let observer = CancelAt(&cancel, std::sync::atomic::AtomicUsize::new(0));
    let summary = convert_tree(&[dir.path()], &options, &observer).unwrap();
    assert_eq!(summary.files(), 11, "{summary:?}");
    let mut converted = 0;
    for i in 0..200 {
        let now = fs::read(dir.path().join(format!("f{i}.txt"))).unwrap();
        if now == "café crème".as_bytes() {
            converted += 1;
        } else {
            assert_eq!(now, latin);
        }
    }
    assert_eq!(converted as u64, summary.converted);
    assert!(temporaries(dir.path()).is_empty());
}
