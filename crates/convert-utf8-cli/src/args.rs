//! Command-line parsing with the syntax and messages of glibc's argp, which `iconv` uses.
//!
//! Why not an argument-parser crate: scripts written for `iconv` depend on argp's exact
//! behaviour — long options abbreviated to any unambiguous prefix (`--fr`), GNU permutation
//! (options and files in any order), `-fNAME` and `--from-code NAME`, `-?`, `--usage`, the
//! hidden `--program-name`, and word-for-word messages (`invalid option -- 'x'`, ``Try
//! `PROG --help' ...``) with exit status 64. clap and lexopt word their errors differently and
//! exit with other statuses, and none offers `--usage`; matching them would mean rewriting their
//! output anyway. The grammar is small, so it is written out here.

use convert_utf8_tree::MAX_JOBS;
use std::ffi::OsString;

/// What the command line asks for.
#[derive(Debug, Default, PartialEq)]
pub struct Options {
    /// `-f`: the last one given, `None` if none.
    pub from: Option<String>,
    /// `-t`: the last one given, `None` if none.
    pub to: Option<String>,
    /// `-l`.
    pub list: bool,
    /// `-c`.
    pub omit_invalid: bool,
    /// `-o`: the last one given.
    pub output: Option<OsString>,
    /// `-s`: suppresses warnings (the note about omitted sequences under `-c`).
    pub silent: bool,
    /// `--verbose`.
    pub verbose: bool,
    /// `--whatwg`: labels take their WHATWG Encoding Standard meaning.
    pub whatwg: bool,
    /// `--detect`: print each input's charset instead of converting.
    pub detect: bool,
    /// `--threshold`: the confidence, 0 to 1, `-f auto` needs to convert and `--detect` to
    /// succeed.
    pub threshold: Option<f32>,
    /// Input files in order; empty means stdin.
    pub files: Vec<OsString>,
    /// `--in-place` and the options of that mode.
    pub tree: TreeOptions,
}

/// `--in-place`: files and trees converted where they are (see `tree.rs`).
#[derive(Debug, Default, PartialEq)]
pub struct TreeOptions {
    pub in_place: bool,
    /// `-r`.
    pub recursive: bool,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub hidden: bool,
    /// `--no-ignore`: ignore files are not honoured.
    pub no_ignore: bool,
    /// `--dereference`: symbolic links are followed.
    pub dereference: bool,
    pub hard_links: bool,
    pub dry_run: bool,
    pub backup: Option<OsString>,
    /// `-j`: `None` for one per core.
    pub jobs: Option<usize>,
    pub keep_mtime: bool,
    /// `--json`: `-` for standard output.
    pub json: Option<OsString>,
    /// The first option of this mode given, to say it needs `--in-place` when that is missing.
    pub first_given: Option<&'static str>,
}

/// What parsing ends in, besides a conversion to run.
#[derive(Debug, PartialEq, Eq)]
pub enum Exit {
    /// `--help`, `--usage` or `--version`: print this on stdout, exit 0.
    Info(String),
    /// A usage error: print `PROG: message` and the "Try" line on stderr, exit 64.
    Usage {
        message: String,
        /// The name the "Try" line uses (`--program-name` can change it).
        program: String,
    },
}

pub const PROGRAM: &str = "convert-utf8";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    Required,
    Optional,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Opt {
    From,
    To,
    List,
    Omit,
    Output,
    Silent,
    Verbose,
    Whatwg,
    Detect,
    Threshold,
    Help,
    Usage,
    ProgramName,
    Hang,
    Version,
    InPlace,
    Recursive,
    Include,
    Exclude,
    Hidden,
    NoIgnore,
    Dereference,
    HardLinks,
    DryRun,
    Backup,
    Jobs,
    KeepMtime,
    Json,
}

