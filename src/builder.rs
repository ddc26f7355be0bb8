//! [`Builder`]: the fallible, configurable way to make a ring.

use crate::error::{CapacityError, CapacityReason};
use crate::handle::{pair, Consumer, Producer};
use crate::shared::Config;
use crate::topology::{kind, Mpmc, Mpsc, Spsc, Topology};
use crate::wait::Wait;
use crate::{Block, Overflow};
use std::marker::PhantomData;

/// Configures and builds a ring. Fallible: every mistake is a
/// [`CapacityError`] naming the value, never a panic.
///
/// Defaults: [`Block`], [`Wait::Park`] on both sides, watermarks at three
/// quarters (high) and one quarter (low) of the capacity. The policy is part
/// of the type: [`overflow`](Self::overflow) makes a builder of another.
///
/// ```
/// use ringweir::{Builder, DropOldest, Wait};
///
/// let (tx, rx) = Builder::new(1024)
///     .overflow(DropOldest)
///     .wait(Wait::Spin)
///     .watermarks(768, 256)
///     .spsc::<u64>()?;
/// tx.send(1).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// # Ok::<(), ringweir::CapacityError>(())
/// ```
#[derive(Clone, Copy, Debug)]
#[must_use = "a Builder does nothing until a topology method such as .spsc() builds the ring"]
pub struct Builder<P = Block> {
    capacity: usize,
    policy: PhantomData<P>,
    producer_wait: Wait,
    consumer_wait: Wait,
    watermarks: Option<(usize, usize)>,
}

impl Builder {
    /// Starts a ring of exactly `capacity` slots (any value from 1 up; no
    /// rounding to a power of two).
    ///
    /// Memory: one allocation of `capacity` values and a word-sized stamp
    /// per value (each slot padded to the value's alignment), plus a few
    /// cache lines of indices and state. SPSC rings of values of up to 64
    /// bytes that never evict keep one stamp per block of seven values
    /// instead, and their last block may have up to six unused places.
    ///
    /// ```
    /// let (tx, _rx) = ringweir::Builder::new(1000).spsc::<u8>()?;
    /// assert_eq!(tx.capacity(), 1000);
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            policy: PhantomData,
            producer_wait: Wait::default(),
            consumer_wait: Wait::default(),
            watermarks: None,
        }
    }
}

impl<P: Overflow> Builder<P> {
    /// What `send` does when the ring is full: [`Block`],
    /// [`DropNewest`](crate::DropNewest) or [`DropOldest`](crate::DropOldest)
    /// (see [`Overflow`]).
    ///
    /// ```
    /// use ringweir::{Admission, Builder, DropNewest};
    /// let (tx, _rx) = Builder::new(1).overflow(DropNewest).spsc::<u8>()?;
    /// assert_eq!(tx.send(1), Ok(Admission::Queued));
    /// assert_eq!(tx.send(2), Ok(Admission::Dropped(2)));
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    pub fn overflow<Q: Overflow>(self, policy: Q) -> Builder<Q> {
        let _ = policy;
        Builder {
            capacity: self.capacity,
            policy: PhantomData,
            producer_wait: self.producer_wait,
            consumer_wait: self.consumer_wait,
            watermarks: self.watermarks,
        }
    }

    /// How blocked producers and waiting consumers wait: sets both
    /// [`producer_wait`](Self::producer_wait) and
    /// [`consumer_wait`](Self::consumer_wait).
    ///
    /// ```
    /// use ringweir::{Builder, Wait};
    /// let (tx, _rx) = Builder::new(8).wait(Wait::Spin).spsc::<u8>()?;
    /// # drop(tx);
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    pub fn wait(self, wait: Wait) -> Self {
        self.producer_wait(wait).consumer_wait(wait)
    }

    /// How a producer waits in `send` on a full [`Block`] ring
    /// (producers of the other policies never wait). Anything but
    /// [`Wait::Park`] means consumers never have a producer to wake.
    ///
    /// ```
    /// use ringweir::{Builder, Wait};
    /// use std::time::Duration;
    /// let (tx, _rx) = Builder::new(8)
    ///     .producer_wait(Wait::Poll(Duration::from_micros(50)))
    ///     .spsc::<u8>()?;
    /// # drop(tx);
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    pub fn producer_wait(mut self, wait: Wait) -> Self {
        self.producer_wait = wait;
        self
    }

    /// How a consumer waits in `recv` on an empty ring. Anything but
    /// [`Wait::Park`] means producers never have a consumer to wake.
    ///
    /// ```
    /// use ringweir::{Builder, Wait};
    /// let (tx, _rx) = Builder::new(8).consumer_wait(Wait::Yield).spsc::<u8>()?;
    /// # drop(tx);
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    pub fn consumer_wait(mut self, wait: Wait) -> Self {
        self.consumer_wait = wait;
        self
    }

