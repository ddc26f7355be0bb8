//! The API's contract, one behaviour per test, on every topology.

#[macro_use]
mod common;

use common::{name, policy, Policy};
use ringweir::{
    Admission, Block, Builder, Consumer, DropNewest, DropOldest, Eviction, IntoIter, Lost,
    ManyConsumers, ManyProducers, Mpmc, Mpsc, Overflow, Pressure, Producer, RecvError,
    RecvTimeoutError, SendError, SendTimeoutError, SoleTaker, Spsc, Topology, TryRecvError,
    TrySendError, Wait,
};
use std::thread;
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
    let message = |panic: Box<dyn std::any::Any + Send>| panic.downcast::<String>().unwrap();
    let msg = message(std::panic::catch_unwind(|| ringweir::spsc::channel::<u8>(0)).unwrap_err());
    assert!(
        msg.starts_with("ringweir::spsc::channel: ") && msg.contains("capacity 0"),
        "{msg}"
    );
    let msg = message(std::panic::catch_unwind(|| ringweir::mpsc::channel::<u8>(0)).unwrap_err());
    assert!(msg.starts_with("ringweir::mpsc::channel: "), "{msg}");
    let msg = message(std::panic::catch_unwind(|| ringweir::mpmc::channel::<u8>(0)).unwrap_err());
    assert!(msg.starts_with("ringweir::mpmc::channel: "), "{msg}");
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
            .overflow(DropOldest)
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

fn try_send_never_evicts_or_waits_on<K: Topology>() {
    let (tx, rx) = common::build::<u32, K>(Builder::new(2));
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    let s = tx.stats();
    assert_eq!((s.dropped, s.evicted, s.waits), (0, 0, 0));
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
}

#[test]
fn try_send_never_evicts_or_waits() {
    each_ring!(try_send_never_evicts_or_waits_on());
}

#[test]
fn drop_newest_hands_back_the_new_value() {
    each_topology!(Builder::new(2).overflow(DropNewest), |tx, rx| {
        assert_eq!(tx.send(1), Ok(Admission::Queued));
        assert_eq!(tx.send(2), Ok(Admission::Queued));
        assert_eq!(tx.send(3), Ok(Admission::Dropped(3)));
        assert_eq!(tx.stats().dropped, 1);
        assert_eq!(rx.lagged(), 0);
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    });
}

