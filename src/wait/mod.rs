//! Waiting: how a producer blocked on a full ring, or a consumer on an
//! empty one, passes the time until the other side makes progress, and the
//! sleep/wake hand-off of [`Wait::Park`].
//!
//! # The sleep/wake protocol (`Wait::Park`)
//!
//! A [`WaitPoint`] is an event count: a state word (the sleepers, plus a
//! flag, see below), a mutex and a condition variable. The side that makes
//! progress (a push wakes consumers, a pop wakes producers) calls
//! [`WaitPoint::after_progress`] only when the ring was built so that the
//! side it would wake may sleep; it runs:
//!
//! ```text
//! publish progress (a Release store or CAS of head/tail)
//! fence(SeqCst)                      -- F1
//! if state.load(Relaxed) != 0 {      -- almost always 0
//!     if sleepers != 0 { lock; unlock; notify }
//! }
//! ```
//!
//! and a thread that wants to sleep does, holding the mutex:
//!
//! ```text
//! state += SLEEPER (SeqCst)
//! fence(SeqCst)                      -- F2
//! loop { re-check the condition; if it holds, stop; else condvar.wait }
//! ```
//!
//! Each side stores, fences, then loads what the other side stored. The
//! two SeqCst fences are ordered one way or the other: if F1 comes first,
//! the sleeper's re-check (after F2) sees the published progress and does
//! not sleep; if F2 comes first, the waker's load (after F1) sees the
//! sleeper. The sleeper holds the mutex from its increment until
//! `condvar.wait` releases it, so the waker's `lock` cannot slip in between
//! the re-check and the wait: by the time the waker holds the lock, the
//! sleeper is really waiting, and the notification (sent after the unlock,
//! so that the woken thread does not wake into a held lock) reaches it. No
//! wake-up is lost. On x86-64 F1 is one locked instruction; on Arm, a
//! `dmb ish`. Neither reaches any other thread: the protocol makes no
//! system call while nobody sleeps, and only the waker's `notify` when
//! somebody does.
//!
//! The same word carries `GONE`, set when the last handle of the sleeping
//! side leaves, so a producer's check "did every consumer leave while I
//! pushed?" (see `Shared::remove_consumer`) is that same load.
//!
//! Closing always takes the mutex and notifies everyone, so a closing
//! thread needs no fast-path reasoning at all.
//!
//! # Tasks
//!
//! An async task waits at the same point as a thread, by the same
//! protocol: holding the mutex, it adds its `Waker` to the point's list
//! and counts itself as a sleeper (`state += SLEEPER`), runs F2 and
//! re-checks. If the re-check finds nothing it returns `Pending` with its
//! waker left in the list. A waker that finds sleepers takes the lock,
//! removes up to as many wakers from the list as it made steps of progress
//! (uncounting each), and wakes them after the unlock; threads get what is
//! left of the count. A task woken and then dropped before it looked
//! passes its wake-up on to the next waiter, so no waiter is stranded
//! beside a value or a free slot. While no task waits, the list costs the
//! other side nothing: the word it loads is still 0.
//!
//! # Pace
//!
//! How long a `Park` waiter spins and yields before it sleeps adapts to how
//! its side's last sleep on this ring ended ([`Pace`]): a partner that
//! answered almost at once is busy, and the next waits yield for longer
//! before sleeping, so that the two threads do not each sleep and wake the
//! other for every value; a partner that stayed silent for long is idle,
//! and the next waits sleep at once, which wakes them sooner (a thread that
//! spun and yielded just before it slept is slower to run again once
//! woken). The pace is a word in the [`WaitPoint`], written only by a
//! thread that has just slept, and read once per wait.

use crate::sync::{
    elapsed, fence, sleep, spin_hint, yield_now, AtomicUsize, Condvar, Mutex, Ordering,
};
use std::task::Waker;
use std::time::{Duration, Instant};

#[cfg(feature = "async")]
mod tasks;
#[cfg(feature = "async")]
pub(crate) use tasks::TaskTicket;

