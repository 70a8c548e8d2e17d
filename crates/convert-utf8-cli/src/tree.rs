//! `--in-place`: files and trees converted where they are, through `convert_utf8_tree`, with a
//! progress bar on a terminal, a line on standard error for each file left or failed, a JSON
//! report on request, a summary line, and an exit status that says whether all went well.

use crate::args::{Options, PROGRAM};
use crate::detect::AUTO;
use crate::run::{complain, source_charset, target_ignores};
use convert_utf8::detect::DEFAULT_THRESHOLD;
use convert_utf8::{Error, LabelMode, parse_label};
use convert_utf8_tree::{Action, Encoding, Entry, Observer, Summary, entry_json};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Every file converted, or left by design.
const ALL_WELL: u8 = 0;
/// Some text files were left in their charset.
const TEXT_LEFT: u8 = 1;
/// Some files failed.
const FAILED: u8 = 2;
/// Stopped by SIGINT or SIGTERM, as a shell reports a process killed by SIGINT.
const INTERRUPTED: u8 = 130;

/// Set by SIGINT or SIGTERM: the run starts no new file, puts in place what it converted, and
/// ends with its summary. A second signal ends the process at once (each file is still whole).
static INTERRUPTION: OnceLock<Arc<AtomicBool>> = OnceLock::new();

extern "C" fn on_interrupt(signal: libc::c_int) {
    if let Some(flag) = INTERRUPTION.get() {
        flag.store(true, Ordering::Relaxed);
    }
    // SAFETY: restoring the default disposition is async-signal-safe.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
    }
}

/// The run's cancel flag, raised by SIGINT and SIGTERM.
fn interruption() -> Arc<AtomicBool> {
    let flag = INTERRUPTION.get_or_init(|| Arc::new(AtomicBool::new(false)));
    let handler = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic and resets its own disposition.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
    Arc::clone(flag)
}

pub fn run(options: &Options, mode: LabelMode) -> u8 {
    let encoding = match encoding(options, mode) {
        Ok(encoding) => encoding,
        Err(message) => {
            // An unknown charset or a target other than UTF-8: the arguments are at fault.
            complain(message);
            return crate::USAGE_ERROR;
        }
    };
    let t = &options.tree;
    let tree_options = convert_utf8_tree::Options {
        encoding,
        threshold: options.threshold.unwrap_or(DEFAULT_THRESHOLD),
        recursive: t.recursive,
        include: t.include.clone(),
        exclude: t.exclude.clone(),
        hidden: t.hidden,
        ignore_files: !t.no_ignore,
        follow_links: t.dereference,
        hard_links: t.hard_links,
        dry_run: t.dry_run,
        backup: t.backup.clone(),
        jobs: t.jobs.unwrap_or(0),
        keep_times: t.keep_mtime,
        durable: true,
        cancel: Some(interruption()),
    };
    let paths: Vec<PathBuf> = options.files.iter().map(PathBuf::from).collect();
    let report = match t.json.as_ref().map(Report::create).transpose() {
        Ok(report) => report,
        Err((path, e)) => {
            complain(format_args!(
                "cannot write the report `{}': {}",
                path.to_string_lossy(),
                convert_utf8::io::describe_io_error(&e)
            ));
            return FAILED;
        }
    };
    let progress = Progress::new(options, &paths, &tree_options);
    let observer = Reporter {
        report: report.as_ref(),
        progress: &progress,
        verbose: options.verbose,
        silent: options.silent,
    };
    let started = Instant::now();
    let summary = match convert_utf8_tree::convert_tree(&paths, &tree_options, &observer) {
        Ok(summary) => summary,
        Err(e) => {
            progress.finish();
            complain(e);
            return FAILED;
        }
    };
    progress.finish();
    let interrupted = INTERRUPTION
        .get()
        .is_some_and(|flag| flag.load(Ordering::Relaxed));
    let mut status = if interrupted {
        INTERRUPTED
    } else {
        status(&summary)
    };
    if let Some(report) = report
        && let Err(e) = report.finish()
    {
        complain(format_args!(
            "cannot write the report: {}",
            convert_utf8::io::describe_io_error(&e)
        ));
        status = FAILED;
    }
    if !options.silent {
        let _ = writeln!(
            io::stderr().lock(),
            "{PROGRAM}: {}",
            summary_line(&summary, t.dry_run, started.elapsed())
        );
        if interrupted {
            complain(
                "interrupted: the files not listed above were not started; run again to go on",
            );
        }
    }
    status
}

