//! The single-producer single-consumer protocol, for rings that never evict
//! ([`Block`](crate::Block) and [`DropNewest`](crate::DropNewest)).
//!
//! # Layout and positions
//!
//! The values live in blocks of seven with a stamp each (`blocks.rs`: with
//! its stamp, a block of `u64`s fills one 64-byte cache line). A position
//! counts values pushed (wrapping); `tail` is the position the producer
//! fills next and `head` the one the consumer takes next. The ring is empty
//! when they are equal and full when `tail == head + capacity`. Each handle
//! walks the blocks with a cursor that knows its block, so a push or a pop
//! bumps a pointer and compares its position with one `limit` it keeps; the
//! rare work (the next block, a fresh `head`, a fresh stamp) happens only
//! when the position reaches that limit.
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
//! - The consumer keeps `limit`: the last stamp it loaded, cut at the end
//!   of the block. While `head < limit` it takes values without any atomic
//!   load; once it catches up it loads the stamp of the block holding
//!   `head`, the line it is about to read anyway. So the value and the
//!   news that it is there arrive in one cache line: a round trip costs
//!   one line hand-off each way (as the bare two-atomics ping-pong does)
//!   instead of two (first `tail`, then the value), and a consumer at the
//!   producer's heels never pulls the `tail` line away from it. A consumer
//!   that finds its new block already filled prefetches the next one (see
//!   `find_published`). One stamp per block rather than per value
//!   keeps the values nearly as dense as a bare array (seven `u64`s per
//!   line instead of four), which is what a streaming transfer pays for.
//!   A batch receive (`pop_into`, `pop_slice`, `pop_in_place`) learns how
//!   far the producer got from `tail` instead, never polling the stamp of
//!   the block the producer is filling (see `published_runs`).
//! - The producer keeps a private copy of `head` (as the position a lap
//!   after it) and reloads the shared one only when its copy says full
//!   (or too full for a whole slice), so in steady state it touches the
//!   consumer's line once per lap, not once per value. It still stores
//!   `tail` (its own line, which batch receives, `len` and the statistics
//!   read).
//!
//! Stamps never lie: let the consumer be at `head`, in block `b`, and load
//! `b`'s stamp. Every stamp is `p + 1` for a position `p` the producer
//! wrote, or the ring's start. If `head` is not written yet, every written
//! position is below it (the producer writes in order), so the stamp is at
//! most `head`; a stamp above `head` therefore means `head` is written, and
//! since the stamp store follows that write, the value is published.
//! "Above" is the signed distance `stamp - head`: the stamps of `b` the
//! consumer can still see are from at most one lap back (the producer
//! stamps a block before it writes any later one, and the consumer has
//! read `b`'s previous lap of values after Acquire loads of stamps stored
//! after those), so the distance lies within `(-capacity - PER_BLOCK,
//! capacity]`, far from the wrap (a capacity is at most `2^(BITS - 2)`).
//!
//! Orderings: the producer writes the value, then stores the block's stamp
//! (and `tail`) with Release; the consumer loads the stamp with Acquire
//! before reading any value below it, so every such write happens-before
//! the read. Symmetrically the consumer's read of a value happens-before
//! the producer's reuse of its place through the Release store and Acquire
//! load of `head`.

use super::blocks::{Blocks, Cursor};
use crate::error::CapacityError;
use crate::ring::Ring;
use crate::shared::{Config, Shared};
use crate::slots::{look_then_drop, Cell};
use crate::stats::Tally;
use crate::sync::{AtomicUsize, Ordering};
use crate::wait::Backoff;
use crossbeam_utils::CachePadded;

/// `retired` while a producer's discard holds the popping role (no value
/// index comes near it: a slot's index is below the ring's length).
const POPPING: usize = usize::MAX;

