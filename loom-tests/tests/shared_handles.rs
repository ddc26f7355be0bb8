#![cfg(loom)]
//! One handle shared by two threads (no clone): the producers of `mpsc`
//! and `mpmc` rings and the consumers of `mpmc` rings are `Sync`, and their
//! single-value calls take `&self`, so two threads may send (or receive)
//! through one `Arc`'d handle at once. Such a handle keeps no protocol
//! state of its own: every push claims `tail` by CAS and every pop of a
//! shared consumer claims `head` by CAS, as for clones, while the handle
//! counts once among the ring's producers (or consumers). The models here
//! check that sharing loses, duplicates and reorders nothing, that the
//! wake-ups reach a partner parked on a ring fed or drained through `&self`,
//! and that the last consumer leaving while a shared producer sends leaves
//! nothing behind.
//!
//! Two threads never spin on a third here (see "Not modelled" in
//! README.md: loom would explore the two yielding to each other forever).
//! So where both sending threads and the consumer race on a ring of one or
//! two slots, each thread sends one value (with more, a sender that wraps
//! onto the slot the other sender has claimed but not yet written spins on
//! it beside the consumer waiting for that value); each thread's order is
//! checked on a ring of three slots, the smallest where that cannot happen
//! and a sender still waits on a full ring. Two threads receiving through
//! one consumer wait in `recv` under `Park` only, one value each, and take
//! two values each by `recv_timeout`, whose one poll under loom never waits
//! on a claimed slot. The last consumer leaves only after receiving, so
//! that one send at most is under way when it drains.

mod common;

use common::{assert_partition, ids, ids_until_closed, increasing, Drops, Tok, LONG};
use loom::sync::Arc;
use loom::thread;
use ringweir::{
    Builder, DropOldest, Eviction, RecvError, SendError, TryRecvError, TrySendError, Wait,
};

/// The values sending thread `t` sends through the shared handle: `t * 10`
/// on.
fn values_of(t: usize, per_thread: usize) -> Vec<usize> {
    (0..per_thread).map(|i| t * 10 + i).collect()
}

