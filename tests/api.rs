//! The API's contract, one behaviour per test, on every topology.

mod common;

use ringweir::{
    Builder, Overflow, Pressure, RecvTimeoutError, SendTimeoutError, Sent, TryRecvError,
    TrySendError, Wait,
};
use std::time::{Duration, Instant};

/// Runs `$body` once per topology with `$tx`/`$rx` bound to a fresh ring
/// built from `$builder`.
macro_rules! each_topology {
    ($builder:expr, |$tx:ident, $rx:ident| $body:block) => {{
        {
            #[allow(unused_mut)]
            let (mut $tx, mut $rx) = $builder.spsc::<u32>().unwrap();
            $body
        }
        {
            #[allow(unused_mut)]
            let (mut $tx, mut $rx) = $builder.mpsc::<u32>().unwrap();
            $body
        }
        {
            #[allow(unused_mut)]
            let (mut $tx, mut $rx) = $builder.mpmc::<u32>().unwrap();
            $body
        }
    }};
}

#[test]
fn capacity_is_exact_and_zero_is_refused() {
    let capacities: &[usize] = if cfg!(miri) {
        &[1, 3, 5]
    } else {
        &[1, 3, 1000, 1025]
    };
    for &capacity in capacities {
        each_topology!(Builder::new(capacity), |tx, rx| {
            assert_eq!(tx.capacity(), capacity);
            assert_eq!(rx.capacity(), capacity);
            for i in 0..capacity as u32 {
                assert_eq!(tx.try_send(i), Ok(()));
            }
            assert!(tx.is_full());
            assert_eq!(tx.try_send(9), Err(TrySendError::Full(9)));
            assert_eq!(rx.len(), capacity);
        });
    }
    let err = Builder::new(0).spsc::<u8>().unwrap_err();
    assert_eq!(err.requested(), 0);
    assert!(err.to_string().contains("capacity 0"), "{err}");
    assert!(Builder::new(0).mpsc::<u8>().is_err());
    assert!(Builder::new(0).mpmc::<u8>().is_err());
}

#[test]
fn channel_panics_name_the_capacity() {
    let panic = std::panic::catch_unwind(|| ringweir::spsc::channel::<u8>(0)).unwrap_err();
    let msg = panic.downcast_ref::<String>().unwrap();
    assert!(msg.contains("capacity 0"), "{msg}");
    let panic =
        std::panic::catch_unwind(|| ringweir::mpmc::channel::<u64>(usize::MAX)).unwrap_err();
    let msg = panic.downcast_ref::<String>().unwrap();
    assert!(msg.contains(&usize::MAX.to_string()), "{msg}");
}

#[test]
fn absurd_capacities_are_errors_not_aborts() {
    for capacity in [usize::MAX, usize::MAX / 2, isize::MAX as usize] {
        let err = Builder::new(capacity).spsc::<u64>().unwrap_err();
        assert_eq!(err.requested(), capacity);
        assert!(err.to_string().contains(&capacity.to_string()), "{err}");
        assert!(Builder::new(capacity).mpmc::<u64>().is_err());
        assert!(Builder::new(capacity)
            .overflow(Overflow::DropOldest)
            .spsc::<()>()
            .is_err());
    }
    // Large enough to pass the arithmetic checks, too large for any machine.
    if !cfg!(miri) {
        let err = Builder::new(1 << 55).spsc::<u64>().unwrap_err();
        assert!(err.to_string().contains("could not be allocated"), "{err}");
    }
}

#[test]
fn watermarks_are_validated() {
    assert!(Builder::new(8).watermarks(9, 0).spsc::<u8>().is_err());
    assert!(Builder::new(8).watermarks(2, 3).spsc::<u8>().is_err());
    assert!(Builder::new(8).watermarks(8, 8).spsc::<u8>().is_ok());
    assert!(Builder::new(8).watermarks(0, 0).spsc::<u8>().is_ok());
}