/// Long options in argp's order (its own options first, then `--help`, `--usage`, the hidden
/// `--program-name` and `--HANG`, then `--version`): the order ambiguity messages list them in.
const LONG: &[(&str, Opt, Arg)] = &[
    ("from-code", Opt::From, Arg::Required),
    ("to-code", Opt::To, Arg::Required),
    ("list", Opt::List, Arg::None),
    ("output", Opt::Output, Arg::Required),
    ("silent", Opt::Silent, Arg::None),
    ("verbose", Opt::Verbose, Arg::None),
    ("whatwg", Opt::Whatwg, Arg::None),
    ("detect", Opt::Detect, Arg::None),
    ("threshold", Opt::Threshold, Arg::Required),
    ("help", Opt::Help, Arg::None),
    ("usage", Opt::Usage, Arg::None),
    ("program-name", Opt::ProgramName, Arg::Required),
    ("HANG", Opt::Hang, Arg::Optional),
    ("version", Opt::Version, Arg::None),
    ("in-place", Opt::InPlace, Arg::None),
    ("recursive", Opt::Recursive, Arg::None),
    ("include", Opt::Include, Arg::Required),
    ("exclude", Opt::Exclude, Arg::Required),
    ("hidden", Opt::Hidden, Arg::None),
    ("no-ignore", Opt::NoIgnore, Arg::None),
    ("dereference", Opt::Dereference, Arg::None),
    ("hard-links", Opt::HardLinks, Arg::None),
    ("dry-run", Opt::DryRun, Arg::None),
    ("backup", Opt::Backup, Arg::Required),
    ("jobs", Opt::Jobs, Arg::Required),
    ("keep-mtime", Opt::KeepMtime, Arg::None),
    ("json", Opt::Json, Arg::Required),
];

/// How many of [`LONG`]'s first options are iconv's own (with `--whatwg`, `--detect` and
/// `--threshold`): an abbreviation that fits one of them keeps meaning it whatever options came
/// later, so that command lines written for iconv (`--h`, `--f=SJIS`) never become ambiguous.
const FIRST_OPTIONS: usize = 14;

fn short(c: char) -> Option<(Opt, Arg)> {
    Some(match c {
        'f' => (Opt::From, Arg::Required),
        't' => (Opt::To, Arg::Required),
        'l' => (Opt::List, Arg::None),
        'c' => (Opt::Omit, Arg::None),
        'o' => (Opt::Output, Arg::Required),
        's' => (Opt::Silent, Arg::None),
        '?' => (Opt::Help, Arg::None),
        'V' => (Opt::Version, Arg::None),
        'r' => (Opt::Recursive, Arg::None),
        'j' => (Opt::Jobs, Arg::Required),
        _ => return None,
    })
}

