//! P producers x C consumers, every policy: each consumer sees every
//! producer's values in order; what was received plus what was handed back
//! is exactly what was sent.

mod common;

use common::{name, policy, scaled, Policy};
use ringweir::{
    Block, Builder, DropNewest, DropOldest, ManyProducers, Mpmc, Mpsc, Overflow, Producer, Wait,
};
use std::collections::HashMap;
use std::thread;

/// A value tagged with its producer and its sequence number there.
type Tagged = (usize, u64);

/// `producers` x `consumers` on an mpmc ring of policy `P`.
fn run<P: Overflow>(producers: usize, consumers: usize, wait: Wait, per_producer: u64) {
    let (tx, rx) = Builder::new(64)
        .overflow(P::default())
        .wait(wait)
        .mpmc::<Tagged>()
        .unwrap();
    let senders: Vec<_> = (0..producers)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || {
                let mut handed_back = Vec::new();
                for i in 0..per_producer {
                    if let Some(v) = P::returned(tx.send((p, i)).unwrap()) {
                        handed_back.push(v);
                    }
                }
                handed_back
            })
        })
        .collect();
    drop(tx);
    let receivers: Vec<_> = (0..consumers)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || {
                let mut got = Vec::new();
                let mut last: HashMap<usize, u64> = HashMap::new();
                while let Ok((p, i)) = rx.recv() {
                    if let Some(&prev) = last.get(&p) {
                        assert!(i > prev, "producer {p}: {i} after {prev}");
                    }
                    last.insert(p, i);
                    got.push((p, i));
                }
                got
            })
        })
        .collect();
    let stats_rx = rx;
    let mut all: Vec<Tagged> = Vec::new();
    let mut handed_back = 0;
    for s in senders {
        let back = s.join().unwrap();
        handed_back += back.len();
        all.extend(back);
    }
    let mut received = 0;
    for r in receivers {
        let got = r.join().unwrap();
        received += got.len();
        all.extend(got);
    }
    all.sort_unstable();
    let expected: Vec<Tagged> = (0..producers)
        .flat_map(|p| (0..per_producer).map(move |i| (p, i)))
        .collect();
    assert_eq!(
        all.len(),
        expected.len(),
        "{producers}P{consumers}C {} {wait:?}",
        name::<Mpmc<P>>()
    );
    assert!(all == expected, "lost or duplicated values");
    let s = stats_rx.stats();
    assert_eq!(s.received as usize, received);
    assert_eq!((s.dropped + s.evicted) as usize, handed_back);
    if policy::<Mpmc<P>>() == Policy::Block {
        assert_eq!(handed_back, 0);
    }
}

/// Every shape of 1, 2 and 4 producers and consumers on an mpmc ring of
/// policy `P`.
fn every_shape<P: Overflow>() {
    let total = scaled(1_200_000);
    for producers in [1, 2, 4] {
        for consumers in [1, 2, 4] {
            let per = total / 4 / producers as u64;
            run::<P>(producers, consumers, Wait::Park, per);
        }
    }
}

#[test]
fn every_shape_and_policy() {
    every_shape::<Block>();
    every_shape::<DropNewest>();
    every_shape::<DropOldest>();
}

/// Both spinning strategies on an mpmc ring of policy `P`.
fn spinning<P: Overflow>() {
    for wait in [Wait::Spin, Wait::Yield] {
        run::<P>(2, 2, wait, scaled(100_000));
        run::<P>(4, 4, wait, scaled(20_000));
    }
}

#[test]
fn spinning_strategies_with_more_threads_than_cores() {
    spinning::<Block>();
    spinning::<DropOldest>();
}

/// Three producers on the mpsc ring `K`, whose one consumer checks each
/// producer's order.
fn per_producer_order<K: ManyProducers>()
where
    Producer<Tagged, K>: Send,
{
    let (tx, rx) = common::build::<Tagged, K>(Builder::new(32));
    let n = scaled(300_000);
    let senders: Vec<_> = (0..3)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..n {
                    let _ = tx.send((p, i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut last = [None::<u64>; 3];
    let mut received = 0u64;
    while let Ok((p, i)) = rx.recv() {
        assert!(last[p] < Some(i));
        last[p] = Some(i);
        received += 1;
    }
    for s in senders {
        s.join().unwrap();
    }
    let s = rx.stats();
    assert_eq!(s.received, received);
    assert_eq!(s.sent, 3 * n);
    assert_eq!(s.received + s.evicted, 3 * n);
}

#[test]
fn mpsc_keeps_per_producer_order() {
    per_producer_order::<Mpsc<Block>>();
    per_producer_order::<Mpsc<DropOldest>>();
}

#[test]
fn every_handle_closing_mid_stream() {
    let drops = common::counter();
    let (tx, rx) = Builder::new(8).mpmc::<common::Counted>().unwrap();
    let n = scaled(50_000);
    let senders: Vec<_> = (0..2)
        .map(|p| {
            let tx = tx.clone();
            let d = drops.clone();
            thread::spawn(move || {
                for i in 0..n {
                    if tx.send(common::Counted::new(p * n + i, &d)).is_err() {
                        // Consumers are gone; the value came back and is dropped.
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let receivers: Vec<_> = (0..3)
        .map(|c| {
            let rx = rx.clone();
            thread::spawn(move || {
                // Each consumer leaves after a different share.
                for _ in 0..(n / 4) * (c + 1) {
                    if rx.recv().is_err() {
                        break;
                    }
                }
            })
        })
        .collect();
    drop(rx);
    for r in receivers {
        r.join().unwrap();
    }
    for s in senders {
        s.join().unwrap();
    }
    assert_eq!(common::count(&drops), 2 * n as usize);
}
