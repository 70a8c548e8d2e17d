//! Candidate loops for the engine, timed beside it to estimate what a change would buy before
//! anyone touches the engine's decoders.

use crate::Run;

/// The prototypes that decode `charset` (glibc's name), with their names.
pub fn for_charset(_charset: &str) -> Vec<(&'static str, Run<'static>)> {
    Vec::new()
}
