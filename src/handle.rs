//! The behaviour every ring shares, written once over the [`Ring`] contract:
//! overflow policies, waiting and timeouts, closing, counting, pressure and
//! lag. The public handle types of `spsc` (and of the multi-producer
//! modules) are thin wrappers that forward here.

use crate::cold::out_of_line_result;
use crate::ring::Ring;
use crate::stats::{Counters, Tally};
use crate::sync::{Arc, Ordering};
use crate::wait::{wait_until, Look};
use crate::{
    Overflow, Pressure, RecvTimeoutError, SendTimeoutError, Sent, Stats, TryRecvError, TrySendError,
};
use crossbeam_utils::CachePadded;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

/// Turns a timeout into a deadline; one too far to represent never passes.
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// The producer half of a ring, generic over its protocol.
///
/// The handle's own state, written on every send, sits on cache lines of
/// its own (`CachePadded` makes the whole handle line-aligned and
/// line-sized): a handle placed next to the other side's (both on one
/// stack under `thread::scope`, or in one struct) would otherwise share a
/// line with it and bounce that line between the cores on every value.
pub(crate) struct PushHandle<R: Ring<T>, T> {
    ring: Arc<R>,
    local: CachePadded<R::PushLocal>,
    _values: PhantomData<fn(T)>,
}

/// The consumer half of a ring, generic over its protocol.
///
/// Line-aligned and line-sized like [`PushHandle`], for the same reason:
/// `local` and `received` are written on every receive.
pub(crate) struct PopHandle<R: Ring<T>, T> {
    ring: Arc<R>,
    local: CachePadded<R::PopLocal>,
    /// The eviction count when this handle last reported its lag.
    evicted_seen: usize,
    /// Values this handle received (published under `Tally::ByConsumer`).
    received: usize,
    _values: PhantomData<fn() -> T>,
}

/// Builds the first producer and consumer of a new ring.
pub(crate) fn pair<R: Ring<T>, T>(ring: R) -> (PushHandle<R, T>, PopHandle<R, T>) {
    let ring = Arc::new(ring);
    let push = PushHandle {
        local: CachePadded::new(ring.push_local()),
        ring: ring.clone(),
        _values: PhantomData,
    };
    let pop = PopHandle {
        local: CachePadded::new(ring.pop_local()),
        ring,
        evicted_seen: 0,
        received: 0,
        _values: PhantomData,
    };
    (push, pop)
}

impl<R: Ring<T>, T> PushHandle<R, T> {
    /// Sends by the ring's overflow policy, waiting until `deadline` at most
    /// (`None`: as long as it takes) when the policy is `Block`.
    ///
    /// The per-value methods here are `#[inline(always)]` (their slow paths
    /// are calls of their own): with `#[inline]`, LLVM may leave an
    /// instance that several call sites share out of line (a program using
    /// one ring type under two topologies), and then every value pays the
    /// call and a result through memory.
    #[inline(always)]
    pub(crate) fn send_until(
        &mut self,
        value: T,
        deadline: Option<Instant>,
    ) -> Result<Sent<T>, SendTimeoutError<T>> {
        let ring = &*self.ring;
        let shared = ring.shared();
        if self.consumers_left() {
            return Err(SendTimeoutError::Closed(value));
        }
        // `CAN_EVICT`: a constant, so rings that cannot evict skip even the
        // test of the policy.
        if R::CAN_EVICT && shared.config.overflow == Overflow::DropOldest {
            // One pass: pushing and, when full, evicting share the protocol's
            // full check instead of repeating it.
            let evicted = ring.push_evicting(&mut self.local, value);
            if evicted.is_some() {
                shared.after_eviction();
            }
            self.after_push(1);
            return Ok(match evicted {
                Some(old) => Sent::Evicted(old),
                None => Sent::Queued,
            });
        }
        match ring.try_push(&mut self.local, value) {
            Ok(()) => {
                self.after_push(1);
                Ok(Sent::Queued)
            }
            Err(value) if shared.config.overflow == Overflow::DropNewest => {
                Counters::bump(&shared.counters.dropped);
                Ok(Sent::Dropped(value))
            }
            Err(value) => self.send_blocking(value, deadline),
        }
    }