/// How a thread waits: a producer blocked on a full ring, or a consumer on
/// an empty one.
///
/// Each side of a ring has its own, set with
/// [`Builder::producer_wait`](crate::Builder::producer_wait) and
/// [`Builder::consumer_wait`](crate::Builder::consumer_wait) (or both at
/// once with [`Builder::wait`](crate::Builder::wait)). A side's choice also
/// decides what the *other* side's calls cost: only a side that may sleep
/// ([`Park`](Wait::Park)) must be woken, so only then does the other side
/// check for sleepers after each step of progress.
///
/// | this side waits by | it may | the other side's calls then |
/// |---|---|---|
/// | [`Spin`](Wait::Spin), [`Yield`](Wait::Yield), [`Poll`](Wait::Poll) | spin, yield, sleep for set times | never wake it: no fence, no lock, no system call |
/// | [`Park`](Wait::Park) | sleep until woken | run a full fence and one load per call; wake it (a lock and a system call) when it sleeps |
///
/// So a real-time thread that must never make a system call (an audio
/// callback, a trading loop) uses the non-waiting calls (`try_send`,
/// `try_recv`, their slice forms) and gives its partner a wait that is
/// never woken, typically `Poll`:
///
/// ```
/// use ringweir::{Builder, Wait};
/// use std::time::Duration;
///
/// // The real-time thread consumes with `try_recv`; the producer, when the
/// // ring is full, polls every 100 µs at most instead of waiting to be woken.
/// let (tx, rx) = Builder::new(256)
///     .producer_wait(Wait::Poll(Duration::from_micros(100)))
///     .spsc::<f32>()?;
/// tx.send(0.5).unwrap();
/// assert_eq!(rx.try_recv(), Ok(0.5));
/// # Ok::<(), ringweir::CapacityError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Wait {
    /// Busy-spin with [`spin_loop`](std::hint::spin_loop) hints. Lowest
    /// wake-up latency; burns a core, and collapses when there are more
    /// busy threads than cores.
    Spin,
    /// Spin a little, then [`yield_now`](std::thread::yield_now) between
    /// checks. Burns a core while nothing else wants it.
    Yield,
    /// Spin a little, then sleep ([`std::thread::sleep`]) for growing
    /// spans of at most the given duration between checks; nobody ever
    /// wakes it, so the other side's calls stay free of fences and system
    /// calls. A value or a free slot waits up to that long (plus the
    /// operating system's timer slack, about 50 µs by default on Linux)
    /// before this side sees it; a close is seen as late. `Poll(Duration::ZERO)`
    /// spins.
    Poll(std::time::Duration),
    /// Spin briefly, yield, then sleep until the other side makes progress,
    /// closes, or the timeout passes. While nobody sleeps, the other side's
    /// calls pay a full fence and one load of a read-mostly word: no lock,
    /// no system call; a wake-up takes a lock and a system call
    /// (`FUTEX_WAKE` on Linux), and reaches no thread but the sleeper.
    ///
    /// How long a waiter spins and yields before sleeping adapts to its
    /// side's last sleep on this ring: when the partner answered almost as
    /// soon as it slept, the next waits keep yielding for a little longer
    /// (the two threads would otherwise each sleep and wake the other for
    /// every value); when the partner stayed silent for long, the next waits
    /// sleep at once, which makes their own wake-up quicker.
    #[default]
    Park,
}

/// Exponential back-off: spin `2^step` hints, then yield, like crossbeam's
/// `Backoff` but routed through the sync facade so loom can schedule it.
pub struct Backoff {
    step: u32,
}

/// Steps that spin before the back-off starts yielding.
const SPIN_STEPS: u32 = if cfg!(loom) { 0 } else { 6 };
/// Attempts a waiter makes one spin hint apart before it backs off
/// (see [`wait_until`]).
const QUICK_POLLS: u32 = if cfg!(loom) { 0 } else { 64 };
/// Steps after which a `Park` waiter at the steady pace stops yielding and
/// sleeps.
const PARK_AFTER: u32 = if cfg!(loom) { 0 } else { 11 };
#[cfg(not(loom))]
const _: () = assert!(PARK_AFTER > SPIN_STEPS);

