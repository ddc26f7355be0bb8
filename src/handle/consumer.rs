//! The receiving handle, [`Consumer`]: waiting and timeouts, batches,
//! closing, counting and lag on the receive side, written once over the
//! [`Ring`] contract for every topology.

#[cfg(feature = "async")]
use super::RecvFuture;
use super::{deadline_after, fmt_handle, AfterBatch, Local};
use crate::cold::out_of_line_result;
use crate::ring::Ring;
use crate::shared::Kind;
use crate::stats::{Counters, Tally};
use crate::sync::{Arc, Ordering};
use crate::topology::{kind, sealed, ManyConsumers, SoleTaker, Topology};
#[cfg(feature = "async")]
use crate::wait::TaskTicket;
use crate::wait::{wait_until, Look};
use crate::{Pressure, RecvError, RecvTimeoutError, Stats, TryRecvError};
use std::marker::PhantomData;
use std::sync::atomic::AtomicUsize;
#[cfg(feature = "async")]
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The receiving half of a ring of topology `K` (its policy included).
///
/// Users write it by its topology's name: [`spsc::Consumer<T>`](crate::spsc::Consumer),
/// [`mpmc::Consumer<T, P>`](crate::mpmc::Consumer), and so on. Line-aligned
/// and line-sized like [`Producer`](crate::Producer), for the same reason.
///
/// ```
/// let (tx, rx) = ringweir::spsc::channel::<u64>(8);
/// tx.send(1).unwrap();
/// std::thread::spawn(move || assert_eq!(rx.recv(), Ok(1))).join().unwrap();
/// ```
pub struct Consumer<T, K: Topology> {
    ring: Arc<K::Ring<T>>,
    /// The protocol's consumer state. Reached through `&self` only by the
    /// calls that run none of the caller's code while they hold it (see
    /// `with_local`); the calls that do (a callback, a `Drop` of a value in
    /// the caller's buffer, a `Vec` growing) take `&mut self`.
    local: Local<PopLocal<T, K>>,
    /// The eviction count when this handle last reported its lag.
    evicted_seen: AtomicUsize,
    /// Values this handle received (published under `Tally::ByConsumer`,
    /// where the handle is not shared: only its thread writes it).
    received: AtomicUsize,
    /// Where this handle's `Stream` waits between its polls.
    #[cfg(feature = "async")]
    stream: TaskTicket,
    _values: PhantomData<fn() -> T>,
}

type PopLocal<T, K> = <<K as sealed::Topology>::Ring<T> as Ring<T>>::PopLocal;

impl<T, K: Topology> Consumer<T, K> {
    pub(crate) fn new(ring: Arc<K::Ring<T>>, evicted_seen: usize) -> Self {
        Self {
            local: Local::new(ring.pop_local()),
            ring,
            evicted_seen: AtomicUsize::new(evicted_seen),
            received: AtomicUsize::new(0),
            #[cfg(feature = "async")]
            stream: TaskTicket::default(),
            _values: PhantomData,
        }
    }

