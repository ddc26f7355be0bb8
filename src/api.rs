//! The public method set of producer and consumer handles, written once and
//! stamped onto each topology's handle types by macro, so that changing
//! `spsc::` to another topology changes nothing else in user code.

use crate::handle::{PopHandle, PushHandle, View};
use crate::ring::Ring;
use crate::{
    Pressure, RecvTimeoutError, SendTimeoutError, Sent, Stats, TryRecvError, TrySendError,
};
use std::time::Instant;

/// What a public producer type forwards to.
pub(crate) trait PushOps<T> {
    fn send_until(
        &mut self,
        value: T,
        deadline: Option<Instant>,
    ) -> Result<Sent<T>, SendTimeoutError<T>>;
    fn try_send(&mut self, value: T) -> Result<(), TrySendError<T>>;
    fn try_send_slice(&mut self, values: &[T]) -> Option<usize>
    where
        T: Clone;
    fn send_slice(&mut self, values: &[T]) -> Result<(), usize>
    where
        T: Clone;
    fn is_closed(&self) -> bool;
    fn len(&self) -> usize;
    fn capacity(&self) -> usize;
    fn pressure(&self) -> Pressure;
    fn stats(&self) -> Stats;
}

/// What a public consumer type forwards to.
pub(crate) trait PopOps<T> {
    fn try_recv(&mut self) -> Result<T, TryRecvError>;
    fn recv_until(&mut self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError>;
    fn recv_many(&mut self, buf: &mut Vec<T>, max: usize) -> usize;
    fn take_ready(&mut self, buf: &mut Vec<T>, max: usize) -> usize;
    fn try_recv_slice(&mut self, out: &mut [T]) -> usize;
    fn try_recv_in_place(&mut self, max: usize, look: impl FnMut(&[T])) -> usize;
    fn recv_slice(&mut self, out: &mut [T]) -> usize;
    fn lagged(&mut self) -> u64;
    fn is_closed(&self) -> bool;
    fn len(&self) -> usize;
    fn capacity(&self) -> usize;
    fn pressure(&self) -> Pressure;
    fn stats(&self) -> Stats;
}

impl<R: Ring<T>, T> PushOps<T> for PushHandle<R, T> {
    #[inline(always)]
    fn send_until(
        &mut self,
        value: T,
        deadline: Option<Instant>,
    ) -> Result<Sent<T>, SendTimeoutError<T>> {
        PushHandle::send_until(self, value, deadline)
    }
    #[inline]
    fn try_send(&mut self, value: T) -> Result<(), TrySendError<T>> {
        PushHandle::try_send(self, value)
    }
    #[inline]
    fn try_send_slice(&mut self, values: &[T]) -> Option<usize>
    where
        T: Clone,
    {
        PushHandle::try_send_slice(self, values)
    }
    fn send_slice(&mut self, values: &[T]) -> Result<(), usize>
    where
        T: Clone,
    {
        PushHandle::send_slice(self, values)
    }
    fn is_closed(&self) -> bool {
        PushHandle::is_closed(self)
    }
    fn len(&self) -> usize {
        View::len(self.view())
    }
    fn capacity(&self) -> usize {
        View::capacity(self.view())
    }
    fn pressure(&self) -> Pressure {
        View::pressure(self.view())
    }
    fn stats(&self) -> Stats {
        View::stats(self.view())
    }
}

impl<R: Ring<T>, T> PopOps<T> for PopHandle<R, T> {
    #[inline(always)]
    fn try_recv(&mut self) -> Result<T, TryRecvError> {
        PopHandle::try_recv(self)
    }
    #[inline]
    fn recv_until(&mut self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        PopHandle::recv_until(self, deadline)
    }
    fn recv_many(&mut self, buf: &mut Vec<T>, max: usize) -> usize {
        PopHandle::recv_many(self, buf, max)
    }
    fn take_ready(&mut self, buf: &mut Vec<T>, max: usize) -> usize {
        PopHandle::take_ready(self, buf, max)
    }
    #[inline]
    fn try_recv_slice(&mut self, out: &mut [T]) -> usize {
        PopHandle::try_recv_slice(self, out)
    }
    fn recv_slice(&mut self, out: &mut [T]) -> usize {
        PopHandle::recv_slice(self, out)
    }
    #[inline]
    fn try_recv_in_place(&mut self, max: usize, look: impl FnMut(&[T])) -> usize {
        PopHandle::try_recv_in_place(self, max, look)
    }
    fn lagged(&mut self) -> u64 {
        PopHandle::lagged(self)
    }
    fn is_closed(&self) -> bool {
        PopHandle::is_closed(self)
    }
    fn len(&self) -> usize {
        View::len(self.view())
    }
    fn capacity(&self) -> usize {
        View::capacity(self.view())
    }
    fn pressure(&self) -> Pressure {
        View::pressure(self.view())
    }
    fn stats(&self) -> Stats {
        View::stats(self.view())
    }
}

/// Draining iterator of a consumer: yields what is queued, never waits.
///
/// ```
/// let (mut tx, mut rx) = ringweir::spsc::channel::<u8>(4);
/// tx.send(1).unwrap();
/// tx.send(2).unwrap();
/// let got: Vec<u8> = rx.try_iter().collect();
/// assert_eq!(got, [1, 2]);
/// ```
#[derive(Debug)]
pub struct TryIter<'a, C> {
    pub(crate) consumer: &'a mut C,
}

