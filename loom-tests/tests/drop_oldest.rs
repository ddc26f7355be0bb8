#![cfg(loom)]
//! `DropOldest` on an SPSC ring (the stamped protocol): an
//! evicting send races a receive for the oldest slot. Exactly one of them
//! takes each value: received ∪ evicted == sent, received strictly
//! increasing, and the counters and `lagged` agree at the end.

mod common;

use common::{assert_partition, ids, increasing, Drops};
use loom::thread;
use ringweir::{Builder, DropOldest, Eviction, TryRecvError, Wait};

/// Producer sends `0..n` and leaves; the consumer receives until closed.
fn evict_vs_recv(capacity: usize, n: usize, wait: Wait) {
    loom::model(move || {
        let drops = Drops::new(n);
        let (tx, rx) = Builder::new(capacity)
            .overflow(DropOldest)
            .wait(wait)
            .spsc()
            .unwrap();
        let toks: Vec<_> = (0..n).map(|i| drops.tok(i)).collect();
        let producer = thread::spawn(move || {
            let mut evicted = Vec::new();
            for t in toks {
                match tx.send(t).unwrap() {
                    Eviction::Queued => {}
                    Eviction::Evicted(old) => evicted.push(old),
                }
            }
            let s = tx.stats();
            (ids(evicted), s)
        });
        let mut received = Vec::new();
        while let Ok(t) = rx.recv() {
            received.push(t);
        }
        let (evicted, producer_stats) = producer.join().unwrap();
        let received = ids(received);
        assert!(increasing(&received), "received {received:?}");
        assert!(increasing(&evicted), "evicted {evicted:?}");
        assert_eq!(
            received.last(),
            Some(&(n - 1)),
            "the newest value is never evicted"
        );
        assert_partition(n, &[&received, &evicted]);
        // The producer's snapshot (taken while the consumer may still be
        // receiving) already counts all of its own sends and evictions; a
        // receive between its move of `head` and its count may show as an
        // eviction until the consumer stores its count.
        assert_eq!(producer_stats.sent, n as u64);
        assert!(producer_stats.evicted >= evicted.len() as u64);
        assert!(producer_stats.received <= received.len() as u64);
        assert!(
            producer_stats.evicted + producer_stats.received
                <= (evicted.len() + received.len()) as u64
        );
        // Quiet ring: final numbers.
        let s = rx.stats();
        assert_eq!(s.sent, n as u64);
        assert_eq!(s.received, received.len() as u64);
        assert_eq!(s.evicted, evicted.len() as u64);
        assert_eq!((s.dropped, s.waits, s.discarded), (0, 0, 0));
        assert_eq!(rx.lagged(), evicted.len() as u64);
        assert_eq!(rx.lagged(), 0);
        assert_eq!(rx.try_recv().map(|t| t.id), Err(TryRecvError::Closed));
        drop(rx);
        drops.assert_all_once();
    });
}

#[test]
fn park_cap1_three_values() {
    evict_vs_recv(1, 3, Wait::Park);
}

#[test]
fn park_cap1_four_values() {
    evict_vs_recv(1, 4, Wait::Park);
}

#[test]
fn spin_cap1_three_values() {
    evict_vs_recv(1, 3, Wait::Spin);
}

#[test]
fn park_cap2_three_values() {
    evict_vs_recv(2, 3, Wait::Park);
}

#[test]
fn spin_cap2_four_values() {
    evict_vs_recv(2, 4, Wait::Spin);
}

/// A full ring: one `try_recv` races one evicting send for the oldest value;
/// then the rest is drained. Values left in the ring when the handles go are
/// dropped exactly once too.
fn one_eviction_vs_one_try_recv(capacity: usize) {
    loom::model(move || {
        let n = capacity + 1;
        let drops = Drops::new(n);
        let (tx, rx) = Builder::new(capacity)
            .overflow(DropOldest)
            .wait(Wait::Spin)
            .spsc()
            .unwrap();
        for i in 0..capacity {
            tx.try_send(drops.tok(i)).unwrap();
        }
        let last = drops.tok(capacity);
        let producer = thread::spawn(move || {
            let evicted = match tx.send(last).unwrap() {
                Eviction::Queued => None,
                Eviction::Evicted(old) => Some(old.id),
            };
            (tx, evicted)
        });
        let first = rx.try_recv().expect("a full ring is never seen empty").id;
        let (tx, evicted) = producer.join().unwrap();
        match evicted {
            // The evictor took 0 first, so the consumer got the next one.
            Some(0) => assert_eq!(first, 1),
            Some(other) => panic!("evicted {other}, not the oldest"),
            None => assert_eq!(first, 0),
        }
        let s = rx.stats();
        assert_eq!(s.sent, n as u64);
        assert_eq!(s.evicted, evicted.is_some() as u64);
        assert_eq!(s.received, 1);
        assert_eq!(rx.lagged(), s.evicted);
        // Leave the rest queued: dropping the handles disposes of it.
        drop(tx);
        drop(rx);
        drops.assert_all_once();
    });
}

#[test]
fn eviction_vs_try_recv_cap1() {
    one_eviction_vs_one_try_recv(1);
}

#[test]
fn eviction_vs_try_recv_cap2() {
    one_eviction_vs_one_try_recv(2);
}
