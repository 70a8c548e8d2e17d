//! The engine of another revision (`old`) against this tree's (`new`) on the benchmark suite's
//! inputs, in one process (`run.sh` prepares both). For each family: both outputs checked equal,
//! then rounds in which each decodes the whole input once, alternating; the fastest call of
//! each is kept. Output: a Markdown table, GB/s and new over old.

use std::path::Path;
use std::time::{Duration, Instant};

const ROUNDS: usize = 25;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: before-after DIR");
    let dir = Path::new(&dir);
    let cases = std::fs::read_to_string(dir.join("cases.tsv")).expect("DIR/cases.tsv");
    println!("| family | charset | old GB/s | new GB/s | new / old |");
    println!("|---|---|---:|---:|---:|");
    for line in cases.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let (family, charset, input) = (fields[0], fields[1], fields[3]);
        let input = std::fs::read(dir.join(input)).expect("the family's input");
        let old = || old::decode_to_vec(charset, &input).expect("old decodes it");
        let new = || new::decode_to_vec(charset, &input).expect("new decodes it");
        assert!(old() == new(), "{family}: the outputs differ");
        let (mut old_best, mut new_best) = (Duration::MAX, Duration::MAX);
        for _ in 0..ROUNDS {
            let start = Instant::now();
            std::hint::black_box(old());
            old_best = old_best.min(start.elapsed());
            let start = Instant::now();
            std::hint::black_box(new());
            new_best = new_best.min(start.elapsed());
        }
        let gbps = |t: Duration| input.len() as f64 / t.as_secs_f64() / 1e9;
        println!(
            "| {family} | {charset} | {:.2} | {:.2} | {:.3} |",
            gbps(old_best),
            gbps(new_best),
            old_best.as_secs_f64() / new_best.as_secs_f64()
        );
    }
}
