//! Closing from either side, waking sleepers, and values dropped exactly once.

#[macro_use]
mod common;

use common::{build, count, counter, name, policy, queued, Counted, Policy};
use ringweir::{
    Builder, DropOldest, Eviction, Producer, RecvTimeoutError, Topology, TryRecvError,
    TrySendError, Wait,
};
use std::thread;
use std::time::Duration;

const WAITS: [Wait; 3] = [Wait::Spin, Wait::Yield, Wait::Park];

/// On the spsc ring `K` (`Spsc<P>` of each policy `P`).
fn consumer_drains<K: Topology>() {
    let (tx, rx) = build::<u8, K>(Builder::new(4));
    assert!(queued::<u8, K>(tx.send(1).unwrap()));
    assert!(queued::<u8, K>(tx.send(2).unwrap()));
    drop(tx);
    assert!(rx.is_closed());
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(1)),
        Err(RecvTimeoutError::Closed)
    );
    assert_eq!(rx.recv(), Err(ringweir::RecvError));
}

#[test]
fn consumer_drains_after_producer_leaves() {
    each_policy!(Spsc, consumer_drains());
}

/// On the mpmc ring `K` (`Mpmc<P>` of each policy `P`).
fn send_after_consumer_leaves<K: Topology>() {
    let (tx, rx) = build::<u8, K>(Builder::new(1));
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(1).err().unwrap().into_inner(), 1);
    assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
    assert!(!tx
        .send_timeout(3, Duration::ZERO)
        .err()
        .unwrap()
        .is_timeout());
}

#[test]
fn send_after_consumer_leaves_hands_the_value_back() {
    each_policy!(Mpmc, send_after_consumer_leaves());
}

/// On the spsc ring `K` (`Spsc<P>` of each policy `P`).
fn sends_into_a_closed_spsc_ring<K: Topology>() {
    let overflow = name::<K>();
    for capacity in [1, 3, 8] {
        let drops = counter();
        let (tx, rx) = build::<Counted, K>(Builder::new(capacity));
        // Wrap the ring a few times first, so the take-back crosses
        // block and lap boundaries.
        for i in 0..(capacity as u64 * 3 + 1) {
            tx.send(Counted::new(i, &drops)).unwrap();
            assert_eq!(rx.recv().unwrap().id, i);
        }
        let taken = capacity as u64 * 3 + 1;
        tx.send(Counted::new(100, &drops)).unwrap();
        drop(rx);
        assert_eq!(
            count(&drops) as u64,
            taken + 1,
            "the queued value went with rx"
        );
        for i in 0..10u64 {
            match tx.try_send(Counted::new(200 + i, &drops)) {
                Err(TrySendError::Closed(v)) => assert_eq!(v.id, 200 + i),
                other => panic!("{overflow}: expected Closed, got {other:?}"),
            }
            assert_eq!(tx.len(), 0);
        }
        assert_eq!(tx.send(Counted::new(300, &drops)).err().unwrap().0.id, 300);
        let s = tx.stats();
        assert_eq!(
            (s.sent, s.received, s.discarded),
            (taken + 1, taken, 1),
            "{overflow} capacity {capacity}"
        );
        assert_eq!(count(&drops) as u64, taken + 1 + 11);
        drop(tx);
        assert_eq!(
            count(&drops) as u64,
            taken + 1 + 11,
            "nothing dropped twice"
        );
    }
}

#[test]
fn sends_into_a_closed_spsc_ring_hand_each_value_back_uncounted() {
    // After the consumer has gone, every send hands its value back and the
    // statistics do not count it, on every policy, after wrapping.
    each_policy!(Spsc, sends_into_a_closed_spsc_ring());
}

#[test]
fn try_send_after_is_closed_hands_the_value_back_while_the_drain_runs() {
    // The last consumer sets "closed" before it drains; a send that has
    // seen `is_closed()` must not slip a value into that drain (and must
    // not wait for it: the drain here takes a while).
    struct SlowDrop;
    impl Drop for SlowDrop {
        fn drop(&mut self) {
            thread::sleep(Duration::from_millis(100));
        }
    }
    let (tx, rx) = Builder::new(4).spsc::<Option<SlowDrop>>().unwrap();
    tx.send(Some(SlowDrop)).unwrap();
    let consumer = thread::spawn(move || drop(rx));
    while !tx.is_closed() {
        thread::yield_now();
    }
    assert!(matches!(tx.try_send(None), Err(TrySendError::Closed(None))));
    consumer.join().unwrap();
}