// Under loom both step limits are 0, which makes some comparisons below
// constant there: that is the point (loom explores no spinning).
#[cfg_attr(
    loom,
    allow(clippy::absurd_extreme_comparisons, clippy::unnecessary_min_or_max)
)]
impl Backoff {
    pub(crate) fn new() -> Self {
        Self { step: 0 }
    }

    /// Busy-spin only (for `Wait::Spin` and for CAS retries).
    #[inline]
    pub(crate) fn spin(&mut self) {
        let rounds = 1u32 << self.step.min(SPIN_STEPS);
        for _ in 0..rounds {
            spin_hint();
        }
        if self.step <= SPIN_STEPS {
            self.step += 1;
        }
    }

    /// Spin, then yield the time slice once spinning has gone on long enough.
    #[inline]
    pub(crate) fn snooze(&mut self) {
        if self.step <= SPIN_STEPS {
            self.spin();
        } else {
            yield_now();
            // Stop counting once parking is due: an idle `Yield` waiter
            // snoozes forever and must not overflow the counter.
            if self.step <= PARK_AFTER {
                self.step += 1;
            }
        }
    }

    /// Whether the spinning is over (the next snooze would yield).
    fn spun(&self) -> bool {
        self.step > SPIN_STEPS
    }

    /// Whether a `Park` waiter at the steady pace has spun and yielded
    /// enough to go to sleep.
    fn yielded(&self) -> bool {
        self.step >= PARK_AFTER
    }
}

/// What this side's last sleep on a ring says about its partner, and so how
/// a `Park` waiter of that side spends its time before sleeping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// No sleep yet, or a sleep of middling length: spin, yield a few
    /// times, then sleep.
    Steady = 0,
    /// The partner answered within [`Pace::SHORT`] of this side going to
    /// sleep: it is busy, and sleeping cost more than it saved. Spin, then
    /// keep yielding for up to [`Pace::SHORT`] (longer than a sleeping
    /// thread takes to run again once woken) before sleeping.
    Busy = 1,
    /// The partner stayed silent for [`Pace::LONG`] or more: it is idle.
    /// Sleep at once.
    Idle = 2,
}

impl Pace {
    /// A sleep shorter than this means a busy partner.
    const SHORT: Duration = Duration::from_micros(50);
    /// A sleep at least this long means an idle partner.
    const LONG: Duration = Duration::from_micros(250);

    /// The pace that a sleep of `slept` calls for.
    fn after_sleep(slept: Duration) -> Self {
        if slept < Self::SHORT {
            Pace::Busy
        } else if slept >= Self::LONG {
            Pace::Idle
        } else {
            Pace::Steady
        }
    }

    fn from_word(word: usize) -> Self {
        match word {
            1 => Pace::Busy,
            2 => Pace::Idle,
            _ => Pace::Steady,
        }
    }

    /// Whether a waiter at this pace, whose back-off is at `backoff`, goes
    /// to sleep now. `began`: when it began waiting, which only the busy
    /// pace reads (the others do not read the clock at all).
    fn sleeps_now(self, backoff: &Backoff, began: Option<Instant>) -> bool {
        match self {
            Pace::Steady => backoff.yielded(),
            Pace::Busy => backoff.spun() && began.is_none_or(|b| elapsed(b) >= Pace::SHORT),
            Pace::Idle => true,
        }
    }
}

/// Set in a [`WaitPoint`]'s state once every handle of its side has left.
const GONE: usize = 1;
/// One sleeper, counted in the state word above the flag.
const SLEEPER: usize = 2;

/// Where the threads of one side (the consumers on `not_empty`, the
/// producers on `not_full`) sleep, and what the other side must check after
/// each step of progress, in one word: `sleepers * SLEEPER | GONE`. On the
/// fast path that word is 0 (nobody asleep, side still here), so the
/// waker's whole duty is a fence and one load of a line only sleepers and
/// closers write.
#[derive(Debug)]
pub struct WaitPoint {
    state: AtomicUsize,
    /// A [`Pace`], written after each sleep. Relaxed throughout: it is
    /// advice, and any value is safe.
    pace: AtomicUsize,
    /// The sleepers' mutex, holding the tasks that wait here.
    lock: Mutex<Tasks>,
    cond: Condvar,
}

