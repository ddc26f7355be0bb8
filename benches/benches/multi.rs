//! Many-thread blocking throughput through a ring of 1024: P producers send
//! `messages() / 4` u64 values in all (split evenly), C consumers `recv`
//! until the ring closes. Shapes: 2P1C (MPSC), 2P2C and 4P4C (MPMC).
//!
//! ringweir runs once per wait strategy. On a machine with fewer cores than
//! threads, `Spin` is expected to collapse (a spinning thread holds a core
//! the thread it waits for needs); that is the point of `Park`.
//!
//! Every implementation runs the same loops (`transfers::send_all` and
//! `transfers::recv_all`), which the paired trials of the `interleaved`
//! binary run too.

use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};
use ringweir::{Builder, Wait};
use ringweir_benches::transfers::{recv_all, send_all, BlockingRecv, BlockingSend};
use ringweir_benches::{config, messages, timed_group, transfer_group, WallTime};

const CAP: usize = 1024;

/// One row: `make` builds the producers' and consumers' handles.
fn row<P: BlockingSend, C: BlockingRecv>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    id: BenchmarkId,
    per: u64,
    make: impl Fn() -> (Vec<P>, Vec<C>),
) {
    g.bench_function(id, |b| {
        b.iter_custom(|iters| timed_group(iters, per, &make, send_all, recv_all))
    });
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
            let ring = Builder::new(CAP).wait(wait);
            if nc == 1 {
                row(&mut g, id(name), per, || {
                    let (tx, rx) = ring.mpsc::<u64>().unwrap();
                    (vec![tx; np], vec![rx])
                });
            } else {
                row(&mut g, id(name), per, || {
                    let (tx, rx) = ring.mpmc::<u64>().unwrap();
                    (vec![tx; np], vec![rx; nc])
                });
            }
        }
        row(&mut g, id("crossbeam-channel"), per, || {
            let (tx, rx) = crossbeam_channel::bounded::<u64>(CAP);
            (vec![tx; np], vec![rx; nc])
        });
        row(&mut g, id("flume"), per, || {
            let (tx, rx) = flume::bounded::<u64>(CAP);
            (vec![tx; np], vec![rx; nc])
        });
        row(&mut g, id("kanal"), per, || {
            let (tx, rx) = kanal::bounded::<u64>(CAP);
            (vec![tx; np], vec![rx; nc])
        });
        if nc == 1 {
            row(&mut g, id("thingbuf"), per, || {
                let (tx, rx) = thingbuf::mpsc::blocking::channel::<u64>(CAP);
                (vec![tx; np], vec![rx])
            });
            row(&mut g, id("std-sync_channel"), per, || {
                let (tx, rx) = std::sync::mpsc::sync_channel::<u64>(CAP);
                (vec![tx; np], vec![rx])
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
