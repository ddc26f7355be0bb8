#![cfg(loom)]
//! The slice API: a run of values stamped once per block and counted in `tail`
//! once (or freed with one store of `head`) racing the other side, across
//! the slot index wrap, with the wake-up of a parked consumer or producer,
//! and with closing; on the fast SPSC ring and on the stamped ring (mpsc),
//! whose runs go value by value. The statistics stay sane meanwhile: the
//! consumer may take a value by its stamp before the run's `tail` store.

use loom::thread;
use ringweir::{spsc, Builder, Wait};

/// Producer `send_slice`s `0..n` in runs of `run` into a ring of
/// `capacity`, then leaves; the consumer `recv_slice`s into a buffer of
/// `buf` until closed: every value arrives once, in order.
macro_rules! slices_in_order {
    ($make:ident, $capacity:expr, $n:expr, $run:expr, $buf:expr, $wait:expr) => {
        loom::model(|| {
            let (mut tx, mut rx) = Builder::new($capacity)
                .wait($wait)
                .$make::<usize>()
                .unwrap();
            let producer = thread::spawn(move || {
                let values: Vec<usize> = (0..$n).collect();
                for run in values.chunks($run) {
                    tx.send_slice(run).unwrap();
                }
            });
            let mut got = Vec::new();
            let mut out = [usize::MAX; $buf];
            loop {
                let k = rx.recv_slice(&mut out);
                if k == 0 {
                    break;
                }
                got.extend_from_slice(&out[..k]);
                let stats = rx.stats();
                assert!(stats.sent >= stats.received, "{stats:?}");
                assert!(rx.len() <= $capacity);
            }
            producer.join().unwrap();
            assert_eq!(got, (0..$n).collect::<Vec<_>>());
            let stats = rx.stats();
            assert_eq!((stats.sent, stats.received), ($n, $n));
        })
    };
}

#[test]
fn spsc_run_of_three_through_two_slots_park() {
    slices_in_order!(spsc, 2, 3, 3, 2, Wait::Park);
}

#[test]
fn spsc_runs_wrap_the_array_spin() {
    slices_in_order!(spsc, 2, 4, 2, 3, Wait::Spin);
}

/// Two blocks of two under loom: a run crosses from one block into the
/// next, where the consumer learns how far the producer got from one load
/// of `tail` instead of the next block's stamp.
#[test]
fn spsc_runs_cross_blocks_spin() {
    slices_in_order!(spsc, 4, 5, 3, 4, Wait::Spin);
}

/// The producer sends five `String`s in runs of three into a ring of four
/// (two blocks under loom) and leaves; `receive` takes everything until the
/// ring is closed and drained: each value arrives once, in order.
fn five_strings_across_blocks(receive: fn(&mut spsc::Consumer<String>) -> Vec<String>) {
    loom::model(move || {
        let (mut tx, mut rx) = Builder::new(4).wait(Wait::Spin).spsc::<String>().unwrap();
        let producer = thread::spawn(move || {
            let values: Vec<String> = (0..5).map(|i| i.to_string()).collect();
            for run in values.chunks(3) {
                tx.send_slice(run).unwrap();
            }
        });
        let got = receive(&mut rx);
        producer.join().unwrap();
        let expected: Vec<String> = (0..5).map(|i| i.to_string()).collect();
        assert_eq!(got, expected);
        assert_eq!(rx.stats().received, 5);
    })
}

/// `recv_many` (the run that hands each value to a sink, used for every
/// `T`) across blocks, with the same one load of `tail`.
#[test]
fn spsc_recv_many_crosses_blocks() {
    five_strings_across_blocks(|rx| {
        let mut got = Vec::new();
        while rx.recv_many(&mut got, 4) > 0 {}
        got
    });
}

/// `try_recv_in_place` across blocks: each value is shown once, in order,
/// and dropped where it lies.
#[test]
fn spsc_in_place_crosses_blocks() {
    five_strings_across_blocks(|rx| {
        let mut got = Vec::new();
        loop {
            let taken = rx.try_recv_in_place(4, |run| got.extend(run.iter().cloned()));
            if taken == 0 {
                if rx.is_closed() && rx.is_empty() {
                    return got;
                }
                thread::yield_now();
            }
        }
    });
}

#[test]
fn mpsc_run_of_three_through_two_slots_park() {
    slices_in_order!(mpsc, 2, 3, 3, 2, Wait::Park);
}

/// A run sent while the only consumer leaves: the values end up received
/// or discarded (counted), never both, never lost, and a send after the
/// close is refused.
#[test]
fn spsc_run_races_the_last_consumer() {
    loom::model(|| {
        let (mut tx, mut rx) = Builder::new(2).wait(Wait::Park).spsc::<usize>().unwrap();
        let consumer = thread::spawn(move || {
            let mut out = [0; 2];
            let k = rx.try_recv_slice(&mut out);
            assert!(out[..k].iter().copied().eq(0..k));
            k as u64
        });
        let sent = tx.try_send_slice(&[0, 1]).map_or(0, |k| k as u64);
        let received = consumer.join().unwrap();
        let stats = tx.stats();
        assert_eq!(stats.sent, sent);
        assert_eq!(stats.received + stats.discarded, sent, "{stats:?}");
        assert_eq!(stats.received, received);
        assert!(tx.try_send_slice(&[2]).is_err());
    });
}
