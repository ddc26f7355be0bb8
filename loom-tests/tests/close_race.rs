#![cfg(loom)]
//! A send racing the last consumer's departure: the value is delivered or
//! dropped before both threads are done, never left in the ring for the
//! last producer handle to drop later.

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use ringweir::{Builder, Overflow, Wait};

/// Counts its drops in a loom atomic.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn model(overflow: Overflow) {
    loom::model(move || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut tx, rx) = Builder::new(2)
            .overflow(overflow)
            .wait(Wait::Spin)
            .spsc::<Counted>()
            .unwrap();
        let d = drops.clone();
        let producer = thread::spawn(move || {
            let _ = tx.try_send(Counted(d));
            tx // kept alive past the join
        });
        drop(rx);
        let tx = producer.join().unwrap();
        // Both sides are done with the close; the producer handle lives on.
        assert_eq!(drops.load(Ordering::SeqCst), 1, "value left in the ring");
        assert_eq!(tx.len(), 0);
        drop(tx);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped twice");
    });
}

#[test]
fn fast_ring_send_races_last_consumer() {
    model(Overflow::Block);
}

#[test]
fn stamped_ring_send_races_last_consumer() {
    model(Overflow::DropOldest);
}

/// Two sends racing the consumer's departure: each value either entered
/// the ring (its send returned `Ok`) and was discarded, or came back in
/// `Closed`, uncounted; the statistics say exactly that.
fn two_sends(overflow: Overflow) {
    loom::model(move || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut tx, rx) = Builder::new(2)
            .overflow(overflow)
            .wait(Wait::Spin)
            .spsc::<Counted>()
            .unwrap();
        let d = drops.clone();
        let producer = thread::spawn(move || {
            let first = tx.try_send(Counted(d.clone())).is_ok();
            let second = tx.try_send(Counted(d)).is_ok();
            (first as u64 + second as u64, tx)
        });
        drop(rx);
        let (entered, tx) = producer.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 2, "a value left in the ring");
        let stats = tx.stats();
        assert_eq!((stats.sent, stats.discarded), (entered, entered));
        assert_eq!(tx.len(), 0);
        drop(tx);
        assert_eq!(drops.load(Ordering::SeqCst), 2, "dropped twice");
    });
}

#[test]
fn fast_ring_two_sends_race_last_consumer() {
    two_sends(Overflow::Block);
}

#[test]
fn stamped_ring_two_sends_race_last_consumer() {
    two_sends(Overflow::DropOldest);
}
