//! `try_recv_in_place`: values shown where they lie, then dropped there, on
//! every topology and policy: runs across the end of the slot array and
//! across the SPSC ring's blocks, counting, panics in the callback and in
//! `T::drop`, closing, and a stream across threads.

#[macro_use]
mod common;

use common::{build, count, counter, name, policy, scaled, Counted, Policy};
use ringweir::{Builder, Producer, Topology, TryRecvError};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread;

/// Runs of 5 pushed and up to 6 looked at on the ring `K`.
fn runs_in_order<K: Topology>() {
    let topo = name::<K>();
    // Capacity 17: three SPSC blocks, the last one partly used; runs of
    // 5 pushed and up to 6 looked at, so every boundary gets straddled.
    let (mut tx, mut rx) = build::<u64, K>(Builder::new(17));
    let (mut next_sent, mut next_seen) = (0u64, 0u64);
    for round in 0..60 {
        let run: Vec<u64> = (next_sent..next_sent + 5).collect();
        next_sent += tx.try_send_slice(&run).unwrap() as u64;
        let mut seen = Vec::new();
        let max = round % 7;
        let taken = rx.try_recv_in_place(max, |run| {
            assert!(!run.is_empty(), "{topo}: an empty run");
            seen.extend_from_slice(run);
        });
        assert_eq!(taken, seen.len(), "{topo} round {round}");
        assert!(taken <= max);
        for value in seen {
            assert_eq!(value, next_seen, "{topo} round {round}");
            next_seen += 1;
        }
        assert_eq!(rx.len() as u64, next_sent - next_seen);
    }
    let stats = rx.stats();
    assert_eq!(stats.received, next_seen, "{topo}");
    assert_eq!(stats.sent, next_sent);
}

#[test]
fn runs_arrive_in_order_across_blocks_and_the_array_end() {
    each_ring!(runs_in_order());
}

#[test]
fn an_empty_ring_or_a_zero_max_shows_nothing() {
    each_topology!(Builder::new(4), u64, |topo, tx, rx| {
        let mut calls = 0;
        assert_eq!(rx.try_recv_in_place(8, |_| calls += 1), 0, "{topo}");
        tx.send(1).unwrap();
        assert_eq!(rx.try_recv_in_place(0, |_| calls += 1), 0, "{topo}");
        assert_eq!(calls, 0);
        assert_eq!(rx.try_recv(), Ok(1));
    });
}

fn every_value_shown_dropped_once<K: Topology>() {
    let topo = name::<K>();
    let (tx, mut rx) = build::<Counted, K>(Builder::new(16));
    let drops = counter();
    for id in 0..10 {
        assert!(tx.try_send(Counted::new(id, &drops)).is_ok());
    }
    let mut ids = Vec::new();
    let taken = rx.try_recv_in_place(6, |run| {
        ids.extend(run.iter().map(|v| v.id));
    });
    assert_eq!(taken, 6, "{topo}");
    assert_eq!(ids, [0, 1, 2, 3, 4, 5]);
    assert_eq!(count(&drops), 6, "{topo}: shown values are dropped");
    assert_eq!(rx.try_recv().map(|v| v.id), Ok(6));
    assert_eq!(count(&drops), 7);
    drop((tx, rx));
    assert_eq!(count(&drops), 10, "{topo}");
}

#[test]
fn every_value_shown_is_dropped_once_and_the_rest_stay_queued() {
    each_ring!(every_value_shown_dropped_once());
}

fn a_panicking_callback<K: Topology>() {
    let topo = name::<K>();
    let (tx, mut rx) = build::<Counted, K>(Builder::new(16));
    let drops = counter();
    for id in 0..12 {
        assert!(tx.try_send(Counted::new(id, &drops)).is_ok());
    }
    let mut last_seen = None;
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        rx.try_recv_in_place(12, |run| {
            last_seen = run.last().map(|v| v.id);
            if run.iter().any(|v| v.id == 3) {
                panic!("the callback panics on value 3");
            }
        })
    }));
    assert!(panicked.is_err(), "{topo}");
    // The run holding 3 was taken with everything before it; what
    // follows it is still queued, in order, and nothing is dropped
    // twice.
    let seen = last_seen.unwrap() + 1;
    assert!(seen >= 4, "{topo}");
    assert_eq!(count(&drops) as u64, seen, "{topo}");
    assert_eq!(rx.stats().received, seen, "{topo}");
    let rest: Vec<u64> = rx.try_iter().map(|v| v.id).collect();
    assert_eq!(rest, (seen..12).collect::<Vec<_>>(), "{topo}");
    assert_eq!(count(&drops), 12);
}

#[test]
fn a_panicking_callback_takes_the_run_it_panicked_on_and_nothing_more() {
    each_ring!(a_panicking_callback());
}

