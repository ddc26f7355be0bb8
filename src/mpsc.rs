//! Many producers, one consumer: a cloneable [`Producer`], one [`Consumer`].
//!
//! Built on the stamped protocol (producers claim slots by CAS on the tail,
//! see the crate's `stamped` module), with every [`Overflow`](crate::Overflow)
//! policy, wait strategy, timeout, counter and pressure reading of
//! [`spsc`](crate::spsc). Each producer's values arrive in the order it sent
//! them; values of different producers interleave.
//!
//! The ring closes for the consumer when the last producer clone is dropped.
//!
//! ```
//! use std::thread;
//!
//! let (tx, mut rx) = ringweir::mpsc::channel::<(usize, u32)>(64);
//! let workers: Vec<_> = (0..3)
//!     .map(|id| {
//!         let mut tx = tx.clone();
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

use crate::api::consumer_api;
use crate::handle::{pair, PopHandle};
use crate::shared::Config;
use crate::stamped::StampedRing;
use crate::{Builder, CapacityError};

#[doc(inline)]
pub use crate::multi_producer::Producer;

/// Creates a ring of exactly `capacity` slots with the defaults:
/// [`Overflow::Block`](crate::Overflow::Block) and [`Wait::Park`](crate::Wait::Park).
///
/// # Panics
/// If `capacity` is 0, or too large to allocate; the message names the
/// capacity. Use [`Builder::mpsc`] to get a [`CapacityError`] instead.
///
/// ```
/// let (mut tx, mut rx) = ringweir::mpsc::channel::<u8>(16);
/// let mut tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send(2).unwrap();
/// assert_eq!(rx.try_iter().count(), 2);
/// ```
pub fn channel<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    match Builder::new(capacity).mpsc() {
        Ok(pair) => pair,
        Err(err) => panic!("ringweir::mpsc::channel: {err}"),
    }
}

pub(crate) fn build<T>(config: Config) -> Result<(Producer<T>, Consumer<T>), CapacityError> {
    let (push, pop) = pair(StampedRing::new(config, false)?);
    Ok((Producer::new(push), Consumer { inner: pop }))
}

/// The one receiving handle. Not `Clone`: use [`mpmc`](crate::mpmc) to
/// share the work among several consumers.
///
/// ```
/// let (mut tx, mut rx) = ringweir::mpsc::channel::<u8>(16);
/// tx.send(3).unwrap();
/// assert_eq!(rx.recv(), Ok(3));
/// ```
pub struct Consumer<T> {
    inner: PopHandle<StampedRing<T>, T>,
}

consumer_api!(Consumer, "mpsc");
