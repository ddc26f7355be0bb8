//! The sending handle, [`Producer`]: overflow policies, waiting and
//! timeouts, closing and counting on the send side, written once over the
//! [`Ring`] contract for every topology.

#[cfg(feature = "async")]
use super::SendFuture;
use super::{deadline_after, fmt_handle, AfterBatch, Local};
use crate::ring::Ring;
use crate::shared::Kind;
use crate::stats::Counters;
use crate::sync::Arc;
use crate::topology::{kind, sealed, ManyProducers, Topology};
#[cfg(feature = "async")]
use crate::wait::TaskTicket;
use crate::wait::{wait_until, Look};
use crate::{Overflow, Pressure, SendError, SendTimeoutError, Stats, TrySendError};
use std::marker::PhantomData;
#[cfg(feature = "async")]
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The sending half of a ring of topology `K` (its policy included).
///
/// Users write it by its topology's name: [`spsc::Producer<T>`](crate::spsc::Producer),
/// [`mpsc::Producer<T, P>`](crate::mpsc::Producer), and so on; code generic
/// over `K` serves every kind of ring (see [`Topology`]).
///
/// The handle's own state, written on every send, sits on cache lines of
/// its own: a handle placed next to the other side's (both on one stack,
/// or in one struct) never shares a line with it.
///
/// ```
/// let (tx, rx) = ringweir::spsc::channel::<u64>(8);
/// std::thread::spawn(move || tx.send(1)).join().unwrap().unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// ```
pub struct Producer<T, K: Topology> {
    ring: Arc<K::Ring<T>>,
    /// The protocol's producer state. Reached through `&self` only by the
    /// calls that run none of the caller's code while they hold it (see
    /// `with_local`); the calls that do (a `clone`) take `&mut self`.
    local: Local<PushLocal<T, K>>,
    /// What this handle's `Sink` holds until it is sent, and where it waits
    /// meanwhile: allocated at the sink's first use, so that a handle
    /// never holds a `T` of its own (a large `T` would make every handle
    /// as large).
    #[cfg(feature = "async")]
    sink: Option<Box<SinkSlot<T>>>,
    _values: PhantomData<fn(T)>,
}

type PushLocal<T, K> = <<K as sealed::Topology>::Ring<T> as Ring<T>>::PushLocal;

/// The item a producer's `Sink` holds, and where the sink waits.
#[cfg(feature = "async")]
struct SinkSlot<T> {
    held: Option<T>,
    ticket: TaskTicket,
}

/// What a successful send returns on a ring of topology `K`.
type Sent<T, K> = <<K as Topology>::Policy as Overflow>::Sent<T>;

/// What a send that may wait returns.
type Waited<T, K> = Result<Sent<T, K>, SendTimeoutError<T>>;

impl<T, K: Topology> Producer<T, K> {
    pub(crate) fn new(ring: Arc<K::Ring<T>>) -> Self {
        Self {
            local: Local::new(ring.push_local()),
            ring,
            #[cfg(feature = "async")]
            sink: None,
            _values: PhantomData,
        }
    }

    /// Sends `value` by the ring's [`Overflow`] policy:
    ///
    /// - [`Block`](crate::Block): waits (by the producer's
    ///   [`Wait`](crate::Wait)) while the ring is full; returns `()`.
    /// - [`DropNewest`](crate::DropNewest): on a full ring, hands `value`
    ///   back as [`Admission::Dropped`](crate::Admission::Dropped).
    /// - [`DropOldest`](crate::DropOldest): on a full ring, queues `value`
    ///   and hands back the oldest value as
    ///   [`Eviction::Evicted`](crate::Eviction::Evicted).
    ///
    /// # Errors
    /// [`SendError`] with the value when every consumer is gone.
    ///
    /// ```
    /// let (tx, rx) = ringweir::spsc::channel::<&str>(8);
    /// tx.send("hi").unwrap();
    /// assert_eq!(rx.recv(), Ok("hi"));
    /// drop(rx);
    /// assert_eq!(tx.send("bye").unwrap_err().into_inner(), "bye");
    /// ```
    #[inline(always)]
    pub fn send(&self, value: T) -> Result<Sent<T, K>, SendError<T>> {
        match self.send_until(value, None) {
            Ok(sent) => Ok(sent),
            Err(err) => Err(SendError(err.into_inner())),
        }
    }