/// Panics in `Drop` when its flag is set.
struct Bomb<'a> {
    id: u64,
    armed: bool,
    drops: &'a std::cell::Cell<usize>,
}

impl Drop for Bomb<'_> {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
        if self.armed {
            panic!("value {} panics in drop", self.id);
        }
    }
}

#[test]
fn a_panicking_drop_still_drops_the_rest_of_its_run() {
    let drops = std::cell::Cell::new(0);
    // spsc only: `Bomb` borrows a local `Cell`, which is not `Sync`, so the
    // value cannot be `Send`; the ring is used on this thread alone.
    let (tx, mut rx) = Builder::new(16).spsc::<Bomb<'_>>().unwrap();
    for id in 0..5 {
        let bomb = Bomb {
            id,
            armed: id == 1,
            drops: &drops,
        };
        assert!(tx.try_send(bomb).is_ok());
    }
    let panicked = catch_unwind(AssertUnwindSafe(|| rx.try_recv_in_place(3, |_| {})));
    assert!(panicked.is_err());
    // 0, 1 (which panicked) and 2 were in the run: all dropped, once.
    assert_eq!(drops.get(), 3);
    assert_eq!(rx.try_recv().map(|v| v.id).ok(), Some(3));
    assert_eq!(drops.get(), 4);
    drop((tx, rx));
    assert_eq!(drops.get(), 5);
}

#[test]
fn closing_shows_what_is_left_then_reports_closed() {
    each_topology!(Builder::new(8), u64, |topo, tx, rx| {
        tx.send_slice(&[1, 2, 3]).unwrap();
        drop(tx);
        let mut sum = 0;
        assert_eq!(
            rx.try_recv_in_place(8, |run| sum += run.iter().sum::<u64>()),
            3
        );
        assert_eq!(sum, 6, "{topo}");
        assert_eq!(rx.try_recv_in_place(8, |_| {}), 0);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{topo}");
    });
}

fn a_stream_looked_at_in_place<K: Topology>()
where
    Producer<u64, K>: Send,
{
    let topo = name::<K>();
    let n = scaled(200_000);
    let (mut tx, mut rx) = build::<u64, K>(Builder::new(64));
    let producer = thread::spawn(move || {
        let values: Vec<u64> = (0..n).collect();
        for run in values.chunks(13) {
            // `send_slice` obeys the policy: DropNewest may drop.
            let _ = tx.send_slice(run).unwrap();
        }
    });
    let mut last = None::<u64>;
    let mut got = 0u64;
    loop {
        let taken = rx.try_recv_in_place(50, |run| {
            for &v in run {
                assert!(last.is_none_or(|l| v > l), "{topo}: {v} after {last:?}");
                last = Some(v);
            }
        });
        got += taken as u64;
        if taken == 0 {
            if rx.is_closed() && rx.is_empty() {
                break;
            }
            thread::yield_now();
        }
    }
    producer.join().unwrap();
    let stats = rx.stats();
    assert_eq!(stats.received, got, "{topo}");
    assert_eq!(stats.received + stats.dropped, n, "{topo}");
    if policy::<K>() == Policy::Block {
        assert_eq!(got, n, "{topo}");
    }
}

#[test]
fn a_stream_looked_at_in_place_arrives_whole_and_in_order() {
    each_ring!([Block, DropNewest] a_stream_looked_at_in_place());
}

/// Values of over 64 bytes (which every topology keeps one per slot) are
/// shown where they lie too, one per run: a consumer on a thread whose
/// stack is far smaller than a value still looks at it, and no two values
/// are shown at one address (as they would be if each were moved out into
/// the same stack slot first).
#[test]
#[cfg_attr(miri, ignore)] // megabyte values and thread stacks
fn values_larger_than_the_consumers_stack_are_shown_where_they_lie() {
    const SIZE: usize = 1 << 20;
    each_topology!(Builder::new(2), [u8; SIZE], |topo, tx, rx| {
        // The sends copy the value; give them room.
        let tx = thread::Builder::new()
            .stack_size(16 << 20)
            .spawn(move || {
                tx.send([7u8; SIZE]).unwrap();
                tx.send([8u8; SIZE]).unwrap();
                tx
            })
            .unwrap()
            .join()
            .unwrap();
        let (seen, rx) = thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || {
                let mut seen = Vec::new();
                let taken = rx.try_recv_in_place(2, |run| {
                    for value in run {
                        seen.push((value.as_ptr() as usize, value[0], value[SIZE - 1]));
                    }
                });
                assert_eq!(taken, 2, "{topo}");
                (seen, rx)
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(seen.len(), 2, "{topo}");
        assert_ne!(seen[0].0, seen[1].0, "{topo}: shown at one address");
        assert_eq!(
            (seen[0].1, seen[0].2, seen[1].1, seen[1].2),
            (7, 7, 8, 8),
            "{topo}"
        );
        drop((tx, rx));
    });
}