/// On the spsc ring `K` (`Spsc<P>` of each policy `P`).
fn queued_values_drop_once_when_the_consumer_leaves<K: Topology>() {
    let drops = counter();
    let (tx, rx) = build::<Counted, K>(Builder::new(8));
    for i in 0..5 {
        tx.send(Counted::new(i, &drops)).unwrap();
    }
    drop(rx);
    assert_eq!(count(&drops), 5, "dropped as soon as the consumer went");
    let s = tx.stats();
    assert_eq!((s.sent, s.received, s.discarded), (5, 0, 5));
    drop(tx);
    assert_eq!(count(&drops), 5, "and never again");
}

#[test]
fn queued_values_drop_once_when_the_last_consumer_leaves() {
    each_policy!(Spsc, queued_values_drop_once_when_the_consumer_leaves());
}

/// On the mpsc ring `K` (`Mpsc<P>` of each policy `P`).
fn queued_values_drop_once_when_dropped<K: Topology>() {
    let drops = counter();
    let (tx, rx) = build::<Counted, K>(Builder::new(3));
    for round in 0..4 {
        for i in 0..3 {
            let _ = tx.try_send(Counted::new(round * 10 + i, &drops));
        }
        drop(rx.recv().unwrap());
    }
    let before = count(&drops);
    drop(tx);
    let (remaining, _) = (rx.len(), ());
    drop(rx);
    assert_eq!(count(&drops), before + remaining);
}

#[test]
fn queued_values_drop_once_when_the_ring_goes() {
    each_policy!(Mpsc, queued_values_drop_once_when_dropped());
}

#[test]
fn evicted_and_refused_values_are_the_callers() {
    let drops = counter();
    let (tx, rx) = Builder::new(1)
        .overflow(DropOldest)
        .spsc::<Counted>()
        .unwrap();
    assert!(matches!(
        tx.send(Counted::new(0, &drops)),
        Ok(Eviction::Queued)
    ));
    let evicted = tx
        .send(Counted::new(1, &drops))
        .unwrap()
        .into_returned()
        .unwrap();
    assert_eq!(evicted.id, 0);
    assert_eq!(
        count(&drops),
        0,
        "the ring did not drop what it handed back"
    );
    drop(evicted);
    drop((tx, rx));
    assert_eq!(count(&drops), 2);
}

#[test]
fn dropping_the_producer_wakes_a_waiting_consumer() {
    for wait in WAITS {
        let (tx, rx) = Builder::new(2).wait(wait).spsc::<u8>().unwrap();
        let consumer = thread::spawn(move || rx.recv());
        thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 30 }));
        drop(tx);
        assert_eq!(consumer.join().unwrap(), Err(ringweir::RecvError));
    }
}

#[test]
fn dropping_the_consumer_wakes_a_blocked_producer() {
    for wait in WAITS {
        let drops = counter();
        let (tx, rx) = Builder::new(1).wait(wait).mpsc::<Counted>().unwrap();
        tx.send(Counted::new(0, &drops)).unwrap();
        let d = drops.clone();
        let producer = thread::spawn(move || {
            let outcome = tx.send(Counted::new(1, &d)).map_err(|e| e.into_inner().id);
            (outcome, tx)
        });
        thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 30 }));
        drop(rx);
        let (outcome, tx) = producer.join().unwrap();
        // Either refused: the value came back (and was dropped by the
        // caller). Or the consumer's drain freed the slot first and the send
        // took it (a `Block` send that returns `Ok(())` has queued its
        // value): the producer then saw the close and discarded the queue.
        if let Err(id) = outcome {
            assert_eq!(id, 1);
        }
        let mut expected = 2;
        if wait != Wait::Park {
            // Consumers that never sleep: the send that took the freed
            // slot did not look for the departure (no fence), so its value
            // waits for the producer's next send, which finds the ring
            // closed (and hands its own value back, dropped here).
            assert!(tx.try_send(Counted::new(2, &drops)).is_err());
            expected = 3;
        }
        assert_eq!(
            count(&drops),
            expected,
            "every value dropped while the producer lives"
        );
        drop(tx);
        assert_eq!(count(&drops), expected);
    }
}

#[test]
fn handles_dropped_in_every_order() {
    for consumer_first in [false, true] {
        let drops = counter();
        let (tx, rx) = ringweir::mpmc::channel::<Counted>(4);
        let tx2 = tx.clone();
        let rx2 = rx.clone();
        tx.send(Counted::new(0, &drops)).unwrap();
        if consumer_first {
            drop(rx);
            assert!(!tx.is_closed(), "one consumer is left");
            drop(rx2);
            assert!(tx.is_closed());
            assert_eq!(count(&drops), 1);
            drop(tx);
            drop(tx2);
        } else {
            drop(tx);
            assert!(!rx.is_closed(), "one producer is left");
            drop(tx2);
            assert!(rx.is_closed());
            drop(rx);
            drop(rx2);
        }
        assert_eq!(count(&drops), 1);
    }
}

