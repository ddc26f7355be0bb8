//! Batched transfer between two threads: `messages()` u64 values through a
//! ring of 1024, the consumer taking up to `BATCH` values per call.
//!
//! The `recv_many`/`-pop-` variants send one value at a time and batch on
//! the consumer side only (like for like); the `-slices`/`-chunks` variants
//! batch both sides (what each queue can do at best). ringweir's and
//! ringbuf's slice reads copy the values out; rtrb's chunk read only looks
//! at them in place.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ringweir::{Builder, TrySendError, Wait};
use ringweir_benches::{config, messages, timed_pair, transfer_group};
use std::hint::black_box;

const CAP: usize = 1024;

fn ringweir_try_send_all(tx: &mut ringweir::spsc::Producer<u64>, n: u64) {
    for i in 0..n {
        let mut v = i;
        loop {
            match tx.try_send(v) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) => {
                    v = back;
                    std::hint::spin_loop();
                }
                Err(TrySendError::Closed(_)) => panic!("closed"),
            }
        }
    }
}

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
                    |mut tx| {
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
                    |mut tx| ringweir_try_send_all(&mut tx, n),
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
                        send_in_slices(n, batch, |run| {
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
                    |mut tx| send_in_slices(n, batch, |run| tx.try_send_slice(run).unwrap()),
                    |mut rx| {
                        let mut buf = vec![0u64; batch];
                        let mut got = 0;
                        while got < n {
                            let k = rx.try_recv_slice(&mut buf);
                            if k == 0 {
                                std::hint::spin_loop();
                                continue;
                            }
                            black_box(&buf[..k]);
                            got += k as u64;
                        }
                    },
                )
            })
        });

        g.bench_function(id("rtrb-pop-chunks"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || rtrb::RingBuffer::<u64>::new(CAP),
                    |mut tx| {
                        for i in 0..n {
                            while tx.push(i).is_err() {
                                std::hint::spin_loop();
                            }
                        }
                    },
                    |mut rx| rtrb_read_chunks(&mut rx, n, batch),
                )
            })
        });

        g.bench_function(id("rtrb-chunks"), |b| {
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || rtrb::RingBuffer::<u64>::new(CAP),
                    |mut tx| {
                        let mut next = 0u64;
                        while next < n {
                            let k = tx.slots().min(batch).min((n - next) as usize);
                            if k == 0 {
                                std::hint::spin_loop();
                                continue;
                            }
                            let chunk = tx.write_chunk_uninit(k).unwrap();
                            next += chunk.fill_from_iter(next..n) as u64;
                        }
                    },
                    |mut rx| rtrb_read_chunks(&mut rx, n, batch),
                )
            })
        });

        g.bench_function(id("ringbuf-pop-slices"), |b| {
            use ringbuf::traits::{Producer, Split};
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || ringbuf::HeapRb::<u64>::new(CAP).split(),
                    |mut tx| {
                        for i in 0..n {
                            while tx.try_push(i).is_err() {
                                std::hint::spin_loop();
                            }
                        }
                    },
                    |mut rx| ringbuf_pop_slices(&mut rx, n, batch),
                )
            })
        });

        g.bench_function(id("ringbuf-slices"), |b| {
            use ringbuf::traits::{Producer, Split};
            b.iter_custom(|iters| {
                timed_pair(
                    iters,
                    || ringbuf::HeapRb::<u64>::new(CAP).split(),
                    |mut tx| send_in_slices(n, batch, |run| tx.push_slice(run)),
                    |mut rx| ringbuf_pop_slices(&mut rx, n, batch),
                )
            })
        });
    }
    g.finish();
}

/// Sends `0..n` in slices of `batch`: `push` queues a prefix of the run it
/// is given and returns its length (0 when the queue is full: spin, retry).
fn send_in_slices(n: u64, batch: usize, mut push: impl FnMut(&[u64]) -> usize) {
    let mut src = vec![0u64; batch];
    let mut next = 0u64;
    while next < n {
        let k = batch.min((n - next) as usize);
        fill(&mut src[..k], next);
        let mut off = 0;
        while off < k {
            let pushed = push(&src[off..k]);
            if pushed == 0 {
                std::hint::spin_loop();
            }
            off += pushed;
        }
        next += k as u64;
    }
}

/// The next `buf.len()` message numbers from `first` on.
fn fill(buf: &mut [u64], first: u64) {
    for (j, slot) in buf.iter_mut().enumerate() {
        *slot = first + j as u64;
    }
}

fn rtrb_read_chunks(rx: &mut rtrb::Consumer<u64>, n: u64, batch: usize) {
    let mut got = 0u64;
    while got < n {
        let k = rx.slots().min(batch);
        if k == 0 {
            std::hint::spin_loop();
            continue;
        }
        let chunk = rx.read_chunk(k).unwrap();
        let (a, b) = chunk.as_slices();
        black_box((a, b));
        chunk.commit_all();
        got += k as u64;
    }
}

fn ringbuf_pop_slices(rx: &mut ringbuf::HeapCons<u64>, n: u64, batch: usize) {
    use ringbuf::traits::Consumer;
    let mut buf = vec![0u64; batch];
    let mut got = 0u64;
    while got < n {
        let k = rx.pop_slice(&mut buf);
        if k == 0 {
            std::hint::spin_loop();
            continue;
        }
        black_box(&buf[..k]);
        got += k as u64;
    }
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