/// Blocking iterator of a consumer: waits for each value, ends once the ring
/// is closed and drained.
///
/// ```
/// let (mut tx, mut rx) = ringweir::spsc::channel::<u8>(4);
/// let t = std::thread::spawn(move || for i in 0..10 { tx.send(i).unwrap(); });
/// assert_eq!(rx.iter().sum::<u8>(), 45);
/// t.join().unwrap();
/// ```
#[derive(Debug)]
pub struct Iter<'a, C> {
    pub(crate) consumer: &'a mut C,
}

/// Generates the public producer methods on `$ty`, whose field `inner`
/// implements [`PushOps`]. `$m` is the module name used in doc examples.
macro_rules! producer_api {
    ($ty:ident, $m:literal) => {
        impl<T> $ty<T> {
            /// Sends `value` by the ring's [`Overflow`](crate::Overflow) policy.
            ///
            /// - `Block`: waits (by the ring's [`Wait`](crate::Wait) strategy)
            ///   while the ring is full.
            /// - `DropNewest`: when full, hands `value` back as
            ///   [`Sent::Dropped`](crate::Sent::Dropped).
            /// - `DropOldest`: when full, enqueues `value` and hands back the
            ///   oldest queued value as [`Sent::Evicted`](crate::Sent::Evicted).
            ///
            /// # Errors
            /// [`SendError`](crate::SendError) with the value when every
            /// consumer is gone.
            ///
            #[doc = concat!("```\nlet (mut tx, mut rx) = ringweir::", $m, "::channel::<&str>(8);")]
            #[doc = "assert!(tx.send(\"hi\").unwrap().is_queued());"]
            #[doc = "assert_eq!(rx.recv(), Ok(\"hi\"));"]
            #[doc = "drop(rx);"]
            #[doc = "assert_eq!(tx.send(\"bye\").unwrap_err().into_inner(), \"bye\");\n```"]
            #[inline(always)]
            pub fn send(&mut self, value: T) -> Result<crate::Sent<T>, crate::SendError<T>> {
                match $crate::api::PushOps::send_until(&mut self.inner, value, None) {
                    Ok(sent) => Ok(sent),
                    Err(err) => Err(crate::SendError(err.into_inner())),
                }
            }

            /// Sends `value` if there is room right now. Never waits and
            /// never evicts, whatever the ring's policy.
            ///
            /// # Errors
            /// [`TrySendError::Full`](crate::TrySendError::Full) or
            /// [`TrySendError::Closed`](crate::TrySendError::Closed), with the value.
            ///
            #[doc = concat!("```\nlet (mut tx, _rx) = ringweir::", $m, "::channel::<u8>(1);")]
            #[doc = "assert_eq!(tx.try_send(1), Ok(()));"]
            #[doc = "assert_eq!(tx.try_send(2), Err(ringweir::TrySendError::Full(2)));\n```"]
            #[inline]
            pub fn try_send(&mut self, value: T) -> Result<(), crate::TrySendError<T>> {
                $crate::api::PushOps::try_send(&mut self.inner, value)
            }

            /// Like [`send`](Self::send), but a `Block` ring waits at most
            /// `timeout` for room. A zero timeout tries once; a timeout too
            /// long to represent waits forever.
            ///
            /// # Errors
            /// [`SendTimeoutError::Timeout`](crate::SendTimeoutError::Timeout)
            /// or [`SendTimeoutError::Closed`](crate::SendTimeoutError::Closed),
            /// with the value.
            ///
            #[doc = concat!("```\nuse std::time::Duration;\nlet (mut tx, _rx) = ringweir::", $m, "::channel::<u8>(1);")]
            #[doc = "tx.send(1).unwrap();"]
            #[doc = "let err = tx.send_timeout(2, Duration::from_millis(5)).unwrap_err();"]
            #[doc = "assert!(err.is_timeout());\n```"]
            pub fn send_timeout(
                &mut self,
                value: T,
                timeout: std::time::Duration,
            ) -> Result<crate::Sent<T>, crate::SendTimeoutError<T>> {
                let deadline = $crate::handle::deadline_after(timeout);
                $crate::api::PushOps::send_until(&mut self.inner, value, deadline)
            }

            /// Queues clones of as many of `values` as fit right now, in
            /// order, and returns how many (0 when the ring is full). The
            /// run is published at once: on SPSC rings of values up to 64
            /// bytes that never evict, that is one atomic store for the
            /// whole run, not one per value. Never waits and
            /// never evicts, whatever the ring's policy, like
            /// [`try_send`](Self::try_send).
            ///
            /// If a `clone` panics, the clones made before it stay queued.
            ///
            /// # Errors
            /// [`SendError`](crate::SendError) when every consumer is gone.
            ///
            #[doc = concat!("```\nlet (mut tx, mut rx) = ringweir::", $m, "::channel::<u32>(4);")]
            #[doc = "assert_eq!(tx.try_send_slice(&[1, 2, 3, 4, 5, 6]), Ok(4));"]
            #[doc = "let mut out = [0; 8];"]
            #[doc = "assert_eq!(rx.try_recv_slice(&mut out), 4);"]
            #[doc = "assert_eq!(out[..4], [1, 2, 3, 4]);\n```"]
            #[inline]
            pub fn try_send_slice(&mut self, values: &[T]) -> Result<usize, crate::SendError<()>>
            where
                T: Clone,
            {
                $crate::api::PushOps::try_send_slice(&mut self.inner, values)
                    .ok_or(crate::SendError(()))
            }

            /// Sends clones of all of `values`, in order, each by the ring's
            /// [`Overflow`](crate::Overflow) policy as [`send`](Self::send)
            /// would, but in runs published at once while there is room.
            /// When the ring is full, `Block` waits, `DropNewest` drops the
            /// value that did not fit (counted in
            /// [`Stats::dropped`](crate::Stats::dropped)) and `DropOldest`
            /// evicts (counted in [`Stats::evicted`](crate::Stats::evicted)).
            ///
            /// # Errors
            /// [`SendError`](crate::SendError) with how many values were
            /// sent, when every consumer is gone before the last one is.
            ///
            #[doc = concat!("```\nlet (mut tx, mut rx) = ringweir::", $m, "::channel::<u32>(2);")]
            #[doc = "let t = std::thread::spawn(move || tx.send_slice(&[1, 2, 3, 4, 5]));"]
            #[doc = "let got: Vec<u32> = rx.iter().collect();"]
            #[doc = "assert_eq!(got, [1, 2, 3, 4, 5]);"]
            #[doc = "assert_eq!(t.join().unwrap(), Ok(()));\n```"]
            pub fn send_slice(&mut self, values: &[T]) -> Result<(), crate::SendError<usize>>
            where
                T: Clone,
            {
                $crate::api::PushOps::send_slice(&mut self.inner, values).map_err(crate::SendError)
            }

            /// Values queued now (a snapshot while others are active).
            ///
            #[doc = concat!("```\nlet (mut tx, _rx) = ringweir::", $m, "::channel::<u8>(4);")]
            #[doc = "tx.send(1).unwrap();"]
            #[doc = "assert_eq!(tx.len(), 1);\n```"]
            pub fn len(&self) -> usize {
                $crate::api::PushOps::len(&self.inner)
            }

            /// Whether nothing is queued now.
            ///
            #[doc = concat!("```\nlet (tx, _rx) = ringweir::", $m, "::channel::<u8>(4);")]
            #[doc = "assert!(tx.is_empty());\n```"]
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// Whether the ring is full now.
            ///
            #[doc = concat!("```\nlet (mut tx, _rx) = ringweir::", $m, "::channel::<u8>(1);")]
            #[doc = "tx.send(1).unwrap();"]
            #[doc = "assert!(tx.is_full());\n```"]
            pub fn is_full(&self) -> bool {
                self.len() == self.capacity()
            }

            /// How many values the ring holds at most (exactly what was asked for).
            ///
            #[doc = concat!("```\nlet (tx, _rx) = ringweir::", $m, "::channel::<u8>(1000);")]
            #[doc = "assert_eq!(tx.capacity(), 1000);\n```"]
            pub fn capacity(&self) -> usize {
                $crate::api::PushOps::capacity(&self.inner)
            }

            /// Whether every consumer is gone (sends now fail).
            ///
            #[doc = concat!("```\nlet (tx, rx) = ringweir::", $m, "::channel::<u8>(4);")]
            #[doc = "assert!(!tx.is_closed());"]
            #[doc = "drop(rx);"]
            #[doc = "assert!(tx.is_closed());\n```"]
            pub fn is_closed(&self) -> bool {
                $crate::api::PushOps::is_closed(&self.inner)
            }

            /// How full the ring is, with hysteresis between the watermarks
            /// set by [`Builder::watermarks`](crate::Builder::watermarks):
            /// slow down or shed load on [`Pressure::High`](crate::Pressure::High).
            ///
            #[doc = concat!("```\nuse ringweir::{Builder, Pressure};\nlet (mut tx, _rx) = Builder::new(4).watermarks(2, 1).", $m, "::<u8>()?;")]
            #[doc = "tx.send(1).unwrap();"]
            #[doc = "assert_eq!(tx.pressure(), Pressure::Normal);"]
            #[doc = "tx.send(2).unwrap();"]
            #[doc = "assert_eq!(tx.pressure(), Pressure::High);"]
            #[doc = "# Ok::<(), ringweir::CapacityError>(())\n```"]
            pub fn pressure(&self) -> crate::Pressure {
                $crate::api::PushOps::pressure(&self.inner)
            }

            /// The ring's counters; every handle reports the same numbers.
            ///
            #[doc = concat!("```\nlet (mut tx, _rx) = ringweir::", $m, "::channel::<u8>(4);")]
            #[doc = "tx.send(1).unwrap();"]
            #[doc = "assert_eq!(tx.stats().sent, 1);\n```"]
            pub fn stats(&self) -> crate::Stats {
                $crate::api::PushOps::stats(&self.inner)
            }
        }

        $crate::api::opaque_debug!($ty);
    };
}

