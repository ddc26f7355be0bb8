//! Regressions for reported defects, one section each:
//!
//! 1. a batch receive (or batch send) that frees (or fills) several slots
//!    wakes every sleeper it made room for, not just one;
//! 2. with one consumer, a ring that consumer has seen non-empty stays
//!    non-empty until it takes a value (spsc `DropOldest` answered `Empty`);
//! 3. when two queued values' `Drop` panic in teardown (one in the last
//!    consumer's drain, one in the ring's own drop), the others are still
//!    dropped, each exactly once;
//! 4. a value of 256 KiB goes through every ring on a 2 MiB thread stack
//!    (spsc `DropOldest`, which copied it several times, overflowed the
//!    stack).
//!
//! (The memory footprint of rings of large values is in
//! `tests/allocations.rs`, which has a counting global allocator.)
//!
//! A hang is a failure here, not a stuck test run: threads that may block
//! run in a [`Crew`], whose `finish` waits at most [`WATCHDOG`] and then
//! panics with "hang: ..." (a hung thread is leaked).

#[macro_use]
mod common;

use common::{build, name, policy, queued, scaled, Policy};
use ringweir::{
    Admission, Block, Builder, Consumer, DropNewest, DropOldest, Eviction, Overflow, Producer,
    Topology,
};
use std::panic::{self, catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Once};
use std::thread;
use std::time::{Duration, Instant};

/// How long a crew of threads may take before the test calls it a hang.
const WATCHDOG: Duration = Duration::from_secs(20);

/// Long enough for a `Park` waiter to be past its spinning and yielding
/// (a few hundred microseconds at most) and asleep on its condition variable.
fn settle() {
    thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 50 }));
}

