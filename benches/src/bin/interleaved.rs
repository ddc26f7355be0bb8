//! Paired trials of the scenarios whose criterion rows swing with the VM:
//! SPSC throughput (of u64 and of 128-byte values), SPSC round trip,
//! single thread, batches, drop-oldest, the blocking many-thread shapes,
//! and async tasks beside tasks or threads (tokio's `mpsc`, kanal, flume
//! and thingbuf as peers).
//!
//! Criterion measures one implementation after another, so on a small VM
//! whose two vCPUs move between one core's hyperthreads and two cores, two
//! rows of one table can come from different machines in effect. Here every
//! trial runs each implementation of a scenario once, back to back, in an
//! order that rotates from trial to trial, and each ringweir time is
//! divided by the best peer's time *of the same trial*. The median of
//! those paired ratios, and how many trials ringweir won, are what
//! `scripts/bench.py` reports beside the criterion tables.
//!
//! ```text
//! cargo run --profile bench -p ringweir-benches --bin interleaved -- [TRIALS]
//! ```
//! Defaults: 31 trials (11 with `RINGWEIR_BENCH_QUICK=1`);
//! `RINGWEIR_BENCH_ONLY=NAME` keeps the scenarios whose name contains NAME.
//! Writes `target/ringweir-extra/interleaved.json` for `scripts/bench.py`
//! (a run with `RINGWEIR_BENCH_ONLY` writes `interleaved-only.json`
//! instead, so it never replaces a full run's).

#[path = "interleaved/asynchronous.rs"]
mod asynchronous;

use crossbeam_utils::CachePadded;
use ringweir::{Builder, DropOldest, Mpsc, Spsc, Topology, Wait};
use ringweir_benches::transfers::{recv_all, send_all, BlockingRecv, BlockingSend};
use ringweir_benches::{extra_dir, quick, spin_until, timed_group, timed_pair, transfers};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

/// One timed run: nanoseconds per unit, and for drop-oldest the share of
/// values the consumer received.
struct Sample {
    ns: f64,
    delivered: Option<f64>,
}

type Runner = Box<dyn Fn() -> Sample>;