#[test]
fn drop_oldest_hands_back_the_oldest_value() {
    each_topology!(Builder::new(3).overflow(DropOldest), |tx, rx| {
        for i in 0..3 {
            assert_eq!(tx.send(i), Ok(Eviction::Queued));
        }
        assert_eq!(tx.send(3), Ok(Eviction::Evicted(0)));
        assert_eq!(tx.send(4), Ok(Eviction::Evicted(1)));
        assert_eq!(rx.recv(), Ok(2));
        assert_eq!(tx.send(5), Ok(Eviction::Queued));
        assert_eq!(tx.send(6), Ok(Eviction::Evicted(3)));
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
        assert_eq!(tx.send_timeout(1, Duration::MAX), Ok(()));
        assert_eq!(rx.recv_timeout(Duration::MAX), Ok(1));
        assert_eq!(tx.send_timeout(2, Duration::ZERO), Ok(()));
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

/// On the spsc ring `K` (`Spsc<P>` of each policy `P`).
fn zero_sized_values_on<K: Topology>() {
    let (tx, rx) = common::build::<(), K>(Builder::new(3));
    for _ in 0..3 {
        tx.send(()).unwrap();
    }
    assert_eq!(tx.try_send(()), Err(TrySendError::Full(())));
    assert_eq!(rx.try_iter().count(), 3);
}

#[test]
fn zero_sized_values() {
    each_policy!(Spsc, zero_sized_values_on());
    // Zero-sized values still cost their stamps (one per block of seven on
    // this ring): a ring too large for them is refused with an error, not
    // an abort.
    let capacity = if cfg!(miri) { 64 } else { 1 << 16 };
    let (tx, rx) = Builder::new(capacity).spsc::<()>().unwrap();
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
    let (tx, rx) = ringweir::spsc::channel::<[u8; 4096]>(4);
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

// ---------------------------------------------------------------------------
// The redesign's additions: `peek`, deadlines, `for v in rx`, `Lost`, and
// code generic over the ring's type
// ---------------------------------------------------------------------------

/// Runs `f` on a thread of its own and returns its result; fails (leaking
/// the thread) if `f` takes longer than `limit`: a hang is a failure here,
/// not a stuck test run.
fn within<R: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (done, result) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let _ = done.send(f());
    });
    match result.recv_timeout(limit) {
        Ok(r) => r,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("hang: {what} still running after {limit:?}")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

/// How long a call that must not wait may take at most, on a loaded
/// machine: a bound on a hang, not a timing.
const NO_WAIT: Duration = Duration::from_secs(10);

/// A 200-byte value (over the 64 bytes of the spsc ring's blocks, so the
/// spsc ring keeps it by the stamped protocol) that carries its number.
fn big(n: u64) -> [u8; 200] {
    let mut v = [n as u8 ^ 0x5a; 200];
    v[..8].copy_from_slice(&n.to_le_bytes());
    v
}

/// The number of a [`big`] value, checking that it is whole.
fn big_id(v: &[u8; 200]) -> u64 {
    let n = u64::from_le_bytes(v[..8].try_into().unwrap());
    assert!(v[8..].iter().all(|&b| b == n as u8 ^ 0x5a), "a torn value");
    n
}

/// `peek` on the ring `K`, whose consumer is its only taker of values,
/// with the values `make` builds and `id` reads back.
fn peek_on<K: SoleTaker, T: PartialEq + std::fmt::Debug>(make: fn(u64) -> T, id: fn(&T) -> u64) {
    let topo = format!("{} {}", name::<K>(), std::any::type_name::<T>());
    let (tx, mut rx) = common::build::<T, K>(Builder::new(3));
    assert_eq!(rx.peek(), None, "{topo}: an empty ring shows nothing");
    assert!(common::queued::<T, K>(tx.send(make(1)).unwrap()));
    assert!(common::queued::<T, K>(tx.send(make(2)).unwrap()));
    // The oldest value, left where it is: asked again, it is still there.
    assert_eq!(rx.peek(), Some(&make(1)), "{topo}");
    assert_eq!(rx.peek().map(id), Some(1), "{topo}: peek takes nothing");
    assert_eq!(rx.len(), 2, "{topo}");
    assert_eq!(rx.stats().received, 0, "{topo}: peek receives nothing");
    assert_eq!(
        rx.recv(),
        Ok(make(1)),
        "{topo}: the value peeked at comes next"
    );
    assert_eq!(rx.peek(), Some(&make(2)), "{topo}");
    assert_eq!(rx.try_recv(), Ok(make(2)), "{topo}");
    assert_eq!(rx.peek(), None, "{topo}: drained");
    assert_eq!(rx.stats().received, 2, "{topo}");

    // Round after round, across the end of the slot array (and the spsc
    // ring's blocks): a peek shows exactly what the next receive takes.
    let mut model = std::collections::VecDeque::new();
    let mut next = 10;
    for round in 0..90u64 {
        for _ in 0..round % 3 {
            if model.len() < 3 {
                assert!(common::queued::<T, K>(tx.send(make(next)).unwrap()));
                model.push_back(next);
                next += 1;
            }
        }
        assert_eq!(
            rx.peek().map(id),
            model.front().copied(),
            "{topo} round {round}"
        );
        if round % 2 == 0 {
            assert_eq!(rx.try_recv().ok().as_ref().map(id), model.pop_front());
        }
    }
    assert!(next > 40, "{topo}: the ring went round several times");

    // Once the producer is gone, what is queued is still shown.
    while model.len() < 3 {
        assert!(common::queued::<T, K>(tx.send(make(next)).unwrap()));
        model.push_back(next);
        next += 1;
    }
    drop(tx);
    assert!(rx.is_closed());
    for n in model {
        assert_eq!(
            rx.peek(),
            Some(&make(n)),
            "{topo}: closed, {n} still queued"
        );
        assert_eq!(rx.peek(), Some(&make(n)), "{topo}");
        assert_eq!(rx.recv(), Ok(make(n)), "{topo}");
    }
    assert_eq!(rx.peek(), None, "{topo}: closed and drained");
    assert_eq!(rx.recv(), Err(RecvError), "{topo}");
}

/// `peek` while a producer thread streams into the ring `K`: every value
/// peeked at is whole, and it is the one the next receive takes.
fn peek_while_streaming<K: SoleTaker, T: PartialEq + std::fmt::Debug + Send + 'static>(
    make: fn(u64) -> T,
    id: fn(&T) -> u64,
) where
    Producer<T, K>: Send,
{
    let topo = name::<K>();
    let n = common::scaled(50_000);
    let (tx, mut rx) = common::build::<T, K>(Builder::new(4));
    let producer = thread::spawn(move || {
        for i in 0..n {
            let _ = tx.send(make(i)).unwrap();
        }
    });
    let (mut peeked, mut last) = (0u64, None);
    loop {
        let seen = rx.peek().map(id);
        match seen {
            Some(v) => {
                peeked += 1;
                assert_eq!(rx.try_recv().as_ref().map(id), Ok(v), "{topo}");
                assert!(last < Some(v), "{topo}: order");
                last = Some(v);
            }
            // The producer is gone, its values all published: a peek now
            // shows whatever is left (and the loop ends once nothing is).
            None if rx.is_closed() && rx.peek().is_none() => {
                assert!(rx.is_empty(), "{topo}: {} queued, none shown", rx.len());
                break;
            }
            None => thread::yield_now(),
        }
    }
    producer.join().unwrap();
    let s = rx.stats();
    assert_eq!(s.received, peeked, "{topo}");
    assert_eq!(s.received + s.dropped, n, "{topo}");
    if policy::<K>() == Policy::Block {
        assert_eq!(last, Some(n - 1), "{topo}");
    }
}

/// Both checks, with a small value and a large one.
fn peek_everywhere<K: SoleTaker>()
where
    Producer<u64, K>: Send,
    Producer<[u8; 200], K>: Send,
{
    peek_on::<K, u64>(|n| n, |v| *v);
    peek_on::<K, [u8; 200]>(big, big_id);
    peek_while_streaming::<K, u64>(|n| n, |v| *v);
    peek_while_streaming::<K, [u8; 200]>(big, big_id);
}

#[test]
fn peek_shows_the_oldest_value_without_taking_it() {
    peek_everywhere::<Spsc<Block>>();
    peek_everywhere::<Spsc<DropNewest>>();
    peek_everywhere::<Mpsc<Block>>();
    peek_everywhere::<Mpsc<DropNewest>>();
}

/// `send_deadline` and `recv_deadline` on the ring `K`.
fn deadlines_on<K: Topology>()
where
    Producer<u32, K>: Send,
    Consumer<u32, K>: Send,
{
    let topo = name::<K>();
    let (tx, rx) = common::build::<u32, K>(Builder::new(1));

    // A deadline already past tries once: on an empty ring, `Timeout` at
    // once; a ring with room takes the value; a full one hands it back by
    // its policy (a `Block` ring as `Timeout`), without waiting.
    let (tx, rx) = within(
        NO_WAIT,
        &format!("{topo}: calls with a past deadline"),
        move || {
            let (tx, rx) = (tx, rx);
            let past = Instant::now();
            assert_eq!(rx.recv_deadline(past), Err(RecvTimeoutError::Timeout));
            let sent = tx.send_deadline(1, past).expect("room for one");
            assert!(common::queued::<u32, K>(sent));
            let full = tx.send_deadline(2, past);
            match (policy::<K>(), full) {
                (Policy::Block, Err(e)) => assert_eq!(e, SendTimeoutError::Timeout(2)),
                (Policy::DropNewest, Ok(sent)) => {
                    assert_eq!(common::returned::<u32, K>(sent), Some(2))
                }
                (Policy::DropOldest, Ok(sent)) => {
                    assert_eq!(common::returned::<u32, K>(sent), Some(1))
                }
                (_, full) => panic!("a full ring: {:?}", full.err()),
            }
            assert_eq!(tx.stats().waits, 0, "a past deadline does not wait");
            let oldest = if policy::<K>() == Policy::DropOldest {
                2
            } else {
                1
            };
            assert_eq!(rx.recv_deadline(Instant::now()), Ok(oldest));
            (tx, rx)
        },
    );
    assert_eq!(rx.len(), 0, "{topo}");

    // A deadline that passes: `Timeout`, with the value, no sooner.
    let (tx, mut rx) = within(
        NO_WAIT,
        &format!("{topo}: calls with a near deadline"),
        move || {
            let deadline = Instant::now() + Duration::from_millis(30);
            assert_eq!(rx.recv_deadline(deadline), Err(RecvTimeoutError::Timeout));
            assert!(Instant::now() >= deadline, "the receive gave up early");
            if policy::<K>() == Policy::Block {
                tx.send(3).unwrap();
                let deadline = Instant::now() + Duration::from_millis(30);
                assert_eq!(
                    tx.send_deadline(4, deadline).err(),
                    Some(SendTimeoutError::Timeout(4))
                );
                assert!(Instant::now() >= deadline, "the send gave up early");
                assert_eq!(tx.stats().waits, 1);
                assert_eq!(rx.try_recv(), Ok(3));
            }
            (tx, rx)
        },
    );

    // A deadline far off: the wait ends when the other side makes progress.
    let far = Instant::now() + Duration::from_secs(60);
    let producer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        assert!(common::queued::<u32, K>(tx.send(5).unwrap()));
        tx
    });
    assert_eq!(rx.recv_deadline(far), Ok(5), "{topo}");
    let tx = producer.join().unwrap();
    if policy::<K>() == Policy::Block {
        tx.send(6).unwrap();
        let consumer = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            assert_eq!(rx.recv(), Ok(6));
            rx
        });
        assert!(tx.send_deadline(7, far).is_ok(), "{topo}");
        rx = consumer.join().unwrap();
        assert_eq!(rx.try_recv(), Ok(7), "{topo}");
    }

    // Closed: no waiting either way, however far the deadline.
    within(
        NO_WAIT,
        &format!("{topo}: calls with a far deadline on a closed ring"),
        move || {
            assert!(common::queued::<u32, K>(tx.send(8).unwrap()));
            drop(tx);
            assert_eq!(rx.recv_deadline(far), Ok(8));
            assert_eq!(rx.recv_deadline(far), Err(RecvTimeoutError::Closed));
        },
    );
    let (tx, rx) = common::build::<u32, K>(Builder::new(1));
    drop(rx);
    within(
        NO_WAIT,
        &format!("{topo}: a send with a far deadline on a closed ring"),
        move || {
            assert_eq!(
                tx.send_deadline(9, far).err(),
                Some(SendTimeoutError::Closed(9))
            );
        },
    );
}

