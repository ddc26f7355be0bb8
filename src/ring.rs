//! The contract between a ring protocol (how slots are claimed and
//! published) and the handle logic on top of it (overflow policies, waiting,
//! closing, counting), so each protocol is written once and each policy is
//! written once.

use crate::shared::Shared;

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
pub(crate) unsafe trait Ring<T> {
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

    /// Enqueues `value`, first evicting the oldest queued value if the ring
    /// is full; returns the evicted value. Only called on rings built with
    /// [`Overflow::DropOldest`](crate::Overflow::DropOldest), which the
    /// builder gives to protocols that support it.
    fn push_evicting(&self, local: &mut Self::PushLocal, value: T) -> Option<T>;

    /// Takes the oldest value, if any.
    fn try_pop(&self, local: &mut Self::PopLocal) -> Option<T>;

    /// The consumer handle owning `local` is going away (after draining).
    fn retire_pop(&self, local: &mut Self::PopLocal) {
        let _ = local;
    }

    /// Called by a producer that pushed while the last consumer was
    /// leaving: drops every queued value (calling `counted` before each), as
    /// the last consumer's drain does. Safe to run beside that drain and
    /// beside other producers doing the same.
    fn discard_orphans(&self, counted: &mut dyn FnMut());

    /// How many values ever entered the ring, and how many ever left it
    /// through the head (received or evicted). Wrapping counts; the second is
    /// loaded first, so `entered - left` never underflows.
    fn positions(&self) -> (usize, usize);

    /// Values queued now: a snapshot, exact when the ring is quiet.
    fn len(&self) -> usize {
        let (entered, left) = self.positions();
        entered
            .wrapping_sub(left)
            .min(self.shared().config.capacity)
    }
}