fn status(summary: &Summary) -> u8 {
    if summary.failed > 0 {
        FAILED
    } else if summary.text_left > 0 {
        TEXT_LEFT
    } else {
        ALL_WELL
    }
}

/// `-f`: `auto` (or none) detects each file's charset. `-t`, if given, must be UTF-8, as in
/// the other modes.
fn encoding(options: &Options, mode: LabelMode) -> Result<Encoding, Error> {
    target_ignores(options, mode)?;
    let given = options.from.as_deref().map(|label| parse_label(label).name);
    if given.is_none_or(|name| name.is_empty() || name.eq_ignore_ascii_case(AUTO)) {
        return Ok(Encoding::Auto);
    }
    source_charset(options, mode).map(Encoding::Charset)
}

/// One line: `converted 1,234 files (12.3 MB), already UTF-8 56, skipped 7 (3 text files left
/// in their charset), failed 0, in 4.5 s`.
fn summary_line(summary: &Summary, dry_run: bool, elapsed: Duration) -> String {
    let converted = if dry_run {
        format!(
            "would convert {} ({})",
            files(summary.would_convert),
            bytes(summary.bytes_converted)
        )
    } else {
        format!(
            "converted {} ({})",
            files(summary.converted),
            bytes(summary.bytes_converted)
        )
    };
    let mut line = format!(
        "{converted}, already UTF-8 {}, skipped {}",
        summary.already_utf8, summary.skipped
    );
    if summary.text_left > 0 {
        let whose = if summary.text_left == 1 {
            "its"
        } else {
            "their"
        };
        line.push_str(&format!(
            " ({} left in {whose} charset)",
            files(summary.text_left)
        ));
    }
    line.push_str(&format!(", failed {}", summary.failed));
    if summary.removed_temporaries > 0 {
        line.push_str(&format!(
            ", {} of an interrupted run removed",
            plural(
                summary.removed_temporaries,
                "temporary file",
                "temporary files"
            )
        ));
    }
    line.push_str(&format!(", in {:.1} s", elapsed.as_secs_f64()));
    line
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn files(n: u64) -> String {
    plural(n, "file", "files")
}

fn bytes(n: u64) -> String {
    indicatif::HumanBytes(n).to_string()
}

/// The JSON report: an array written one object at a time, so that its memory stays flat.
struct Report {
    out: Mutex<(BufWriter<Box<dyn Write + Send>>, bool)>,
    error: Mutex<Option<io::Error>>,
}

impl Report {
    fn create(path: &OsString) -> Result<Report, (OsString, io::Error)> {
        let out: Box<dyn Write + Send> = if path == "-" {
            Box::new(io::stdout())
        } else {
            Box::new(File::create(path).map_err(|e| (path.clone(), e))?)
        };
        let mut out = BufWriter::new(out);
        out.write_all(b"[").map_err(|e| (path.clone(), e))?;
        Ok(Report {
            out: Mutex::new((out, false)),
            error: Mutex::new(None),
        })
    }

    fn add(&self, entry: &Entry) {
        let mut guard = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let (out, any) = &mut *guard;
        let separator: &[u8] = if *any { b",\n" } else { b"\n" };
        *any = true;
        let written = out
            .write_all(separator)
            .and_then(|()| out.write_all(entry_json(entry).as_bytes()));
        if let Err(e) = written {
            self.error
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert(e);
        }
    }

    fn finish(self) -> io::Result<()> {
        if let Some(e) = self.error.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(e);
        }
        let (mut out, any) = self.out.into_inner().unwrap_or_else(|e| e.into_inner());
        out.write_all(if any { b"\n]\n" } else { b"]\n" })?;
        out.flush()
    }
}