#[test]
fn deadlines_past_passing_and_far() {
    each_ring!(deadlines_on());
}

/// What turns a ring's producer into the producers that feed a stream.
type Split<K> = fn(Producer<u32, K>) -> Vec<Producer<u32, K>>;

/// `for v in rx` on the ring `K`; `split` turns its producer into the
/// producers that feed the stream (one on spsc, three on the others).
fn into_iter_on<K: Topology>(split: Split<K>)
where
    Producer<u32, K>: Send,
    Consumer<u32, K>: Send,
{
    let topo = name::<K>();

    // Queued before the producer is gone: `collect` by value takes it all.
    let (tx, rx) = common::build::<u32, K>(Builder::new(4));
    for i in 0..3 {
        assert!(common::queued::<u32, K>(tx.send(i).unwrap()));
    }
    drop(tx);
    let iter: IntoIter<u32, K> = rx.into_iter();
    let all: Vec<u32> = within(NO_WAIT, &format!("{topo}: collect by value"), move || {
        iter.collect()
    });
    assert_eq!(all, [0, 1, 2], "{topo}");

    // Streamed by every producer while the loop runs; the loop ends once
    // the last producer is gone, and has seen every value not handed back.
    let n = common::scaled(20_000) as u32;
    let (tx, rx) = common::build::<u32, K>(Builder::new(4));
    let producers = split(tx);
    let count = producers.len() as u32;
    let threads: Vec<_> = producers
        .into_iter()
        .enumerate()
        .map(|(p, tx)| {
            thread::spawn(move || {
                let mut back = 0u32;
                for i in 0..n {
                    let sent = tx.send(p as u32 * n + i).unwrap();
                    back += u32::from(common::returned::<u32, K>(sent).is_some());
                }
                back
            })
        })
        .collect();
    let got = within(
        Duration::from_secs(120),
        &format!("{topo}: for v in rx"),
        move || {
            let mut last = vec![None; count as usize];
            let mut got = 0u32;
            for v in rx {
                let p = (v / n) as usize;
                assert!(last[p] < Some(v), "producer {p}: {v} after {:?}", last[p]);
                last[p] = Some(v);
                got += 1;
            }
            got
        },
    );
    let back: u32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(got + back, count * n, "{topo}");
    if policy::<K>() == Policy::Block {
        assert_eq!(got, count * n, "{topo}");
    }

    // The iterator owns the consumer: dropping it part-way closes the
    // ring and drops what is still queued.
    let (tx, rx) = common::build::<u32, K>(Builder::new(4));
    for i in 0..4 {
        assert!(common::queued::<u32, K>(tx.send(i).unwrap()));
    }
    let mut iter = rx.into_iter();
    assert_eq!(iter.next(), Some(0), "{topo}");
    assert_eq!(iter.next(), Some(1), "{topo}");
    assert!(!tx.is_closed(), "{topo}: the iterator holds the consumer");
    drop(iter);
    assert!(tx.is_closed(), "{topo}: gone with the iterator");
    let s = tx.stats();
    assert_eq!((s.received, s.discarded), (2, 2), "{topo}");
    assert_eq!(tx.send(9).err(), Some(SendError(9)), "{topo}");
}