/// Generates the public consumer methods on `$ty`, whose field `inner`
/// implements [`PopOps`]. `$m` is the module name used in doc examples.
macro_rules! consumer_api {
    ($ty:ident, $m:literal) => {
        impl<T> $ty<T> {
            /// Takes the oldest value, waiting (by the ring's
            /// [`Wait`](crate::Wait) strategy) while the ring is empty.
            ///
            /// # Errors
            /// [`RecvError`](crate::RecvError) once every producer is gone and
            /// the ring is drained.
            ///
            #[doc = concat!("```\nlet (mut tx, mut rx) = ringweir::", $m, "::channel::<u8>(4);")]
            #[doc = "tx.send(7).unwrap();"]
            #[doc = "drop(tx);"]
            #[doc = "assert_eq!(rx.recv(), Ok(7));"]
            #[doc = "assert_eq!(rx.recv(), Err(ringweir::RecvError));\n```"]
            #[inline]
            pub fn recv(&mut self) -> Result<T, crate::RecvError> {
                $crate::api::PopOps::recv_until(&mut self.inner, None).map_err(|_| crate::RecvError)
            }

            /// Takes the oldest value if one is queued; never waits.
            ///
            /// # Errors
            /// [`TryRecvError::Empty`](crate::TryRecvError::Empty), or
            /// [`TryRecvError::Closed`](crate::TryRecvError::Closed) once every
            /// producer is gone and the ring is drained.
            ///
            #[doc = concat!("```\nlet (mut tx, mut rx) = ringweir::", $m, "::channel::<u8>(4);")]
            #[doc = "assert_eq!(rx.try_recv(), Err(ringweir::TryRecvError::Empty));"]
            #[doc = "tx.send(1).unwrap();"]
            #[doc = "assert_eq!(rx.try_recv(), Ok(1));\n```"]
            #[inline(always)]
            pub fn try_recv(&mut self) -> Result<T, crate::TryRecvError> {
                $crate::api::PopOps::try_recv(&mut self.inner)
            }

            /// Like [`recv`](Self::recv), waiting at most `timeout`. A zero
            /// timeout looks once; one too long to represent waits forever.
            /// A value counts as arrived once it is fully written: if time
            /// runs out while a producer is still writing the oldest value,
            /// the answer is `Timeout`, even when a later value is already
            /// in (it can only be received after that one).
            ///
            /// # Errors
            /// [`RecvTimeoutError::Timeout`](crate::RecvTimeoutError::Timeout),
            /// or [`RecvTimeoutError::Closed`](crate::RecvTimeoutError::Closed)
            /// once every producer is gone and the ring is drained.
            ///
            #[doc = concat!("```\nuse std::time::Duration;\nlet (_tx, mut rx) = ringweir::", $m, "::channel::<u8>(4);")]
            #[doc = "let err = rx.recv_timeout(Duration::from_millis(5)).unwrap_err();"]
            #[doc = "assert_eq!(err, ringweir::RecvTimeoutError::Timeout);\n```"]
            pub fn recv_timeout(
                &mut self,
                timeout: std::time::Duration,
            ) -> Result<T, crate::RecvTimeoutError> {
                let deadline = $crate::handle::deadline_after(timeout);
                $crate::api::PopOps::recv_until(&mut self.inner, deadline)
            }

            /// Waits like [`recv`](Self::recv) for one value, then appends up
            /// to `max - 1` more that are already queued, without waiting.
            /// Returns how many values it appended to `buf`: 0 only once the
            /// ring is closed and drained (or when `max` is 0).
            ///
            #[doc = concat!("```\nlet (mut tx, mut rx) = ringweir::", $m, "::channel::<u8>(8);")]
            #[doc = "for i in 0..5 { tx.send(i).unwrap(); }"]
            #[doc = "let mut buf = Vec::new();"]
            #[doc = "assert_eq!(rx.recv_many(&mut buf, 3), 3);"]
            #[doc = "assert_eq!(buf, [0, 1, 2]);\n```"]
            pub fn recv_many(&mut self, buf: &mut Vec<T>, max: usize) -> usize {
                $crate::api::PopOps::recv_many(&mut self.inner, buf, max)
            }

            /// Appends up to `max` values that are already queued; never waits.
            ///
            #[doc = concat!("```\nlet (mut tx, mut rx) = ringweir::", $m, "::channel::<u8>(8);")]
            #[doc = "tx.send(1).unwrap();"]
            #[doc = "let mut buf = Vec::new();"]
            #[doc = "assert_eq!(rx.try_recv_many(&mut buf, 8), 1);\n```"]
            pub fn try_recv_many(&mut self, buf: &mut Vec<T>, max: usize) -> usize {
                $crate::api::PopOps::take_ready(&mut self.inner, buf, max)
            }

            /// Moves up to `out.len()` queued values into `out`, oldest
            /// first, and returns how many; never waits. The run is freed at
            /// once: on SPSC rings of values up to 64 bytes that never
            /// evict, that is one atomic store for the whole run. The values they replace in `out` are dropped.
            ///
            #[doc = concat!("```\nlet (mut tx, mut rx) = ringweir::", $m, "::channel::<u32>(8);")]
            #[doc = "tx.send_slice(&[7, 8, 9]).unwrap();"]
            #[doc = "let mut out = [0; 2];"]
            #[doc = "assert_eq!(rx.try_recv_slice(&mut out), 2);"]
            #[doc = "assert_eq!(out, [7, 8]);"]
            #[doc = "assert_eq!(rx.try_recv_slice(&mut out), 1);"]
            #[doc = "assert_eq!(rx.try_recv_slice(&mut out), 0);\n```"]
            #[inline]
            pub fn try_recv_slice(&mut self, out: &mut [T]) -> usize {
                $crate::api::PopOps::try_recv_slice(&mut self.inner, out)
            }

            /// Shows up to `max` queued values to `look` where they lie in
            /// the ring, oldest first, without moving them out, then drops
            /// them; returns how many; never waits. `look` sees them in
            /// runs: on SPSC rings that never evict, of values up to 64
            /// bytes, a run is what lies contiguously in the ring (up to a
            /// cache line's worth), freed with one atomic store for the
            /// whole call; other rings show each value in its slot, one per
            /// run. For a large `T` this saves moving each value out; for
            /// any `T` it needs no `Clone`, no `Default` and no buffer.
            ///
            /// If `look` panics, the values of the runs it was shown,
            /// including the one it panicked on, are taken (counted as
            /// received) and dropped; the others stay queued.
            ///
            #[doc = concat!("```
let (mut tx, mut rx) = ringweir::", $m, "::channel::<u64>(16);")]
            #[doc = "tx.send_slice(&[1, 2, 3, 4]).unwrap();"]
            #[doc = "let mut sum = 0;"]
            #[doc = "assert_eq!(rx.try_recv_in_place(3, |run| sum += run.iter().sum::<u64>()), 3);"]
            #[doc = "assert_eq!(sum, 6);"]
            #[doc = "assert_eq!(rx.try_recv(), Ok(4));
```"]
            #[inline]
            pub fn try_recv_in_place(&mut self, max: usize, look: impl FnMut(&[T])) -> usize {
                $crate::api::PopOps::try_recv_in_place(&mut self.inner, max, look)
            }

            /// Waits like [`recv`](Self::recv) for one value, then fills the
            /// rest of `out` from what is already queued, without waiting.
            /// Returns how many values it wrote: 0 only once the ring is
            /// closed and drained (or when `out` is empty).
            ///
            #[doc = concat!("```\nlet (mut tx, mut rx) = ringweir::", $m, "::channel::<u32>(8);")]
            #[doc = "tx.send_slice(&[1, 2, 3]).unwrap();"]
            #[doc = "drop(tx);"]
            #[doc = "let mut out = [0; 8];"]
            #[doc = "assert_eq!(rx.recv_slice(&mut out), 3);"]
            #[doc = "assert_eq!(rx.recv_slice(&mut out), 0);\n```"]
            pub fn recv_slice(&mut self, out: &mut [T]) -> usize {
                $crate::api::PopOps::recv_slice(&mut self.inner, out)
            }

            /// An iterator over the values queued now; it never waits.
            ///
            #[doc = concat!("```\nlet (mut tx, mut rx) = ringweir::", $m, "::channel::<u8>(8);")]
            #[doc = "tx.send(1).unwrap();"]
            #[doc = "assert_eq!(rx.try_iter().count(), 1);\n```"]
            pub fn try_iter(&mut self) -> crate::TryIter<'_, Self> {
                crate::TryIter { consumer: self }
            }

            /// An iterator that waits for each value and ends once the ring is
            /// closed and drained.
            ///
            #[doc = concat!("```\nlet (mut tx, mut rx) = ringweir::", $m, "::channel::<u8>(8);")]
            #[doc = "tx.send(1).unwrap();"]
            #[doc = "drop(tx);"]
            #[doc = "assert_eq!(rx.iter().collect::<Vec<_>>(), [1]);\n```"]
            pub fn iter(&mut self) -> crate::Iter<'_, Self> {
                crate::Iter { consumer: self }
            }

            /// How many values [`DropOldest`](crate::Overflow::DropOldest)
            /// sends evicted since this handle last asked (like a broadcast
            /// channel's `Lagged(n)`).
            ///
            #[doc = concat!("```\nuse ringweir::{Builder, Overflow};\nlet (mut tx, mut rx) = Builder::new(2).overflow(Overflow::DropOldest).", $m, "::<u8>()?;")]
            #[doc = "for i in 0..5 { let _ = tx.send(i); }"]
            #[doc = "assert_eq!(rx.lagged(), 3);"]
            #[doc = "assert_eq!(rx.lagged(), 0);"]
            #[doc = "# Ok::<(), ringweir::CapacityError>(())\n```"]
            pub fn lagged(&mut self) -> u64 {
                $crate::api::PopOps::lagged(&mut self.inner)
            }

            /// Values queued now (a snapshot while others are active).
            ///
            #[doc = concat!("```\nlet (mut tx, rx) = ringweir::", $m, "::channel::<u8>(4);")]
            #[doc = "tx.send(1).unwrap();"]
            #[doc = "assert_eq!(rx.len(), 1);\n```"]
            pub fn len(&self) -> usize {
                $crate::api::PopOps::len(&self.inner)
            }

            /// Whether nothing is queued now.
            ///
            #[doc = concat!("```\nlet (_tx, rx) = ringweir::", $m, "::channel::<u8>(4);")]
            #[doc = "assert!(rx.is_empty());\n```"]
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// How many values the ring holds at most.
            ///
            #[doc = concat!("```\nlet (_tx, rx) = ringweir::", $m, "::channel::<u8>(3);")]
            #[doc = "assert_eq!(rx.capacity(), 3);\n```"]
            pub fn capacity(&self) -> usize {
                $crate::api::PopOps::capacity(&self.inner)
            }

            /// Whether every producer is gone. Values may still be queued:
            /// [`recv`](Self::recv) drains them before reporting closed.
            ///
            #[doc = concat!("```\nlet (tx, rx) = ringweir::", $m, "::channel::<u8>(4);")]
            #[doc = "drop(tx);"]
            #[doc = "assert!(rx.is_closed());\n```"]
            pub fn is_closed(&self) -> bool {
                $crate::api::PopOps::is_closed(&self.inner)
            }

            /// How full the ring is, with hysteresis (see
            /// [`Pressure`](crate::Pressure)).
            ///
            #[doc = concat!("```\nlet (_tx, rx) = ringweir::", $m, "::channel::<u8>(4);")]
            #[doc = "assert_eq!(rx.pressure(), ringweir::Pressure::Normal);\n```"]
            pub fn pressure(&self) -> crate::Pressure {
                $crate::api::PopOps::pressure(&self.inner)
            }

            /// The ring's counters; every handle reports the same numbers.
            ///
            #[doc = concat!("```\nlet (mut tx, mut rx) = ringweir::", $m, "::channel::<u8>(4);")]
            #[doc = "tx.send(1).unwrap();"]
            #[doc = "rx.recv().unwrap();"]
            #[doc = "assert_eq!(rx.stats().received, 1);\n```"]
            pub fn stats(&self) -> crate::Stats {
                $crate::api::PopOps::stats(&self.inner)
            }
        }

        impl<T> Iterator for crate::TryIter<'_, $ty<T>> {
            type Item = T;
            fn next(&mut self) -> Option<T> {
                self.consumer.try_recv().ok()
            }
        }

        impl<T> Iterator for crate::Iter<'_, $ty<T>> {
            type Item = T;
            fn next(&mut self) -> Option<T> {
                self.consumer.recv().ok()
            }
        }

        impl<'a, T> IntoIterator for &'a mut $ty<T> {
            type Item = T;
            type IntoIter = crate::Iter<'a, $ty<T>>;
            fn into_iter(self) -> Self::IntoIter {
                self.iter()
            }
        }

        $crate::api::opaque_debug!($ty);
    };
}

/// `Debug` for a handle: its type name, nothing of the values it carries.
macro_rules! opaque_debug {
    ($ty:ident) => {
        impl<T> std::fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty)).finish_non_exhaustive()
            }
        }
    };
}

pub(crate) use {consumer_api, opaque_debug, producer_api};