/// A value whose `Drop` panics for one chosen id.
struct Grenade {
    id: u64,
    pin: u64,
    drops: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Drop for Grenade {
    fn drop(&mut self) {
        self.drops.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if self.id == self.pin {
            panic!("boom {}", self.id);
        }
    }
}

/// On the spsc ring `K` (`Spsc<P>` of each policy `P`).
fn a_panicking_drop<K: Topology>() {
    let drops = counter();
    let (tx, rx) = build::<Grenade, K>(Builder::new(8));
    for id in 0..6 {
        tx.send(Grenade {
            id,
            pin: 2,
            drops: drops.clone(),
        })
        .unwrap();
    }
    // The last consumer drains on drop; value 2 panics mid-drain.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(rx)));
    assert!(outcome.is_err());
    assert_eq!(count(&drops), 3, "values 0, 1, 2 dropped by the drain");
    assert!(tx.is_closed());
    assert!(tx
        .send(Grenade {
            id: 9,
            pin: 2,
            drops: drops.clone()
        })
        .is_err());
    assert_eq!(
        count(&drops),
        7,
        "the send found the consumer gone, discarded 3, 4 and 5, \
             and handed back the refused value, which was dropped"
    );
    drop(tx);
    assert_eq!(count(&drops), 7, "each value dropped exactly once");
}

#[test]
fn a_panicking_drop_neither_leaks_nor_double_drops() {
    each_policy!(Spsc, a_panicking_drop());
}

#[test]
fn a_panic_in_user_code_does_not_poison_the_ring() {
    let (tx, rx) = ringweir::spsc::channel::<u32>(4);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tx.send(1).unwrap();
        panic!("user code");
    }));
    assert!(outcome.is_err());
    tx.send(2).unwrap();
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
}

/// On the spsc ring `K` (`Spsc<P>` of each policy `P`).
fn closing_mid_stream<K: Topology>()
where
    Producer<Counted, K>: Send,
{
    let overflow = name::<K>();
    for wait in WAITS {
        let drops = counter();
        let (tx, rx) = build::<Counted, K>(Builder::new(16).wait(wait));
        let n = common::scaled(100_000);
        let d = drops.clone();
        let producer = thread::spawn(move || {
            let mut refused = 0;
            for i in 0..n {
                // Handed-back values (dropped, evicted, refused) are
                // dropped here by the caller.
                if tx.send(Counted::new(i, &d)).is_err() {
                    refused += 1;
                }
            }
            refused
        });
        let mut last = None;
        for _ in 0..n / 3 {
            match rx.recv() {
                Ok(v) => {
                    assert!(last < Some(v.id), "order");
                    last = Some(v.id);
                }
                Err(_) => break,
            }
        }
        drop(rx);
        let refused = producer.join().unwrap();
        assert!(refused > 0 || policy::<K>() != Policy::Block || n < 100);
        assert_eq!(count(&drops), n as usize, "{overflow}/{wait:?}");
    }
}

#[test]
fn closing_mid_stream_drops_every_value_exactly_once() {
    each_policy!(Spsc, closing_mid_stream());
}

/// On the spsc ring `K` (`Spsc<P>` of each policy `P`).
fn values_racing_the_last_consumer<K: Topology>()
where
    Producer<Counted, K>: Send,
{
    let overflow = name::<K>();
    for round in 0..common::scaled(200) {
        let drops = counter();
        let (tx, rx) = build::<Counted, K>(Builder::new(4));
        let d = drops.clone();
        let producer = thread::spawn(move || {
            let mut created = 0usize;
            loop {
                created += 1;
                match tx.try_send(Counted::new(0, &d)) {
                    Ok(()) => {}
                    Err(ringweir::TrySendError::Full(v)) => drop(v),
                    Err(ringweir::TrySendError::Closed(v)) => {
                        drop(v);
                        break;
                    }
                }
                if round % 2 == 0 {
                    thread::yield_now();
                }
            }
            (created, tx)
        });
        thread::yield_now();
        drop(rx);
        // The producer handle is still alive: nothing may wait for it.
        let (created, tx) = producer.join().unwrap();
        let s = tx.stats();
        assert_eq!(
            s.sent, s.discarded,
            "{overflow}: every queued value was discarded"
        );
        assert_eq!(tx.len(), 0);
        assert_eq!(
            count(&drops),
            created,
            "{overflow}: all dropped, producer alive"
        );
        drop(tx);
        assert_eq!(count(&drops), created);
    }
}

