//! Charset detection speed on the evaluation corpus: every sample of
//! `target/detect-corpus/samples` (made by `python3 bench/detect/make_corpus.py`, or
//! `bash bench/detect/run.sh`) detected once per iteration, as `convert_utf8.detect` does from
//! Python without the call overhead. Criterion reports the time per pass; samples/s is the
//! number of samples over it.
//!
//! Run: `cargo bench -p convert-utf8 --bench detect` (another corpus: `CU8_DETECT_CORPUS=dir`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;

fn corpus() -> Option<Vec<Vec<u8>>> {
    let dir = std::env::var_os("CU8_DETECT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/detect-corpus/samples")
        });
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .map(|e| e.ok().map(|e| e.path()))
        .collect::<Option<_>>()?;
    paths.sort();
    let samples: Vec<Vec<u8>> = paths
        .iter()
        .map(std::fs::read)
        .collect::<Result<_, _>>()
        .ok()?;
    (!samples.is_empty()).then_some(samples)
}

fn bench(c: &mut Criterion) {
    let Some(samples) = corpus() else {
        eprintln!(
            "no detection corpus: build it with `python3 bench/detect/make_corpus.py` \
             (or point CU8_DETECT_CORPUS at a directory of samples)"
        );
        return;
    };
    // The per-process tables are built before anything is timed.
    black_box(convert_utf8::detect(b"caf\xe9"));
    let mut group = c.benchmark_group("detect");
    group.sample_size(10);
    group.throughput(Throughput::Elements(samples.len() as u64));
    group.bench_function("corpus", |b| {
        b.iter(|| {
            for sample in &samples {
                black_box(convert_utf8::detect(black_box(sample)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
