//! Handles shared rather than cloned: the single-value calls take `&self`,
//! producers of mpsc and mpmc rings and mpmc consumers are `Sync` (so an
//! `Arc`, a `static` or a `thread::scope` borrow serves several threads),
//! and spsc handles work through `&` on one thread, also when a value's
//! `Drop` calls back into the handle that is dropping it.

#[macro_use]
mod common;

use common::{build, name, policy, returned, scaled, Policy};
use ringweir::{
    mpmc, mpsc, spsc, Builder, Consumer, DropOldest, Eviction, ManyProducers, Producer,
    RecvTimeoutError, SendTimeoutError, Topology, TryRecvError, TrySendError,
};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::thread;
use std::time::Duration;

/// Threads that share one handle.
const THREADS: u64 = 4;

/// A bound on a hang, not a timing: what takes milliseconds here may take
/// seconds on a loaded machine, never this long.
const HANG: Duration = Duration::from_secs(120);

/// Values each sharing thread sends.
fn per_thread() -> u64 {
    scaled(200_000)
}

/// A value tagged with the thread that sent it: `(thread, i)` in one `u64`.
fn tag(thread: u64, i: u64) -> u64 {
    (thread << 32) | i
}

/// The thread and the number of a [`tag`]ged value.
fn untag(v: u64) -> (usize, u64) {
    ((v >> 32) as usize, v & 0xffff_ffff)
}

/// Every value `0..per` of each of `threads` threads, tagged.
fn all_tags(threads: u64, per: u64) -> Vec<u64> {
    (0..threads)
        .flat_map(|t| (0..per).map(move |i| tag(t, i)))
        .collect()
}

/// Checks that the values one consuming thread took from each producing
/// thread came in the order that thread sent them (gaps allowed: values
/// taken by other consumers, dropped or evicted).
fn in_order_per_thread(what: &str, got: &[u64]) {
    let mut last = vec![None::<u64>; THREADS as usize];
    for &v in got {
        let (t, i) = untag(v);
        assert!(
            t < THREADS as usize,
            "{what}: a value no thread sent: {v:#x}"
        );
        if let Some(prev) = last[t] {
            assert!(i > prev, "{what}: thread {t} sent {prev} before {i}");
        }
        last[t] = Some(i);
    }
}

/// Checks that `got` holds each of `expected` exactly once.
fn exactly_once(what: &str, mut got: Vec<u64>, mut expected: Vec<u64>) {
    got.sort_unstable();
    expected.sort_unstable();
    if got != expected {
        let dup = got.windows(2).find(|w| w[0] == w[1]).map(|w| untag(w[0]));
        let missing = expected
            .iter()
            .find(|v| got.binary_search(v).is_err())
            .map(|&v| untag(v));
        panic!(
            "{what}: {} values accounted for, {} sent; first duplicate (thread, i): {dup:?}; \
             first missing: {missing:?}",
            got.len(),
            expected.len()
        );
    }
}

