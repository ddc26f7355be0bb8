//! Waiting: the spin/yield back-off and the sleep/wake hand-off used by a
//! producer blocked on a full ring and by a consumer on an empty one.
//!
//! # The sleep/wake protocol (`Wait::Park`)
//!
//! A [`WaitPoint`] is an event count: a state word (the sleepers, plus two
//! flags, see below), a mutex and a condition variable. The fast path of
//! the side that makes progress (a push wakes consumers, a pop wakes
//! producers) is:
//!
//! ```text
//! publish progress (a Release store or CAS of head/tail)
//! barrier::light()                   -- F1 (a compiler fence)
//! if state.load(Relaxed) != 0 {      -- almost always 0: one load
//!     if FENCE is set { fence(SeqCst) -- F1 without membarrier }
//!     if sleepers != 0 { lock; unlock; notify }
//! }
//! ```
//!
//! and a thread that wants to sleep does, holding the mutex:
//!
//! ```text
//! state += SLEEPER (SeqCst)
//! barrier::heavy()                   -- F2
//! loop { re-check the condition; if it holds, stop; else condvar.wait }
//! ```
//!
//! F1/F2 are a compiler fence and a `membarrier` call that fences every
//! running thread, or (where membarrier is unavailable: then the `FENCE`
//! flag is set in the word from construction, so the fast path never
//! skips it) a pair of SeqCst fences; `barrier.rs` says why the pair orders
//! the two sides either way. If the waker's fence comes first, the
//! sleeper's re-check (after F2) sees the published progress and does not
//! sleep. If F2 comes first, the waker's load (after F1) sees the sleeper,
//! and because the sleeper holds the mutex from its increment until
//! `condvar.wait` releases it, the waker's `lock` cannot slip in between
//! the re-check and the wait: by the time the waker holds the lock, the
//! sleeper is really waiting, so the notification (sent after the unlock,
//! so that the woken thread does not wake into a held lock) reaches it.
//! No wake-up is lost, and with nobody asleep the fast path
//! costs a compiler fence and one load of a word that only sleepers and
//! closers write.
//!
//! The same word carries `GONE`, set when the last handle of the sleeping
//! side leaves, so a producer's check "did every consumer leave while I
//! pushed?" (see `Shared::remove_consumer`) is that same load.
//!
//! Closing always takes the mutex and notifies everyone, so a closing
//! thread needs no fast-path reasoning at all.

use crate::barrier;
use crate::sync::{spin_hint, yield_now, AtomicUsize, Condvar, Mutex, Ordering};
use crate::wait_history;
use crate::Wait;
use std::time::Instant;

/// Exponential back-off: spin `2^step` hints, then yield, like crossbeam's
/// `Backoff` but routed through the sync facade so loom can schedule it.
pub(crate) struct Backoff {
    step: u32,
}

/// Steps that spin before the back-off starts yielding.
const SPIN_STEPS: u32 = if cfg!(loom) { 0 } else { 6 };
/// Attempts a waiter makes one spin hint apart before it backs off
/// (see [`wait_until`]).
const QUICK_POLLS: u32 = if cfg!(loom) { 0 } else { 64 };
/// Steps after which a `Park` waiter stops yielding and sleeps.
const PARK_AFTER: u32 = if cfg!(loom) { 0 } else { 11 };
// A waiter that may sleep has spun: `wait_history::time_to_sleep` skips
// its history while `!spun()` on this (loom has no history to skip).
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

    /// Whether a `Park` waiter has spun and yielded enough to go to sleep.
    pub(crate) fn should_park(&self) -> bool {
        self.step >= PARK_AFTER
    }

    /// Whether the spinning is over (the next snooze would yield).
    // Read by `wait_history`, whose history is empty under loom.
    #[cfg_attr(loom, allow(dead_code))]
    pub(crate) fn spun(&self) -> bool {
        self.step > SPIN_STEPS
    }
}

/// Set in a [`WaitPoint`]'s state once every handle of its side has left.
const GONE: usize = 1;
/// Set in a [`WaitPoint`]'s state when the waker must run a real
/// `fence(SeqCst)` (no membarrier in this process, see `barrier.rs`).
const FENCE: usize = 2;
/// One sleeper, counted in the state word above the two flags.
const SLEEPER: usize = 4;

/// Where the threads of one side (the consumers on `not_empty`, the
/// producers on `not_full`) sleep, and what the other side must check after
/// each step of progress, in one word: `sleepers * SLEEPER | FENCE | GONE`.
/// On the fast path that word is 0 (nobody asleep, side still here,
/// membarrier available), so the waker's whole duty is one load of a line
/// only sleepers and closers write.
#[derive(Debug)]
pub(crate) struct WaitPoint {
    state: AtomicUsize,
    lock: Mutex,
    cond: Condvar,
}