    /// Like [`send`](Self::send), but a [`Block`](crate::Block) ring waits
    /// at most `timeout` for room. A zero timeout tries once; a timeout too
    /// long to represent waits forever.
    ///
    /// # Errors
    /// [`SendTimeoutError::Timeout`] or [`SendTimeoutError::Closed`], with
    /// the value.
    ///
    /// ```
    /// use std::time::Duration;
    /// let (tx, _rx) = ringweir::spsc::channel::<u8>(1);
    /// tx.send(1).unwrap();
    /// let err = tx.send_timeout(2, Duration::from_millis(5)).unwrap_err();
    /// assert!(err.is_timeout());
    /// ```
    pub fn send_timeout(&self, value: T, timeout: Duration) -> Waited<T, K> {
        self.send_until(value, deadline_after(timeout))
    }

    /// Like [`send_timeout`](Self::send_timeout), waiting until `deadline`
    /// at most. A deadline already past tries once.
    ///
    /// # Errors
    /// As for [`send_timeout`](Self::send_timeout).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let (tx, _rx) = ringweir::mpsc::channel::<u8>(1);
    /// tx.send(1).unwrap();
    /// let deadline = Instant::now() + Duration::from_millis(5);
    /// assert!(tx.send_deadline(2, deadline).unwrap_err().is_timeout());
    /// ```
    pub fn send_deadline(&self, value: T, deadline: Instant) -> Waited<T, K> {
        self.send_until(value, Some(deadline))
    }

