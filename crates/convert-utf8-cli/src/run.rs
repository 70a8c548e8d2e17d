//! One run of the command: resolve the charsets, convert each input in turn into one output,
//! report what went wrong in `iconv`'s words, and decide the exit status.

use crate::args::{Options, PROGRAM};
use crate::detect::{self, AUTO};
use crate::locale;
use crate::output::{Output, Target};
use convert_utf8::detect::DEFAULT_THRESHOLD;
use convert_utf8::io::{TranscodeError, describe_io_error, is_same_file, transcode};
use convert_utf8::{Charset, Decoder, Error, ErrorPolicy, LabelMode, parse_label};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, IsTerminal, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

pub const SUCCESS: u8 = 0;
pub const FAILURE: u8 = 1;

/// Prints `convert-utf8: message` on stderr. A stderr that cannot be written to is no reason
/// to stop (nor to panic, as `eprintln!` would).
pub fn complain(message: impl std::fmt::Display) {
    let _ = writeln!(io::stderr().lock(), "{PROGRAM}: {message}");
}

/// Whether `-f auto` asks for each input's charset to be detected.
fn is_auto(options: &Options) -> bool {
    options
        .from
        .as_deref()
        .is_some_and(|label| parse_label(label).name.eq_ignore_ascii_case(AUTO))
}

/// The source charset (`None` for `-f auto`) and whether `-t ...//IGNORE` asked for invalid
/// input to be dropped.
fn charsets(options: &Options, mode: LabelMode) -> Result<(Option<Charset>, bool), Error> {
    let from = if is_auto(options) {
        None
    } else {
        Some(source_charset(options, mode)?)
    };
    Ok((from, target_ignores(options, mode)?))
}

/// Checks that `-t` names UTF-8, and returns whether it asks (`//IGNORE`) for invalid input to
/// be dropped.
pub fn target_ignores(options: &Options, mode: LabelMode) -> Result<bool, Error> {
    let to = parse_label(options.to.as_deref().unwrap_or(""));
    // An omitted or empty target is UTF-8 whatever the locale: UTF-8 is all this tool writes.
    // `//TRANSLIT` needs no action: every character has a UTF-8 form.
    if !to.name.is_empty()
        && !Charset::for_label_in(to.name, mode).is_ok_and(|c| c.name() == "UTF-8")
    {
        return Err(Error::UnsupportedTarget {
            label: options.to.clone().unwrap_or_default(),
        });
    }
    Ok(to.ignore)
}

/// The charset `-f` names, or the locale's.
pub fn source_charset(options: &Options, mode: LabelMode) -> Result<Charset, Error> {
    let from_label = match options.from.as_deref() {
        Some(label) if !parse_label(label).name.is_empty() => label.to_owned(),
        _ => locale::codeset(mode),
    };
    // Suffixes on the source (`-f SJIS//IGNORE`) are accepted and, as in glibc, change nothing.
    let from = Charset::for_label_in(parse_label(&from_label).name, mode).map_err(|e| match e {
        Error::UnknownCharset { suggestion, .. } => Error::UnknownCharset {
            label: from_label.clone(),
            suggestion,
        },
        other => other,
    })?;
    Ok(from)
}

/// `-l`: one line per charset, its canonical name first, then its aliases. When stdout is not a
/// terminal each name carries `//` as in `iconv -l` (names that already contain a `/` as they
/// are), so `grep -i 'sjis//'` still finds it.
fn list() -> u8 {
    let mut stdout = io::stdout().lock();
    let marked = !stdout.is_terminal();
    let mut text = String::new();
    for charset in Charset::all() {
        let names = std::iter::once(charset.name()).chain(charset.aliases().iter().copied());
        for (i, name) in names.enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            text.push_str(name);
            if marked && !name.contains('/') {
                text.push_str("//");
            }
        }
        text.push('\n');
    }
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => SUCCESS,
        Err(e) => {
            complain(format_args!(
                "conversion stopped due to problem in writing the output: {}",
                describe_io_error(&e)
            ));
            FAILURE
        }
    }
}

fn stdin_file() -> io::Result<File> {
    Ok(File::from(io::stdin().as_fd().try_clone_to_owned()?))
}

/// Whether `path` is the file stdin reads from.
fn is_stdin(path: &Path) -> bool {
    let (Ok(stdin), Ok(target)) = (stdin_file().and_then(|f| f.metadata()), fs::metadata(path))
    else {
        return false;
    };
    stdin.dev() == target.dev() && stdin.ino() == target.ino()
}

