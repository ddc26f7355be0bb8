//! The single-producer single-consumer protocol, for rings that never evict
//! (`Overflow::Block` and `Overflow::DropNewest`).
//!
//! # Layout and positions
//!
//! The values live in blocks of [`PER_BLOCK`] (seven: with its stamp, a
//! block of `u64`s fills one 64-byte cache line). A value's *slot* is
//! `block * STRIDE + offset`, with [`STRIDE`] the power of two at or above
//! `PER_BLOCK`, so a shift and a mask find the block and the value in it.
//! Slots run from 0 to `end` (the slot that position `capacity` would
//! have), skipping the unused offsets from `PER_BLOCK` to `STRIDE`; the last
//! block may be partly used, so any capacity works.
//!
//! A *position* is `lap * one_lap + slot`, with `one_lap` a power of two
//! above every slot: stepping goes to the next slot, and from the last one
//! to slot 0 of the next lap, with no division. Positions only grow
//! (wrapping at `usize::MAX`, a multiple of `one_lap`). `tail` is the
//! position the producer fills next and `head` the one the consumer takes
//! next; the ring is empty when they are equal and full when `tail` is one
//! lap ahead, `head + one_lap`.
//!
//! # Protocol
//!
//! - Only the producer writes `tail`, only the consumer writes `head`; each
//!   sits on its own cache-padded line.
//! - Each block carries a stamp: after writing the value of position `p`
//!   into a block, the producer stores `p + 1` into its stamp (a run of
//!   values stamps each block once, after its last value there). Positions
//!   are published in order, so a stamp `s` says that every position below
//!   `s` is published, whichever block it is in.
//! - The consumer keeps `ready`, the last stamp it loaded. While
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
//!
//! Stamps never lie: let the consumer be at `head`, in block `b`. The stamp
//! of `b` is the ring's start position (never written: `head` is in its
//! first lap, at or after the start), or `p + 1` for the last position `p`
//! written into `b` before the consumer's load (the consumer reached `head`
//! through earlier Acquire loads of stamps, so every stamp store of the
//! previous lap of `b` is visible to it). Either `p >= head` (the value at `head` is published:
//! the producer writes in order), or `p` is in an earlier lap, so `p + 1 <=
//! head - one_lap + PER_BLOCK <= head`. Hence "published" is exactly `stamp
//! > head`, compared as the signed distance `stamp - head`, which always
//! lies within `(-2 * one_lap, one_lap]`. That is far from the wrap: a
//! block takes at least 64 bytes, so the capacity is below `isize::MAX / 64
//! * 7`, `end` below `2^60`, and `one_lap` at most `2^60`.
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
    /// `p + 1` for the last position `p` written into this block, or the
    /// ring's start position if none was (see the module docs).
    stamp: AtomicUsize,
    values: [UnsafeCell<MaybeUninit<T>>; PER_BLOCK],
}

/// A bounded SPSC ring of exactly `capacity` values.
pub(crate) struct FastRing<T> {
    /// The next position to take; written by the consumer only.
    head: CachePadded<AtomicUsize>,
    /// The next position to fill; written by the producer only.
    tail: CachePadded<AtomicUsize>,
    shared: CachePadded<Shared>,
    /// `capacity.div_ceil(PER_BLOCK)` blocks.
    blocks: Box<[Block<T>]>,
    capacity: usize,
    /// The slot position `capacity` would have: stepping onto it goes to
    /// the next lap instead.
    end: usize,
    /// A power of two above every slot, and at least `STRIDE`.
    one_lap: usize,
    /// `one_lap - 1`: a position's slot is `position & mask`.
    mask: usize,
    /// `one_lap - end`: what stepping onto `end` adds to reach the next lap.
    wrap_skip: usize,
    /// Set (Release) once the consumer has retired: from then on the
    /// producer may pop, to discard values it pushed after the consumer left.
    retired: AtomicUsize,
}

/// The producer's private view.
pub(crate) struct PushLocal {
    /// Equal to the ring's `tail` (only this handle writes it).
    tail: usize,
    /// A value `head` had at some point; the true `head` is never behind it.
    head_seen: usize,
}

/// The consumer's private view.
pub(crate) struct PopLocal {
    /// Equal to the ring's `head` (only this handle writes it).
    head: usize,
    /// A stamp this consumer loaded: every position below it is published.
    /// Once `head` reaches it, the next value needs a fresh stamp.
    ready: usize,
}

