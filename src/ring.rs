//! The contract between a ring protocol (how slots are claimed and
//! published) and the handle logic on top of it (overflow policies, waiting,
//! closing, counting), so each protocol is written once and each policy is
//! written once.

use crate::shared::Shared;
use crate::stats::{Pressure, Stats};

/// A bounded ring protocol.
///
/// # Safety
///
/// Implementations must hand each pushed value to exactly one of: a
/// `try_pop`, a `push_evicting` (as its return value), or the ring's own
/// `Drop`. The handle layer relies on this to never lose or duplicate a
/// value. A `PushLocal`/`PopLocal` belongs to exactly one handle; the
/// protocol may rely on that for its single-producer or single-consumer
/// assumptions.
pub unsafe trait Ring<T> {
    /// What a producer handle keeps for itself (cached indices).
    type PushLocal;
    /// What a consumer handle keeps for itself (cached indices).
    type PopLocal;

    /// The state beside the slots.
    fn shared(&self) -> &Shared;

    /// Local state for a new producer handle.
    fn push_local(&self) -> Self::PushLocal;

    /// Local state for a new consumer handle.
    fn pop_local(&self) -> Self::PopLocal;

    /// Enqueues `value` if there is room, else hands it back. Ignores
    /// closing and never waits.
    fn try_push(&self, local: &mut Self::PushLocal, value: T) -> Result<(), T>;

    /// Enqueues `value` if there is room, for a sender polling while it
    /// waits: it may also hand `value` back while a consumer is still
    /// taking the value in the slot it needs (not only when the ring is
    /// full), so a protocol need not look at shared state to tell the two
    /// apart. Not for a decision to sleep or to report the ring full: those
    /// use `try_push`.
    #[inline(always)]
    fn push_waiting(&self, local: &mut Self::PushLocal, value: T) -> Result<(), T> {
        self.try_push(local, value)
    }

    /// Enqueues `value`, first evicting the oldest queued value if the ring
    /// is full; returns the evicted value. Only called on rings built with
    /// [`DropOldest`](crate::DropOldest), which the
    /// builder gives to protocols that support it.
    fn push_evicting(&self, local: &mut Self::PushLocal, value: T) -> Option<T>;

    /// Takes the oldest value, if any.
    fn try_pop(&self, local: &mut Self::PopLocal) -> Option<T>;

    /// Takes the oldest value, for a receiver polling while it waits: it
    /// may also return `None` while the value at the head is still being
    /// written (not only when the ring is empty), so a protocol need not
    /// look at shared state to tell the two apart. Not for a decision to
    /// sleep or to report the ring empty: those use `try_pop`.
    #[inline(always)]
    fn pop_waiting(&self, local: &mut Self::PopLocal) -> Option<T> {
        self.try_pop(local)
    }

    /// The oldest value, left in place, if one is published. Only for a
    /// ring's sole taker of values (one consumer handle, and no eviction):
    /// nobody else can take the value while the returned reference, which
    /// borrows the consumer's local state, lives.
    fn peek<'a>(&'a self, local: &'a mut Self::PopLocal) -> Option<&'a T>;

    /// Enqueues clones of the longest prefix of `values` that fits now and
    /// returns its length. Ignores closing and never waits. A protocol that
    /// can publishes the whole run with one store. If a `clone` panics, the
    /// clones made before it stay queued and published.
    fn push_slice(&self, local: &mut Self::PushLocal, values: &[T]) -> usize
    where
        T: Clone,
    {
        // One claim per value: a value that finds the ring full is a clone
        // that is dropped here (the caller still holds the original).
        let mut queued = 0;
        for value in values {
            if self.try_push(local, value.clone()).is_err() {
                break;
            }
            queued += 1;
        }
        queued
    }

    /// Takes up to `max` values, oldest first, handing each to `sink`;
    /// returns how many. A protocol that can frees the whole run with one
    /// store. If `sink` panics, the values already handed over (including
    /// the one it panicked on) count as taken.
    fn pop_into(&self, local: &mut Self::PopLocal, max: usize, mut sink: impl FnMut(T)) -> usize {
        let mut taken = 0;
        while taken < max {
            let Some(value) = self.try_pop(local) else {
                break;
            };
            taken += 1;
            sink(value);
        }
        taken
    }

    /// Moves up to `out.len()` values into `out`, oldest first, by plain
    /// writes: what `out` held is overwritten, not dropped, so the handle
    /// calls this only for a `T` without drop glue (nothing here can then
    /// panic). Returns how many.
    fn pop_slice(&self, local: &mut Self::PopLocal, out: &mut [T]) -> usize {
        let mut slots = out.iter_mut();
        self.pop_into(local, slots.len(), |value| {
            if let Some(slot) = slots.next() {
                // A plain write: see above.
                std::mem::forget(std::mem::replace(slot, value));
            }
        })
    }

    /// Takes up to `max` values, oldest first, showing them to `look` in
    /// place as runs of one or more (a protocol that can hands out whole
    /// contiguous runs, and frees them with one store), then dropping them;
    /// returns how many. If `look` (or a value's drop) panics, the values
    /// of the runs shown so far, including the one it panicked on, count as
    /// taken and are dropped exactly once.
    fn pop_in_place(
        &self,
        local: &mut Self::PopLocal,
        max: usize,
        mut look: impl FnMut(&[T]),
    ) -> usize {
        self.pop_into(local, max, |value| look(std::slice::from_ref(&value)))
    }

    /// The consumer handle owning `local` is about to leave: from here on
    /// (its drain), pops through `local` may run beside producers that
    /// discard orphans, and must be safe beside theirs.
    fn share_pops(&self, local: &mut Self::PopLocal) {
        let _ = local;
    }

    /// The consumer handle owning `local` is going away (after draining).
    fn retire_pop(&self, local: &mut Self::PopLocal) {
        let _ = local;
    }

    /// Called by a producer once the last consumer has left: drops every
    /// queued value (calling `counted` before each), as the last consumer's
    /// drain does. Safe to run beside that drain and beside other producers
    /// doing the same. `wait`: the caller pushed while the consumer was
    /// leaving, and its value must be gone when this returns; where the
    /// protocol lets one thread at a time pop, it then waits for the
    /// drain to end. Without `wait` it never waits: where it cannot pop
    /// now, it leaves the values to a later call or to the ring's drop (a
    /// call made from within the drain, by a value's `Drop`, must not wait
    /// for that drain).
    fn discard_orphans(&self, counted: &mut dyn FnMut(), wait: bool);

    /// How many values ever entered the ring, and how many ever left it
    /// through the head (received or evicted). Wrapping counts; the second is
    /// loaded first, so `entered - left` never underflows.
    fn positions(&self) -> (usize, usize);

    /// Values queued now: a snapshot, exact when the ring is quiet.
    fn len(&self) -> usize {
        let (entered, left) = self.positions();
        entered.wrapping_sub(left).min(self.capacity())
    }

    /// How many values the ring holds at most.
    fn capacity(&self) -> usize {
        self.shared().config.capacity
    }

    /// How full the ring is now, with the shared hysteresis state.
    fn pressure(&self) -> Pressure {
        self.shared().pressure(self.len())
    }

    /// The ring's counters, with `sent` and `received` from its positions.
    fn stats(&self) -> Stats {
        let shared = self.shared();
        shared.counters.snapshot(shared.tally, || self.positions())
    }
}
