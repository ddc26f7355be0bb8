//! # ringweir
//!
//! Bounded, lock-free, cache-padded ring buffers for passing values between
//! threads, where **what happens when the producer outruns the consumer is
//! your choice**, made once when the ring is built:
//!
//! | you want | [`Overflow`] policy | a `send` on a full ring |
//! |---|---|---|
//! | to slow the producer down | [`Block`] (default) | waits by the producer's [`Wait`] |
//! | to drop the incoming value | [`DropNewest`] | hands it back as [`Admission::Dropped`] |
//! | the latest state to win | [`DropOldest`] | evicts the oldest, hands it back as [`Eviction::Evicted`] |
//!
//! The policy is part of the ring's type, so each `send` returns exactly
//! what it can do: on a `Block` ring `Result<(), SendError<T>>`, as
//! crossbeam-channel's.
//!
//! Every refused or evicted value is handed back and counted ([`Stats`]),
//! a consumer can ask how much it lost ([`lagged`](Consumer::lagged)),
//! and a producer can slow itself down before the ring is full
//! ([`pressure`](Producer::pressure), with hysteresis).
//!
//! ```
//! use ringweir::{Builder, DropOldest, Eviction};
//!
//! // Latest state wins: a producer that never waits, a reader that may lag.
//! let (tx, rx) = Builder::new(2).overflow(DropOldest).spsc::<u32>()?;
//! for score in [10, 20, 30] {
//!     if let Eviction::Evicted(old) = tx.send(score).unwrap() {
//!         assert_eq!(old, 10);
//!     }
//! }
//! assert_eq!(rx.lagged(), 1);
//! assert_eq!(rx.try_iter().collect::<Vec<_>>(), [20, 30]);
//! # Ok::<(), ringweir::CapacityError>(())
//! ```
//!
//! ## Sharing handles
//! Every single-value call (`send`, `try_send`, `recv`, `try_recv`, their
//! timed forms, `iter`) takes `&self`. Producers of [`mpsc`] and [`mpmc`]
//! rings, and [`mpmc`] consumers, are `Sync`: share them from an `Arc`, a
//! `static`, or borrows in `thread::scope`, as crossbeam-channel's, or
//! clone them. [`spsc`] handles and the [`mpsc`] consumer are `Send` but
//! not `Sync`: each belongs to one thread at a time, as rtrb's. Calls that
//! run your code while they hold the ring's slots (the slice and batch
//! calls, which `clone` or drop values or call you back, and `peek`) take
//! `&mut self`.
//!
//! ```
//! use std::sync::OnceLock;
//!
//! static LOG: OnceLock<ringweir::mpsc::Producer<String>> = OnceLock::new();
//!
//! let (tx, rx) = ringweir::mpsc::channel(64);
//! LOG.set(tx).unwrap();
//! let (jobs, results) = ringweir::mpmc::channel::<u32>(16);
//! std::thread::scope(|s| {
//!     for worker in 0..2 {
//!         // Each worker borrows the same consumer; nothing is cloned.
//!         let results = &results;
//!         s.spawn(move || {
//!             for job in results.iter() {
//!                 LOG.get().unwrap().send(format!("worker {worker}: job {job}")).unwrap();
//!             }
//!         });
//!     }
//!     for job in 0..10 {
//!         jobs.send(job).unwrap();
//!     }
//!     drop(jobs);
//! });
//! assert_eq!(rx.try_iter().count(), 10);
//! ```
//!
//! ## Closing
//! Dropping the producer closes the ring for the consumer, which still
//! drains what is queued before [`recv`](Consumer::recv) reports
//! [`RecvError`]. Dropping the consumer closes it for the producer: sends
//! hand the value back in their error, and the values still queued are
//! dropped, each exactly once: by the leaving consumer, or, for a value
//! whose send raced its departure, by a later send of the producer's that
//! finds the ring closed once that consumer's drain is over (or when the
//! ring is freed).
//!
//! ## Waiting
//! Each side of a ring waits its own way ([`Wait`], set per side on the
//! [`Builder`]). [`Wait::Park`] (the default) spins briefly, then sleeps
//! until woken. [`Wait::Spin`] and [`Wait::Yield`] never sleep: lowest
//! latency, but they collapse when there are more busy threads than cores.
//! [`Wait::Poll`] sleeps for bounded spans and is never woken, so the other
//! side's calls stay free of system calls.
//!
//! ## Async (feature `async`)
//! With the `async` feature, [`Producer::send_async`] and
//! [`Consumer::recv_async`] return futures driven by their `Waker` alone:
//! they run under tokio, async-std, smol or a plain `block_on`, and the
//! feature depends on no runtime. A consumer is also a
//! [`Stream`](futures_core::Stream) of its values and a producer a
//! [`Sink`](futures_sink::Sink), for combinators and for tasks that own
//! their handle. Any mix works on one ring: a producer
//! thread feeding a consumer task, a task feeding a thread, or tasks on
//! both sides. A task waits where a parked thread would, and is woken the
//! same way, by the other side's progress or by the close, when its side
//! [`Park`](Wait::Park)s (the default). A send on a `DropNewest` or
//! `DropOldest` ring never waits, sync or async.
//!
//! Cancelling is safe: a dropped `recv_async` loses no value (it takes one
//! only in the poll that returns it), a dropped `send_async` never queues
//! its value ([`SendFuture::cancel`] hands it back), and a wake-up that
//! reached a future dropped before it acted on it goes to another waiter.
//!
//! ```
//! # #[cfg(feature = "async")]
//! # {
//! // A producer thread, and a consumer task (here on `pollster`'s executor).
//! let (tx, mut rx) = ringweir::spsc::channel::<u64>(64);
//! let producer = std::thread::spawn(move || {
//!     for tick in 0..1000 {
//!         tx.send(tick).unwrap();
//!     }
//! });
//! let total = pollster::block_on(async {
//!     let mut total = 0;
//!     while let Ok(tick) = rx.recv_async().await {
//!         total += tick;
//!     }
//!     total
//! });
//! producer.join().unwrap();
//! assert_eq!(total, 999 * 1000 / 2);
//! # }
//! ```
//!
//! ## What each call may do
//! Whether a call can wait, lock or enter the kernel depends on the call
//! and on how the *other* side waits. No call allocates, except to hold or
//! wake waiting async tasks (the ring's memory is allocated once, when it
//! is built; `recv_many` and `try_recv_many` grow only the `Vec` you hand
//! them).
//!
//! | call | wait-free | may block | may make a system call | may allocate |
//! |---|---|---|---|---|
//! | spsc `try_send`, `try_send_slice` | yes | no | only if consumers `Park` and one is asleep: one `FUTEX_WAKE` | no |
//! | spsc `try_recv`, `try_recv_slice`, `try_recv_in_place`, `try_iter` | yes | no | only if producers `Park` on a `Block` ring and one is asleep: one `FUTEX_WAKE` | no |
//! | `send` on a `DropNewest` ring | as `try_send` | no | as `try_send` | no |
//! | `send` on a `DropOldest` ring; the `try_` calls of a spsc `DropOldest` ring and of every mpsc or mpmc ring | no: lock-free | no | as `try_send` / `try_recv` | no |
//! | `send` on a full `Block` ring, `recv` and friends on an empty ring | no | yes, by the caller's side's [`Wait`] | `Spin`: no; `Yield`: `sched_yield`; `Poll`: `nanosleep`; `Park`: `sched_yield`, `FUTEX_WAIT` | no |
//! | dropping the last handle of a side | no | briefly, on a lock only sleepers and closers take | one wake-up of the other side's sleepers, if any | no |
//! | `send_async` on a full `Block` ring, `recv_async` on an empty ring (feature `async`) | no | no: the task returns `Pending`, after a lock only sleepers and closers take | no | yes: its waker joins the ring's list of waiting tasks |
//!
//! Where a row says a call may wake the other side, a waiting task is woken
//! by its `Waker` (the executor's code, after the ring's lock is released),
//! in place of a `FUTEX_WAKE`; collecting the tasks to wake may allocate.
//!
//! Rows about a send assume the ring is open: once every consumer has
//! left, a producer's call first drops what is still queued (running
//! `T`'s `Drop`, and waiting for the leaving consumer's own drain to end).
//!
//! "Wait-free": the call finishes in a bounded number of its own steps,
//! whatever the other threads do. "Lock-free": some thread always makes
//! progress; a call claims its slot by a CAS that may retry, and one that
//! finds the slot it needs claimed by another thread that has not finished
//! writing or taking it waits for that thread's next few instructions. So
//! a real-time thread that must never block, lock or enter the kernel uses
//! the spsc `try_` calls of a `Block` or `DropNewest` ring, and gives its
//! partner a [`Wait`] other than `Park`, which nobody has to wake:

