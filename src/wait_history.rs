//! What the calling thread's recent waits and wake-ups say about its
//! partner, and so how soon its next `Wait::Park` wait goes to sleep.
//!
//! A `Park` waiter spins, yields a few times and then sleeps. Two facts of
//! this thread's history change that, both kept in one thread-local record
//! read once per decision ([`sleep_at_once`] when a wait begins,
//! [`time_to_sleep`] at each step of its back-off):
//!
//! - **It woke a sleeper a moment ago** (less than [`GRACE`]): then it keeps
//!   yielding instead of sleeping. A sleeper takes a while to run again
//!   after its wake-up (17-19 us at the median on an Intel host, 3-9 us on
//!   an AMD one, against a few microseconds of spinning before a `Park`
//!   waiter sleeps). A thread that has just woken its partner and then
//!   waits for it (a producer that fills a small ring while its consumer
//!   wakes up, a ping that waits for the pong of the thread it woke) would
//!   sleep before the partner even runs, and the partner, finding it
//!   asleep in turn, would sleep too: every few values a sleep and a
//!   wake-up each way. Waiting out the partner's wake-up breaks that cycle.
//!   A waiter that woke nobody sleeps as soon as before, so an idle
//!   receiver costs no more CPU.
//! - **Its last wait ended after a long sleep** (at least [`LONG_SLEEP`]):
//!   then its partner is idle, not streaming, and it sleeps at once,
//!   without spinning or yielding first (unless it is in the grace above;
//!   then it sleeps as soon as the grace is over and it has spun). The
//!   spin costs an idle partner's wake-up too: a thread that spun before
//!   it slept is slower to be scheduled once woken (`wake_latency`, a
//!   receiver woken 1 ms after it went to sleep, Intel host, paired: p50
//!   2.4-2.9 us after the spin, 2.0-2.3 without, std's channel 1.9-2.1 in
//!   the same runs). The yields pay off when threads
//!   outnumber cores: a waiter that yields lets the thread it waits for run
//!   on its core, and is back before that thread would have had to wake it
//!   (on two cores, 2p1c blocking throughput took three times as long
//!   without them). But a thread that yielded and then slept wakes up
//!   slowly on Linux: an idle receiver woken 1 ms after it went to sleep
//!   took ~10 us at the median on an Intel host, against ~2 us for one
//!   that slept without yielding first (one yield is enough to cost that,
//!   and spinning after the yields does not undo it). A wait that ends
//!   before sleeping, or after a short sleep, means a busy partner, and the
//!   yields come back.
//!
//! Under loom there is no clock: the history is empty and every waiter
//! sleeps when its back-off says so.

use crate::wait::Backoff;

#[cfg(not(loom))]
mod imp {
    use super::Backoff;
    use std::cell::Cell;
    use std::time::{Duration, Instant};

    /// How long after waking a sleeper this thread's `Park` waits keep
    /// yielding: about three median wake-ups on the slower host measured.
    const GRACE: Duration = Duration::from_micros(50);

    /// A sleep at least this long means the partner was idle: well above
    /// the wake-up of a busy partner (17-19 us measured on the slower
    /// host) plus its work, well below the gaps of a partner that sends
    /// now and then.
    const LONG_SLEEP: Duration = Duration::from_micros(250);

    /// One thread's history.
    #[derive(Clone, Copy)]
    struct History {
        /// When this thread last woke a sleeper.
        woke_at: Option<Instant>,
        /// Whether this thread's last `Park` wait ended after a long sleep.
        slept_long: bool,
    }

    impl History {
        /// A thread that has neither woken nor waited.
        const NEW: Self = Self {
            woke_at: None,
            slept_long: false,
        };

        /// Whether a `Park` waiter with this history and this back-off
        /// sleeps now; `now` is asked for only when the back-off alone
        /// would let it sleep.
        fn sleeps(self, backoff: &Backoff, now: impl FnOnce() -> Instant) -> bool {
            let ready = backoff.should_park() || backoff.spun() && self.slept_long;
            ready && !self.in_grace(now)
        }

        /// Whether a `Park` waiter with this history sleeps as its wait
        /// begins, before any spin.
        fn sleeps_at_once(self, now: impl FnOnce() -> Instant) -> bool {
            self.slept_long && !self.in_grace(now)
        }

        /// Whether this thread woke a sleeper less than [`GRACE`] before
        /// `now` (asked for only if it woke one at all).
        fn in_grace(self, now: impl FnOnce() -> Instant) -> bool {
            self.woke_at.is_some_and(|woke| within(woke, now(), GRACE))
        }
    }

    thread_local! {
        static HISTORY: Cell<History> = const { Cell::new(History::NEW) };
    }

    /// Whether `later` is less than `span` after `earlier`.
    fn within(earlier: Instant, later: Instant, span: Duration) -> bool {
        later.saturating_duration_since(earlier) < span
    }

    /// This thread's history; a new one while the thread is torn down.
    fn read() -> History {
        HISTORY.try_with(Cell::get).unwrap_or(History::NEW)
    }

    /// Changes this thread's history. A thread being torn down has no
    /// waits left to shape, so nothing is lost if its record is gone.
    fn update(change: impl FnOnce(&mut History)) {
        let _ = HISTORY.try_with(|cell| {
            let mut history = cell.get();
            change(&mut history);
            cell.set(history);
        });
    }