/// Whether the stamp `ready` says that `position` is published.
#[inline(always)]
fn published(ready: usize, position: usize) -> bool {
    (ready.wrapping_sub(position) as isize) > 0
}

impl<T> FastRing<T> {
    pub(crate) fn new(config: Config) -> Result<Self, CapacityError> {
        Self::starting_laps_before_wrap(config, 0)
    }

    /// A ring whose positions start `laps` laps before the `usize` wrap
    /// instead of at 0 (tests use it to cross the wrap-around).
    fn starting_laps_before_wrap(config: Config, laps: usize) -> Result<Self, CapacityError> {
        let capacity = config.capacity;
        // Validates the capacity first: `end` and `one_lap` fit a `usize`
        // for any capacity whose blocks can be allocated.
        let blocks = crate::slots::build_grouped(capacity, PER_BLOCK, |_| Block {
            stamp: AtomicUsize::new(0),
            values: std::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
        })?;
        let end = capacity / PER_BLOCK * STRIDE + capacity % PER_BLOCK;
        let one_lap = end.next_power_of_two().max(STRIDE);
        let start = 0usize.wrapping_sub(laps.wrapping_mul(one_lap));
        if start != 0 {
            for block in blocks.iter() {
                // Relaxed: the ring is not shared yet.
                block.stamp.store(start, Ordering::Relaxed);
            }
        }
        Ok(Self {
            head: CachePadded::new(AtomicUsize::new(start)),
            tail: CachePadded::new(AtomicUsize::new(start)),
            shared: CachePadded::new(Shared::new(config)),
            blocks,
            capacity,
            end,
            one_lap,
            mask: one_lap - 1,
            wrap_skip: one_lap - end,
            retired: AtomicUsize::new(0),
        })
    }

    /// The position after `position`: the next offset in its block, else
    /// the first of the next block, else (at `end`) slot 0 of the next lap.
    #[inline(always)]
    fn step(&self, position: usize) -> usize {
        let mut next = position.wrapping_add(1);
        if next % STRIDE == PER_BLOCK {
            next = next.wrapping_add(STRIDE - PER_BLOCK);
        }
        if next & self.mask == self.end {
            // (When `end == one_lap` the carry has already moved the lap on,
            // and this never matches.)
            next = next.wrapping_add(self.wrap_skip);
        }
        next
    }

    /// The values from `from` up to `to` (`to` not behind `from`).
    #[inline]
    fn distance(&self, from: usize, to: usize) -> usize {
        if to == from {
            return 0;
        }
        // Equal slots one lap apart: full.
        let gap = self.index(to) as isize - self.index(from) as isize;
        if gap > 0 {
            gap as usize
        } else {
            (gap + self.capacity as isize) as usize
        }
    }

    /// The value index (0 to `capacity - 1`) of `position`'s slot.
    #[inline]
    fn index(&self, position: usize) -> usize {
        let slot = position & self.mask;
        slot / STRIDE * PER_BLOCK + slot % STRIDE
    }

    /// Values that ever passed `position`: laps times capacity plus index
    /// (wrapping; see `positions`).
    fn count(&self, position: usize) -> usize {
        (position >> self.one_lap.trailing_zeros())
            .wrapping_mul(self.capacity)
            .wrapping_add(self.index(position))
    }

    /// The stamp of the block holding `position`, and its value's cell.
    ///
    /// # Safety
    /// `position` is the ring's start or came from [`step`](Self::step).
    #[inline(always)]
    unsafe fn place(&self, position: usize) -> (&AtomicUsize, &UnsafeCell<MaybeUninit<T>>) {
        let slot = position & self.mask;
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
        // Called once, before any push.
        let tail = self.tail.load(Ordering::Relaxed);
        PushLocal {
            tail,
            head_seen: tail,
        }
    }

    fn pop_local(&self) -> PopLocal {
        let head = self.head.load(Ordering::Relaxed);
        PopLocal { head, ready: head }
    }

