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
//! ten calls).

use convert_utf8::{Charset, Decoder, ErrorPolicy};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iconv_oracle::Iconv;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Rounds of the interleaved mode (each contender decodes about 256 KiB per round).
const INTERLEAVED_ROUNDS: usize = 1000;

/// (glibc charset, WHATWG encoding that decodes the same text, if any, text file).
const CASES: &[(&str, Option<&str>, &str)] = &[
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

fn text(name: &str) -> String {
    let path = format!(
        "{}/benches/multibyte-text/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn encode(charset: &str, utf8: &str) -> Vec<u8> {
    let mut cd = Iconv::open_to("UTF-8", charset).expect("iconv encodes the charset");
    let c = cd.convert(utf8.as_bytes());
    assert_eq!(
        c.outcome,
        iconv_oracle::Outcome::Complete,
        "{charset} cannot encode the text"
    );
    c.output
}

/// Decodes into a buffer allocated once, as encoding_rs is given; returns the length written.
#[inline(never)]
fn contender_convert_utf8(decoder: &mut Decoder, input: &[u8], out: &mut [u8]) -> usize {
    decoder.reset();
    let step = decoder.decode(input, out, true);
    assert_eq!(step.read, input.len());
    step.written
}

#[inline(never)]
fn contender_encoding_rs(
    encoding: &'static encoding_rs::Encoding,
    input: &[u8],
    out: &mut [u8],
) -> usize {
    let mut d = encoding.new_decoder_without_bom_handling();
    let (_, _, written) = d.decode_to_utf8_without_replacement(input, out, true);
    written
}

#[inline(never)]
fn contender_iconv(iconv: &mut Iconv, input: &[u8]) -> usize {
    iconv.convert(input).output.len()
}

fn bench(c: &mut Criterion) {
    let count_only = std::env::var("CJK_BENCH_CALLS").ok();
    let interleaved = std::env::var_os("CJK_BENCH_INTERLEAVED").is_some();
    if interleaved {
        println!(
            "| charset | convert-utf8 MiB/s | encoding_rs MiB/s | iconv MiB/s | vs encoding_rs | vs iconv |"
        );
        println!("|---|---|---|---|---|---|");
    }
    for &(charset, whatwg, lang) in CASES {
        if count_only.as_ref().is_some_and(|only| only != charset) {
            continue;
        }
        let sample = text(lang);
        let utf8 = sample.repeat((256 * 1024) / sample.len() + 1);
        let input = encode(charset, &utf8);
        let mut decoder = Decoder::new(
            Charset::for_label(charset).expect("known charset"),
            ErrorPolicy::Strict,
        )
        .expect("supported charset");
        let mut iconv = Iconv::open(charset).unwrap();
        let whatwg = whatwg.map(|l| encoding_rs::Encoding::for_label(l.as_bytes()).unwrap());

        // Every contender must produce the original text before it is timed.
        // (Checked outside the `contender_*` functions, so that the counting mode calls each
        // exactly ten times.)
        let mut out = vec![0u8; input.len() * 3 + 64];
        let step = decoder.decode(&input, &mut out, true);
        assert_eq!(step.read, input.len());
        assert_eq!(
            &out[..step.written],
            utf8.as_bytes(),
            "convert-utf8 {charset}"
        );
        assert_eq!(
            iconv.convert(&input).output,
            utf8.as_bytes(),
            "iconv {charset}"
        );
        if let Some(e) = whatwg {
            let (decoded, had_errors) = e.decode_without_bom_handling(&input);
            assert!(!had_errors && decoded == utf8, "encoding_rs {charset}");
        }

        let mut dst = vec![0u8; utf8.len() + 64];
        if interleaved {
            // Each round times every contender once; the fastest of a contender's rounds is
            // one the other processes of a loaded machine left alone.
            let mut best = [Duration::MAX; 3];
            for _ in 0..INTERLEAVED_ROUNDS {
                let start = Instant::now();
                contender_convert_utf8(&mut decoder, black_box(&input), &mut out);
                best[0] = best[0].min(start.elapsed());
                if let Some(e) = whatwg {
                    let start = Instant::now();
                    contender_encoding_rs(e, black_box(&input), &mut dst);
                    best[1] = best[1].min(start.elapsed());
                }
                let start = Instant::now();
                contender_iconv(&mut iconv, black_box(&input));
                best[2] = best[2].min(start.elapsed());
            }
            let mib_s = |d: Duration| input.len() as f64 / d.as_secs_f64() / (1024.0 * 1024.0);
            let ours = mib_s(best[0]);
            let (ers, ratio) = match whatwg {
                Some(_) => {
                    let theirs = mib_s(best[1]);
                    (format!("{theirs:.0}"), format!("{:.2}×", ours / theirs))
                }
                None => ("—".into(), "—".into()),
            };
            let iconv_mib_s = mib_s(best[2]);
            println!(
                "| {charset} | {ours:.0} | {ers} | {iconv_mib_s:.0} | {ratio} | {:.2}× |",
                ours / iconv_mib_s
            );
            continue;
        }
        if count_only.is_some() {
            for _ in 0..10 {
                contender_convert_utf8(&mut decoder, black_box(&input), &mut out);
                if let Some(e) = whatwg {
                    contender_encoding_rs(e, black_box(&input), &mut dst);
                }
                contender_iconv(&mut iconv, black_box(&input));
            }
            continue;
        }
        let mut group = c.benchmark_group(format!("decode/{charset}"));
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function("convert-utf8", |b| {
            b.iter(|| contender_convert_utf8(&mut decoder, black_box(&input), &mut out))
        });
        if let Some(e) = whatwg {
            group.bench_function("encoding_rs", |b| {
                b.iter(|| contender_encoding_rs(e, black_box(&input), &mut dst))
            });
        }
        group.bench_function("iconv", |b| {
            b.iter(|| contender_iconv(&mut iconv, black_box(&input)))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
