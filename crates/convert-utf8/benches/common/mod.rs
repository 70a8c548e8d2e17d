//! What the text-decoding benches share: the committed real text, its encoding by the system
//! iconv, the contenders, the check that every contender gives the original text back, and the
//! three ways of running them.
//!
//! The text is committed as UTF-8 (`benches/multibyte-text/`) and encoded into each charset by
//! iconv when the benchmark starts, repeated to about 256 KiB. Each bench names its environment
//! variables by a prefix:
//!
//! - none set: criterion, one group `decode/<name>` per case;
//! - `<prefix>_INTERLEAVED=1`: the contenders are timed in turn, round after round, and a table
//!   of each one's fastest round is printed: on a machine whose load moves, criterion's
//!   contenders, measured one after the other, see different loads, while interleaved rounds
//!   share them and the fastest ones are those the load left alone;
//! - `<prefix>_CALLS=<name>`: each contender is called ten times on that case's text through
//!   the functions `contender_*`, for counting instructions under `valgrind --tool=callgrind`
//!   (which the load of a shared machine does not disturb; `callgrind_annotate
//!   --inclusive=yes` gives each contender's total for the ten calls).
//!
//! A case's name is its charset, followed by `/<text>` for a charset's second and further texts.

use convert_utf8::{Charset, Decoder, ErrorPolicy};
use criterion::{Criterion, Throughput};
use iconv_oracle::Iconv;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// One benchmark input: (glibc charset, WHATWG encoding that decodes the same text, if any,
/// text file in `benches/multibyte-text/` without `.txt`).
pub type Case = (&'static str, Option<&'static str>, &'static str);

/// How much text each charset is given: the sample repeated to at least this many bytes.
const TEXT_BYTES: usize = 256 * 1024;
/// Rounds of the interleaved mode.
const INTERLEAVED_ROUNDS: usize = 1000;

fn text(lang: &str) -> String {
    let path = format!(
        "{}/benches/multibyte-text/{lang}.txt",
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

/// Runs the cases in the mode the environment variables named by `env_prefix` ask for (see the
/// module documentation).
pub fn bench_cases(c: &mut Criterion, env_prefix: &str, cases: &[Case]) {
    let count_only = std::env::var(format!("{env_prefix}_CALLS")).ok();
    let interleaved = std::env::var_os(format!("{env_prefix}_INTERLEAVED")).is_some();
    if interleaved {
        println!(
            "| charset | convert-utf8 MiB/s | encoding_rs MiB/s | iconv MiB/s | vs encoding_rs | vs iconv |"
        );
        println!("|---|---|---|---|---|---|");
    }
    for (i, &(charset, whatwg, lang)) in cases.iter().enumerate() {
        let repeated = cases[..i].iter().any(|&(other, ..)| other == charset);
        let name = if repeated {
            format!("{charset}/{lang}")
        } else {
            charset.to_string()
        };
        if count_only.as_ref().is_some_and(|only| *only != name) {
            continue;
        }
        let sample = text(lang);
        let utf8 = sample.repeat(TEXT_BYTES / sample.len() + 1);
        let input = encode(charset, &utf8);
        let mut decoder = Decoder::new(
            Charset::for_label(charset).expect("known charset"),
            ErrorPolicy::Strict,
        );
        let mut iconv = Iconv::open(charset).unwrap();
        let whatwg = whatwg.map(|l| encoding_rs::Encoding::for_label(l.as_bytes()).unwrap());

        // Every contender must produce the original text before it is timed.
        // (Not through `contender_convert_utf8`, so that the counting calls are all it makes.)
        let mut out = vec![0u8; input.len() * 3 + 64];
        let step = decoder.decode(&input, &mut out, true);
        assert_eq!(step.read, input.len(), "convert-utf8 {charset}");
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
            let (theirs, vs_theirs) = match whatwg {
                Some(_) => {
                    let theirs = mib_s(best[1]);
                    (format!("{theirs:.0}"), format!("{:.2}×", ours / theirs))
                }
                None => ("—".into(), "—".into()),
            };
            let iconv = mib_s(best[2]);
            println!(
                "| {name} | {ours:.0} | {theirs} | {iconv:.0} | {vs_theirs} | {:.2}× |",
                ours / iconv
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
        let mut group = c.benchmark_group(format!("decode/{name}"));
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
