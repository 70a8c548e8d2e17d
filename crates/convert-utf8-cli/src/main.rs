//! The `convert-utf8` command: a drop-in for `iconv -f X -t UTF-8 [FILE...]` that streams in
//! constant memory, converts in place safely, and always writes valid UTF-8.
//!
//! Exit status: 0 success; 1 invalid or truncated input (also with `-c`), unknown or unsupported
//! charset, an input whose charset cannot be told (`-f auto`, `--detect`), or an I/O error; 64
//! usage error. `--in-place` (files and trees converted where they are, `tree.rs`) has its own:
//! 0 all well, 1 text files left in their charset, 2 failures.

mod args;
mod detect;
mod locale;
mod output;
mod run;
mod tree;

use args::{Exit, PROGRAM};
use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

/// Exit status of a usage error, as argp gives it (`EX_USAGE`).
pub(crate) const USAGE_ERROR: u8 = 64;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let posixly_correct = std::env::var_os("POSIXLY_CORRECT").is_some();
    let status = match args::parse(&args, posixly_correct) {
        Ok(options) => run::run(options),
        Err(Exit::Info(text)) => {
            // A closed stdout (`--help | head -1`) is not worth a message.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            run::SUCCESS
        }
        Err(Exit::Usage { message, program }) => {
            let _ = write!(
                std::io::stderr().lock(),
                "{PROGRAM}: {message}\nTry `{program} --help' or `{program} --usage' for more information.\n"
            );
            USAGE_ERROR
        }
    };
    ExitCode::from(status)
}
