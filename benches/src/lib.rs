//! Shared helpers of the ringweir benchmarks: one criterion configuration,
//! message counts, and the thread harnesses that time a transfer.
//!
//! Environment knobs (all optional):
//! - `RINGWEIR_BENCH_QUICK=1`: shorter warm-up and measurement, fewer
//!   messages per iteration (the whole suite in a few minutes).
//! - `RINGWEIR_BENCH_MSGS=N`: messages per SPSC transfer (default `1 << 20`,
//!   quick `1 << 18`); the multi-thread scenarios move a quarter of that.
//!
//! No benchmark asserts anything about time: the only checks are that every
//! message arrived.

pub mod transfers;

use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

pub use criterion::measurement::WallTime;

/// Whether the short configuration was asked for.
pub fn quick() -> bool {
    std::env::var("RINGWEIR_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Messages per SPSC transfer.
pub fn messages() -> u64 {
    env_u64("RINGWEIR_BENCH_MSGS").unwrap_or(if quick() { 1 << 18 } else { 1 << 20 })
}

/// Round trips per ping-pong iteration.
pub fn round_trips() -> u64 {
    (messages() / 64).max(1024)
}

/// The suite's criterion configuration: short, so that every scenario on a
/// 2-core machine finishes in minutes. Command-line flags (`--quick`,
/// `--warm-up-time`, `--measurement-time`, `--sample-size`) still override
/// it, because `criterion_group!` applies them afterwards.
pub fn config() -> Criterion {
    let (warm, measure) = if quick() { (300, 1000) } else { (1000, 2500) };
    Criterion::default()
        .warm_up_time(Duration::from_millis(warm))
        .measurement_time(Duration::from_millis(measure))
        .sample_size(10)
        .noise_threshold(0.05)
}

/// Sets up a group whose every iteration moves `elements` messages: flat
/// sampling (each sample the same iteration count, so a slow peer costs
/// `sample_size` iterations, not 55 of them) and element throughput.
pub fn transfer_group(group: &mut BenchmarkGroup<'_, WallTime>, elements: u64) {
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(elements));
}

/// Times `iters` transfers between two threads. For each: `make` builds a
/// fresh pair outside the clock; a spawned thread runs `produce`, this
/// thread runs `consume`; the clock runs from the moment both have passed
/// a start barrier until `consume` returns (it returns once it has taken
/// every message).
pub fn timed_pair<P, C>(
    iters: u64,
    mut make: impl FnMut() -> (P, C),
    produce: impl Fn(P) + Sync,
    consume: impl Fn(C) + Sync,
) -> Duration
where
    P: Send,
    C: Send,
{
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let (p, c) = make();
        let start = Barrier::new(2);
        total += thread::scope(|s| {
            s.spawn(|| {
                start.wait();
                produce(p);
            });
            start.wait();
            let t0 = Instant::now();
            consume(c);
            t0.elapsed()
        });
    }
    total
}

/// Times `iters` transfers between several producer and consumer threads.
/// `make` returns one handle per producer thread and one per consumer
/// thread (clones already made, outside the clock; the originals dropped so
/// that the ring closes when the producers finish). Each producer thread
/// sends `per_producer` messages; each consumer returns how many it took.
/// The clock runs from a shared start barrier until every thread is done.
///
/// # Panics
/// If the consumers did not take exactly every message sent.
pub fn timed_group<P, C>(
    iters: u64,
    per_producer: u64,
    mut make: impl FnMut() -> (Vec<P>, Vec<C>),
    produce: impl Fn(P, u64) + Sync,
    consume: impl Fn(C) -> u64 + Sync,
) -> Duration
where
    P: Send,
    C: Send,
{
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let (ps, cs) = make();
        let expected = per_producer * ps.len() as u64;
        let start = Barrier::new(ps.len() + cs.len() + 1);
        let (elapsed, got) = thread::scope(|s| {
            let producers: Vec<_> = ps
                .into_iter()
                .map(|p| {
                    let (start, produce) = (&start, &produce);
                    s.spawn(move || {
                        start.wait();
                        produce(p, per_producer);
                    })
                })
                .collect();
            let consumers: Vec<_> = cs
                .into_iter()
                .map(|c| {
                    let (start, consume) = (&start, &consume);
                    s.spawn(move || {
                        start.wait();
                        consume(c)
                    })
                })
                .collect();
            start.wait();
            let t0 = Instant::now();
            for p in producers {
                p.join().unwrap();
            }
            let got: u64 = consumers.into_iter().map(|c| c.join().unwrap()).sum();
            (t0.elapsed(), got)
        });
        assert_eq!(got, expected, "consumers took {got} of {expected} messages");
        total += elapsed;
    }
    total
}

/// Spins on `f` until it returns `Some`.
#[inline(always)]
pub fn spin_until<R>(mut f: impl FnMut() -> Option<R>) -> R {
    loop {
        if let Some(r) = f() {
            return r;
        }
        std::hint::spin_loop();
    }
}

