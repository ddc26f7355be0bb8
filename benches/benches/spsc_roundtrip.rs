//! Latency per round trip: this thread sends a value over ring A, an echo
//! thread takes it and sends it back over ring B, this thread takes it; one
//! iteration is `round_trips()` of those (element throughput = round trips,
//! so the reported time per element is one round trip).
//!
//! The floor is the same ping-pong over a pair of cache-padded `AtomicU64`
//! cells: no queue at all, just two cache lines changing hands.

use criterion::{criterion_group, criterion_main, Criterion};
use crossbeam_utils::CachePadded;
use ringweir::{Builder, Wait};
use ringweir_benches::{config, round_trips, spin_until, timed_pair, transfer_group};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const CAP: usize = 1024;

/// Times a ping-pong: `make` returns the echo side and the pinging side;
/// the echo thread runs `echo(r)`, this thread runs `ping(r)`.
fn ping_pong<E: Send, P: Send>(
    r: u64,
    make: impl FnMut() -> (E, P) + Clone,
    echo: impl Fn(E, u64) + Sync + Clone,
    ping: impl Fn(P, u64) + Sync + Clone,
) -> impl FnMut(u64) -> std::time::Duration {
    move |iters| {
        let (echo, ping) = (echo.clone(), ping.clone());
        timed_pair(
            iters,
            make.clone(),
            move |e| echo(e, r),
            move |p| ping(p, r),
        )
    }
}

