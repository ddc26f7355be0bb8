//! The ring of an spsc topology that never evicts: the fast protocol for
//! values of up to 64 bytes, the stamped one (one stamp per value, exactly
//! `capacity` slots) for larger values. The choice follows from the size of
//! `T` alone, a constant, so each method compiles to one protocol's code:
//! no test of which one at run time.

use super::fast::FastRing;
use super::stamped::StampedRing;
use crate::error::CapacityError;
use crate::ring::Ring;
use crate::shared::{Config, Shared};
use std::hint::unreachable_unchecked;
use std::mem::size_of;

/// The largest value, in bytes, that the fast protocol holds in blocks. A
/// block's stamp shares a cache line with its values only while they are
/// small, and a ring of blocks holds its capacity rounded up to whole
/// blocks (up to six values more than asked for): for a value of a cache
/// line or less that is a few hundred bytes at most.
const MAX_BLOCKED_VALUE: usize = 64;

/// Whether values of `T` go in the fast protocol's blocks.
const fn in_blocks<T>() -> bool {
    size_of::<T>() <= MAX_BLOCKED_VALUE
}

/// An spsc ring that never evicts. Holds `Fast` exactly when
/// `in_blocks::<T>()`.
pub enum SpscRing<T> {
    Fast(FastRing<T>),
    Stamped(StampedRing<T>),
}

/// A handle's local state, of the protocol its ring uses.
pub enum Local<F, S> {
    Fast(F),
    Stamped(S),
}

/// Runs `$body` on the protocol the ring (and the local state) holds. The
/// guards are constants: the arm that cannot be is compiled out.
macro_rules! on_ring {
    ($ring:expr, |$r:ident| $body:expr) => {
        match $ring {
            SpscRing::Fast($r) if in_blocks::<T>() => $body,
            SpscRing::Stamped($r) if !in_blocks::<T>() => $body,
            // SAFETY: `SpscRing::new` builds `Fast` exactly when
            // `in_blocks::<T>()`, and nothing changes the variant later.
            _ => unsafe { unreachable_unchecked() },
        }
    };
    ($ring:expr, $local:expr, |$r:ident, $l:ident| $body:expr) => {
        match ($ring, $local) {
            (SpscRing::Fast($r), Local::Fast($l)) if in_blocks::<T>() => $body,
            (SpscRing::Stamped($r), Local::Stamped($l)) if !in_blocks::<T>() => $body,
            // SAFETY: as above; a local state is made by its own ring's
            // `push_local`/`pop_local`, of the same variant.
            _ => unsafe { unreachable_unchecked() },
        }
    };
}

impl<T> SpscRing<T> {
    pub(crate) fn new(config: Config) -> Result<Self, CapacityError> {
        Ok(if in_blocks::<T>() {
            SpscRing::Fast(FastRing::new(config)?)
        } else {
            SpscRing::Stamped(StampedRing::new(config, true, false)?)
        })
    }
}

type PushLocalOf<T> =
    Local<<FastRing<T> as Ring<T>>::PushLocal, <StampedRing<T> as Ring<T>>::PushLocal>;
type PopLocalOf<T> =
    Local<<FastRing<T> as Ring<T>>::PopLocal, <StampedRing<T> as Ring<T>>::PopLocal>;

// SAFETY: each method is the chosen protocol's, which keeps the contract.
unsafe impl<T> Ring<T> for SpscRing<T> {
    type PushLocal = PushLocalOf<T>;
    type PopLocal = PopLocalOf<T>;

    #[inline(always)]
    fn shared(&self) -> &Shared {
        on_ring!(self, |r| r.shared())
    }
    fn push_local(&self) -> Self::PushLocal {
        match self {
            SpscRing::Fast(r) => Local::Fast(r.push_local()),
            SpscRing::Stamped(r) => {
                r.push_local();
                Local::Stamped(())
            }
        }
    }
    fn pop_local(&self) -> Self::PopLocal {
        match self {
            SpscRing::Fast(r) => Local::Fast(r.pop_local()),
            SpscRing::Stamped(r) => Local::Stamped(r.pop_local()),
        }
    }
    #[inline(always)]
    fn try_push(&self, local: &mut Self::PushLocal, value: T) -> Result<(), T> {
        on_ring!(self, local, |r, l| r.try_push(l, value))
    }
    #[inline(always)]
    fn push_waiting(&self, local: &mut Self::PushLocal, value: T) -> Result<(), T> {
        on_ring!(self, local, |r, l| r.push_waiting(l, value))
    }
    fn push_evicting(&self, _: &mut Self::PushLocal, _: T) -> Option<T> {
        unreachable!("ringweir: an spsc ring that never evicts was asked to evict")
    }
    #[inline(always)]
    fn try_pop(&self, local: &mut Self::PopLocal) -> Option<T> {
        on_ring!(self, local, |r, l| r.try_pop(l))
    }
    #[inline(always)]
    fn pop_waiting(&self, local: &mut Self::PopLocal) -> Option<T> {
        on_ring!(self, local, |r, l| r.pop_waiting(l))
    }
    #[inline(always)]
    fn peek<'a>(&'a self, local: &'a mut Self::PopLocal) -> Option<&'a T> {
        // Not `on_ring!`: its guards cannot hand out a borrow of `local`.
        match (self, local) {
            (SpscRing::Fast(r), Local::Fast(l)) => r.peek(l),
            (SpscRing::Stamped(r), Local::Stamped(l)) => r.peek(l),
            // SAFETY: a local state is made by its own ring, of the same variant.
            _ => unsafe { unreachable_unchecked() },
        }
    }
    #[inline]
    fn push_slice(&self, local: &mut Self::PushLocal, values: &[T]) -> usize
    where
        T: Clone,
    {
        on_ring!(self, local, |r, l| r.push_slice(l, values))
    }
    #[inline]
    fn pop_into(&self, local: &mut Self::PopLocal, max: usize, sink: impl FnMut(T)) -> usize {
        on_ring!(self, local, |r, l| r.pop_into(l, max, sink))
    }
    #[inline]
    fn pop_slice(&self, local: &mut Self::PopLocal, out: &mut [T]) -> usize {
        on_ring!(self, local, |r, l| r.pop_slice(l, out))
    }
    #[inline]
    fn pop_in_place(
        &self,
        local: &mut Self::PopLocal,
        max: usize,
        look: impl FnMut(&[T]),
    ) -> usize {
        on_ring!(self, local, |r, l| r.pop_in_place(l, max, look))
    }
    fn share_pops(&self, local: &mut Self::PopLocal) {
        on_ring!(self, local, |r, l| r.share_pops(l))
    }
    fn retire_pop(&self, local: &mut Self::PopLocal) {
        on_ring!(self, local, |r, l| r.retire_pop(l))
    }
    fn discard_orphans(&self, counted: &mut dyn FnMut(), wait: bool) {
        on_ring!(self, |r| r.discard_orphans(counted, wait))
    }
    fn positions(&self) -> (usize, usize) {
        on_ring!(self, |r| r.positions())
    }
    fn len(&self) -> usize {
        on_ring!(self, |r| r.len())
    }
}
