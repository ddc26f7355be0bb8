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
//! - The values live in blocks of [`PER_BLOCK`] (seven: with its stamp, a
//!   block of `u64`s fills one 64-byte cache line), and each block carries
//!   a stamp: after writing the value of `position` into a block, the
//!   producer stores `position + 1` into that block's stamp. Positions are
//!   published in order, so a stamp `s` says that every position below `s`
//!   is published, whichever block it is in.
//! - The consumer keeps `ready`, the highest stamp it has seen. While
//!   `head < ready` it takes values without any atomic load; once it
//!   catches up it loads the stamp of the block holding `head`, the line it
//!   is about to read anyway. So the value and the news that it is there
//!   arrive in one cache line: a round trip costs one line hand-off each way
//!   (as the bare two-atomics ping-pong does) instead of two (first `tail`,
//!   then the value), and a consumer at the producer's heels never pulls
//!   the `tail` line away from it. One stamp per block rather than per value
//!   keeps the values nearly as dense as a bare array (seven `u64`s per
//!   line instead of four), which is what a streaming transfer pays for.
//! - The producer keeps a private copy of `head` and reloads the shared
//!   one only when its copy says full, so in steady state it touches the
//!   consumer's line once per wrap, not once per value. It still stores
//!   `tail` (its own line, which only `len`, the statistics and `Drop`
//!   read).
//! - Each handle keeps privately where its position lives, as a *slot*:
//!   `block * STRIDE + offset`, with [`STRIDE`] the power of two at or above
//!   [`PER_BLOCK`], so a shift and a mask find the block and the value in
//!   it. Stepping skips the unused offsets and wraps by compare-and-reset
//!   at `end` (the slot of `capacity`): no division, any capacity; the last
//!   block may be partly used.
//!
//! Stamps never lie: let the consumer be at `head`, in block `b`, which
//! holds `k <= capacity` values per lap. The stamp of `b` is the ring's
//! start position (never written, so `head` is in its first lap and not
//! below the start), or `p + 1` for the last position `p` written into
//! `b`. Either `p >= head` (the value at `head` is published: the producer
//! writes in order), or `p` belongs to an earlier lap of `b`, so `p + 1 <=
//! head - capacity + k <= head`. Hence "published" is exactly `stamp >
//! head`, compared as the signed distance `stamp - head`, which always lies
//! within `(-capacity, capacity]`, far from the wrap.
//!
//! Orderings: the producer writes the value, then stores the block's stamp
//! (and `tail`) with Release; the consumer loads the stamp with Acquire
//! before reading any value below it, so every such write happens-before
//! the read. Symmetrically the consumer's read of a value happens-before
//! the producer's reuse of its place through the Release store and Acquire
//! load of `head`.

use crate::error::CapacityError;
use crate::ring::Ring;
use crate::shared::{Config, Shared};
use crate::sync::{AtomicUsize, Ordering, UnsafeCell};
use crate::wait::Backoff;
use crossbeam_utils::CachePadded;
use std::mem::MaybeUninit;

/// Values per block. Under loom, two, so that small models cross blocks.
pub(crate) const PER_BLOCK: usize = if cfg!(loom) { 2 } else { 7 };

/// Slots per block: [`PER_BLOCK`] rounded up to a power of two; the slots
/// from `PER_BLOCK` to `STRIDE` of each block are never used.
const STRIDE: usize = PER_BLOCK.next_power_of_two();

/// [`PER_BLOCK`] values and the stamp that says which of them are
/// published. Line-aligned, so a block of up to 56 bytes of values is one
/// cache line.
#[repr(C, align(64))]
struct Block<T> {
    /// `position + 1` of the value last written into this block, or the
    /// ring's start position if none was (see the module docs).
    stamp: AtomicUsize,
    values: [UnsafeCell<MaybeUninit<T>>; PER_BLOCK],
}

/// A bounded SPSC ring of exactly `capacity` values.
pub(crate) struct FastRing<T> {
    /// Values taken so far; written by the consumer only.
    head: CachePadded<AtomicUsize>,
    /// Values published so far; written by the producer only.
    tail: CachePadded<AtomicUsize>,
    shared: CachePadded<Shared>,
    /// `capacity.div_ceil(PER_BLOCK)` blocks.
    blocks: Box<[Block<T>]>,
    capacity: usize,
    /// The slot of position `capacity`, where stepping wraps to slot 0.
    end: usize,
    /// The consumer's slot, left here when its handle goes so that `Drop`
    /// knows where the leftovers start (from `head` it would take a
    /// division, and be wrong once the counter has wrapped on a 32-bit
    /// target).
    head_slot: AtomicUsize,
    /// Set (Release) once the consumer has retired: from then on the
    /// producer may pop, to discard values it pushed after the consumer left.
    retired: AtomicUsize,
}

