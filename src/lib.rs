//! # ringweir
//!
//! Bounded, lock-free, cache-padded ring buffers for passing values between
//! threads, where **what happens when the producer outruns the consumer is
//! your choice**, made once when the ring is built:
//!
//! | you want | [`Overflow`] | a `send` on a full ring |
//! |---|---|---|
//! | to slow the producer down | [`Block`](Overflow::Block) (default) | waits by the ring's [`Wait`] strategy |
//! | to drop the incoming value | [`DropNewest`](Overflow::DropNewest) | hands it back as [`Sent::Dropped`] |
//! | the latest state to win | [`DropOldest`](Overflow::DropOldest) | evicts the oldest, hands it back as [`Sent::Evicted`] |
//!
//! Every refused or evicted value is handed back and counted ([`Stats`]),
//! a consumer can ask how much it lost ([`lagged`](spsc::Consumer::lagged)),
//! and a producer can slow itself down before the ring is full
//! ([`pressure`](spsc::Producer::pressure), with hysteresis).
//!
//! ```
//! use ringweir::{Builder, Overflow, Sent};
//!
//! // Latest state wins: a producer that never waits, a reader that may lag.
//! let (mut tx, mut rx) = Builder::new(2).overflow(Overflow::DropOldest).spsc::<u32>()?;
//! for score in [10, 20, 30] {
//!     if let Sent::Evicted(old) = tx.send(score).unwrap() {
//!         assert_eq!(old, 10);
//!     }
//! }
//! assert_eq!(rx.lagged(), 1);
//! assert_eq!(rx.try_iter().collect::<Vec<_>>(), [20, 30]);
//! # Ok::<(), ringweir::CapacityError>(())
//! ```
//!
//! ## Closing
//! Dropping the producer closes the ring for the consumer, which still
//! drains what is queued before [`recv`](spsc::Consumer::recv) reports
//! [`RecvError`]. Dropping the consumer closes it for the producer: sends
//! hand the value back in their error, and the values still queued are
//! dropped right away, each exactly once.
//!
//! ## Waiting
//! [`Wait::Park`] (default) spins briefly, then sleeps; with nobody asleep
//! a send or receive takes no lock and makes no syscall. [`Wait::Spin`] and
//! [`Wait::Yield`] never sleep: lowest latency, but they collapse when
//! there are more busy threads than cores.

#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod api;
mod barrier;
mod builder;
mod cold;
mod error;
mod handle;
mod multi_producer;
mod policy;
mod ring;
mod shared;
mod slots;
mod stamped;
mod stats;
mod sync;
mod wait;
mod wait_history;

pub mod mpmc;
pub mod mpsc;
pub mod spsc;

pub use api::{Iter, TryIter};
pub use builder::Builder;
pub use error::{
    CapacityError, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError,
    TrySendError,
};
pub use policy::{Overflow, Pressure, Sent, Wait};
pub use stats::Stats;

mod layout_checks {
    use crate::{mpmc, mpsc, spsc};
    use static_assertions::{assert_impl_all, assert_not_impl_any};

    // Handles move to the threads that use them.
    assert_impl_all!(spsc::Producer<u64>: Send);
    assert_impl_all!(spsc::Consumer<u64>: Send);
    assert_impl_all!(spsc::Producer<std::sync::mpsc::Sender<u8>>: Send);
    // One producer and one consumer: the handles cannot be duplicated, and a
    // value that is not `Send` cannot cross threads through them.
    assert_not_impl_any!(spsc::Producer<u64>: Clone);
    assert_not_impl_any!(spsc::Consumer<u64>: Clone);
    assert_not_impl_any!(spsc::Producer<std::rc::Rc<u8>>: Send);
    assert_not_impl_any!(spsc::Consumer<std::rc::Rc<u8>>: Send);
    // Scale-out handles are cloned, one per thread.
    assert_impl_all!(mpsc::Producer<u64>: Send, Clone);
    assert_impl_all!(mpsc::Consumer<u64>: Send);
    assert_not_impl_any!(mpsc::Consumer<u64>: Clone);
    assert_impl_all!(mpmc::Producer<u64>: Send, Clone);
    assert_impl_all!(mpmc::Consumer<u64>: Send, Clone);
    assert_not_impl_any!(mpmc::Producer<std::rc::Rc<u8>>: Send);
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
