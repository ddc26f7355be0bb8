//! Batched transfer between two threads: `messages()` u64 values through a
//! ring of 1024, the consumer taking up to `BATCH` values per call.
//!
//! The `recv_many`/`-pop-` variants send one value at a time and batch on
//! the consumer side only (like for like); the `-slices`/`-chunks` variants
//! batch both sides (what each queue can do at best). ringweir's and
//! ringbuf's slice reads copy the values out; rtrb's chunk read and
//! ringweir's `-in_place` variant only look at them in place.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ringweir::{Builder, Wait};
use ringweir_benches::{config, messages, timed_pair, transfer_group, transfers};
use std::hint::black_box;

const CAP: usize = 1024;

/// Batch sizes measured (add more to see the curve; each adds ~20 s).
const BATCHES: &[usize] = &[64];

fn bench(c: &mut Criterion) {
    let n = messages();
    let mut g = c.benchmark_group("batch");
    transfer_group(&mut g, n);
    for &batch in BATCHES {
        let p = format!("batch{batch}");
        let id = |name: &str| BenchmarkId::new(name, &p);

        g.bench_function(id("ringweir-park-recv_many"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || ringweir::spsc::channel::<u64>(CAP),
                    |tx| {
                        for i in 0..n {
                            tx.send(i).unwrap();
                        }
                    },
                    |mut rx| {
                        let mut buf = Vec::with_capacity(batch);
                        let mut got = 0;
                        while got < n {
                            got += rx.recv_many(&mut buf, batch) as u64;
                            black_box(&buf);
                            buf.clear();
                        }
                    },
                )
            })
        });

        g.bench_function(id("ringweir-spin-try_recv_many"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || Builder::new(CAP).wait(Wait::Spin).spsc::<u64>().unwrap(),
                    |mut tx| transfers::ringweir_send(&mut tx, n),
                    |mut rx| {
                        let mut buf = Vec::with_capacity(batch);
                        let mut got = 0;
                        while got < n {
                            let k = rx.try_recv_many(&mut buf, batch);
                            if k == 0 {
                                std::hint::spin_loop();
                                continue;
                            }
                            got += k as u64;
                            black_box(&buf);
                            buf.clear();
                        }
                    },
                )
            })
        });

        g.bench_function(id("ringweir-park-slices"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || ringweir::spsc::channel::<u64>(CAP),
                    |mut tx| {
                        transfers::send_in_slices(n, batch, |run| {
                            tx.send_slice(run).unwrap();
                            run.len()
                        })
                    },
                    |mut rx| {
                        let mut buf = vec![0u64; batch];
                        let mut got = 0;
                        while got < n {
                            let k = rx.recv_slice(&mut buf);
                            black_box(&buf[..k]);
                            got += k as u64;
                        }
                    },
                )
            })
        });

        g.bench_function(id("ringweir-spin-try_slices"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || Builder::new(CAP).wait(Wait::Spin).spsc::<u64>().unwrap(),
                    |mut tx| transfers::ringweir_send_slices(&mut tx, n, batch),
                    |mut rx| transfers::ringweir_recv_slices(&mut rx, n, batch),
                )
            })
        });

        g.bench_function(id("ringweir-spin-in_place"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || Builder::new(CAP).wait(Wait::Spin).spsc::<u64>().unwrap(),
                    |mut tx| transfers::ringweir_send_slices(&mut tx, n, batch),
                    |mut rx| transfers::ringweir_recv_in_place(&mut rx, n, batch),
                )
            })
        });

        g.bench_function(id("rtrb-pop-chunks"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || rtrb::RingBuffer::<u64>::new(CAP),
                    |mut tx| transfers::rtrb_send(&mut tx, n),
                    |mut rx| transfers::rtrb_read_chunks(&mut rx, n, batch),
                )
            })
        });

        g.bench_function(id("rtrb-chunks"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || rtrb::RingBuffer::<u64>::new(CAP),
                    |mut tx| transfers::rtrb_write_chunks(&mut tx, n, batch),
                    |mut rx| transfers::rtrb_read_chunks(&mut rx, n, batch),
                )
            })
        });

        g.bench_function(id("ringbuf-pop-slices"), |b| {
            use ringbuf::traits::Split;
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || ringbuf::HeapRb::<u64>::new(CAP).split(),
                    |mut tx| transfers::ringbuf_send(&mut tx, n),
                    |mut rx| transfers::ringbuf_pop_slices(&mut rx, n, batch),
                )
            })
        });

        g.bench_function(id("ringbuf-slices"), |b| {
            use ringbuf::traits::Split;
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || ringbuf::HeapRb::<u64>::new(CAP).split(),
                    |mut tx| transfers::ringbuf_push_slices(&mut tx, n, batch),
                    |mut rx| transfers::ringbuf_pop_slices(&mut rx, n, batch),
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
