//! A column of mail-sized bodies (about 200 bytes) in mixed charsets with a charset per row,
//! decoded by the Arrow kernel, against the engine decoding the same bytes as one stream per
//! charset (the kernel's ceiling: no rows, no labels, no output column), and split across all
//! cores. The texts are the engine benches' samples, cut at characters and encoded by the
//! system iconv.
//! Run: `cargo bench -p convert-utf8-arrow --bench column`.

use arrow_array::{BinaryArray, StringArray};
use convert_utf8::{Charset, Decoder, ErrorPolicy};
use convert_utf8_arrow::{Labels, OnError, Options, decode, decode_with};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iconv_oracle::Iconv;
use std::hint::black_box;

const ROWS: usize = 100_000;
const BODY: usize = 200;

const TEXTS: &[(&str, &str)] = &[
    (
        "CP1251",
        include_str!("../../convert-utf8/benches/data/russian.txt"),
    ),
    (
        "ISO-8859-7",
        include_str!("../../convert-utf8/benches/data/greek.txt"),
    ),
    (
        "SJIS",
        include_str!("../../convert-utf8/benches/multibyte-text/ja.txt"),
    ),
    (
        "GBK",
        include_str!("../../convert-utf8/benches/multibyte-text/zh-hans.txt"),
    ),
    (
        "EUC-KR",
        include_str!("../../convert-utf8/benches/multibyte-text/ko.txt"),
    ),
    (
        "UTF-8",
        include_str!("../../convert-utf8/benches/data/english.txt"),
    ),
];

/// Rows of about `BODY` bytes, each a run of whole characters of one sample, in its charset.
fn column() -> (Vec<Vec<u8>>, Vec<&'static str>) {
    let encoded: Vec<(&str, Vec<Vec<u8>>)> = TEXTS
        .iter()
        .map(|&(charset, text)| {
            let mut to = Iconv::open_to("UTF-8", charset).expect("iconv knows the charset");
            let mut bodies = Vec::new();
            let mut body = Vec::new();
            for ch in text.chars().filter(|c| *c != '\n') {
                to.reset();
                let c = to.convert(ch.encode_utf8(&mut [0; 4]).as_bytes());
                body.extend_from_slice(&c.output);
                if body.len() >= BODY {
                    bodies.push(std::mem::take(&mut body));
                }
            }
            (charset, bodies)
        })
        .collect();
    let (mut rows, mut labels) = (Vec::with_capacity(ROWS), Vec::with_capacity(ROWS));
    for i in 0..ROWS {
        let (charset, bodies) = &encoded[i % encoded.len()];
        rows.push(bodies[(i / encoded.len()) % bodies.len()].clone());
        labels.push(*charset);
    }
    (rows, labels)
}

fn bench(c: &mut Criterion) {
    let (rows, labels) = column();
    let bytes: usize = rows.iter().map(Vec::len).sum();
    let bodies = BinaryArray::from_iter_values(rows.iter());
    let label_column = StringArray::from(labels.clone());
    // The same bytes, one stream per charset.
    let streams: Vec<(Charset, Vec<u8>)> = TEXTS
        .iter()
        .map(|&(charset, _)| {
            let stream: Vec<u8> = rows
                .iter()
                .zip(&labels)
                .filter(|(_, l)| **l == charset)
                .flat_map(|(r, _)| r.iter().copied())
                .collect();
            (Charset::for_label(charset).unwrap(), stream)
        })
        .collect();
    let mut group = c.benchmark_group(format!("{ROWS} rows of about {BODY} bytes, 6 charsets"));
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("arrow kernel, a charset per row", |b| {
        b.iter(|| {
            decode(
                black_box(&bodies),
                Labels::PerRow(&label_column),
                OnError::Strict,
                false,
            )
            .unwrap()
        })
    });
    group.bench_function("arrow kernel, a charset per row, all cores", |b| {
        let options = Options {
            threads: 0,
            ..Options::default()
        };
        b.iter(|| decode_with(black_box(&bodies), Labels::PerRow(&label_column), &options).unwrap())
    });
    group.bench_function("engine, one stream per charset", |b| {
        let mut out = Vec::with_capacity(4 * bytes);
        b.iter(|| {
            out.clear();
            for (charset, stream) in &streams {
                let mut decoder = Decoder::new(*charset, ErrorPolicy::Strict);
                decoder.decode_to_vec(black_box(stream), &mut out).unwrap();
            }
            out.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
