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
//! let (mut tx, rx) = ringweir::mpmc::channel::<u64>(128);
//! let pool: Vec<_> = (0..4)
//!     .map(|_| {
//!         let mut rx = rx.clone();
//!         thread::spawn(move || rx.iter().sum::<u64>())
//!     })
//!     .collect();
//! drop(rx);
//! for job in 1..=1000 { tx.send(job).unwrap(); }
//! drop(tx);
//! let total: u64 = pool.into_iter().map(|w| w.join().unwrap()).sum();
//! assert_eq!(total, 500_500);
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
/// capacity. Use [`Builder::mpmc`] to get a [`CapacityError`] instead.
///
/// ```
/// let (mut tx, mut rx) = ringweir::mpmc::channel::<u8>(16);
/// let mut rx2 = rx.clone();
/// tx.send(1).unwrap();
/// tx.send(2).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// assert_eq!(rx2.recv(), Ok(2));
/// ```
pub fn channel<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    match Builder::new(capacity).mpmc() {
        Ok(pair) => pair,
        Err(err) => panic!("ringweir::mpmc::channel: {err}"),
    }
}

pub(crate) fn build<T>(config: Config) -> Result<(Producer<T>, Consumer<T>), CapacityError> {
    let (push, pop) = pair(StampedRing::new(config, false)?);
    Ok((Producer::new(push), Consumer { inner: pop }))
}

/// A receiving handle; clone it for each consuming thread.
///
/// ```
/// let (mut tx, rx) = ringweir::mpmc::channel::<u8>(16);
/// let mut rx2 = rx.clone();
/// tx.send(5).unwrap();
/// assert_eq!(rx2.recv(), Ok(5));
/// ```
pub struct Consumer<T> {
    inner: PopHandle<StampedRing<T>, T>,
}

impl<T> Clone for Consumer<T> {
    /// Another consumer sharing the same values; the ring stays open for
    /// producers until every consumer clone is dropped. Its
    /// [`lagged`](Consumer::lagged) count starts from this handle's.
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone_handle(),
        }
    }
}

consumer_api!(Consumer, "mpmc");
