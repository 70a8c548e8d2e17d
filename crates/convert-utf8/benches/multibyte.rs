//! Decoding speed of the CJK multi-byte charsets: convert-utf8 against encoding_rs and the
//! system iconv (in-process), side by side on the same real text.
//!
//! The text is committed as UTF-8 (`benches/multibyte-text/`) and encoded into each charset by
//! iconv when the benchmark starts, repeated to about 256 KiB; before timing, every contender's
//! output is checked to be the original text. Run: `cargo bench -p convert-utf8 --bench multibyte`.
//!
//! With `CJK_BENCH_INTERLEAVED=1` in the environment the bench skips criterion and times the
//! contenders in turn, round after round, and prints a table of each one's fastest round: on a
//! machine whose load moves, criterion's contenders, measured one after the other, see
//! different loads, while interleaved rounds share them and the fastest ones are those the
//! load left alone.
//!
//! With `CJK_BENCH_CALLS=<charset>` in the environment the bench skips criterion and calls
//! each contender ten times on that charset's text through the functions `contender_*`, for
//! counting instructions under `valgrind --tool=callgrind` (which the load of a shared machine
//! does not disturb; `callgrind_annotate --inclusive=yes` gives each contender's total for the
//! ten calls). The harness is shared with the stateful bench, in `common`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};

/// (glibc charset, WHATWG encoding that decodes the same text, if any, text file).
const CASES: &[common::Case] = &[
    ("SJIS", Some("Shift_JIS"), "ja"),
    ("CP932", Some("Shift_JIS"), "ja"),
    ("EUC-JP", Some("EUC-JP"), "ja"),
    ("EUC-KR", Some("EUC-KR"), "ko"),
    ("UHC", Some("EUC-KR"), "ko"),
    ("GBK", Some("GBK"), "zh-hans"),
    ("GB18030", Some("gb18030"), "zh-hans"),
    ("EUC-CN", Some("GBK"), "zh-hans"),
    ("BIG5", Some("Big5"), "zh-hant"),
    ("BIG5HKSCS", Some("Big5"), "zh-hant"),
    ("EUC-TW", None, "zh-hant"),
    ("JOHAB", None, "ko"),
    ("SHIFT_JISX0213", None, "ja"),
];

fn bench(c: &mut Criterion) {
    common::bench_cases(c, "CJK_BENCH", CASES);
}

criterion_group!(benches, bench);
criterion_main!(benches);
