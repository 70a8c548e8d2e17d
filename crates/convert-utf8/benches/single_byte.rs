//! Single-byte decoding speed, side by side on the same data in one run: convert-utf8, glibc
//! `iconv()` in-process and encoding_rs.
//!
//! Data: real text (committed UTF-8 files under `benches/data/`) transcoded into the charset by
//! the system iconv and repeated to 1 MiB. Every contender's output is checked to be identical
//! before anything is timed. convert-utf8 runs the fastest loop the CPU supports (AVX-512
//! VBMI2 or the portable one). Run: `cargo bench -p convert-utf8 --bench single_byte`.

use convert_utf8::{Charset, DecodeStatus, Decoder, ErrorPolicy};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iconv_oracle::{Iconv, Outcome};
use std::hint::black_box;

const SIZE: usize = 1 << 20;

struct Case {
    name: &'static str,
    charset: &'static str,
    whatwg: Option<&'static encoding_rs::Encoding>,
    text: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "CP1251 Russian",
        charset: "CP1251",
        whatwg: Some(encoding_rs::WINDOWS_1251),
        text: include_str!("data/russian.txt"),
    },
    Case {
        name: "ISO-8859-7 Greek",
        charset: "ISO-8859-7",
        whatwg: Some(encoding_rs::ISO_8859_7),
        text: include_str!("data/greek.txt"),
    },
    Case {
        name: "CP1252 English (ASCII only)",
        charset: "CP1252",
        whatwg: Some(encoding_rs::WINDOWS_1252),
        text: include_str!("data/english.txt"),
    },
    Case {
        name: "IBM037 English (EBCDIC)",
        charset: "IBM037",
        whatwg: None,
        text: include_str!("data/english.txt"),
    },
];

/// The text in `charset`, repeated to [`SIZE`] bytes (cut at a line end).
fn encoded(case: &Case) -> Vec<u8> {
    let mut encoder = Iconv::open_to("UTF-8", case.charset).expect("iconv knows the charset");
    let conversion = encoder.convert(case.text.as_bytes());
    assert_eq!(conversion.outcome, Outcome::Complete, "{}", case.name);
    let mut data = Vec::with_capacity(SIZE + conversion.output.len());
    while data.len() < SIZE {
        data.extend_from_slice(&conversion.output);
    }
    data
}

fn ours(decoder: &mut Decoder, src: &[u8], dst: &mut [u8]) -> usize {
    decoder.reset();
    let step = decoder.decode(src, dst, true);
    assert_eq!(
        (step.status, step.read),
        (DecodeStatus::InputEmpty, src.len())
    );
    step.written
}

fn glibc(iconv: &mut Iconv, src: &[u8], dst: &mut Vec<u8>) -> usize {
    dst.clear();
    iconv.reset();
    assert_eq!(iconv.convert_into(src, dst, true), Outcome::Complete);
    dst.len()
}

fn encoding_rs(decoder: &mut encoding_rs::Decoder, src: &[u8], dst: &mut [u8]) -> usize {
    let (result, read, written) = decoder.decode_to_utf8_without_replacement(src, dst, true);
    assert_eq!(
        (result, read),
        (encoding_rs::DecoderResult::InputEmpty, src.len())
    );
    written
}

fn bench(c: &mut Criterion) {
    for case in CASES {
        let src = encoded(case);
        let charset = Charset::for_label(case.charset).expect("known charset");
        let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
        let mut dst = vec![0u8; decoder.max_utf8_len(src.len()).unwrap()];
        let mut iconv = Iconv::open(case.charset).expect("iconv opens it");
        let mut iconv_out = Vec::with_capacity(dst.len());

        // Same output from every contender before timing.
        let written = ours(&mut decoder, &src, &mut dst);
        glibc(&mut iconv, &src, &mut iconv_out);
        assert_eq!(
            &dst[..written],
            &iconv_out[..],
            "{}: glibc differs",
            case.name
        );
        if let Some(encoding) = case.whatwg {
            let mut whatwg_dst = vec![0u8; dst.len()];
            let n = encoding_rs(
                &mut encoding.new_decoder_without_bom_handling(),
                &src,
                &mut whatwg_dst,
            );
            assert_eq!(
                &dst[..written],
                &whatwg_dst[..n],
                "{}: encoding_rs differs",
                case.name
            );
        }

        let mut group = c.benchmark_group(case.name);
        group.throughput(Throughput::Bytes(src.len() as u64));
        group.bench_function("convert-utf8", |b| {
            b.iter(|| ours(&mut decoder, black_box(&src), &mut dst))
        });
        group.bench_function("glibc iconv", |b| {
            b.iter(|| glibc(&mut iconv, black_box(&src), &mut iconv_out))
        });
        if let Some(encoding) = case.whatwg {
            group.bench_function("encoding_rs", |b| {
                b.iter(|| {
                    let mut d = encoding.new_decoder_without_bom_handling();
                    encoding_rs(&mut d, black_box(&src), &mut dst)
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