/// The async tasks waiting at a [`WaitPoint`], oldest first, each under a
/// ticket of its own. Each one is counted in the point's state word.
#[derive(Debug, Default)]
struct Tasks {
    waiting: Vec<(u64, Waker)>,
    #[cfg_attr(not(feature = "async"), allow(dead_code))]
    next_ticket: u64,
}

impl WaitPoint {
    pub(crate) fn new() -> Self {
        Self {
            state: AtomicUsize::new(0),
            pace: AtomicUsize::new(Pace::Steady as usize),
            lock: Mutex::default(),
            cond: Condvar::default(),
        }
    }

    /// Called by the other side right after it published progress (a
    /// Release store or CAS of `head`/`tail`) that let `steps` waiters of
    /// this side go on (values pushed for consumers, slots freed for
    /// producers): runs F1, wakes up to `steps` sleepers, and says whether
    /// this side has gone. See the module docs for why F1 and a Relaxed
    /// load suffice.
    ///
    /// Waking as many sleepers as there are steps matters for batches: a
    /// receive that frees four slots beside four sleeping producers must
    /// let all four go on, or three sleep beside free slots for good.
    #[inline]
    pub(crate) fn after_progress(&self, steps: usize) -> bool {
        fence(Ordering::SeqCst); // F1
        let state = self.state.load(Ordering::Relaxed);
        if state == 0 {
            return false;
        }
        self.after_progress_slow(state, steps)
    }

    #[cold]
    #[inline(never)]
    fn after_progress_slow(&self, state: usize, steps: usize) -> bool {
        let sleepers = state / SLEEPER;
        if sleepers > 0 {
            self.wake(steps.min(sleepers));
        }
        state & GONE != 0
    }

    /// Whether every handle of this side has gone. Acquire pairs with the
    /// Release in [`close`](Self::close): what the leaving side did before
    /// (its last pushes, its drain) happens-before what the caller does next.
    #[inline]
    pub(crate) fn gone(&self) -> bool {
        self.state.load(Ordering::Acquire) & GONE != 0
    }

    /// The last handle of this side leaves: sets `GONE` (Release, see
    /// [`gone`](Self::gone)). Waking is the caller's business: the
    /// sleepers to wake are the other side's.
    pub(crate) fn close(&self) {
        self.state.fetch_or(GONE, Ordering::AcqRel);
    }

    /// Wakes every sleeper (closing). Always takes the lock: rare, and it
    /// makes the close hand-off independent of the fence argument.
    pub(crate) fn notify_all(&self) {
        self.wake(usize::MAX);
    }

    /// Wakes `count` sleepers (all of them when `count` is at least the
    /// number asleep).
    #[cold]
    fn wake(&self, count: usize) {
        // Taking the lock waits out a sleeper between its increment and its
        // wait (or a task between its increment and its re-check); once we
        // have it, every counted sleeper is waiting (or has seen the
        // progress and left). Notifying after the unlock lets the woken
        // thread take the lock at once instead of waking into a lock we
        // still hold.
        let mut tasks = self.lock.lock();
        // The tasks to wake, oldest first; only a wake-up of two or more
        // allocates.
        let n = count.min(tasks.waiting.len());
        let (first, rest) = if n == 0 {
            (None, Vec::new())
        } else {
            // Relaxed: under the lock, as every change of the count of
            // tasks; a stale non-zero only costs a waker one needless lock.
            self.state.fetch_sub(n * SLEEPER, Ordering::Relaxed);
            let mut woken = tasks.waiting.drain(..n).map(|(_, waker)| waker);
            (woken.next(), woken.collect::<Vec<_>>())
        };
        // Relaxed: the lock ordered every counted sleeper's increment before
        // this load; a sleeper that left meanwhile only makes us wake more.
        let asleep =
            (self.state.load(Ordering::Relaxed) / SLEEPER).saturating_sub(tasks.waiting.len());
        drop(tasks);
        let count = count - n;
        for waker in first.into_iter().chain(rest) {
            waker.wake();
        }
        if asleep == 0 || count == 0 {
            return;
        }
        if asleep <= 1 {
            // The common case, one sleeper: waking one is the cheaper call
            // (`notify_all` would also move the others to the mutex's queue).
            self.cond.notify_one();
        } else if count >= asleep {
            self.cond.notify_all();
        } else {
            for _ in 0..count {
                self.cond.notify_one();
            }
        }
    }