/// Waits (up to a generous bound) until `cond` holds.
fn eventually(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < WATCHDOG, "never: {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// Threads that may block, joined under a watchdog.
struct Crew<R> {
    done: mpsc::Sender<thread::Result<R>>,
    results: mpsc::Receiver<thread::Result<R>>,
    spawned: usize,
}

impl<R: Send + 'static> Crew<R> {
    fn new() -> Self {
        let (done, results) = mpsc::channel();
        Self {
            done,
            results,
            spawned: 0,
        }
    }

    fn spawn(&mut self, job: impl FnOnce() -> R + Send + 'static) {
        let done = self.done.clone();
        self.spawned += 1;
        thread::spawn(move || {
            let _ = done.send(catch_unwind(AssertUnwindSafe(job)));
        });
    }

    /// Every job's result, in the order they finished. A job that panicked
    /// fails the test with its panic; one still running after [`WATCHDOG`]
    /// (counted from this call) fails it with "hang: `what`".
    fn finish(self, what: &str) -> Vec<R> {
        let deadline = Instant::now() + WATCHDOG;
        let mut out = Vec::with_capacity(self.spawned);
        while out.len() < self.spawned {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.results.recv_timeout(left) {
                Ok(Ok(r)) => out.push(r),
                Ok(Err(panic)) => resume_unwind(panic),
                Err(_) => panic!(
                    "hang: {what}: {} of {} threads still blocked after {WATCHDOG:?}",
                    self.spawned - out.len(),
                    self.spawned
                ),
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------
// 1. A batch call wakes every sleeper it made room for
// ---------------------------------------------------------------------------

/// Four producers asleep in `send` on a full ring of 4 (`Block` and `Park`,
/// the defaults of `channel`); one batch receive, `$take`, takes all four
/// values. Every producer must then get its value in, without the consumer
/// receiving anything more. (A batch used to wake one sleeper per call, so
/// three producers slept on beside three free slots; `recv_slice` and
/// `recv_many` woke two, one for their first value and one for the rest.)
macro_rules! batch_receive_wakes_every_producer {
    ($($name:ident: $topo:ident, |$rx:ident| $take:expr;)*) => {$(
        #[test]
        fn $name() {
            let call = concat!(stringify!($topo), ": ", stringify!($take));
            let (tx, mut $rx) = ringweir::$topo::channel::<u64>(4);
            for i in 0..4 {
                tx.send(i).unwrap();
            }
            let mut producers = Crew::new();
            for p in 0..4 {
                let tx = tx.clone();
                // A `Block` send that returns `Ok(())` has queued its value.
                producers.spawn(move || tx.send(10 + p).map(|()| true));
            }
            eventually("four sends wait", || tx.stats().waits == 4);
            settle();
            let took: usize = $take;
            assert_eq!(took, 4, "{call}: took the four queued values");
            let sent = producers.finish(&format!(
                "{call} took 4 values, but producers stay parked beside free slots"
            ));
            assert!(sent.iter().all(|s| *s == Ok(true)), "{call}: {sent:?}");
            assert_eq!($rx.len(), 4, "{call}");
            let mut queued: Vec<u64> = $rx.try_iter().collect();
            queued.sort_unstable();
            assert_eq!(queued, [10, 11, 12, 13], "{call}");
        }
    )*};
}

batch_receive_wakes_every_producer! {
    mpsc_try_recv_slice_wakes_every_producer: mpsc, |rx| rx.try_recv_slice(&mut [0; 4]);
    mpsc_try_recv_many_wakes_every_producer: mpsc, |rx| rx.try_recv_many(&mut Vec::new(), 4);
    mpsc_try_recv_in_place_wakes_every_producer: mpsc, |rx| rx.try_recv_in_place(4, |_| {});
    mpsc_recv_slice_wakes_every_producer: mpsc, |rx| rx.recv_slice(&mut [0; 4]);
    mpsc_recv_many_wakes_every_producer: mpsc, |rx| rx.recv_many(&mut Vec::new(), 4);
    mpmc_try_recv_slice_wakes_every_producer: mpmc, |rx| rx.try_recv_slice(&mut [0; 4]);
    mpmc_try_recv_many_wakes_every_producer: mpmc, |rx| rx.try_recv_many(&mut Vec::new(), 4);
    mpmc_try_recv_in_place_wakes_every_producer: mpmc, |rx| rx.try_recv_in_place(4, |_| {});
    mpmc_recv_slice_wakes_every_producer: mpmc, |rx| rx.recv_slice(&mut [0; 4]);
    mpmc_recv_many_wakes_every_producer: mpmc, |rx| rx.recv_many(&mut Vec::new(), 4);
}

/// The mirror case: four `mpmc` consumers asleep in `recv` on an empty
/// ring; one batch send, `$give`, queues four values. Every consumer must
/// get one. (Only one was woken: three slept on beside three values.)
macro_rules! batch_send_wakes_every_consumer {
    ($($name:ident: |$tx:ident| $give:expr;)*) => {$(
        #[test]
        fn $name() {
            let call = stringify!($give);
            let (mut $tx, rx) = ringweir::mpmc::channel::<u64>(4);
            let mut consumers = Crew::new();
            for _ in 0..4 {
                let rx = rx.clone();
                consumers.spawn(move || rx.recv());
            }
            drop(rx);
            // No counter tells a waiting receive: give them time to fall asleep.
            settle();
            $give;
            let mut got: Vec<u64> = consumers
                .finish(&format!(
                    "{call} queued 4 values, but consumers stay parked beside them"
                ))
                .into_iter()
                .map(|r| r.expect("a value, not closed"))
                .collect();
            got.sort_unstable();
            assert_eq!(got, [1, 2, 3, 4], "{call}");
        }
    )*};
}

batch_send_wakes_every_consumer! {
    mpmc_send_slice_wakes_every_consumer: |tx| tx.send_slice(&[1, 2, 3, 4]).unwrap();
    mpmc_try_send_slice_wakes_every_consumer: |tx| {
        assert_eq!(tx.try_send_slice(&[1, 2, 3, 4]), Ok(4));
    };
}

// ---------------------------------------------------------------------------
// 2. A ring its one consumer has seen non-empty stays non-empty
// ---------------------------------------------------------------------------

/// Values per batch call in the checks below.
const K_VALUES: usize = 4;

/// How a round of [`seen_nonempty_round`] runs.
#[derive(Clone, Copy, Debug)]
struct Round {
    /// Whether the producer sends only into a ring it sees empty (yielding
    /// otherwise), so that nearly every push is one into an empty ring,
    /// the push the consumer could see half done. Otherwise it sends as
    /// fast as it can (filling the ring, then blocking, dropping or
    /// evicting by its policy).
    paced: bool,
    /// The round ends after this many takes or [`ROUND_TIME`], whichever
    /// comes first.
    takes: u64,
}

/// A bound on a round's time, for a loaded machine where the consumer's
/// looks or the producer's sends wait for a core; not an assertion. On an
/// idle machine a round ends by its counts first.
const ROUND_TIME: Duration = Duration::from_millis(if cfg!(miri) { 1000 } else { 20 });

/// One round: a producer thread sends while the one consumer looks at the
/// ring (`is_empty()` or `len()`) and, each time it sees a value, takes
/// by one of the receive calls, which must find at least one (the
/// producer may evict, never empty the ring). Returns how many takes the
/// round made and the failed ones as `(look, call)` names.
///
/// The spsc `DropOldest` producer moved `tail` (which `len()` reads) before
/// it wrote and published the value, and its consumer took the unpublished
/// head for an empty ring: `Empty` right after `!is_empty()`, on most takes
/// with 4 KiB values while the two threads run in parallel.
// `len() > 0` is one of the two looks under test, beside `!is_empty()`.
#[allow(clippy::len_zero)]
fn seen_nonempty_round<K: Topology, T: Clone + Send + 'static>(
    capacity: usize,
    make: fn(u64) -> T,
    round: Round,
) -> (u64, Vec<(&'static str, &'static str)>)
where
    Producer<T, K>: Send,
{
    let Round {
        paced,
        takes: max_takes,
    } = round;
    let (tx, mut rx) = build::<T, K>(Builder::new(capacity));
    let stop = Arc::new(AtomicBool::new(false));
    let mut producer = Crew::new();
    let s = stop.clone();
    producer.spawn(move || {
        let mut i = 0u64;
        while !s.load(Ordering::Relaxed) {
            if paced && tx.len() > 0 {
                thread::yield_now();
                continue;
            }
            if tx.send(make(i)).is_err() {
                break;
            }
            i += 1;
        }
    });
    let mut slice = vec![make(0); K_VALUES];
    let mut many = Vec::with_capacity(K_VALUES);
    let mut failures = Vec::new();
    // The round starts once the producer runs.
    rx.recv_timeout(WATCHDOG).expect("a first value");
    let (mut takes, mut empty_looks) = (0, 0u64);
    let start = Instant::now();
    for look in 0u64.. {
        let (look_name, seen) = if look % 2 == 0 {
            ("!is_empty()", !rx.is_empty())
        } else {
            ("len() > 0", rx.len() > 0)
        };
        if !seen {
            empty_looks += 1;
            if empty_looks % 16 == 0 {
                // Lets a producer that shares this core run (to be
                // preempted halfway through a push, maybe).
                thread::yield_now();
                if start.elapsed() > ROUND_TIME {
                    break;
                }
            }
            continue;
        }
        if takes % 256 == 0 && start.elapsed() > ROUND_TIME {
            break;
        }
        empty_looks = 0;
        let (call, took) = match takes % 5 {
            0 => ("try_recv", usize::from(rx.try_recv().is_ok())),
            1 => ("try_recv_slice", rx.try_recv_slice(&mut slice)),
            2 => ("try_recv_in_place", rx.try_recv_in_place(K_VALUES, |_| {})),
            3 => {
                many.clear();
                ("try_recv_many", rx.try_recv_many(&mut many, K_VALUES))
            }
            _ => ("try_iter", rx.try_iter().take(K_VALUES).count()),
        };
        if took == 0 {
            failures.push((look_name, call));
        }
        takes += 1;
        if takes == max_takes {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    // Also unblocks a `Block` producer waiting on a full ring.
    drop(rx);
    producer.finish("the producer did not stop");
    (takes, failures)
}

/// Runs [`seen_nonempty_round`] on the ring `K` with values of `T` and
/// `round`, adding failures to `failures` as descriptions.
fn seen_nonempty<K: Topology, T: Clone + Send + 'static>(
    failures: &mut Vec<String>,
    capacity: usize,
    make: fn(u64) -> T,
    round: Round,
) where
    Producer<T, K>: Send,
{
    let (takes, failed) = seen_nonempty_round::<K, T>(capacity, make, round);
    if !failed.is_empty() {
        failures.push(format!(
            "{} capacity {capacity} {} {}: {} of {takes} takes, e.g. {:?}",
            name::<K>(),
            std::any::type_name::<T>(),
            if round.paced { "paced" } else { "free-running" },
            failed.len(),
            &failed[..failed.len().min(3)]
        ));
    }
}

/// Every round of the ring `K`.
fn seen_nonempty_everywhere<K: Topology>(failures: &mut Vec<String>)
where
    Producer<u64, K>: Send,
    Producer<[u64; 512], K>: Send,
    Producer<[u64; 8192], K>: Send,
{
    let takes = scaled(10_000);
    for (capacity, paced) in [(1, false), (2, true), (4, false), (4, true)] {
        let round = Round { paced, takes };
        if capacity == 4 {
            seen_nonempty::<K, u64>(failures, capacity, |i| i, round);
        }
        // Large values (the producer is halfway through a push for
        // longer) are where the spsc `DropOldest` ring fails; under
        // Miri, which writes each of their bytes one by one, too slow.
        if !cfg!(miri) {
            seen_nonempty::<K, [u64; 512]>(failures, capacity, |i| [i; 512], round);
            seen_nonempty::<K, [u64; 8192]>(failures, capacity, |i| [i; 8192], round);
        }
    }
}

#[test]
fn a_ring_seen_non_empty_by_its_one_consumer_stays_non_empty_until_it_takes() {
    let mut failures = Vec::new();
    each_ring!(seen_nonempty_everywhere(&mut failures));
    assert!(
        failures.is_empty(),
        "a receive after a look that saw a value found none:\n{}",
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// 3. Teardown drops every value once, even past two panicking drops
// ---------------------------------------------------------------------------

/// The start of the panic message of a [`Bomb`].
const BOMB: &str = "bomb: a value's drop panics";

/// Values 0 and 1 panic when dropped (not while already unwinding: that
/// would abort); every drop is counted first.
struct Bomb {
    id: usize,
    drops: Arc<[AtomicUsize; 4]>,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        self.drops[self.id].fetch_add(1, Ordering::SeqCst);
        if self.id < 2 && !thread::panicking() {
            panic!("{BOMB} ({})", self.id);
        }
    }
}

/// Keeps the panics of [`Bomb`]s (expected, and caught) out of the output;
/// every other panic still reaches the default hook.
fn quiet_bombs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let msg = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied());
            if !msg.is_some_and(|m| m.starts_with(BOMB)) {
                default(info);
            }
        }));
    });
}

