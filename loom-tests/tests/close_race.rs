#![cfg(loom)]
//! Sends racing the last consumer's departure on a ring whose consumers
//! never sleep, so that a producer's push pays no fence: a value pushed
//! while the consumer left may escape both the consumer's drain and the
//! producer's own check, and stay queued. The producer's next send, which
//! finds the ring closed, discards it: each value is discarded or handed
//! back by then, and none is dropped or counted twice. `is_closed` only
//! looks (an spsc producer's `&self` may be shared between threads).
//! (`closing.rs` holds the same race on rings whose consumers park, where
//! nothing outlives the race itself.)

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use ringweir::{Block, Builder, DropOldest, Producer, Spsc, Topology, Wait};

/// Counts its drops in a loom atomic.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// `sends` sends racing the consumer's departure, then one more `try_send`:
/// each value either entered the ring (its send returned `Ok`) and was
/// discarded by the time that send returns, or came back in `Closed`,
/// uncounted; the statistics say exactly that, and nothing is dropped
/// twice. `K` is the ring's topology and policy.
fn model<K: Topology>(sends: u64)
where
    Producer<Counted, K>: Send,
{
    loom::model(move || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = Builder::new(2)
            .overflow(K::Policy::default())
            .wait(Wait::Spin)
            .build::<Counted, K>()
            .unwrap();
        let d = drops.clone();
        let producer = thread::spawn(move || {
            let entered = (0..sends)
                .filter(|_| tx.try_send(Counted(d.clone())).is_ok())
                .count() as u64;
            (entered, tx) // the handle is kept alive past the join
        });
        drop(rx);
        let (tx, entered) = {
            let (entered, tx) = producer.join().unwrap();
            (tx, entered)
        };
        // Both sides are done with the close; the producer handle lives on,
        // and its next send finds the ring closed.
        assert!(tx.is_closed());
        assert!(tx.try_send(Counted(drops.clone())).is_err());
        let all = sends as usize + 1;
        assert_eq!(
            drops.load(Ordering::SeqCst),
            all,
            "a value left in the ring"
        );
        let stats = tx.stats();
        assert_eq!((stats.sent, stats.discarded), (entered, entered));
        assert_eq!(tx.len(), 0);
        drop(tx);
        assert_eq!(drops.load(Ordering::SeqCst), all, "dropped twice");
    });
}

#[test]
fn fast_ring_send_races_last_consumer() {
    model::<Spsc<Block>>(1);
}

#[test]
fn stamped_ring_send_races_last_consumer() {
    model::<Spsc<DropOldest>>(1);
}

#[test]
fn fast_ring_two_sends_race_last_consumer() {
    model::<Spsc<Block>>(2);
}

#[test]
fn stamped_ring_two_sends_race_last_consumer() {
    model::<Spsc<DropOldest>>(2);
}