impl WaitPoint {
    /// `fenced`: whether anyone will ever rely on the waker's fence here
    /// (someone may sleep, or the waker must notice the side leaving).
    pub(crate) fn new(fenced: bool) -> Self {
        let fence = if fenced && !barrier::cheap() {
            FENCE
        } else {
            0
        };
        Self {
            state: AtomicUsize::new(fence),
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
        barrier::light(); // F1 when membarrier pairs with it
        if self.state.load(Ordering::Relaxed) == 0 {
            return false;
        }
        self.after_progress_slow(steps)
    }

    #[cold]
    #[inline(never)]
    fn after_progress_slow(&self, steps: usize) -> bool {
        if self.state.load(Ordering::Relaxed) & FENCE != 0 {
            barrier::light_fallback(); // F1 without membarrier
        }
        let state = self.state.load(Ordering::Relaxed);
        let sleepers = state / SLEEPER;
        if sleepers > 0 {
            self.wake(steps.min(sleepers));
            wait_history::woke_a_sleeper();
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
        // wait; once we have it, every counted sleeper is waiting (or has
        // seen the progress and left). Notifying after the unlock lets the
        // woken thread take the lock at once instead of waking into a lock
        // we still hold.
        drop(self.lock.lock());
        // Relaxed: the lock ordered every counted sleeper's increment before
        // this load; a sleeper that left meanwhile only makes us wake more.
        if count >= self.state.load(Ordering::Relaxed) / SLEEPER {
            self.cond.notify_all();
        } else {
            for _ in 0..count {
                self.cond.notify_one();
            }
        }
    }

    /// Sleeps until `attempt` returns `Some` or `deadline` passes (then
    /// `None`). `attempt` is re-run after every wake-up, with the mutex held,
    /// and told to look exactly (see [`wait_until`]).
    fn sleep<R>(
        &self,
        deadline: Option<Instant>,
        attempt: &mut impl FnMut(Look) -> Option<R>,
    ) -> Option<R> {
        let mut guard = self.lock.lock();
        self.state.fetch_add(SLEEPER, Ordering::SeqCst);
        barrier::heavy(); // F2
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
        outcome
    }
}

/// How closely an attempt made while waiting must look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Look {
    /// A poll between spins or yields: finding nothing only means "not
    /// yet", so the attempt may skip work that tells why (a receiver need
    /// not tell an empty ring from a value still being written: see
    /// `Ring::pop_waiting`).
    Poll,
    /// The re-check of a thread about to sleep (or woken): what it finds
    /// decides whether it sleeps, so it must be exact. A consumer then
    /// sleeps only on an empty ring, and every value that lands after its
    /// re-check comes with a wake-up.
    Exact,
}

/// Retries `attempt` by `strategy` until it returns `Some` (then that) or
/// `deadline` passes (then `None`). The caller has already tried once.
#[cfg_attr(loom, allow(clippy::absurd_extreme_comparisons))]
pub(crate) fn wait_until<R>(
    strategy: Wait,
    point: &WaitPoint,
    deadline: Option<Instant>,
    mut attempt: impl FnMut(Look) -> Option<R>,
) -> Option<R> {
    let sleep = |attempt: &mut _| {
        let start = wait_history::sleep_starts();
        let outcome = point.sleep(deadline, attempt);
        wait_history::sleep_ended(start);
        outcome
    };
    // A partner that has been idle is likely idle still: spinning first
    // would only slow this thread's own wake-up (see `wait_history`).
    if strategy == Wait::Park && wait_history::sleep_at_once() {
        return sleep(&mut attempt);
    }
    let mut backoff = Backoff::new();
    let mut quick_polls = 0;
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
                // When to sleep depends on this thread's history as well
                // as on its back-off (see `wait_history`): it waits out the
                // wake-up of a partner it has just woken, and skips the
                // yields after a long sleep.
                Wait::Park if wait_history::time_to_sleep(&backoff) => {
                    return sleep(&mut attempt);
                }
                Wait::Park => backoff.snooze(),
            }
        }
        if let Some(done) = attempt(Look::Poll) {
            // Only `Park` waits use the history (a `Spin` round trip would
            // otherwise write it on every value).
            if strategy == Wait::Park {
                wait_history::woke_without_sleeping();
            }
            return Some(done);
        }
        if deadline.is_some_and(crate::sync::expired) {
            return None;
        }
    }
}
