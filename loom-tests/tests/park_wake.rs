#![cfg(loom)]
//! The `Wait::Park` sleep/wake hand-off (the classic missed-notify race): a
//! waiter announces itself, fences and re-checks under the mutex; the other
//! side publishes, fences and reads the sleeper count. If a wake-up could be
//! lost, loom finds an execution where every thread is blocked and reports a
//! deadlock.
//!
//! The handles of the side that makes progress are kept alive until the
//! waiter is done: closing wakes everyone unconditionally and would hide a
//! lost fast-path wake-up.

use loom::thread;
use ringweir::{Block, Builder, TryRecvError, Wait};

/// Consumer blocks in `recv` on an empty ring while the producer sends.
#[test]
fn spsc_consumer_parks_producer_sends() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1).wait(Wait::Park).spsc::<u32>().unwrap();
        let producer = thread::spawn(move || {
            tx.send(7).unwrap();
            tx
        });
        assert_eq!(rx.recv(), Ok(7));
        let _tx = producer.join().unwrap();
    });
}

/// Producer blocks in `send` on a full `Block` ring while the consumer
/// receives; both values arrive in order.
#[test]
fn spsc_producer_parks_consumer_receives() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1)
            .overflow(Block)
            .wait(Wait::Park)
            .spsc::<u32>()
            .unwrap();
        tx.send(0).unwrap();
        let producer = thread::spawn(move || {
            assert_eq!(tx.send(1), Ok(()));
            tx
        });
        assert_eq!(rx.recv(), Ok(0));
        assert_eq!(rx.recv(), Ok(1));
        let tx = producer.join().unwrap();
        assert!(tx.stats().waits <= 1);
    });
}

/// Both sides wait in turn: a capacity-1 ring carries two values while the
/// consumer blocks on empty and the producer on full.
#[test]
fn spsc_ping_pong_two_values() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1).wait(Wait::Park).spsc::<u32>().unwrap();
        let producer = thread::spawn(move || {
            tx.send(0).unwrap();
            tx.send(1).unwrap();
            tx
        });
        assert_eq!(rx.recv(), Ok(0));
        assert_eq!(rx.recv(), Ok(1));
        let tx = producer.join().unwrap();
        let s = tx.stats();
        assert_eq!((s.sent, s.received), (2, 2));
    });
}

/// The stamped ring's hand-off (mpsc): consumer parks, producer sends.
#[test]
fn mpsc_consumer_parks_producer_sends() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1).wait(Wait::Park).mpsc::<u32>().unwrap();
        let producer = thread::spawn(move || {
            tx.send(7).unwrap();
            tx
        });
        assert_eq!(rx.recv(), Ok(7));
        let _tx = producer.join().unwrap();
    });
}

/// The stamped ring's hand-off (mpsc): producer parks on full, consumer
/// receives.
#[test]
fn mpsc_producer_parks_consumer_receives() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1).wait(Wait::Park).mpsc::<u32>().unwrap();
        tx.send(0).unwrap();
        let producer = thread::spawn(move || {
            assert_eq!(tx.send(1), Ok(()));
            tx
        });
        assert_eq!(rx.recv(), Ok(0));
        assert_eq!(rx.recv(), Ok(1));
        let _tx = producer.join().unwrap();
    });
}

/// mpmc: a consumer clone parks in `recv` in another thread while the
/// producer sends; the second consumer handle stays idle (it only keeps the
/// count of consumers at two).
#[test]
fn mpmc_cloned_consumer_parks_producer_sends() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1).wait(Wait::Park).mpmc::<u32>().unwrap();
        let rx2 = rx.clone();
        let consumer = thread::spawn(move || rx2.recv());
        tx.send(7).unwrap();
        assert_eq!(consumer.join().unwrap(), Ok(7));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop(tx);
    });
}

/// mpsc with two producer handles: one clone parks in `send` on a full
/// ring in another thread while the consumer receives. (Two producer
/// *threads* both blocked on the one slot would make loom explore the two
/// spinning on each other forever; see README.md.) Under `Spin` the clone
/// polls through `push_waiting`, which stops at the slot's stamp and never
/// loads `head` (under loom a `Park` waiter sleeps at once, after one
/// exact look).
#[test]
fn mpsc_producer_clone_parks_consumer_receives() {
    for wait in [Wait::Park, Wait::Spin] {
        mpsc_producer_clone_waits_consumer_receives(wait);
    }
}

fn mpsc_producer_clone_waits_consumer_receives(wait: Wait) {
    loom::model(move || {
        let (tx, rx) = Builder::new(1).wait(wait).mpsc::<u32>().unwrap();
        let tx2 = tx.clone();
        tx.send(0).unwrap();
        let producer = thread::spawn(move || {
            tx2.send(1).unwrap();
            tx2
        });
        assert_eq!(rx.recv(), Ok(0));
        assert_eq!(rx.recv(), Ok(1));
        let _tx2 = producer.join().unwrap();
        drop(tx);
    });
}

/// mpsc, two producer threads, a consumer parked in `recv`: the value at
/// the head may still be being written while the later one is published.
/// A waiting receive then stops at the head's stamp without loading `tail`
/// (see "A receiver that waits" in `src/protocol/stamped.rs`), so it relies
/// on the producer of that very value to wake it. Both values arrive and
/// nobody sleeps forever (a lost wake-up is a loom deadlock).
/// Under `Spin` the same race runs through the polls that stop at the
/// stamp (under loom a `Park` waiter sleeps at once, after one exact look).
#[test]
fn mpsc_consumer_parks_two_producers_send() {
    for wait in [Wait::Park, Wait::Spin] {
        mpsc_consumer_waits_two_producers_send(wait);
    }
}

fn mpsc_consumer_waits_two_producers_send(wait: Wait) {
    loom::model(move || {
        let (tx, rx) = Builder::new(2).wait(wait).mpsc::<u32>().unwrap();
        let producers: Vec<_> = [1, 2]
            .into_iter()
            .map(|v| {
                let tx = tx.clone();
                thread::spawn(move || {
                    tx.send(v).unwrap();
                    tx
                })
            })
            .collect();
        let mut got = [rx.recv().unwrap(), rx.recv().unwrap()];
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        let _txs: Vec<_> = producers.into_iter().map(|p| p.join().unwrap()).collect();
        drop(tx);
    });
}

/// mpmc: the same race for a cloned consumer parked in `recv` on another
/// thread, whose pops claim `head` by CAS.
#[test]
fn mpmc_cloned_consumer_parks_two_producers_send() {
    loom::model(|| {
        let (tx, rx) = Builder::new(2).wait(Wait::Park).mpmc::<u32>().unwrap();
        let tx2 = tx.clone();
        let rx2 = rx.clone();
        let consumer = thread::spawn(move || {
            let first = rx2.recv().unwrap();
            (first, rx2.recv().unwrap())
        });
        let producer = thread::spawn(move || {
            tx2.send(2).unwrap();
            tx2
        });
        tx.send(1).unwrap();
        let (a, b) = consumer.join().unwrap();
        assert_eq!([a.min(b), a.max(b)], [1, 2]);
        let _tx2 = producer.join().unwrap();
        drop((tx, rx));
    });
}