fn bench(c: &mut Criterion) {
    let r = round_trips();
    let mut g = c.benchmark_group("spsc_roundtrip");
    transfer_group(&mut g, r);

    for (name, wait) in [
        ("ringweir-spin-try", Wait::Spin),
        ("ringweir-park-try", Wait::Park),
    ] {
        g.bench_function(name, |b| {
            b.iter_custom(ping_pong(
                r,
                move || {
                    let (ta, ra) = Builder::new(CAP).wait(wait).spsc::<u64>().unwrap();
                    let (tb, rb) = Builder::new(CAP).wait(wait).spsc::<u64>().unwrap();
                    ((ra, tb), (ta, rb))
                },
                |(rx, tx), r| {
                    for _ in 0..r {
                        let v = spin_until(|| rx.try_recv().ok());
                        tx.try_send(v).unwrap();
                    }
                },
                |(tx, rx), r| {
                    for i in 0..r {
                        tx.try_send(i).unwrap();
                        black_box(spin_until(|| rx.try_recv().ok()));
                    }
                },
            ))
        });
    }

    for (name, wait) in [
        ("ringweir-spin-blocking", Wait::Spin),
        ("ringweir-yield-blocking", Wait::Yield),
        ("ringweir-park-blocking", Wait::Park),
    ] {
        g.bench_function(name, |b| {
            b.iter_custom(ping_pong(
                r,
                move || {
                    let (ta, ra) = Builder::new(CAP).wait(wait).spsc::<u64>().unwrap();
                    let (tb, rb) = Builder::new(CAP).wait(wait).spsc::<u64>().unwrap();
                    ((ra, tb), (ta, rb))
                },
                |(rx, tx), r| {
                    for _ in 0..r {
                        let v = rx.recv().unwrap();
                        tx.send(v).unwrap();
                    }
                },
                |(tx, rx), r| {
                    for i in 0..r {
                        tx.send(i).unwrap();
                        black_box(rx.recv().unwrap());
                    }
                },
            ))
        });
    }

    g.bench_function("rtrb", |b| {
        b.iter_custom(ping_pong(
            r,
            || {
                let (ta, ra) = rtrb::RingBuffer::<u64>::new(CAP);
                let (tb, rb) = rtrb::RingBuffer::<u64>::new(CAP);
                ((ra, tb), (ta, rb))
            },
            |(mut rx, mut tx), r| {
                for _ in 0..r {
                    let v = spin_until(|| rx.pop().ok());
                    tx.push(v).unwrap();
                }
            },
            |(mut tx, mut rx), r| {
                for i in 0..r {
                    tx.push(i).unwrap();
                    black_box(spin_until(|| rx.pop().ok()));
                }
            },
        ))
    });

    g.bench_function("ringbuf", |b| {
        use ringbuf::traits::{Consumer, Producer, Split};
        b.iter_custom(ping_pong(
            r,
            || {
                let (ta, ra) = ringbuf::HeapRb::<u64>::new(CAP).split();
                let (tb, rb) = ringbuf::HeapRb::<u64>::new(CAP).split();
                ((ra, tb), (ta, rb))
            },
            |(mut rx, mut tx), r| {
                for _ in 0..r {
                    let v = spin_until(|| rx.try_pop());
                    tx.try_push(v).unwrap();
                }
            },
            |(mut tx, mut rx), r| {
                for i in 0..r {
                    tx.try_push(i).unwrap();
                    black_box(spin_until(|| rx.try_pop()));
                }
            },
        ))
    });

    g.bench_function("crossbeam-ArrayQueue", |b| {
        use crossbeam_queue::ArrayQueue;
        b.iter_custom(ping_pong(
            r,
            || {
                let a = Arc::new(ArrayQueue::<u64>::new(CAP));
                let b = Arc::new(ArrayQueue::<u64>::new(CAP));
                ((a.clone(), b.clone()), (a, b))
            },
            |(a, b), r| {
                for _ in 0..r {
                    let v = spin_until(|| a.pop());
                    b.push(v).unwrap();
                }
            },
            |(a, b), r| {
                for i in 0..r {
                    a.push(i).unwrap();
                    black_box(spin_until(|| b.pop()));
                }
            },
        ))
    });

    g.bench_function("crossbeam-channel", |b| {
        b.iter_custom(ping_pong(
            r,
            || {
                let (ta, ra) = crossbeam_channel::bounded::<u64>(CAP);
                let (tb, rb) = crossbeam_channel::bounded::<u64>(CAP);
                ((ra, tb), (ta, rb))
            },
            |(rx, tx), r| {
                for _ in 0..r {
                    tx.send(rx.recv().unwrap()).unwrap();
                }
            },
            |(tx, rx), r| {
                for i in 0..r {
                    tx.send(i).unwrap();
                    black_box(rx.recv().unwrap());
                }
            },
        ))
    });

    g.bench_function("std-sync_channel", |b| {
        b.iter_custom(ping_pong(
            r,
            || {
                let (ta, ra) = std::sync::mpsc::sync_channel::<u64>(CAP);
                let (tb, rb) = std::sync::mpsc::sync_channel::<u64>(CAP);
                ((ra, tb), (ta, rb))
            },
            |(rx, tx), r| {
                for _ in 0..r {
                    tx.send(rx.recv().unwrap()).unwrap();
                }
            },
            |(tx, rx), r| {
                for i in 0..r {
                    tx.send(i).unwrap();
                    black_box(rx.recv().unwrap());
                }
            },
        ))
    });

    g.bench_function("flume", |b| {
        b.iter_custom(ping_pong(
            r,
            || {
                let (ta, ra) = flume::bounded::<u64>(CAP);
                let (tb, rb) = flume::bounded::<u64>(CAP);
                ((ra, tb), (ta, rb))
            },
            |(rx, tx), r| {
                for _ in 0..r {
                    tx.send(rx.recv().unwrap()).unwrap();
                }
            },
            |(tx, rx), r| {
                for i in 0..r {
                    tx.send(i).unwrap();
                    black_box(rx.recv().unwrap());
                }
            },
        ))
    });

    g.bench_function("kanal", |b| {
        b.iter_custom(ping_pong(
            r,
            || {
                let (ta, ra) = kanal::bounded::<u64>(CAP);
                let (tb, rb) = kanal::bounded::<u64>(CAP);
                ((ra, tb), (ta, rb))
            },
            |(rx, tx), r| {
                for _ in 0..r {
                    tx.send(rx.recv().unwrap()).unwrap();
                }
            },
            |(tx, rx), r| {
                for i in 0..r {
                    tx.send(i).unwrap();
                    black_box(rx.recv().unwrap());
                }
            },
        ))
    });

    g.bench_function("thingbuf", |b| {
        b.iter_custom(ping_pong(
            r,
            || {
                let (ta, ra) = thingbuf::mpsc::blocking::channel::<u64>(CAP);
                let (tb, rb) = thingbuf::mpsc::blocking::channel::<u64>(CAP);
                ((ra, tb), (ta, rb))
            },
            |(rx, tx), r| {
                for _ in 0..r {
                    tx.send(rx.recv().unwrap()).unwrap();
                }
            },
            |(tx, rx), r| {
                for i in 0..r {
                    tx.send(i).unwrap();
                    black_box(rx.recv().unwrap());
                }
            },
        ))
    });

    // The floor: two cache-padded cells. The pinger writes i + 1 into `a`
    // and waits for the echo to copy it into `b`.
    g.bench_function("floor-CachePadded-AtomicU64", |b| {
        type Cells = Arc<(CachePadded<AtomicU64>, CachePadded<AtomicU64>)>;
        b.iter_custom(ping_pong(
            r,
            || {
                let cells: Cells = Arc::new(Default::default());
                (cells.clone(), cells)
            },
            |cells: Cells, r| {
                for i in 1..=r {
                    spin_until(|| (cells.0.load(Ordering::Acquire) == i).then_some(()));
                    cells.1.store(i, Ordering::Release);
                }
            },
            |cells: Cells, r| {
                for i in 1..=r {
                    cells.0.store(i, Ordering::Release);
                    spin_until(|| (cells.1.load(Ordering::Acquire) == i).then_some(()));
                }
            },
        ))
    });

    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