#[test]
fn values_racing_the_last_consumer_are_discarded_at_once() {
    // A producer streams while the consumer leaves; whatever it managed to
    // queue must be dropped by the time both sides are done with the close,
    // not later when the producer handle finally goes.
    each_policy!(Spsc, values_racing_the_last_consumer());
}

/// A producer of an mpsc or mpmc ring is `Sync`: two threads may ask
/// `is_closed` through `&tx` at once. `is_closed` only looks; what a
/// panicking drain left queued is dropped later, once (here with the ring),
/// never by the askers. (An spsc producer is not `Sync` since its calls
/// through `&self` lend the handle's own state; its check is
/// `is_closed_on_one_thread_only_looks`.)
fn is_closed_from_two_threads<K: ringweir::ManyProducers>() {
    let drops = counter();
    let (tx, rx) = build::<Grenade, K>(Builder::new(8));
    for id in 0..6 {
        tx.try_send(Grenade {
            id,
            pin: 0,
            drops: drops.clone(),
        })
        .unwrap_or_else(|_| panic!("{}: room for six", name::<K>()));
    }
    // The drain panics on value 0: values 1..6 stay queued.
    assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(rx))).is_err());
    assert_eq!(count(&drops), 1, "{}", name::<K>());
    let both = std::sync::Barrier::new(2);
    thread::scope(|s| {
        for _ in 0..2 {
            let (tx, both) = (&tx, &both);
            s.spawn(move || {
                both.wait();
                assert!(tx.is_closed());
            });
        }
    });
    assert_eq!(
        count(&drops),
        1,
        "{}: `is_closed` dropped nothing",
        name::<K>()
    );
    drop(tx);
    assert_eq!(
        count(&drops),
        6,
        "{}: each value dropped once, with the ring",
        name::<K>()
    );
}

#[test]
fn is_closed_from_two_threads_only_looks() {
    each_policy!(Mpsc, is_closed_from_two_threads());
    each_policy!(Mpmc, is_closed_from_two_threads());
}

/// The spsc ring lets one thread at a time pop, and its producer is not
/// `Sync`: one thread asks `is_closed` twice through `&tx`. It only looks;
/// what a panicking drain left queued is dropped later, once, with the ring.
#[test]
fn is_closed_on_one_thread_only_looks() {
    let drops = counter();
    let (tx, rx) = Builder::new(8).spsc::<Grenade>().unwrap();
    for id in 0..6 {
        tx.try_send(Grenade {
            id,
            pin: 0,
            drops: drops.clone(),
        })
        .unwrap_or_else(|_| panic!("room for six"));
    }
    // The drain panics on value 0: values 1..6 stay queued.
    assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(rx))).is_err());
    assert_eq!(count(&drops), 1);
    let shared = &tx;
    assert!(shared.is_closed());
    assert!(shared.is_closed());
    assert_eq!(count(&drops), 1, "`is_closed` dropped nothing");
    drop(tx);
    assert_eq!(count(&drops), 6, "each value dropped once, with the ring");
}

/// A value whose `Drop` sends on the ring's producer while the leaving
/// consumer's drain drops it, on the consumer's own thread: the send finds
/// the ring closed and returns at once. (It must not wait for the drain to
/// end, which is the frame it is called from.)
#[test]
fn a_send_from_a_drained_values_drop_returns_closed() {
    struct Hook {
        tx: std::sync::Arc<std::sync::Mutex<Option<ringweir::spsc::Producer<Hook>>>>,
        sends: bool,
    }
    impl Drop for Hook {
        fn drop(&mut self) {
            if !self.sends {
                return;
            }
            if let Some(tx) = self.tx.lock().unwrap().as_mut() {
                let echo = Hook {
                    tx: self.tx.clone(),
                    sends: false,
                };
                assert!(matches!(tx.try_send(echo), Err(TrySendError::Closed(_))));
            }
        }
    }
    let slot = std::sync::Arc::new(std::sync::Mutex::new(None));
    let (tx, rx) = ringweir::spsc::channel::<Hook>(4);
    tx.try_send(Hook {
        tx: slot.clone(),
        sends: true,
    })
    .unwrap_or_else(|_| panic!("room for one"));
    *slot.lock().unwrap() = Some(tx);
    let (done, finished) = std::sync::mpsc::channel();
    thread::spawn(move || {
        drop(rx);
        let _ = done.send(());
    });
    // A bound on a hang, not a timing: the drop takes microseconds.
    assert!(
        finished.recv_timeout(Duration::from_secs(20)).is_ok(),
        "dropping the consumer never returned"
    );
    slot.lock().unwrap().take();
}