pub const HELP: &str = "\
Usage: convert-utf8 [OPTION...] [FILE...]
Convert the encoding of the given files from any charset glibc iconv knows to
UTF-8.

 Input/Output format specification:
  -f, --from-code=NAME       encoding of original text; `auto' detects it for
                             each input (--verbose says what it chose)
  -t, --to-code=NAME         encoding for output (UTF-8, under any of its names)
      --whatwg               give labels their WHATWG (web and mail) meaning

 Detection:
      --detect               print `FILE: CHARSET (confidence C, language L)'
                             for each input instead of converting it; with
                             -f NAME, NAME is the declared label to check
      --threshold=P          confidence from 0 to 1 that -f auto needs to
                             convert an input, and --detect to exit 0
                             (default 0.5)

 Information:
  -l, --list                 list all known coded character sets

 Output control:
  -c                         omit invalid characters from output
  -o, --output=FILE          output file
  -s, --silent               suppress warnings
      --verbose              print progress information

 Converting files in place (each file replaced atomically by its conversion;
 -f defaults to auto; files already UTF-8, binary or too uncertain are left):
      --in-place             convert the FILEs (and with -r the directories'
                             files) where they are
  -r, --recursive            go into directories, honouring .gitignore,
                             .ignore and .rgignore files
      --include=GLOB         convert only files matching GLOB (repeatable; a
                             GLOB with `/' matches the path below the FILE)
      --exclude=GLOB         leave files and directories matching GLOB
      --hidden               also visit hidden files and directories
      --no-ignore            do not honour ignore files
      --dereference          follow symbolic links (convert what they point to)
      --hard-links           also convert files with several hard links (the
                             other names keep the original)
      --backup=SUFFIX        keep each original as FILE plus SUFFIX
      --dry-run              say what would be done, touch nothing
  -j, --jobs=N               convert N files at a time (default: one per core;
                             at most 1024)
      --keep-mtime           keep each file's modification time
      --json=FILE            write a JSON array, one object per file (path,
                             action, charset, confidence, reason); `-' for
                             standard output, which then has nothing else

  -?, --help                 Give this help list
      --usage                Give a short usage message
  -V, --version              Print program version

Mandatory or optional arguments to long options are also mandatory or optional
for any corresponding short options.

Exit status: 0 success; 1 invalid or truncated input (also with -c), unknown or
unsupported charset, an input whose charset cannot be told (-f auto, --detect),
or an I/O error; 64 usage error. With --in-place: 0 every file converted or
left by design (already UTF-8, binary, links); 1 some text files left in their
charset (uncertain, invalid, changed meanwhile, hard links, backup present);
2 some files failed (the system's error is reported); 64 usage error (an
unknown charset or a target other than UTF-8 included); 130
interrupted (SIGINT, SIGTERM: the files begun are finished, no file is left
half-converted).
";

pub const USAGE: &str = "\
Usage: convert-utf8 [-lcs?V] [-f NAME] [-t NAME] [-o FILE] [--from-code=NAME]
            [--to-code=NAME] [--list] [--output=FILE] [--silent] [--verbose]
            [--whatwg] [--detect] [--threshold=P] [--help] [--usage]
            [--version] [FILE...]
  or:  convert-utf8 --in-place [-r] [-j N] [-f NAME|auto] [--threshold=P]
            [--include=GLOB] [--exclude=GLOB] [--hidden] [--no-ignore]
            [--dereference] [--hard-links] [--backup=SUFFIX] [--dry-run]
            [--keep-mtime] [--json=FILE] FILE...
";

fn version() -> String {
    format!(
        "{PROGRAM} {}\nDecodes every charset glibc iconv decodes into UTF-8, in constant memory.\n\
         License {}.\n",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_LICENSE"),
    )
}

/// Parses `args` (without the program name) as argp would. `posixly_correct` stops option
/// processing at the first file, as getopt does when `POSIXLY_CORRECT` is set.
pub fn parse(args: &[OsString], posixly_correct: bool) -> Result<Options, Exit> {
    let mut parser = Parser {
        options: Options::default(),
        program: PROGRAM.to_owned(),
    };
    let mut i = 0;
    let mut only_files = false;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let bytes = arg.as_encoded_bytes();
        if only_files || bytes.len() < 2 || bytes[0] != b'-' {
            parser.options.files.push(arg.clone());
            only_files |= posixly_correct;
            continue;
        }
        if bytes == b"--" {
            only_files = true;
            continue;
        }
        let text = arg.to_string_lossy();
        if let Some(long) = text.strip_prefix("--") {
            parser.long(long, args, &mut i)?;
        } else {
            parser.shorts(arg, args, &mut i)?;
        }
    }
    parser.check_modes()?;
    Ok(parser.options)
}

struct Parser {
    options: Options,
    program: String,
}