/// Two threads send `per_thread` values each through ONE `mpsc` producer
/// (`Block`) behind an `Arc` while the consumer receives: every value is
/// received exactly once, and each thread's values in the order it sent
/// them. The consumer takes exactly as many values as were sent while the
/// main thread still holds the `Arc`, so that closing (which wakes
/// everyone) cannot stand in for a lost wake-up; then the ring is empty,
/// and closed once the handle goes. `wait`: both sides.
fn shared_producer_block(capacity: usize, per_thread: usize, wait: Wait) {
    loom::model(move || {
        let (tx, rx) = Builder::new(capacity).wait(wait).mpsc::<usize>().unwrap();
        let tx = Arc::new(tx);
        let senders: Vec<_> = (0..2)
            .map(|t| {
                let tx = Arc::clone(&tx);
                thread::spawn(move || {
                    for v in values_of(t, per_thread) {
                        assert_eq!(tx.send(v), Ok(()));
                    }
                })
            })
            .collect();
        let got: Vec<usize> = (0..2 * per_thread).map(|_| rx.recv().unwrap()).collect();
        for s in senders {
            s.join().unwrap();
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        for t in 0..2 {
            let mine: Vec<usize> = got.iter().copied().filter(|v| v / 10 == t).collect();
            assert_eq!(mine, values_of(t, per_thread), "received {got:?}");
        }
        let s = rx.stats();
        let n = 2 * per_thread as u64;
        assert_eq!((s.sent, s.received, s.dropped, s.discarded), (n, n, 0, 0));
        // The handle counted once: the ring closes when the `Arc` goes.
        assert!(!rx.is_closed());
        drop(tx);
        assert_eq!(rx.recv(), Err(RecvError));
    });
}

/// One slot: each send may find it full and wait, parked, until the
/// consumer's receive (through its own `&self`) wakes it; the consumer,
/// parked on the empty ring, is woken by a push made through the shared
/// `&self`. A lost wake-up is a loom deadlock. (Under `Spin` on one slot,
/// the second sender's claim waits on the first one's unwritten slot beside
/// the consumer: two spinners, see above.)
#[test]
fn mpsc_shared_producer_block_cap1_park() {
    shared_producer_block(1, 1, Wait::Park);
}

/// Two slots: the two sends claim `tail` by CAS through one handle and
/// never wait; the consumer polls (`Spin`) for the value at the head,
/// which may still be in writing while the other one is published.
#[test]
fn mpsc_shared_producer_block_cap2_spin() {
    shared_producer_block(2, 1, Wait::Spin);
}

/// The same under `Park`.
#[test]
fn mpsc_shared_producer_block_cap2_park() {
    shared_producer_block(2, 1, Wait::Park);
}

/// Three slots, two values per thread: one sender may wait on the full
/// ring while the other's values and the consumer's receives go on; each
/// thread's values arrive in its order.
#[test]
fn mpsc_shared_producer_block_cap3_two_values_each() {
    shared_producer_block(3, 2, Wait::Spin);
}

/// Two threads send two tokens each through ONE `mpsc` `DropOldest`
/// producer behind an `Arc` (a send that finds the ring full evicts its
/// oldest token) while the consumer looks twice with `try_recv`;
/// after the joins it drains what is queued. Evicted + received + queued
/// == sent: each token exactly once in those, and dropped exactly once;
/// each thread's tokens that reach the consumer (received, then queued)
/// keep their order; `Stats` and `lagged()` agree.
fn shared_producer_drop_oldest(capacity: usize) {
    loom::model(move || {
        let drops = Drops::new(4);
        let (tx, rx) = Builder::new(capacity)
            .overflow(DropOldest)
            .wait(Wait::Spin)
            .mpsc::<Tok>()
            .unwrap();
        let tx = Arc::new(tx);
        let senders: Vec<_> = [[0, 1], [2, 3]]
            .into_iter()
            .map(|toks| {
                let tx = Arc::clone(&tx);
                let toks = toks.map(|id| drops.tok(id));
                thread::spawn(move || {
                    let mut evicted = Vec::new();
                    for tok in toks {
                        match tx.send(tok).unwrap() {
                            Eviction::Queued => {}
                            Eviction::Evicted(old) => evicted.push(old.id),
                        }
                    }
                    evicted
                })
            })
            .collect();
        let mut received: Vec<usize> = (0..2)
            .filter_map(|_| rx.try_recv().ok())
            .map(|t| t.id)
            .collect();
        let evicted: Vec<usize> = senders
            .into_iter()
            .flat_map(|s| s.join().unwrap())
            .collect();
        drop(tx);
        let queued = ids_until_closed(|| rx.try_recv());
        assert!(queued.len() <= capacity, "queued {queued:?}");
        assert_partition(4, &[&received, &evicted, &queued]);
        let s = rx.stats();
        assert_eq!((s.sent, s.evicted), (4, evicted.len() as u64));
        assert_eq!(s.received as usize, received.len() + queued.len());
        assert_eq!(rx.lagged(), evicted.len() as u64);
        received.extend(&queued);
        for mine in [[0, 1], [2, 3]] {
            let order: Vec<usize> = received
                .iter()
                .copied()
                .filter(|id| mine.contains(id))
                .collect();
            assert!(
                increasing(&order),
                "reached the consumer in order {received:?}"
            );
        }
        drop(rx);
        drops.assert_all_once();
    });
}

#[test]
fn mpsc_shared_producer_drop_oldest_cap1() {
    shared_producer_drop_oldest(1);
}

#[test]
fn mpsc_shared_producer_drop_oldest_cap2() {
    shared_producer_drop_oldest(2);
}

/// Two threads receive one token each through ONE `mpmc` consumer behind
/// an `Arc` (`recv`, both may park) while the producer sends two: each
/// token goes to exactly one of them and is dropped exactly once. The
/// producer keeps its handle until both are joined (closing would wake a
/// receiver whose wake-up was lost). A parked receiver is woken by a push;
/// on one slot the producer's second send may park too, woken by a
/// receive made through the shared `&self`. (Under `Spin` the two
/// receivers may both poll the head's slot while the producer is still
/// writing it: two spinners; and with two values each, the same happens
/// in the exact look of a receiver that parks.)
fn shared_consumer_recv(capacity: usize) {
    loom::model(move || {
        let drops = Drops::new(2);
        let (tx, rx) = Builder::new(capacity)
            .wait(Wait::Park)
            .mpmc::<Tok>()
            .unwrap();
        let rx = Arc::new(rx);
        let receivers: Vec<_> = (0..2)
            .map(|_| {
                let rx = Arc::clone(&rx);
                thread::spawn(move || rx.recv().unwrap().id)
            })
            .collect();
        for id in 0..2 {
            assert!(tx.send(drops.tok(id)).is_ok());
        }
        let got: Vec<usize> = receivers.into_iter().map(|r| r.join().unwrap()).collect();
        assert_partition(2, &[&got]);
        drops.assert_all_once();
        assert_eq!(rx.try_recv().map(|t| t.id), Err(TryRecvError::Empty));
        let s = tx.stats();
        assert_eq!((s.sent, s.received, s.discarded), (2, 2, 0));
        // The shared handle counted once: dropping it closes the ring.
        assert!(!tx.is_closed());
        drop(rx);
        assert!(tx.is_closed());
    });
}

#[test]
fn mpmc_shared_consumer_recv_cap1_park() {
    shared_consumer_recv(1);
}

#[test]
fn mpmc_shared_consumer_recv_cap2_park() {
    shared_consumer_recv(2);
}

/// Two threads each take two looks (`recv_timeout`, which under loom polls
/// once and then times out: the waiting receive's polls, which stop at the
/// head's stamp) through ONE `mpmc` consumer behind an `Arc` while the
/// producer sends `n` tokens into a ring of `n` (it never waits); after the
/// joins the main thread drains the rest through the same handle. Each
/// token is received by exactly one thread (or left queued) and dropped
/// exactly once, and each thread's tokens come in the order they were sent
/// (the producer is one thread).
fn shared_consumer_looks(n: usize) {
    loom::model(move || {
        let drops = Drops::new(n);
        let (tx, rx) = Builder::new(n).wait(Wait::Spin).mpmc::<Tok>().unwrap();
        let rx = Arc::new(rx);
        let receivers: Vec<_> = (0..2)
            .map(|_| {
                let rx = Arc::clone(&rx);
                thread::spawn(move || {
                    let got: Vec<Tok> = (0..2).filter_map(|_| rx.recv_timeout(LONG).ok()).collect();
                    ids(got)
                })
            })
            .collect();
        for id in 0..n {
            assert_eq!(
                tx.try_send(drops.tok(id)).map_err(|e| e.into_inner().id),
                Ok(())
            );
        }
        let got: Vec<Vec<usize>> = receivers.into_iter().map(|r| r.join().unwrap()).collect();
        for mine in &got {
            assert!(increasing(mine), "one thread's receives {got:?}");
        }
        let mut rest = Vec::new();
        while let Ok(t) = rx.try_recv() {
            rest.push(t.id);
        }
        assert!(increasing(&rest), "{rest:?}");
        assert_partition(n, &[&got[0], &got[1], &rest]);
        drops.assert_all_once();
        let s = tx.stats();
        assert_eq!((s.sent, s.received), (n as u64, n as u64));
        drop((tx, rx));
    });
}

#[test]
fn mpmc_shared_consumer_two_looks_each_three_values() {
    shared_consumer_looks(3);
}

/// Two threads send a token each through ONE `mpmc` producer behind an
/// `Arc` (a ring of two: neither waits for room) while the only consumer
/// handle receives one token and leaves. The other token is handed back in
/// its `SendError` (its send found the ring closed), or queued and then
/// discarded: by the leaving consumer's drain, or by the producer that
/// pushed it while the consumer left. Each token is received, handed back
/// or discarded exactly once, and `Stats` agree.
///
/// `consumer_wait`: where consumers `Park`, a push checks for their
/// departure (a fence and a load), so nothing lingers once the sending
/// threads are joined. Where they never sleep (`Spin`), a token pushed
/// while the consumer leaves may escape both its drain and that check
/// (see `close_race.rs`): the next send through the shared handle finds
/// the ring closed and discards it.
///
/// The consumer leaves only after it received a token, so at most one send
/// can be under way when it drains. Two sends under way would make the
/// drain, and the second send discarding what it finds queued (by claimed
/// pops, which wait for a claimed slot's value), wait together on the
/// first one's unwritten slot: two spinners on a third, which loom cannot
/// explore (see README.md).
fn shared_producer_send_races_last_consumer_drop(consumer_wait: Wait) {
    loom::model(move || {
        let drops = Drops::new(3);
        let (tx, rx) = Builder::new(2)
            .producer_wait(Wait::Park)
            .consumer_wait(consumer_wait)
            .mpmc::<Tok>()
            .unwrap();
        let tx = Arc::new(tx);
        let senders: Vec<_> = (0..2)
            .map(|id| {
                let tx = Arc::clone(&tx);
                let tok = drops.tok(id);
                thread::spawn(move || match tx.send(tok) {
                    Ok(()) => None,
                    Err(SendError(back)) => {
                        assert_eq!(back.id, id);
                        Some(back.id)
                    }
                })
            })
            .collect();
        let consumer = thread::spawn(move || {
            let got = rx.recv().expect("a producer lives").id;
            drop(rx);
            got
        });
        let handed_back: Vec<usize> = senders
            .into_iter()
            .filter_map(|s| s.join().unwrap())
            .collect();
        let received = consumer.join().unwrap();
        assert!(tx.is_closed());
        assert!(handed_back.len() <= 1 && !handed_back.contains(&received));
        if consumer_wait == Wait::Park {
            // The shared producer still lives: nothing may linger.
            for id in 0..2 {
                assert_eq!(drops.count(id), 1, "token {id} lingers or went twice");
            }
        }
        // The next send finds the ring closed: it hands its token back and
        // discards whatever escaped the drain.
        match tx.try_send(drops.tok(2)) {
            Err(TrySendError::Closed(back)) => assert_eq!(back.id, 2),
            other => panic!("after the close: {other:?}"),
        }
        drops.assert_all_once();
        let s = tx.stats();
        assert_eq!(s.sent as usize, 2 - handed_back.len());
        assert_eq!(s.received, 1);
        assert_eq!(s.discarded, s.sent - 1);
        drop(tx);
        drops.assert_all_once();
    });
}

#[test]
fn mpmc_shared_producer_send_races_last_consumer_drop_park() {
    shared_producer_send_races_last_consumer_drop(Wait::Park);
}

#[test]
fn mpmc_shared_producer_send_races_last_consumer_drop_spin() {
    shared_producer_send_races_last_consumer_drop(Wait::Spin);
}
