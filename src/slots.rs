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

/// Checks `capacity` for slots of type `S` and reserves memory for them.
pub(crate) fn reserve<S>(capacity: usize) -> Result<Vec<S>, CapacityError> {
    if capacity == 0 {
        return Err(CapacityError::new(0, CapacityReason::Zero));
    }
    let max = max_capacity::<S>();
    if capacity > max {
        return Err(CapacityError::new(
            capacity,
            CapacityReason::TooLarge { max },
        ));
    }
    let mut slots = Vec::new();
    slots.try_reserve_exact(capacity).map_err(|_| {
        CapacityError::new(
            capacity,
            CapacityReason::AllocationFailed {
                bytes: capacity.saturating_mul(size_of::<S>()),
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
    let mut slots = reserve::<S>(capacity)?;
    slots.extend((0..capacity).map(make));
    Ok(slots.into_boxed_slice())
}