/// One ring `K` of [`teardown_drops_every_value_once_past_two_panicking_drops`].
fn teardown<K: Topology>(wrong: &mut Vec<String>) {
    let topo = name::<K>();
    let (tx, rx) = build::<Bomb, K>(Builder::new(4));
    let drops: Arc<[AtomicUsize; 4]> = Arc::default();
    for id in 0..4 {
        let bomb = Bomb {
            id,
            drops: drops.clone(),
        };
        assert!(queued::<_, K>(tx.send(bomb).unwrap()));
    }
    let consumer_panicked = catch_unwind(AssertUnwindSafe(move || drop(rx))).is_err();
    let producer_panicked = catch_unwind(AssertUnwindSafe(move || drop(tx))).is_err();
    let counts: Vec<usize> = drops.iter().map(|d| d.load(Ordering::SeqCst)).collect();
    if counts != [1; 4] {
        wrong.push(format!(
            "{topo}: drops per value {counts:?} (panicked: \
                 consumer's drop {consumer_panicked}, producer's drop {producer_panicked})"
        ));
    }
}

#[test]
fn teardown_drops_every_value_once_past_two_panicking_drops() {
    // Four values queued, 0 and 1 panicking. The consumer goes first: its
    // drain meets the panic of 0 (caught). The producer goes next, the
    // last handle: the ring's own drop meets the panic of 1 (caught), and
    // must still drop 2 and 3. The stamped rings (spsc `DropOldest`, mpsc,
    // mpmc) stopped at that panic and leaked them.
    quiet_bombs();
    let mut wrong = Vec::new();
    each_ring!(teardown(&mut wrong));
    assert!(
        wrong.is_empty(),
        "each value must be dropped exactly once:\n{}",
        wrong.join("\n")
    );
}