/// A bounded SPSC ring of exactly `capacity` values.
pub struct FastRing<T> {
    /// The next position to take; written by the consumer only.
    head: CachePadded<AtomicUsize>,
    /// The next position to fill; written by the producer only.
    tail: CachePadded<AtomicUsize>,
    shared: CachePadded<Shared>,
    blocks: Blocks<T>,
    /// 0 until the consumer retires; then (Release) one more than the
    /// value index of its `head`, or [`POPPING`] while a producer's discard
    /// holds the popping role. From then on the producer may pop, to
    /// discard values it pushed after the consumer left, starting from that
    /// index: positions alone would need a division that goes wrong once
    /// they wrap around `usize`.
    retired: AtomicUsize,
}

/// The producer's private view.
pub struct PushLocal<T> {
    /// The block holding `tail`.
    at: Cursor<T>,
    /// A lap after a value `head` had at some point: `tail` may run up to
    /// it (the true `head` is never behind that value). Kept a lap ahead,
    /// not as the `head` it came from, so the checks need no addition.
    full_at: usize,
    /// The nearer of `at.block_end` and `full_at`: until `tail` reaches it
    /// a push needs no other check.
    limit: usize,
}

/// The consumer's private view.
pub struct PopLocal<T> {
    /// The consumer's position: the ring's `head` between calls (only this
    /// handle writes it; a run in `pop_into` stores it once, at its end;
    /// after retiring, the producer's `discard_orphans` pops with a view of
    /// its own). A private copy, unlike the producer's `tail`: the
    /// producer reads the shared `head` whenever the ring looks full, and a
    /// pop that loaded it from that line would wait for it.
    head: usize,
    /// The block holding `head`.
    at: Cursor<T>,
    /// Every position below it is published (from the last stamp or `tail`
    /// loaded), but no further than `at.block_end`; `head` itself if
    /// nothing is known to be published: until `head` reaches it a pop
    /// needs no other check. It is all the consumer keeps of what it
    /// loaded: a stamp that covers more than its block (the producer lapped
    /// into it) or a `tail` a batch receive loaded are cut at the block's
    /// end. A pop that crosses blocks then stores four fields (`limit` and
    /// the cursor's `block`, `block_end` and `base`), two fewer than with a
    /// separate `ready` and a block index; a consumer behind a full ring
    /// pays for each, as its stores queue behind its store of `head`, whose
    /// line the producer keeps reading.
    limit: usize,
}

/// Whether the stamp `ready` says that `position` is published.
#[inline(always)]
fn published(ready: usize, position: usize) -> bool {
    (ready.wrapping_sub(position) as isize) > 0
}

/// Of two positions at or after `from`, the nearer one.
#[inline(always)]
fn nearer(from: usize, a: usize, b: usize) -> usize {
    if a.wrapping_sub(from) <= b.wrapping_sub(from) {
        a
    } else {
        b
    }
}

impl<T> FastRing<T> {
    pub(crate) fn new(config: Config) -> Result<Self, CapacityError> {
        Self::starting_at(config, 0)
    }

    /// A ring whose first position is `start` instead of 0 (tests use it to
    /// cross the `usize` wrap).
    fn starting_at(config: Config, start: usize) -> Result<Self, CapacityError> {
        Ok(Self {
            head: CachePadded::new(AtomicUsize::new(start)),
            tail: CachePadded::new(AtomicUsize::new(start)),
            // It never evicts: nothing to tally.
            shared: CachePadded::new(Shared::new(config, Tally::ByProducers)),
            blocks: Blocks::new(config.capacity, start)?,
            retired: AtomicUsize::new(0),
        })
    }

    /// The value index of `head` that the retired consumer handed over
    /// (`None` before it retires).
    fn handed_over(&self, order: Ordering) -> Option<usize> {
        let handed = self.retired.load(order);
        debug_assert_ne!(handed, POPPING, "read while a discard pops");
        handed.checked_sub(1)
    }

    /// A consumer's view of `head`, whose value index is `value`, knowing
    /// no stamp yet.
    fn pop_local_at(&self, head: usize, value: usize) -> PopLocal<T> {
        PopLocal {
            head,
            at: self.blocks.cursor_at(head, value),
            limit: head,
        }
    }