fn one<K: Topology>(tx: Producer<u32, K>) -> Vec<Producer<u32, K>> {
    vec![tx]
}

fn three<K: ManyProducers>(tx: Producer<u32, K>) -> Vec<Producer<u32, K>> {
    vec![tx.clone(), tx.clone(), tx]
}

/// Calls `into_iter_on` for every topology of the policy `P`.
macro_rules! into_iter_for {
    ($p:ty) => {
        into_iter_on::<Spsc<$p>>(one);
        into_iter_on::<Mpsc<$p>>(three);
        into_iter_on::<Mpmc<$p>>(three);
    };
}

#[test]
fn a_consumer_iterated_by_value_drains_then_ends() {
    into_iter_for!(Block);
    into_iter_for!(DropNewest);
    into_iter_for!(DropOldest);
}

/// `send_slice` on the `DropNewest` ring `K`: `Lost(n)`, the values of the
/// slice that found no room.
fn send_slice_drop_newest<K: Topology<Policy = DropNewest>>() {
    let topo = name::<K>();
    let (mut tx, rx) = common::build::<u32, K>(Builder::new(4));
    assert_eq!(tx.send_slice(&[]), Ok(Lost(0)), "{topo}");
    assert_eq!(tx.send_slice(&[1]), Ok(Lost(0)), "{topo}: room for all");
    assert_eq!(tx.send_slice(&[2, 3, 4, 5, 6, 7]), Ok(Lost(3)), "{topo}");
    assert_eq!(tx.stats().dropped, 3, "{topo}: `Lost` and the count agree");
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2, 3, 4], "{topo}");
    assert_eq!(tx.send_slice(&[8, 9, 10, 11, 12]), Ok(Lost(1)), "{topo}");
    assert_eq!(tx.send_slice(&[13, 14]), Ok(Lost(2)), "{topo}: full");
    let s = tx.stats();
    assert_eq!((s.dropped, s.evicted), (6, 0), "{topo}");
    assert_eq!(rx.lagged(), 0, "{topo}");
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [8, 9, 10, 11], "{topo}");
    drop(rx);
    assert_eq!(tx.send_slice(&[15]), Err(SendError(0)), "{topo}");
    assert_eq!(tx.stats().dropped, 6, "{topo}: closed, nothing counted");
}