// ---------------------------------------------------------------------------
// 4. A large value moves through every ring on a small stack
// ---------------------------------------------------------------------------

/// The value size of the stack test.
const BIG: usize = 256 * 1024;

/// The one byte every byte of `value` equals.
fn fill_of<const N: usize>(value: &[u8; N]) -> u8 {
    assert!(value.iter().all(|&b| b == value[0]), "a torn value");
    value[0]
}

/// The value a send handed back, looked at where it lies in the send's
/// result (not moved out of it: see [`big_values`]).
trait ReturnedRef: Overflow {
    fn returned_ref<T>(sent: &Self::Sent<T>) -> Option<&T>;
}

impl ReturnedRef for Block {
    fn returned_ref<T>(_: &()) -> Option<&T> {
        None
    }
}

impl ReturnedRef for DropNewest {
    fn returned_ref<T>(sent: &Admission<T>) -> Option<&T> {
        match sent {
            Admission::Queued => None,
            Admission::Dropped(v) => Some(v),
        }
    }
}

impl ReturnedRef for DropOldest {
    fn returned_ref<T>(sent: &Eviction<T>) -> Option<&T> {
        match sent {
            Eviction::Queued => None,
            Eviction::Evicted(v) => Some(v),
        }
    }
}

/// On the ring `K`: a ring of capacity 2 of `[u8; N]` values, sent three
/// (the third overflows by the policy: `Block` by `try_send`), then
/// drained. Each call that moves a value sits in a function of its own, so
/// that this test's frames hold at most the value sent and the call's
/// result (which may hold another, handed back) at a time.
#[inline(never)]
fn big_values<K: Topology, const N: usize>()
where
    K::Policy: ReturnedRef,
{
    #[inline(never)]
    fn send<K: Topology, const N: usize>(tx: &mut Producer<[u8; N], K>, fill: u8) -> Option<u8>
    where
        K::Policy: ReturnedRef,
    {
        match &tx.send([fill; N]) {
            Ok(sent) => K::Policy::returned_ref(sent).map(fill_of),
            Err(_) => panic!("closed"),
        }
    }

    #[inline(never)]
    fn try_send<K: Topology, const N: usize>(
        tx: &mut Producer<[u8; N], K>,
        fill: u8,
    ) -> Option<u8> {
        match &tx.try_send([fill; N]) {
            Ok(()) => None,
            Err(e) if e.is_full() => Some(fill),
            Err(_) => panic!("closed"),
        }
    }

    #[inline(never)]
    fn recv<K: Topology, const N: usize>(rx: &mut Consumer<[u8; N], K>) -> Option<u8> {
        match &rx.try_recv() {
            Ok(v) => Some(fill_of(v)),
            Err(_) => None,
        }
    }

    let (mut tx, mut rx) = build::<[u8; N], K>(Builder::new(2));
    let mut back = Vec::new();
    back.extend(send(&mut tx, 1));
    back.extend(send(&mut tx, 2));
    back.extend(if policy::<K>() == Policy::Block {
        try_send(&mut tx, 3)
    } else {
        send(&mut tx, 3)
    });
    let got: Vec<u8> = std::iter::from_fn(|| recv(&mut rx)).collect();
    let (expected_back, expected_got) = match policy::<K>() {
        Policy::DropOldest => ([1], [2, 3]),
        _ => ([3], [1, 2]),
    };
    let what = name::<K>();
    assert_eq!(back, expected_back, "{what}: handed back");
    assert_eq!(got, expected_got, "{what}: received");
}