    /// Called when a push found `tail` at `limit`: moves into the next
    /// block if `tail` is at the block's end, reloads `head` if the ring
    /// looked full, and sets a new `limit`. Whether there is room.
    #[inline]
    fn make_room(&self, local: &mut PushLocal<T>, tail: usize) -> bool {
        if tail == local.at.block_end {
            self.blocks.next_block(&mut local.at, tail);
        }
        if tail == local.full_at {
            local.full_at = self.full_at();
        }
        self.reset_push_limit(local, tail);
        tail != local.limit
    }

    #[inline]
    fn reset_push_limit(&self, local: &mut PushLocal<T>, tail: usize) {
        local.limit = nearer(tail, local.at.block_end, local.full_at);
    }

    /// A lap after the shared `head`: where the producer's `tail` may run
    /// to. Acquire: the consumer's reads of the values it freed happen
    /// before the producer overwrites them.
    #[inline]
    fn full_at(&self) -> usize {
        self.head
            .load(Ordering::Acquire)
            .wrapping_add(self.blocks.capacity())
    }

    /// Called when a pop found `head` at `limit`: moves into the next block
    /// if `head` is at the block's end, loads the block's stamp and sets a
    /// new `limit`. Whether the value at `head` is published.
    #[inline]
    fn find_published(&self, local: &mut PopLocal<T>, head: usize) -> bool {
        if head == local.at.block_end {
            self.blocks.next_block(&mut local.at, head);
        }
        // SAFETY: the cursor is this ring's, which is alive.
        let stamp = unsafe { local.at.stamp() };
        // Acquire: the producer's writes of every value below the stamp
        // happen before our reads of them.
        let ready = stamp.load(Ordering::Acquire);
        if !published(local.at.block_end, ready) {
            // The producer has filled this block and gone on: the next
            // block holds values too (or will, before we get there), so
            // its line can travel while we take this block's. A consumer
            // behind a full ring reads every line from the producer's
            // cache, and without this each one arrived only when asked
            // for. One that is still in the producer's block (at its
            // heels) does not ask for the line the producer is to write
            // next.
            self.blocks.prefetch_after(&local.at);
        }
        local.limit = if published(ready, head) {
            nearer(head, local.at.block_end, ready)
        } else {
            head
        };
        head != local.limit
    }

    /// Walks the published values from `from` on, at most `max` of them,
    /// block by block: hands each block's run of published cells to `run`,
    /// oldest first, and returns how many values it handed over. Moves the
    /// consumer's cursor and `limit` along; stores nothing (the caller
    /// moves the values out and stores `head`).
    ///
    /// When no loaded stamp covers the walk's next position, it loads
    /// `tail`, never a stamp: `tail` covers every value the producer has
    /// published, in one load of a line the producer only stores to once
    /// per push or run, where polling the stamp of the block the producer
    /// is filling pulls away the line it is writing values into, once per
    /// look. A single `try_pop` does the opposite: its
    /// value and the news of it come in one line, and a consumer at the
    /// producer's heels would pull `tail`'s line away from it on every
    /// look. `tail` means what a stamp means: every position below it is
    /// published (the producer stores it with Release after the values and
    /// stamps of those positions). It may lag behind the consumer (which
    /// found values by their stamps first), and is never more than a lap
    /// ahead, so the signed distance to `next` tells whether it covers it.
    #[inline(always)]
    fn published_runs(
        &self,
        local: &mut PopLocal<T>,
        from: usize,
        max: usize,
        mut run: impl FnMut(&[Cell<T>]),
    ) -> usize {
        let mut next = from;
        let mut done = 0;
        // Every position below it is published: at first what `limit`
        // says, later the `tail` this walk loaded.
        let mut ready = local.limit;
        while done < max {
            if next == local.limit {
                if next == local.at.block_end {
                    self.blocks.next_block(&mut local.at, next);
                }
                if !published(ready, next) {
                    // Acquire: the producer's writes of every value below
                    // `tail` happen before our reads of them.
                    ready = self.tail.load(Ordering::Acquire);
                    if !published(ready, next) {
                        local.limit = next;
                        break;
                    }
                }
                local.limit = nearer(next, local.at.block_end, ready);
            }
            // Below `limit`, every position of the block is published.
            let n = local.limit.wrapping_sub(next).min(max - done);
            // SAFETY: the cursor is this ring's, and `next` to `next + n`
            // lies within its block (`limit` is at most the block's end).
            run(unsafe { local.at.cells(next, n) });
            next = next.wrapping_add(n);
            done += n;
        }
        done
    }

