//! The cloneable producer of the multi-producer rings. `mpsc` and `mpmc`
//! rings share the stamped protocol and differ only in their consumers, so
//! both modules export this one type.

use crate::api::producer_api;
use crate::handle::PushHandle;
use crate::stamped::StampedRing;

/// A sending handle of an [`mpsc`](crate::mpsc) or [`mpmc`](crate::mpmc)
/// ring; clone it for each producing thread. The ring closes for its
/// consumers when the last clone is dropped.
///
/// ```
/// let (tx, mut rx) = ringweir::mpsc::channel::<u8>(16);
/// let mut tx2 = tx.clone();
/// std::thread::spawn(move || tx2.send(1)).join().unwrap().unwrap();
/// drop(tx);
/// assert_eq!(rx.recv(), Ok(1));
/// assert!(rx.recv().is_err());
/// ```
pub struct Producer<T> {
    inner: PushHandle<StampedRing<T>, T>,
}

impl<T> Producer<T> {
    pub(crate) fn new(inner: PushHandle<StampedRing<T>, T>) -> Self {
        Self { inner }
    }
}

impl<T> Clone for Producer<T> {
    /// Another producer on the same ring; the ring stays open for consumers
    /// until every producer clone is dropped.
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone_handle(),
        }
    }
}

producer_api!(Producer, "mpmc");