    #[inline]
    fn try_push(&self, local: &mut PushLocal, value: T) -> Result<(), T> {
        if local.tail == local.head_seen.wrapping_add(self.one_lap) {
            // Acquire: the consumer's reads of the values it freed happen
            // before we overwrite them.
            local.head_seen = self.head.load(Ordering::Acquire);
            if local.tail == local.head_seen.wrapping_add(self.one_lap) {
                return Err(value);
            }
        }
        // SAFETY: the handle's position is the start or stepped.
        let (stamp, cell) = unsafe { self.place(local.tail) };
        // Why this is sound: the place is free: `tail` is less than a lap
        // ahead of `head`, so the consumer has taken the value that was
        // here a lap ago (or there never was one), and it will not read
        // this place until the stamp store below publishes it. We are the
        // only producer.
        // SAFETY: a free place, owned by the single producer until it is stamped.
        cell.with_mut(|c| unsafe { (*c).write(value) });
        // Release: publishes the value (and every earlier one) to the
        // consumer's Acquire load of the stamp.
        stamp.store(local.tail.wrapping_add(1), Ordering::Release);
        local.tail = self.step(local.tail);
        // Release: `len`, the statistics and `Drop` read `tail`; the
        // consumer does not.
        self.tail.store(local.tail, Ordering::Release);
        Ok(())
    }

    fn push_slice(&self, local: &mut PushLocal, values: &[T]) -> usize
    where
        T: Clone,
    {
        let mut free = self.capacity - self.distance(local.head_seen, local.tail);
        if free < values.len() {
            // Acquire: as in `try_push`.
            local.head_seen = self.head.load(Ordering::Acquire);
            free = self.capacity - self.distance(local.head_seen, local.tail);
        }
        let count = free.min(values.len());
        // Publishes `tail` for what was written, also when a `clone` panics.
        let mut run = Run::new(&self.tail, &mut local.tail);
        for value in &values[..count] {
            // SAFETY: the run's position is the handle's, stepped.
            let (stamp, cell) = unsafe { self.place(run.next) };
            // Why this is sound: the `count` places from the handle's
            // position on are free (as in `try_push`, and `count` is at most
            // the free room), and only this producer writes them until it
            // stamps them.
            // SAFETY: a free place of the run, owned by the single producer.
            cell.with_mut(|c| unsafe { (*c).write(value.clone()) });
            let due = run.next.wrapping_add(1);
            run.next = self.step(run.next);
            if run.next % STRIDE == 0 {
                // The run leaves this block: one stamp publishes all it
                // wrote there. Release: as in `try_push`.
                stamp.store(due, Ordering::Release);
                run.unstamped = None;
            } else {
                run.unstamped = Some((stamp, due));
            }
        }
        // `run` stamps the block it ends in (also when a `clone` panicked)
        // and stores `tail`.
        count
    }

    fn pop_into(&self, local: &mut PopLocal, max: usize, mut sink: impl FnMut(T)) -> usize {
        // At most one lap: the places we take stay ours until `Run` stores
        // `head`, so the producer cannot refill the first one meanwhile.
        let max = max.min(self.capacity);
        let mut ready = local.ready;
        let mut taken = 0;
        {
            // Frees what was taken, also when `sink` panics.
            let mut run = Run::new(&self.head, &mut local.head);
            while taken < max {
                // SAFETY: the run's position is the handle's, stepped.
                let (stamp, cell) = unsafe { self.place(run.next) };
                if !published(ready, run.next) {
                    // Acquire: as in `try_pop`.
                    ready = stamp.load(Ordering::Acquire);
                    if !published(ready, run.next) {
                        break;
                    }
                }
                // Why this is sound: a stamp says the producer published
                // this position, and only this consumer reads it until `Run`
                // stores `head`; each value is moved out once, and counted
                // before `sink` can panic.
                // SAFETY: a published place of the run, owned by the single consumer.
                let value = cell.with_mut(|c| unsafe { (*c).assume_init_read() });
                run.next = self.step(run.next);
                taken += 1;
                sink(value);
            }
        }
        // After a panic in `sink` this is skipped: `ready` then stays behind
        // the new `head`, which only costs a fresh stamp load.
        local.ready = ready;
        taken
    }

    fn push_evicting(&self, _local: &mut PushLocal, _value: T) -> Option<T> {
        // The builder gives `Overflow::DropOldest` rings the stamped
        // protocol, where producer and consumer both claim the head by CAS;
        // this ring's head belongs to the consumer alone.
        unreachable!("ringweir: the SPSC fast ring is never built with Overflow::DropOldest")
    }