    /// Takes the oldest value, waiting (by the consumer's
    /// [`Wait`](crate::Wait)) while the ring is empty.
    ///
    /// # Errors
    /// [`RecvError`] once every producer is gone and the ring is drained.
    ///
    /// ```
    /// let (tx, rx) = ringweir::spsc::channel::<u8>(4);
    /// tx.send(7).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.recv(), Ok(7));
    /// assert_eq!(rx.recv(), Err(ringweir::RecvError));
    /// ```
    #[inline]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.recv_until(None).map_err(|_| RecvError)
    }

    /// Takes the oldest value if one is queued; never waits.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`], or [`TryRecvError::Closed`] once every
    /// producer is gone and the ring is drained.
    ///
    /// ```
    /// let (tx, rx) = ringweir::spsc::channel::<u8>(4);
    /// assert_eq!(rx.try_recv(), Err(ringweir::TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    #[inline(always)]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        if let Some(value) = self.pop() {
            return Ok(value);
        }
        // The ring looked empty: tell `Empty` from `Closed` (a load, inline;
        // the rare closed case runs out of line).
        if !self.ring.shared().producers_gone() {
            return Err(TryRecvError::Empty);
        }
        // (`last_look` returns an `Option`: for a small `T` that comes back
        // in registers, where a `Result` would make every receive build its
        // result in memory.)
        self.last_look().ok_or(TryRecvError::Closed)
    }

    /// Like [`recv`](Self::recv), waiting at most `timeout`. A zero timeout
    /// looks once; one too long to represent waits forever. A value counts
    /// as arrived once it is fully written: if time runs out while a
    /// producer is still writing the oldest value, the answer is `Timeout`,
    /// even when a later value is already in (it can only be received after
    /// that one).
    ///
    /// # Errors
    /// [`RecvTimeoutError::Timeout`], or [`RecvTimeoutError::Closed`] once
    /// every producer is gone and the ring is drained.
    ///
    /// ```
    /// use std::time::Duration;
    /// let (_tx, rx) = ringweir::spsc::channel::<u8>(4);
    /// let err = rx.recv_timeout(Duration::from_millis(5)).unwrap_err();
    /// assert_eq!(err, ringweir::RecvTimeoutError::Timeout);
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.recv_until(deadline_after(timeout))
    }

    /// Like [`recv_timeout`](Self::recv_timeout), waiting until `deadline`
    /// at most. A deadline already past looks once.
    ///
    /// # Errors
    /// As for [`recv_timeout`](Self::recv_timeout).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let (_tx, rx) = ringweir::mpmc::channel::<u8>(4);
    /// let deadline = Instant::now() + Duration::from_millis(5);
    /// assert_eq!(rx.recv_deadline(deadline), Err(ringweir::RecvTimeoutError::Timeout));
    /// ```
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.recv_until(Some(deadline))
    }

    /// Takes the oldest value, awaiting one while the ring is empty: the
    /// async form of [`recv`](Self::recv), for a consumer in an async task
    /// (any executor: the future is driven by its `Waker` alone).
    ///
    /// The task is woken by the push that brings a value, or by the close,
    /// when the consumer side [`Park`](crate::Wait::Park)s (the default);
    /// beside other waits nothing wakes it, so it re-polls itself through
    /// the executor until a value is there. `&mut self`: the future holds
    /// the handle, so it can move between threads with its task; share an
    /// [`mpmc`](crate::mpmc) consumer by cloning it.
    ///
    /// # Errors
    /// [`RecvError`] once every producer is gone and the ring is drained.
    ///
    /// ```
    /// let (tx, mut rx) = ringweir::mpsc::channel::<u32>(4);
    /// let producer = std::thread::spawn(move || tx.send(7).unwrap());
    /// assert_eq!(pollster::block_on(rx.recv_async()), Ok(7));
    /// producer.join().unwrap();
    /// assert!(pollster::block_on(rx.recv_async()).is_err());
    /// ```
    #[cfg(feature = "async")]
    pub fn recv_async(&mut self) -> RecvFuture<'_, T, K> {
        RecvFuture::new(self)
    }

    /// Waits like [`recv`](Self::recv) for one value, then appends up to
    /// `max - 1` more that are already queued, without waiting. Returns how
    /// many values it appended to `buf`: 0 only once the ring is closed and
    /// drained (or when `max` is 0).
    ///
    /// ```
    /// let (tx, mut rx) = ringweir::spsc::channel::<u8>(8);
    /// for i in 0..5 { tx.send(i).unwrap(); }
    /// let mut buf = Vec::new();
    /// assert_eq!(rx.recv_many(&mut buf, 3), 3);
    /// assert_eq!(buf, [0, 1, 2]);
    /// ```
    pub fn recv_many(&mut self, buf: &mut Vec<T>, max: usize) -> usize {
        if max == 0 {
            return 0;
        }
        match self.recv_until(None) {
            Ok(first) => buf.push(first),
            Err(_) => return 0,
        }
        1 + self.try_recv_many(buf, max - 1)
    }

    /// Appends up to `max` values that are already queued; never waits.
    ///
    /// ```
    /// let (tx, mut rx) = ringweir::spsc::channel::<u8>(8);
    /// tx.send(1).unwrap();
    /// let mut buf = Vec::new();
    /// assert_eq!(rx.try_recv_many(&mut buf, 8), 1);
    /// ```
    pub fn try_recv_many(&mut self, buf: &mut Vec<T>, max: usize) -> usize {
        self.pop_into(max, |value| buf.push(value))
    }

    /// Moves up to `out.len()` queued values into `out`, oldest first, and
    /// returns how many; never waits. The values they replace in `out` are
    /// dropped. The run is freed at once: on spsc rings of values up to 64
    /// bytes that never evict, that is one atomic store for the whole run.
    ///
    /// ```
    /// let (mut tx, mut rx) = ringweir::spsc::channel::<u32>(8);
    /// tx.send_slice(&[7, 8, 9]).unwrap();
    /// let mut out = [0; 2];
    /// assert_eq!(rx.try_recv_slice(&mut out), 2);
    /// assert_eq!(out, [7, 8]);
    /// assert_eq!(rx.try_recv_slice(&mut out), 1);
    /// assert_eq!(rx.try_recv_slice(&mut out), 0);
    /// ```
    #[inline]
    pub fn try_recv_slice(&mut self, out: &mut [T]) -> usize {
        if !std::mem::needs_drop::<T>() {
            // Nothing in `out` to drop, so nothing can panic midway: the
            // protocol copies whole runs, and the count comes after.
            let taken = self.ring.pop_slice(self.local.get_mut(), out);
            if taken > 0 {
                self.took(taken);
            }
            return taken;
        }
        let mut slots = out.iter_mut();
        self.pop_into(slots.len(), |value| {
            let slot = slots
                .next()
                .expect("pop_into takes at most out.len() values");
            drop(std::mem::replace(slot, value));
        })
    }

    /// Waits like [`recv`](Self::recv) for one value, then fills the rest of
    /// `out` from what is already queued, without waiting. Returns how many
    /// values it wrote: 0 only once the ring is closed and drained (or when
    /// `out` is empty).
    ///
    /// ```
    /// let (mut tx, mut rx) = ringweir::spsc::channel::<u32>(8);
    /// tx.send_slice(&[1, 2, 3]).unwrap();
    /// drop(tx);
    /// let mut out = [0; 8];
    /// assert_eq!(rx.recv_slice(&mut out), 3);
    /// assert_eq!(rx.recv_slice(&mut out), 0);
    /// ```
    pub fn recv_slice(&mut self, out: &mut [T]) -> usize {
        let Some((first, rest)) = out.split_first_mut() else {
            return 0;
        };
        match self.recv_until(None) {
            Ok(value) => drop(std::mem::replace(first, value)),
            Err(_) => return 0,
        }
        1 + self.try_recv_slice(rest)
    }

    /// Shows up to `max` queued values to `look` where they lie in the ring,
    /// oldest first, without moving them out, then drops them; returns how
    /// many; never waits. `look` sees them in runs: on spsc rings that never
    /// evict, of values up to 64 bytes, a run is what lies contiguously in
    /// the ring (up to a cache line's worth), freed with one atomic store
    /// for the whole call; other rings show each value in its slot, one per
    /// run. For a large `T` this saves moving each value out; for any `T`
    /// it needs no `Clone`, no `Default` and no buffer.
    ///
    /// If `look` panics, the values of the runs it was shown, including the
    /// one it panicked on, are taken (counted as received) and dropped; the
    /// others stay queued.
    ///
    /// ```
    /// let (mut tx, mut rx) = ringweir::spsc::channel::<u64>(16);
    /// tx.send_slice(&[1, 2, 3, 4]).unwrap();
    /// let mut sum = 0;
    /// assert_eq!(rx.try_recv_in_place(3, |run| sum += run.iter().sum::<u64>()), 3);
    /// assert_eq!(sum, 6);
    /// assert_eq!(rx.try_recv(), Ok(4));
    /// ```
    #[inline]
    pub fn try_recv_in_place(&mut self, max: usize, mut look: impl FnMut(&[T])) -> usize {
        let mut took = self.counting_batch();
        let handle = &mut *took.handle;
        let taken = &mut took.done;
        handle
            .ring
            .pop_in_place(handle.local.get_mut(), max, |run| {
                *taken += run.len();
                look(run);
            })
    }

    /// An iterator over the values queued now; it never waits.
    ///
    /// ```
    /// let (tx, rx) = ringweir::spsc::channel::<u8>(8);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_iter().count(), 1);
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T, K> {
        TryIter { consumer: self }
    }

    /// An iterator that waits for each value and ends once the ring is
    /// closed and drained.
    ///
    /// ```
    /// let (tx, rx) = ringweir::spsc::channel::<u8>(8);
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [1]);
    /// ```
    pub fn iter(&self) -> Iter<'_, T, K> {
        Iter { consumer: self }
    }

    /// How many values [`DropOldest`](crate::DropOldest) sends evicted since
    /// this handle last asked (like a broadcast channel's `Lagged(n)`).
    ///
    /// ```
    /// use ringweir::{Builder, DropOldest};
    /// let (tx, rx) = Builder::new(2).overflow(DropOldest).spsc::<u8>()?;
    /// for i in 0..5 { let _ = tx.send(i); }
    /// assert_eq!(rx.lagged(), 3);
    /// assert_eq!(rx.lagged(), 0);
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    pub fn lagged(&self) -> u64 {
        let evicted = self.evicted_so_far();
        // Threads sharing this handle may read the count in one order and
        // report in the other: `fetch_max` keeps the mark from going back,
        // so each gets a part of the lag, none of it twice, and one that
        // read an older count than the mark gets 0. (The count never wraps
        // on a 64-bit target.) Relaxed: a count, not a synchronization
        // point.
        let seen = self.evicted_seen.fetch_max(evicted, Ordering::Relaxed);
        evicted.saturating_sub(seen) as u64
    }

    /// Values queued now (a snapshot while others are active).
    ///
    /// ```
    /// let (tx, rx) = ringweir::spsc::channel::<u8>(4);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// Whether nothing is queued now.
    ///
    /// ```
    /// let (_tx, rx) = ringweir::spsc::channel::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many values the ring holds at most.
    ///
    /// ```
    /// let (_tx, rx) = ringweir::spsc::channel::<u8>(3);
    /// assert_eq!(rx.capacity(), 3);
    /// ```
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// Whether every producer is gone. Values may still be queued:
    /// [`recv`](Self::recv) drains them before reporting closed.
    ///
    /// ```
    /// let (tx, rx) = ringweir::spsc::channel::<u8>(4);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.ring.shared().producers_gone()
    }

    /// How full the ring is, with hysteresis (see [`Pressure`]).
    ///
    /// ```
    /// let (_tx, rx) = ringweir::spsc::channel::<u8>(4);
    /// assert_eq!(rx.pressure(), ringweir::Pressure::Normal);
    /// ```
    pub fn pressure(&self) -> Pressure {
        self.ring.pressure()
    }

    /// The ring's counters; every handle reports the same numbers.
    ///
    /// ```
    /// let (tx, rx) = ringweir::spsc::channel::<u8>(4);
    /// tx.send(1).unwrap();
    /// rx.recv().unwrap();
    /// assert_eq!(rx.stats().received, 1);
    /// ```
    pub fn stats(&self) -> Stats {
        self.ring.stats()
    }

    /// Takes a value if one is queued; wakes a blocked producer.
    #[inline(always)]
    fn pop(&self) -> Option<T> {
        let value = self.with_local(|local| self.ring.try_pop(local))?;
        self.took(1);
        Some(value)
    }

    /// Every producer is gone. Their pushes happen before the flag we just
    /// saw (Release/Acquire), so one more look finds any value they left.
    #[cold]
    #[inline(never)]
    fn last_look(&self) -> Option<T> {
        self.pop()
    }

    /// Waits for a value until `deadline` (`None`: as long as it takes).
    ///
    /// Its polls go through `pop_waiting`: a receiver that waits need not
    /// tell an empty ring from a value still being written (see
    /// `Ring::pop_waiting`); only its re-check before sleeping looks
    /// exactly (see `wait::Look`). So a deadline that passes while a
    /// producer is still writing the oldest value reports `Timeout`, even if
    /// a later value is already in: the value at the head had not arrived.
    #[inline(always)]
    fn recv_until(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        if let Some(value) = self.with_local(|local| self.ring.pop_waiting(local)) {
            self.took(1);
            return Ok(value);
        }
        // Out of line with its result in registers (see
        // `out_of_line_result`), like the rest of this receive's.
        out_of_line_result(RecvTimeoutError::Timeout, || self.recv_waiting(deadline))
    }

    #[cold]
    fn recv_waiting(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        let shared = self.ring.shared();
        // The caller found nothing at once; `wait_until`'s first attempt
        // (one spin hint later) tells a closed ring from an empty one.
        let taken = wait_until(
            shared.config.consumer_wait,
            &shared.not_empty,
            deadline,
            |look| self.take_or_closed(look),
        )
        .unwrap_or(Err(RecvTimeoutError::Timeout));
        if taken.is_ok() {
            self.took(1);
        }
        taken
    }

    /// One attempt of a waiting receive: a value (not yet counted by
    /// `took`), `Closed` once every producer is gone and the ring is
    /// drained, or `None`: wait on.
    fn take_or_closed(&self, look: Look) -> Option<Result<T, RecvTimeoutError>> {
        let ring = &*self.ring;
        let taken = self.with_local(|local| match look {
            Look::Poll => ring.pop_waiting(local),
            Look::Exact => ring.try_pop(local),
        });
        if let Some(value) = taken {
            return Some(Ok(value));
        }
        if ring.shared().producers_gone() {
            // Every producer is gone and their pushes happen before the
            // flag we just saw (Release/Acquire): one more look finds any
            // value they left.
            let last = self.with_local(|local| ring.try_pop(local));
            return Some(last.ok_or(RecvTimeoutError::Closed));
        }
        None
    }

    /// One poll of an async receive, by a task that keeps `ticket` between
    /// its polls: the value, `Err` once every producer is gone and the ring
    /// is drained, or `Pending` with the task's waker where the next
    /// value's producer (or the close) wakes it. Consumers that do not
    /// `Park` are never woken: then the task wakes itself to be polled
    /// again.
    #[cfg(feature = "async")]
    pub(super) fn poll_recv(
        &self,
        ticket: &mut TaskTicket,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        let done = match self.try_recv() {
            Ok(value) => Ok(value),
            Err(TryRecvError::Closed) => Err(RecvError),
            Err(TryRecvError::Empty) => return self.poll_wait_for_value(ticket, cx),
        };
        // Done without waiting now: if an earlier poll left the task in the
        // list, it leaves (a wake-up it got is used up by this receive).
        self.ring.shared().not_empty.stop_waiting(ticket, false);
        Poll::Ready(done)
    }

    /// The ring looked empty: waits at `not_empty` (see `poll_recv`).
    #[cfg(feature = "async")]
    fn poll_wait_for_value(
        &self,
        ticket: &mut TaskTicket,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        let shared = self.ring.shared();
        if !shared.consumers_sleep() {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let attempt = |look| self.take_or_closed(look);
        match shared.not_empty.poll_wait(ticket, cx.waker(), attempt) {
            Some(Ok(value)) => {
                self.took(1);
                Poll::Ready(Ok(value))
            }
            Some(Err(_)) => Poll::Ready(Err(RecvError)),
            None => Poll::Pending,
        }
    }

    /// One poll of the handle as a `Stream`: the next value, `None` once
    /// every producer is gone and the ring is drained.
    #[cfg(feature = "async")]
    pub(super) fn poll_stream(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut ticket = std::mem::take(&mut self.stream);
        let next = self.poll_recv(&mut ticket, cx);
        self.stream = ticket;
        next.map(Result::ok)
    }

    /// An async receive gives up (its future is dropped): if a producer
    /// woke it for a value it will not take, another waiter gets the
    /// wake-up.
    #[cfg(feature = "async")]
    pub(super) fn cancel_recv(&self, ticket: &mut TaskTicket) {
        self.ring.shared().not_empty.stop_waiting(ticket, true);
    }

    /// Runs `pop` with the protocol's consumer state. A ring whose consumer
    /// handles may be shared keeps none worth keeping (the stamped ring's
    /// says only how to claim, which for them is always by CAS): each call
    /// makes its own. Otherwise the handle's own is lent.
    #[inline(always)]
    fn with_local<R>(&self, pop: impl FnOnce(&mut PopLocal<T, K>) -> R) -> R {
        // SAFETY: where consumers are not shared this handle is not `Sync`
        // (see the `Sync` impls), and no caller of `with_local` runs the
        // user's code while `pop` runs.
        unsafe {
            self.local
                .lend(K::SHARED_CONSUMERS, || self.ring.pop_local(), pop)
        }
    }

    /// Counts `n` values taken, then the consumer's after-pop duty (which
    /// lets up to `n` sleeping producers go on). Only rings that evict
    /// count receives here, and that is a constant.
    #[inline(always)]
    fn took(&self, n: usize) {
        let shared = self.ring.shared();
        if kind::<K>() == Kind::DropOldest {
            // Relaxed: only this handle's thread writes it (a consumer that
            // tallies is not shared); `tally_received` publishes it.
            let received = self.received.load(Ordering::Relaxed).wrapping_add(n);
            self.received.store(received, Ordering::Relaxed);
            shared.tally_received(received);
        }
        shared.after_pop(n);
    }

    /// A guard that counts the values a batch takes (in its `done`) and
    /// runs the after-pop duty for them when dropped, also when the batch's
    /// sink panics: the values it was handed are taken.
    fn counting_batch(&mut self) -> AfterBatch<'_, Self, impl Fn(&Self, usize)> {
        AfterBatch {
            handle: self,
            done: 0,
            duty: |handle: &Self, taken| {
                if taken > 0 {
                    handle.took(taken);
                }
            },
        }
    }

    /// Takes up to `max` values into `sink` as one run where the protocol
    /// allows, then counts them and wakes a blocked producer once (also when
    /// `sink` panics: the values it was handed are taken).
    fn pop_into(&mut self, max: usize, mut sink: impl FnMut(T)) -> usize {
        let mut took = self.counting_batch();
        let handle = &mut *took.handle;
        let taken = &mut took.done;
        handle.ring.pop_into(handle.local.get_mut(), max, |value| {
            *taken += 1;
            sink(value);
        })
    }

    /// Evictions so far, as far as this consumer can tell.
    fn evicted_so_far(&self) -> usize {
        let shared = self.ring.shared();
        match shared.tally {
            Tally::ByProducers => shared.counters.evicted.load(Ordering::Relaxed),
            Tally::ByConsumer => {
                // Our own count is exact, and it is in `taken` already.
                let (_, taken) = self.ring.positions();
                let discarded = shared.counters.discarded.load(Ordering::Relaxed);
                let received = self.received.load(Ordering::Relaxed);
                Counters::left_besides(taken, received, discarded)
            }
        }
    }
}