//! ```
//! use ringweir::{Builder, Wait};
//! use std::time::Duration;
//!
//! // The real-time thread sends with `try_send`; the consumer thread polls.
//! let (rt_tx, rx) = Builder::new(1024)
//!     .consumer_wait(Wait::Poll(Duration::from_micros(200)))
//!     .spsc::<[f32; 2]>()?;
//! std::thread::spawn(move || while let Ok(frame) = rx.recv() { drop(frame) });
//! let _ = rt_tx.try_send([0.0, 0.1]); // never waits, never enters the kernel
//! # Ok::<(), ringweir::CapacityError>(())
//! ```

#![deny(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

// Layers, each calling only those below it: the public topology modules
// and the builder; the handles; the topologies, which pick a protocol; the
// protocols and the ring contract; waiting, counting and the slot memory.
mod builder;
mod cold;
mod error;
mod handle;
mod policy;
mod protocol;
mod ring;
mod shared;
mod slots;
mod stats;
mod sync;
mod topology;
mod wait;

pub mod mpmc;
pub mod mpsc;
pub mod spsc;

pub use builder::Builder;
pub use error::{
    CapacityError, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError,
    TrySendError,
};
pub use handle::{Consumer, IntoIter, Iter, Producer, TryIter};
#[cfg(feature = "async")]
pub use handle::{RecvFuture, SendFuture};
pub use policy::{Admission, Block, DropNewest, DropOldest, Eviction, Lost, Overflow};
pub use stats::{Pressure, Stats};
pub use topology::{ManyConsumers, ManyProducers, Mpmc, Mpsc, SoleTaker, Spsc, Topology};
pub use wait::Wait;

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
    assert_not_impl_any!(spsc::Producer<u64, crate::DropOldest>: Clone);
    assert_impl_all!(mpsc::Consumer<u64>: Send);
    assert_not_impl_any!(mpsc::Consumer<u64>: Clone);
    assert_impl_all!(mpmc::Producer<u64>: Send, Clone);
    assert_impl_all!(mpmc::Consumer<u64>: Send, Clone);
    assert_not_impl_any!(mpmc::Producer<std::rc::Rc<u8>>: Send);
    // Shared handles: producers of the multi-producer rings and mpmc
    // consumers work through `&` from any thread. The others lend their own
    // protocol state to `&self` calls, so they stay on one thread at a time.
    assert_impl_all!(mpsc::Producer<u64>: Sync);
    assert_impl_all!(mpmc::Producer<u64, crate::DropOldest>: Sync);
    assert_impl_all!(mpmc::Consumer<u64>: Sync);
    assert_not_impl_any!(spsc::Producer<u64>: Sync);
    assert_not_impl_any!(spsc::Consumer<u64>: Sync);
    assert_not_impl_any!(spsc::Producer<u64, crate::DropOldest>: Sync);
    assert_not_impl_any!(mpsc::Consumer<u64>: Sync);
}

