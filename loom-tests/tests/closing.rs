#![cfg(loom)]
//! Closing while the other side waits or pushes: a parked consumer sees the
//! last producer leave, a parked producer sees the last consumer leave and
//! gets its value back, and values still queued are dropped exactly once,
//! as soon as the last consumer is gone (even when a producer pushes while
//! it leaves).

mod common;

use common::{Drops, Tok};
use loom::thread;
use ringweir::{
    Block, Builder, Consumer, DropOldest, Mpsc, Overflow, RecvError, SendError, Spsc, Stats,
    Topology, TryRecvError, Wait,
};

/// Consumer parked in `recv` on an empty ring; the producer is dropped.
#[test]
fn spsc_parked_consumer_sees_producer_drop() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1).wait(Wait::Park).spsc::<u32>().unwrap();
        let producer = thread::spawn(move || drop(tx));
        assert_eq!(rx.recv(), Err(RecvError));
        producer.join().unwrap();
    });
}

/// The producer sends one value and leaves: the parked consumer gets the
/// value, then `Err`.
#[test]
fn spsc_consumer_drains_then_sees_close() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1).wait(Wait::Park).spsc::<u32>().unwrap();
        let producer = thread::spawn(move || {
            tx.send(5).unwrap();
        });
        assert_eq!(rx.recv(), Ok(5));
        assert_eq!(rx.recv(), Err(RecvError));
        producer.join().unwrap();
    });
}

/// mpsc: the two producer clones are dropped on two threads; only the last
/// one closes, and the parked consumer wakes with `Err`.
#[test]
fn mpsc_parked_consumer_sees_last_of_two_producers_drop() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1).wait(Wait::Park).mpsc::<u32>().unwrap();
        let tx2 = tx.clone();
        let a = thread::spawn(move || drop(tx));
        let b = thread::spawn(move || drop(tx2));
        assert_eq!(rx.recv(), Err(RecvError));
        a.join().unwrap();
        b.join().unwrap();
    });
}

/// Producer parked in `send` on a full `Block` ring; the consumer is
/// dropped. The queued value is dropped once, by the leaving consumer
/// (before the producer handle goes). The send either fails with its value
/// back, or (when its retry read the closed flag just before the consumer
/// closed, then pushed into the slot the consumer's drain had just freed)
/// returns `Ok(())` having already discarded its value: dropped once and
/// counted in `Stats::discarded`, never lost silently or left in the ring.
/// `K` is the ring's topology (spsc or mpsc), always with `Block`.
fn parked_producer_sees_consumer_drop<K: Topology<Policy = Block>>()
where
    Consumer<Tok, K>: Send,
{
    loom::model(|| {
        let drops = Drops::new(2);
        let (tx, rx) = Builder::new(1)
            .overflow(Block)
            .wait(Wait::Park)
            .build::<Tok, K>()
            .unwrap();
        tx.send(drops.tok(0)).unwrap();
        let consumer = thread::spawn(move || drop(rx));
        let sent = tx.send(drops.tok(1));
        consumer.join().unwrap();
        assert_eq!(
            drops.count(0),
            1,
            "queued value dropped when the consumer left"
        );
        assert!(tx.is_closed());
        check_refused_or_discarded(sent, &drops, tx.stats());
        drop(tx);
        drops.assert_all_once();
    });
}

/// The outcome of sending token 1 into a full capacity-1 `Block` ring
/// (holding token 0) while every consumer leaves without receiving.
fn check_refused_or_discarded(sent: Result<(), SendError<Tok>>, drops: &Drops, s: Stats) {
    match sent {
        Err(back) => {
            assert_eq!(back.0.id, 1);
            assert_eq!(drops.count(1), 0, "the refused value is still ours");
            assert_eq!((s.sent, s.received, s.discarded), (1, 0, 1));
        }
        Ok(()) => {
            assert_eq!(
                drops.count(1),
                1,
                "pushed after the close: discarded at once"
            );
            assert_eq!((s.sent, s.received, s.discarded), (2, 0, 2));
        }
    }
}

