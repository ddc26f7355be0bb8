//! Waiting: the spin/yield back-off and the sleep/wake hand-off used by a
//! producer blocked on a full ring and by a consumer on an empty one.
//!
//! # The sleep/wake protocol (`Wait::Park`)
//!
//! A [`WaitPoint`] is an event count: a `sleepers` word, a mutex and a
//! condition variable. The fast path of the side that makes progress (a
//! push wakes consumers, a pop wakes producers) is:
//!
//! ```text
//! publish progress (a Release store or CAS of head/tail)
//! barrier::light()                   -- F1
//! if sleepers.load(Relaxed) != 0 { lock; notify; unlock }
//! ```
//!
//! and a thread that wants to sleep does, holding the mutex:
//!
//! ```text
//! sleepers += 1 (SeqCst)
//! barrier::heavy()                   -- F2
//! loop { re-check the condition; if it holds, stop; else condvar.wait }
//! ```
//!
//! F1/F2 are a pair of SeqCst fences, or (on Linux) a compiler fence and a
//! `membarrier` call that fences every running thread; `barrier.rs` says
//! why the pair orders the two sides either way. If the waker's fence comes
//! first, the sleeper's re-check (after F2) sees the published progress and
//! does not sleep. If F2 comes first, the waker's load (after F1) sees
//! `sleepers != 0`, and because the sleeper holds the mutex from
//! its increment until `condvar.wait` releases it, the waker's `lock` cannot
//! slip in between the re-check and the wait: the notification reaches a
//! thread that is really waiting. No wake-up is lost, and with nobody asleep
//! the fast path costs F1 (a compiler fence with membarrier) and one load of
//! a word that only sleepers write.
//!
//! Closing always takes the mutex and notifies everyone, so a closing
//! thread needs no fast-path reasoning at all.

use crate::barrier;
use crate::sync::{spin_hint, yield_now, AtomicUsize, Condvar, Mutex, Ordering};
use crate::Wait;
use std::time::Instant;

/// Exponential back-off: spin `2^step` hints, then yield, like crossbeam's
/// `Backoff` but routed through the sync facade so loom can schedule it.
pub(crate) struct Backoff {
    step: u32,
}

/// Steps that spin before the back-off starts yielding.
const SPIN_STEPS: u32 = if cfg!(loom) { 0 } else { 6 };
/// Steps after which a `Park` waiter stops yielding and sleeps.
const PARK_AFTER: u32 = if cfg!(loom) { 0 } else { 11 };

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
}

/// Where threads of one side sleep until the other side makes progress.
#[derive(Debug, Default)]
pub(crate) struct WaitPoint {
    sleepers: AtomicUsize,
    lock: Mutex,
    cond: Condvar,
}

impl WaitPoint {
    /// Wakes one sleeper, if any. The caller published progress and then
    /// ran `barrier::light()` (F1); see the module docs for why that and a
    /// Relaxed load suffice.
    #[inline]
    pub(crate) fn notify_one_after_fence(&self) {
        if self.sleepers.load(Ordering::Relaxed) != 0 {
            self.wake(false);
        }
    }

    /// Wakes every sleeper (closing). Always takes the lock: rare, and it
    /// makes the close hand-off independent of the fence argument.
    pub(crate) fn notify_all(&self) {
        self.wake(true);
    }

    #[cold]
    fn wake(&self, all: bool) {
        let _guard = self.lock.lock();
        if all {
            self.cond.notify_all();
        } else {
            self.cond.notify_one();
        }
    }

    /// Sleeps until `attempt` returns `Some` or `deadline` passes (then
    /// `None`). `attempt` is re-run after every wake-up, with the mutex held.
    fn sleep<R>(
        &self,
        deadline: Option<Instant>,
        attempt: &mut impl FnMut() -> Option<R>,
    ) -> Option<R> {
        let mut guard = self.lock.lock();
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        barrier::heavy(); // F2
        let outcome = loop {
            if let Some(done) = attempt() {
                break Some(done);
            }
            if deadline.is_some_and(crate::sync::expired) {
                break None;
            }
            self.cond.wait(&mut guard, deadline);
        };
        // Relaxed: a stale non-zero only costs a waker one needless lock.
        self.sleepers.fetch_sub(1, Ordering::Relaxed);
        drop(guard);
        outcome
    }
}

/// Retries `attempt` by `strategy` until it returns `Some` (then that) or
/// `deadline` passes (then `None`). The caller has already tried once.
pub(crate) fn wait_until<R>(
    strategy: Wait,
    point: &WaitPoint,
    deadline: Option<Instant>,
    mut attempt: impl FnMut() -> Option<R>,
) -> Option<R> {
    let mut backoff = Backoff::new();
    loop {
        match strategy {
            Wait::Spin => backoff.spin(),
            Wait::Yield => backoff.snooze(),
            Wait::Park if backoff.should_park() => return point.sleep(deadline, &mut attempt),
            Wait::Park => backoff.snooze(),
        }
        if let Some(done) = attempt() {
            return Some(done);
        }
        if deadline.is_some_and(crate::sync::expired) {
            return None;
        }
    }
}