/// Where `-o` sends the output: a file that is also an input (by path or inode, stdin
/// included) is replaced atomically at the end instead of being truncated while it is read.
fn target(options: &Options) -> Target {
    let Some(path) = options.output.as_ref().filter(|o| o.as_os_str() != "-") else {
        return Target::Stdout;
    };
    let path = PathBuf::from(path);
    let reads_stdin = options.files.is_empty() || options.files.iter().any(|f| f == "-");
    let is_input = options
        .files
        .iter()
        .filter(|f| f.as_os_str() != "-")
        .any(|f| is_same_file(Path::new(f), &path).unwrap_or(false))
        || (reads_stdin && is_stdin(&path));
    if is_input {
        Target::Replace(path)
    } else {
        Target::File(path)
    }
}

/// How the conversion of one input ended.
enum Flow {
    Next,
    Stop,
}

/// The inputs named on the command line, `-` (stdin) when there are none.
fn inputs(options: &Options) -> Vec<OsString> {
    if options.files.is_empty() {
        vec![OsString::from("-")]
    } else {
        options.files.clone()
    }
}

/// Opens an input (`-` is stdin), or says why it cannot in iconv's words.
fn open_input(name: &OsString) -> Option<File> {
    let opened = if name == "-" {
        stdin_file()
    } else {
        File::open(name)
    };
    match opened {
        Ok(file) => Some(file),
        Err(e) => {
            complain(format_args!(
                "cannot open input file `{}': {}",
                name.to_string_lossy(),
                describe_io_error(&e)
            ));
            None
        }
    }
}

/// `--detect`: one line per input on stdout, `FILE: CHARSET (confidence C, language L)`, with the
/// file's name exactly as given. A `-f` label other than `auto` is the declared label to check.
fn detect_files(options: &Options, mode: LabelMode) -> u8 {
    let declared = match options.from.as_deref() {
        Some(_) if !is_auto(options) => match source_charset(options, mode) {
            Ok(charset) => Some(charset),
            Err(e) => {
                complain(e);
                return FAILURE;
            }
        },
        _ => None,
    };
    let threshold = options.threshold.unwrap_or(DEFAULT_THRESHOLD);
    let mut status = SUCCESS;
    let mut stdout = io::stdout().lock();
    for name in inputs(options) {
        let Some(input) = open_input(&name) else {
            status = FAILURE;
            continue;
        };
        let detection = match detect::detect_input(input, declared) {
            Ok((detection, _)) => detection,
            Err(e) => {
                complain(format_args!(
                    "{}: {}",
                    name.to_string_lossy(),
                    describe_io_error(&e)
                ));
                status = FAILURE;
                continue;
            }
        };
        if detect::usable_charset(&detection, threshold).is_err() {
            status = FAILURE;
        }
        let mut line = name.as_encoded_bytes().to_vec();
        line.extend_from_slice(format!(": {}\n", detect::describe(&detection)).as_bytes());
        match stdout.write_all(&line) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return status,
            Err(e) => {
                complain(format_args!(
                    "cannot write the output: {}",
                    describe_io_error(&e)
                ));
                return FAILURE;
            }
        }
    }
    if let Err(e) = stdout.flush()
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        complain(format_args!(
            "cannot write the output: {}",
            describe_io_error(&e)
        ));
        return FAILURE;
    }
    status
}

