//! convert-utf8 against its strongest peers, per charset family, in one process on the same
//! bytes: encoding_rs built with `simd-accel` (as Firefox builds it), simdutf8's validation
//! followed by a copy (the UTF-8 family only: what a validating UTF-8 "decoder" cannot beat),
//! and a plain copy of the input (`memcpy`), the ceiling of any decoder that reads every byte.
//!
//! The inputs are those of the throughput bench (`crates/convert-utf8/benches/throughput.rs`):
//! a directory written by `bench/inputs.py` with a `cases.tsv` manifest whose lines are
//! `family<TAB>glibc charset<TAB>encoding_rs label or -<TAB>input file<TAB>expected UTF-8 file`.
//! Every contender's output is checked against the expected UTF-8 before it is timed.
//!
//! Timing: rounds, each calling every contender once on the whole input in turn (interleaved,
//! so a burst of load from elsewhere hits all of them alike); a family gets at least `--rounds`
//! rounds and at least `--min-seconds` of them. The figure kept is the fastest call (min-of-N:
//! the run least disturbed by the rest of the machine), with the median beside it.
//!
//! Usage: `bench-peers DIR [--rounds N] [--min-seconds S]`; prints JSON on stdout. Build with
//! `RUSTC_BOOTSTRAP=1` (encoding_rs's `simd-accel` uses nightly-only `core::simd`).

#[path = "../../../crates/convert-utf8/benches/manifest/mod.rs"]
mod manifest;
mod prototype;

use manifest::{cases, ours, with_encoding_rs};

use convert_utf8::{Charset, Decoder, ErrorPolicy};
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// One contender: decodes all of its input into the buffer and returns the length written.
type Run<'a> = Box<dyn FnMut(&[u8], &mut [u8]) -> usize + 'a>;

struct Contender<'a> {
    name: &'static str,
    run: Run<'a>,
    /// Whether the output is UTF-8 to check (the copy's output is its input).
    decodes: bool,
    times: Vec<Duration>,
}

/// What the UTF-8 family's output could cost at best: simdutf8's validation, then a copy.
fn simdutf8_validate_and_copy(input: &[u8], dst: &mut [u8]) -> usize {
    simdutf8::basic::from_utf8(input).expect("valid UTF-8");
    dst[..input.len()].copy_from_slice(input);
    input.len()
}

fn copy(input: &[u8], dst: &mut [u8]) -> usize {
    dst[..input.len()].copy_from_slice(input);
    input.len()
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

struct Settings {
    rounds: usize,
    min_time: Duration,
}

/// Times one family; appends its JSON object (contender -> figures) to `json`.
fn family(
    settings: &Settings,
    charset: &str,
    encoding_rs: Option<&str>,
    input: &[u8],
    expected: &[u8],
    json: &mut String,
) {
    let mut contenders: Vec<Contender> = Vec::new();
    let mut add = |name, decodes, run: Run<'static>| {
        contenders.push(Contender {
            name,
            run,
            decodes,
            times: Vec::new(),
        })
    };
    let mut room = expected.len().max(input.len()) + 64;
    let mut decoder = Decoder::new(
        Charset::for_label(charset).expect("known charset"),
        ErrorPolicy::Strict,
    );
    room = room.max(
        decoder
            .max_utf8_len(input.len())
            .expect("input small enough"),
    );
    add(
        "convert-utf8",
        true,
        Box::new(move |i, d| ours(&mut decoder, i, d)),
    );
    if let Some(label) = encoding_rs {
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes())
            .unwrap_or_else(|| panic!("encoding_rs label {label}"));
        let bound = encoding
            .new_decoder_without_bom_handling()
            .max_utf8_buffer_length_without_replacement(input.len())
            .expect("input small enough");
        room = room.max(bound);
        add(
            "encoding_rs (simd-accel)",
            true,
            Box::new(move |i, d| with_encoding_rs(encoding, i, d)),
        );
    }
    if encoding_rs == Some("UTF-8") {
        add(
            "simdutf8 validate + copy",
            true,
            Box::new(simdutf8_validate_and_copy),
        );
    }
    for (name, run) in prototype::for_charset(charset) {
        add(name, true, run);
    }
    add("memcpy", false, Box::new(copy));

    let mut dst = vec![0u8; room];
    for c in &mut contenders {
        let written = (c.run)(input, &mut dst);
        if c.decodes {
            assert!(
                dst[..written] == *expected,
                "{} differs on {charset}",
                c.name
            );
        }
    }
    let started = Instant::now();
    let mut rounds = 0;
    while rounds < settings.rounds || started.elapsed() < settings.min_time {
        for c in &mut contenders {
            let start = Instant::now();
            black_box((c.run)(black_box(input), &mut dst));
            c.times.push(start.elapsed());
        }
        rounds += 1;
    }

    let gbps = |t: Duration| input.len() as f64 / t.as_secs_f64() / 1e9;
    json.push('{');
    for (i, c) in contenders.iter_mut().enumerate() {
        let best = *c.times.iter().min().unwrap();
        let mid = median(&mut c.times);
        let _ = write!(
            json,
            "{}\"{}\": {{\"gbps_min_time\": {:.3}, \"gbps_median_time\": {:.3}, \"calls\": {}}}",
            if i > 0 { ", " } else { "" },
            c.name,
            gbps(best),
            gbps(mid),
            c.times.len()
        );
        eprintln!(
            "bench-peers: {charset:<16} {:<28} {:>8.2} GB/s (median {:.2})",
            c.name,
            gbps(best),
            gbps(mid)
        );
    }
    json.push('}');
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut settings = Settings {
        rounds: 30,
        min_time: Duration::from_millis(300),
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--rounds" => settings.rounds = value().parse().expect("--rounds N"),
            "--min-seconds" => {
                settings.min_time =
                    Duration::from_secs_f64(value().parse().expect("--min-seconds S"))
            }
            _ => dir = Some(std::path::PathBuf::from(arg)),
        }
    }
    let dir = dir.expect("usage: bench-peers DIR [--rounds N] [--min-seconds S]");
    let mut json = String::from("{\"families\": {");
    for (i, (family_name, charset, encoding_rs, input, expected)) in
        cases(&dir).into_iter().enumerate()
    {
        let input = std::fs::read(&input).expect("input");
        let expected = std::fs::read(&expected).expect("expected UTF-8");
        let _ = write!(json, "{}\"{family_name}\": ", if i > 0 { ", " } else { "" });
        family(
            &settings,
            &charset,
            encoding_rs.as_deref(),
            &input,
            &expected,
            &mut json,
        );
    }
    let _ = write!(
        json,
        "}}, \"rounds_at_least\": {}, \"min_seconds\": {}}}",
        settings.rounds,
        settings.min_time.as_secs_f64()
    );
    println!("{json}");
}