    #[cold]
    fn send_blocking(
        &mut self,
        value: T,
        deadline: Option<Instant>,
    ) -> Result<Sent<T>, SendTimeoutError<T>> {
        let ring = &*self.ring;
        let local = &mut self.local;
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
            |look| {
                let value = pending.take()?;
                // Not `consumers_left`: this may run under the wait point's
                // lock, which the leaving consumer takes before it drains, and
                // discarding waits for that drain.
                if shared.consumers_gone() {
                    return Some(Err(SendTimeoutError::Closed(value)));
                }
                // A poll need not tell a full ring from a consumer still taking
                // the value in our slot (see `Ring::push_waiting`).
                let pushed = match look {
                    Look::Poll => ring.push_waiting(local, value),
                    Look::Exact => ring.try_push(local, value),
                };
                match pushed {
                    Ok(()) => Some(Ok(Sent::Queued)),
                    Err(value) => {
                        pending = Some(value);
                        None
                    }
                }
            },
        );
        match done {
            Some(Ok(sent)) => {
                self.after_push(1);
                Ok(sent)
            }
            Some(Err(closed)) => Err(closed),
            None => Err(SendTimeoutError::Timeout(
                pending.expect("a timed-out send still holds its value"),
            )),
        }
    }

    /// Enqueues if there is room; never waits, never evicts.
    #[inline(always)]
    pub(crate) fn try_send(&mut self, value: T) -> Result<(), TrySendError<T>> {
        let ring = &*self.ring;
        if self.consumers_left() {
            return Err(TrySendError::Closed(value));
        }
        match ring.try_push(&mut self.local, value) {
            Ok(()) => {
                self.after_push(1);
                Ok(())
            }
            Err(value) => Err(TrySendError::Full(value)),
        }
    }

    /// Enqueues clones of as many of `values` as fit now, published as one
    /// run where the protocol allows; never waits, never evicts. `None`
    /// when every consumer is gone.
    #[inline]
    pub(crate) fn try_send_slice(&mut self, values: &[T]) -> Option<usize>
    where
        T: Clone,
    {
        if self.consumers_left() {
            return None;
        }
        // The guard runs `after_push` even when a `clone` panics: the values
        // cloned before it are queued and sleeping consumers must hear. How
        // many is then unknown, so it wakes them all.
        let mut notify = AfterPush {
            handle: self,
            pushed: usize::MAX,
        };
        let handle = &mut *notify.handle;
        let queued = handle.ring.push_slice(&mut handle.local, values);
        if queued == 0 {
            std::mem::forget(notify);
        } else {
            notify.pushed = queued;
        }
        Some(queued)
    }

    /// Sends clones of all `values`, in order, by the ring's overflow policy
    /// (as `send_until(.., None)` would one by one), in runs where there is
    /// room. `Err(n)` when every consumer left after the first `n`.
    pub(crate) fn send_slice(&mut self, values: &[T]) -> Result<(), usize>
    where
        T: Clone,
    {
        let mut done = 0;
        while done < values.len() {
            done += self.try_send_slice(&values[done..]).ok_or(done)?;
            if let Some(first) = values.get(done) {
                // The ring is full: this one value goes by the policy (waits,
                // is dropped or evicts), then the rest tries to run again.
                self.send_until(first.clone(), None).map_err(|_| done)?;
                done += 1;
            }
        }
        Ok(())
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

    /// Whether every consumer is gone; if so, first discards what is
    /// queued (see [`consumers_left`]).
    #[inline(always)]
    fn consumers_left(&self) -> bool {
        consumers_left(&*self.ring)
    }

    /// Whether every consumer is gone. Only a look: discarding is left to
    /// the `&mut self` calls (see [`consumers_left`]), since an spsc
    /// producer's `&self` may be shared between threads, and the spsc ring
    /// lets one thread pop at a time.
    pub(crate) fn is_closed(&self) -> bool {
        self.ring.shared().consumers_gone()
    }

    /// A new producer on the same ring (multi-producer rings only).
    pub(crate) fn clone_handle(&self) -> Self {
        self.ring.shared().add_producer();
        Self {
            local: CachePadded::new(self.ring.push_local()),
            ring: self.ring.clone(),
            _values: PhantomData,
        }
    }

    pub(crate) fn view(&self) -> &R {
        &self.ring
    }
}

/// Whether every consumer is gone. If so, discards what is still queued
/// before saying so: on a ring whose consumers never sleep, a value pushed
/// while the last consumer left may have escaped both its drain and the
/// pushing producer's check (see `Shared::remove_consumer`), and a send is
/// where the producer finds it. It never waits here: on the spsc ring a
/// discard that cannot pop at once (the drain is still on) leaves the
/// values to a later send or to the ring's drop. Only for calls on
/// `&mut self`: on an spsc ring the discard pops, which one thread at a
/// time may do.
#[inline(always)]
fn consumers_left<R: Ring<T>, T>(ring: &R) -> bool {
    if !ring.shared().consumers_gone() {
        return false;
    }
    discard_orphans(ring, false);
    true
}

/// A producer pushed while the last consumer was leaving: drop what is
/// queued, counting it. Takes the ring, not the handle, so that the handle's
/// positions can stay in registers around this cold call.
#[cold]
fn discard_orphans<R: Ring<T>, T>(ring: &R, wait: bool) {
    let discarded = &ring.shared().counters.discarded;
    ring.discard_orphans(&mut || Counters::bump(discarded), wait);
}

