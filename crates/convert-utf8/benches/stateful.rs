//! Decoding speed of the stateful double-byte charsets (ISO-2022 escapes, EBCDIC SO/SI):
//! convert-utf8 against the system iconv in-process, and encoding_rs for ISO-2022-JP, side by
//! side on the same real text in the language each charset serves.
//!
//! Run: `cargo bench -p convert-utf8 --bench stateful`; with `STATEFUL_BENCH_INTERLEAVED=1`
//! for the fastest of interleaved rounds, with `STATEFUL_BENCH_CALLS=<charset>` under callgrind
//! to count instructions (see `common`).

mod common;

use criterion::{Criterion, criterion_group, criterion_main};

/// ISO-2022-JP-2 also gets the Korean text, whose shift around every space makes it switch sets
/// most. (Not ISO-2022-CN with the traditional text: glibc cannot decode what it encodes there,
/// a CNS 11643 designation made while shifted out.)
const CASES: &[common::Case] = &[
    ("ISO-2022-JP", Some("ISO-2022-JP"), "ja"),
    ("ISO-2022-JP-2", None, "ja"),
    ("ISO-2022-JP-2", None, "ko"),
    ("ISO-2022-JP-3", None, "ja"),
    ("ISO-2022-KR", None, "ko"),
    ("ISO-2022-CN", None, "zh-hans"),
    ("ISO-2022-CN-EXT", None, "zh-hans"),
    ("IBM930", None, "ja"),
    ("IBM939", None, "ja"),
    ("IBM1390", None, "ja"),
    ("IBM1399", None, "ja"),
    ("IBM933", None, "ko"),
    ("IBM1364", None, "ko"),
    ("IBM935", None, "zh-hans"),
    ("IBM1388", None, "zh-hans"),
    ("IBM937", None, "zh-hant"),
    ("IBM1371", None, "zh-hant"),
];

fn bench(c: &mut Criterion) {
    common::bench_cases(c, "STATEFUL_BENCH", CASES);
}

criterion_group!(benches, bench);
criterion_main!(benches);
