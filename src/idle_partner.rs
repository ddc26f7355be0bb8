//! Whether the calling thread's last `Wait::Park` wait slept long: then its
//! partner is idle, not streaming, and its next wait sleeps as soon as it
//! has spun, without yielding first.
//!
//! A `Park` waiter spins, yields a few times and then sleeps. The yields
//! pay off when threads outnumber cores: a waiter that yields lets the
//! thread it waits for run on its core, and is back before that thread
//! would have had to wake it (on two cores, 2p1c blocking throughput took
//! three times as long without them). But a thread that yielded and then
//! slept wakes up slowly on Linux: an idle receiver woken 1 ms after it
//! went to sleep took ~10 us at the median on an Intel host, against ~2
//! us for one that slept without yielding first (one yield is enough to
//! cost that, and spinning after the yields does not undo it). A thread
//! whose last wait ended after a long sleep waits on a partner that sends
//! now and then, where the wake-up is what counts, so it skips the yields;
//! a wait that ends before sleeping, or after a short sleep, means a busy
//! partner, and the yields come back.
//!
//! Under loom there is no clock: nobody skips the yields.

#[cfg(not(loom))]
mod imp {
    use std::cell::Cell;
    use std::time::{Duration, Instant};

    /// A sleep at least this long means the partner was idle: well above
    /// the wake-up of a busy partner (17-19 us measured on the slower
    /// host) plus its work, well below the gaps of a partner that sends
    /// now and then.
    const LONG_SLEEP: Duration = Duration::from_micros(250);

    thread_local! {
        static SLEPT_LONG: Cell<bool> = const { Cell::new(false) };
    }

    /// When a sleep began.
    pub(crate) struct SleepStart(Instant);

    /// This thread is about to sleep.
    pub(crate) fn sleep_starts() -> SleepStart {
        SleepStart(Instant::now())
    }

    /// This thread's sleep that began at `start` is over.
    pub(crate) fn sleep_ended(start: SleepStart) {
        record(long(start.0, Instant::now()));
    }

    /// This thread's wait ended without sleeping: its partner is busy.
    pub(crate) fn woke_without_sleeping() {
        record(false);
    }

    /// Whether this thread's last wait ended after a long sleep.
    pub(crate) fn slept_long() -> bool {
        SLEPT_LONG.try_with(Cell::get).unwrap_or(false)
    }

    fn record(slept_long: bool) {
        // A thread being torn down has no waits left to shorten.
        let _ = SLEPT_LONG.try_with(|s| s.set(slept_long));
    }

    /// Whether a sleep from `start` to `end` was a long one.
    fn long(start: Instant, end: Instant) -> bool {
        end.saturating_duration_since(start) >= LONG_SLEEP
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_sleep_is_long_from_250_microseconds() {
            let start = Instant::now();
            assert!(!long(start, start));
            assert!(!long(start, start + Duration::from_micros(249)));
            assert!(long(start, start + LONG_SLEEP));
            assert!(long(start, start + Duration::from_millis(1)));
        }

        #[test]
        fn the_last_wait_decides_and_belongs_to_its_thread() {
            std::thread::spawn(|| {
                // A new thread has not slept.
                assert!(!slept_long());
                record(true);
                assert!(slept_long());
                // Another thread has its own history.
                assert!(!std::thread::spawn(slept_long).join().unwrap());
                woke_without_sleeping();
                assert!(!slept_long());
            })
            .join()
            .unwrap();
        }
    }
}

#[cfg(loom)]
mod imp {
    pub(crate) struct SleepStart;

    pub(crate) fn sleep_starts() -> SleepStart {
        SleepStart
    }

    pub(crate) fn sleep_ended(_: SleepStart) {}

    pub(crate) fn woke_without_sleeping() {}

    pub(crate) fn slept_long() -> bool {
        false
    }
}

pub(crate) use imp::{sleep_ended, sleep_starts, slept_long, woke_without_sleeping};
