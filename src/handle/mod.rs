//! The handles: [`Producer`] and [`Consumer`], one pair of types for every
//! topology and policy, each method written once over the
//! [`Ring`](crate::ring::Ring) contract.

mod consumer;
#[cfg(feature = "async")]
mod future;
mod producer;
#[cfg(feature = "async")]
mod stream;

pub use consumer::{Consumer, IntoIter, Iter, TryIter};
#[cfg(feature = "async")]
pub use future::{RecvFuture, SendFuture};
pub use producer::Producer;

use crate::ring::Ring;
use crate::sync::Arc;
use crate::topology::{ManyConsumers, ManyProducers, Topology};
use crossbeam_utils::CachePadded;
use std::cell::UnsafeCell;
use std::fmt;
use std::time::{Duration, Instant};

// SAFETY: a handle is an `Arc` of its ring and the handle's own state of
// the protocol's. For `T: Send`, every ring protocol is `Send + Sync` and
// every protocol's state is `Send` (`_protocols_are_thread_safe` checks each
// one at compile time), so a handle may move to another thread. Written out
// rather than derived so that code generic over `K` knows it too.
unsafe impl<T: Send, K: Topology> Send for Producer<T, K> {}
// SAFETY: as for `Send` of `Producer`.
unsafe impl<T: Send, K: Topology> Send for Consumer<T, K> {}
// SAFETY: producers of these topologies may be shared: their calls through
// `&self` never touch the handle's own state of the protocol's (each makes
// its own, see `Producer::with_local`), and the ring is `Sync`. Handles of
// the other topologies are not `Sync`: their `&self` calls lend that state.
unsafe impl<T: Send, K: ManyProducers> Sync for Producer<T, K> {}
// SAFETY: as for `Sync` of `Producer`, with `Consumer::with_local`; the
// handle's counters are atomics.
unsafe impl<T: Send, K: ManyConsumers> Sync for Consumer<T, K> {}

// Nothing in a handle is ever pinned (values move in and out of the ring,
// a `Sink`'s held value included, and the protocol state is plain data),
// so a handle may move whatever `T` is: `Stream`/`Sink` and the futures
// that borrow a handle work on it without `Box::pin`.
impl<T, K: Topology> Unpin for Producer<T, K> {}
impl<T, K: Topology> Unpin for Consumer<T, K> {}

/// Fails to compile unless what the `Send`/`Sync` impls above claim of each
/// ring protocol holds.
#[allow(dead_code)]
fn _protocols_are_thread_safe<T: Send>() {
    use crate::protocol::{SpscRing, StampedRing};
    use crate::ring::Ring;
    fn shared<X: Send + Sync>() {}
    fn owned<X: Send>() {}
    shared::<SpscRing<T>>();
    shared::<StampedRing<T>>();
    owned::<<SpscRing<T> as Ring<T>>::PushLocal>();
    owned::<<SpscRing<T> as Ring<T>>::PopLocal>();
    owned::<<StampedRing<T> as Ring<T>>::PushLocal>();
    owned::<<StampedRing<T> as Ring<T>>::PopLocal>();
}

/// A handle's own state of the protocol's (cached indices), on cache lines
/// of its own, lent to one call at a time.
struct Local<L>(CachePadded<UnsafeCell<L>>);

impl<L> Local<L> {
    fn new(state: L) -> Self {
        Self(CachePadded::new(UnsafeCell::new(state)))
    }

    /// The state, for a call that holds the handle by `&mut`.
    fn get_mut(&mut self) -> &mut L {
        self.0.get_mut()
    }

    /// Runs `call` with protocol state: a fresh one from `fresh` where the
    /// handle may be shared (`shared`), else this one.
    ///
    /// # Safety
    /// Unless `shared`, the handle that holds this state is not `Sync`, and
    /// `call` runs none of the user's code (a `clone`, a `Drop`, a
    /// callback): then only the handle's thread is here, and no other
    /// borrow of the state can begin before this one ends.
    #[inline(always)]
    unsafe fn lend<R>(
        &self,
        shared: bool,
        fresh: impl FnOnce() -> L,
        call: impl FnOnce(&mut L) -> R,
    ) -> R {
        if shared {
            call(&mut fresh())
        } else {
            // SAFETY: by the caller's contract, the only borrow of the state
            // while it lives.
            call(unsafe { &mut *self.0.get() })
        }
    }
}

/// Runs a handle's duty for the `done` values of a batch when dropped, so
/// that it runs also when the user's code (a `clone`, a callback, a
/// value's `Drop`) panics part-way through the batch.
struct AfterBatch<'a, H, F: Fn(&H, usize)> {
    handle: &'a mut H,
    done: usize,
    duty: F,
}

impl<H, F: Fn(&H, usize)> Drop for AfterBatch<'_, H, F> {
    fn drop(&mut self) {
        (self.duty)(self.handle, self.done);
    }
}

/// Formats a handle as its name with its ring's length and capacity.
fn fmt_handle<T, R: Ring<T>>(name: &str, ring: &R, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.debug_struct(name)
        .field("len", &ring.len())
        .field("capacity", &ring.capacity())
        .finish_non_exhaustive()
}

/// Turns a timeout into a deadline; one too far to represent never passes.
fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// The first producer and consumer of a new ring.
pub(crate) fn pair<T, K: Topology>(ring: K::Ring<T>) -> (Producer<T, K>, Consumer<T, K>) {
    let ring = Arc::new(ring);
    (Producer::new(ring.clone()), Consumer::new(ring, 0))
}