impl<T, K: SoleTaker> Consumer<T, K> {
    /// The oldest queued value, left in the ring; `None` when the ring is
    /// empty. Offered where this consumer is the ring's only taker of
    /// values (spsc and mpsc rings that never evict), so the value cannot
    /// go while you look at it.
    ///
    /// ```
    /// let (tx, mut rx) = ringweir::spsc::channel::<String>(4);
    /// assert_eq!(rx.peek(), None);
    /// tx.send("first".to_string()).unwrap();
    /// assert_eq!(rx.peek().map(String::as_str), Some("first"));
    /// assert_eq!(rx.recv().as_deref(), Ok("first"));
    /// ```
    pub fn peek(&mut self) -> Option<&T> {
        self.ring.peek(self.local.get_mut())
    }
}

impl<T, K: ManyConsumers> Clone for Consumer<T, K> {
    /// Another consumer sharing the same values; the ring stays open for
    /// producers until every consumer clone is dropped. Its
    /// [`lagged`](Consumer::lagged) count starts from this handle's.
    ///
    /// ```
    /// let (tx, rx) = ringweir::mpmc::channel::<u8>(16);
    /// let rx2 = rx.clone();
    /// tx.send(5).unwrap();
    /// assert_eq!(rx2.recv(), Ok(5));
    /// ```
    fn clone(&self) -> Self {
        self.ring.shared().add_consumer();
        Self::new(self.ring.clone(), self.evicted_seen.load(Ordering::Relaxed))
    }
}

