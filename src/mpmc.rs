//! Many producers, many consumers: scale out by adding consumers.
//!
//! Both handles are cloneable. Each value goes to exactly one consumer;
//! consumers share the work, so **order across consumers is not kept**:
//! each consumer sees the values it takes in ring order, but two values
//! taken by different consumers may be processed in either order. Use it
//! for independent jobs (a worker pool); use [`spsc`](crate::spsc) or
//! [`mpsc`](crate::mpsc) when one consumer must see everything in order.
//!
//! The ring closes for consumers when the last producer clone goes, and for
//! producers when the last consumer clone goes (which also drops the values
//! still queued).
//!
//! ```
//! use std::thread;
//!
//! let (tx, rx) = ringweir::mpmc::channel::<u64>(128);
//! let pool: Vec<_> = (0..4)
//!     .map(|_| {
//!         let rx = rx.clone();
//!         thread::spawn(move || rx.iter().sum::<u64>())
//!     })
//!     .collect();
//! drop(rx);
//! for job in 1..=1000 { tx.send(job).unwrap(); }
//! drop(tx);
//! let total: u64 = pool.into_iter().map(|w| w.join().unwrap()).sum();
//! assert_eq!(total, 500_500);
//! ```

use crate::topology::Mpmc;
use crate::Block;

/// A sending handle of an mpmc ring with policy `P`; clone it for each
/// producing thread. The ring closes for its consumers when the last clone
/// is dropped. All its methods are [`ringweir::Producer`](crate::Producer)'s.
///
/// ```
/// let (tx, rx) = ringweir::mpmc::channel::<u8>(16);
/// let tx2 = tx.clone();
/// std::thread::spawn(move || tx2.send(1)).join().unwrap().unwrap();
/// drop(tx);
/// assert_eq!(rx.recv(), Ok(1));
/// assert!(rx.recv().is_err());
/// ```
pub type Producer<T, P = Block> = crate::Producer<T, Mpmc<P>>;

/// A receiving handle of an mpmc ring with policy `P`; clone it for each
/// consuming thread. All its methods are
/// [`ringweir::Consumer`](crate::Consumer)'s.
///
/// ```
/// let (tx, rx) = ringweir::mpmc::channel::<u8>(16);
/// let rx2 = rx.clone();
/// tx.send(5).unwrap();
/// assert_eq!(rx2.recv(), Ok(5));
/// ```
pub type Consumer<T, P = Block> = crate::Consumer<T, Mpmc<P>>;

/// Creates a ring of exactly `capacity` slots with the defaults:
/// [`Block`] and [`Wait::Park`](crate::Wait::Park).
///
/// # Panics
/// If `capacity` is 0, or too large to allocate; the message names the
/// capacity. Use [`Builder::mpmc`](crate::Builder::mpmc) to get a [`CapacityError`](crate::CapacityError) instead.
///
/// ```
/// let (tx, rx) = ringweir::mpmc::channel::<u8>(16);
/// let rx2 = rx.clone();
/// tx.send(1).unwrap();
/// tx.send(2).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// assert_eq!(rx2.recv(), Ok(2));
/// ```
#[track_caller]
pub fn channel<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    crate::builder::channel(capacity, "mpmc")
}
