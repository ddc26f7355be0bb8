//! Wake-up latency distribution of a receiver asleep in `recv`, per
//! implementation: p50, p90, p99, p99.9, max and mean over many samples.
//! Criterion (the `wake_latency` bench) reports only means.
//!
//! ```text
//! cargo run --release -p ringweir-benches --bin wake_latency -- [SAMPLES] [GAP_US]
//! ```
//! Defaults: 5000 samples (2000 with `RINGWEIR_BENCH_QUICK=1`), 1 ms
//! (`wake::GAP`) between sends. Writes
//! `target/ringweir-extra/wake_latency.json` for `scripts/bench.py`.

use ringweir_benches::{extra_dir, percentile, quick, wake};
use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(if quick() { 2000 } else { 5000 });
    let gap = args
        .next()
        .and_then(|a| a.parse().ok())
        .map_or(wake::GAP, Duration::from_micros);

    println!("wake-up latency, {count} samples, {gap:?} between sends (ns)");
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "implementation", "p50", "p90", "p99", "p99.9", "max", "mean"
    );
    // Every implementation runs in turn, in rounds of `count / ROUNDS`
    // samples, so that the host's drift over the run hits them alike.
    const ROUNDS: u64 = 6;
    let runners = wake::runners();
    let mut all: Vec<Vec<Duration>> = runners.iter().map(|_| Vec::new()).collect();
    for (_, run) in &runners {
        // A short warm-up run (thread start, first allocation, page faults).
        run(count / 20 + 10, gap);
    }
    for _ in 0..ROUNDS {
        for (samples, (_, run)) in all.iter_mut().zip(&runners) {
            samples.extend(run(count.div_ceil(ROUNDS), gap));
        }
    }
    let count = count.div_ceil(ROUNDS) * ROUNDS;
    let mut json = Vec::new();
    for ((name, _), mut s) in runners.iter().zip(all) {
        assert_eq!(s.len() as u64, count, "{name}: samples lost");
        s.sort_unstable();
        let mean = s.iter().sum::<Duration>() / s.len() as u32;
        let ns = |d: Duration| d.as_nanos() as u64;
        let row = [
            ns(percentile(&s, 50.0)),
            ns(percentile(&s, 90.0)),
            ns(percentile(&s, 99.0)),
            ns(percentile(&s, 99.9)),
            ns(*s.last().unwrap()),
            ns(mean),
        ];
        println!(
            "{:<28} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            name, row[0], row[1], row[2], row[3], row[4], row[5]
        );
        json.push(format!(
            "  \"{name}\": {{\"p50\": {}, \"p90\": {}, \"p99\": {}, \"p99.9\": {}, \"max\": {}, \"mean\": {}, \"samples\": {count}, \"gap_us\": {}}}",
            row[0], row[1], row[2], row[3], row[4], row[5], gap.as_micros()
        ));
    }
    let path = extra_dir().join("wake_latency.json");
    std::fs::write(&path, format!("{{\n{}\n}}\n", json.join(",\n"))).unwrap();
    println!("wrote {}", path.display());
}
