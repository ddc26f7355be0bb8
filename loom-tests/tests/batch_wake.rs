#![cfg(loom)]
//! The `Wait::Park` wake-up after a batch call, with two sleepers on the
//! other side: a batch that frees (or fills) two slots must wake both.
//! Two producer clones parked in `send` on a full `mpsc` ring of two while
//! the consumer takes both values with one `try_recv_slice`,
//! `try_recv_many`, `try_recv_in_place` or `recv_slice`; two `mpmc`
//! consumer clones parked in `recv` on an empty ring of two while the
//! producer queues two values with one `try_send_slice` or `send_slice`.
//! Every sleeper must get its slot or its value: one left asleep beside a
//! free slot (or a queued value) is a lost wake-up, which loom reports as a
//! deadlock.
//!
//! As in `park_wake.rs`, the handles of the side that makes progress stay
//! alive until the sleepers are joined: closing wakes everyone and would
//! hide the lost wake-up. The sleepers may also run only after the batch
//! (loom explores that too): then they must not wait at all. Two sleepers
//! never spin on a third here: the consumer's (or producer's) stores that
//! free (or fill) the slots come before its wake-up, and a consumer's exact
//! look before sleeping runs under the sleepers' mutex, one at a time.

use loom::thread;
use ringweir::{mpmc, mpsc, Block, Builder, TryRecvError, Wait};

/// A full `mpsc` ring of two (`Block`, `Park`) holding `0, 1`; two producer
/// clones send `10` and `11` on their own threads (both may park); the
/// consumer takes both queued values with one call of `take`, which returns
/// what it took. Then both producers must finish while the consumer keeps
/// its handle, and the consumer receives `10` and `11`.
fn two_parked_producers(take: fn(&mut mpsc::Consumer<usize>) -> Vec<usize>) {
    loom::model(move || {
        let (tx, mut rx) = Builder::new(2)
            .overflow(Block)
            .wait(Wait::Park)
            .mpsc::<usize>()
            .unwrap();
        tx.send(0).unwrap();
        tx.send(1).unwrap();
        // One producer handle per thread (the original goes before the
        // threads run).
        let clones = [(tx.clone(), 10), (tx.clone(), 11)];
        drop(tx);
        let producers: Vec<_> = clones
            .into_iter()
            .map(|(tx, v)| {
                thread::spawn(move || {
                    assert_eq!(tx.send(v), Ok(()));
                    tx
                })
            })
            .collect();
        assert_eq!(take(&mut rx), [0, 1]);
        // A producer left asleep beside a free slot never returns: loom
        // reports a deadlock here.
        let _txs: Vec<_> = producers.into_iter().map(|p| p.join().unwrap()).collect();
        let mut got = [rx.try_recv().unwrap(), rx.try_recv().unwrap()];
        got.sort_unstable();
        assert_eq!(got, [10, 11]);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        let stats = rx.stats();
        assert_eq!((stats.sent, stats.received), (4, 4));
        assert!(stats.waits <= 2, "{stats:?}");
    });
}

/// `try_recv_slice` frees both slots with one call (one after-pop duty).
#[test]
fn try_recv_slice_wakes_both_parked_producers() {
    two_parked_producers(|rx| {
        let mut out = [usize::MAX; 2];
        let k = rx.try_recv_slice(&mut out);
        out[..k].to_vec()
    });
}

/// `recv_slice`: the first value through `recv`, the second through the
/// slice that follows (one after-pop duty each).
#[test]
fn recv_slice_wakes_both_parked_producers() {
    two_parked_producers(|rx| {
        let mut out = [usize::MAX; 2];
        let k = rx.recv_slice(&mut out);
        out[..k].to_vec()
    });
}

/// `try_recv_many` frees both slots with one call.
#[test]
fn try_recv_many_wakes_both_parked_producers() {
    two_parked_producers(|rx| {
        let mut got = Vec::new();
        rx.try_recv_many(&mut got, 2);
        got
    });
}

/// `try_recv_in_place` frees both slots with one call.
#[test]
fn try_recv_in_place_wakes_both_parked_producers() {
    two_parked_producers(|rx| {
        let mut got = Vec::new();
        rx.try_recv_in_place(2, |run| got.extend_from_slice(run));
        got
    });
}

/// An empty `mpmc` ring of two (`Park`); two consumer clones wait in `recv`
/// on their own threads (both may park); the producer queues `1, 2` with
/// one call of `give`. Both consumers must get a value while the producer
/// keeps its handle.
fn two_parked_consumers(give: fn(&mut mpmc::Producer<usize>)) {
    loom::model(move || {
        let (mut tx, rx) = Builder::new(2).wait(Wait::Park).mpmc::<usize>().unwrap();
        let consumers: Vec<_> = [rx.clone(), rx]
            .into_iter()
            .map(|rx| {
                thread::spawn(move || {
                    let got = rx.recv().unwrap();
                    (got, rx)
                })
            })
            .collect();
        give(&mut tx);
        // A consumer left asleep beside a queued value never returns: loom
        // reports a deadlock here.
        let (mut got, rxs): (Vec<_>, Vec<_>) =
            consumers.into_iter().map(|c| c.join().unwrap()).unzip();
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
        let stats = tx.stats();
        assert_eq!((stats.sent, stats.received), (2, 2));
        assert!(tx.is_empty());
        drop(rxs);
    });
}

/// `try_send_slice` fills both slots with one call (one after-push duty).
#[test]
fn try_send_slice_wakes_both_parked_consumers() {
    two_parked_consumers(|tx| assert_eq!(tx.try_send_slice(&[1, 2]), Ok(2)));
}

/// `send_slice`: the same run, through the sending call that would wait.
#[test]
fn send_slice_wakes_both_parked_consumers() {
    two_parked_consumers(|tx| tx.send_slice(&[1, 2]).unwrap());
}
