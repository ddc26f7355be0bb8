//! The slice API: `try_send_slice`/`send_slice` and
//! `try_recv_slice`/`recv_slice` (plus `try_recv_many`, which shares the
//! batched pop), on every topology: partial runs, runs that cross the end of
//! the slot array, policies, closing, panicking `Clone` and `Drop`, and
//! long streams across threads.

#[macro_use]
mod common;

use common::{build, count, counter, name, scaled, Counted};
use ringweir::{Builder, DropNewest, DropOldest, Lost, SendError, Topology, Wait};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

/// Runs of 3 and reads of 2 or 4 on the ring `K`.
fn runs_fill_what_fits<K: Topology>() {
    let topo = name::<K>();
    // Capacity 5 with runs of 3 and reads of 2 or 4: every run
    // eventually straddles the last slot.
    let (mut tx, mut rx) = build::<u64, K>(Builder::new(5));
    let mut next_sent = 0u64;
    let mut next_read = 0u64;
    for round in 0..40 {
        let run: Vec<u64> = (next_sent..next_sent + 3).collect();
        let room = 5 - tx.len();
        let queued = tx.try_send_slice(&run).unwrap();
        assert_eq!(queued, room.min(3), "{topo} round {round}");
        next_sent += queued as u64;
        let mut out = vec![0u64; if round % 2 == 0 { 2 } else { 4 }];
        let taken = rx.try_recv_slice(&mut out);
        for value in &out[..taken] {
            assert_eq!(*value, next_read, "{topo}");
            next_read += 1;
        }
    }
    let rest: Vec<u64> = rx.try_iter().collect();
    assert_eq!(rest, (next_read..next_sent).collect::<Vec<_>>());
    let stats = tx.stats();
    assert_eq!(
        (stats.sent, stats.received),
        (next_sent, next_sent),
        "{topo}"
    );
    assert_eq!((stats.dropped, stats.evicted), (0, 0), "{topo}");
}

#[test]
fn runs_fill_what_fits_and_cross_the_end_of_the_array_in_order() {
    each_ring!(runs_fill_what_fits());
}

#[test]
fn empty_slices_and_full_rings_move_nothing() {
    each_topology!(Builder::new(2), u8, |topo, tx, rx| {
        assert_eq!(tx.try_send_slice(&[]), Ok(0), "{topo}");
        assert_eq!(tx.try_send_slice(&[1, 2]), Ok(2));
        assert_eq!(tx.try_send_slice(&[3]), Ok(0), "{topo}: full");
        assert_eq!(rx.try_recv_slice(&mut []), 0);
        assert_eq!(rx.recv_slice(&mut []), 0);
        let mut out = [0u8; 3];
        assert_eq!(rx.try_recv_slice(&mut out), 2);
        assert_eq!(rx.try_recv_slice(&mut out), 0, "{topo}: empty");
        assert_eq!(out, [1, 2, 0]);
    });
}

#[test]
fn slices_report_closing_on_both_sides() {
    each_topology!(Builder::new(4), u8, |topo, tx, rx| {
        tx.send_slice(&[1, 2, 3]).unwrap();
        drop(rx);
        assert_eq!(tx.try_send_slice(&[4]), Err(SendError(())), "{topo}");
        assert_eq!(tx.send_slice(&[4, 5]), Err(SendError(0)), "{topo}");
        // The last consumer drained what was queued when it left.
        assert_eq!(tx.stats().discarded, 3, "{topo}");
    });
    each_topology!(Builder::new(4), u8, |topo, tx, rx| {
        tx.send_slice(&[1, 2, 3]).unwrap();
        drop(tx);
        let mut out = [0u8; 8];
        assert_eq!(rx.recv_slice(&mut out), 3, "{topo}");
        assert_eq!(rx.recv_slice(&mut out), 0, "{topo}: closed and drained");
    });
}

#[test]
fn send_slice_follows_the_overflow_policy_when_full() {
    each_topology!(Builder::new(2).overflow(DropNewest), u8, |topo, tx, rx| {
        assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5]), Ok(Lost(3)), "{topo}");
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2], "{topo}");
        assert_eq!(tx.stats().dropped, 3, "{topo}");
    });
    each_topology!(Builder::new(2).overflow(DropOldest), u8, |topo, tx, rx| {
        assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5]), Ok(Lost(3)), "{topo}");
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [4, 5], "{topo}");
        assert_eq!(rx.lagged(), 3, "{topo}");
    });
}

/// Clones fine until the pinned id, whose clone panics.
#[derive(Debug)]
struct Fuse {
    id: u32,
    pin: u32,
    drops: Arc<AtomicUsize>,
}

impl Clone for Fuse {
    fn clone(&self) -> Self {
        assert_ne!(self.id, self.pin, "clone of the pinned value");
        Fuse {
            id: self.id,
            pin: self.pin,
            drops: self.drops.clone(),
        }
    }
}

