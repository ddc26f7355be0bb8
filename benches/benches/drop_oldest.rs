//! "Latest state wins" under load: this thread sends `messages()` u64 values
//! as fast as it can into a full-most-of-the-time queue that evicts the
//! oldest value; a consumer thread drains concurrently. The clock times the
//! producer only (the number that matters for a producer that must never
//! wait). How many values the consumer got (the rest were evicted) is
//! printed and written to `target/ringweir-extra/drop_oldest.json`.
//!
//! Peer: crossbeam `ArrayQueue::force_push`, the only peer that overwrites
//! while a consumer may be reading.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ringweir::{Builder, DropOldest, Mpsc, Spsc, Topology, Wait};
use ringweir_benches::{config, extra_dir, messages, transfer_group, transfers};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Tally {
    sent: AtomicU64,
    received: AtomicU64,
}

/// Times `iters` runs: `make` builds (producer side, consumer side); the
/// consumer runs on a spawned thread and returns how many it took; this
/// thread's `produce` is timed.
fn timed_producer<P, C: Send>(
    iters: u64,
    n: u64,
    tally: &Tally,
    mut make: impl FnMut() -> (P, C),
    produce: impl Fn(&mut P, u64),
    consume: impl Fn(C) -> u64 + Sync,
    finish: impl Fn(P),
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let (mut p, c) = make();
        let start = Barrier::new(2);
        let (elapsed, got) = thread::scope(|s| {
            let consumer = s.spawn(|| {
                start.wait();
                consume(c)
            });
            start.wait();
            let t0 = Instant::now();
            produce(&mut p, n);
            let elapsed = t0.elapsed();
            finish(p);
            (elapsed, consumer.join().unwrap())
        });
        total += elapsed;
        tally.sent.fetch_add(n, Ordering::Relaxed);
        tally.received.fetch_add(got, Ordering::Relaxed);
    }
    total
}

/// A ringweir ring of topology `K` (policy `DropOldest`): this thread
/// sends with eviction, the consumer thread takes with `try_recv` until the
/// ring closes.
fn ringweir_try_recv<K: Topology<Policy = DropOldest>>(
    cap: usize,
    n: u64,
) -> impl FnMut(u64, &Tally) -> Duration
where
    ringweir::Consumer<u64, K>: Send,
{
    move |iters, tally| {
        timed_producer(
            iters,
            n,
            tally,
            || {
                Builder::new(cap)
                    .overflow(DropOldest)
                    .build::<u64, K>()
                    .unwrap()
            },
            transfers::ringweir_send_evicting,
            |mut rx| transfers::ringweir_drain(&mut rx),
            drop,
        )
    }
}

fn bench(c: &mut Criterion) {
    let n = messages();
    let results: Mutex<Vec<(String, u64, u64)>> = Mutex::new(Vec::new());
    let mut g = c.benchmark_group("drop_oldest");
    transfer_group(&mut g, n);

    for cap in [1024usize, 64] {
        let p = format!("cap{cap}");
        let run = |g: &mut criterion::BenchmarkGroup<'_, _>,
                   name: &str,
                   f: &mut dyn FnMut(u64, &Tally) -> Duration| {
            let tally = Tally::default();
            g.bench_function(BenchmarkId::new(name, &p), |b| {
                b.iter_custom(|iters| f(iters, &tally))
            });
            let (sent, got) = (
                tally.sent.load(Ordering::Relaxed),
                tally.received.load(Ordering::Relaxed),
            );
            if sent > 0 {
                println!(
                    "drop_oldest/{name}/{p}: consumer received {got} of {sent} ({:.1}%)",
                    100.0 * got as f64 / sent as f64
                );
                results
                    .lock()
                    .unwrap()
                    .push((format!("{name}/{p}"), sent, got));
            }
        };

        run(
            &mut g,
            "ringweir-spsc-try_recv",
            &mut ringweir_try_recv::<Spsc<DropOldest>>(cap, n),
        );

        run(&mut g, "ringweir-spsc-park-recv", &mut |iters, tally| {
            timed_producer(
                iters,
                n,
                tally,
                || {
                    Builder::new(cap)
                        .overflow(DropOldest)
                        .wait(Wait::Park)
                        .spsc::<u64>()
                        .unwrap()
                },
                transfers::ringweir_send_evicting,
                |rx| {
                    let mut got = 0;
                    while let Ok(v) = rx.recv() {
                        black_box(v);
                        got += 1;
                    }
                    got
                },
                drop,
            )
        });

        run(
            &mut g,
            "ringweir-mpsc-try_recv",
            &mut ringweir_try_recv::<Mpsc<DropOldest>>(cap, n),
        );

        run(
            &mut g,
            "crossbeam-ArrayQueue-force_push",
            &mut |iters, tally| {
                type Shared = Arc<(crossbeam_queue::ArrayQueue<u64>, AtomicBool)>;
                timed_producer(
                    iters,
                    n,
                    tally,
                    || {
                        let s: Shared = Arc::new((
                            crossbeam_queue::ArrayQueue::new(cap),
                            AtomicBool::new(false),
                        ));
                        (s.clone(), s)
                    },
                    |s: &mut Shared, n| {
                        for i in 0..n {
                            if let Some(old) = s.0.force_push(i) {
                                black_box(old);
                            }
                        }
                    },
                    |s: Shared| {
                        let mut got = 0;
                        loop {
                            // Read the flag before popping: once it is set and
                            // the queue is then empty, nothing more will come.
                            let done = s.1.load(Ordering::Acquire);
                            match s.0.pop() {
                                Some(v) => {
                                    black_box(v);
                                    got += 1;
                                }
                                None if done => return got,
                                None => std::hint::spin_loop(),
                            }
                        }
                    },
                    |s: Shared| s.1.store(true, Ordering::Release),
                )
            },
        );
    }
    g.finish();

    let results = results.into_inner().unwrap();
    if !results.is_empty() {
        let body: Vec<String> = results
            .iter()
            .map(|(k, sent, got)| format!("  \"{k}\": {{\"sent\": {sent}, \"received\": {got}}}"))
            .collect();
        let path = extra_dir().join("drop_oldest.json");
        let _ = std::fs::write(&path, format!("{{\n{}\n}}\n", body.join(",\n")));
    }
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