/// `send_slice` on the `DropOldest` ring `K`: `Lost(n)`, the queued values
/// it evicted.
fn send_slice_drop_oldest<K: Topology<Policy = DropOldest>>() {
    let topo = name::<K>();
    let (mut tx, rx) = common::build::<u32, K>(Builder::new(4));
    assert_eq!(tx.send_slice(&[]), Ok(Lost(0)), "{topo}");
    assert_eq!(tx.send_slice(&[1]), Ok(Lost(0)), "{topo}: room for all");
    // 1, 2 and 3 make room for 5, 6 and 7.
    assert_eq!(tx.send_slice(&[2, 3, 4, 5, 6, 7]), Ok(Lost(3)), "{topo}");
    assert_eq!(tx.stats().evicted, 3, "{topo}: `Lost` and the count agree");
    assert_eq!(rx.lagged(), 3, "{topo}");
    assert_eq!(rx.recv(), Ok(4), "{topo}");
    // 5, 6, 7 and then 8 itself make room for 9 to 12.
    assert_eq!(tx.send_slice(&[8, 9, 10, 11, 12]), Ok(Lost(4)), "{topo}");
    let s = tx.stats();
    assert_eq!((s.evicted, s.dropped), (7, 0), "{topo}");
    assert_eq!(rx.lagged(), 4, "{topo}");
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [9, 10, 11, 12], "{topo}");
    drop(rx);
    assert_eq!(tx.send_slice(&[13]), Err(SendError(0)), "{topo}");
    assert_eq!(tx.stats().evicted, 7, "{topo}: closed, nothing counted");
}