#[cfg(all(test, not(loom)))]
mod handle_layout {
    use crate::{mpmc, mpsc, spsc};
    use std::mem::{align_of, size_of};

    /// Every handle owns whole cache lines, so two handles (or a handle and
    /// anything else) never share one: see `Producer`.
    #[test]
    fn handles_own_their_cache_lines() {
        fn owns_lines<H>() {
            let line = align_of::<crossbeam_utils::CachePadded<u8>>();
            assert!(align_of::<H>() >= line, "{}", std::any::type_name::<H>());
            assert_eq!(size_of::<H>() % line, 0, "{}", std::any::type_name::<H>());
        }
        owns_lines::<spsc::Producer<u64>>();
        owns_lines::<spsc::Consumer<u64>>();
        owns_lines::<mpsc::Producer<u64>>();
        owns_lines::<mpsc::Consumer<u64>>();
        owns_lines::<mpmc::Consumer<[u8; 200]>>();
    }

    /// A handle holds no `T` of its own, whatever its features: a value
    /// larger than a thread's stack must not make its handles as large.
    #[test]
    fn handles_do_not_grow_with_the_value() {
        assert_eq!(
            size_of::<spsc::Producer<[u8; 1 << 16]>>(),
            size_of::<spsc::Producer<u8>>()
        );
        assert_eq!(
            size_of::<mpmc::Consumer<[u8; 1 << 16]>>(),
            size_of::<mpmc::Consumer<u8>>()
        );
    }
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
