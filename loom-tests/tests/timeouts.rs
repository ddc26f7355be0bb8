#![cfg(loom)]
//! Timed waits. loom has no clock: ringweir's sync facade models a timed
//! wait as "the timer fires before any notification" (the wait returns at
//! once and the deadline counts as passed), so these models explore a
//! timeout at every point of the race with the other side. A timeout never
//! loses or duplicates a value.

mod common;

use common::{Drops, Tok, LONG};
use loom::thread;
use ringweir::{
    Block, Builder, Mpsc, Producer, RecvTimeoutError, SendTimeoutError, Spsc, Topology,
    TryRecvError, Wait,
};

/// `recv_timeout` racing a send: `Ok(v)`, or `Timeout` and the value is
/// still there for a later `recv`. `K` is the topology (spsc or mpsc).
fn recv_timeout_vs_send<K: Topology<Policy = Block>>(wait: Wait)
where
    Producer<u32, K>: Send,
{
    loom::model(move || {
        let (tx, rx) = Builder::new(1).wait(wait).build::<u32, K>().unwrap();
        let producer = thread::spawn(move || {
            tx.send(7u32).unwrap();
            tx
        });
        match rx.recv_timeout(LONG) {
            Ok(v) => assert_eq!(v, 7),
            Err(RecvTimeoutError::Timeout) => assert_eq!(rx.recv(), Ok(7)),
            Err(RecvTimeoutError::Closed) => panic!("closed while the producer lives"),
        }
        let tx = producer.join().unwrap();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        let s = tx.stats();
        assert_eq!((s.sent, s.received), (1, 1));
    });
}

#[test]
fn spsc_park_recv_timeout_vs_send() {
    recv_timeout_vs_send::<Spsc>(Wait::Park);
}

#[test]
fn spsc_spin_recv_timeout_vs_send() {
    recv_timeout_vs_send::<Spsc>(Wait::Spin);
}

#[test]
fn mpsc_park_recv_timeout_vs_send() {
    recv_timeout_vs_send::<Mpsc>(Wait::Park);
}

/// `recv_timeout` racing the producer's drop: `Closed` or `Timeout`; after
/// a timeout, `recv` reports closed.
#[test]
fn spsc_park_recv_timeout_vs_producer_drop() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1).wait(Wait::Park).spsc::<u32>().unwrap();
        let producer = thread::spawn(move || drop(tx));
        match rx.recv_timeout(LONG) {
            Err(RecvTimeoutError::Closed) => {}
            Err(RecvTimeoutError::Timeout) => assert!(rx.recv().is_err()),
            Ok(v) => panic!("received {v} from nobody"),
        }
        producer.join().unwrap();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

/// `send_timeout` on a full `Block` ring racing a receive: `Ok(())`, or
/// `Timeout` with the value back; the ring then holds exactly what was
/// queued, and the wait is counted at most once. `K` is the topology (spsc
/// or mpsc).
fn send_timeout_vs_recv<K: Topology<Policy = Block>>(wait: Wait)
where
    Producer<Tok, K>: Send,
{
    loom::model(move || {
        let drops = Drops::new(2);
        let (tx, rx) = Builder::new(1)
            .overflow(Block)
            .wait(wait)
            .build::<Tok, K>()
            .unwrap();
        tx.send(drops.tok(0)).unwrap();
        let tok = drops.tok(1);
        let producer = thread::spawn(move || {
            let sent = tx.send_timeout(tok, LONG);
            (tx, sent)
        });
        assert_eq!(rx.recv().unwrap().id, 0);
        let (tx, sent) = producer.join().unwrap();
        let queued = match sent {
            Ok(()) => true,
            Err(SendTimeoutError::Timeout(back)) => {
                assert_eq!(back.id, 1);
                false
            }
            Err(SendTimeoutError::Closed(back)) => panic!("closed, got {back:?} back"),
        };
        match rx.try_recv() {
            Ok(t) => {
                assert!(queued);
                assert_eq!(t.id, 1);
            }
            Err(TryRecvError::Empty) => assert!(!queued),
            Err(TryRecvError::Closed) => panic!("closed while the producer lives"),
        }
        let s = tx.stats();
        assert_eq!(s.sent, 1 + queued as u64);
        assert_eq!(s.received, s.sent);
        assert!(s.waits <= 1, "{s:?}");
        drop((tx, rx));
        drops.assert_all_once();
    });
}

#[test]
fn spsc_park_send_timeout_vs_recv() {
    send_timeout_vs_recv::<Spsc>(Wait::Park);
}

#[test]
fn spsc_spin_send_timeout_vs_recv() {
    send_timeout_vs_recv::<Spsc>(Wait::Spin);
}

#[test]
fn mpsc_park_send_timeout_vs_recv() {
    send_timeout_vs_recv::<Mpsc>(Wait::Park);
}

/// `send_timeout` on a full ring racing the consumer's drop: `Timeout` or
/// `Closed` with the value back, or `Ok(())` and discarded at once (see
/// closing.rs); the queued value is dropped exactly once either way.
#[test]
fn spsc_park_send_timeout_vs_consumer_drop() {
    loom::model(|| {
        let drops = Drops::new(2);
        let (tx, rx) = Builder::new(1).wait(Wait::Park).spsc().unwrap();
        tx.send(drops.tok(0)).unwrap();
        let consumer = thread::spawn(move || drop(rx));
        let sent = tx.send_timeout(drops.tok(1), LONG);
        consumer.join().unwrap();
        assert_eq!(drops.count(0), 1);
        match sent {
            Err(SendTimeoutError::Timeout(back)) | Err(SendTimeoutError::Closed(back)) => {
                assert_eq!(back.id, 1);
                assert_eq!(drops.count(1), 0);
            }
            Ok(()) => assert_eq!(drops.count(1), 1),
        }
        drop(tx);
        drops.assert_all_once();
    });
}