/// In the child process: runs [`big_values`] on the ring `K` if `ring`
/// names it.
fn big_values_if_named<K: Topology>(ring: &str)
where
    K::Policy: ReturnedRef,
{
    if ring == name::<K>() {
        big_values::<K, BIG>();
    }
}

/// In the parent process: runs the child process of the ring `K`, adding
/// what went wrong to `failed`.
fn big_values_in_child<K: Topology>(test: &str, failed: &mut Vec<String>) {
    failed.extend(in_child_process(test, &name::<K>()).err());
}

/// Set in a child process of [`a_256_kib_value_goes_through_every_ring_on_a_2_mib_stack`]
/// to the ring it is to try, `"<topology> <policy>"`.
const CHILD: &str = "RINGWEIR_REGRESSIONS_STACK_CHILD";

/// Runs the test `name` of this binary (re-executed) in a child process
/// with [`CHILD`] set to `ring`: `Err` with what went wrong unless the child
/// exits successfully.
fn in_child_process(name: &str, ring: &str) -> Result<(), String> {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, ring)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && stdout.contains("1 passed") {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let why = stderr
        .lines()
        .find(|l| l.contains("overflowed its stack") || l.contains("panicked"))
        .unwrap_or("");
    Err(format!("{ring}: {} {why}", out.status))
}