/// The producer's private view.
pub(crate) struct PushLocal {
    /// Equal to the ring's `tail` (only this handle writes it).
    tail: usize,
    /// The slot of `tail % capacity` (see [`FastRing::step`]).
    slot: usize,
    /// A value `head` had at some point; the true `head` is never smaller.
    head_seen: usize,
}

/// The consumer's private view.
pub(crate) struct PopLocal {
    /// Equal to the ring's `head` (only this handle writes it).
    head: usize,
    /// The slot of `head % capacity` (see [`FastRing::step`]).
    slot: usize,
    /// A stamp this consumer loaded: every position below it is published.
    /// Once `head` reaches it, the next value needs a fresh stamp.
    ready: usize,
}

impl PopLocal {
    /// Whether the stamps already seen say that `head + ahead` is published.
    #[inline(always)]
    fn known_ready(&self, ahead: usize) -> bool {
        (self.ready.wrapping_sub(self.head.wrapping_add(ahead)) as isize) > 0
    }
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
            blocks: crate::slots::build_grouped(config.capacity, PER_BLOCK, |_| Block {
                stamp: AtomicUsize::new(start),
                values: std::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
            })?,
            capacity: config.capacity,
            end: config.capacity / PER_BLOCK * STRIDE + config.capacity % PER_BLOCK,
            head_slot: AtomicUsize::new(0),
            retired: AtomicUsize::new(0),
        })
    }

    #[inline(always)]
    fn capacity(&self) -> usize {
        self.capacity
    }

    /// The slot after `slot`: the next offset in its block, else the first
    /// of the next block, else (at `end`) slot 0.
    #[inline(always)]
    fn step(&self, slot: usize) -> usize {
        let mut next = slot + 1;
        if next % STRIDE == PER_BLOCK {
            next += STRIDE - PER_BLOCK;
        }
        if next == self.end {
            0
        } else {
            next
        }
    }

    /// The stamp of the block holding `slot`, and the slot's cell.
    ///
    /// # Safety
    /// `slot` is 0 or came from [`step`](Self::step): its offset is below
    /// `PER_BLOCK` and its block exists.
    #[inline(always)]
    unsafe fn place(&self, slot: usize) -> (&AtomicUsize, &UnsafeCell<MaybeUninit<T>>) {
        debug_assert!(slot < self.end && slot % STRIDE < PER_BLOCK);
        // A stepped slot is below `end` with an offset below `PER_BLOCK`;
        // `end`'s block is `blocks.len()` when its offset is 0 and the last
        // block otherwise.
        // SAFETY: so the slot's block exists.
        let block = unsafe { self.blocks.get_unchecked(slot / STRIDE) };
        // SAFETY: stepping skips the offsets from `PER_BLOCK` on.
        let cell = unsafe { block.values.get_unchecked(slot % STRIDE) };
        (&block.stamp, cell)
    }

    /// Loads the stamp of the block holding `local.head` and says whether
    /// that value is published, remembering the stamp in `local.ready`.
    #[inline(always)]
    fn refresh(&self, local: &mut PopLocal, stamp: &AtomicUsize) -> bool {
        // Acquire: the producer's writes of every value below the stamp
        // happen before our reads of them.
        local.ready = stamp.load(Ordering::Acquire);
        local.known_ready(0)
    }
}

// Head and tail never share a cache line (false sharing would make every
// push and pop contend on one line).
static_assertions::const_assert!(
    std::mem::offset_of!(FastRing<u8>, head).abs_diff(std::mem::offset_of!(FastRing<u8>, tail))
        >= std::mem::size_of::<CachePadded<AtomicUsize>>()
);

// SAFETY: the ring moves `T` values between threads (so `T: Send`) and
// never shares a `&T` between them: each value is accessed by one side at a
// time, as the protocol above arbitrates through the stamps and `head`.
unsafe impl<T: Send> Send for FastRing<T> {}
// SAFETY: as for `Send`; all shared mutation goes through atomics or
// through values the protocol hands to exactly one side.
unsafe impl<T: Send> Sync for FastRing<T> {}

