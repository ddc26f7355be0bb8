//! The one place that chooses between real synchronization primitives and
//! loom's models of them.
//!
//! Every other module imports atomics, cells, `Arc`, the mutex/condvar pair
//! and the spin hint from here, so the same protocol source is what runs in
//! production (`std` + `parking_lot`) and what loom explores under
//! `RUSTFLAGS="--cfg loom"`.

#[cfg(not(loom))]
mod imp {
    pub(crate) use std::sync::atomic::{fence, AtomicUsize, Ordering};
    pub(crate) use std::sync::Arc;
    use std::time::Instant;

    /// `UnsafeCell` with loom's closure-based access API. Transparent, so
    /// that a run of cells of `MaybeUninit<T>` has the layout of a `[T]`
    /// (the SPSC ring hands such runs out in place, see `spsc/blocks.rs`).
    #[derive(Debug)]
    #[repr(transparent)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        #[inline(always)]
        pub(crate) const fn new(value: T) -> Self {
            Self(std::cell::UnsafeCell::new(value))
        }

        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }

    /// The mutex of the sleep/wake hand-off, holding the waiting tasks.
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(parking_lot::Mutex<T>);

    /// Proof that [`Mutex`] is held, and access to what it holds.
    pub(crate) struct MutexGuard<'a, T>(parking_lot::MutexGuard<'a, T>);

    impl<T> Mutex<T> {
        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            MutexGuard(self.0.lock())
        }
    }

    impl<T> std::ops::Deref for MutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            &self.0
        }
    }

    impl<T> std::ops::DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            &mut self.0
        }
    }

    /// Condition variable paired with [`Mutex`].
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(parking_lot::Condvar);

    impl Condvar {
        /// Sleeps until notified or until `deadline`; spurious wake-ups are
        /// allowed, callers re-check their condition.
        pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>, deadline: Option<Instant>) {
            match deadline {
                Some(deadline) => {
                    self.0.wait_until(&mut guard.0, deadline);
                }
                None => self.0.wait(&mut guard.0),
            }
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }

    /// One iteration of a busy-wait.
    #[inline(always)]
    pub(crate) fn spin_hint() {
        std::hint::spin_loop();
    }

    /// Gives the rest of the time slice away.
    #[inline]
    pub(crate) fn yield_now() {
        std::thread::yield_now();
    }

    /// Whether `deadline` has passed.
    #[inline]
    pub(crate) fn expired(deadline: Instant) -> bool {
        Instant::now() >= deadline
    }

    /// How long ago `start` was.
    #[inline]
    pub(crate) fn elapsed(start: Instant) -> std::time::Duration {
        start.elapsed()
    }

    /// Sleeps for `span`, without anyone able to cut it short.
    pub(crate) fn sleep(span: std::time::Duration) {
        std::thread::sleep(span);
    }
}

#[cfg(loom)]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{fence, AtomicUsize, Ordering};
    pub(crate) use loom::sync::Arc;
    use std::time::Instant;

    /// loom's mutex, with the std-style poisoning folded away.
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    /// Proof that [`Mutex`] is held (an `Option` so a wait can move it).
    pub(crate) struct MutexGuard<'a, T>(Option<loom::sync::MutexGuard<'a, T>>);

    impl<T> Mutex<T> {
        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            MutexGuard(Some(self.0.lock().unwrap()))
        }
    }

    impl<T> std::ops::Deref for MutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            self.0.as_ref().expect("guard present")
        }
    }

    impl<T> std::ops::DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            self.0.as_mut().expect("guard present")
        }
    }

    /// loom's condition variable.
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        /// loom has no clock: a wait with a deadline is modelled as a
        /// timeout that fires at once (the caller re-checks its condition,
        /// then sees the deadline as passed, see [`expired`]), which is the
        /// interleaving where the timer beats every notification.
        pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>, deadline: Option<Instant>) {
            if deadline.is_some() {
                return;
            }
            let inner = guard.0.take().expect("guard present");
            guard.0 = Some(self.0.wait(inner).unwrap());
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }

    /// Under loom a busy-wait must hand control to the scheduler, or the
    /// model would explore an unbounded spin.
    #[inline]
    pub(crate) fn spin_hint() {
        loom::thread::yield_now();
    }

    /// See [`spin_hint`].
    #[inline]
    pub(crate) fn yield_now() {
        loom::thread::yield_now();
    }

    /// Every deadline counts as passed the first time it is checked after a
    /// wait; see [`Condvar::wait`].
    #[inline]
    pub(crate) fn expired(_deadline: Instant) -> bool {
        true
    }

    /// loom has no clock: every span counts as having lasted forever, as
    /// with [`expired`]. A waiter's pace (see `wait.rs`) then counts each
    /// sleep as long, and its code runs as in production.
    #[inline]
    pub(crate) fn elapsed(_start: Instant) -> std::time::Duration {
        std::time::Duration::MAX
    }

    /// A timed sleep is a yield to loom's scheduler: the other threads may
    /// run meanwhile, and nothing can cut it short, as in production.
    pub(crate) fn sleep(_span: std::time::Duration) {
        loom::thread::yield_now();
    }
}

pub(crate) use imp::*;