impl<T, K: Topology> Drop for Consumer<T, K> {
    fn drop(&mut self) {
        // A wake-up this handle's stream got and will not act on goes to
        // another waiter.
        #[cfg(feature = "async")]
        {
            let mut ticket = std::mem::take(&mut self.stream);
            self.cancel_recv(&mut ticket);
        }
        // Before the flag that lets producers discard: the drain below may
        // run beside them.
        self.ring.share_pops(self.local.get_mut());
        if self.ring.shared().remove_consumer() {
            // The last consumer drops what is queued now rather than leaving
            // it to whichever handle goes last (a producer may run for
            // long). A panicking `Drop` of `T` unwinds out of here; the
            // guard still retires this handle, the values not yet taken stay
            // in the ring and its own `Drop` disposes of them, so none is
            // dropped twice or leaked.
            let retire = Retire {
                ring: &*self.ring,
                local: self.local.get_mut(),
                _values: PhantomData,
            };
            let discarded = &retire.ring.shared().counters.discarded;
            while let Some(value) = retire.ring.try_pop(retire.local) {
                Counters::bump(discarded);
                drop(value);
            }
        }
    }
}

impl<T, K: Topology> std::fmt::Debug for Consumer<T, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fmt_handle("Consumer", &*self.ring, f)
    }
}