/// The percentile `p` (0..=100) of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Where extra results (counts, percentiles) go for `scripts/bench.py`:
/// `$CARGO_TARGET_DIR` or the workspace `target/`, then `ringweir-extra/`.
pub fn extra_dir() -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
        });
    let dir = target.join("ringweir-extra");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Wake-up latency: a sender that sleeps `gap` between sends (long enough
/// for a blocking receiver to go to sleep), and a receiver blocked in its
/// `recv`; each sample is the time from just before `send` to just after
/// `recv` returned, measured on one clock.
pub mod wake {
    use std::thread;
    use std::time::{Duration, Instant};

    /// The sender's sleep between sends: long enough for every receiver
    /// measured to be asleep when the value comes. kanal's receiver yields
    /// 256 times before it parks (about 100 us on an idle core here), so
    /// with 100 us gaps its p50 was 0.55 us, a receiver still awake, not a
    /// wake-up; with 1 ms gaps it is 11 us, like the others.
    pub const GAP: Duration = Duration::from_millis(1);

    /// Runs `count` sends of the current clock reading (nanoseconds since a
    /// shared base), each after sleeping `gap`, and returns the latency
    /// the receiver saw for each.
    pub fn samples<S, R: Send>(
        (mut tx, mut rx): (S, R),
        count: u64,
        gap: Duration,
        send: impl Fn(&mut S, u64),
        recv: impl Fn(&mut R) -> Option<u64> + Sync,
    ) -> Vec<Duration> {
        let base = Instant::now();
        thread::scope(|s| {
            let recv = &recv;
            let consumer = s.spawn(move || {
                let mut out = Vec::with_capacity(count as usize);
                while let Some(sent) = recv(&mut rx) {
                    let now = base.elapsed().as_nanos() as u64;
                    out.push(Duration::from_nanos(now.saturating_sub(sent)));
                }
                out
            });
            for _ in 0..count {
                thread::sleep(gap);
                send(&mut tx, base.elapsed().as_nanos() as u64);
            }
            drop(tx);
            consumer.join().unwrap()
        })
    }

    /// A named way to measure: `(count, gap) -> samples`.
    pub type Runner = Box<dyn Fn(u64, Duration) -> Vec<Duration>>;

    /// Every implementation measured, ringweir first. Capacity 1024; the
    /// receiver is always blocked in its blocking `recv`.
    pub fn runners() -> Vec<(&'static str, Runner)> {
        use ringweir::{Block, Builder, Consumer, Mpmc, Mpsc, Spsc, Topology, Wait};
        const CAP: usize = 1024;
        /// A ringweir ring of topology `K`, both sides waiting by `wait`.
        fn rw<K: Topology<Policy = Block>>(wait: Wait) -> Runner
        where
            Consumer<u64, K>: Send,
        {
            Box::new(move |count, gap| {
                samples(
                    Builder::new(CAP).wait(wait).build::<u64, K>().unwrap(),
                    count,
                    gap,
                    |tx, v| tx.send(v).unwrap(),
                    |rx| rx.recv().ok(),
                )
            })
        }
        vec![
            ("ringweir-spsc-park", rw::<Spsc>(Wait::Park)),
            ("ringweir-mpsc-park", rw::<Mpsc>(Wait::Park)),
            ("ringweir-mpmc-park", rw::<Mpmc>(Wait::Park)),
            (
                "crossbeam-channel",
                Box::new(|count, gap| {
                    samples(
                        crossbeam_channel::bounded::<u64>(CAP),
                        count,
                        gap,
                        |tx, v| tx.send(v).unwrap(),
                        |rx| rx.recv().ok(),
                    )
                }),
            ),
            (
                "std-sync_channel",
                Box::new(|count, gap| {
                    samples(
                        std::sync::mpsc::sync_channel::<u64>(CAP),
                        count,
                        gap,
                        |tx, v| tx.send(v).unwrap(),
                        |rx| rx.recv().ok(),
                    )
                }),
            ),
            (
                "flume",
                Box::new(|count, gap| {
                    samples(
                        flume::bounded::<u64>(CAP),
                        count,
                        gap,
                        |tx, v| tx.send(v).unwrap(),
                        |rx| rx.recv().ok(),
                    )
                }),
            ),
            (
                "kanal",
                Box::new(|count, gap| {
                    samples(
                        kanal::bounded::<u64>(CAP),
                        count,
                        gap,
                        |tx, v| tx.send(v).unwrap(),
                        |rx| rx.recv().ok(),
                    )
                }),
            ),
            (
                "thingbuf",
                Box::new(|count, gap| {
                    samples(
                        thingbuf::mpsc::blocking::channel::<u64>(CAP),
                        count,
                        gap,
                        |tx, v| tx.send(v).unwrap(),
                        |rx| rx.recv(),
                    )
                }),
            ),
            // Not a wake-up: these receivers never sleep (Yield burns a
            // core politely, Spin outright). The floor for comparison.
            ("ringweir-yield (no sleep)", rw::<Spsc>(Wait::Yield)),
            ("ringweir-spin (no sleep)", rw::<Spsc>(Wait::Spin)),
        ]
    }
}