    /// The lengths at which [`pressure`](crate::Producer::pressure)
    /// turns [`High`](crate::Pressure::High) (`len >= high`) and back to
    /// [`Normal`](crate::Pressure::Normal) (`len <= low`). Building fails
    /// unless `low <= high <= capacity`.
    ///
    /// ```
    /// let err = ringweir::Builder::new(8).watermarks(9, 1).spsc::<u8>().unwrap_err();
    /// assert!(err.to_string().contains("watermarks"));
    /// ```
    pub fn watermarks(mut self, high: usize, low: usize) -> Self {
        self.watermarks = Some((high, low));
        self
    }

    /// Builds a single-producer single-consumer ring.
    ///
    /// # Errors
    /// [`CapacityError`] if the capacity is 0, too large for `T`, cannot
    /// be allocated, or the watermarks do not fit it.
    ///
    /// ```
    /// let (tx, rx) = ringweir::Builder::new(4).spsc::<&str>()?;
    /// tx.send("x").unwrap();
    /// assert_eq!(rx.recv(), Ok("x"));
    /// assert!(ringweir::Builder::new(0).spsc::<u8>().is_err());
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn spsc<T>(self) -> Result<(Producer<T, Spsc<P>>, Consumer<T, Spsc<P>>), CapacityError> {
        self.build()
    }

    /// Builds a ring with cloneable producers and one consumer.
    ///
    /// # Errors
    /// As for [`spsc`](Self::spsc).
    ///
    /// ```
    /// let (tx, rx) = ringweir::Builder::new(4).mpsc::<u8>()?;
    /// tx.clone().send(1).unwrap();
    /// assert_eq!(rx.recv(), Ok(1));
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn mpsc<T>(self) -> Result<(Producer<T, Mpsc<P>>, Consumer<T, Mpsc<P>>), CapacityError> {
        self.build()
    }

    /// Builds a ring with cloneable producers and cloneable consumers.
    ///
    /// # Errors
    /// As for [`spsc`](Self::spsc).
    ///
    /// ```
    /// let (tx, rx) = ringweir::Builder::new(4).mpmc::<u8>()?;
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.clone().recv(), Ok(1));
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn mpmc<T>(self) -> Result<(Producer<T, Mpmc<P>>, Consumer<T, Mpmc<P>>), CapacityError> {
        self.build()
    }

    /// Builds a ring of any topology, named by its type: what
    /// [`spsc`](Self::spsc), [`mpsc`](Self::mpsc) and [`mpmc`](Self::mpmc)
    /// call, for code generic over the topology.
    ///
    /// # Errors
    /// As for [`spsc`](Self::spsc).
    ///
    /// ```
    /// use ringweir::{Builder, Consumer, Mpsc, Producer};
    /// let (tx, rx): (Producer<u8, Mpsc>, Consumer<u8, Mpsc>) = Builder::new(4).build()?;
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.recv(), Ok(1));
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn build<T, K: Topology<Policy = P>>(
        self,
    ) -> Result<(Producer<T, K>, Consumer<T, K>), CapacityError> {
        Ok(pair(K::build(self.config::<K>()?)?))
    }

    /// Checks everything that does not depend on the protocol; the slot
    /// allocation checks the rest.
    fn config<K: Topology>(self) -> Result<Config, CapacityError> {
        let capacity = self.capacity;
        if capacity == 0 {
            return Err(CapacityError::new(0, CapacityReason::Zero));
        }
        let (high, low) = self
            .watermarks
            .unwrap_or((capacity - capacity / 4, capacity / 4));
        if low > high || high > capacity {
            return Err(CapacityError::new(
                capacity,
                CapacityReason::Watermarks { high, low },
            ));
        }
        Ok(Config {
            capacity,
            overflow: kind::<K>(),
            producer_wait: self.producer_wait,
            consumer_wait: self.consumer_wait,
            high,
            low,
        })
    }
}

/// A ring of `capacity` slots with the defaults, for the topology modules'
/// `channel` functions: panics with the reason, naming `module`'s
/// `channel` and the caller's line, where the builder returns an error.
#[track_caller]
pub(crate) fn channel<T, K: Topology<Policy = Block>>(
    capacity: usize,
    module: &str,
) -> (Producer<T, K>, Consumer<T, K>) {
    match Builder::new(capacity).build() {
        Ok(pair) => pair,
        Err(err) => panic!("ringweir::{module}::channel: {err}"),
    }
}