/// `send_slice` on the `Block` ring `K`: `()`, having waited for room.
fn send_slice_block<K: Topology<Policy = Block>>()
where
    Consumer<u32, K>: Send,
{
    let topo = name::<K>();
    let (mut tx, rx) = common::build::<u32, K>(Builder::new(4));
    assert_eq!(tx.send_slice(&[]), Ok(()), "{topo}");
    assert_eq!(tx.send_slice(&[1, 2, 3]), Ok(()), "{topo}");
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2, 3], "{topo}");
    let consumer = thread::spawn(move || rx.iter().collect::<Vec<u32>>());
    let values: Vec<u32> = (0..1000).collect();
    assert_eq!(
        tx.send_slice(&values),
        Ok(()),
        "{topo}: waits, loses nothing"
    );
    let s = tx.stats();
    assert_eq!((s.sent, s.dropped, s.evicted), (1003, 0, 0), "{topo}");
    drop(tx);
    assert_eq!(consumer.join().unwrap(), values, "{topo}");
}

#[test]
fn send_slice_says_how_many_values_its_policy_lost() {
    each_ring!([DropNewest] send_slice_drop_newest());
    each_ring!([DropOldest] send_slice_drop_oldest());
    each_ring!([Block] send_slice_block());
}

/// Sends `values` by the ring's policy without ever waiting (a full `Block`
/// ring refuses through a zero timeout); returns what was handed back.
fn offer<K: Topology>(
    tx: &mut Producer<u64, K>,
    values: impl IntoIterator<Item = u64>,
) -> Vec<u64> {
    let mut back = Vec::new();
    for v in values {
        match tx.send_timeout(v, Duration::ZERO) {
            Ok(sent) => back.extend(<K::Policy as Overflow>::returned(sent)),
            Err(SendTimeoutError::Timeout(v)) => back.push(v),
            Err(SendTimeoutError::Closed(v)) => panic!("{}: closed, {v} refused", name::<K>()),
        }
    }
    back
}

