//! Whether the calling thread woke a sleeper a moment ago: then its own
//! next `Wait::Park` wait keeps yielding a little longer before it sleeps.
//!
//! A sleeper takes a while to run again after its wake-up (17-19 us at the
//! median on an Intel host, 3-9 us on an AMD one, against a few
//! microseconds of spinning before a `Park` waiter sleeps). A thread that
//! has just woken its partner and then waits for it (a producer that fills
//! a small ring while its consumer wakes up, a ping that waits for the pong
//! of the thread it woke) would sleep before the partner even runs, and
//! the partner, finding it asleep in turn, would sleep too: every few
//! values a sleep and a wake-up each way. Waiting out the partner's
//! wake-up breaks that cycle. Only such a thread waits longer: a waiter
//! that woke nobody sleeps as soon as before, so an idle receiver costs no
//! more CPU and wakes as fast as before.
//!
//! Under loom there is no clock: nobody waits longer.

#[cfg(not(loom))]
mod imp {
    use std::cell::Cell;
    use std::time::{Duration, Instant};

    /// How long after waking a sleeper this thread's `Park` waits keep
    /// yielding: about three median wake-ups on the slower host measured.
    const GRACE: Duration = Duration::from_micros(50);

    thread_local! {
        static WOKE_AT: Cell<Option<Instant>> = const { Cell::new(None) };
    }

    /// This thread has just woken a sleeper.
    pub(crate) fn note() {
        // A thread being torn down has no waits left to lengthen.
        let _ = WOKE_AT.try_with(|at| at.set(Some(Instant::now())));
    }

    /// Whether this thread woke a sleeper less than [`GRACE`] ago.
    pub(crate) fn within_grace() -> bool {
        WOKE_AT
            .try_with(|at| at.get().is_some_and(|woke| inside(woke, Instant::now())))
            .unwrap_or(false)
    }

    /// Whether `now` is less than [`GRACE`] after `woke`.
    fn inside(woke: Instant, now: Instant) -> bool {
        now.saturating_duration_since(woke) < GRACE
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_grace_runs_for_fifty_microseconds_after_the_wake() {
            let woke = Instant::now();
            assert!(inside(woke, woke));
            assert!(inside(woke, woke + Duration::from_micros(49)));
            assert!(!inside(woke, woke + GRACE));
            assert!(!inside(woke, woke + Duration::from_millis(1)));
        }

        #[test]
        fn the_grace_belongs_to_the_thread_that_woke() {
            // A new thread has woken nobody.
            assert!(!std::thread::spawn(within_grace).join().unwrap());
            note();
            assert!(WOKE_AT.with(Cell::get).is_some());
            // Another thread is not in this thread's grace.
            assert!(!std::thread::spawn(within_grace).join().unwrap());
        }
    }
}

#[cfg(loom)]
mod imp {
    pub(crate) fn note() {}

    pub(crate) fn within_grace() -> bool {
        false
    }
}

pub(crate) use imp::*;