/// A scenario: its implementations, and which of them are peers (ratios
/// are taken against the fastest peer of each trial) or a floor.
struct Scenario {
    name: &'static str,
    unit: &'static str,
    runs: Vec<(&'static str, Kind, Runner)>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Ours,
    Peer,
    Floor,
}

fn per(elapsed: Duration, n: u64) -> f64 {
    elapsed.as_nanos() as f64 / n as f64
}

/// One two-thread transfer of `n` values, timed per value.
fn transfer<P: Send + 'static, C: Send + 'static>(
    n: u64,
    make: impl Fn() -> (P, C) + 'static,
    produce: impl Fn(P) + Sync + 'static,
    consume: impl Fn(C) + Sync + 'static,
) -> Runner {
    Box::new(move || Sample {
        ns: per(timed_pair(1, &make, &produce, &consume), n),
        delivered: None,
    })
}

fn throughput(cap: usize, n: u64) -> Scenario {
    use ringbuf::traits::Split;
    Scenario {
        name: if cap == 1024 {
            "spsc_throughput cap1024"
        } else {
            "spsc_throughput cap64"
        },
        unit: "per msg",
        runs: vec![
            (
                "ringweir-spin-try",
                Kind::Ours,
                transfer(
                    n,
                    move || Builder::new(cap).wait(Wait::Spin).spsc::<u64>().unwrap(),
                    move |mut tx| transfers::ringweir_send(&mut tx, n),
                    move |mut rx| transfers::ringweir_recv(&mut rx, n),
                ),
            ),
            (
                "rtrb",
                Kind::Peer,
                transfer(
                    n,
                    move || rtrb::RingBuffer::<u64>::new(cap),
                    move |mut tx| transfers::rtrb_send(&mut tx, n),
                    move |mut rx| transfers::rtrb_recv(&mut rx, n),
                ),
            ),
            (
                "ringbuf",
                Kind::Peer,
                transfer(
                    n,
                    move || ringbuf::HeapRb::<u64>::new(cap).split(),
                    move |mut tx| transfers::ringbuf_send(&mut tx, n),
                    move |mut rx| transfers::ringbuf_recv(&mut rx, n),
                ),
            ),
        ],
    }
}

/// A value larger than a cache line (128 bytes): spsc rings of such values
/// use a protocol of their own.
type Large = [u64; 16];

/// SPSC throughput of 128-byte values through a ring of 256, both sides
/// spinning on the non-blocking calls.
fn large_values(n: u64) -> Scenario {
    const CAP: usize = 256;
    Scenario {
        name: "spsc_large_values",
        unit: "per msg",
        runs: vec![
            (
                "ringweir-spin-try",
                Kind::Ours,
                transfer(
                    n,
                    || Builder::new(CAP).wait(Wait::Spin).spsc::<Large>().unwrap(),
                    move |tx| {
                        for i in 0..n {
                            let mut value = [i; 16];
                            while let Err(full) = tx.try_send(value) {
                                value = full.into_inner();
                                std::hint::spin_loop();
                            }
                        }
                    },
                    move |rx| {
                        for _ in 0..n {
                            black_box(spin_until(|| rx.try_recv().ok()));
                        }
                    },
                ),
            ),
            (
                "rtrb",
                Kind::Peer,
                transfer(
                    n,
                    || rtrb::RingBuffer::<Large>::new(CAP),
                    move |mut tx| {
                        for i in 0..n {
                            while tx.push([i; 16]).is_err() {
                                std::hint::spin_loop();
                            }
                        }
                    },
                    move |mut rx| {
                        for _ in 0..n {
                            black_box(spin_until(|| rx.pop().ok()));
                        }
                    },
                ),
            ),
            (
                "crossbeam-ArrayQueue",
                Kind::Peer,
                transfer(
                    n,
                    || {
                        let queue = Arc::new(crossbeam_queue::ArrayQueue::<Large>::new(CAP));
                        (queue.clone(), queue)
                    },
                    move |queue| {
                        for i in 0..n {
                            while queue.push([i; 16]).is_err() {
                                std::hint::spin_loop();
                            }
                        }
                    },
                    move |queue| {
                        for _ in 0..n {
                            black_box(spin_until(|| queue.pop()));
                        }
                    },
                ),
            ),
        ],
    }
}

/// Both sides batched, runs of up to `batch` through a ring of 1024: the
/// best each queue's slice or chunk API can do (rtrb's chunk read and
/// ringweir's `try_recv_in_place` look at the values in place; the slice
/// reads copy them out).
fn batch(batch: usize, n: u64) -> Scenario {
    use ringbuf::traits::Split;
    Scenario {
        name: "batch batch64",
        unit: "per msg",
        runs: vec![
            (
                "ringweir-spin-try_slices",
                Kind::Ours,
                transfer(
                    n,
                    || Builder::new(1024).wait(Wait::Spin).spsc::<u64>().unwrap(),
                    move |mut tx| transfers::ringweir_send_slices(&mut tx, n, batch),
                    move |mut rx| transfers::ringweir_recv_slices(&mut rx, n, batch),
                ),
            ),
            (
                "ringweir-spin-in_place",
                Kind::Ours,
                transfer(
                    n,
                    || Builder::new(1024).wait(Wait::Spin).spsc::<u64>().unwrap(),
                    move |mut tx| transfers::ringweir_send_slices(&mut tx, n, batch),
                    move |mut rx| transfers::ringweir_recv_in_place(&mut rx, n, batch),
                ),
            ),
            (
                "rtrb-chunks",
                Kind::Peer,
                transfer(
                    n,
                    || rtrb::RingBuffer::<u64>::new(1024),
                    move |mut tx| transfers::rtrb_write_chunks(&mut tx, n, batch),
                    move |mut rx| transfers::rtrb_read_chunks(&mut rx, n, batch),
                ),
            ),
            (
                "ringbuf-slices",
                Kind::Peer,
                transfer(
                    n,
                    || ringbuf::HeapRb::<u64>::new(1024).split(),
                    move |mut tx| transfers::ringbuf_push_slices(&mut tx, n, batch),
                    move |mut rx| transfers::ringbuf_pop_slices(&mut rx, n, batch),
                ),
            ),
        ],
    }
}

/// A ping-pong of `r` round trips: the echo thread runs `echo`, this
/// thread runs `ping` under the clock.
fn ping_pong<E: Send, P: Send>(
    (e, p): (E, P),
    r: u64,
    echo: impl FnOnce(E) + Send,
    ping: impl FnOnce(P),
) -> Sample {
    let start = Barrier::new(2);
    let elapsed = thread::scope(|s| {
        s.spawn(|| {
            start.wait();
            echo(e);
        });
        start.wait();
        let t0 = Instant::now();
        ping(p);
        t0.elapsed()
    });
    Sample {
        ns: per(elapsed, r),
        delivered: None,
    }
}

fn round_trip(r: u64) -> Scenario {
    let ours: Runner = Box::new(move || {
        let ring = || Builder::new(1024).wait(Wait::Spin).spsc::<u64>().unwrap();
        let ((tx1, rx1), (tx2, rx2)) = (ring(), ring());
        ping_pong(
            ((rx1, tx2), (tx1, rx2)),
            r,
            |(rx, tx)| {
                for _ in 0..r {
                    let v = spin_until(|| rx.try_recv().ok());
                    tx.try_send(v).unwrap();
                }
            },
            |(tx, rx)| {
                for i in 0..r {
                    tx.try_send(i).unwrap();
                    black_box(spin_until(|| rx.try_recv().ok()));
                }
            },
        )
    });
    let rtrb: Runner = Box::new(move || {
        let ((tx1, rx1), (tx2, rx2)) = (
            rtrb::RingBuffer::<u64>::new(1024),
            rtrb::RingBuffer::<u64>::new(1024),
        );
        ping_pong(
            ((rx1, tx2), (tx1, rx2)),
            r,
            |(mut rx, mut tx)| {
                for _ in 0..r {
                    let v = spin_until(|| rx.pop().ok());
                    tx.push(v).unwrap();
                }
            },
            |(mut tx, mut rx)| {
                for i in 0..r {
                    tx.push(i).unwrap();
                    black_box(spin_until(|| rx.pop().ok()));
                }
            },
        )
    });
    let floor: Runner = Box::new(move || {
        let cells = Arc::new((
            CachePadded::new(AtomicU64::new(0)),
            CachePadded::new(AtomicU64::new(0)),
        ));
        ping_pong(
            (cells.clone(), cells),
            r,
            |c| {
                for i in 1..=r {
                    spin_until(|| (c.0.load(Ordering::Acquire) == i).then_some(()));
                    c.1.store(i, Ordering::Release);
                }
            },
            |c| {
                for i in 1..=r {
                    c.0.store(i, Ordering::Release);
                    spin_until(|| (c.1.load(Ordering::Acquire) == i).then_some(()));
                }
            },
        )
    });
    Scenario {
        name: "spsc_roundtrip",
        unit: "per round trip",
        runs: vec![
            ("ringweir-spin-try", Kind::Ours, ours),
            ("rtrb", Kind::Peer, rtrb),
            ("floor-CachePadded-AtomicU64", Kind::Floor, floor),
        ],
    }
}

/// The round trip with blocking `send`/`recv` on both sides: what a user of
/// a blocking channel gets. The peer is crossbeam-channel, the fastest
/// blocking peer of the criterion table.
fn blocking_round_trip(r: u64) -> Scenario {
    let ours = |wait: Wait| -> Runner {
        Box::new(move || {
            let ring = || Builder::new(1024).wait(wait).spsc::<u64>().unwrap();
            let ((tx1, rx1), (tx2, rx2)) = (ring(), ring());
            ping_pong(
                ((rx1, tx2), (tx1, rx2)),
                r,
                |(rx, tx)| {
                    for _ in 0..r {
                        tx.send(rx.recv().unwrap()).unwrap();
                    }
                },
                |(tx, rx)| {
                    for i in 0..r {
                        tx.send(i).unwrap();
                        black_box(rx.recv().unwrap());
                    }
                },
            )
        })
    };
    let crossbeam: Runner = Box::new(move || {
        let ring = || crossbeam_channel::bounded::<u64>(1024);
        let ((tx1, rx1), (tx2, rx2)) = (ring(), ring());
        ping_pong(
            ((rx1, tx2), (tx1, rx2)),
            r,
            |(rx, tx)| {
                for _ in 0..r {
                    tx.send(rx.recv().unwrap()).unwrap();
                }
            },
            |(tx, rx)| {
                for i in 0..r {
                    tx.send(i).unwrap();
                    black_box(rx.recv().unwrap());
                }
            },
        )
    });
    Scenario {
        name: "spsc_roundtrip_blocking",
        unit: "per round trip",
        runs: vec![
            ("ringweir-spin-blocking", Kind::Ours, ours(Wait::Spin)),
            ("ringweir-park-blocking", Kind::Ours, ours(Wait::Park)),
            ("crossbeam-channel", Kind::Peer, crossbeam),
        ],
    }
}

fn single_thread(rounds: u64) -> Scenario {
    const BURST: u64 = 512;
    let ours: Runner = Box::new(move || {
        let (tx, rx) = Builder::new(1024).wait(Wait::Spin).spsc::<u64>().unwrap();
        let t0 = Instant::now();
        for _ in 0..rounds {
            for i in 0..BURST {
                tx.try_send(black_box(i)).unwrap();
            }
            for _ in 0..BURST {
                black_box(rx.try_recv().unwrap());
            }
        }
        Sample {
            ns: per(t0.elapsed(), rounds * BURST),
            delivered: None,
        }
    });
    let rtrb: Runner = Box::new(move || {
        let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(1024);
        let t0 = Instant::now();
        for _ in 0..rounds {
            for i in 0..BURST {
                tx.push(black_box(i)).unwrap();
            }
            for _ in 0..BURST {
                black_box(rx.pop().unwrap());
            }
        }
        Sample {
            ns: per(t0.elapsed(), rounds * BURST),
            delivered: None,
        }
    });
    Scenario {
        name: "single_thread",
        unit: "per push+pop",
        runs: vec![
            ("ringweir-spsc-try", Kind::Ours, ours),
            ("rtrb", Kind::Peer, rtrb),
        ],
    }
}

/// Times this thread sending `n` values while a spawned consumer drains
/// until `done` says the producer finished and the queue is empty.
fn timed_producer<P, C: Send>(
    n: u64,
    (mut p, c): (P, C),
    produce: impl FnOnce(&mut P),
    consume: impl FnOnce(C) -> u64 + Send,
) -> Sample {
    let start = Barrier::new(2);
    let (elapsed, got) = thread::scope(|s| {
        let consumer = s.spawn(|| {
            start.wait();
            consume(c)
        });
        start.wait();
        let t0 = Instant::now();
        produce(&mut p);
        let elapsed = t0.elapsed();
        drop(p);
        (elapsed, consumer.join().unwrap())
    });
    Sample {
        ns: per(elapsed, n),
        delivered: Some(got as f64 / n as f64),
    }
}

fn drop_oldest(cap: usize, n: u64) -> Scenario {
    /// A ringweir producer of topology `K` sending with eviction, and its
    /// consumer taking until closed.
    fn ours<K: Topology<Policy = DropOldest>>(cap: usize, n: u64) -> Runner
    where
        ringweir::Consumer<u64, K>: Send,
    {
        Box::new(move || {
            timed_producer(
                n,
                Builder::new(cap)
                    .overflow(DropOldest)
                    .build::<u64, K>()
                    .unwrap(),
                |tx| transfers::ringweir_send_evicting(tx, n),
                |mut rx| transfers::ringweir_drain(&mut rx),
            )
        })
    }
    let force_push: Runner = Box::new(move || {
        let queue = Arc::new(crossbeam_queue::ArrayQueue::<u64>::new(cap));
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        timed_producer(
            n,
            ((queue.clone(), done), queue),
            |(q, done)| {
                for i in 0..n {
                    if let Some(old) = q.force_push(i) {
                        black_box(old);
                    }
                }
                done.store(true, Ordering::Release);
            },
            |q| {
                let mut got = 0;
                loop {
                    match q.pop() {
                        Some(v) => {
                            black_box(v);
                            got += 1;
                        }
                        None if flag.load(Ordering::Acquire) && q.is_empty() => return got,
                        None => std::hint::spin_loop(),
                    }
                }
            },
        )
    });
    Scenario {
        name: if cap == 1024 {
            "drop_oldest cap1024"
        } else {
            "drop_oldest cap64"
        },
        unit: "per send",
        runs: vec![
            (
                "ringweir-spsc-try_recv",
                Kind::Ours,
                ours::<Spsc<DropOldest>>(cap, n),
            ),
            (
                "ringweir-mpsc-try_recv",
                Kind::Ours,
                ours::<Mpsc<DropOldest>>(cap, n),
            ),
            ("crossbeam-ArrayQueue-force_push", Kind::Peer, force_push),
        ],
    }
}

/// One run of a many-thread shape: `np` producers send `total` values in
/// all with blocking sends, the consumers receive until the ring closes;
/// the same loops as the criterion `multi` bench.
fn group<P: BlockingSend + 'static, C: BlockingRecv + 'static>(
    np: usize,
    total: u64,
    make: impl Fn() -> (Vec<P>, Vec<C>) + 'static,
) -> Runner {
    let per_producer = total / np as u64;
    Box::new(move || Sample {
        ns: per(
            timed_group(1, per_producer, &make, send_all, recv_all),
            per_producer * np as u64,
        ),
        delivered: None,
    })
}

/// Blocking MPSC (`nc == 1`) or MPMC throughput, ring of 1024: ringweir's
/// `Yield` and `Park` (`Spin` collapses when threads outnumber cores, as
/// the criterion rows show) against the peers with a blocking bounded
/// channel.
fn multi(np: usize, nc: usize, total: u64) -> Scenario {
    const CAP: usize = 1024;
    let ours = |wait: Wait| -> Runner {
        let ring = Builder::new(CAP).wait(wait);
        if nc == 1 {
            group(np, total, move || {
                let (tx, rx) = ring.mpsc::<u64>().unwrap();
                (vec![tx; np], vec![rx])
            })
        } else {
            group(np, total, move || {
                let (tx, rx) = ring.mpmc::<u64>().unwrap();
                (vec![tx; np], vec![rx; nc])
            })
        }
    };
    let mut runs = vec![
        ("ringweir-yield", Kind::Ours, ours(Wait::Yield)),
        ("ringweir-park", Kind::Ours, ours(Wait::Park)),
        (
            "crossbeam-channel",
            Kind::Peer,
            group(np, total, move || {
                let (tx, rx) = crossbeam_channel::bounded::<u64>(CAP);
                (vec![tx; np], vec![rx; nc])
            }),
        ),
        (
            "kanal",
            Kind::Peer,
            group(np, total, move || {
                let (tx, rx) = kanal::bounded::<u64>(CAP);
                (vec![tx; np], vec![rx; nc])
            }),
        ),
    ];
    if nc == 1 {
        runs.push((
            "thingbuf",
            Kind::Peer,
            group(np, total, move || {
                let (tx, rx) = thingbuf::mpsc::blocking::channel::<u64>(CAP);
                (vec![tx; np], vec![rx])
            }),
        ));
        runs.push((
            "std-sync_channel",
            Kind::Peer,
            group(np, total, move || {
                let (tx, rx) = std::sync::mpsc::sync_channel::<u64>(CAP);
                (vec![tx; np], vec![rx])
            }),
        ));
    }
    Scenario {
        name: match (np, nc) {
            (2, 1) => "multi 2p1c",
            (2, 2) => "multi 2p2c",
            _ => "multi 4p4c",
        },
        unit: "per msg",
        runs,
    }
}

fn median(v: &mut [f64]) -> f64 {
    quantile(v, 0.5)
}

fn quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn main() {
    let trials: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(if quick() { 11 } else { 31 });
    let (msgs, trips, rounds) = if quick() {
        (1 << 18, 5_000, 512)
    } else {
        (1 << 20, 20_000, 2048)
    };
    let scenarios = [
        throughput(1024, msgs),
        throughput(64, msgs),
        large_values(msgs / 4),
        round_trip(trips),
        blocking_round_trip(trips),
        single_thread(rounds),
        batch(64, msgs),
        drop_oldest(1024, msgs),
        drop_oldest(64, msgs),
        multi(2, 1, msgs),
        multi(2, 2, msgs),
        multi(4, 4, msgs),
    ];
    let scenarios = scenarios
        .into_iter()
        .chain(asynchronous::scenarios(msgs / 4, trips / 4));
    // `RINGWEIR_BENCH_ONLY=batch` (a substring of a scenario's name) runs
    // just the scenarios that match: for a quick A/B of one change.
    let only = std::env::var("RINGWEIR_BENCH_ONLY").unwrap_or_default();
    let scenarios: Vec<Scenario> = scenarios
        .filter(|s| s.name.contains(only.as_str()))
        .collect();
    // samples[scenario][implementation][trial]
    let mut samples: Vec<Vec<Vec<Sample>>> = scenarios
        .iter()
        .map(|s| s.runs.iter().map(|_| Vec::new()).collect())
        .collect();
    for trial in 0..trials {
        for (s, scenario) in scenarios.iter().enumerate() {
            let k = scenario.runs.len();
            for j in 0..k {
                let i = (j + trial) % k;
                samples[s][i].push((scenario.runs[i].2)());
            }
        }
    }

    println!(
        "{trials} paired trials per scenario; ratio = ringweir / fastest peer of the same trial, \
         then ringweir / the peer with the lowest median, trial by trial"
    );
    let mut json = Vec::new();
    for (scenario, per_impl) in scenarios.iter().zip(&samples) {
        println!("{} ({}):", scenario.name, scenario.unit);
        let best = |kind: Kind, t: usize| {
            scenario
                .runs
                .iter()
                .zip(per_impl)
                .filter(|((_, k, _), _)| *k == kind)
                .map(|(_, s)| s[t].ns)
                .fold(f64::INFINITY, f64::min)
        };
        // The peer with the lowest median time: ringweir's trials are also
        // paired with that one peer's. (The fastest peer of each trial is
        // the minimum of several noisy times, which sits below every
        // peer's typical time when there are several peers: a stricter
        // yardstick than any real peer.)
        let best_peer = scenario
            .runs
            .iter()
            .zip(per_impl)
            .filter(|((_, k, _), _)| *k == Kind::Peer)
            .map(|((name, _, _), s)| {
                let mut ns: Vec<f64> = s.iter().map(|x| x.ns).collect();
                (*name, median(&mut ns), s)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let mut rows = Vec::new();
        for ((name, kind, _), s) in scenario.runs.iter().zip(per_impl) {
            let mut ns: Vec<f64> = s.iter().map(|x| x.ns).collect();
            let (p25, med, p75) = (
                quantile(&mut ns, 0.25),
                median(&mut ns),
                quantile(&mut ns, 0.75),
            );
            let mut fields = vec![
                format!("\"name\": \"{name}\""),
                format!("\"ours\": {}", *kind == Kind::Ours),
                format!("\"floor\": {}", *kind == Kind::Floor),
                format!("\"p25\": {p25:.3}"),
                format!("\"median\": {med:.3}"),
                format!("\"p75\": {p75:.3}"),
            ];
            let mut line = format!("  {name:34} med {med:9.1} ns  p25 {p25:9.1}  p75 {p75:9.1}");
            if *kind == Kind::Ours {
                let mut ratios: Vec<f64> =
                    (0..trials).map(|t| s[t].ns / best(Kind::Peer, t)).collect();
                let wins = ratios.iter().filter(|&&r| r < 1.0).count();
                let ratio = median(&mut ratios);
                fields.push(format!("\"paired_ratio\": {ratio:.4}"));
                fields.push(format!("\"wins\": {wins}"));
                line += &format!("  vs peer {ratio:.2}x, faster in {wins}/{trials}");
                if let Some((peer, _, p)) = best_peer {
                    let mut ratios: Vec<f64> = (0..trials).map(|t| s[t].ns / p[t].ns).collect();
                    let ratio = median(&mut ratios);
                    fields.push(format!("\"best_peer\": \"{peer}\""));
                    fields.push(format!("\"best_peer_ratio\": {ratio:.4}"));
                    line += &format!("  vs {peer} {ratio:.2}x");
                }
                if scenario.runs.iter().any(|r| r.1 == Kind::Floor) {
                    let mut floor: Vec<f64> = (0..trials)
                        .map(|t| s[t].ns / best(Kind::Floor, t))
                        .collect();
                    let floor = median(&mut floor);
                    fields.push(format!("\"floor_ratio\": {floor:.4}"));
                    line += &format!("  vs floor {floor:.2}x");
                }
            }
            if s[0].delivered.is_some() {
                let mut d: Vec<f64> = s.iter().filter_map(|x| x.delivered).collect();
                let d = median(&mut d);
                fields.push(format!("\"delivered\": {d:.4}"));
                line += &format!("  delivered {:.1}%", d * 100.0);
            }
            println!("{line}");
            rows.push(format!("      {{{}}}", fields.join(", ")));
        }
        json.push(format!(
            "    {{\"name\": \"{}\", \"unit\": \"{}\", \"rows\": [\n{}\n    ]}}",
            scenario.name,
            scenario.unit,
            rows.join(",\n")
        ));
    }
    // A partial run must not replace the full one `scripts/bench.py`
    // renders into BENCHMARKS.md.
    let file = if only.is_empty() {
        "interleaved.json"
    } else {
        "interleaved-only.json"
    };
    let path = extra_dir().join(file);
    std::fs::write(
        &path,
        format!(
            "{{\n  \"trials\": {trials},\n  \"scenarios\": [\n{}\n  ]\n}}\n",
            json.join(",\n")
        ),
    )
    .unwrap();
    println!("wrote {}", path.display());
}