/// Code written once for every ring: built by `Builder::build`, its sends'
/// results read by `Overflow::returned`.
fn generic_over_the_ring<K: Topology>() {
    let topo = name::<K>();
    let (mut tx, mut rx): (Producer<u64, K>, Consumer<u64, K>) = Builder::new(3)
        .overflow(K::Policy::default())
        .watermarks(2, 1)
        .build::<u64, K>()
        .unwrap();
    assert_eq!((tx.capacity(), rx.capacity()), (3, 3), "{topo}");
    assert!(format!("{tx:?} {rx:?}").contains("capacity: 3"), "{topo}");
    let back = offer(&mut tx, 0..5);
    assert!(tx.is_full(), "{topo}");
    assert_eq!(tx.pressure(), Pressure::High, "{topo}");
    let (back_expected, queued_expected, dropped, evicted) = match policy::<K>() {
        Policy::Block => ([3, 4], [0, 1, 2], 0, 0),
        Policy::DropNewest => ([3, 4], [0, 1, 2], 2, 0),
        Policy::DropOldest => ([0, 1], [2, 3, 4], 0, 2),
    };
    assert_eq!(back, back_expected, "{topo}: handed back");
    let s = rx.stats();
    assert_eq!(
        (s.sent, s.received, s.dropped, s.evicted, s.waits),
        (3 + evicted, 0, dropped, evicted, 0),
        "{topo}"
    );
    assert_eq!(rx.lagged(), evicted, "{topo}");
    assert_eq!(rx.recv(), Ok(queued_expected[0]), "{topo}");
    assert_eq!(
        rx.try_iter().collect::<Vec<_>>(),
        queued_expected[1..],
        "{topo}"
    );
    assert_eq!(rx.pressure(), Pressure::Normal, "{topo}");
    // With room, every policy queues and hands nothing back.
    assert_eq!(offer(&mut tx, 10..13), [], "{topo}");
    let mut buf = Vec::new();
    assert_eq!(rx.recv_many(&mut buf, 8), 3, "{topo}");
    assert_eq!(buf, [10, 11, 12], "{topo}");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{topo}");
    drop(tx);
    assert!(rx.is_closed(), "{topo}");
    assert_eq!(rx.recv(), Err(RecvError), "{topo}");
}

/// As [`generic_over_the_ring`], for rings of many producers: clones feed
/// one consumer.
fn generic_over_many_producers<K: ManyProducers>() {
    let topo = name::<K>();
    let (tx, rx) = common::build::<u64, K>(Builder::new(8));
    let mut clones = vec![tx.clone(), tx.clone()];
    drop(tx);
    for (i, tx) in clones.iter_mut().enumerate() {
        assert_eq!(offer(tx, [i as u64]), [], "{topo}");
    }
    assert!(!rx.is_closed(), "{topo}");
    drop(clones);
    assert!(rx.is_closed(), "{topo}");
    assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1], "{topo}");
}

/// As [`generic_over_the_ring`], for rings of many consumers: clones share
/// the values.
fn generic_over_many_consumers<K: ManyConsumers>() {
    let topo = name::<K>();
    let (mut tx, rx) = common::build::<u64, K>(Builder::new(8));
    let clones = [rx.clone(), rx];
    assert_eq!(offer(&mut tx, 0..4), [], "{topo}");
    let a: Vec<u64> = clones[0].try_iter().take(2).collect();
    let b: Vec<u64> = clones[1].try_iter().collect();
    assert_eq!((a, b), (vec![0, 1], vec![2, 3]), "{topo}");
    drop(clones);
    assert!(tx.is_closed(), "{topo}");
}

#[test]
fn code_generic_over_the_ring_serves_every_topology_and_policy() {
    each_ring!(generic_over_the_ring());
    each_policy!(Mpsc, generic_over_many_producers());
    each_policy!(Mpmc, generic_over_many_producers());
    each_policy!(Mpmc, generic_over_many_consumers());
}