    /// `published_runs` for a run that takes the values it is shown and
    /// frees them with one store of `head` when it ends, also when `take`
    /// panics (the run's guard, `PopRun`). `take` gets each block's cells
    /// and the run's next position, which it moves past every value it
    /// takes before anything that can panic.
    #[inline(always)]
    fn take_runs(
        &self,
        local: &mut PopLocal<T>,
        max: usize,
        mut take: impl FnMut(&[Cell<T>], &mut usize),
    ) -> usize {
        // At most one lap: the places we take stay ours until the run stores
        // `head`, so the producer cannot refill them meanwhile.
        let max = max.min(self.blocks.capacity());
        let head = local.head;
        let mut run = PopRun {
            ring: self,
            local,
            from: head,
            next: head,
        };
        let next = &mut run.next;
        self.published_runs(run.local, head, max, |cells| take(cells, next))
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

// SAFETY: each value goes from `try_push` or `push_slice` to exactly one
// `try_pop` (also the ones `discard_orphans` makes), one `pop_into`, or to
// `Drop` (the values between `head` and `tail`); `push_evicting` is never
// reached (see there). The handle layer gives out one `PushLocal` and one
// `PopLocal` per ring, which is what makes the single-writer claims hold.
unsafe impl<T> Ring<T> for FastRing<T> {
    type PushLocal = PushLocal<T>;
    type PopLocal = PopLocal<T>;

    fn shared(&self) -> &Shared {
        &self.shared
    }

    fn push_local(&self) -> PushLocal<T> {
        // Called once, before any push: the ring is empty.
        let tail = self.tail.load(Ordering::Relaxed);
        let mut local = PushLocal {
            at: self.blocks.cursor_at(tail, self.blocks.index_of(tail)),
            full_at: tail.wrapping_add(self.blocks.capacity()),
            limit: tail,
        };
        self.reset_push_limit(&mut local, tail);
        local
    }

    fn pop_local(&self) -> PopLocal<T> {
        // Called once, before any pop, on a new ring.
        let head = self.head.load(Ordering::Relaxed);
        self.pop_local_at(head, self.blocks.index_of(head))
    }

    #[inline]
    fn try_push(&self, local: &mut PushLocal<T>, value: T) -> Result<(), T> {
        // Relaxed: only this producer writes `tail`.
        let tail = self.tail.load(Ordering::Relaxed);
        if tail == local.limit && !self.make_room(local, tail) {
            return Err(value);
        }
        // SAFETY: the cursor is this ring's, and below `limit` `tail` is
        // one of its block's positions.
        let cell = unsafe { local.at.cell(tail) };
        // Why this is sound: the place is free: `tail` is less than a lap
        // ahead of `head`, so the consumer has taken the value that was here
        // a lap ago (or there never was one), and it will not read this
        // place until the stamp store below publishes it. We are the only
        // producer.
        // SAFETY: a free place, owned by the single producer until it is stamped.
        cell.with_mut(|c| unsafe { (*c).write(value) });
        let next = tail.wrapping_add(1);
        // SAFETY: the cursor is this ring's.
        let stamp = unsafe { local.at.stamp() };
        // Release: publishes the value (and every earlier one) to the
        // consumer's Acquire load of the stamp.
        stamp.store(next, Ordering::Release);
        // Release: a batch receive (`published_runs`) loads `tail` with
        // Acquire and then reads the values below it; `len` and the
        // statistics read it too. A single pop does not.
        self.tail.store(next, Ordering::Release);
        Ok(())
    }

    fn push_slice(&self, local: &mut PushLocal<T>, values: &[T]) -> usize
    where
        T: Clone,
    {
        // Relaxed: only this producer writes `tail`.
        let tail = self.tail.load(Ordering::Relaxed);
        let mut free = local.full_at.wrapping_sub(tail);
        if free < values.len() {
            local.full_at = self.full_at();
            free = local.full_at.wrapping_sub(tail);
        }
        let count = free.min(values.len());
        // Publishes what was written, also when a `clone` panics.
        let mut run = PushRun {
            ring: self,
            local,
            next: tail,
            unstamped: false,
        };
        // Block by block: one end-of-block test per block, and a run of
        // contiguous cells that a `Copy`-like `clone` turns into a copy.
        let mut rest = &values[..count];
        while !rest.is_empty() {
            if run.next == run.local.at.block_end {
                // The run leaves a block: one stamp publishes all it wrote
                // there.
                run.stamp();
                self.blocks.next_block(&mut run.local.at, run.next);
            }
            let n = run
                .local
                .at
                .block_end
                .wrapping_sub(run.next)
                .min(rest.len());
            let (now, later) = rest.split_at(n);
            // SAFETY: the cursor is this ring's, and `next` to `next + n`
            // lies within its block (`n` is at most what is left of it).
            let cells = unsafe { run.local.at.cells(run.next, n) };
            for (cell, value) in cells.iter().zip(now) {
                let value = value.clone();
                // Why this is sound: the `count` places from `tail` on are
                // free (as in `try_push`, and `count` is at most the free
                // room), and only this producer writes them until it stamps
                // them.
                // SAFETY: a free place of the run, owned by the single producer.
                cell.with_mut(|c| unsafe { (*c).write(value) });
                // Counted per value, so a later `clone` that panics still
                // leaves this one published by the run's guard.
                run.next = run.next.wrapping_add(1);
                run.unstamped = true;
            }
            rest = later;
        }
        count
    }

    fn pop_into(&self, local: &mut PopLocal<T>, max: usize, mut sink: impl FnMut(T)) -> usize {
        self.take_runs(local, max, |cells, next| {
            for cell in cells {
                // Why this is sound: a stamp (or `tail`) says the producer
                // published this position, and only this consumer reads it
                // until the run stores `head`; each value is moved out once
                // (`next` passes it), and counted before `sink` can panic.
                // SAFETY: a published place of the run, owned by the single consumer.
                let value = cell.with_mut(|c| unsafe { (*c).assume_init_read() });
                *next = next.wrapping_add(1);
                sink(value);
            }
        })
    }

    fn pop_in_place(
        &self,
        local: &mut PopLocal<T>,
        max: usize,
        mut look: impl FnMut(&[T]),
    ) -> usize {
        self.take_runs(local, max, |cells, next| {
            // Taken before `look` sees them: if it panics, `head` still
            // moves past them, and they are dropped once, below.
            *next = next.wrapping_add(cells.len());
            // Why this is sound: a stamp (or `tail`) says the producer
            // published these positions, and only this consumer touches
            // them until the run stores `head`, which `next` has just moved
            // past them.
            // SAFETY: published values this run owns and never touches again.
            unsafe { look_then_drop(cells, &mut look) };
        })
    }

    fn pop_slice(&self, local: &mut PopLocal<T>, out: &mut [T]) -> usize {
        let mut done = 0;
        self.take_runs(local, out.len(), |cells, next| {
            let slots = &mut out[done..done + cells.len()];
            done += cells.len();
            *next = next.wrapping_add(cells.len());
            for (slot, cell) in slots.iter_mut().zip(cells) {
                // Why this is sound: a stamp (or `tail`) says the producer
                // published this position, and only this consumer reads it
                // until the run stores `head`; each value is moved out once
                // (`next` passes it). The write over `slot` drops nothing
                // (see the trait; the handle calls this for a `T` without
                // drop glue only), so nothing here can panic.
                // SAFETY: a published place, owned by the single consumer.
                let value = cell.with_mut(|c| unsafe { (*c).assume_init_read() });
                std::mem::forget(std::mem::replace(slot, value));
            }
        })
    }

    fn push_evicting(&self, _local: &mut PushLocal<T>, _value: T) -> Option<T> {
        // `DropOldest` rings get the stamped
        // protocol, where producer and consumer both claim the head by CAS;
        // this ring's head belongs to the consumer alone.
        unreachable!("ringweir: the SPSC fast ring is never built to evict")
    }

    #[inline]
    fn try_pop(&self, local: &mut PopLocal<T>) -> Option<T> {
        let head = local.head;
        if head == local.limit && !self.find_published(local, head) {
            return None;
        }
        // SAFETY: the cursor is this ring's, and below `limit` `head` is one
        // of its block's positions.
        let cell = unsafe { local.at.cell(head) };
        // Why this is sound: a stamp above `head` says the producer
        // published it here, and it will not touch the place again until
        // our store of `head` below frees it. We are the only consumer, and
        // reading moves the value out exactly once: `head` passes it next.
        // SAFETY: a published place, owned by the single consumer until `head` is stored.
        let value = cell.with_mut(|c| unsafe { (*c).assume_init_read() });
        // Release: our read of the value happens before the producer reuses
        // its place.
        local.head = head.wrapping_add(1);
        self.head.store(head.wrapping_add(1), Ordering::Release);
        Some(value)
    }

    #[inline]
    fn peek<'a>(&'a self, local: &'a mut PopLocal<T>) -> Option<&'a T> {
        let head = local.head;
        if head == local.limit && !self.find_published(local, head) {
            return None;
        }
        // SAFETY: the cursor is this ring's, and below `limit` `head` is one
        // of its block's positions.
        let cell = unsafe { local.at.cell(head) };
        // Why this is sound: as in `try_pop`, the value at `head` is
        // published and the producer leaves its place alone until `head`
        // moves past it, which only this consumer does, and not while the
        // reference (borrowing its local state) lives.
        // SAFETY: a published value, read in place while nobody can take it.
        Some(cell.with_mut(|c| unsafe { (*c).assume_init_ref() }))
    }

    fn retire_pop(&self, local: &mut PopLocal<T>) {
        let value = self.blocks.value_index(&local.at, local.head);
        // Release: hands the consumer's role, with `head` (stored after
        // every take), to the producer.
        self.retired.store(value + 1, Ordering::Release);
    }

    fn discard_orphans(&self, counted: &mut dyn FnMut(), wait: bool) {
        // The last consumer sets `retired` when its drain is over; until
        // then it may still pop, and this ring allows one popper at a time:
        // a discard takes that role by swapping `retired` for `POPPING`
        // (the one producer may reach here again from a value's `Drop`
        // while it discards), and gives it back through `retire_pop`.
        let mut backoff = Backoff::new();
        let value = loop {
            let handed = self.retired.load(Ordering::Relaxed);
            // Acquire: the consumer's (or the last discard's) pops and
            // stores of `head` happen before ours.
            if handed != 0
                && handed != POPPING
                && self
                    .retired
                    .compare_exchange(handed, POPPING, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                break handed - 1;
            }
            if !wait {
                return;
            }
            backoff.snooze();
        };
        // We are the only producer, and the consumer is gone: the popping
        // side is ours now, starting where the consumer left `head` (and
        // knowing no stamp yet). Each pop stores `head` before the value is
        // dropped (which may panic), and the guard hands `head`'s value
        // index back as the consumer did, also on that panic: `Drop` (or
        // the next discard) starts after the values taken here, from the
        // matching slot.
        struct HandBack<'a, T>(&'a FastRing<T>, PopLocal<T>);
        impl<T> Drop for HandBack<'_, T> {
            fn drop(&mut self) {
                self.0.retire_pop(&mut self.1);
            }
        }
        let head = self.head.load(Ordering::Relaxed);
        let mut popper = HandBack(self, self.pop_local_at(head, value));
        while let Some(value) = self.try_pop(&mut popper.1) {
            counted();
            drop(value);
        }
    }