    /// Sends `value` by the ring's policy, awaiting room on a full
    /// [`Block`](crate::Block) ring: the async form of
    /// [`send`](Self::send), for a producer in an async task (any
    /// executor: the future is driven by its `Waker` alone). On
    /// [`DropNewest`](crate::DropNewest) and [`DropOldest`](crate::DropOldest)
    /// rings it never waits and resolves at once to what `send` returns.
    ///
    /// The task is woken by the receive that frees a slot, or by the close,
    /// when the producer side [`Park`](crate::Wait::Park)s (the default);
    /// beside other waits nothing wakes it, so it re-polls itself through
    /// the executor until there is room. Dropping the future before it
    /// resolves never queues the value (see [`SendFuture`]).
    ///
    /// # Errors
    /// [`SendError`] with the value once every consumer is gone.
    ///
    /// ```
    /// let (mut tx, rx) = ringweir::spsc::channel::<u32>(1);
    /// let consumer = std::thread::spawn(move || (rx.recv(), rx.recv()));
    /// pollster::block_on(async {
    ///     tx.send_async(1).await.unwrap();
    ///     tx.send_async(2).await.unwrap(); // awaits room if 1 is still queued
    /// });
    /// assert_eq!(consumer.join().unwrap(), (Ok(1), Ok(2)));
    /// ```
    #[cfg(feature = "async")]
    pub fn send_async(&mut self, value: T) -> SendFuture<'_, T, K> {
        SendFuture::new(self, value)
    }

    /// Sends by the ring's policy, waiting until `deadline` at most (`None`:
    /// as long as it takes) when the policy is `Block`.
    ///
    /// The per-value methods here are `#[inline(always)]` (their slow paths
    /// are calls of their own): an instance that several call sites share
    /// left out of line would make every value pay a call and a result
    /// passed through memory.
    #[inline(always)]
    fn send_until(&self, value: T, deadline: Option<Instant>) -> Waited<T, K> {
        let ring = &*self.ring;
        let shared = ring.shared();
        if self.consumers_left() {
            return Err(SendTimeoutError::Closed(value));
        }
        // The policy is a constant: each ring's `send` compiles to its own
        // branch alone.
        if kind::<K>() == Kind::DropOldest {
            // One pass: pushing and, when full, evicting share the protocol's
            // full check instead of repeating it.
            let evicted = self.with_local(|local| ring.push_evicting(local, value));
            if evicted.is_some() {
                shared.after_eviction();
            }
            self.after_push(1);
            return Ok(K::Policy::sent(evicted));
        }
        match self.with_local(|local| ring.try_push(local, value)) {
            Ok(()) => {
                self.after_push(1);
                Ok(K::Policy::sent(None))
            }
            Err(value) if kind::<K>() == Kind::DropNewest => {
                Counters::bump(&shared.counters.dropped);
                Ok(K::Policy::sent(Some(value)))
            }
            Err(value) => self.send_blocking(value, deadline),
        }
    }

    #[cold]
    fn send_blocking(&self, value: T, deadline: Option<Instant>) -> Waited<T, K> {
        let ring = &*self.ring;
        let shared = ring.shared();
        if deadline.is_some_and(|d| d <= Instant::now()) {
            // A zero timeout tried once and found the ring full: it did not
            // wait, so it is not counted as a wait.
            return Err(SendTimeoutError::Timeout(value));
        }
        Counters::bump(&shared.counters.waits);
        let mut pending = Some(value);
        let done = wait_until(
            shared.config.producer_wait,
            &shared.not_full,
            deadline,
            |look| self.push_or_closed(&mut pending, look),
        );
        match done {
            Some(Ok(())) => {
                self.after_push(1);
                Ok(K::Policy::sent(None))
            }
            Some(Err(closed)) => Err(closed),
            None => Err(SendTimeoutError::Timeout(
                pending.expect("a timed-out send still holds its value"),
            )),
        }
    }

    /// One attempt of a waiting send of the value in `pending`: `Ok` once
    /// it is queued (the caller then runs `after_push`), `Closed` with the
    /// value once every consumer is gone, or `None` with the value back in
    /// `pending`: wait on.
    fn push_or_closed(
        &self,
        pending: &mut Option<T>,
        look: Look,
    ) -> Option<Result<(), SendTimeoutError<T>>> {
        let ring = &*self.ring;
        let value = pending.take()?;
        // Not `consumers_left`: this may run under the wait point's lock,
        // which the leaving consumer takes before it drains, and
        // discarding waits for that drain.
        if ring.shared().consumers_gone() {
            return Some(Err(SendTimeoutError::Closed(value)));
        }
        // A poll need not tell a full ring from a consumer still taking the
        // value in our slot (see `Ring::push_waiting`).
        let pushed = self.with_local(|local| match look {
            Look::Poll => ring.push_waiting(local, value),
            Look::Exact => ring.try_push(local, value),
        });
        match pushed {
            Ok(()) => Some(Ok(())),
            Err(value) => {
                *pending = Some(value);
                None
            }
        }
    }

    /// One poll of an async send of the value in `pending`, by a task that
    /// keeps `ticket` between its polls. Only a `Block` ring waits: the
    /// other policies send at once, as [`send`](Self::send) does. On a full
    /// `Block` ring: `Pending`, with the value kept in `pending` and the
    /// task's waker where the next receive (or the close) wakes it.
    /// Producers that do not `Park` are never woken: then the task wakes
    /// itself to be polled again.
    #[cfg(feature = "async")]
    pub(super) fn poll_send(
        &self,
        pending: &mut Option<T>,
        ticket: &mut TaskTicket,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Sent<T, K>, SendError<T>>> {
        let value = pending
            .take()
            .expect("ringweir: a send future polled after it completed");
        if kind::<K>() != Kind::Block {
            return Poll::Ready(self.send(value));
        }
        let done = match self.try_send(value) {
            Ok(()) => Ok(K::Policy::sent(None)),
            Err(TrySendError::Closed(value)) => Err(SendError(value)),
            Err(TrySendError::Full(value)) => {
                *pending = Some(value);
                return self.poll_wait_for_room(pending, ticket, cx);
            }
        };
        // Done without waiting now: if an earlier poll left the task in the
        // list, it leaves (a wake-up it got is used up by this send).
        self.ring.shared().not_full.stop_waiting(ticket, false);
        Poll::Ready(done)
    }

    /// The ring looked full: waits at `not_full` (see `poll_send`).
    #[cfg(feature = "async")]
    fn poll_wait_for_room(
        &self,
        pending: &mut Option<T>,
        ticket: &mut TaskTicket,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Sent<T, K>, SendError<T>>> {
        let shared = self.ring.shared();
        if ticket.first_wait() {
            Counters::bump(&shared.counters.waits);
        }
        if !shared.producers_sleep() {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let attempt = |look| self.push_or_closed(pending, look);
        match shared.not_full.poll_wait(ticket, cx.waker(), attempt) {
            Some(Ok(())) => {
                self.after_push(1);
                Poll::Ready(Ok(K::Policy::sent(None)))
            }
            Some(Err(closed)) => Poll::Ready(Err(SendError(closed.into_inner()))),
            None => Poll::Pending,
        }
    }

    /// The handle as a `Sink`: holds `value` until a flush sends it. The
    /// caller has seen `poll_sink_flush` ready, so nothing is held now.
    #[cfg(feature = "async")]
    pub(super) fn sink_hold(&mut self, value: T) {
        let slot = self.sink.get_or_insert_with(|| {
            Box::new(SinkSlot {
                held: None,
                ticket: TaskTicket::default(),
            })
        });
        debug_assert!(slot.held.is_none(), "start_send without poll_ready");
        slot.held = Some(value);
    }

    /// Sends the value the `Sink` holds, if any, by the ring's policy
    /// (awaiting room on a full `Block` ring). What a drop policy hands
    /// back (refused or evicted) is dropped here; the ring counts it.
    #[cfg(feature = "async")]
    pub(super) fn poll_sink_flush(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        let Some(mut slot) = self.sink.take() else {
            return Poll::Ready(Ok(()));
        };
        let sent = if slot.held.is_some() {
            self.poll_send(&mut slot.held, &mut slot.ticket, cx)
                .map_ok(drop)
        } else {
            Poll::Ready(Ok(()))
        };
        self.sink = Some(slot);
        sent
    }

    /// An async send gives up (its future is dropped or cancelled): if a
    /// consumer woke it for a slot it will not fill, another waiter gets
    /// the wake-up.
    #[cfg(feature = "async")]
    pub(super) fn cancel_send(&self, ticket: &mut TaskTicket) {
        self.ring.shared().not_full.stop_waiting(ticket, true);
    }

    /// Sends `value` if there is room right now. Never waits and never
    /// evicts, whatever the ring's policy.
    ///
    /// # Errors
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the value.
    ///
    /// ```
    /// let (tx, _rx) = ringweir::spsc::channel::<u8>(1);
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// assert_eq!(tx.try_send(2), Err(ringweir::TrySendError::Full(2)));
    /// ```
    #[inline(always)]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        if self.consumers_left() {
            return Err(TrySendError::Closed(value));
        }
        match self.with_local(|local| self.ring.try_push(local, value)) {
            Ok(()) => {
                self.after_push(1);
                Ok(())
            }
            Err(value) => Err(TrySendError::Full(value)),
        }
    }

    /// Queues clones of as many of `values` as fit right now, in order, and
    /// returns how many (0 when the ring is full). The run is published at
    /// once: on spsc rings of values up to 64 bytes that never evict, that
    /// is one atomic store for the whole run, not one per value. Never
    /// waits and never evicts, whatever the ring's policy, like
    /// [`try_send`](Self::try_send).
    ///
    /// If a `clone` panics, the clones made before it stay queued.
    ///
    /// # Errors
    /// [`SendError`] when every consumer is gone.
    ///
    /// ```
    /// let (mut tx, mut rx) = ringweir::spsc::channel::<u32>(4);
    /// assert_eq!(tx.try_send_slice(&[1, 2, 3, 4, 5, 6]), Ok(4));
    /// let mut out = [0; 8];
    /// assert_eq!(rx.try_recv_slice(&mut out), 4);
    /// assert_eq!(out[..4], [1, 2, 3, 4]);
    /// ```
    #[inline]
    pub fn try_send_slice(&mut self, values: &[T]) -> Result<usize, SendError<()>>
    where
        T: Clone,
    {
        if self.consumers_left() {
            return Err(SendError(()));
        }
        // The guard runs `after_push` even when a `clone` panics: the values
        // cloned before it are queued and sleeping consumers must hear. How
        // many is then unknown, so it wakes them all.
        let mut notify = AfterBatch {
            handle: self,
            done: usize::MAX,
            duty: |handle: &Self, pushed| handle.after_push(pushed),
        };
        let handle = &mut *notify.handle;
        // `&mut self`: each `clone` is the caller's code, run while the
        // protocol's state is borrowed here, so no other call of this
        // handle may run meanwhile.
        let queued = handle.ring.push_slice(handle.local.get_mut(), values);
        if queued == 0 {
            std::mem::forget(notify);
        } else {
            notify.done = queued;
        }
        Ok(queued)
    }

    /// Sends clones of all of `values`, in order, each by the ring's policy
    /// as [`send`](Self::send) would, but in runs published at once while
    /// there is room. When the ring is full, [`Block`](crate::Block) waits,
    /// [`DropNewest`](crate::DropNewest) drops the value that did not fit
    /// and [`DropOldest`](crate::DropOldest) evicts; on those two the result
    /// says how many values were lost ([`Lost`](crate::Lost)).
    ///
    /// # Errors
    /// [`SendError`] with how many values were sent, when every consumer is
    /// gone before the last one is.
    ///
    /// ```
    /// let (mut tx, rx) = ringweir::spsc::channel::<u32>(2);
    /// let t = std::thread::spawn(move || tx.send_slice(&[1, 2, 3, 4, 5]));
    /// let got: Vec<u32> = rx.iter().collect();
    /// assert_eq!(got, [1, 2, 3, 4, 5]);
    /// assert_eq!(t.join().unwrap(), Ok(()));
    /// ```
    pub fn send_slice(
        &mut self,
        values: &[T],
    ) -> Result<<K::Policy as Overflow>::SentSlice, SendError<usize>>
    where
        T: Clone,
    {
        let mut done = 0;
        let mut lost = 0;
        while done < values.len() {
            done += self
                .try_send_slice(&values[done..])
                .map_err(|_| SendError(done))?;
            if let Some(first) = values.get(done) {
                // The ring is full: this one value goes by the policy (waits,
                // is dropped or evicts), then the rest tries to run again.
                let sent = self
                    .send_until(first.clone(), None)
                    .map_err(|_| SendError(done))?;
                lost += usize::from(K::Policy::returned(sent).is_some());
                done += 1;
            }
        }
        Ok(K::Policy::sent_slice(lost))
    }

    /// Values queued now (a snapshot while others are active).
    ///
    /// ```
    /// let (tx, _rx) = ringweir::spsc::channel::<u8>(4);
    /// tx.send(1).unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// Whether nothing is queued now.
    ///
    /// ```
    /// let (tx, _rx) = ringweir::spsc::channel::<u8>(4);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the ring is full now.
    ///
    /// ```
    /// let (tx, _rx) = ringweir::spsc::channel::<u8>(1);
    /// tx.send(1).unwrap();
    /// assert!(tx.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.len() == self.capacity()
    }

    /// How many values the ring holds at most (exactly what was asked for).
    ///
    /// ```
    /// let (tx, _rx) = ringweir::spsc::channel::<u8>(1000);
    /// assert_eq!(tx.capacity(), 1000);
    /// ```
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// Whether every consumer is gone (sends now fail). Only a look: it
    /// changes nothing.
    ///
    /// ```
    /// let (tx, rx) = ringweir::spsc::channel::<u8>(4);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.ring.shared().consumers_gone()
    }

    /// How full the ring is, with hysteresis between the watermarks set by
    /// [`Builder::watermarks`](crate::Builder::watermarks): slow down or
    /// shed load on [`Pressure::High`].
    ///
    /// ```
    /// use ringweir::{Builder, Pressure};
    /// let (tx, _rx) = Builder::new(4).watermarks(2, 1).spsc::<u8>()?;
    /// tx.send(1).unwrap();
    /// assert_eq!(tx.pressure(), Pressure::Normal);
    /// tx.send(2).unwrap();
    /// assert_eq!(tx.pressure(), Pressure::High);
    /// # Ok::<(), ringweir::CapacityError>(())
    /// ```
    pub fn pressure(&self) -> Pressure {
        self.ring.pressure()
    }

    /// The ring's counters; every handle reports the same numbers.
    ///
    /// ```
    /// let (tx, _rx) = ringweir::spsc::channel::<u8>(4);
    /// tx.send(1).unwrap();
    /// assert_eq!(tx.stats().sent, 1);
    /// ```
    pub fn stats(&self) -> Stats {
        self.ring.stats()
    }

    /// Runs `push` with the protocol's producer state. A ring whose producer
    /// handles may be shared keeps none worth keeping (the stamped ring's is
    /// `()`): each call makes its own. Otherwise the handle's own is lent.
    #[inline(always)]
    fn with_local<R>(&self, push: impl FnOnce(&mut PushLocal<T, K>) -> R) -> R {
        // SAFETY: where producers are not shared this handle is not `Sync`
        // (see the `Sync` impls), and no caller of `with_local` runs the
        // user's code while `push` runs.
        unsafe {
            self.local
                .lend(K::SHARED_PRODUCERS, || self.ring.push_local(), push)
        }
    }

    /// Wakes up to `pushed` sleeping consumers; if every consumer left
    /// while we pushed, takes over their last duty and discards what is
    /// queued.
    #[inline(always)]
    fn after_push(&self, pushed: usize) {
        if self.ring.shared().after_push(pushed) {
            discard_orphans(&*self.ring, true);
        }
    }

    /// Whether every consumer is gone. If so, discards what is still queued
    /// before saying so: on a ring whose consumers never sleep, a value
    /// pushed while the last consumer left may have escaped both its drain
    /// and the pushing producer's check (see `Shared::remove_consumer`), and
    /// a send is where the producer finds it. It never waits here: on the
    /// spsc ring a discard that cannot pop at once (the drain is still on,
    /// or this thread is already discarding, from a value's `Drop`) leaves
    /// the values to a later send or to the ring's drop.
    #[inline(always)]
    fn consumers_left(&self) -> bool {
        if !self.ring.shared().consumers_gone() {
            return false;
        }
        discard_orphans(&*self.ring, false);
        true
    }
}