impl Parser {
    /// Options that belong to `--in-place` need it, and it excludes what has no meaning there.
    fn check_modes(&self) -> Result<(), Exit> {
        let o = &self.options;
        if !o.tree.in_place {
            return match o.tree.first_given {
                Some(name) => Err(self.usage_error(format!("option '{name}' needs --in-place"))),
                None => Ok(()),
            };
        }
        let clash = if o.output.is_some() {
            Some("--output: each file is its own output")
        } else if o.omit_invalid
            || o.to
                .as_ref()
                .is_some_and(|to| to.to_ascii_uppercase().contains("//IGNORE"))
        {
            Some("-c: a file with invalid sequences is left whole, never converted with losses")
        } else if o.detect {
            Some("--detect: --dry-run tells what each file would be converted from")
        } else {
            None
        };
        if let Some(clash) = clash {
            return Err(self.usage_error(format!("--in-place cannot be used with {clash}")));
        }
        if o.files.is_empty() && !o.list {
            return Err(self.usage_error("--in-place needs files or directories".to_owned()));
        }
        if o.files.iter().any(|file| file == "-") {
            return Err(self.usage_error(
                "--in-place converts files where they are: standard input ('-') has no place \
                 to convert it in"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    fn usage_error(&self, message: String) -> Exit {
        Exit::Usage {
            message,
            program: self.program.clone(),
        }
    }

    fn long(&mut self, long: &str, args: &[OsString], i: &mut usize) -> Result<(), Exit> {
        let (name, inline) = match long.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (long, None),
        };
        let found = match LONG.iter().find(|(n, _, _)| *n == name) {
            Some(exact) => *exact,
            None => {
                let mut candidates: Vec<_> = LONG
                    .iter()
                    .filter(|(n, _, _)| n.starts_with(name))
                    .collect();
                let first: Vec<_> = LONG[..FIRST_OPTIONS]
                    .iter()
                    .filter(|(n, _, _)| n.starts_with(name))
                    .collect();
                if first.len() == 1 {
                    candidates = first;
                }
                match candidates.as_slice() {
                    [] => return Err(self.usage_error(format!("unrecognized option '--{long}'"))),
                    [one] => **one,
                    many => {
                        let possibilities: String =
                            many.iter().map(|(n, _, _)| format!(" '--{n}'")).collect();
                        return Err(self.usage_error(format!(
                            "option '--{long}' is ambiguous; possibilities:{possibilities}"
                        )));
                    }
                }
            }
        };
        let (full, opt, arg) = found;
        let value = match (arg, inline) {
            (Arg::None, Some(_)) => {
                return Err(
                    self.usage_error(format!("option '--{full}' doesn't allow an argument"))
                );
            }
            (Arg::Required, None) => match args.get(*i) {
                Some(next) => {
                    *i += 1;
                    Some(next.clone())
                }
                None => {
                    return Err(self.usage_error(format!("option '--{full}' requires an argument")));
                }
            },
            (_, inline) => inline.map(OsString::from),
        };
        self.apply(opt, value)
    }

    /// A cluster of short options (`-cs`, `-fSJIS`, `-f SJIS`).
    fn shorts(&mut self, arg: &OsString, args: &[OsString], i: &mut usize) -> Result<(), Exit> {
        let bytes = arg.as_encoded_bytes();
        let mut at = 1;
        while at < bytes.len() {
            // Option letters are ASCII; a non-ASCII byte is an invalid option on its own.
            let c = char::from(bytes[at]);
            at += 1;
            let Some((opt, kind)) = short(c).filter(|_| c.is_ascii()) else {
                return Err(
                    self.usage_error(format!("invalid option -- '{}'", show_byte(bytes[at - 1])))
                );
            };
            if kind == Arg::Required {
                let value = if at < bytes.len() {
                    // The rest of the argument after the option letter (`-fSJIS`).
                    os_string_from(&bytes[at..])
                } else if let Some(next) = args.get(*i) {
                    *i += 1;
                    next.clone()
                } else {
                    return Err(self.usage_error(format!("option requires an argument -- '{c}'")));
                };
                return self.apply(opt, Some(value));
            }
            self.apply(opt, None)?;
        }
        Ok(())
    }

    fn apply(&mut self, opt: Opt, value: Option<OsString>) -> Result<(), Exit> {
        let text = || value.as_ref().map(|v| v.to_string_lossy().into_owned());
        let o = &mut self.options;
        match opt {
            Opt::From => o.from = text(),
            Opt::To => o.to = text(),
            Opt::List => o.list = true,
            Opt::Omit => o.omit_invalid = true,
            Opt::Output => o.output = value,
            Opt::Silent => o.silent = true,
            Opt::Verbose => o.verbose = true,
            Opt::Whatwg => o.whatwg = true,
            Opt::Detect => o.detect = true,
            Opt::Threshold => {
                let given = text().unwrap_or_default();
                match given.trim().parse::<f32>() {
                    Ok(p) if (0.0..=1.0).contains(&p) => o.threshold = Some(p),
                    _ => {
                        return Err(self.usage_error(format!(
                            "invalid threshold '{given}': a number from 0 to 1"
                        )));
                    }
                }
            }
            Opt::Help => return Err(Exit::Info(HELP.to_owned())),
            Opt::Usage => return Err(Exit::Info(USAGE.to_owned())),
            Opt::Version => return Err(Exit::Info(version())),
            Opt::ProgramName => self.program = text().unwrap_or_default(),
            // argp's --HANG waits for a debugger to attach; there is nothing to wait for here,
            // but the option is accepted so that command lines written for argp still parse.
            Opt::Hang => {}
            Opt::InPlace => o.tree.in_place = true,
            tree => return self.apply_tree(tree, value),
        }
        Ok(())
    }

    /// An option of `--in-place` mode.
    fn apply_tree(&mut self, opt: Opt, value: Option<OsString>) -> Result<(), Exit> {
        let text = || {
            value
                .as_ref()
                .map(|v| v.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let t = &mut self.options.tree;
        let name = match opt {
            Opt::Recursive => {
                t.recursive = true;
                "--recursive"
            }
            Opt::Include => {
                t.include.push(text());
                "--include"
            }
            Opt::Exclude => {
                t.exclude.push(text());
                "--exclude"
            }
            Opt::Hidden => {
                t.hidden = true;
                "--hidden"
            }
            Opt::NoIgnore => {
                t.no_ignore = true;
                "--no-ignore"
            }
            Opt::Dereference => {
                t.dereference = true;
                "--dereference"
            }
            Opt::HardLinks => {
                t.hard_links = true;
                "--hard-links"
            }
            Opt::DryRun => {
                t.dry_run = true;
                "--dry-run"
            }
            Opt::Backup => {
                let suffix = value.unwrap_or_default();
                if suffix.is_empty() || suffix.as_encoded_bytes().contains(&b'/') {
                    return Err(self.usage_error(format!(
                        "invalid backup suffix '{}': a non-empty suffix without '/'",
                        suffix.to_string_lossy()
                    )));
                }
                t.backup = Some(suffix);
                "--backup"
            }
            Opt::Jobs => {
                let given = text();
                match given.trim().parse::<usize>() {
                    Ok(n) if (1..=MAX_JOBS).contains(&n) => t.jobs = Some(n),
                    _ => {
                        return Err(self.usage_error(format!(
                            "invalid number of jobs '{given}': a whole number from 1 to {MAX_JOBS}"
                        )));
                    }
                }
                "--jobs"
            }
            Opt::KeepMtime => {
                t.keep_mtime = true;
                "--keep-mtime"
            }
            Opt::Json => {
                t.json = value;
                "--json"
            }
            other => unreachable!("{other:?} is not an option of --in-place"),
        };
        t.first_given.get_or_insert(name);
        Ok(())
    }
}

fn show_byte(b: u8) -> String {
    if b.is_ascii() {
        char::from(b).to_string()
    } else {
        String::from_utf8_lossy(&[b]).into_owned()
    }
}

#[cfg(unix)]
fn os_string_from(bytes: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(bytes).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Options, Exit> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        parse(&args, false)
    }

    fn usage(args: &[&str]) -> String {
        match run(args) {
            Err(Exit::Usage { message, .. }) => message,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn every_spelling_of_an_option_argument() {
        for args in [
            &["-f", "SJIS"][..],
            &["-fSJIS"],
            &["--from-code=SJIS"],
            &["--from-code", "SJIS"],
            &["--fr", "SJIS"],
            &["--f=SJIS"],
            &["-f", "X", "-cfSJIS"],
        ] {
            assert_eq!(run(args).unwrap().from.as_deref(), Some("SJIS"), "{args:?}");
        }
        assert_eq!(run(&["-f", "-t"]).unwrap().from.as_deref(), Some("-t"));
        assert_eq!(run(&["--from-code="]).unwrap().from.as_deref(), Some(""));
    }

    #[test]
    fn options_and_files_mix_and_double_dash_ends_options() {
        let o = run(&["a", "-c", "b", "-", "--", "-s", "--verbose"]).unwrap();
        assert_eq!(o.files, ["a", "b", "-", "-s", "--verbose"]);
        assert!(o.omit_invalid && !o.silent && !o.verbose);
        let posix = parse(&["a".into(), "-c".into()], true).unwrap();
        assert_eq!(posix.files, ["a", "-c"]);
    }

    #[test]
    fn clusters_and_last_one_wins() {
        let o = run(&["-csl", "-o", "x", "--output=y", "-t", "A", "--to", "UTF-8"]).unwrap();
        assert!(o.omit_invalid && o.silent && o.list);
        assert_eq!(o.output, Some("y".into()));
        assert_eq!(o.to.as_deref(), Some("UTF-8"));
    }

    #[test]
    fn argp_messages() {
        assert_eq!(usage(&["--x"]), "unrecognized option '--x'");
        assert_eq!(usage(&["--x=1"]), "unrecognized option '--x=1'");
        assert_eq!(usage(&["-x"]), "invalid option -- 'x'");
        assert_eq!(usage(&["-cx"]), "invalid option -- 'x'");
        assert_eq!(usage(&["-f"]), "option requires an argument -- 'f'");
        assert_eq!(usage(&["-cf"]), "option requires an argument -- 'f'");
        assert_eq!(usage(&["--to"]), "option '--to-code' requires an argument");
        assert_eq!(
            usage(&["--he=x"]),
            "option '--help' doesn't allow an argument"
        );
        assert_eq!(
            usage(&["--threshold=2"]),
            "invalid threshold '2': a number from 0 to 1"
        );
        assert_eq!(run(&["--thr", "0.8"]).unwrap().threshold, Some(0.8));
        assert!(run(&["--det"]).unwrap().detect);
        assert_eq!(
            usage(&["--ver"]),
            "option '--ver' is ambiguous; possibilities: '--verbose' '--version'"
        );
        assert_eq!(
            usage(&["--ver=1"]),
            "option '--ver=1' is ambiguous; possibilities: '--verbose' '--version'"
        );
    }

    #[test]
    fn information_options_act_where_they_stand() {
        assert_eq!(run(&["--help", "-x"]), Err(Exit::Info(HELP.into())));
        assert_eq!(run(&["-?"]), Err(Exit::Info(HELP.into())));
        assert_eq!(run(&["--us"]), Err(Exit::Info(USAGE.into())));
        assert!(matches!(run(&["-x", "--help"]), Err(Exit::Usage { .. })));
        assert!(matches!(run(&["-V"]), Err(Exit::Info(v)) if v.starts_with("convert-utf8 ")));
        match run(&["--program-name=foo", "-x"]) {
            Err(Exit::Usage { program, .. }) => assert_eq!(program, "foo"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn in_place_options() {
        let o = run(&[
            "--in-place",
            "-rj3",
            "--include=*.txt",
            "--exclude",
            "old",
            "--backup=.orig",
            "--json=-",
            "dir",
        ])
        .unwrap();
        assert!(o.tree.in_place && o.tree.recursive);
        assert_eq!(o.tree.jobs, Some(3));
        assert_eq!(
            (o.tree.include.as_slice(), o.tree.exclude.as_slice()),
            (&["*.txt".to_owned()][..], &["old".to_owned()][..])
        );
        assert_eq!(o.tree.backup, Some(".orig".into()));
        assert_eq!(o.tree.json, Some("-".into()));
        assert_eq!(
            usage(&["-r", "dir"]),
            "option '--recursive' needs --in-place"
        );
        assert_eq!(
            usage(&["--in-place"]),
            "--in-place needs files or directories"
        );
        assert!(usage(&["--in-place", "-c", "f"]).starts_with("--in-place cannot be used with -c"));
        assert!(
            usage(&["--in-place", "-t", "utf-8//ignore", "f"])
                .starts_with("--in-place cannot be used with -c")
        );
        assert!(
            usage(&["--in-place", "-"]).starts_with("--in-place converts files where they are")
        );
        assert_eq!(
            usage(&["--in-place", "-j", "100000", "f"]),
            "invalid number of jobs '100000': a whole number from 1 to 1024"
        );
        assert!(
            usage(&["--in-place", "-o", "x", "f"])
                .starts_with("--in-place cannot be used with --output")
        );
        assert_eq!(
            usage(&["--in-place", "-j0", "f"]),
            "invalid number of jobs '0': a whole number from 1 to 1024"
        );
        assert!(usage(&["--in-place", "--backup=a/b", "f"]).starts_with("invalid backup suffix"));
        // iconv's own abbreviations keep their meaning beside the options of this mode.
        assert_eq!(run(&["--h"]), Err(Exit::Info(HELP.into())));
        assert_eq!(run(&["--f=SJIS"]).unwrap().from.as_deref(), Some("SJIS"));
        assert!(run(&["--in-place", "--dr", "f"]).unwrap().tree.dry_run);
        assert_eq!(
            usage(&["--in-place", "--hi", "--ha", "--j", "f"]),
            "option '--j' is ambiguous; possibilities: '--jobs' '--json'"
        );
    }
}
