//! [`Builder`]: the fallible, configurable way to make a ring.

use crate::error::{CapacityError, CapacityReason};
use crate::shared::Config;
use crate::{mpmc, mpsc, spsc, Overflow, Wait};

/// Configures and builds a ring. Fallible: every mistake is a
/// [`CapacityError`] naming the value, never a panic.
///
/// Defaults: [`Overflow::Block`], [`Wait::Park`] on both sides, watermarks at three
/// quarters (high) and one quarter (low) of the capacity.
///
/// ```
/// use ringweir::{Builder, Overflow, Wait};
///
/// let (mut tx, mut rx) = Builder::new(1024)
///     .overflow(Overflow::DropOldest)
///     .wait(Wait::Spin)
///     .watermarks(768, 256)
///     .spsc::<u64>()?;
/// tx.send(1).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// # Ok::<(), ringweir::CapacityError>(())
/// ```
#[derive(Clone, Copy, Debug)]
#[must_use = "a Builder does nothing until a topology method such as .spsc() builds the ring"]
pub struct Builder {
    capacity: usize,
    overflow: Overflow,
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
            overflow: Overflow::default(),
            producer_wait: Wait::default(),
            consumer_wait: Wait::default(),
            watermarks: None,
        }
    }

    /// What `send` does when the ring is full.
    ///
    /// ```
    /// use ringweir::{Builder, Overflow};
    /// let (tx, _rx) = Builder::new(8).overflow(Overflow::DropNewest).spsc::<u8>()?;
    /// # drop(tx);
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    pub fn overflow(mut self, overflow: Overflow) -> Self {
        self.overflow = overflow;
        self
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

    /// How a producer waits in `send` on a full [`Overflow::Block`] ring
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

    /// The lengths at which [`pressure`](crate::spsc::Producer::pressure)
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
    /// let (mut tx, mut rx) = ringweir::Builder::new(4).spsc::<&str>()?;
    /// tx.send("x").unwrap();
    /// assert_eq!(rx.recv(), Ok("x"));
    /// assert!(ringweir::Builder::new(0).spsc::<u8>().is_err());
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    pub fn spsc<T>(self) -> Result<(spsc::Producer<T>, spsc::Consumer<T>), CapacityError> {
        spsc::build(self.config(false)?)
    }

    /// Builds a ring with cloneable producers and one consumer.
    ///
    /// # Errors
    /// As for [`spsc`](Self::spsc).
    ///
    /// ```
    /// let (tx, mut rx) = ringweir::Builder::new(4).mpsc::<u8>()?;
    /// tx.clone().send(1).unwrap();
    /// assert_eq!(rx.recv(), Ok(1));
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    pub fn mpsc<T>(self) -> Result<(mpsc::Producer<T>, mpsc::Consumer<T>), CapacityError> {
        mpsc::build(self.config(false)?)
    }

    /// Builds a ring with cloneable producers and cloneable consumers.
    ///
    /// # Errors
    /// As for [`spsc`](Self::spsc).
    ///
    /// ```
    /// let (mut tx, rx) = ringweir::Builder::new(4).mpmc::<u8>()?;
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.clone().recv(), Ok(1));
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    pub fn mpmc<T>(self) -> Result<(mpmc::Producer<T>, mpmc::Consumer<T>), CapacityError> {
        mpmc::build(self.config(true)?)
    }

    /// Checks everything that does not depend on the protocol; the slot
    /// allocation checks the rest. `many_consumers`: whether consumer
    /// handles can be cloned.
    fn config(self, many_consumers: bool) -> Result<Config, CapacityError> {
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
            overflow: self.overflow,
            producer_wait: self.producer_wait,
            consumer_wait: self.consumer_wait,
            high,
            low,
            many_consumers,
        })
    }
}