#[test]
fn spsc_parked_producer_sees_consumer_drop() {
    parked_producer_sees_consumer_drop::<Spsc>();
}

#[test]
fn mpsc_parked_producer_sees_consumer_drop() {
    parked_producer_sees_consumer_drop::<Mpsc>();
}

/// mpmc: both consumer clones are dropped on two threads while the producer
/// is parked on a full ring; only the last one drains (exactly once) and
/// wakes it. Same outcomes as `parked_producer_sees_consumer_drop`.
#[test]
fn mpmc_parked_producer_sees_last_of_two_consumers_drop() {
    loom::model(|| {
        let drops = Drops::new(2);
        let (tx, rx) = Builder::new(1).wait(Wait::Park).mpmc().unwrap();
        tx.send(drops.tok(0)).unwrap();
        let rx2 = rx.clone();
        let a = thread::spawn(move || drop(rx));
        let b = thread::spawn(move || drop(rx2));
        let sent = tx.send(drops.tok(1));
        a.join().unwrap();
        b.join().unwrap();
        assert_eq!(drops.count(0), 1);
        check_refused_or_discarded(sent, &drops, tx.stats());
        drop(tx);
        drops.assert_all_once();
    });
}

/// The producer sends while the last consumer leaves (no value is ever
/// received). Each value is either refused (handed back) or queued; a queued
/// one is dropped by the consumer's drain, or, when pushed after it, by the
/// producer discarding orphans: every value is dropped exactly once *before*
/// the producer handle goes. `K` is the ring's topology and policy.
fn send_races_consumer_drop<K: Topology>(capacity: usize)
where
    Consumer<Tok, K>: Send,
{
    loom::model(move || {
        let n = 2;
        let drops = Drops::new(n);
        let (tx, rx) = Builder::new(capacity)
            .overflow(K::Policy::default())
            .wait(Wait::Park)
            .build::<Tok, K>()
            .unwrap();
        let consumer = thread::spawn(move || drop(rx));
        let mut queued = 0u64;
        for i in 0..n {
            match tx.send(drops.tok(i)) {
                Ok(sent) => match K::Policy::returned(sent) {
                    None => queued += 1,
                    Some(back) => panic!(
                        "capacity suffices, {:?} handed back {back:?}",
                        K::Policy::default()
                    ),
                },
                Err(back) => assert_eq!(back.0.id, i),
            }
        }
        consumer.join().unwrap();
        // The producer handle is still alive: nothing may linger.
        for i in 0..n {
            assert_eq!(
                drops.count(i),
                1,
                "value {i} not dropped once while a producer lives"
            );
        }
        let s = tx.stats();
        assert_eq!((s.sent, s.received), (queued, 0));
        assert_eq!(s.discarded, queued);
        drop(tx);
        drops.assert_all_once();
    });
}

#[test]
fn spsc_fast_send_races_consumer_drop() {
    send_races_consumer_drop::<Spsc<Block>>(2);
}

#[test]
fn spsc_stamped_send_races_consumer_drop() {
    send_races_consumer_drop::<Spsc<DropOldest>>(2);
}

#[test]
fn mpsc_send_races_consumer_drop() {
    send_races_consumer_drop::<Mpsc<Block>>(2);
}

/// After the producer leaves, a consumer that was parked still gets what is
/// queued, in order, then `Closed`.
#[test]
fn spsc_close_keeps_queued_values_for_the_consumer() {
    loom::model(|| {
        let (tx, rx) = Builder::new(2).wait(Wait::Park).spsc::<u32>().unwrap();
        let producer = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        });
        let mut got = Vec::new();
        while let Ok(v) = rx.recv() {
            got.push(v);
        }
        assert_eq!(got, [1, 2]);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        producer.join().unwrap();
    });
}