    fn len(&self) -> usize {
        let (tail, head) = self.ends();
        tail.wrapping_sub(head)
    }

    fn positions(&self) -> (usize, usize) {
        // Counts from the ring's start: exact until they wrap around
        // `usize` (never, on a 64-bit target).
        let (tail, head) = self.ends();
        (self.blocks.count(tail), self.blocks.count(head))
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

/// A producer's run of values (`push_slice`). Dropping it, also when a
/// `clone` panicked, stamps the block the run was writing if the run has
/// not stamped it yet, stores `tail` (Release: it publishes the run's
/// values to batch receives, as the stamps do to single pops, and to
/// `len` and the statistics) and resets the producer's `limit`.
struct PushRun<'a, T> {
    ring: &'a FastRing<T>,
    local: &'a mut PushLocal<T>,
    /// The position after the last one written.
    next: usize,
    /// Whether the cursor's block holds values of this run it has not
    /// stamped.
    unstamped: bool,
}

impl<T> PushRun<'_, T> {
    /// Stamps the cursor's block if it holds unstamped values of the run.
    fn stamp(&mut self) {
        if std::mem::take(&mut self.unstamped) {
            // SAFETY: the cursor is this ring's, which is alive.
            let stamp = unsafe { self.local.at.stamp() };
            // Release: publishes the values written into that block.
            stamp.store(self.next, Ordering::Release);
        }
    }
}

