#![cfg(loom)]
//! Each side waiting its own way. A side that waits by `Wait::Poll` (or
//! `Spin`, `Yield`) is never woken: the other side's calls skip the fence
//! and the wake-up check altogether, and the waiter must still see every
//! value, free slot and close by polling. A side that `Park`s beside a
//! polling partner must still be woken by it. Under loom a `Poll` waiter's
//! timed sleep is a yield to the scheduler, so an execution in which its
//! partner never acts again is a deadlock loom reports.

use loom::thread;
use ringweir::{Block, Builder, Mpsc, Producer, RecvError, RecvTimeoutError, Spsc, Topology, Wait};
use std::time::Duration;

const POLL: Wait = Wait::Poll(Duration::from_micros(100));

/// The producer polls on a full `Block` ring; the consumer, which would
/// otherwise have to wake it, only takes values with `try_recv`. `K` is
/// the topology (spsc or mpsc).
fn producer_polls<K: Topology<Policy = Block>>()
where
    Producer<u32, K>: Send,
{
    loom::model(|| {
        let (tx, rx) = Builder::new(1)
            .overflow(Block)
            .producer_wait(POLL)
            .consumer_wait(Wait::Park)
            .build::<u32, K>()
            .unwrap();
        tx.send(0u32).unwrap();
        let producer = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        let mut got = Vec::new();
        while got.len() < 2 {
            match rx.try_recv() {
                Ok(v) => got.push(v),
                Err(_) => thread::yield_now(),
            }
        }
        assert_eq!(got, [0, 1]);
        let tx = producer.join().unwrap();
        assert!(tx.stats().waits <= 1);
    });
}

#[test]
fn spsc_producer_polls_while_the_consumer_only_tries() {
    producer_polls::<Spsc>();
}

#[test]
fn mpsc_producer_polls_while_the_consumer_only_tries() {
    producer_polls::<Mpsc>();
}

/// The consumer polls in `recv` on an empty ring; the producer only calls
/// `try_send`, which never checks for sleepers on such a ring. Then the
/// producer leaves, and the polling consumer sees the close. `K` is the
/// topology (spsc or mpsc).
fn consumer_polls<K: Topology<Policy = Block>>()
where
    Producer<u32, K>: Send,
{
    loom::model(|| {
        let (tx, rx) = Builder::new(1)
            .consumer_wait(POLL)
            .build::<u32, K>()
            .unwrap();
        let producer = thread::spawn(move || {
            tx.try_send(7u32).unwrap();
        });
        assert_eq!(rx.recv(), Ok(7));
        assert_eq!(rx.recv(), Err(RecvError));
        producer.join().unwrap();
    });
}

#[test]
fn spsc_consumer_polls_and_sees_the_value_then_the_close() {
    consumer_polls::<Spsc>();
}

#[test]
fn mpsc_consumer_polls_and_sees_the_value_then_the_close() {
    consumer_polls::<Mpsc>();
}

/// A parked consumer beside a producer that polls when the ring is full:
/// the producer's sends must still wake the consumer, and the consumer's
/// receives never wake the producer, which finds the free slot itself.
#[test]
fn spsc_parked_consumer_beside_a_polling_producer() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1)
            .producer_wait(POLL)
            .consumer_wait(Wait::Park)
            .spsc::<u32>()
            .unwrap();
        let producer = thread::spawn(move || {
            tx.send(0).unwrap();
            tx.send(1).unwrap();
            tx
        });
        assert_eq!(rx.recv(), Ok(0));
        assert_eq!(rx.recv(), Ok(1));
        let _tx = producer.join().unwrap();
    });
}

/// The mirror image: a parked producer on a full ring beside a consumer
/// that polls in `recv`.
#[test]
fn spsc_parked_producer_beside_a_polling_consumer() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1)
            .producer_wait(Wait::Park)
            .consumer_wait(POLL)
            .spsc::<u32>()
            .unwrap();
        tx.send(0).unwrap();
        let producer = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        assert_eq!(rx.recv(), Ok(0));
        assert_eq!(rx.recv(), Ok(1));
        let _tx = producer.join().unwrap();
    });
}

/// A polling consumer's timed receive racing a send: it returns the value
/// or times out, and after a time-out the value is still there to
/// receive. (Under loom every deadline has passed at its first check, so
/// the poll times out before its first timed sleep.)
#[test]
fn spsc_polling_recv_timeout_races_a_send() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1).consumer_wait(POLL).spsc::<u32>().unwrap();
        let producer = thread::spawn(move || {
            tx.try_send(5).unwrap();
            tx
        });
        match rx.recv_timeout(Duration::from_millis(1)) {
            Ok(v) => assert_eq!(v, 5),
            Err(RecvTimeoutError::Timeout) => {
                let _tx = producer.join().unwrap();
                assert_eq!(rx.recv(), Ok(5));
                return;
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
        let _tx = producer.join().unwrap();
    });
}
