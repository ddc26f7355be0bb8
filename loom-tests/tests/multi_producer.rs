#![cfg(loom)]
//! The stamped ring with several producers (`mpsc`, `mpmc`): producers
//! racing for the last free slot, and evicting producers racing each other
//! and a consumer for the oldest value.

mod common;

use common::{assert_partition, ids_until_closed, Drops, Tok};
use loom::thread;
use ringweir::{
    mpmc, mpsc, Builder, DropNewest, DropOldest, Eviction, ManyProducers, Mpmc, Mpsc, Overflow,
    Producer, TryRecvError, TrySendError, Wait,
};

/// Two producers `try_send` into the single free slot: exactly one wins, the
/// loser gets `Full` with its own value back.
fn two_try_sends_one_slot<P: Send + 'static>(
    tx: P,
    mut try_send: impl FnMut(&mut P, usize) -> Result<(), TrySendError<usize>> + Send + Clone + 'static,
    clone: impl Fn(&P) -> P,
) -> Vec<Result<(), usize>> {
    let racers: Vec<_> = [1usize, 2]
        .into_iter()
        .map(|id| {
            let mut tx = clone(&tx);
            let mut try_send = try_send.clone();
            thread::spawn(move || match try_send(&mut tx, id) {
                Ok(()) => Ok(()),
                Err(TrySendError::Full(v)) => {
                    assert_eq!(v, id);
                    Err(v)
                }
                Err(TrySendError::Closed(v)) => panic!("closed while the consumer lives ({v})"),
            })
        })
        .collect();
    drop(tx);
    let _ = &mut try_send;
    racers.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn mpsc_cap1_two_producers_race_for_the_slot() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1).wait(Wait::Spin).mpsc::<usize>().unwrap();
        let results = two_try_sends_one_slot(
            tx,
            |tx: &mut mpsc::Producer<usize>, v| tx.try_send(v),
            |tx| tx.clone(),
        );
        let winners: Vec<usize> = [1, 2]
            .into_iter()
            .zip(&results)
            .filter(|(_, r)| r.is_ok())
            .map(|(id, _)| id)
            .collect();
        assert_eq!(winners.len(), 1, "{results:?}");
        assert_eq!(rx.try_recv(), Ok(winners[0]));
        // Both producer clones are gone now.
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        let s = rx.stats();
        assert_eq!((s.sent, s.received, s.dropped, s.waits), (1, 1, 0, 0));
    });
}