#[test]
fn pressure_has_hysteresis() {
    each_topology!(Builder::new(10).watermarks(8, 3), |tx, rx| {
        for i in 0..7 {
            tx.send(i).unwrap();
        }
        assert_eq!(tx.pressure(), Pressure::Normal);
        tx.send(7).unwrap();
        assert_eq!(tx.pressure(), Pressure::High);
        for _ in 0..4 {
            rx.recv().unwrap();
        }
        assert_eq!(rx.len(), 4);
        assert_eq!(tx.pressure(), Pressure::High, "still above the low mark");
        rx.recv().unwrap();
        assert_eq!(rx.pressure(), Pressure::Normal);
        tx.send(0).unwrap();
        assert_eq!(tx.pressure(), Pressure::Normal, "below the high mark again");
    });
}

#[test]
fn try_send_never_evicts_or_waits() {
    for overflow in [Overflow::Block, Overflow::DropNewest, Overflow::DropOldest] {
        each_topology!(Builder::new(2).overflow(overflow), |tx, rx| {
            tx.try_send(1).unwrap();
            tx.try_send(2).unwrap();
            assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
            let s = tx.stats();
            assert_eq!((s.dropped, s.evicted, s.waits), (0, 0, 0));
            assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
        });
    }
}

#[test]
fn drop_newest_hands_back_the_new_value() {
    each_topology!(Builder::new(2).overflow(Overflow::DropNewest), |tx, rx| {
        assert!(matches!(tx.send(1), Ok(Sent::Queued)));
        assert!(matches!(tx.send(2), Ok(Sent::Queued)));
        assert!(matches!(tx.send(3), Ok(Sent::Dropped(3))));
        assert_eq!(tx.stats().dropped, 1);
        assert_eq!(rx.lagged(), 0);
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    });
}

#[test]
fn drop_oldest_hands_back_the_oldest_value() {
    each_topology!(Builder::new(3).overflow(Overflow::DropOldest), |tx, rx| {
        for i in 0..3 {
            assert!(matches!(tx.send(i), Ok(Sent::Queued)));
        }
        assert!(matches!(tx.send(3), Ok(Sent::Evicted(0))));
        assert!(matches!(tx.send(4), Ok(Sent::Evicted(1))));
        assert_eq!(rx.recv(), Ok(2));
        assert!(matches!(tx.send(5), Ok(Sent::Queued)));
        assert!(matches!(tx.send(6), Ok(Sent::Evicted(3))));
        assert_eq!(rx.lagged(), 3);
        assert_eq!(rx.lagged(), 0);
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [4, 5, 6]);
        let s = rx.stats();
        assert_eq!((s.sent, s.received, s.evicted, s.dropped), (7, 4, 3, 0));
    });
}

#[test]
fn stats_are_ring_wide() {
    each_topology!(Builder::new(4), |tx, rx| {
        for i in 0..4 {
            tx.send(i).unwrap();
        }
        rx.recv().unwrap();
        assert_eq!(tx.stats(), rx.stats());
        let s = tx.stats();
        assert_eq!((s.sent, s.received), (4, 1));
        assert_eq!(s.sent - s.received, rx.len() as u64);
    });
}