    #[inline]
    fn try_pop(&self, local: &mut PopLocal) -> Option<T> {
        // SAFETY: the handle's position is the start or stepped.
        let (stamp, cell) = unsafe { self.place(local.head) };
        if !published(local.ready, local.head) {
            // Acquire: the producer's writes of every value below the stamp
            // happen before our reads of them.
            local.ready = stamp.load(Ordering::Acquire);
            if !published(local.ready, local.head) {
                return None;
            }
        }
        // Why this is sound: a stamp above `head` says the producer
        // published position `head` here, and it will not touch the place
        // again until our store of `head` below frees it. We are the only
        // consumer, and reading moves the value out exactly once: `head`
        // passes it next.
        // SAFETY: a published place, owned by the single consumer until `head` is stored.
        let value = cell.with_mut(|c| unsafe { (*c).assume_init_read() });
        local.head = self.step(local.head);
        // Release: our read of the value happens before the producer reuses
        // its place.
        self.head.store(local.head, Ordering::Release);
        Some(value)
    }

    fn retire_pop(&self, _local: &mut PopLocal) {
        // Release: hands the consumer's role, with `head` (stored after
        // every take), to the producer.
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
        // knowing no stamp yet). Each pop stores `head` before the value is
        // dropped (which may panic), so `Drop` starts after it.
        let head = self.head.load(Ordering::Relaxed);
        let mut local = PopLocal { head, ready: head };
        while let Some(value) = self.try_pop(&mut local) {
            counted();
            drop(value);
        }
    }

    fn len(&self) -> usize {
        let (tail, head) = self.ends();
        self.distance(head, tail)
    }

    fn positions(&self) -> (usize, usize) {
        // Counts of laps times capacity plus index: exact until a position
        // wraps around `usize` (after `usize::MAX / one_lap` laps, which a
        // 64-bit target never reaches), as on the stamped ring.
        let (tail, head) = self.ends();
        (self.count(tail), self.count(head))
    }
}

impl<T> FastRing<T> {
    /// `tail` and `head`, `tail` never behind `head`.
    fn ends(&self) -> (usize, usize) {
        let head = self.head.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Acquire);
        // The consumer finds values by their stamps, so it may take a value
        // before the producer's store of `tail` for it lands (or, after a
        // `push_slice`, before the whole run's). Such a `tail` is behind
        // `head`: the values are gone, the ring is empty.
        if (tail.wrapping_sub(head) as isize) < 0 {
            (head, head)
        } else {
            (tail, head)
        }
    }
}

/// A run of consecutive positions being written (by the producer) or read
/// (by the consumer), from the handle's position on. Dropping it first
/// stamps the block the producer was writing, if the run did not stamp it
/// yet, then moves the handle's position to `next` and stores it once, with
/// Release: for the consumer that frees the run's places (its reads
/// happen-before the producer's Acquire load of `head`); for the producer it
/// updates `tail` for `len` and the statistics (the stamps published the
/// values).
struct Run<'a> {
    counter: &'a AtomicUsize,
    position: &'a mut usize,
    /// The position after the last one finished.
    next: usize,
    /// A block the producer wrote into and has not stamped, with the stamp
    /// it is due.
    unstamped: Option<(&'a AtomicUsize, usize)>,
}

impl<'a> Run<'a> {
    fn new(counter: &'a AtomicUsize, position: &'a mut usize) -> Self {
        Self {
            counter,
            next: *position,
            position,
            unstamped: None,
        }
    }
}

impl Drop for Run<'_> {
    fn drop(&mut self) {
        if let Some((stamp, value)) = self.unstamped {
            // Release: publishes the values written into that block.
            stamp.store(value, Ordering::Release);
        }
        if self.next != *self.position {
            *self.position = self.next;
            // Release: see the type's docs.
            self.counter.store(self.next, Ordering::Release);
        }
    }
}

impl<T> Drop for FastRing<T> {
    fn drop(&mut self) {
        // `&mut self`: both handles are gone, so `head` and `tail` are
        // final, `tail` not behind `head`.
        let tail = self.tail.load(Ordering::Relaxed);
        let mut head = self.head.load(Ordering::Relaxed);
        while head != tail {
            // SAFETY: `head` is the consumer's last position, stepped.
            let (_, cell) = unsafe { self.place(head) };
            // SAFETY: the places from `head` to `tail` hold published values
            // nobody took; each is dropped once, here.
            cell.with_mut(|c| unsafe { (*c).assume_init_drop() });
            head = self.step(head);
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
        for capacity in [1, 3, 4, 7, 8, 13, 14, 15, 64] {
            let ring = FastRing::starting_laps_before_wrap(config(capacity), 3).unwrap();
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
        let ring = FastRing::starting_laps_before_wrap(config(3), 1).unwrap();
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