#[test]
#[cfg_attr(miri, ignore)] // re-executes the test binary, and moves 256 KiB values
fn a_256_kib_value_goes_through_every_ring_on_a_2_mib_stack() {
    // The test's own frames hold two values (the one sent and the result,
    // which may hand one back); the ring's calls must fit in the rest of
    // the 2 MiB. Before the fix an evicting send copied the value through
    // several frames, and spsc `DropOldest` overflowed at 224 KiB, mpsc and
    // mpmc `DropOldest` at 256 KiB. A stack overflow aborts the process,
    // so each ring runs in a child process of its own.
    const NAME: &str = "a_256_kib_value_goes_through_every_ring_on_a_2_mib_stack";
    if let Some(sanitizer) = std::env::var_os("RINGWEIR_SANITIZER") {
        // A sanitizer's red zones and unshared stack slots change what a
        // call takes of the stack: this measures the crate, not them.
        println!("skipped under the {sanitizer:?} sanitizer (scripts/sanitizers.sh)");
        return;
    }
    if let Some(ring) = std::env::var_os(CHILD) {
        let ring = ring.into_string().unwrap();
        thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || each_ring!(big_values_if_named(&ring)))
            .unwrap()
            .join()
            .unwrap();
        return;
    }
    let mut failed = Vec::new();
    each_ring!(big_values_in_child(NAME, &mut failed));
    assert!(
        failed.is_empty(),
        "{} KiB values on a 2 MiB stack failed (a signal after \"has overflowed its \
         stack\" is a stack overflow):\n{}",
        BIG / 1024,
        failed.join("\n")
    );
}