impl Drop for Fuse {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_panicking_clone_keeps_the_clones_made_before_it() {
    for wait in [Wait::Park, Wait::Spin] {
        each_topology!(Builder::new(8).wait(wait), Fuse, |topo, tx, rx| {
            let drops = counter();
            let values: Vec<Fuse> = (0..6)
                .map(|id| Fuse {
                    id,
                    pin: 3,
                    drops: drops.clone(),
                })
                .collect();
            let outcome = catch_unwind(AssertUnwindSafe(|| tx.try_send_slice(&values)));
            assert!(outcome.is_err(), "{topo}: the fourth clone panicked");
            assert_eq!(tx.len(), 3, "{topo}: the first three are queued");
            assert_eq!(tx.stats().sent, 3, "{topo}");
            let outcome = catch_unwind(AssertUnwindSafe(|| tx.send_slice(&values[3..])));
            assert!(outcome.is_err(), "{topo}");
            // The ring is consistent and usable: more runs go after them.
            tx.send_slice(&values[4..]).unwrap();
            let ids: Vec<u32> = rx.try_iter().map(|f| f.id).collect();
            assert_eq!(ids, [0, 1, 2, 4, 5], "{topo}");
            assert_eq!(count(&drops), 5, "{topo}: each clone dropped once");
            drop(values);
            assert_eq!(count(&drops), 11, "{topo}");
        });
    }
}

/// Counts its drops, then panics when the pinned id is dropped.
#[derive(Debug)]
struct Grenade {
    id: u64,
    pin: u64,
    drops: Arc<AtomicUsize>,
}

impl Drop for Grenade {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.id == self.pin && !thread::panicking() {
            panic!("boom {}", self.id);
        }
    }
}

#[test]
fn recv_slice_drops_what_it_replaces_and_survives_a_panicking_drop() {
    each_topology!(Builder::new(8), Grenade, |topo, tx, rx| {
        let drops = counter();
        let grenade = |id| Grenade {
            id,
            pin: 100,
            drops: drops.clone(),
        };
        for id in 0..4 {
            tx.send(grenade(id)).unwrap();
        }
        // `out` holds stale values; the second one blows up when replaced.
        let mut out: Vec<Grenade> = (99..103).map(&grenade).collect();
        let outcome = catch_unwind(AssertUnwindSafe(|| rx.try_recv_slice(&mut out)));
        assert!(outcome.is_err(), "{topo}: replacing id 100 panicked");
        // Two values left the ring (the one whose replacement panicked is
        // in `out` now), two stay queued; nothing lost, nothing twice.
        assert_eq!(
            out.iter().map(|g| g.id).collect::<Vec<_>>(),
            [0, 1, 101, 102],
            "{topo}"
        );
        assert_eq!(rx.len(), 2, "{topo}");
        assert_eq!(rx.stats().received, 2, "{topo}");
        assert_eq!(count(&drops), 2, "{topo}: ids 99 and 100");
        assert_eq!(rx.try_recv_slice(&mut out[2..]), 2);
        assert_eq!(count(&drops), 4, "{topo}: ids 101 and 102");
        drop(out);
        drop((tx, rx));
        assert_eq!(count(&drops), 8, "{topo}");
    });
}

#[test]
fn queued_values_are_dropped_once_when_rings_go_with_runs_in_flight() {
    each_topology!(Builder::new(7), Counted, |topo, tx, rx| {
        let drops = counter();
        for round in 0..5u64 {
            for id in 0..3 {
                tx.send(Counted::new(round * 10 + id, &drops)).unwrap();
            }
            let mut taken = Vec::new();
            rx.try_recv_many(&mut taken, 2);
        }
        let queued = rx.len();
        let before = count(&drops);
        drop((tx, rx));
        assert_eq!(count(&drops) - before, queued, "{topo}");
        assert_eq!(count(&drops), 15);
    });
}

/// A producer sends runs of 1 to 97 numbers with `send_slice`, the
/// consumer reads with `recv_slice` into buffers of 1 to 61: every number
/// arrives once, in order.
macro_rules! stream {
    ($builder:expr, $make:ident) => {{
        let total = scaled(300_000);
        let (mut tx, mut rx) = $builder.$make::<u64>().unwrap();
        let producer = thread::spawn(move || {
            let mut next = 0u64;
            let mut run = 1u64;
            while next < total {
                let end = (next + run).min(total);
                let values: Vec<u64> = (next..end).collect();
                tx.send_slice(&values).unwrap();
                next = end;
                run = run % 97 + 1;
            }
        });
        let mut expected = 0u64;
        let mut out = vec![0u64; 61];
        let mut size = 1;
        loop {
            let got = rx.recv_slice(&mut out[..size]);
            if got == 0 {
                break;
            }
            for value in &out[..got] {
                assert_eq!(*value, expected, stringify!($make));
                expected += 1;
            }
            size = size % 61 + 1;
        }
        producer.join().unwrap();
        assert_eq!(expected, total, stringify!($make));
    }};
}

#[test]
fn slice_streams_arrive_whole_and_in_order() {
    // Miri interprets every step: one wait strategy and two sizes there.
    let waits: &[Wait] = if cfg!(miri) {
        &[Wait::Park]
    } else {
        &[Wait::Park, Wait::Spin, Wait::Yield]
    };
    let capacities: &[usize] = if cfg!(miri) { &[1, 7] } else { &[1, 7, 64] };
    for &wait in waits {
        for &capacity in capacities {
            stream!(Builder::new(capacity).wait(wait), spsc);
            stream!(Builder::new(capacity).wait(wait), mpsc);
            stream!(Builder::new(capacity).wait(wait), mpmc);
        }
    }
}
