#![cfg(loom)]
//! A consumer that meets a push by a ring's only producer that is not yet
//! published. With one consumer, a ring that this consumer has seen
//! non-empty stays non-empty until it takes a value, and `len()` never
//! counts a value that a receive cannot take yet: after `!is_empty()`,
//! `try_recv` returns a value; after `len() > 0`, `try_recv_slice`,
//! `try_recv_in_place` and `try_recv_many` each take at least one.
//!
//! The producer sends while the consumer looks. Every topology and policy
//! is covered, at capacity 1 and 2: the spsc `DropOldest` ring (the stamped
//! ring with a producer that can never be cloned, which moves `tail` by a
//! plain store), the only producer handle of an `mpsc` or `mpmc` ring
//! beside one consumer handle (it claims `tail` by CAS, before it writes
//! the value: `len()` counts it from the claim, and a `try_` receive that
//! finds `tail` moved past a value not yet stamped waits for it), and the
//! spsc fast ring (`Block`, `DropNewest`). At the end every value
//! is received, evicted or dropped exactly once, the received ones in
//! order.
//!
//! One model isolates the memory ordering: a `len()` that sees the sole
//! producer's new `tail` must be followed by a receive that sees the value.
//! A producer that stamped the value before a Relaxed store of `tail`
//! would fail it (loom lets the stamp load return the old stamp: nothing
//! orders it after the `tail` that `len()` read); a Release store passes.

use loom::thread;
use ringweir::{
    Block, Builder, Consumer, DropNewest, DropOldest, Eviction, Overflow, Producer, Topology,
};

/// A ring of topology `K` with both handles, as `Builder` returns it.
type Pair<K> = (Producer<usize, K>, Consumer<usize, K>);

/// How the consumer takes values once it has seen the ring non-empty.
#[derive(Clone, Copy, Debug)]
enum Take {
    /// `!is_empty()`, then `try_recv`.
    Recv,
    /// `len() > 0`, then `try_recv_slice` into a buffer of two.
    Slice,
    /// `len() > 0`, then `try_recv_in_place(2, ..)`.
    InPlace,
    /// `len() > 0`, then `try_recv_many(.., 2)`.
    Many,
}

impl Take {
    const ALL: [Take; 4] = [Take::Recv, Take::Slice, Take::InPlace, Take::Many];

    /// One look and, if it saw values, one receive: what it took.
    fn look_then_take<K: Topology>(self, rx: &mut Consumer<usize, K>) -> Vec<usize> {
        let mut got = Vec::new();
        match self {
            Take::Recv => {
                if !rx.is_empty() {
                    let taken = rx.try_recv();
                    assert!(taken.is_ok(), "seen non-empty, then try_recv: {taken:?}");
                    got.extend(taken);
                }
            }
            _ => {
                let len = rx.len();
                if len > 0 {
                    match self {
                        Take::Slice => {
                            let mut out = [usize::MAX; 2];
                            let k = rx.try_recv_slice(&mut out);
                            got.extend_from_slice(&out[..k]);
                        }
                        Take::InPlace => {
                            rx.try_recv_in_place(2, |run| got.extend_from_slice(run));
                        }
                        _ => {
                            rx.try_recv_many(&mut got, 2);
                        }
                    }
                    assert!(
                        !got.is_empty(),
                        "len() was {len}, then {self:?} took nothing"
                    );
                }
            }
        }
        got
    }
}

/// The consumer looks and takes twice by `take` on its own thread while
/// the producer sends `0..n` (and keeps its handle); then the consumer
/// drains what is left. `n` never makes a `Block` producer wait.
///
/// The consumer runs on the spawned thread, the producer after the spawn:
/// loom's DPOR then reaches the consumer's loads between the producer's
/// store of `tail` and its stamp (with the roles swapped, the producer's
/// own load of `tail` before its store hides the consumer's earlier load
/// from loom, and a model that sends one value runs one execution).
fn sent_while_looking<K: Topology>(make: fn() -> Pair<K>, n: usize, take: Take)
where
    Consumer<usize, K>: Send,
{
    loom::model(move || {
        let (tx, mut rx) = make();
        let consumer = thread::spawn(move || {
            let mut received = take.look_then_take(&mut rx);
            received.extend(take.look_then_take(&mut rx));
            (rx, received)
        });
        let mut gone = Vec::new();
        for v in 0..n {
            // A value handed back: evicted (`DropOldest`) or dropped (`DropNewest`).
            gone.extend(K::Policy::returned(tx.send(v).unwrap()));
        }
        let (rx, mut received) = consumer.join().unwrap();
        while let Ok(v) = rx.try_recv() {
            received.push(v);
        }
        assert!(
            received.windows(2).all(|w| w[0] < w[1]),
            "received {received:?}"
        );
        let mut all: Vec<_> = received.iter().chain(&gone).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..n).collect::<Vec<_>>(), "received {received:?}");
        drop(tx);
    });
}

