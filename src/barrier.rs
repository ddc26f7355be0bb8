//! An asymmetric fence pair for the sleep/wake hand-off: the side that runs
//! on every send and receive pays a compiler fence, the side about to sleep
//! pays a system call.
//!
//! The wake-up protocol (see `wait.rs`) is a store-then-load on each side
//! (a Dekker pattern): the waker publishes progress and then reads whether
//! anyone sleeps; the sleeper announces itself and then re-reads progress.
//! Each side needs a full fence between its store and its load, or both
//! loads may miss both stores. A `fence(SeqCst)` on the waker's side costs
//! a full store-buffer drain on every message.
//!
//! On Linux, `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` makes every
//! running thread of the process execute a full memory barrier before it
//! returns (and a thread that is not running passes one when it is
//! switched). So the sleeper calls it ([`heavy`]) and the waker needs only
//! to keep the compiler from reordering its store and load ([`light`]):
//! either the waker's load comes after its barrier point and sees the
//! sleeper's announcement, or its store came before that point and the
//! sleeper's re-check sees it.
//!
//! Where membarrier is unavailable (not Linux, an old kernel, a sandbox
//! that forbids it, Miri, loom), both sides use `fence(SeqCst)`, which loom
//! checks. Which mode applies is decided once per process, before the first
//! ring exists, and never changes.

use crate::sync::{fence, Ordering};
use std::sync::atomic::compiler_fence;

#[cfg(all(target_os = "linux", not(loom), not(miri)))]
mod imp {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Once;

    const MEMBARRIER_CMD_PRIVATE_EXPEDITED: libc::c_int = 1 << 3;
    const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_int = 1 << 4;

    static REGISTER: Once = Once::new();
    /// Set once, inside `REGISTER`, before any ring that reads it exists.
    static AVAILABLE: AtomicBool = AtomicBool::new(false);

    fn membarrier(cmd: libc::c_int) -> bool {
        // SAFETY: membarrier takes two integers and touches no memory of ours.
        unsafe { libc::syscall(libc::SYS_membarrier, cmd, 0 as libc::c_uint) == 0 }
    }

    pub(super) fn init() {
        REGISTER.call_once(|| {
            let ok = membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED);
            // Relaxed: `Once` orders this store before every `init` returns,
            // and rings reach other threads through synchronizing hand-offs.
            AVAILABLE.store(ok, Ordering::Relaxed);
        });
    }

    #[inline(always)]
    pub(super) fn available() -> bool {
        AVAILABLE.load(Ordering::Relaxed)
    }

    pub(super) fn heavy_when_available() {
        if !membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) {
            // Registration succeeded, so this cannot fail short of a kernel
            // bug; a lost wake-up would be silent, so refuse to go on.
            std::process::abort();
        }
    }
}

#[cfg(not(all(target_os = "linux", not(loom), not(miri))))]
mod imp {
    pub(super) fn init() {}

    #[inline(always)]
    pub(super) fn available() -> bool {
        false
    }

    pub(super) fn heavy_when_available() {}
}

/// Decides the mode for this process; call before creating a ring.
pub(crate) fn init() {
    imp::init();
}

/// Whether the cheap pairing works in this process: the waker needs only
/// [`light`]. Otherwise the waker must also run `fence(SeqCst)`; a
/// `WaitPoint` records which in its state word, so the waker's fast path
/// does not test this (a load of a global) on every message.
pub(crate) fn cheap() -> bool {
    imp::available()
}

/// The waker's fence when [`cheap`]: between publishing progress and reading
/// the sleepers. Only a compiler fence; see the module docs.
#[inline(always)]
pub(crate) fn light() {
    compiler_fence(Ordering::SeqCst);
}

/// The waker's fence when not [`cheap`]: pairs with the sleeper's
/// `fence(SeqCst)` in [`heavy`].
#[inline]
pub(crate) fn light_fallback() {
    fence(Ordering::SeqCst);
}

/// The sleeper's fence: between announcing itself and re-checking.
pub(crate) fn heavy() {
    if imp::available() {
        imp::heavy_when_available();
    } else {
        fence(Ordering::SeqCst);
    }
}
