//! One thread pushes a burst of 512 values into a ring of 1024, then pops
//! them all: the in-cache upper bound of each queue's fast path, with no
//! cache line ever changing cores. Time per element is one push plus one pop.

use criterion::{criterion_group, criterion_main, Bencher, Criterion, Throughput};
use ringweir::{Builder, DropOldest, Topology, Wait};
use ringweir_benches::config;
use std::hint::black_box;

const CAP: usize = 1024;
const BURST: u64 = 512;

/// The burst through a ringweir ring of any topology and policy, by the
/// non-waiting calls.
fn ringweir_try<K: Topology>(
    b: &mut Bencher<'_>,
    (tx, rx): (ringweir::Producer<u64, K>, ringweir::Consumer<u64, K>),
) {
    b.iter(|| {
        for i in 0..BURST {
            tx.try_send(black_box(i)).unwrap();
        }
        for _ in 0..BURST {
            black_box(rx.try_recv().unwrap());
        }
    })
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("single_thread");
    g.throughput(Throughput::Elements(BURST));

    g.bench_function("ringweir-spsc-try", |b| {
        ringweir_try(b, Builder::new(CAP).wait(Wait::Spin).spsc::<u64>().unwrap())
    });

    g.bench_function("ringweir-spsc-park-try", |b| {
        ringweir_try(b, Builder::new(CAP).wait(Wait::Park).spsc::<u64>().unwrap())
    });

    g.bench_function("ringweir-spsc-send-recv", |b| {
        let (tx, rx) = ringweir::spsc::channel::<u64>(CAP);
        b.iter(|| {
            for i in 0..BURST {
                tx.send(black_box(i)).unwrap();
            }
            for _ in 0..BURST {
                black_box(rx.recv().unwrap());
            }
        })
    });

    g.bench_function("ringweir-spsc-dropoldest-try", |b| {
        ringweir_try(
            b,
            Builder::new(CAP)
                .overflow(DropOldest)
                .spsc::<u64>()
                .unwrap(),
        )
    });

    g.bench_function("ringweir-mpsc-try", |b| {
        ringweir_try(b, Builder::new(CAP).wait(Wait::Spin).mpsc::<u64>().unwrap())
    });

    g.bench_function("ringweir-mpmc-try", |b| {
        ringweir_try(b, Builder::new(CAP).wait(Wait::Spin).mpmc::<u64>().unwrap())
    });

    g.bench_function("rtrb", |b| {
        let (mut tx, mut rx) = rtrb::RingBuffer::<u64>::new(CAP);
        b.iter(|| {
            for i in 0..BURST {
                tx.push(black_box(i)).unwrap();
            }
            for _ in 0..BURST {
                black_box(rx.pop().unwrap());
            }
        })
    });

    g.bench_function("ringbuf", |b| {
        use ringbuf::traits::{Consumer, Producer, Split};
        let (mut tx, mut rx) = ringbuf::HeapRb::<u64>::new(CAP).split();
        b.iter(|| {
            for i in 0..BURST {
                tx.try_push(black_box(i)).unwrap();
            }
            for _ in 0..BURST {
                black_box(rx.try_pop().unwrap());
            }
        })
    });

    g.bench_function("crossbeam-ArrayQueue", |b| {
        let q = crossbeam_queue::ArrayQueue::<u64>::new(CAP);
        b.iter(|| {
            for i in 0..BURST {
                q.push(black_box(i)).unwrap();
            }
            for _ in 0..BURST {
                black_box(q.pop().unwrap());
            }
        })
    });

    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
