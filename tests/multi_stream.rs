//! P producers x C consumers, every policy: each consumer sees every
//! producer's values in order; what was received plus what was handed back
//! is exactly what was sent.

mod common;

use common::scaled;
use ringweir::{Builder, Overflow, Sent, Wait};
use std::collections::HashMap;
use std::thread;

/// A value tagged with its producer and its sequence number there.
type Tagged = (usize, u64);

fn run(producers: usize, consumers: usize, overflow: Overflow, wait: Wait, per_producer: u64) {
    let (tx, rx) = Builder::new(64)
        .overflow(overflow)
        .wait(wait)
        .mpmc::<Tagged>()
        .unwrap();
    let senders: Vec<_> = (0..producers)
        .map(|p| {
            let mut tx = tx.clone();
            thread::spawn(move || {
                let mut handed_back = Vec::new();
                for i in 0..per_producer {
                    match tx.send((p, i)).unwrap() {
                        Sent::Queued => {}
                        Sent::Dropped(v) | Sent::Evicted(v) => handed_back.push(v),
                    }
                }
                handed_back
            })
        })
        .collect();
    drop(tx);
    let receivers: Vec<_> = (0..consumers)
        .map(|_| {
            let mut rx = rx.clone();
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
        "{producers}P{consumers}C {overflow:?} {wait:?}"
    );
    assert!(all == expected, "lost or duplicated values");
    let s = stats_rx.stats();
    assert_eq!(s.received as usize, received);
    assert_eq!((s.dropped + s.evicted) as usize, handed_back);
    if overflow == Overflow::Block {
        assert_eq!(handed_back, 0);
    }
}

#[test]
fn every_shape_and_policy() {
    let total = scaled(1_200_000);
    for overflow in [Overflow::Block, Overflow::DropNewest, Overflow::DropOldest] {
        for producers in [1, 2, 4] {
            for consumers in [1, 2, 4] {
                let per = total / 4 / producers as u64;
                run(producers, consumers, overflow, Wait::Park, per);
            }
        }
    }
}

#[test]
fn spinning_strategies_with_more_threads_than_cores() {
    for wait in [Wait::Spin, Wait::Yield] {
        for overflow in [Overflow::Block, Overflow::DropOldest] {
            run(2, 2, overflow, wait, scaled(100_000));
            run(4, 4, overflow, wait, scaled(20_000));
        }
    }
}

#[test]
fn mpsc_keeps_per_producer_order() {
    for overflow in [Overflow::Block, Overflow::DropOldest] {
        let (tx, mut rx) = Builder::new(32)
            .overflow(overflow)
            .mpsc::<Tagged>()
            .unwrap();
        let n = scaled(300_000);
        let senders: Vec<_> = (0..3)
            .map(|p| {
                let mut tx = tx.clone();
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
}

#[test]
fn every_handle_closing_mid_stream() {
    let drops = common::counter();
    let (tx, rx) = Builder::new(8).mpmc::<common::Counted>().unwrap();
    let n = scaled(50_000);
    let senders: Vec<_> = (0..2)
        .map(|p| {
            let mut tx = tx.clone();
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
            let mut rx = rx.clone();
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