impl<T> Drop for PushRun<'_, T> {
    fn drop(&mut self) {
        self.stamp();
        self.ring.tail.store(self.next, Ordering::Release);
        self.ring.reset_push_limit(self.local, self.next);
    }
}

/// A consumer's run of values (`pop_into`). Dropping it, also when `sink`
/// panicked, stores `head` once if the run took anything: Release, so the
/// run's reads happen-before the producer's Acquire load of `head` and its
/// reuse of the places.
struct PopRun<'a, T> {
    ring: &'a FastRing<T>,
    local: &'a mut PopLocal<T>,
    /// Where the run started.
    from: usize,
    /// The position after the last one taken.
    next: usize,
}

impl<T> Drop for PopRun<'_, T> {
    fn drop(&mut self) {
        if self.next != self.from {
            self.local.head = self.next;
            self.ring.head.store(self.next, Ordering::Release);
        }
    }
}

impl<T> Drop for FastRing<T> {
    fn drop(&mut self) {
        // `&mut self`: both handles are gone, so `head` and `tail` are
        // final, `tail` not behind `head`, and every value between them is
        // published (the handles' stores happen-before this drop).
        let head = self.head.load(Ordering::Relaxed);
        // The consumer handle retires before it goes (even when dropping a
        // value panics), handing over `head`'s value index; only a ring
        // dropped without handles (the unit tests) divides instead.
        let value = self
            .handed_over(Ordering::Relaxed)
            .unwrap_or_else(|| self.blocks.index_of(head));
        drop_rest(self, &mut self.pop_local_at(head, value));
        // The stamps say where the values end: at `tail`, as the pushes and
        // runs stamped every value they stored `tail` past.
        debug_assert_eq!(
            self.head.load(Ordering::Relaxed),
            self.tail.load(Ordering::Relaxed)
        );
    }
}