pub fn run(options: Options) -> u8 {
    if options.list {
        return list();
    }
    let mode = if options.whatwg {
        LabelMode::Whatwg
    } else {
        LabelMode::Glibc
    };
    if options.detect {
        return detect_files(&options, mode);
    }
    if options.tree.in_place {
        return crate::tree::run(&options, mode);
    }
    let threshold = options.threshold.unwrap_or(DEFAULT_THRESHOLD);
    let (charset, ignore_suffix) = match charsets(&options, mode) {
        Ok(found) => found,
        Err(e) => {
            complain(e);
            return FAILURE;
        }
    };
    let policy = if options.omit_invalid || ignore_suffix {
        ErrorPolicy::Ignore
    } else {
        ErrorPolicy::Strict
    };
    // One decoder for all inputs, as iconv has, unless each input's charset is detected.
    let mut shared = charset.map(|charset| Decoder::new(charset, policy));
    let target = target(&options);
    let replaced = match &target {
        Target::Replace(path) => Some(path.clone()),
        _ => None,
    };
    let mut output = Output::new(target);
    let mut status = SUCCESS;
    // Set by errors after which a file being replaced must keep its old content.
    let mut hard_error = false;
    for name in &inputs(&options) {
        let stdin = name == "-";
        if options.verbose && !options.files.is_empty() {
            let _ = writeln!(io::stderr().lock(), "{}:", name.to_string_lossy());
        }
        // Messages about a named file say which; stdin's read like iconv's.
        let prefix = if stdin {
            String::new()
        } else {
            format!("{}: ", name.to_string_lossy())
        };
        let Some(input) = open_input(name) else {
            status = FAILURE;
            hard_error = true;
            continue;
        };
        let mut detected;
        let (decoder, reader): (&mut Decoder, Box<dyn Read>) = match shared.as_mut() {
            Some(decoder) => (decoder, Box::new(input)),
            None => {
                let (detection, rewound) = match detect::detect_input(input, None) {
                    Ok(found) => found,
                    Err(e) => {
                        complain(format_args!("{prefix}{}", describe_io_error(&e)));
                        status = FAILURE;
                        hard_error = true;
                        continue;
                    }
                };
                if options.verbose {
                    complain(format_args!(
                        "{}: detected {}",
                        name.to_string_lossy(),
                        detect::describe(&detection)
                    ));
                }
                let charset = match detect::usable_charset(&detection, threshold) {
                    Ok(charset) => charset,
                    Err(why) => {
                        complain(format_args!("{prefix}{why}"));
                        status = FAILURE;
                        hard_error = true;
                        continue;
                    }
                };
                detected = Decoder::new(charset, policy);
                (&mut detected, Box::new(rewound))
            }
        };
        let flow = match transcode(decoder, reader, &mut output) {
            Ok(done) => {
                let invalid = done.errors - u64::from(done.truncated);
                if let Some(first) = done.first_error.filter(|_| invalid > 0) {
                    if !options.silent {
                        let more = match invalid - 1 {
                            0 => String::new(),
                            1 => ", and 1 more".to_owned(),
                            n => format!(", and {n} more"),
                        };
                        complain(format_args!("{prefix}{first} omitted{more}"));
                    }
                    status = FAILURE;
                }
                if done.truncated {
                    complain(format_args!(
                        "{prefix}incomplete character or shift sequence at end of buffer"
                    ));
                    status = FAILURE;
                }
                Flow::Next
            }
            Err(TranscodeError::Write(e)) => {
                if let Some(open_error) = output.take_open_error() {
                    complain(format_args!(
                        "cannot open output file: {}",
                        describe_io_error(&open_error)
                    ));
                    status = FAILURE;
                } else if e.kind() != io::ErrorKind::BrokenPipe {
                    complain(TranscodeError::Write(e));
                    status = FAILURE;
                }
                // A reader that went away (`| head`) is not an error: stop quietly.
                hard_error = true;
                Flow::Stop
            }
            Err(e) => {
                complain(format_args!("{prefix}{e}"));
                status = FAILURE;
                hard_error = true;
                Flow::Stop
            }
        };
        if let Flow::Stop = flow {
            break;
        }
    }
    match output.finish(!hard_error) {
        Ok(false) => {}
        Ok(true) => {
            if let Some(path) = replaced {
                complain(format_args!(
                    "`{}' left unchanged because of the errors above",
                    path.display()
                ));
            }
        }
        Err(e) => {
            complain(format_args!(
                "error while closing output file: {}",
                describe_io_error(&e)
            ));
            status = FAILURE;
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_of_utf8_is_a_target() {
        for to in [
            "UTF-8",
            "utf8",
            "ISO-10646/UTF8/",
            "ISO-10646/UTF8//IGNORE",
            "UTF-8//TRANSLIT",
            "",
        ] {
            let options = Options {
                from: Some("UTF-8".into()),
                to: Some(to.into()),
                ..Options::default()
            };
            assert!(charsets(&options, LabelMode::Glibc).is_ok(), "{to}");
            let auto = Options {
                from: Some("auto".into()),
                ..options
            };
            assert_eq!(
                charsets(&auto, LabelMode::Glibc).map(|(c, _)| c),
                Ok(None),
                "{to}"
            );
        }
        let options = Options {
            from: Some("UTF-8".into()),
            to: Some("UTF-16".into()),
            ..Options::default()
        };
        assert!(matches!(
            charsets(&options, LabelMode::Glibc),
            Err(Error::UnsupportedTarget { .. })
        ));
    }
}
