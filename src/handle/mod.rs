//! The handles: [`Producer`] and [`Consumer`], one pair of types for every
//! topology and policy, each method written once over the
//! [`Ring`](crate::ring::Ring) contract.

mod consumer;
mod producer;

pub use consumer::{Consumer, IntoIter, Iter, TryIter};
pub use producer::Producer;

use crate::sync::Arc;
use crate::topology::{ManyConsumers, ManyProducers, Topology};
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

/// Turns a timeout into a deadline; one too far to represent never passes.
fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// The first producer and consumer of a new ring.
pub(crate) fn pair<T, K: Topology>(ring: K::Ring<T>) -> (Producer<T, K>, Consumer<T, K>) {
    let ring = Arc::new(ring);
    (Producer::new(ring.clone()), Consumer::new(ring, 0))
}