impl<R: Ring<T>, T> Drop for PushHandle<R, T> {
    fn drop(&mut self) {
        self.ring.shared().remove_producer();
    }
}

/// Runs the producer's after-push duty for `pushed` values when dropped (a
/// batch push, even one cut short by a panicking `clone`).
struct AfterPush<'a, R: Ring<T>, T> {
    handle: &'a mut PushHandle<R, T>,
    pushed: usize,
}

impl<R: Ring<T>, T> Drop for AfterPush<'_, R, T> {
    fn drop(&mut self) {
        self.handle.after_push(self.pushed);
    }
}

impl<R: Ring<T>, T> PopHandle<R, T> {
    /// Takes a value if one is queued; wakes a blocked producer.
    #[inline(always)]
    fn pop(&mut self) -> Option<T> {
        let value = self.ring.try_pop(&mut self.local)?;
        self.took(1);
        Some(value)
    }

    /// `pop`, or `Closed` when the ring is empty and every producer is gone.
    #[inline(always)]
    pub(crate) fn try_recv(&mut self) -> Result<T, TryRecvError> {
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

    /// Every producer is gone. Their pushes happen before the flag we just
    /// saw (Release/Acquire), so one more look finds any value they left.
    #[cold]
    #[inline(never)]
    fn last_look(&mut self) -> Option<T> {
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
    pub(crate) fn recv_until(&mut self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        if let Some(value) = self.ring.pop_waiting(&mut self.local) {
            self.took(1);
            return Ok(value);
        }
        // Out of line with its result in registers (see
        // `out_of_line_result`), like the rest of this receive's.
        out_of_line_result(RecvTimeoutError::Timeout, || self.recv_waiting(deadline))
    }

    #[cold]
    fn recv_waiting(&mut self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        let ring = &*self.ring;
        let local = &mut self.local;
        let shared = ring.shared();
        // The caller found nothing at once; `wait_until`'s first attempt
        // (one spin hint later) tells a closed ring from an empty one.
        let attempt = |look| {
            let taken = match look {
                Look::Poll => ring.pop_waiting(local),
                Look::Exact => ring.try_pop(local),
            };
            if let Some(value) = taken {
                return Some(Ok(value));
            }
            if shared.producers_gone() {
                // Every producer is gone and their pushes happen before the
                // flag we just saw (Release/Acquire): one more look finds
                // any value they left.
                return Some(ring.try_pop(local).ok_or(RecvTimeoutError::Closed));
            }
            None
        };
        let taken = wait_until(
            shared.config.consumer_wait,
            &shared.not_empty,
            deadline,
            attempt,
        )
        .unwrap_or(Err(RecvTimeoutError::Timeout));
        if taken.is_ok() {
            self.took(1);
        }
        taken
    }

    /// Waits like `recv` for the first value, then takes up to `max - 1`
    /// more without waiting. Returns how many it appended (0 only when the
    /// ring is closed and drained, or `max` is 0).
    pub(crate) fn recv_many(&mut self, buf: &mut Vec<T>, max: usize) -> usize {
        if max == 0 {
            return 0;
        }
        match self.recv_until(None) {
            Ok(first) => buf.push(first),
            Err(_) => return 0,
        }
        1 + self.take_ready(buf, max - 1)
    }

    /// Appends up to `max` values that are already queued; never waits.
    pub(crate) fn take_ready(&mut self, buf: &mut Vec<T>, max: usize) -> usize {
        self.pop_into(max, |value| buf.push(value))
    }

    /// Moves up to `out.len()` queued values into `out`, oldest first,
    /// replacing (and dropping) what was there; never waits.
    pub(crate) fn try_recv_slice(&mut self, out: &mut [T]) -> usize {
        if !std::mem::needs_drop::<T>() {
            // Nothing in `out` to drop, so nothing can panic midway: the
            // protocol copies whole runs, and the count comes after.
            let taken = self.ring.pop_slice(&mut self.local, out);
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

    /// Waits like `recv` for the first value, then fills the rest of `out`
    /// from what is queued. 0 only when closed and drained, or `out` is empty.
    pub(crate) fn recv_slice(&mut self, out: &mut [T]) -> usize {
        let Some((first, rest)) = out.split_first_mut() else {
            return 0;
        };
        match self.recv_until(None) {
            Ok(value) => drop(std::mem::replace(first, value)),
            Err(_) => return 0,
        }
        1 + self.try_recv_slice(rest)
    }

    /// Shows up to `max` queued values to `look` in place, in runs, then
    /// drops them; never waits. Counted and the producer woken as in
    /// `pop_into`, also when `look` panics.
    pub(crate) fn try_recv_in_place(&mut self, max: usize, mut look: impl FnMut(&[T])) -> usize {
        let mut took = Took {
            handle: self,
            taken: 0,
        };
        let handle = &mut *took.handle;
        let taken = &mut took.taken;
        handle.ring.pop_in_place(&mut handle.local, max, |run| {
            *taken += run.len();
            look(run);
        })
    }

    /// Counts `n` values taken, then the consumer's after-pop duty (which
    /// lets up to `n` sleeping producers go on). Rings that cannot evict
    /// never tally receives: no count, no branch.
    #[inline(always)]
    fn took(&mut self, n: usize) {
        let shared = self.ring.shared();
        if R::CAN_EVICT {
            self.received = self.received.wrapping_add(n);
            shared.tally_received(self.received);
        }
        shared.after_pop(n);
    }

    /// Takes up to `max` values into `sink` as one run where the protocol
    /// allows, then counts them and wakes a blocked producer once (also when
    /// `sink` panics: the values it was handed are taken).
    fn pop_into(&mut self, max: usize, mut sink: impl FnMut(T)) -> usize {
        let mut took = Took {
            handle: self,
            taken: 0,
        };
        let handle = &mut *took.handle;
        let taken = &mut took.taken;
        handle.ring.pop_into(&mut handle.local, max, |value| {
            *taken += 1;
            sink(value);
        })
    }

    /// Values evicted since this handle last asked.
    pub(crate) fn lagged(&mut self) -> u64 {
        let evicted = self.evicted_so_far();
        let lag = evicted.wrapping_sub(self.evicted_seen);
        self.evicted_seen = evicted;
        lag as u64
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
                Counters::left_besides(taken, self.received, discarded)
            }
        }
    }

    /// Whether every producer is gone (values may still be queued).
    pub(crate) fn is_closed(&self) -> bool {
        self.ring.shared().producers_gone()
    }

    /// A new consumer on the same ring (multi-consumer rings only).
    pub(crate) fn clone_handle(&self) -> Self {
        self.ring.shared().add_consumer();
        Self {
            local: CachePadded::new(self.ring.pop_local()),
            ring: self.ring.clone(),
            evicted_seen: self.evicted_seen,
            received: 0,
            _values: PhantomData,
        }
    }

    pub(crate) fn view(&self) -> &R {
        &self.ring
    }
}

impl<R: Ring<T>, T> Drop for PopHandle<R, T> {
    fn drop(&mut self) {
        // Before the flag that lets producers discard: the drain below may
        // run beside them.
        self.ring.share_pops(&mut self.local);
        if self.ring.shared().remove_consumer() {
            // The last consumer drops what is queued now rather than leaving
            // it to whichever handle goes last (a producer may run for
            // long). A panicking `Drop` of `T` unwinds out of here; the
            // guard still retires this handle, the values not yet taken stay
            // in the ring and its own `Drop` disposes of them, so none is
            // dropped twice or leaked.
            let retire = Retire {
                ring: &*self.ring,
                local: &mut self.local,
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

/// Counts what a run took and runs the consumer's after-pop duty when
/// dropped, also when the run's sink panicked.
struct Took<'a, R: Ring<T>, T> {
    handle: &'a mut PopHandle<R, T>,
    taken: usize,
}

impl<R: Ring<T>, T> Drop for Took<'_, R, T> {
    fn drop(&mut self) {
        if self.taken > 0 {
            self.handle.took(self.taken);
        }
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

/// Read-only queries any handle can answer.
pub(crate) trait View<T> {
    fn len(&self) -> usize;
    fn capacity(&self) -> usize;
    fn pressure(&self) -> Pressure;
    fn stats(&self) -> Stats;
}

impl<T, R: Ring<T>> View<T> for R {
    fn len(&self) -> usize {
        Ring::len(self)
    }

    fn capacity(&self) -> usize {
        self.shared().config.capacity
    }

    fn pressure(&self) -> Pressure {
        self.shared().pressure(Ring::len(self))
    }

    fn stats(&self) -> Stats {
        let shared = self.shared();
        shared.counters.snapshot(shared.tally, || self.positions())
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::{mpmc, mpsc, spsc};
    use std::mem::{align_of, size_of};

    /// Every public handle owns whole cache lines, so two handles (or a
    /// handle and anything else) never share one: see [`super::PushHandle`].
    #[test]
    fn handles_own_their_cache_lines() {
        fn owns_lines<H>() {
            let line = align_of::<crossbeam_utils::CachePadded<u8>>();
            assert!(align_of::<H>() >= line, "{}", std::any::type_name::<H>());
            assert_eq!(size_of::<H>() % line, 0, "{}", std::any::type_name::<H>());
        }
        owns_lines::<spsc::Producer<u64>>();
        owns_lines::<spsc::Consumer<u64>>();
        owns_lines::<mpsc::Producer<u64>>();
        owns_lines::<mpsc::Consumer<u64>>();
        owns_lines::<mpmc::Consumer<[u8; 200]>>();
    }
}