/// Every `Take` against a `$topology` ring of `$capacity` with policy
/// `$overflow`, with `$n` values sent.
macro_rules! every_take {
    ($name:ident, $topology:ident, $overflow:ident, $capacity:expr, $n:expr) => {
        #[test]
        fn $name() {
            let make = || {
                Builder::new($capacity)
                    .overflow($overflow)
                    .$topology::<usize>()
                    .unwrap()
            };
            for take in Take::ALL {
                sent_while_looking(make, $n, take);
            }
        }
    };
}

// The spsc `DropOldest` ring: the stamped ring with a producer that can
// never be cloned. Capacity + 1 values: the last send evicts.
every_take!(spsc_drop_oldest_cap1, spsc, DropOldest, 1, 2);
every_take!(spsc_drop_oldest_cap2, spsc, DropOldest, 2, 3);

// The spsc fast ring. `Block`: as many values as slots; `DropNewest`: one
// more, which may be dropped.
every_take!(spsc_block_cap1, spsc, Block, 1, 1);
every_take!(spsc_block_cap2, spsc, Block, 2, 2);
every_take!(spsc_drop_newest_cap1, spsc, DropNewest, 1, 2);
every_take!(spsc_drop_newest_cap2, spsc, DropNewest, 2, 3);

// The only producer handle of an `mpsc` ring, beside one consumer handle
// (it claims `tail` by CAS, as every `mpsc`/`mpmc` producer does).
every_take!(mpsc_block_cap1, mpsc, Block, 1, 1);
every_take!(mpsc_block_cap2, mpsc, Block, 2, 2);
every_take!(mpsc_drop_newest_cap1, mpsc, DropNewest, 1, 2);
every_take!(mpsc_drop_newest_cap2, mpsc, DropNewest, 2, 3);
every_take!(mpsc_drop_oldest_cap1, mpsc, DropOldest, 1, 2);
every_take!(mpsc_drop_oldest_cap2, mpsc, DropOldest, 2, 3);

// The only producer handle of an `mpmc` ring, beside one consumer handle
// (CAS claims of `tail`, and of `head` by the consumer).
every_take!(mpmc_block_cap1, mpmc, Block, 1, 1);
every_take!(mpmc_block_cap2, mpmc, Block, 2, 2);
every_take!(mpmc_drop_newest_cap1, mpmc, DropNewest, 1, 2);
every_take!(mpmc_drop_newest_cap2, mpmc, DropNewest, 2, 3);
every_take!(mpmc_drop_oldest_cap1, mpmc, DropOldest, 1, 2);
every_take!(mpmc_drop_oldest_cap2, mpmc, DropOldest, 2, 3);

/// The memory ordering alone: the sole producer of an spsc `DropOldest`
/// ring sends one value; a consumer whose `len()` saw it (the producer's
/// new `tail`) must receive it. The consumer receives only after that
/// look, so a producer that stamps before it moves `tail` is never caught
/// with `tail` behind a value already taken (which the models above also
/// check); what is left is the ordering. Only the store of `tail` can carry
/// the stamp to this consumer: with "stamp, then a Relaxed `tail` store"
/// loom lets the stamp load read the old stamp after `len()` read the new
/// `tail`; a Release store passes. (Moving `tail` before stamping fails it
/// by interleaving alone.)
fn len_then_recv_one_value(capacity: usize) {
    loom::model(move || {
        let (tx, rx) = Builder::new(capacity)
            .overflow(DropOldest)
            .spsc::<usize>()
            .unwrap();
        let consumer = thread::spawn(move || {
            if rx.len() == 1 {
                assert_eq!(rx.try_recv(), Ok(7), "len() saw the value");
            }
            rx
        });
        assert_eq!(tx.send(7).unwrap(), Eviction::Queued);
        let _rx = consumer.join().unwrap();
    });
}

/// Capacity 1: the consumer claims `head` by CAS.
#[test]
fn len_then_recv_sees_the_stamp_cap1() {
    len_then_recv_one_value(1);
}

/// Capacity 2: the consumer claims behind its evictor.
#[test]
fn len_then_recv_sees_the_stamp_cap2() {
    len_then_recv_one_value(2);
}