/// Runs `f` on a thread of its own and returns its result; fails (leaving
/// that thread behind) if `f` takes longer than [`HANG`]: a lost wake-up or
/// a value that never arrives is a failure here, not a stuck test run.
fn within<R: Send + 'static>(what: String, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (done, result) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let _ = done.send(f());
    });
    match result.recv_timeout(HANG) {
        Ok(r) => r,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("hang: {what} still running after {HANG:?}")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

/// Ring sizes for the sharing scenarios: a small ring is full most of the
/// time (senders wait, drop or evict; takers wait), a large one is not
/// (senders race each other for `tail`, takers for `head`).
const CAPACITIES: [usize; 2] = [8, 1024];

/// Takes every value until the ring closes, on a thread of its own.
fn collector<K: Topology>(rx: Consumer<u64, K>) -> thread::JoinHandle<Vec<u64>> {
    thread::spawn(move || rx.iter().collect())
}

// ---------------------------------------------------------------------------
// Producers shared without cloning
// ---------------------------------------------------------------------------

/// One producer handle in an `Arc`, four threads sending through it; the
/// last `Arc` to go drops the handle and closes the ring.
fn producer_in_an_arc<K: ManyProducers<Policy = ringweir::Block>>(capacity: usize) {
    let per = per_thread();
    let (tx, rx) = build::<u64, K>(Builder::new(capacity));
    let consumer = collector(rx);
    let tx = Arc::new(tx);
    let senders: Vec<_> = (0..THREADS)
        .map(|t| {
            let tx = Arc::clone(&tx);
            thread::spawn(move || {
                for i in 0..per {
                    tx.send(tag(t, i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    for s in senders {
        s.join().unwrap();
    }
    // Every `Arc` is gone, so the handle is, and the ring closed.
    let got = consumer.join().unwrap();
    let what = format!("{} of {capacity} from an Arc", name::<K>());
    // One consuming thread: each producing thread's values in its order.
    in_order_per_thread(&what, &got);
    exactly_once(&what, got, all_tags(THREADS, per));
}

#[test]
fn a_producer_in_an_arc_serves_four_threads() {
    for capacity in CAPACITIES {
        within(format!("Arc, capacity {capacity}"), move || {
            producer_in_an_arc::<ringweir::Mpsc>(capacity);
            producer_in_an_arc::<ringweir::Mpmc>(capacity);
        });
    }
}

static MPSC_TX: OnceLock<mpsc::Producer<u64>> = OnceLock::new();
static MPMC_TX: OnceLock<mpmc::Producer<u64>> = OnceLock::new();

/// Four threads send through a producer that lives in a `static` (and so is
/// never dropped: the consumer stops after the count it expects, then finds
/// nothing more).
fn producer_in_a_static<K: ManyProducers<Policy = ringweir::Block>>(
    tx: &'static Producer<u64, K>,
    rx: Consumer<u64, K>,
) {
    let per = per_thread();
    let senders: Vec<_> = (0..THREADS)
        .map(|t| {
            thread::spawn(move || {
                for i in 0..per {
                    tx.send(tag(t, i)).unwrap();
                }
            })
        })
        .collect();
    let what = format!("{} from a static", name::<K>());
    let got: Vec<u64> = (0..THREADS * per)
        .map(|n| {
            rx.recv_timeout(HANG)
                .unwrap_or_else(|e| panic!("{what}: value {n}: {e:?}"))
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Empty),
        "{what}: one too many"
    );
    assert!(
        !rx.is_closed(),
        "{what}: the static producer is still there"
    );
    in_order_per_thread(&what, &got);
    exactly_once(&what, got, all_tags(THREADS, per));
    assert_eq!(tx.stats().sent, THREADS * per, "{what}");
}

#[test]
fn a_producer_in_a_static_once_lock_serves_four_threads() {
    // A ring the senders rarely fill: they race each other for its slots.
    within("static".to_string(), || {
        let (tx, rx) = mpmc::channel::<u64>(1024);
        assert!(MPMC_TX.set(tx).is_ok());
        producer_in_a_static(MPMC_TX.get().unwrap(), rx);
        let (tx, rx) = mpsc::channel::<u64>(1024);
        assert!(MPSC_TX.set(tx).is_ok());
        producer_in_a_static(MPSC_TX.get().unwrap(), rx);
    });
}

/// Four scoped threads send through `&tx`, by the ring's policy. Every value
/// is accounted for exactly once: received, or handed back to a sender
/// (dropped by `DropNewest`, or evicted by a `DropOldest` send, possibly
/// another thread's value).
fn producer_borrowed_in_a_scope<K: ManyProducers>() {
    for capacity in CAPACITIES {
        within(format!("{} of {capacity}", name::<K>()), move || {
            producer_borrowed_in_a_scope_with::<K>(capacity)
        });
    }
}

fn producer_borrowed_in_a_scope_with<K: ManyProducers>(capacity: usize) {
    let per = per_thread();
    let what = format!("{} of {capacity} borrowed in a scope", name::<K>());
    let (tx, rx) = build::<u64, K>(Builder::new(capacity));
    // The counters are read once the ring is closed and drained, by the
    // consumer: while it is still receiving, a one-consumer `DropOldest`
    // ring may count a receive in progress as an eviction (see `Stats`).
    let consumer = thread::spawn(move || {
        let got: Vec<u64> = rx.iter().collect();
        (got, rx.stats())
    });
    let handed_back: Vec<u64> = thread::scope(|s| {
        let senders: Vec<_> = (0..THREADS)
            .map(|t| {
                let tx = &tx;
                s.spawn(move || {
                    let mut back = Vec::new();
                    for i in 0..per {
                        let sent = tx.send(tag(t, i)).unwrap();
                        back.extend(returned::<u64, K>(sent));
                    }
                    back
                })
            })
            .collect();
        senders
            .into_iter()
            .flat_map(|s| s.join().unwrap())
            .collect()
    });
    drop(tx);
    let (got, s) = consumer.join().unwrap();
    in_order_per_thread(&what, &got);
    match policy::<K>() {
        Policy::Block => assert!(handed_back.is_empty(), "{what}"),
        Policy::DropNewest => assert_eq!(handed_back.len() as u64, s.dropped, "{what}"),
        Policy::DropOldest => assert_eq!(handed_back.len() as u64, s.evicted, "{what}"),
    }
    let mut accounted = got;
    accounted.extend(handed_back);
    exactly_once(&what, accounted, all_tags(THREADS, per));
}

#[test]
fn a_producer_borrowed_by_scoped_threads_sends_each_value_once() {
    each_policy!(Mpsc, producer_borrowed_in_a_scope());
    each_policy!(Mpmc, producer_borrowed_in_a_scope());
}

// ---------------------------------------------------------------------------
// An mpmc consumer shared without cloning
// ---------------------------------------------------------------------------

/// Two producer threads (each with a clone, so the ring closes when both are
/// done); three scoped threads take through `&rx` with `for v in &rx`.
#[test]
fn an_mpmc_consumer_borrowed_by_scoped_threads_takes_each_value_once() {
    for capacity in CAPACITIES {
        within(format!("&rx, capacity {capacity}"), move || {
            consumer_borrowed_in_a_scope(capacity)
        });
    }
}

fn consumer_borrowed_in_a_scope(capacity: usize) {
    let per = per_thread();
    let producers = 2;
    let (tx, rx) = mpmc::channel::<u64>(capacity);
    let senders: Vec<_> = (0..producers)
        .map(|t| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..per {
                    tx.send(tag(t, i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let takers = thread::scope(|s| {
        let takers: Vec<_> = (0..3)
            .map(|_| {
                let rx = &rx;
                s.spawn(move || {
                    let mut got = Vec::new();
                    for v in rx {
                        got.push(v);
                    }
                    got
                })
            })
            .collect();
        takers
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect::<Vec<_>>()
    });
    for s in senders {
        s.join().unwrap();
    }
    let mut all = Vec::new();
    for (n, got) in takers.into_iter().enumerate() {
        // Each thread sees the values it takes in ring order.
        in_order_per_thread(&format!("taker {n}"), &got);
        all.extend(got);
    }
    exactly_once(
        &format!("&rx of {capacity} in a scope"),
        all,
        all_tags(producers, per),
    );
    assert_eq!(rx.stats().received, producers * per);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// One consumer handle in an `Arc`; three threads take through it, by
/// `recv`, `recv_timeout` and `iter`.
#[test]
fn an_mpmc_consumer_in_an_arc_takes_each_value_once() {
    for capacity in CAPACITIES {
        within(format!("Arc<rx>, capacity {capacity}"), move || {
            consumer_in_an_arc(capacity)
        });
    }
}

fn consumer_in_an_arc(capacity: usize) {
    let per = per_thread();
    let (tx, rx) = mpmc::channel::<u64>(capacity);
    let rx = Arc::new(rx);
    let takers: Vec<_> = (0..3)
        .map(|way| {
            let rx = Arc::clone(&rx);
            thread::spawn(move || {
                let mut got = Vec::new();
                match way {
                    0 => {
                        while let Ok(v) = rx.recv() {
                            got.push(v);
                        }
                    }
                    1 => loop {
                        match rx.recv_timeout(Duration::from_millis(1)) {
                            Ok(v) => got.push(v),
                            Err(RecvTimeoutError::Timeout) => {}
                            Err(RecvTimeoutError::Closed) => break,
                        }
                    },
                    _ => got.extend(rx.iter()),
                }
                got
            })
        })
        .collect();
    for t in 0..THREADS {
        for i in 0..per {
            tx.send(tag(t, i)).unwrap();
        }
    }
    drop(tx);
    let mut all = Vec::new();
    for (n, taker) in takers.into_iter().enumerate() {
        let got = taker.join().unwrap();
        in_order_per_thread(&format!("taker {n}"), &got);
        all.extend(got);
    }
    exactly_once(
        &format!("rx of {capacity} in an Arc"),
        all,
        all_tags(THREADS, per),
    );
    assert_eq!(Arc::strong_count(&rx), 1);
    assert_eq!(rx.stats().received, THREADS * per);
}

/// `lagged` on one mpmc `DropOldest` consumer shared by two threads, asked
/// over and over while a third thread evicts (it sends into a full ring
/// nobody drains): each answer is a part of the evictions, never more than
/// there ever were; the parts add up to `stats().evicted`, none counted
/// twice, none lost.
///
/// A race test: it runs for [`LAG_BUDGET`] (the two askers must overlap
/// often; an answer above the evictions stops it early), then checks. A
/// correct `lagged` passes however the threads interleave.
#[test]
fn lagged_on_a_shared_drop_oldest_consumer_splits_the_evictions() {
    let capacity = 4;
    let (tx, rx) = Builder::new(capacity)
        .overflow(DropOldest)
        .mpmc::<u64>()
        .unwrap();
    let stop = AtomicBool::new(false);
    let start = Barrier::new(3);
    // Per asker: (sum of its answers, its largest answer, how many).
    let parts: Vec<(u128, u64, u64)> = thread::scope(|s| {
        let (tx, rx, stop, start) = (&tx, &rx, &stop, &start);
        s.spawn(move || {
            start.wait();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                // Fills, then evicts: one eviction per send.
                let _ = tx.send(i).unwrap();
                i += 1;
            }
        });
        let askers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(move || {
                    start.wait();
                    let (mut sum, mut largest, mut asked) = (0u128, 0u64, 0u64);
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..1000 {
                            let lag = rx.lagged();
                            sum += u128::from(lag);
                            largest = largest.max(lag);
                            asked += 1;
                            // An answer above the evictions counted after
                            // it is wrong at once: stop the race there (the
                            // checks below report it).
                            if lag > 1024 && lag > rx.stats().evicted {
                                stop.store(true, Ordering::Relaxed);
                            }
                        }
                    }
                    (sum, largest, asked)
                })
            })
            .collect();
        let began = std::time::Instant::now();
        while !stop.load(Ordering::Relaxed) && began.elapsed() < LAG_BUDGET {
            thread::sleep(Duration::from_millis(10));
        }
        stop.store(true, Ordering::Relaxed);
        askers.into_iter().map(|a| a.join().unwrap()).collect()
    });
    let rest = rx.lagged();
    let s = rx.stats();
    let evicted = s.evicted;
    assert_eq!(
        evicted,
        s.sent - capacity as u64,
        "nothing was received: every send past the first {capacity} evicted"
    );
    for (t, &(_, largest, asked)) in parts.iter().enumerate() {
        assert!(
            largest <= evicted,
            "asker {t}: of its {asked} answers of `lagged`, one was {largest}, \
             more than the {evicted} evictions there ever were"
        );
    }
    let sum = parts.iter().map(|p| p.0).sum::<u128>() + u128::from(rest);
    assert_eq!(
        sum,
        u128::from(evicted),
        "the answers of the two askers {parts:?} and a last one ({rest})"
    );
    assert_eq!(rx.lagged(), 0);
    assert_eq!(rx.try_iter().count(), capacity);
}

/// How long the askers of `lagged` race.
const LAG_BUDGET: Duration = Duration::from_secs(4);

// ---------------------------------------------------------------------------
// spsc handles through `&` on one thread
// ---------------------------------------------------------------------------

/// Sends through a shared reference, as any function handed `&tx` can.
fn send_through(tx: &spsc::Producer<u64>, v: u64) {
    tx.send(v).unwrap();
}

#[test]
fn spsc_handles_work_through_shared_references_on_one_thread() {
    let (tx, rx) = spsc::channel::<u64>(4);
    // Two references to each handle at once, on this one thread.
    let (tx1, tx2) = (&tx, &tx);
    let (rx1, rx2) = (&rx, &rx);
    tx1.send(1).unwrap();
    send_through(tx2, 2);
    assert_eq!(tx1.try_send(3), Ok(()));
    tx2.send_timeout(4, Duration::ZERO).unwrap();
    assert_eq!(tx1.try_send(5), Err(TrySendError::Full(5)));
    assert!(tx2
        .send_timeout(5, Duration::ZERO)
        .unwrap_err()
        .is_timeout());
    assert_eq!(rx1.recv(), Ok(1));
    assert_eq!(rx2.try_recv(), Ok(2));
    assert_eq!(rx1.recv_timeout(Duration::ZERO), Ok(3));
    assert_eq!(rx2.try_iter().collect::<Vec<_>>(), [4]);
    // Interleaved through both references, order kept.
    for v in 10..14 {
        (if v % 2 == 0 { tx1 } else { tx2 }).send(v).unwrap();
    }
    assert_eq!(rx1.try_recv(), Ok(10));
    assert_eq!(rx2.try_recv(), Ok(11));
    assert_eq!(rx1.len(), 2);

    // Shared by `Rc` on one thread: any holder sends.
    let tx = Rc::new(tx);
    let other = Rc::clone(&tx);
    other.send(14).unwrap();
    tx.send(15).unwrap();
    assert_eq!(other.try_send(16), Err(TrySendError::Full(16)));
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [12, 13, 14, 15]);
    drop(other);
    tx.send(16).unwrap();
    drop(tx);
    // `for v in &rx` drains, then ends: the producer is gone.
    let mut rest = Vec::new();
    for v in &rx {
        rest.push(v);
    }
    assert_eq!(rest, [16]);
    assert_eq!(rx.stats().received, 11);
}

#[test]
fn spsc_drop_oldest_handles_work_through_shared_references_on_one_thread() {
    let (tx, rx) = Builder::new(2).overflow(DropOldest).spsc::<u64>().unwrap();
    let (tx, rx) = (&tx, &rx);
    for v in 0..2 {
        assert!(matches!(tx.send(v), Ok(Eviction::Queued)));
    }
    assert!(matches!(tx.send(2), Ok(Eviction::Evicted(0))));
    assert!(matches!(
        tx.send_timeout(3, Duration::ZERO),
        Ok(Eviction::Evicted(1))
    ));
    assert_eq!(rx.lagged(), 2);
    assert_eq!(rx.lagged(), 0);
    assert_eq!(rx.recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let s = tx.stats();
    assert_eq!((s.sent, s.received, s.evicted), (4, 2, 2));
}

// ---------------------------------------------------------------------------
// Re-entrancy: a value's `Drop` sends on the producer that is dropping it
// ---------------------------------------------------------------------------

/// The ledger of one re-entrancy scenario: every value made, and how often
/// each was dropped.
#[derive(Default)]
struct Ledger {
    drops: RefCell<Vec<u32>>,
    /// Whether the one value that panics on drop has panicked.
    panicked: Cell<bool>,
    /// Echo sends that came back `Closed`.
    refused: Cell<usize>,
}

impl Ledger {
    fn made(&self) -> usize {
        let mut drops = self.drops.borrow_mut();
        drops.push(0);
        drops.len() - 1
    }
    fn dropped(&self, id: usize) {
        self.drops.borrow_mut()[id] += 1;
    }
    /// Checks that every value made so far was dropped exactly once.
    fn each_dropped_once(&self, what: &str) {
        let drops = self.drops.borrow();
        let wrong: Vec<(usize, u32)> = drops
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, n)| n != 1)
            .collect();
        assert!(
            wrong.is_empty(),
            "{what}: of {} values, these (id, drops) were not dropped exactly once: {wrong:?}",
            drops.len()
        );
    }
}

/// A value whose `Drop` sends an echo (a value that sends nothing) on the
/// very producer it was sent on, reached through a `Weak` of the `Rc` that
/// holds that producer; `PAD` bytes make it large enough for the spsc
/// ring's stamped protocol when wanted.
struct Echo<K: Topology, const PAD: usize> {
    id: usize,
    ledger: Rc<Ledger>,
    tx: Option<Weak<Producer<Echo<K, PAD>, K>>>,
    panics: bool,
    _pad: [u8; PAD],
}

impl<K: Topology, const PAD: usize> Echo<K, PAD> {
    fn new(ledger: &Rc<Ledger>, tx: Option<Weak<Producer<Self, K>>>, panics: bool) -> Self {
        Self {
            id: ledger.made(),
            ledger: Rc::clone(ledger),
            tx,
            panics,
            _pad: [0; PAD],
        }
    }
}

impl<K: Topology, const PAD: usize> Drop for Echo<K, PAD> {
    fn drop(&mut self) {
        self.ledger.dropped(self.id);
        // `upgrade` fails once the producer is being dropped itself.
        if let Some(tx) = self.tx.take().and_then(|tx| tx.upgrade()) {
            let echo = Echo::new(&self.ledger, None, false);
            match tx.send(echo) {
                // Queued (the ring is open) or handed back: either way no
                // echo is lost; a handed-back one is dropped here.
                Ok(sent) => drop(returned::<Echo<K, PAD>, K>(sent)),
                Err(closed) => {
                    self.ledger.refused.set(self.ledger.refused.get() + 1);
                    drop(closed.into_inner());
                }
            }
        }
        if self.panics && !self.ledger.panicked.get() && !thread::panicking() {
            self.ledger.panicked.set(true);
            panic!("boom {}", self.id);
        }
    }
}

/// The scenario on ring `K`, on one thread: six values that echo on drop
/// are queued, value 2 panics on drop. The consumer goes first: its drain
/// drops values (whose echoes find the ring closed, from inside the drain)
/// until value 2 panics, leaving orphans. A send then finds the ring closed
/// and discards the orphans, whose echoes re-enter that same producer's
/// `send` from inside its discard. Nothing may hang, and every value and
/// echo must be dropped exactly once.
fn echo_scenario<K: Topology, const PAD: usize>() -> String {
    let what = format!(
        "{} with {}-byte values",
        name::<K>(),
        size_of::<Echo<K, PAD>>()
    );
    let ledger = Rc::new(Ledger::default());
    let (tx, rx) = build::<Echo<K, PAD>, K>(Builder::new(8));
    let tx = Rc::new(tx);
    for n in 0..6 {
        let v = Echo::new(&ledger, Some(Rc::downgrade(&tx)), n == 2);
        let sent = tx.send(v).unwrap_or_else(|_| panic!("{what}: open"));
        assert!(
            returned::<Echo<K, PAD>, K>(sent).is_none(),
            "{what}: room for six"
        );
    }
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(rx)));
    assert!(dropped.is_err(), "{what}: value 2 panicked in the drain");
    assert!(ledger.panicked.get(), "{what}");
    assert!(tx.is_closed(), "{what}");
    // The send that finds the orphans.
    let late = Echo::new(&ledger, Some(Rc::downgrade(&tx)), false);
    assert!(tx.send(late).is_err(), "{what}: the ring is closed");
    // Every value, the refused late one and every echo is gone by now: the
    // drain took some, the send discarded the rest.
    ledger.each_dropped_once(&format!("{what}, after the send"));
    let s = tx.stats();
    assert_eq!(
        (s.sent, s.discarded),
        (6, 6),
        "{what}: only the six were queued"
    );
    // One echo per value dropped while the producer was there (the six and
    // the late one), none queued: the ring was closed for all of them. (How
    // many came back `Closed` depends on the protocol: on the stamped ring
    // the send from value 0's drop discards values 1 to 5 itself, and value
    // 2's panic unwinds through the sends of values 0 and 1, dropping
    // their echoes on the way.)
    assert_eq!(
        ledger.drops.borrow().len(),
        14,
        "{what}: 7 values, 7 echoes"
    );
    assert!(ledger.refused.get() <= 7, "{what}");
    drop(tx);
    ledger.each_dropped_once(&format!("{what}, after the producer"));
    what
}

/// Runs [`echo_scenario`] on a thread of its own (its values are not `Send`,
/// so they are made there) and fails if it hangs.
fn echo_within<K: Topology, const PAD: usize>() {
    let (done, result) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let outcome = std::panic::catch_unwind(echo_scenario::<K, PAD>);
        let _ = done.send(outcome.map_err(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        }));
    });
    match result.recv_timeout(HANG) {
        Ok(Ok(_)) => {}
        Ok(Err(msg)) => panic!("{}: {msg}", name::<K>()),
        Err(_) => panic!("hang: the echo scenario on {} never finished", name::<K>()),
    }
}

#[test]
fn an_echo_from_a_drop_inside_the_spsc_discard_neither_hangs_nor_double_drops() {
    // Values up to 64 bytes: the block protocol; larger: the stamped one.
    echo_within::<ringweir::Spsc, 0>();
    echo_within::<ringweir::Spsc<ringweir::DropNewest>, 0>();
    echo_within::<ringweir::Spsc, 200>();
}

#[test]
fn an_echo_from_a_drop_inside_the_spsc_drop_oldest_discard_neither_hangs_nor_double_drops() {
    echo_within::<ringweir::Spsc<DropOldest>, 0>();
}

/// [`echo_within`] with small values, for `each_policy!`.
fn echo_small<K: Topology>() {
    echo_within::<K, 0>();
}

#[test]
fn an_echo_from_a_drop_inside_the_mpsc_discard_neither_hangs_nor_double_drops() {
    each_policy!(Mpsc, echo_small());
}

#[test]
fn an_echo_from_a_drop_inside_the_mpmc_discard_neither_hangs_nor_double_drops() {
    each_policy!(Mpmc, echo_small());
}

/// On an open ring: a value evicted by a `DropOldest` send comes back to
/// the caller, whose drop of it sends an echo through the same `Rc`ed
/// producer; the echo is queued (evicting again), none is lost or doubled.
#[test]
fn an_echo_from_an_evicted_values_drop_is_queued() {
    fn on<K: Topology<Policy = DropOldest>>() {
        let ledger = Rc::new(Ledger::default());
        let (tx, rx) = build::<Echo<K, 0>, K>(Builder::new(2));
        let tx = Rc::new(tx);
        let mut evicted = 0;
        for _ in 0..5 {
            let v = Echo::new(&ledger, Some(Rc::downgrade(&tx)), false);
            if let Eviction::Evicted(old) = tx.send(v).unwrap_or_else(|_| panic!("open")) {
                evicted += 1;
                drop(old); // sends its echo, which evicts once more
            }
        }
        let what = name::<K>();
        assert_eq!(ledger.refused.get(), 0, "{what}: the ring is open");
        // Each eviction by a send here dropped a value whose echo evicted
        // one more (an echo, whose drop sends nothing, or a value, which
        // echoed in turn): ids made so far minus the two still queued.
        let made = ledger.drops.borrow().len();
        assert_eq!(rx.len(), 2, "{what}");
        assert!(evicted > 0, "{what}");
        assert_eq!(
            rx.stats().evicted as usize,
            made - 2,
            "{what}: every value but two evicted"
        );
        let left: Vec<_> = rx.try_iter().collect();
        assert_eq!(left.len(), 2, "{what}");
        // The two taken here are dropped below, one may echo into the open
        // ring (the producer is still there).
        drop(left);
        drop(rx);
        drop(tx);
        ledger.each_dropped_once(&what);
    }
    on::<ringweir::Spsc<DropOldest>>();
    on::<ringweir::Mpsc<DropOldest>>();
    on::<ringweir::Mpmc<DropOldest>>();
}

/// Two scoped threads wait on one full mpsc ring through `&tx` with
/// `send_timeout`: each times out with its own value handed back, and
/// nothing of theirs is queued.
#[test]
fn shared_producers_time_out_through_shared_references() {
    let (tx, rx) = mpsc::channel::<u64>(1);
    let stop = AtomicBool::new(false);
    let timeouts = AtomicUsize::new(0);
    tx.send(0).unwrap();
    thread::scope(|s| {
        for t in 1..=2 {
            let (tx, stop, timeouts) = (&tx, &stop, &timeouts);
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match tx.send_timeout(t, Duration::from_millis(1)) {
                        Err(SendTimeoutError::Timeout(v)) => {
                            assert_eq!(v, t);
                            timeouts.fetch_add(1, Ordering::Relaxed);
                        }
                        other => panic!("a full ring nobody drains: {other:?}"),
                    }
                    if timeouts.load(Ordering::Relaxed) >= 10 {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert!(timeouts.load(Ordering::Relaxed) >= 10);
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0]);
}
