//! Two threads, one producer and one consumer, move `messages()` u64 values
//! per iteration through a bounded queue of capacity 1024 or 64. Reported as
//! time per whole transfer with element throughput (so criterion and
//! `scripts/bench.py` show time per message).
//!
//! `-try` variants spin on the non-blocking calls; `-blocking` variants use
//! the blocking `send`/`recv` (for ringweir: by the ring's wait strategy).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ringweir::{Builder, Wait};
use ringweir_benches::{config, messages, spin_until, timed_pair, transfer_group, transfers};
use std::hint::black_box;

fn ringweir_try(cap: usize, wait: Wait, n: u64) -> impl FnMut(u64) -> std::time::Duration {
    move |iters| {
        timed_pair(
            iters,
            || Builder::new(cap).wait(wait).spsc::<u64>().unwrap(),
            |mut tx| transfers::ringweir_send(&mut tx, n),
            |mut rx| transfers::ringweir_recv(&mut rx, n),
        )
    }
}

fn ringweir_blocking(cap: usize, wait: Wait, n: u64) -> impl FnMut(u64) -> std::time::Duration {
    move |iters| {
        timed_pair(
            iters,
            || Builder::new(cap).wait(wait).spsc::<u64>().unwrap(),
            |tx| {
                for i in 0..n {
                    tx.send(i).unwrap();
                }
            },
            |rx| {
                for _ in 0..n {
                    black_box(rx.recv().unwrap());
                }
            },
        )
    }
}

fn bench(c: &mut Criterion) {
    let n = messages();
    let mut g = c.benchmark_group("spsc_throughput");
    transfer_group(&mut g, n);
    for cap in [1024usize, 64] {
        let p = format!("cap{cap}");
        let id = |name: &str| BenchmarkId::new(name, &p);

        g.bench_function(id("ringweir-spin-try"), |b| {
            b.iter_custom(ringweir_try(cap, Wait::Spin, n))
        });
        g.bench_function(id("ringweir-park-try"), |b| {
            b.iter_custom(ringweir_try(cap, Wait::Park, n))
        });
        g.bench_function(id("ringweir-spin-blocking"), |b| {
            b.iter_custom(ringweir_blocking(cap, Wait::Spin, n))
        });
        g.bench_function(id("ringweir-park-blocking"), |b| {
            b.iter_custom(ringweir_blocking(cap, Wait::Park, n))
        });

        g.bench_function(id("rtrb"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || rtrb::RingBuffer::<u64>::new(cap),
                    |mut tx| transfers::rtrb_send(&mut tx, n),
                    |mut rx| transfers::rtrb_recv(&mut rx, n),
                )
            })
        });

        g.bench_function(id("ringbuf"), |b| {
            use ringbuf::traits::Split;
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || ringbuf::HeapRb::<u64>::new(cap).split(),
                    |mut tx| transfers::ringbuf_send(&mut tx, n),
                    |mut rx| transfers::ringbuf_recv(&mut rx, n),
                )
            })
        });

        g.bench_function(id("crossbeam-ArrayQueue"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || {
                        let q = std::sync::Arc::new(crossbeam_queue::ArrayQueue::<u64>::new(cap));
                        (q.clone(), q)
                    },
                    |q| {
                        for i in 0..n {
                            while q.push(i).is_err() {
                                std::hint::spin_loop();
                            }
                        }
                    },
                    |q| {
                        for _ in 0..n {
                            black_box(spin_until(|| q.pop()));
                        }
                    },
                )
            })
        });

        g.bench_function(id("disruptor"), |b| {
            use disruptor::{BusySpin, Polling, Producer as _};
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || {
                        let (poller, builder) =
                            disruptor::build_single_producer(cap, || 0u64, BusySpin)
                                .new_event_poller();
                        (builder.build(), poller)
                    },
                    |mut producer| {
                        for i in 0..n {
                            producer.publish(|e| *e = i);
                        }
                    },
                    |mut poller| {
                        let mut got = 0;
                        while got < n {
                            match poller.poll() {
                                Ok(mut events) => {
                                    for e in &mut events {
                                        black_box(*e);
                                        got += 1;
                                    }
                                }
                                Err(Polling::NoEvents) => std::hint::spin_loop(),
                                Err(Polling::Shutdown) => break,
                            }
                        }
                    },
                )
            })
        });

        g.bench_function(id("crossbeam-channel"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || crossbeam_channel::bounded::<u64>(cap),
                    |tx| {
                        for i in 0..n {
                            tx.send(i).unwrap();
                        }
                    },
                    |rx| {
                        for _ in 0..n {
                            black_box(rx.recv().unwrap());
                        }
                    },
                )
            })
        });

        g.bench_function(id("std-sync_channel"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || std::sync::mpsc::sync_channel::<u64>(cap),
                    |tx| {
                        for i in 0..n {
                            tx.send(i).unwrap();
                        }
                    },
                    |rx| {
                        for _ in 0..n {
                            black_box(rx.recv().unwrap());
                        }
                    },
                )
            })
        });

        g.bench_function(id("flume"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || flume::bounded::<u64>(cap),
                    |tx| {
                        for i in 0..n {
                            tx.send(i).unwrap();
                        }
                    },
                    |rx| {
                        for _ in 0..n {
                            black_box(rx.recv().unwrap());
                        }
                    },
                )
            })
        });

        g.bench_function(id("kanal"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || kanal::bounded::<u64>(cap),
                    |tx| {
                        for i in 0..n {
                            tx.send(i).unwrap();
                        }
                    },
                    |rx| {
                        for _ in 0..n {
                            black_box(rx.recv().unwrap());
                        }
                    },
                )
            })
        });

        g.bench_function(id("thingbuf"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || thingbuf::mpsc::blocking::channel::<u64>(cap),
                    |tx| {
                        for i in 0..n {
                            tx.send(i).unwrap();
                        }
                    },
                    |rx| {
                        for _ in 0..n {
                            black_box(rx.recv().unwrap());
                        }
                    },
                )
            })
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