    /// Whether this thread's `Park` wait, at this point of its back-off,
    /// goes to sleep now (see the module docs).
    pub(crate) fn time_to_sleep(backoff: &Backoff) -> bool {
        // Still spinning: nothing in the history can make it sleep yet, so
        // the record is not read.
        if !backoff.spun() {
            return false;
        }
        read().sleeps(backoff, Instant::now)
    }

    /// Whether this thread's `Park` wait, as it begins, goes to sleep
    /// without spinning (see the module docs).
    pub(crate) fn sleep_at_once() -> bool {
        read().sleeps_at_once(Instant::now)
    }

    /// This thread has just woken a sleeper.
    pub(crate) fn woke_a_sleeper() {
        update(|history| history.woke_at = Some(Instant::now()));
    }

    /// When a sleep began.
    pub(crate) struct SleepStart(Instant);

    /// This thread is about to sleep.
    pub(crate) fn sleep_starts() -> SleepStart {
        SleepStart(Instant::now())
    }

    /// This thread's sleep that began at `start` is over.
    pub(crate) fn sleep_ended(start: SleepStart) {
        let long = !within(start.0, Instant::now(), LONG_SLEEP);
        update(|history| history.slept_long = long);
    }

    /// This thread's `Park` wait ended without sleeping: its partner is
    /// busy.
    pub(crate) fn woke_without_sleeping() {
        update(|history| history.slept_long = false);
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// A back-off that has just stopped spinning, and one that has
        /// yielded enough to sleep.
        fn backoffs() -> (Backoff, Backoff) {
            let mut spun = Backoff::new();
            while !spun.spun() {
                spun.snooze();
            }
            let mut done = Backoff::new();
            while !done.should_park() {
                done.snooze();
            }
            (spun, done)
        }

        #[test]
        fn a_long_sleep_skips_the_yields_and_a_short_one_keeps_them() {
            let (spun, done) = backoffs();
            let new = History::NEW;
            let now = Instant::now();
            // Nothing in the history: sleep when the back-off says so.
            assert!(!new.sleeps(&spun, || now));
            assert!(new.sleeps(&done, || now));
            let slept_long = History {
                slept_long: true,
                ..new
            };
            assert!(slept_long.sleeps(&spun, || now));
            assert!(!slept_long.sleeps(&Backoff::new(), || now));
        }

        #[test]
        fn only_a_long_sleep_outside_the_grace_makes_the_next_wait_sleep_at_once() {
            let now = Instant::now();
            assert!(!History::NEW.sleeps_at_once(|| now));
            let slept_long = History {
                slept_long: true,
                ..History::NEW
            };
            assert!(slept_long.sleeps_at_once(|| now));
            let woke = History {
                woke_at: Some(now),
                ..slept_long
            };
            assert!(!woke.sleeps_at_once(|| now + Duration::from_micros(49)));
            assert!(woke.sleeps_at_once(|| now + GRACE));
        }

        #[test]
        fn the_grace_after_a_wake_keeps_the_waiter_up_for_fifty_microseconds() {
            let (_, done) = backoffs();
            let woke = Instant::now();
            let history = History {
                woke_at: Some(woke),
                slept_long: true,
            };
            assert!(!history.sleeps(&done, || woke));
            assert!(!history.sleeps(&done, || woke + Duration::from_micros(49)));
            assert!(history.sleeps(&done, || woke + GRACE));
            assert!(history.sleeps(&done, || woke + Duration::from_millis(1)));
        }

        #[test]
        fn a_sleep_is_long_from_250_microseconds() {
            let start = Instant::now();
            assert!(within(start, start, LONG_SLEEP));
            assert!(within(
                start,
                start + Duration::from_micros(249),
                LONG_SLEEP
            ));
            assert!(!within(start, start + LONG_SLEEP, LONG_SLEEP));
        }

        #[test]
        fn the_history_belongs_to_its_thread_and_the_last_wait_decides() {
            std::thread::spawn(|| {
                let read = || HISTORY.with(Cell::get);
                // A new thread has woken nobody and not slept.
                assert!(read().woke_at.is_none() && !read().slept_long);
                woke_a_sleeper();
                assert!(read().woke_at.is_some());
                update(|history| history.slept_long = true);
                // Another thread has its own history.
                let other = std::thread::spawn(move || {
                    let h = HISTORY.with(Cell::get);
                    h.woke_at.is_none() && !h.slept_long
                });
                assert!(other.join().unwrap());
                woke_without_sleeping();
                assert!(!read().slept_long);
                // (Starts made by hand: a real sleep could be preempted
                // for longer than `LONG_SLEEP` on a busy host.)
                sleep_ended(SleepStart(Instant::now() - Duration::from_millis(1)));
                assert!(read().slept_long, "a 1 ms sleep is long");
                sleep_ended(SleepStart(Instant::now() + Duration::from_secs(60)));
                assert!(!read().slept_long, "a sleep of no time is short");
            })
            .join()
            .unwrap();
        }
    }
}

#[cfg(loom)]
mod imp {
    use super::Backoff;

    pub(crate) fn sleep_at_once() -> bool {
        false
    }

    pub(crate) fn time_to_sleep(backoff: &Backoff) -> bool {
        backoff.should_park()
    }

    pub(crate) fn woke_a_sleeper() {}

    pub(crate) struct SleepStart;

    pub(crate) fn sleep_starts() -> SleepStart {
        SleepStart
    }

    pub(crate) fn sleep_ended(_: SleepStart) {}

    pub(crate) fn woke_without_sleeping() {}
}

pub(crate) use imp::{
    sleep_at_once, sleep_ended, sleep_starts, time_to_sleep, woke_a_sleeper, woke_without_sleeping,
};