    /// The pace of this side's next wait.
    fn pace(&self) -> Pace {
        Pace::from_word(self.pace.load(Ordering::Relaxed))
    }

    /// Sleeps until `attempt` returns `Some` or `deadline` passes (then
    /// `None`). `attempt` is re-run after every wake-up, with the mutex held,
    /// and told to look exactly (see [`wait_until`]). Afterwards sets the
    /// side's pace by how long the sleep lasted.
    fn sleep<R>(
        &self,
        deadline: Option<Instant>,
        attempt: &mut impl FnMut(Look) -> Option<R>,
    ) -> Option<R> {
        let began = Instant::now();
        let mut guard = self.lock.lock();
        self.state.fetch_add(SLEEPER, Ordering::SeqCst);
        fence(Ordering::SeqCst); // F2
        let outcome = loop {
            if let Some(done) = attempt(Look::Exact) {
                break Some(done);
            }
            if deadline.is_some_and(crate::sync::expired) {
                break None;
            }
            self.cond.wait(&mut guard, deadline);
        };
        // Relaxed: a stale non-zero only costs a waker one needless lock.
        self.state.fetch_sub(SLEEPER, Ordering::Relaxed);
        drop(guard);
        self.learn(elapsed(began));
        outcome
    }

    /// Sets the pace of this side's next waits by how long its last sleep
    /// lasted.
    fn learn(&self, slept: Duration) {
        let pace = Pace::after_sleep(slept);
        if pace != self.pace() {
            self.pace.store(pace as usize, Ordering::Relaxed);
        }
    }
}

/// How closely an attempt made while waiting must look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Look {
    /// A poll between spins, yields or timed sleeps: finding nothing only
    /// means "not yet", so the attempt may skip work that tells why (a
    /// receiver need not tell an empty ring from a value still being
    /// written: see `Ring::pop_waiting`).
    Poll,
    /// The re-check of a thread about to sleep (or woken): what it finds
    /// decides whether it sleeps, so it must be exact. A consumer then
    /// sleeps only on an empty ring, and every value that lands after its
    /// re-check comes with a wake-up.
    Exact,
}

/// Looks up to [`QUICK_POLLS`] times, one spin hint apart, for a wait
/// that can end without sleeping: the awaited progress usually lands
/// within a few hundred nanoseconds (the other side is mid-push or mid-pop
/// on the other core).
#[cfg(feature = "async")]
#[cfg_attr(loom, allow(clippy::reversed_empty_ranges))]
fn poll_briefly<R>(attempt: &mut impl FnMut(Look) -> Option<R>) -> Option<R> {
    for _ in 0..QUICK_POLLS {
        spin_hint();
        if let Some(done) = attempt(Look::Poll) {
            return Some(done);
        }
    }
    None
}

