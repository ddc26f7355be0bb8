//! The single-producer single-consumer protocol, for rings that never evict
//! (`Overflow::Block` and `Overflow::DropNewest`).
//!
//! # Protocol
//!
//! `tail` counts every value the producer ever published and `head` every
//! value the consumer ever took; both only grow (wrapping at `usize::MAX`,
//! which `wrapping_sub` absorbs because the capacity is at most
//! `usize::MAX / 4`). So `tail - head` is the length, and the counters double
//! as the ring's `sent` and `received` statistics at no cost.
//!
//! - Only the producer writes `tail`, only the consumer writes `head`; each
//!   sits on its own cache-padded line.
//! - Each slot carries a stamp next to its value: the producer stores
//!   `position + 1` there after writing the value of `position`. The
//!   consumer at `head` finds its next value ready when the slot's stamp is
//!   `head + 1`, so it never reads `tail`: the value and the news that it
//!   is there arrive in one cache line. A round trip then costs one line
//!   hand-off each way (as the bare two-atomics ping-pong does) instead of
//!   two (first `tail`, then the slot), and a consumer at the producer's
//!   heels stops pulling the `tail` line away from it on every value.
//! - The producer keeps a private copy of `head` and reloads the shared
//!   one only when its copy says full, so in steady state it touches the
//!   consumer's line once per wrap, not once per value. It still stores
//!   `tail` (its own line, which only `len`, the statistics and `Drop`
//!   read).
//! - Each handle keeps its slot index privately and wraps it by
//!   compare-and-reset: no division, any capacity.
//!
//! Stamps never lie: a slot's stamp is the start position (never written),
//! or `p + 1` for the last position `p` written there, with `p` equal to
//! the consumer's `head` (ready) or to `head - capacity` (last lap's, taken
//! already). Neither of the stale values can equal `head + 1`, because
//! `0 < capacity < usize::MAX` and a never-written slot means `head <
//! capacity`. The cost is one `usize` per slot.
//!
//! Orderings: the producer writes the slot's value, then stores its stamp
//! (and `tail`) with Release; the consumer loads the stamp with Acquire
//! before reading the value, so the write happens-before the read.
//! Symmetrically the consumer's read of a slot happens-before the
//! producer's reuse of it through the Release store and Acquire load of
//! `head`.

use crate::error::CapacityError;
use crate::ring::Ring;
use crate::shared::{Config, Shared};
use crate::sync::{AtomicUsize, Ordering, UnsafeCell};
use crate::wait::Backoff;
use crossbeam_utils::CachePadded;
use std::mem::MaybeUninit;

/// One value and the stamp that says which position it holds.
struct Slot<T> {
    /// `position + 1` of the value last written here, or the ring's start
    /// position if none was (see the module docs).
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

/// A bounded SPSC ring of exactly `capacity` slots.
pub(crate) struct FastRing<T> {
    /// Values taken so far; written by the consumer only.
    head: CachePadded<AtomicUsize>,
    /// Values published so far; written by the producer only.
    tail: CachePadded<AtomicUsize>,
    shared: CachePadded<Shared>,
    slots: Box<[Slot<T>]>,
    /// The consumer's slot index, left here when its handle goes so that
    /// `Drop` knows where the leftovers start (`head % capacity` would be
    /// wrong once the counter has wrapped on a 32-bit target).
    head_index: AtomicUsize,
    /// Set (Release) once the consumer has retired: from then on the
    /// producer may pop, to discard values it pushed after the consumer left.
    retired: AtomicUsize,
}

/// The producer's private view.
pub(crate) struct PushLocal {
    /// Equal to the ring's `tail` (only this handle writes it).
    tail: usize,
    /// `tail % capacity`, kept by compare-and-reset.
    index: usize,
    /// A value `head` had at some point; the true `head` is never smaller.
    head_seen: usize,
}

/// The consumer's private view.
pub(crate) struct PopLocal {
    /// Equal to the ring's `head` (only this handle writes it).
    head: usize,
    /// `head % capacity`, kept by compare-and-reset.
    index: usize,
}

impl<T> FastRing<T> {
    pub(crate) fn new(config: Config) -> Result<Self, CapacityError> {
        Self::starting_at(config, 0)
    }