/// Drops the values from `head` on, as far as the stamps say values are
/// published (at rest, up to `tail`). If one's drop panics,
/// the rest are still dropped (a second panic aborts, as for a `Vec`'s
/// elements): none leaks and none is dropped twice (each pop stores `head`
/// before its value is dropped).
fn drop_rest<T>(ring: &FastRing<T>, local: &mut PopLocal<T>) {
    struct OnUnwind<'a, T>(&'a FastRing<T>, &'a mut PopLocal<T>);
    impl<T> Drop for OnUnwind<'_, T> {
        fn drop(&mut self) {
            drop_rest(self.0, self.1);
        }
    }
    let guard = OnUnwind(ring, local);
    while let Some(value) = guard.0.try_pop(guard.1) {
        drop(value);
    }
    std::mem::forget(guard);
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::shared::Kind;
    use crate::wait::Wait;
    use std::rc::Rc;

    fn config(capacity: usize) -> Config {
        Config {
            capacity,
            overflow: Kind::Block,
            producer_wait: Wait::Spin,
            consumer_wait: Wait::Spin,
            high: capacity,
            low: 0,
        }
    }

    #[test]
    fn counters_cross_the_usize_wrap() {
        for capacity in [1, 3, 4, 7, 8, 13, 14, 15, 64] {
            for before_wrap in [1, 5, 3 * capacity, 3 * capacity + 4] {
                let start = 0usize.wrapping_sub(before_wrap);
                let ring = FastRing::starting_at(config(capacity), start).unwrap();
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
                assert_eq!((sent, taken), (next as usize, next as usize));
                assert_eq!(next, 20 * capacity as u32);
            }
        }
    }

    #[test]
    fn slices_and_single_values_interleave_across_blocks() {
        for capacity in [1, 6, 7, 8, 15, 22] {
            let ring = FastRing::starting_at(config(capacity), usize::MAX - 9).unwrap();
            let (mut push, mut pop) = (ring.push_local(), ring.pop_local());
            let mut sent = 0u32;
            let mut expected = 0u32;
            for round in 0..50usize {
                let batch: Vec<u32> = (0..(round % 9) as u32).map(|i| sent + i).collect();
                let queued = ring.push_slice(&mut push, &batch);
                sent += queued as u32;
                if ring.try_push(&mut push, sent).is_ok() {
                    sent += 1;
                }
                let mut got = Vec::new();
                if round % 2 == 0 {
                    ring.pop_into(&mut pop, round % 5, |v| got.push(v));
                } else {
                    // The copying run of `try_recv_slice`, for a `T`
                    // without drop glue.
                    let mut out = vec![u32::MAX; round % 11];
                    let k = ring.pop_slice(&mut pop, &mut out);
                    got.extend_from_slice(&out[..k]);
                    assert!(out[k..].iter().all(|&v| v == u32::MAX));
                }
                if let Some(v) = ring.try_pop(&mut pop) {
                    got.push(v);
                }
                for v in got {
                    assert_eq!(v, expected);
                    expected += 1;
                }
                assert_eq!(ring.len(), (sent - expected) as usize);
                // The cursors know their value index without a division.
                let tail = ring.tail.load(Ordering::Relaxed);
                let index = ring.blocks.value_index(&push.at, tail);
                assert_eq!(index, ring.blocks.index_of(tail));
                let index = ring.blocks.value_index(&pop.at, pop.head);
                assert_eq!(index, ring.blocks.index_of(pop.head));
            }
            while let Some(v) = ring.try_pop(&mut pop) {
                assert_eq!(v, expected);
                expected += 1;
            }
            assert_eq!(expected, sent);
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

    /// Drops log their id; id 0 panics.
    struct Logged<'a>(&'a std::cell::RefCell<Vec<u32>>, u32);
    impl Drop for Logged<'_> {
        fn drop(&mut self) {
            self.0.borrow_mut().push(self.1);
            if self.1 == 0 {
                panic!("value 0 panics in drop");
            }
        }
    }

    #[test]
    fn a_panicking_discard_leaves_drop_at_the_right_slot() {
        let log = std::cell::RefCell::new(Vec::new());
        let ring = FastRing::new(config(8)).unwrap();
        let (mut push, mut pop) = (ring.push_local(), ring.pop_local());
        // The consumer leaves first; then values arrive and the producer
        // discards them, and the first one's drop panics.
        ring.retire_pop(&mut pop);
        for id in 0..4 {
            assert!(ring.try_push(&mut push, Logged(&log, id)).is_ok());
        }
        let discard = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ring.discard_orphans(&mut || {}, true)
        }));
        assert!(discard.is_err());
        drop(ring);
        assert_eq!(*log.borrow(), [0, 1, 2, 3]);
    }

    #[test]
    fn a_panicking_drop_does_not_leak_the_other_values() {
        struct Bomb<'a>(&'a std::cell::Cell<usize>, bool);
        impl Drop for Bomb<'_> {
            fn drop(&mut self) {
                self.0.set(self.0.get() + 1);
                if self.1 {
                    panic!("bomb");
                }
            }
        }
        let drops = std::cell::Cell::new(0);
        let ring = FastRing::new(config(16)).unwrap();
        let mut push = ring.push_local();
        for i in 0..10 {
            assert!(ring.try_push(&mut push, Bomb(&drops, i == 2)).is_ok());
        }
        let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(ring)));
        assert!(dropped.is_err());
        assert_eq!(drops.get(), 10);
    }
}