#[test]
fn waits_count_sends_that_waited() {
    each_topology!(Builder::new(1), |tx, rx| {
        tx.send(1).unwrap();
        assert!(tx
            .send_timeout(2, Duration::from_millis(50))
            .unwrap_err()
            .is_timeout());
        assert!(tx.send_timeout(2, Duration::ZERO).unwrap_err().is_timeout());
        assert_eq!(tx.stats().waits, 1, "a zero timeout does not wait");
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn timeouts_of_zero_and_max() {
    each_topology!(Builder::new(1), |tx, rx| {
        assert_eq!(
            rx.recv_timeout(Duration::ZERO),
            Err(RecvTimeoutError::Timeout)
        );
        assert!(matches!(
            tx.send_timeout(1, Duration::MAX),
            Ok(Sent::Queued)
        ));
        assert_eq!(rx.recv_timeout(Duration::MAX), Ok(1));
        assert!(matches!(
            tx.send_timeout(2, Duration::ZERO),
            Ok(Sent::Queued)
        ));
        assert_eq!(
            tx.send_timeout(3, Duration::ZERO),
            Err(SendTimeoutError::Timeout(3))
        );
        assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(2));
    });
}

#[test]
fn timeouts_wait_roughly_as_long_as_asked() {
    if cfg!(miri) {
        return;
    }
    for wait in [Wait::Spin, Wait::Yield, Wait::Park] {
        each_topology!(Builder::new(1).wait(wait), |tx, rx| {
            let start = Instant::now();
            assert_eq!(
                rx.recv_timeout(Duration::from_millis(20)),
                Err(RecvTimeoutError::Timeout)
            );
            assert!(start.elapsed() >= Duration::from_millis(20));
            tx.send(1).unwrap();
            let start = Instant::now();
            assert!(tx.send_timeout(2, Duration::from_millis(20)).is_err());
            assert!(start.elapsed() >= Duration::from_millis(20));
        });
    }
}

#[test]
fn recv_many_and_iterators() {
    each_topology!(Builder::new(8), |tx, rx| {
        for i in 0..6 {
            tx.send(i).unwrap();
        }
        let mut buf = Vec::new();
        assert_eq!(rx.recv_many(&mut buf, 0), 0);
        assert_eq!(rx.recv_many(&mut buf, 4), 4);
        assert_eq!(rx.try_recv_many(&mut buf, 10), 2);
        assert_eq!(buf, [0, 1, 2, 3, 4, 5]);
        assert_eq!(rx.try_iter().next(), None);
        tx.send(9).unwrap();
        drop(tx);
        assert_eq!(rx.recv_many(&mut buf, 4), 1);
        assert_eq!(rx.recv_many(&mut buf, 4), 0);
        assert_eq!(rx.iter().count(), 0);
    });
}

#[test]
fn zero_sized_values() {
    for overflow in [Overflow::Block, Overflow::DropNewest, Overflow::DropOldest] {
        let (mut tx, mut rx) = Builder::new(3).overflow(overflow).spsc::<()>().unwrap();
        for _ in 0..3 {
            tx.send(()).unwrap();
        }
        assert_eq!(tx.try_send(()), Err(TrySendError::Full(())));
        assert_eq!(rx.try_iter().count(), 3);
    }
    // Zero-sized values still cost their stamps (one per block of seven on
    // this ring): a ring too large for them is refused with an error, not
    // an abort.
    let capacity = if cfg!(miri) { 64 } else { 1 << 16 };
    let (mut tx, mut rx) = Builder::new(capacity).spsc::<()>().unwrap();
    for _ in 0..capacity {
        tx.send(()).unwrap();
    }
    assert_eq!(rx.try_iter().count(), capacity);
    if !cfg!(miri) {
        let err = Builder::new(1 << 55).spsc::<()>().unwrap_err();
        assert!(err.to_string().contains("could not be allocated"), "{err}");
    }
}

#[test]
fn large_values() {
    let (mut tx, mut rx) = ringweir::spsc::channel::<[u8; 4096]>(4);
    let producer = std::thread::spawn(move || {
        for i in 0..common::scaled(20_000) {
            tx.send([i as u8; 4096]).unwrap();
        }
    });
    let mut i = 0u64;
    while let Ok(block) = rx.recv() {
        assert!(block.iter().all(|&b| b == i as u8));
        i += 1;
    }
    assert_eq!(i, common::scaled(20_000));
    producer.join().unwrap();
}

#[test]
fn errors_display_and_give_values_back() {
    assert_eq!(TrySendError::Full(1).into_inner(), 1);
    assert_eq!(format!("{:?}", TrySendError::Full(1)), "Full(..)");
    assert_eq!(
        TrySendError::Closed(1).to_string(),
        "sending on a ring whose consumers are all gone"
    );
    assert_eq!(ringweir::SendError(2).into_inner(), 2);
    assert_eq!(SendTimeoutError::Timeout(3).into_inner(), 3);
    assert!(!RecvTimeoutError::Closed.to_string().is_empty());
    let err: Box<dyn std::error::Error> = Box::new(ringweir::RecvError);
    assert!(err.to_string().contains("closed"));
}