#[test]
fn mpmc_cap2_one_free_slot_two_producers_race() {
    loom::model(|| {
        let (tx, rx) = Builder::new(2).wait(Wait::Spin).mpmc::<usize>().unwrap();
        tx.try_send(0).unwrap();
        let results = two_try_sends_one_slot(
            tx,
            |tx: &mut mpmc::Producer<usize>, v| tx.try_send(v),
            |tx| tx.clone(),
        );
        let winners: Vec<usize> = [1, 2]
            .into_iter()
            .zip(&results)
            .filter(|(_, r)| r.is_ok())
            .map(|(id, _)| id)
            .collect();
        assert_eq!(winners.len(), 1, "{results:?}");
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(rx.try_recv(), Ok(winners[0]));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

/// What an evicting send returned: `Some(id)` for an eviction.
fn evicting_send(sent: Eviction<Tok>) -> Option<usize> {
    match sent {
        Eviction::Queued => None,
        Eviction::Evicted(old) => Some(old.id),
    }
}

/// Two producers evict from a full capacity-1 ring at once (no consumer
/// meanwhile): each send evicts exactly one value, the original first.
#[test]
fn mpsc_cap1_eviction_vs_eviction() {
    loom::model(|| {
        let drops = Drops::new(3);
        let (tx, rx) = Builder::new(1)
            .overflow(DropOldest)
            .wait(Wait::Spin)
            .mpsc()
            .unwrap();
        tx.try_send(drops.tok(0)).unwrap();
        let tx2 = tx.clone();
        let tok = drops.tok(2);
        let other = thread::spawn(move || evicting_send(tx2.send(tok).unwrap()));
        let mine = evicting_send(tx.send(drops.tok(1)).unwrap());
        let theirs = other.join().unwrap();
        let (mine, theirs) = (mine.expect("full ring"), theirs.expect("full ring"));
        let kept = rx.try_recv().unwrap().id;
        // Whoever evicted second took the first one's value.
        assert!(
            (mine == 0 && theirs == 1 && kept == 2) || (theirs == 0 && mine == 2 && kept == 1),
            "mine {mine}, theirs {theirs}, kept {kept}"
        );
        let s = rx.stats();
        assert_eq!((s.sent, s.evicted, s.received), (3, 2, 1));
        assert_eq!(rx.lagged(), 2);
        drop((tx, rx));
        drops.assert_all_once();
    });
}

/// One evicting send on a full ring against a `try_recv` from a cloned
/// `mpmc` consumer in another thread.
#[test]
fn mpmc_cap1_eviction_vs_try_recv() {
    loom::model(|| {
        let drops = Drops::new(2);
        let (tx, rx) = Builder::new(1)
            .overflow(DropOldest)
            .wait(Wait::Spin)
            .mpmc()
            .unwrap();
        tx.try_send(drops.tok(0)).unwrap();
        let rx2 = rx.clone();
        let consumer = thread::spawn(move || rx2.try_recv().map(|t| t.id));
        let evicted = evicting_send(tx.send(drops.tok(1)).unwrap());
        let first = consumer.join().unwrap().expect("never seen empty");
        let rest = rx.try_recv().ok().map(|t| t.id);
        match evicted {
            Some(0) => assert_eq!((first, rest), (1, None)),
            None => assert_eq!((first, rest), (0, Some(1))),
            Some(other) => panic!("evicted {other}"),
        }
        let s = tx.stats();
        assert_eq!((s.sent, s.evicted), (2, evicted.is_some() as u64));
        assert_eq!(s.received, 2 - s.evicted);
        drop((tx, rx));
        drops.assert_all_once();
    });
}

/// Two producers send (`DropOldest`) into a capacity-2 ring holding one
/// value while a consumer takes one: the slot claim of one producer, the
/// eviction by the other and the receive all race. Every value is received,
/// evicted or still queued, exactly once.
///
/// (On a *full* ring, a three-way race on the one oldest slot cannot be
/// modelled: while one thread is mid-way through its claim, the other two
/// spin on it, and loom explores the unfair schedule where those two spinners
/// yield to each other forever; see README.md.)
///
/// `K` is the topology (`mpsc` or `mpmc`), always with `DropOldest`.
fn three_way<K: ManyProducers<Policy = DropOldest>>()
where
    Producer<Tok, K>: Send,
{
    loom::model(|| {
        let drops = Drops::new(3);
        let (tx, rx) = Builder::new(2)
            .overflow(DropOldest)
            .wait(Wait::Spin)
            .build::<Tok, K>()
            .unwrap();
        tx.try_send(drops.tok(0)).unwrap();
        let producers: Vec<_> = [1, 2]
            .into_iter()
            .map(|id| {
                let tx = tx.clone();
                let tok = drops.tok(id);
                thread::spawn(move || evicting_send(tx.send(tok).unwrap()))
            })
            .collect();
        drop(tx);
        let first = rx.try_recv().expect("never seen empty").id;
        let evicted: Vec<usize> = producers
            .into_iter()
            .filter_map(|h| h.join().unwrap())
            .collect();
        let rest = ids_until_closed(|| rx.try_recv());
        assert_partition(3, &[&[first], &evicted, &rest]);
        assert!(evicted.len() <= 1, "one slot was free: {evicted:?}");
        if evicted.len() == 1 {
            assert_eq!(evicted, [0], "only the oldest is evicted");
            assert!(first != 0);
        } else {
            assert_eq!(first, 0);
        }
        let s = rx.stats();
        assert_eq!(s.sent, 3);
        assert_eq!(s.evicted, evicted.len() as u64);
        assert_eq!(s.received, 1 + rest.len() as u64);
        assert_eq!(rx.lagged(), evicted.len() as u64);
        drop(rx);
        drops.assert_all_once();
    });
}

#[test]
fn mpsc_cap2_push_eviction_and_try_recv() {
    three_way::<Mpsc<DropOldest>>();
}

#[test]
fn mpmc_cap2_push_eviction_and_try_recv() {
    three_way::<Mpmc<DropOldest>>();
}

/// A producer whose clone sends and is dropped on another thread while it
/// sends, so that it becomes the only producer handle midway: the count
/// of producer handles falling to one changes nothing (every push of an
/// `mpsc` or `mpmc` producer claims `tail` by CAS, a handle left alone
/// included, since one handle may be shared by several threads), and the
/// two producers' claims, evictions (`DropOldest`) and refusals
/// (`DropNewest`) race the clone's departure. Values are neither lost nor
/// overwritten, the remaining producer's keep their order, and every value
/// is received or handed back once. (The name is that of the path this
/// model was written for, a plain store of `tail` by a lone producer,
/// which the crate no longer has.) `P` is the ring's policy (a value
/// handed back is a dropped or an evicted one).
fn sole_producer_after_a_clone_leaves<P: Overflow>(capacity: usize) {
    loom::model(move || {
        let (a, rx) = Builder::new(capacity)
            .overflow(P::default())
            .wait(Wait::Spin)
            .mpsc::<usize>()
            .unwrap();
        let b = a.clone();
        let other = thread::spawn(move || {
            let back = P::returned(b.send(10).unwrap());
            drop(b);
            back
        });
        let mut out = Vec::new();
        for v in [0, 1] {
            out.extend(P::returned(a.send(v).unwrap()));
        }
        out.extend(other.join().unwrap());
        drop(a);
        let mut got: Vec<usize> = Vec::new();
        while let Ok(v) = rx.recv() {
            got.push(v);
        }
        // A's values keep their order; every value is received or handed back once.
        let a_order: Vec<usize> = got.iter().copied().filter(|v| *v < 10).collect();
        assert!(a_order.windows(2).all(|w| w[0] < w[1]), "{got:?}");
        let mut all: Vec<usize> = got.iter().chain(&out).copied().collect();
        all.sort_unstable();
        assert_eq!(all, [0, 1, 10], "received {got:?}, handed back {out:?}");
        let s = rx.stats();
        assert_eq!(s.received as usize, got.len());
        assert_eq!((s.sent + s.dropped) as usize, 3);
    });
}

#[test]
fn mpsc_sole_producer_after_clone_leaves_drop_oldest_cap1() {
    sole_producer_after_a_clone_leaves::<DropOldest>(1);
}

#[test]
fn mpsc_sole_producer_after_clone_leaves_drop_newest_cap2() {
    sole_producer_after_a_clone_leaves::<DropNewest>(2);
}

/// The only producer of an `mpmc` ring sends while a consumer is cloned,
/// receives and is dropped: its CAS claims of `tail` (and, on a full
/// `DropOldest` ring, of `head`) race consumers that come and go, two of
/// them popping by CAS at once, then one. The count of consumer handles
/// changes nothing on the producer's side (it always claims by CAS; the
/// name is that of the path this model was written for, a plain store of
/// `tail` while one consumer handle was left, which the crate no longer
/// has). Every value is received or handed back once, and in order. `P`
/// is the ring's policy (a value handed back is a dropped or an evicted
/// one).
fn mpmc_sole_producer_while_a_consumer_is_cloned<P: Overflow>(capacity: usize) {
    loom::model(move || {
        let (tx, rx) = Builder::new(capacity)
            .overflow(P::default())
            .wait(Wait::Spin)
            .mpmc::<usize>()
            .unwrap();
        let producer = thread::spawn(move || {
            let mut out = Vec::new();
            for v in [0, 1] {
                out.extend(P::returned(tx.send(v).unwrap()));
            }
            out
        });
        let mut got: Vec<usize> = Vec::new();
        let rx2 = rx.clone();
        got.extend(rx2.try_recv());
        drop(rx2);
        got.extend(rx.try_recv());
        let out = producer.join().unwrap();
        while let Ok(v) = rx.recv() {
            got.push(v);
        }
        // One thread received them all, one call after another.
        assert!(got.windows(2).all(|w| w[0] < w[1]), "{got:?}");
        let mut all: Vec<usize> = got.iter().chain(&out).copied().collect();
        all.sort_unstable();
        assert_eq!(all, [0, 1], "received {got:?}, handed back {out:?}");
    });
}

#[test]
fn mpmc_sole_producer_while_a_consumer_is_cloned_drop_newest_cap2() {
    mpmc_sole_producer_while_a_consumer_is_cloned::<DropNewest>(2);
}

#[test]
fn mpmc_sole_producer_while_a_consumer_is_cloned_drop_oldest_cap1() {
    mpmc_sole_producer_while_a_consumer_is_cloned::<DropOldest>(1);
}

/// A statistics snapshot taken while a producer evicts: every eviction it
/// counts has left through the head it reads, so `received + evicted`
/// never exceeds `sent` (reading the eviction count after the positions
/// let two evictions in between show as more than was ever sent).
#[test]
fn mpmc_stats_while_evicting_stay_within_sent() {
    loom::model(|| {
        let (tx, rx) = Builder::new(1)
            .overflow(DropOldest)
            .wait(Wait::Spin)
            .mpmc::<usize>()
            .unwrap();
        assert_eq!(tx.send(0).unwrap(), Eviction::Queued);
        let producer = thread::spawn(move || {
            for i in 1..3 {
                assert_eq!(tx.send(i).unwrap(), Eviction::Evicted(i - 1));
            }
        });
        // (An eviction between its move of `head` and its count may show
        // as a receive meanwhile: the fields are read one by one.)
        let s = rx.stats();
        assert!(s.received + s.evicted <= s.sent, "{s:?}");
        producer.join().unwrap();
        let s = rx.stats();
        assert_eq!((s.sent, s.received, s.evicted), (3, 0, 2));
    });
}

/// An `mpsc` `Block` ring of one slot, holding token 0 of `drops`.
fn full_mpsc_of_one_slot(drops: &Drops) -> (mpsc::Producer<Tok>, mpsc::Consumer<Tok>) {
    let (tx, rx) = Builder::new(1).wait(Wait::Spin).mpsc::<Tok>().unwrap();
    tx.try_send(drops.tok(0)).unwrap();
    (tx, rx)
}

/// An `mpsc` ring that never evicts pops without a CAS (its consumer is
/// the only taker of values): on a full ring of one slot, the consumer's
/// plain pop races two producers deciding "full". The consumer never sees
/// the full ring empty, each value is received or handed back exactly
/// once, and at most one of the two producers gets the freed slot. Making
/// the consumer's empty-stamp store Relaxed fails this model (and the
/// next).
#[test]
fn mpsc_sole_consumer_pop_races_two_full_checks() {
    loom::model(|| {
        let drops = Drops::new(3);
        let (tx, rx) = full_mpsc_of_one_slot(&drops);
        let producers: Vec<_> = [1, 2]
            .into_iter()
            .map(|id| {
                let tx = tx.clone();
                let tok = drops.tok(id);
                thread::spawn(move || match tx.try_send(tok) {
                    Ok(()) => None,
                    Err(TrySendError::Full(back)) => Some(back.id),
                    Err(TrySendError::Closed(back)) => panic!("closed early ({})", back.id),
                })
            })
            .collect();
        drop(tx);
        let first = rx.try_recv().expect("a full ring is never empty").id;
        assert_eq!(first, 0);
        let refused: Vec<usize> = producers
            .into_iter()
            .filter_map(|h| h.join().unwrap())
            .collect();
        let rest = ids_until_closed(|| rx.try_recv());
        assert!(rest.len() <= 1, "one slot, received {rest:?}");
        assert_partition(3, &[&[first], &refused, &rest]);
        let s = rx.stats();
        assert_eq!(
            (s.sent, s.received),
            (1 + rest.len() as u64, 1 + rest.len() as u64)
        );
        drop(rx);
        drops.assert_all_once();
    });
}

/// The sole consumer takes a value without a CAS and then leaves while the
/// producer sends two more: its drain claims values by CAS, as the
/// producer discarding orphans does, and the producer's claims come after
/// the consumer's plain pops. Every value is received, handed back or
/// dropped exactly once, and none lingers while the producer lives: at once
/// where the consumer side `Park`s (the producer checks for its departure
/// after each push), and from the producer's next send, which finds the
/// ring closed, where it spins (see `close_race.rs`).
fn sole_consumer_leaves_while_sending(consumer_wait: Wait) {
    loom::model(move || {
        let drops = Drops::new(if consumer_wait == Wait::Park { 3 } else { 4 });
        let (tx, rx) = Builder::new(1)
            .producer_wait(Wait::Spin)
            .consumer_wait(consumer_wait)
            .mpsc::<Tok>()
            .unwrap();
        tx.try_send(drops.tok(0)).unwrap();
        let consumer = thread::spawn(move || {
            let got = rx.try_recv().expect("a full ring is never empty").id;
            drop(rx);
            got
        });
        let mut refused = Vec::new();
        for id in [1, 2] {
            match tx.try_send(drops.tok(id)) {
                Ok(()) => {}
                Err(TrySendError::Full(back) | TrySendError::Closed(back)) => refused.push(back.id),
            }
        }
        assert_eq!(consumer.join().unwrap(), 0);
        if consumer_wait != Wait::Park {
            let late = drops.tok(3);
            assert!(tx.try_send(late).is_err());
        }
        // The producer handle is still alive: nothing may linger.
        drops.assert_all_once();
        let s = tx.stats();
        assert_eq!(s.received, 1);
        assert_eq!(s.sent, 1 + s.discarded);
        drop(tx);
    });
}

#[test]
fn mpsc_sole_consumer_receives_then_leaves_while_sending() {
    sole_consumer_leaves_while_sending(Wait::Park);
}

#[test]
fn mpsc_sole_consumer_that_spins_receives_then_leaves_while_sending() {
    sole_consumer_leaves_while_sending(Wait::Spin);
}
