//! Many producers, one consumer: a cloneable [`Producer`], one [`Consumer`].
//!
//! Producers claim slots by CAS, one stamp per value; every
//! [`Overflow`](crate::Overflow) policy, wait strategy, timeout, counter and
//! pressure reading of [`spsc`](crate::spsc) works here too. Each producer's values arrive in the order it sent
//! them; values of different producers interleave.
//!
//! The ring closes for the consumer when the last producer clone is dropped.
//!
//! ```
//! use std::thread;
//!
//! let (tx, rx) = ringweir::mpsc::channel::<(usize, u32)>(64);
//! let workers: Vec<_> = (0..3)
//!     .map(|id| {
//!         let tx = tx.clone();
//!         thread::spawn(move || for i in 0..100 { tx.send((id, i)).unwrap(); })
//!     })
//!     .collect();
//! drop(tx);
//! let mut next = [0u32; 3];
//! for (id, i) in rx.iter() {
//!     assert_eq!(i, next[id]); // per-producer order holds
//!     next[id] += 1;
//! }
//! assert_eq!(next, [100; 3]);
//! for w in workers { w.join().unwrap(); }
//! ```

use crate::topology::Mpsc;
use crate::Block;

/// A sending handle of an mpsc ring with policy `P`; clone it for each
/// producing thread. The ring closes for its consumers when the last clone
/// is dropped. All its methods are [`ringweir::Producer`](crate::Producer)'s.
///
/// ```
/// let (tx, rx) = ringweir::mpsc::channel::<u8>(16);
/// let tx2 = tx.clone();
/// std::thread::spawn(move || tx2.send(1)).join().unwrap().unwrap();
/// drop(tx);
/// assert_eq!(rx.recv(), Ok(1));
/// assert!(rx.recv().is_err());
/// ```
pub type Producer<T, P = Block> = crate::Producer<T, Mpsc<P>>;

/// The one receiving handle of an mpsc ring with policy `P`. Not `Clone`:
/// use [`mpmc`](crate::mpmc) to share the work among several consumers.
/// All its methods are [`ringweir::Consumer`](crate::Consumer)'s.
///
/// ```
/// let (tx, rx) = ringweir::mpsc::channel::<u8>(16);
/// tx.send(3).unwrap();
/// assert_eq!(rx.recv(), Ok(3));
/// ```
pub type Consumer<T, P = Block> = crate::Consumer<T, Mpsc<P>>;

/// Creates a ring of exactly `capacity` slots with the defaults:
/// [`Block`] and [`Wait::Park`](crate::Wait::Park).
///
/// # Panics
/// If `capacity` is 0, or too large to allocate; the message names the
/// capacity. Use [`Builder::mpsc`](crate::Builder::mpsc) to get a [`CapacityError`](crate::CapacityError) instead.
///
/// ```
/// let (tx, rx) = ringweir::mpsc::channel::<u8>(16);
/// let tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send(2).unwrap();
/// assert_eq!(rx.try_iter().count(), 2);
/// ```
#[track_caller]
pub fn channel<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    crate::builder::channel(capacity, "mpsc")
}
