//! Allocating a ring's slot array, with every capacity mistake turned into a
//! [`CapacityError`] instead of a panic or an abort.

use crate::error::{CapacityError, CapacityReason};
use std::mem::size_of;

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
