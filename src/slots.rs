//! A ring's value memory: allocating its slot array, with every capacity
//! mistake turned into a [`CapacityError`] instead of a panic or an abort,
//! and showing values in place where they lie.

use crate::error::{CapacityError, CapacityReason};
use crate::sync::UnsafeCell;
use std::mem::{size_of, MaybeUninit};

/// A place for one value in a ring.
pub(crate) type Cell<T> = UnsafeCell<MaybeUninit<T>>;

/// The largest capacity any ring accepts, whatever the element size: it
/// keeps every index computation (lap bits, `2 * capacity` sums) clear of
/// overflow.
pub(crate) const MAX_CAPACITY: usize = 1 << (usize::BITS - 2);

/// The largest capacity for slots of type `S`.
pub(crate) fn max_capacity<S>() -> usize {
    MAX_CAPACITY.min(isize::MAX as usize / size_of::<S>().max(1))
}

/// Checks `capacity` for values held `per_group` to a slot of type `S` and
/// reserves memory for the `capacity.div_ceil(per_group)` slots that takes.
/// Errors name `capacity`, the number of values asked for.
fn reserve_grouped<S>(capacity: usize, per_group: usize) -> Result<Vec<S>, CapacityError> {
    if capacity == 0 {
        return Err(CapacityError::new(0, CapacityReason::Zero));
    }
    let max = MAX_CAPACITY.min(max_capacity::<S>().saturating_mul(per_group));
    if capacity > max {
        return Err(CapacityError::new(
            capacity,
            CapacityReason::TooLarge { max },
        ));
    }
    let groups = capacity.div_ceil(per_group);
    let mut slots = Vec::new();
    slots.try_reserve_exact(groups).map_err(|_| {
        CapacityError::new(
            capacity,
            CapacityReason::AllocationFailed {
                bytes: groups.saturating_mul(size_of::<S>()),
            },
        )
    })?;
    Ok(slots)
}

/// `capacity` slots, each made by `make(index)`.
pub(crate) fn build<S>(
    capacity: usize,
    make: impl FnMut(usize) -> S,
) -> Result<Box<[S]>, CapacityError> {
    build_grouped(capacity, 1, make)
}

/// The `capacity.div_ceil(per_group)` slots that hold `capacity` values
/// `per_group` to a slot, each made by `make(index)`.
pub(crate) fn build_grouped<S>(
    capacity: usize,
    per_group: usize,
    make: impl FnMut(usize) -> S,
) -> Result<Box<[S]>, CapacityError> {
    let mut slots = reserve_grouped::<S>(capacity, per_group)?;
    slots.extend((0..capacity.div_ceil(per_group)).map(make));
    Ok(slots.into_boxed_slice())
}

/// Shows `look` the values of `cells` where they lie, then drops them there:
/// one slice for the whole run (under loom, whose cells track each access
/// on its own, one slice per value). If `look` panics, the values are still
/// dropped; if a value's drop panics, the rest of the run is still dropped
/// (a second panic aborts, as for a `Vec`'s elements).
///
/// # Safety
/// Every cell holds a published value that the caller owns and touches no
/// more: this drops it.
#[inline(always)]
pub(crate) unsafe fn look_then_drop<T>(cells: &[Cell<T>], look: &mut impl FnMut(&[T])) {
    /// Drops a run of values in place when it goes, also while unwinding.
    struct DropRun<T>(*mut [T]);
    impl<T> Drop for DropRun<T> {
        fn drop(&mut self) {
            // Why this is sound: the slice's drop glue keeps dropping after
            // a panicking element, and the caller never touches the values
            // again.
            // SAFETY: initialized values owned by `look_then_drop`'s caller.
            unsafe { std::ptr::drop_in_place(self.0) }
        }
    }
    #[cfg(not(loom))]
    {
        // `Cell<T>` is `UnsafeCell<MaybeUninit<T>>`, both transparent: the
        // run has the layout of a `[T]`. Writing through it (the drop) is
        // allowed: the values are inside `UnsafeCell`s.
        let run = std::ptr::slice_from_raw_parts_mut(cells.as_ptr() as *mut T, cells.len());
        let run = DropRun(run);
        // SAFETY: initialized values (the caller's contract), not changed
        // while `look` holds the shared slice.
        look(unsafe { &*run.0 });
    }
    #[cfg(loom)]
    for cell in cells {
        cell.with_mut(|value| {
            let run = DropRun(std::ptr::slice_from_raw_parts_mut(value.cast::<T>(), 1));
            // SAFETY: as above, for one value.
            look(unsafe { &*run.0 });
        });
    }
}
