//! Input made only of bad bytes, dropped (`ErrorPolicy::Ignore`, the CLI's `-c`) or replaced,
//! against the system iconv in-process with `//IGNORE` (what `iconv -c` does) on the same bytes.
//!
//! The worst case for the error policies: every byte or unit is a bad sequence of its own, so
//! the figure is the cost per dropped sequence. One input per kind of family decoder: UTF-8
//! (0xFF), a single-byte charset with holes (CP1252's undefined 0x81), Shift_JIS (0xFF, no lead
//! byte) and UTF-16LE (lone low surrogates, `00 DC`).
//!
//! Run: `cargo bench -p convert-utf8 --bench invalid_input`.

use convert_utf8::{Charset, DecodeStatus, Decoder, ErrorPolicy};
use criterion::{Criterion, SamplingMode, Throughput};
use iconv_oracle::{Iconv, Outcome};
use std::hint::black_box;

const INPUT_LEN: usize = 4 << 20;

/// Decodes all of `input` through a 64 KiB output buffer, as `io::transcode` does; returns the
/// number of bad sequences.
fn ours(decoder: &mut Decoder, input: &[u8], dst: &mut [u8]) -> u64 {
    decoder.reset();
    let mut read = 0;
    loop {
        let step = decoder.decode(&input[read..], dst, true);
        read += step.read;
        match step.status {
            DecodeStatus::InputEmpty => return decoder.error_count(),
            DecodeStatus::OutputFull => {}
            DecodeStatus::Error(e) => panic!("{e}"),
        }
    }
}

/// glibc with `//IGNORE`: it skips what it cannot convert and reports EILSEQ once its buffer is
/// done, so it is called again until all input is consumed.
fn glibc(iconv: &mut Iconv, input: &[u8], out: &mut Vec<u8>) {
    iconv.reset();
    out.clear();
    let mut read = 0;
    while let Outcome::Invalid(at) | Outcome::Incomplete(at) =
        iconv.convert_into(&input[read..], out, true)
    {
        if at == 0 || read + at == input.len() {
            break;
        }
        read += at;
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    for (label, unit) in [
        ("UTF-8", &b"\xFF"[..]),
        ("CP1252", b"\x81"),
        ("SJIS", b"\xFF"),
        ("UTF-16LE", b"\x00\xDC"),
    ] {
        let input = unit.repeat(INPUT_LEN / unit.len());
        let sequences = (input.len() / unit.len()) as u64;
        let charset = Charset::for_label(label).expect("known charset");
        let mut iconv = Iconv::open_to(label, "UTF-8//IGNORE").expect("iconv knows it");
        let mut out = Vec::with_capacity(input.len() * 3);
        glibc(&mut iconv, &input, &mut out);
        assert!(out.is_empty(), "iconv kept something of {label}");

        let mut group = criterion.benchmark_group(format!("invalid-input-{label}"));
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        let mut dst = vec![0u8; 64 << 10];
        for policy in [ErrorPolicy::Ignore, ErrorPolicy::Replace] {
            let mut decoder = Decoder::new(charset, policy);
            assert_eq!(ours(&mut decoder, &input, &mut dst), sequences, "{label}");
            group.bench_function(format!("convert-utf8 {policy:?}"), |b| {
                b.iter(|| ours(&mut decoder, black_box(&input), &mut dst))
            });
        }
        group.bench_function("iconv //IGNORE", |b| {
            b.iter(|| glibc(&mut iconv, black_box(&input), &mut out))
        });
        group.finish();
    }
    criterion.final_summary();
}