/// Tells the ring that its last consumer is gone, even when dropping a
/// drained value panicked.
struct Retire<'a, R: Ring<T>, T> {
    ring: &'a R,
    local: &'a mut R::PopLocal,
    _values: PhantomData<fn() -> T>,
}

impl<R: Ring<T>, T> Drop for Retire<'_, R, T> {
    fn drop(&mut self) {
        self.ring.retire_pop(self.local);
    }
}

/// Draining iterator of a consumer ([`Consumer::try_iter`]): yields what is
/// queued, never waits.
///
/// ```
/// let (tx, rx) = ringweir::spsc::channel::<u8>(4);
/// tx.send(1).unwrap();
/// tx.send(2).unwrap();
/// let got: Vec<u8> = rx.try_iter().collect();
/// assert_eq!(got, [1, 2]);
/// ```
#[derive(Debug)]
pub struct TryIter<'a, T, K: Topology> {
    consumer: &'a Consumer<T, K>,
}

/// Blocking iterator of a consumer ([`Consumer::iter`], `for v in &rx`):
/// waits for each value, ends once the ring is closed and drained.
///
/// ```
/// let (tx, rx) = ringweir::spsc::channel::<u8>(4);
/// let t = std::thread::spawn(move || for i in 0..10 { tx.send(i).unwrap(); });
/// assert_eq!(rx.iter().sum::<u8>(), 45);
/// t.join().unwrap();
/// ```
#[derive(Debug)]
pub struct Iter<'a, T, K: Topology> {
    consumer: &'a Consumer<T, K>,
}