    /// A ring whose counters start at `start` instead of 0 (tests use it to
    /// cross the `usize` wrap-around).
    fn starting_at(config: Config, start: usize) -> Result<Self, CapacityError> {
        Ok(Self {
            head: CachePadded::new(AtomicUsize::new(start)),
            tail: CachePadded::new(AtomicUsize::new(start)),
            shared: CachePadded::new(Shared::new(config)),
            slots: crate::slots::build(config.capacity, |_| Slot {
                stamp: AtomicUsize::new(start),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            })?,
            head_index: AtomicUsize::new(0),
            retired: AtomicUsize::new(0),
        })
    }

    #[inline(always)]
    fn capacity(&self) -> usize {
        self.slots.len()
    }
}

// Head and tail never share a cache line (false sharing would make every
// push and pop contend on one line).
static_assertions::const_assert!(
    std::mem::offset_of!(FastRing<u8>, head).abs_diff(std::mem::offset_of!(FastRing<u8>, tail))
        >= std::mem::size_of::<CachePadded<AtomicUsize>>()
);

// SAFETY: the ring moves `T` values between threads (so `T: Send`) and
// never shares a `&T` between them: each slot is accessed by one side at a
// time, as the protocol above arbitrates through `head` and `tail`.
unsafe impl<T: Send> Send for FastRing<T> {}
// SAFETY: as for `Send`; all shared mutation goes through atomics or
// through slots the protocol hands to exactly one side.
unsafe impl<T: Send> Sync for FastRing<T> {}

// SAFETY: each value goes from `try_push` to exactly one `try_pop` or to
// `Drop` (the slots between `head` and `tail`); `push_evicting` is never
// reached (see there). The handle layer gives out one `PushLocal` and one
// `PopLocal` per ring, which is what makes the single-writer claims hold.
unsafe impl<T> Ring<T> for FastRing<T> {
    type PushLocal = PushLocal;
    type PopLocal = PopLocal;
    // `push_evicting` is unreachable here (see there).
    const CAN_EVICT: bool = false;

    fn shared(&self) -> &Shared {
        &self.shared
    }

    fn push_local(&self) -> PushLocal {
        // Called once, before any push: `tail` is the start value and the
        // slot index is 0.
        let tail = self.tail.load(Ordering::Relaxed);
        PushLocal {
            tail,
            index: 0,
            head_seen: tail,
        }
    }

    fn pop_local(&self) -> PopLocal {
        PopLocal {
            head: self.head.load(Ordering::Relaxed),
            index: 0,
        }
    }

    #[inline]
    fn try_push(&self, local: &mut PushLocal, value: T) -> Result<(), T> {
        if local.tail.wrapping_sub(local.head_seen) == self.capacity() {
            // Acquire: the consumer's reads of the slots it freed happen
            // before we overwrite them.
            local.head_seen = self.head.load(Ordering::Acquire);
            if local.tail.wrapping_sub(local.head_seen) == self.capacity() {
                return Err(value);
            }
        }
        // Why this is sound: `index < capacity`. The slot is free: `tail - head <
        // capacity`, so the consumer has taken the value that was here a lap
        // ago (or there never was one), and it will not read this slot until
        // the stamp store below publishes it. We are the only producer.
        // SAFETY: `index < capacity`, kept by the compare-and-reset below.
        let slot = unsafe { self.slots.get_unchecked(local.index) };
        // SAFETY: a free slot, owned by the single producer until its stamp is stored.
        slot.value.with_mut(|cell| unsafe { (*cell).write(value) });
        local.tail = local.tail.wrapping_add(1);
        // Release: publishes the value to the consumer's Acquire load of the stamp.
        slot.stamp.store(local.tail, Ordering::Release);
        local.index += 1;
        if local.index == self.capacity() {
            local.index = 0;
        }
        // Release: `len`, the statistics and `Drop` read `tail`; the
        // consumer does not.
        self.tail.store(local.tail, Ordering::Release);
        Ok(())
    }

    fn push_slice(&self, local: &mut PushLocal, values: &[T]) -> usize
    where
        T: Clone,
    {
        let capacity = self.capacity();
        let mut free = capacity - local.tail.wrapping_sub(local.head_seen);
        if free < values.len() {
            // Acquire: as in `try_push`.
            local.head_seen = self.head.load(Ordering::Acquire);
            free = capacity - local.tail.wrapping_sub(local.head_seen);
        }
        let count = free.min(values.len());
        let (tail, ranges) = (local.tail, ranges(local.index, capacity, count));
        // Publishes `tail` for what was written, also when a `clone` panics.
        let mut run = Run {
            counter: &self.tail,
            position: &mut local.tail,
            index: &mut local.index,
            capacity,
            done: 0,
        };
        let mut values = &values[..count];
        for range in ranges {
            let (now, later) = values.split_at(range.len());
            values = later;
            for (slot, value) in self.slots[range].iter().zip(now) {
                // Why this is sound: the `count` slots from `index` on are
                // free (as in `try_push`: `tail - head + count <= capacity`),
                // and only this producer writes them until it stamps them.
                // SAFETY: a free slot of the run, owned by the single producer.
                slot.value
                    .with_mut(|c| unsafe { (*c).write(value.clone()) });
                run.done += 1;
                // Release: as in `try_push`.
                slot.stamp
                    .store(tail.wrapping_add(run.done), Ordering::Release);
            }
        }
        count
    }

