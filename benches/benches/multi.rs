//! Many-thread blocking throughput through a ring of 1024: P producers send
//! `messages() / 4` u64 values in all (split evenly), C consumers `recv`
//! until the ring closes. Shapes: 2P1C (MPSC), 2P2C and 4P4C (MPMC).
//!
//! ringweir runs once per wait strategy. On a machine with fewer cores than
//! threads, `Spin` is expected to collapse (a spinning thread holds a core
//! the thread it waits for needs); that is the point of `Park`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ringweir::{Builder, Wait};
use ringweir_benches::{config, messages, timed_group, transfer_group};
use std::hint::black_box;

const CAP: usize = 1024;

/// `n` handles: the original and `n - 1` clones.
fn fan<T: Clone>(first: T, n: usize) -> Vec<T> {
    vec![first; n]
}

fn bench(c: &mut Criterion) {
    let total = (messages() / 4).max(1024);
    let mut g = c.benchmark_group("multi");
    transfer_group(&mut g, total);

    for (np, nc) in [(2usize, 1usize), (2, 2), (4, 4)] {
        let per = total / np as u64;
        let p = format!("{np}p{nc}c");
        let id = |name: &str| BenchmarkId::new(name, &p);

        for (name, wait) in [
            ("ringweir-spin", Wait::Spin),
            ("ringweir-yield", Wait::Yield),
            ("ringweir-park", Wait::Park),
        ] {
            g.bench_function(id(name), |b| {
                b.iter_custom(|iters| {
                    if nc == 1 {
                        timed_group(
                            iters,
                            per,
                            || {
                                let (tx, rx) = Builder::new(CAP).wait(wait).mpsc::<u64>().unwrap();
                                (fan(tx, np), vec![rx])
                            },
                            |mut tx, k| {
                                for i in 0..k {
                                    tx.send(i).unwrap();
                                }
                            },
                            |mut rx| {
                                let mut got = 0;
                                while let Ok(v) = rx.recv() {
                                    black_box(v);
                                    got += 1;
                                }
                                got
                            },
                        )
                    } else {
                        timed_group(
                            iters,
                            per,
                            || {
                                let (tx, rx) = Builder::new(CAP).wait(wait).mpmc::<u64>().unwrap();
                                (fan(tx, np), fan(rx, nc))
                            },
                            |mut tx, k| {
                                for i in 0..k {
                                    tx.send(i).unwrap();
                                }
                            },
                            |mut rx| {
                                let mut got = 0;
                                while let Ok(v) = rx.recv() {
                                    black_box(v);
                                    got += 1;
                                }
                                got
                            },
                        )
                    }
                })
            });
        }

        g.bench_function(id("crossbeam-channel"), |b| {
            b.iter_custom(|iters| {
                timed_group(
                    iters,
                    per,
                    || {
                        let (tx, rx) = crossbeam_channel::bounded::<u64>(CAP);
                        (fan(tx, np), fan(rx, nc))
                    },
                    |tx, k| {
                        for i in 0..k {
                            tx.send(i).unwrap();
                        }
                    },
                    |rx| {
                        let mut got = 0;
                        while let Ok(v) = rx.recv() {
                            black_box(v);
                            got += 1;
                        }
                        got
                    },
                )
            })
        });

        g.bench_function(id("flume"), |b| {
            b.iter_custom(|iters| {
                timed_group(
                    iters,
                    per,
                    || {
                        let (tx, rx) = flume::bounded::<u64>(CAP);
                        (fan(tx, np), fan(rx, nc))
                    },
                    |tx, k| {
                        for i in 0..k {
                            tx.send(i).unwrap();
                        }
                    },
                    |rx| {
                        let mut got = 0;
                        while let Ok(v) = rx.recv() {
                            black_box(v);
                            got += 1;
                        }
                        got
                    },
                )
            })
        });

        g.bench_function(id("kanal"), |b| {
            b.iter_custom(|iters| {
                timed_group(
                    iters,
                    per,
                    || {
                        let (tx, rx) = kanal::bounded::<u64>(CAP);
                        (fan(tx, np), fan(rx, nc))
                    },
                    |tx, k| {
                        for i in 0..k {
                            tx.send(i).unwrap();
                        }
                    },
                    |rx| {
                        let mut got = 0;
                        while let Ok(v) = rx.recv() {
                            black_box(v);
                            got += 1;
                        }
                        got
                    },
                )
            })
        });

        if nc == 1 {
            g.bench_function(id("thingbuf"), |b| {
                b.iter_custom(|iters| {
                    timed_group(
                        iters,
                        per,
                        || {
                            let (tx, rx) = thingbuf::mpsc::blocking::channel::<u64>(CAP);
                            (fan(tx, np), vec![rx])
                        },
                        |tx, k| {
                            for i in 0..k {
                                tx.send(i).unwrap();
                            }
                        },
                        |rx| {
                            let mut got = 0;
                            while let Some(v) = rx.recv() {
                                black_box(v);
                                got += 1;
                            }
                            got
                        },
                    )
                })
            });

            g.bench_function(id("std-sync_channel"), |b| {
                b.iter_custom(|iters| {
                    timed_group(
                        iters,
                        per,
                        || {
                            let (tx, rx) = std::sync::mpsc::sync_channel::<u64>(CAP);
                            (fan(tx, np), vec![rx])
                        },
                        |tx, k| {
                            for i in 0..k {
                                tx.send(i).unwrap();
                            }
                        },
                        |rx| {
                            let mut got = 0;
                            while let Ok(v) = rx.recv() {
                                black_box(v);
                                got += 1;
                            }
                            got
                        },
                    )
                })
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