/// A producer pushed while the last consumer was leaving, or found it gone:
/// drop what is queued, counting it. Takes the ring, not the handle, so that
/// the handle's positions can stay in registers around this cold call.
#[cold]
fn discard_orphans<R: Ring<T>, T>(ring: &R, wait: bool) {
    let discarded = &ring.shared().counters.discarded;
    ring.discard_orphans(&mut || Counters::bump(discarded), wait);
}

impl<T, K: ManyProducers> Clone for Producer<T, K> {
    /// Another producer on the same ring; the ring stays open for consumers
    /// until every producer clone is dropped.
    ///
    /// ```
    /// let (tx, rx) = ringweir::mpsc::channel::<u8>(4);
    /// let tx2 = tx.clone();
    /// tx2.send(1).unwrap();
    /// drop((tx, tx2));
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert!(rx.recv().is_err());
    /// ```
    fn clone(&self) -> Self {
        self.ring.shared().add_producer();
        Self::new(self.ring.clone())
    }
}

impl<T, K: Topology> Drop for Producer<T, K> {
    fn drop(&mut self) {
        // A wake-up this handle's sink got and will not act on goes to
        // another waiter; a value it still holds was never queued.
        #[cfg(feature = "async")]
        if let Some(mut slot) = self.sink.take() {
            self.cancel_send(&mut slot.ticket);
        }
        self.ring.shared().remove_producer();
    }
}

impl<T, K: Topology> std::fmt::Debug for Producer<T, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fmt_handle("Producer", &*self.ring, f)
    }
}