/// The progress bar: on a terminal only (standard error), files and bytes done against what
/// the walk has found, then against the totals once a survey of the tree has counted them.
struct Progress {
    bar: Option<ProgressBar>,
    files_done: AtomicU64,
    files_found: AtomicU64,
    bytes_found: AtomicU64,
}

impl Progress {
    fn new(options: &Options, paths: &[PathBuf], tree: &convert_utf8_tree::Options) -> Progress {
        let shown = io::stderr().is_terminal() && !options.silent && !options.verbose;
        let bar = shown.then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
                )
                .expect("the template is valid")
                .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        let progress = Progress {
            bar,
            files_done: AtomicU64::new(0),
            files_found: AtomicU64::new(0),
            bytes_found: AtomicU64::new(0),
        };
        if let Some(bar) = &progress.bar {
            // The totals come from a walk of their own beside the conversion (which holds no
            // list of files, to keep its memory flat).
            let (paths, tree, bar) = (paths.to_vec(), tree.clone(), bar.clone());
            std::thread::spawn(move || {
                if let Ok((_, total_bytes)) = convert_utf8_tree::survey(&paths, &tree) {
                    bar.set_length(total_bytes.max(bar.position()));
                }
            });
        }
        progress
    }

    fn found(&self, bytes: u64) {
        self.files_found.fetch_add(1, Ordering::Relaxed);
        let found = self.bytes_found.fetch_add(bytes, Ordering::Relaxed) + bytes;
        // The bar's length only grows: the survey's total, or what was found past it.
        if let Some(bar) = &self.bar
            && bar.length().is_none_or(|len| len < found)
        {
            bar.set_length(found);
        }
    }

    fn done(&self, entry: &Entry) {
        let done = self.files_done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = &self.bar {
            bar.inc(entry.bytes);
            bar.set_message(format!(
                "{done}/{} files",
                self.files_found.load(Ordering::Relaxed).max(done)
            ));
        }
    }

    /// Prints a line above the bar.
    fn line(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| {
                let _ = writeln!(io::stderr().lock(), "{line}");
            }),
            None => {
                let _ = writeln!(io::stderr().lock(), "{line}");
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// What a run tells as it goes: the report, the bar, and a line for each file left or failed
/// (each file with `--verbose`).
struct Reporter<'r> {
    report: Option<&'r Report>,
    progress: &'r Progress,
    verbose: bool,
    silent: bool,
}

impl Observer for Reporter<'_> {
    fn entry(&self, entry: &Entry) {
        if let Some(report) = self.report {
            report.add(entry);
        }
        self.progress.done(entry);
        let worth_a_line = match entry.action {
            Action::Failed => true,
            Action::Skipped(skip) => skip.leaves_text_unconverted() || self.verbose,
            _ => self.verbose,
        };
        // -s silences the lines about skipped files, not failures: they are errors.
        if worth_a_line && (!self.silent || matches!(entry.action, Action::Failed)) {
            self.progress.line(&describe(entry));
        }
    }

    fn found(&self, bytes: u64) {
        self.progress.found(bytes);
    }
}

/// `convert-utf8: PATH: skipped: reason (CP1251, confidence 0.42)`.
fn describe(entry: &Entry) -> String {
    let mut line = format!("{PROGRAM}: {}: {}", entry.path.display(), entry.action);
    if let Some(reason) = &entry.reason {
        line.push_str(": ");
        line.push_str(reason);
    }
    match (entry.charset, entry.confidence) {
        (Some(charset), Some(confidence)) => line.push_str(&format!(
            " ({}, confidence {confidence:.2})",
            charset.name()
        )),
        (Some(charset), None) => line.push_str(&format!(" ({})", charset.name())),
        _ => {}
    }
    line
}