    fn pop_into(&self, local: &mut PopLocal, max: usize, mut sink: impl FnMut(T)) -> usize {
        let capacity = self.capacity();
        // At most one lap: the slots we take stay ours until `Run` stores
        // `head`, so the producer cannot refill the first one meanwhile.
        let (head, ranges) = (local.head, ranges(local.index, capacity, max.min(capacity)));
        // Frees what was taken, also when `sink` panics.
        let mut run = Run {
            counter: &self.head,
            position: &mut local.head,
            index: &mut local.index,
            capacity,
            done: 0,
        };
        'run: for range in ranges {
            for slot in &self.slots[range] {
                // Acquire: as in `try_pop`.
                if slot.stamp.load(Ordering::Acquire) != head.wrapping_add(run.done + 1) {
                    break 'run;
                }
                // Why this is sound: the stamp says the producer published
                // this position, and only this consumer reads it until `Run`
                // stores `head`; each value is moved out once, and counted
                // before `sink` can panic.
                // SAFETY: a published slot of the run, owned by the single consumer.
                let value = slot.value.with_mut(|c| unsafe { (*c).assume_init_read() });
                run.done += 1;
                sink(value);
            }
        }
        run.done
    }

    fn push_evicting(&self, _local: &mut PushLocal, _value: T) -> Option<T> {
        // The builder gives `Overflow::DropOldest` rings the stamped
        // protocol, where producer and consumer both claim the head by CAS;
        // this ring's head belongs to the consumer alone.
        unreachable!("ringweir: the SPSC fast ring is never built with Overflow::DropOldest")
    }

    #[inline]
    fn try_pop(&self, local: &mut PopLocal) -> Option<T> {
        // SAFETY: `index < capacity`, kept by the compare-and-reset below.
        let slot = unsafe { self.slots.get_unchecked(local.index) };
        let next = local.head.wrapping_add(1);
        // Acquire: the producer's write of the value happens before our read.
        if slot.stamp.load(Ordering::Acquire) != next {
            return None;
        }
        // Why this is sound: the stamp says the producer published position
        // `head` here, and it will not touch the slot again until our store
        // of `head` below frees it. We are the only consumer, and reading
        // moves the value out exactly once: `head` passes it next.
        // SAFETY: a published slot, owned by the single consumer until `head` is stored.
        let value = slot.value.with_mut(|c| unsafe { (*c).assume_init_read() });
        local.head = next;
        local.index += 1;
        if local.index == self.capacity() {
            local.index = 0;
        }
        // Release: our read of the slot happens before the producer reuses it.
        self.head.store(next, Ordering::Release);
        Some(value)
    }

    fn retire_pop(&self, local: &mut PopLocal) {
        // Relaxed: read by `Drop` (ordered by the last `Arc` drop) or by
        // `discard_orphans` after its Acquire load of `retired`.
        self.head_index.store(local.index, Ordering::Relaxed);
        // Release: hands the consumer's role, with `head` and `head_index`,
        // to the producer.
        self.retired.store(1, Ordering::Release);
    }

    fn discard_orphans(&self, counted: &mut dyn FnMut()) {
        // The last consumer sets `retired` when its drain is over; until
        // then it may still pop, and this ring allows one popper at a time.
        let mut backoff = Backoff::new();
        while self.retired.load(Ordering::Acquire) == 0 {
            backoff.snooze();
        }
        // We are the only producer, and the consumer is gone: the popping
        // side is ours now, starting where the consumer left it.
        let mut local = PopLocal {
            head: self.head.load(Ordering::Relaxed),
            index: self.head_index.load(Ordering::Relaxed),
        };
        while let Some(value) = self.try_pop(&mut local) {
            // Before dropping (which may panic): `Drop` starts from here.
            self.head_index.store(local.index, Ordering::Relaxed);
            counted();
            drop(value);
        }
    }