/// Retries `attempt` by `strategy` until it returns `Some` (then that) or
/// `deadline` passes (then `None`). The caller has already tried once.
/// `point` is where a [`Wait::Park`] waiter sleeps.
#[cfg_attr(loom, allow(clippy::absurd_extreme_comparisons))]
pub(crate) fn wait_until<R>(
    strategy: Wait,
    point: &WaitPoint,
    deadline: Option<Instant>,
    mut attempt: impl FnMut(Look) -> Option<R>,
) -> Option<R> {
    let pace = match strategy {
        Wait::Park => point.pace(),
        _ => Pace::Steady,
    };
    if strategy == Wait::Park && pace == Pace::Idle {
        return point.sleep(deadline, &mut attempt);
    }
    // Read only where it decides something: by a waiter at the busy pace.
    let began = (strategy == Wait::Park && pace == Pace::Busy).then(Instant::now);
    let mut backoff = Backoff::new();
    let mut quick_polls = 0;
    let mut nap = Duration::from_micros(1);
    loop {
        // The awaited progress usually lands within a few hundred
        // nanoseconds (the partner is mid-push or mid-pop on the other
        // core), and an exponential back-off would overshoot it by up to
        // 64 hints: poll at a fixed, fine rate first, then back off.
        if quick_polls < QUICK_POLLS {
            quick_polls += 1;
            spin_hint();
        } else {
            match strategy {
                Wait::Spin => backoff.spin(),
                Wait::Yield => backoff.snooze(),
                Wait::Park if pace.sleeps_now(&backoff, began) => {
                    return point.sleep(deadline, &mut attempt);
                }
                Wait::Park => backoff.snooze(),
                Wait::Poll(longest) if backoff.spun() => {
                    nap = nap.min(longest);
                    sleep(match deadline {
                        Some(deadline) => {
                            nap.min(deadline.saturating_duration_since(Instant::now()))
                        }
                        None => nap,
                    });
                    nap = nap.saturating_mul(2);
                }
                Wait::Poll(_) => backoff.spin(),
            }
        }
        if let Some(done) = attempt(Look::Poll) {
            return Some(done);
        }
        if deadline.is_some_and(crate::sync::expired) {
            return None;
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_pace_follows_the_length_of_the_last_sleep() {
        assert_eq!(Pace::after_sleep(Duration::ZERO), Pace::Busy);
        assert_eq!(Pace::after_sleep(Duration::from_micros(49)), Pace::Busy);
        assert_eq!(Pace::after_sleep(Pace::SHORT), Pace::Steady);
        assert_eq!(Pace::after_sleep(Duration::from_micros(249)), Pace::Steady);
        assert_eq!(Pace::after_sleep(Pace::LONG), Pace::Idle);
        for pace in [Pace::Steady, Pace::Busy, Pace::Idle] {
            assert_eq!(Pace::from_word(pace as usize), pace);
        }
    }

    #[test]
    fn each_pace_sleeps_at_its_point_of_the_back_off() {
        let fresh = Backoff::new();
        let mut spun = Backoff::new();
        while !spun.spun() {
            spun.snooze();
        }
        let mut yielded = Backoff::new();
        while !yielded.yielded() {
            yielded.snooze();
        }
        // Spans that are certain whatever the clock does meanwhile (no
        // timing in a test): one that began an hour ago, one that begins
        // in an hour (`elapsed` saturates to zero).
        let long_ago = Some(Instant::now() - Duration::from_secs(3600));
        let not_yet = Some(Instant::now() + Duration::from_secs(3600));
        // Idle: at once. Steady: once the yields are done.
        assert!(Pace::Idle.sleeps_now(&fresh, not_yet));
        assert!(!Pace::Steady.sleeps_now(&spun, long_ago));
        assert!(Pace::Steady.sleeps_now(&yielded, not_yet));
        // Busy: not before the spin, nor before `SHORT` has passed, however
        // many yields that takes.
        assert!(!Pace::Busy.sleeps_now(&fresh, long_ago));
        assert!(!Pace::Busy.sleeps_now(&yielded, not_yet));
        assert!(Pace::Busy.sleeps_now(&spun, long_ago));
    }

    #[test]
    fn a_sleep_sets_the_pace_of_the_next_wait() {
        let point = WaitPoint::new();
        assert_eq!(point.pace(), Pace::Steady);
        point.learn(Duration::ZERO);
        assert_eq!(point.pace(), Pace::Busy);
        point.learn(Pace::SHORT);
        assert_eq!(point.pace(), Pace::Steady);
        // A timed-out sleep of a millisecond at least (however slowly this
        // runs): the partner is idle.
        let deadline = Instant::now() + Duration::from_millis(1);
        assert_eq!(point.sleep(Some(deadline), &mut |_| None::<()>), None);
        assert_eq!(point.pace(), Pace::Idle);
    }
}
