#![cfg(loom)]
//! SPSC rings that never evict (`Block` and
//! `DropNewest`): a send racing a receive delivers every value
//! once, in order, across the slot index wrap and the cached-index reloads.
//! Values of up to 64 bytes use the fast ring; larger ones (`Large`) the
//! stamped ring with a sole producer (which stores `tail` after the value)
//! and a sole consumer (which stores `head` without a CAS).

mod common;

use common::{assert_partition, increasing};
use loom::thread;
use ringweir::{Admission, Block, Builder, DropNewest, TryRecvError, Wait};

/// A value too large for the fast ring's blocks (over 64 bytes).
type Large = [usize; 9];

fn large(i: usize) -> Large {
    [i; 9]
}

/// Producer sends `0..n` into a `Block` ring of `capacity`, consumer
/// receives them; the producer handle stays alive until the consumer is
/// done, so only the push's wake-up (not the close) can end a wait.
fn block_in_order(capacity: usize, n: usize, wait: Wait) {
    block_in_order_of(capacity, n, wait, |i| i);
}

/// `block_in_order` for values of type `V`, value `i` made by `make(i)`.
fn block_in_order_of<V>(capacity: usize, n: usize, wait: Wait, make: fn(usize) -> V)
where
    V: Send + PartialEq + std::fmt::Debug + 'static,
{
    loom::model(move || {
        let (tx, rx) = Builder::new(capacity)
            .overflow(Block)
            .wait(wait)
            .spsc::<V>()
            .unwrap();
        let producer = thread::spawn(move || {
            for i in 0..n {
                assert_eq!(tx.send(make(i)), Ok(()));
            }
            tx
        });
        for i in 0..n {
            assert_eq!(rx.recv(), Ok(make(i)));
        }
        let tx = producer.join().unwrap();
        let s = rx.stats();
        assert_eq!(
            (s.sent, s.received, s.dropped, s.evicted),
            (n as u64, n as u64, 0, 0)
        );
        assert!(s.waits <= n.saturating_sub(capacity) as u64, "{s:?}");
        assert_eq!(tx.stats(), s);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop(tx);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn block_spin_cap1_two_values() {
    block_in_order(1, 2, Wait::Spin);
}

#[test]
fn block_park_cap1_two_values() {
    block_in_order(1, 2, Wait::Park);
}

#[test]
fn block_park_cap1_three_values() {
    block_in_order(1, 3, Wait::Park);
}

#[test]
fn block_spin_cap2_three_values() {
    block_in_order(2, 3, Wait::Spin);
}

#[test]
fn block_park_cap2_three_values() {
    block_in_order(2, 3, Wait::Park);
}

#[test]
fn large_values_park_cap1_three_values() {
    block_in_order_of(1, 3, Wait::Park, large);
}

#[test]
fn large_values_park_cap2_three_values() {
    block_in_order_of(2, 3, Wait::Park, large);
}

#[test]
fn large_values_spin_cap2_three_values() {
    block_in_order_of(2, 3, Wait::Spin, large);
}

/// Under loom a block holds two values, so a ring of 3 has a full block and
/// a partly used one: four values cross from block to block and wrap, and
/// the consumer takes the second value of a block on the stamp it loaded
/// for the first.
#[test]
fn block_spin_cap3_four_values_cross_blocks() {
    block_in_order(3, 4, Wait::Spin);
}

/// Producer sends `0..n` into a `DropNewest` ring and then leaves; the
/// consumer receives until closed. What arrived plus what was handed back is
/// exactly what was sent; arrivals are in order; the counters agree.
fn drop_newest(capacity: usize, n: usize, wait: Wait) {
    loom::model(move || {
        let (tx, rx) = Builder::new(capacity)
            .overflow(DropNewest)
            .wait(wait)
            .spsc::<usize>()
            .unwrap();
        let producer = thread::spawn(move || {
            let mut dropped = Vec::new();
            for i in 0..n {
                match tx.send(i).unwrap() {
                    Admission::Queued => {}
                    Admission::Dropped(v) => {
                        assert_eq!(v, i);
                        dropped.push(v);
                    }
                }
            }
            dropped
        });
        let mut received = Vec::new();
        while let Ok(v) = rx.recv() {
            received.push(v);
        }
        let dropped = producer.join().unwrap();
        assert!(increasing(&received), "{received:?}");
        assert_eq!(received[0], 0, "the first send always finds room");
        assert_partition(n, &[&received, &dropped]);
        let s = rx.stats();
        assert_eq!(s.sent, received.len() as u64);
        assert_eq!(s.received, received.len() as u64);
        assert_eq!(s.dropped, dropped.len() as u64);
        assert_eq!((s.evicted, s.waits, s.discarded), (0, 0, 0));
    });
}

#[test]
fn drop_newest_spin_cap1_three_values() {
    drop_newest(1, 3, Wait::Spin);
}

#[test]
fn drop_newest_park_cap1_three_values() {
    drop_newest(1, 3, Wait::Park);
}

/// `recv_many` waits for the first value, then takes what is ready, and
/// returns 0 only once closed and drained.
#[test]
fn recv_many_park_cap2_three_values() {
    loom::model(|| {
        let (tx, mut rx) = Builder::new(2).wait(Wait::Park).spsc::<usize>().unwrap();
        let producer = thread::spawn(move || {
            for i in 0..3 {
                tx.send(i).unwrap();
            }
        });
        let mut buf = Vec::new();
        loop {
            let before = buf.len();
            let got = rx.recv_many(&mut buf, 2);
            assert_eq!(got, buf.len() - before);
            assert!(got <= 2);
            if got == 0 {
                break;
            }
        }
        assert_eq!(buf, [0, 1, 2]);
        producer.join().unwrap();
    });
}