/// Blocking iterator that owns its consumer (`for v in rx`): waits for each
/// value, ends once the ring is closed and drained, and drops the consumer
/// with it.
///
/// ```
/// let (tx, rx) = ringweir::mpsc::channel::<u8>(4);
/// let t = std::thread::spawn(move || for i in 0..10 { tx.send(i).unwrap(); });
/// let mut total = 0;
/// for v in rx {
///     total += v;
/// }
/// assert_eq!(total, 45);
/// t.join().unwrap();
/// ```
#[derive(Debug)]
pub struct IntoIter<T, K: Topology> {
    consumer: Consumer<T, K>,
}

impl<T, K: Topology> Iterator for TryIter<'_, T, K> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.consumer.try_recv().ok()
    }
}

impl<T, K: Topology> Iterator for Iter<'_, T, K> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.consumer.recv().ok()
    }
}

impl<T, K: Topology> Iterator for IntoIter<T, K> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.consumer.recv().ok()
    }
}

impl<'a, T, K: Topology> IntoIterator for &'a Consumer<T, K> {
    type Item = T;
    type IntoIter = Iter<'a, T, K>;
    fn into_iter(self) -> Iter<'a, T, K> {
        self.iter()
    }
}

impl<'a, T, K: Topology> IntoIterator for &'a mut Consumer<T, K> {
    type Item = T;
    type IntoIter = Iter<'a, T, K>;
    fn into_iter(self) -> Iter<'a, T, K> {
        self.iter()
    }
}

impl<T, K: Topology> IntoIterator for Consumer<T, K> {
    type Item = T;
    type IntoIter = IntoIter<T, K>;
    fn into_iter(self) -> IntoIter<T, K> {
        IntoIter { consumer: self }
    }
}
