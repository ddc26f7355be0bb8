#![cfg(loom)]
//! `peek` on a ring's sole taker of values (spsc rings, and mpsc rings that
//! never evict), while producers publish: a peeked value is the oldest one,
//! fully written, still in place, and the next receive takes exactly it.
//! Peeking takes nothing and drops nothing: every value is dropped once,
//! by whoever received it.
//!
//! The spsc models cover both protocols an spsc ring may use (the fast one
//! for values of up to 64 bytes, the stamped one, with its sole-consumer
//! claim, for larger values); the mpsc model covers the stamped ring's sole
//! consumer beside two producers that claim `tail` by CAS. The consumer
//! looks once per value and otherwise waits in `recv` (`Park`): it never
//! spins, so loom explores every interleaving of the look with the sends.

mod common;

use common::{Drops, Tok};
use loom::thread;
use ringweir::{Builder, Wait};

/// Receives `n` values by peeking once before each and then either taking
/// the peeked value with `try_recv` or waiting for one with `recv`. Returns
/// the ids in the order received.
fn peek_then_take(
    n: usize,
    mut peek: impl FnMut() -> Option<usize>,
    mut try_recv: impl FnMut() -> Option<usize>,
    mut recv: impl FnMut() -> usize,
) -> Vec<usize> {
    (0..n)
        .map(|_| match peek() {
            Some(seen) => {
                assert_eq!(
                    try_recv(),
                    Some(seen),
                    "took another value than the peeked one"
                );
                seen
            }
            None => recv(),
        })
        .collect()
}

/// One producer sends tokens `0..n` on an spsc ring of `capacity` slots
/// (blocking when full) while the consumer peeks and receives them in
/// order; `T` is a token padded to `PAD` words so that the size picks the
/// protocol.
fn spsc_peek<const PAD: usize>(capacity: usize, n: usize) {
    loom::model(move || {
        let drops = Drops::new(n);
        let (tx, mut rx) = Builder::new(capacity)
            .wait(Wait::Park)
            .spsc::<(Tok, [usize; PAD])>()
            .unwrap();
        let toks: Vec<_> = (0..n).map(|i| drops.tok(i)).collect();
        let producer = thread::spawn(move || {
            for t in toks {
                tx.send((t, [0; PAD])).unwrap();
            }
        });
        let got = {
            let rx = std::cell::RefCell::new(&mut rx);
            peek_then_take(
                n,
                || rx.borrow_mut().peek().map(|(t, _)| t.id),
                || rx.borrow().try_recv().ok().map(|(t, _)| t.id),
                || rx.borrow().recv().unwrap().0.id,
            )
        };
        producer.join().unwrap();
        assert_eq!(got, (0..n).collect::<Vec<_>>());
        assert!(rx.peek().is_none());
        drop(rx);
        drops.assert_all_once();
    });
}

#[test]
fn spsc_fast_peek_sees_the_oldest_published_value() {
    spsc_peek::<0>(2, 3);
}

#[test]
fn spsc_fast_peek_on_one_slot() {
    spsc_peek::<0>(1, 2);
}

#[test]
fn spsc_stamped_peek_sees_the_oldest_published_value() {
    // 8 + 16 * 8 bytes: above the fast protocol's 64.
    spsc_peek::<16>(2, 3);
}

/// Two producers send one token each on an mpsc `Block` ring of
/// `capacity` slots (the consumer is the ring's sole taker) while the
/// consumer peeks and receives: each peek shows the value the next receive
/// takes, and both arrive once.
fn mpsc_peek(capacity: usize) {
    loom::model(move || {
        let drops = Drops::new(2);
        let (tx, mut rx) = Builder::new(capacity)
            .wait(Wait::Park)
            .mpsc::<Tok>()
            .unwrap();
        let producers: Vec<_> = (0..2)
            .map(|i| {
                let tx = tx.clone();
                let tok = drops.tok(i);
                thread::spawn(move || tx.send(tok).unwrap())
            })
            .collect();
        drop(tx);
        let mut got = {
            let rx = std::cell::RefCell::new(&mut rx);
            peek_then_take(
                2,
                || rx.borrow_mut().peek().map(|t| t.id),
                || rx.borrow().try_recv().ok().map(|t| t.id),
                || rx.borrow().recv().unwrap().id,
            )
        };
        for p in producers {
            p.join().unwrap();
        }
        got.sort_unstable();
        assert_eq!(got, [0, 1]);
        assert!(rx.peek().is_none());
        assert!(rx.recv().is_err(), "closed once both producers are gone");
        drop(rx);
        drops.assert_all_once();
    });
}

#[test]
fn mpsc_sole_consumer_peek_beside_two_producers() {
    mpsc_peek(2);
}

#[test]
fn mpsc_sole_consumer_peek_on_one_slot() {
    mpsc_peek(1);
}
