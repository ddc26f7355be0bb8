//! Mean wake-up latency: the receiver is asleep in `recv` (the sender
//! sleeps `wake::GAP`, 1 ms, between sends), and each iteration is one
//! send; the time reported is from just before `send` to just after
//! `recv` returned.
//! Criterion reports means; `cargo run --release -p ringweir-benches --bin
//! wake_latency` prints the distribution (p50/p99/p99.9).
//!
//! The measured time is a small part of the wall time (the gaps are not
//! measured), and criterion sizes the run by wall time: about one sample
//! per millisecond of measurement time.

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use ringweir_benches::{config, quick, wake};
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("wake_latency");
    g.sampling_mode(SamplingMode::Flat);
    // Criterion plans the iterations from the warm-up's wall time, gaps
    // included: about one iteration per millisecond given here.
    let ms = if quick() { 100 } else { 500 };
    g.warm_up_time(Duration::from_millis(ms / 2));
    g.measurement_time(Duration::from_millis(ms));
    for (name, run) in wake::runners() {
        if name.contains("no sleep") {
            continue;
        }
        g.bench_function(name, |b| {
            b.iter_custom(|iters| run(iters, wake::GAP).into_iter().sum())
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