    fn positions(&self) -> (usize, usize) {
        let head = self.head.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Acquire);
        // The consumer finds values by their stamps, so it may take a value
        // before the producer's store of `tail` for it lands (or, after a
        // `push_slice`, before the whole run's). Such a `tail` is behind
        // `head` (by less than a lap, so by more than `capacity` in
        // wrapping terms): the values are gone, the ring is empty.
        if tail.wrapping_sub(head) > self.capacity() {
            (head, head)
        } else {
            (tail, head)
        }
    }
}

/// A run of consecutive slots being written (by the producer) or read (by
/// the consumer). Dropping it advances the handle's position and index by
/// `done` and stores the position once, with Release: for the consumer that
/// frees the run's slots (its reads happen-before the producer's Acquire
/// load of `head`); for the producer it updates `tail` for `len` and the
/// statistics (each slot's own stamp already published it).
struct Run<'a> {
    counter: &'a AtomicUsize,
    position: &'a mut usize,
    index: &'a mut usize,
    capacity: usize,
    /// Slots of the run finished so far.
    done: usize,
}

/// The `count` slots (`count <= capacity`) from `index` on, as at most two
/// index ranges: up to the end of the array, then from 0 on.
#[inline]
fn ranges(index: usize, capacity: usize, count: usize) -> [std::ops::Range<usize>; 2] {
    let first = count.min(capacity - index);
    [index..index + first, 0..count - first]
}

impl Drop for Run<'_> {
    fn drop(&mut self) {
        if self.done == 0 {
            return;
        }
        *self.position = self.position.wrapping_add(self.done);
        *self.index += self.done;
        if *self.index >= self.capacity {
            *self.index -= self.capacity;
        }
        // Release: see the type's docs.
        self.counter.store(*self.position, Ordering::Release);
    }
}

impl<T> Drop for FastRing<T> {
    fn drop(&mut self) {
        // `&mut self`: both handles are gone, so the counters are final.
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed);
        let capacity = self.capacity();
        let mut index = self.head_index.load(Ordering::Relaxed);
        for _ in 0..tail.wrapping_sub(head) {
            let cell = &self.slots[index].value;
            // SAFETY: the slots from `head` to `tail` hold published values
            // nobody took; each is dropped once, here.
            cell.with_mut(|c| unsafe { (*c).assume_init_drop() });
            index += 1;
            if index == capacity {
                index = 0;
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::{Overflow, Wait};
    use std::rc::Rc;

    fn config(capacity: usize) -> Config {
        Config {
            capacity,
            overflow: Overflow::Block,
            wait: Wait::Spin,
            high: capacity,
            low: 0,
            many_consumers: false,
        }
    }

    #[test]
    fn counters_cross_the_usize_wrap() {
        for capacity in [1, 3, 4] {
            let ring = FastRing::starting_at(config(capacity), usize::MAX - 7).unwrap();
            let (mut push, mut pop) = (ring.push_local(), ring.pop_local());
            let mut next = 0u32;
            for round in 0..20u32 {
                for i in 0..capacity as u32 {
                    assert_eq!(ring.try_push(&mut push, round * 100 + i), Ok(()));
                }
                assert_eq!(ring.try_push(&mut push, 999), Err(999));
                assert_eq!(ring.len(), capacity);
                for i in 0..capacity as u32 {
                    assert_eq!(ring.try_pop(&mut pop), Some(round * 100 + i));
                    next += 1;
                }
                assert_eq!(ring.try_pop(&mut pop), None);
                assert_eq!(ring.len(), 0);
            }
            let (sent, taken) = ring.positions();
            assert_eq!(sent.wrapping_sub(taken), 0);
            assert_eq!(next, 20 * capacity as u32);
        }
    }

    #[test]
    fn drop_releases_exactly_the_queued_values_after_a_wrap() {
        let value = Rc::new(());
        let ring = FastRing::starting_at(config(3), usize::MAX - 1).unwrap();
        let (mut push, mut pop) = (ring.push_local(), ring.pop_local());
        for _ in 0..3 {
            ring.try_push(&mut push, value.clone()).unwrap();
        }
        drop(ring.try_pop(&mut pop));
        drop(ring.try_pop(&mut pop));
        ring.try_push(&mut push, value.clone()).unwrap();
        ring.try_push(&mut push, value.clone()).unwrap();
        assert_eq!(Rc::strong_count(&value), 4);
        ring.retire_pop(&mut pop);
        drop(ring);
        assert_eq!(Rc::strong_count(&value), 1);
    }
}