// SAFETY: each value goes from `try_push` to exactly one `try_pop` or to
// `Drop` (the values between `head` and `tail`); `push_evicting` is never
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
        // slot is 0.
        let tail = self.tail.load(Ordering::Relaxed);
        PushLocal {
            tail,
            slot: 0,
            head_seen: tail,
        }
    }

    fn pop_local(&self) -> PopLocal {
        let head = self.head.load(Ordering::Relaxed);
        PopLocal {
            head,
            slot: 0,
            ready: head,
        }
    }

    #[inline]
    fn try_push(&self, local: &mut PushLocal, value: T) -> Result<(), T> {
        if local.tail.wrapping_sub(local.head_seen) == self.capacity() {
            // Acquire: the consumer's reads of the values it freed happen
            // before we overwrite them.
            local.head_seen = self.head.load(Ordering::Acquire);
            if local.tail.wrapping_sub(local.head_seen) == self.capacity() {
                return Err(value);
            }
        }
        // SAFETY: the handle's slot is 0 or stepped.
        let (stamp, cell) = unsafe { self.place(local.slot) };
        // Why this is sound: the place is free: `tail - head < capacity`,
        // so the consumer has taken the value that was here a lap ago (or
        // there never was one), and it will not read this place until the
        // stamp store below publishes it. We are the only producer.
        // SAFETY: a free place, owned by the single producer until it is stamped.
        cell.with_mut(|c| unsafe { (*c).write(value) });
        local.tail = local.tail.wrapping_add(1);
        // Release: publishes the value (and every earlier one) to the
        // consumer's Acquire load of the stamp.
        stamp.store(local.tail, Ordering::Release);
        local.slot = self.step(local.slot);
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
        // Publishes `tail` for what was written, also when a `clone` panics.
        let mut run = Run::new(&self.tail, &mut local.tail, &mut local.slot);
        for value in &values[..count] {
            // SAFETY: the run's slot is the handle's, stepped.
            let (stamp, cell) = unsafe { self.place(run.slot) };
            // Why this is sound: the `count` places from the handle's slot
            // on are free (as in `try_push`: `tail - head + count <=
            // capacity`), and only this producer writes them until it
            // stamps them.
            // SAFETY: a free place of the run, owned by the single producer.
            cell.with_mut(|c| unsafe { (*c).write(value.clone()) });
            run.done += 1;
            run.unstamped = Some(stamp);
            run.slot = self.step(run.slot);
            if run.slot % STRIDE == 0 {
                // The run leaves this block: one stamp publishes all it
                // wrote there. Release: as in `try_push`.
                stamp.store(run.start.wrapping_add(run.done), Ordering::Release);
                run.unstamped = None;
            }
        }
        // `run` stamps the block it ends in (also when a `clone` panicked)
        // and stores `tail`.
        count
    }

    fn pop_into(&self, local: &mut PopLocal, max: usize, mut sink: impl FnMut(T)) -> usize {
        // At most one lap: the places we take stay ours until `Run` stores
        // `head`, so the producer cannot refill the first one meanwhile.
        let max = max.min(self.capacity());
        let mut ready = Ready {
            head: local.head,
            ready: local.ready,
        };
        // Frees what was taken, also when `sink` panics.
        let mut run = Run::new(&self.head, &mut local.head, &mut local.slot);
        while run.done < max {
            // SAFETY: the run's slot is the handle's, stepped.
            let (stamp, cell) = unsafe { self.place(run.slot) };
            if !ready.at(run.done, stamp) {
                break;
            }
            // Why this is sound: a stamp says the producer published this
            // position, and only this consumer reads it until `Run` stores
            // `head`; each value is moved out once, and counted before
            // `sink` can panic.
            // SAFETY: a published place of the run, owned by the single consumer.
            let value = cell.with_mut(|c| unsafe { (*c).assume_init_read() });
            run.done += 1;
            run.slot = self.step(run.slot);
            sink(value);
        }
        let done = run.done;
        drop(run);
        // `ready` never falls behind `head`: a stale one (after a panic in
        // `sink`) would only cost a fresh stamp load, see `known_ready`.
        local.ready = ready.ready;
        done
    }

    fn push_evicting(&self, _local: &mut PushLocal, _value: T) -> Option<T> {
        // The builder gives `Overflow::DropOldest` rings the stamped
        // protocol, where producer and consumer both claim the head by CAS;
        // this ring's head belongs to the consumer alone.
        unreachable!("ringweir: the SPSC fast ring is never built with Overflow::DropOldest")
    }

    #[inline]
    fn try_pop(&self, local: &mut PopLocal) -> Option<T> {
        // SAFETY: the handle's slot is 0 or stepped.
        let (stamp, cell) = unsafe { self.place(local.slot) };
        if !local.known_ready(0) && !self.refresh(local, stamp) {
            return None;
        }
        // Why this is sound: a stamp above `head` says the producer
        // published position `head` here, and it will not touch the place
        // again until our store of `head` below frees it. We are the only
        // consumer, and reading moves the value out exactly once: `head`
        // passes it next.
        // SAFETY: a published place, owned by the single consumer until `head` is stored.
        let value = cell.with_mut(|c| unsafe { (*c).assume_init_read() });
        local.head = local.head.wrapping_add(1);
        local.slot = self.step(local.slot);
        // Release: our read of the value happens before the producer reuses
        // its place.
        self.head.store(local.head, Ordering::Release);
        Some(value)
    }

    fn retire_pop(&self, local: &mut PopLocal) {
        // Relaxed: read by `Drop` (ordered by the last `Arc` drop) or by
        // `discard_orphans` after its Acquire load of `retired`.
        self.head_slot.store(local.slot, Ordering::Relaxed);
        // Release: hands the consumer's role, with `head` and `head_slot`,
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
        // side is ours now, starting where the consumer left it (and
        // knowing no stamp yet).
        let head = self.head.load(Ordering::Relaxed);
        let mut local = PopLocal {
            head,
            slot: self.head_slot.load(Ordering::Relaxed),
            ready: head,
        };
        while let Some(value) = self.try_pop(&mut local) {
            // Before dropping (which may panic): `Drop` starts from here.
            self.head_slot.store(local.slot, Ordering::Relaxed);
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

/// The consumer's knowledge of what is published, during a `pop_into` run
/// starting at `head`.
struct Ready {
    head: usize,
    ready: usize,
}

impl Ready {
    /// Whether position `head + ahead`, whose block has stamp `stamp`, is
    /// published; loads the stamp only when the last one seen does not say.
    #[inline(always)]
    fn at(&mut self, ahead: usize, stamp: &AtomicUsize) -> bool {
        let position = self.head.wrapping_add(ahead);
        if (self.ready.wrapping_sub(position) as isize) > 0 {
            return true;
        }
        // Acquire: as in `FastRing::refresh`.
        self.ready = stamp.load(Ordering::Acquire);
        (self.ready.wrapping_sub(position) as isize) > 0
    }
}

/// A run of consecutive places being written (by the producer) or read (by
/// the consumer), from the handle's position and slot on. Dropping it first
/// stamps the block the producer was writing, if the run did not stamp it
/// yet, then moves the handle's position on by `done` and its slot to
/// `slot`, and stores the position once, with Release: for the consumer that
/// frees the run's places (its reads happen-before the producer's Acquire
/// load of `head`); for the producer it updates `tail` for `len` and the
/// statistics (the stamps published the values).
struct Run<'a> {
    counter: &'a AtomicUsize,
    position: &'a mut usize,
    handle_slot: &'a mut usize,
    /// The position the run started at.
    start: usize,
    /// The slot of position `start + done`.
    slot: usize,
    /// Places of the run finished so far.
    done: usize,
    /// The stamp of a block the producer wrote into and has not stamped.
    unstamped: Option<&'a AtomicUsize>,
}

impl<'a> Run<'a> {
    fn new(counter: &'a AtomicUsize, position: &'a mut usize, handle_slot: &'a mut usize) -> Self {
        Self {
            counter,
            start: *position,
            slot: *handle_slot,
            position,
            handle_slot,
            done: 0,
            unstamped: None,
        }
    }
}

impl Drop for Run<'_> {
    fn drop(&mut self) {
        if self.done == 0 {
            return;
        }
        if let Some(stamp) = self.unstamped {
            // Release: publishes the values written into that block.
            stamp.store(self.start.wrapping_add(self.done), Ordering::Release);
        }
        *self.position = self.start.wrapping_add(self.done);
        *self.handle_slot = self.slot;
        // Release: see the type's docs.
        self.counter.store(*self.position, Ordering::Release);
    }
}

impl<T> Drop for FastRing<T> {
    fn drop(&mut self) {
        // `&mut self`: both handles are gone, so the counters are final.
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed);
        let mut slot = self.head_slot.load(Ordering::Relaxed);
        for _ in 0..tail.wrapping_sub(head) {
            // SAFETY: the consumer's last slot, stepped.
            let (_, cell) = unsafe { self.place(slot) };
            // SAFETY: the places from `head` to `tail` hold published values
            // nobody took; each is dropped once, here.
            cell.with_mut(|c| unsafe { (*c).assume_init_drop() });
            slot = self.step(slot);
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
