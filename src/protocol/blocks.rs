//! The SPSC ring's memory: values in line-sized blocks, each with a stamp,
//! and the cursor a handle walks them with.
//!
//! A *position* counts values: the `n`-th value ever pushed has position
//! `start + n` (wrapping; `start` is 0 except in tests that cross the
//! `usize` wrap). The `n`-th value lives in value index `n % capacity`,
//! which is block `index / PER_BLOCK`, offset `index % PER_BLOCK`. A cursor
//! knows its block, finds a position's cell by one addition and moves to
//! the next block once per [`PER_BLOCK`] values, so the hot paths need
//! neither a division nor the ring's geometry. Only a new ring's cursors
//! are made by division ([`Blocks::index_of`], which goes wrong once the
//! count wraps around `usize`); later ones start from the value index a
//! live cursor knew ([`Blocks::value_index`]).

use crate::error::CapacityError;
use crate::slots::Cell;
use crate::sync::{AtomicUsize, UnsafeCell};
use std::mem::MaybeUninit;

/// Values per block. Under loom, two, so that small models cross blocks.
pub(crate) const PER_BLOCK: usize = if cfg!(loom) { 2 } else { 7 };

/// [`PER_BLOCK`] values and the stamp that says which of them are
/// published (see `fast.rs`). Line-aligned, so a block of up to 56 bytes of
/// values is one cache line.
#[repr(C, align(64))]
pub struct Block<T> {
    pub(crate) stamp: AtomicUsize,
    values: [Cell<T>; PER_BLOCK],
}

/// `capacity` values in `capacity.div_ceil(PER_BLOCK)` blocks; the last
/// block may be partly used, so any capacity works.
pub struct Blocks<T> {
    blocks: Box<[Block<T>]>,
    capacity: usize,
    /// Values in the last block: 1 to [`PER_BLOCK`].
    last_len: usize,
    /// The address of the last block: every block below it holds
    /// [`PER_BLOCK`] values, so a cursor stepping into one needs no other
    /// test. (The blocks stay where they are when `Blocks` moves.)
    regular_end: usize,
    /// The position of the ring's first value.
    start: usize,
}

/// Where a handle is: the block holding its next position, and how to
/// find that position's cell. Raw pointers into the [`Blocks`] that made
/// it, so finding a cell costs one address computation from the position,
/// not an index computation against the ring, and a step changes nothing
/// in the cursor.
///
/// A cursor is only ever used with the `Blocks` that made it, while they
/// live (the handle holding it also holds the ring), and only for
/// positions of its block; every method that dereferences its pointers is
/// `unsafe` with that as its contract.
pub struct Cursor<T> {
    /// The position after the current block's last value: a handle's
    /// position may run up to it, not onto it, before
    /// [`Blocks::next_block`].
    pub(crate) block_end: usize,
    /// The block; which one it is follows from its address (see
    /// [`Blocks::index`]), so a step stores one field less.
    block: *const Block<T>,
    /// The block's first cell, moved back by the position of the block's
    /// first value (wrapping): position `p` of the block is at `base + p`.
    base: *const Cell<T>,
}

// SAFETY: a cursor is pointers into the ring's blocks; it moves with its
// handle, and values of `T` move through it between threads (so `T: Send`).
unsafe impl<T: Send> Send for Cursor<T> {}
// SAFETY: the ring's handles reach a cursor only through `&mut` of their
// own local state, never through a shared reference, so a `&Cursor` on
// another thread can only read its numbers.
unsafe impl<T: Send> Sync for Cursor<T> {}

impl<T> Blocks<T> {
    /// Blocks for `capacity` values whose first position is `start`, every
    /// stamp set to `start` (nothing published).
    pub(crate) fn new(capacity: usize, start: usize) -> Result<Self, CapacityError> {
        // Validates the capacity: zero, too large, or out of memory.
        let blocks = crate::slots::build_grouped(capacity, PER_BLOCK, |_| Block {
            stamp: AtomicUsize::new(start),
            values: std::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
        })?;
        Ok(Self {
            last_len: capacity - (blocks.len() - 1) * PER_BLOCK,
            regular_end: blocks[blocks.len() - 1..].as_ptr().addr(),
            blocks,
            capacity,
            start,
        })
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Values counted from the ring's start to `position`.
    pub(crate) fn count(&self, position: usize) -> usize {
        position.wrapping_sub(self.start)
    }

    /// How many values block `index` holds.
    #[inline]
    fn len_of(&self, index: usize) -> usize {
        if index == self.blocks.len() - 1 {
            self.last_len
        } else {
            PER_BLOCK
        }
    }

    /// The value index (0 to `capacity - 1`) of `position`, by division:
    /// exact while fewer than `usize::MAX` values have passed since the
    /// start, which holds for a new ring. (After that the count wraps, and
    /// `capacity` need not divide `2^usize::BITS`; a 32-bit target gets
    /// there after four billion values. Later cursors come from a live
    /// cursor's [`value_index`](Self::value_index) instead.)
    pub(crate) fn index_of(&self, position: usize) -> usize {
        self.count(position) % self.capacity
    }

    /// Which block `block` is: 0 for the first, `blocks.len()` for the
    /// address just past the last.
    fn index(&self, block: *const Block<T>) -> usize {
        // A block is at least a line (its alignment), never zero-sized.
        (block.addr() - self.blocks.as_ptr().addr()) / std::mem::size_of::<Block<T>>()
    }

    /// The value index of `position`, one of `cursor`'s block's or its
    /// `block_end` (the first of the next block).
    pub(crate) fn value_index(&self, cursor: &Cursor<T>, position: usize) -> usize {
        let index = self.index(cursor.block);
        let first = cursor.block_end.wrapping_sub(self.len_of(index));
        let value = index * PER_BLOCK + position.wrapping_sub(first);
        if value == self.capacity {
            0
        } else {
            value
        }
    }

    /// A cursor for `position`, whose value index is `value` (from
    /// [`index_of`](Self::index_of) or [`value_index`](Self::value_index)).
    pub(crate) fn cursor_at(&self, position: usize, value: usize) -> Cursor<T> {
        debug_assert!(value < self.capacity);
        let (index, offset) = (value / PER_BLOCK, value % PER_BLOCK);
        self.cursor(index, position.wrapping_sub(offset))
    }

    /// Moves a cursor whose handle reached its block's end, `position`, into
    /// the next block (the first one after the last).
    ///
    /// One test on the way into a regular block (the last block and the
    /// wrap take the other branch): a push or pop crosses a block every
    /// seven values, so each value pays a seventh of what this costs.
    #[inline]
    pub(crate) fn next_block(&self, cursor: &mut Cursor<T>, position: usize) {
        debug_assert_eq!(position, cursor.block_end);
        // Every cursor's `block` comes from the slice's own pointer (see
        // `cursor`), so stepping it reaches the next block (or, from the
        // last, the address just past the slice: `wrapping_add`, and only
        // its address is used then).
        let block = cursor.block.wrapping_add(1);
        if block.addr() >= self.regular_end {
            // The last block (which may be short), or back to the first.
            let index = self.index(block);
            *cursor = self.cursor(if index == self.blocks.len() { 0 } else { index }, position);
            return;
        }
        // The next block in place, without rebuilding the cursor.
        cursor.block = block;
        cursor.block_end = position.wrapping_add(PER_BLOCK);
        // SAFETY: `block` is below the last block, so it is one of the
        // slice's blocks, alive while the cursor is used (its contract).
        let first = unsafe { std::ptr::addr_of!((*block).values) }.cast::<Cell<T>>();
        // `wrapping_sub`: see `cursor`.
        cursor.base = first.wrapping_sub(position);
    }

    /// Asks the CPU to fetch the line of the block after `cursor`'s (the
    /// first after the last), so that it is on its way while the handle
    /// works through the current block. A hint only: it changes nothing
    /// the program can observe. Only the first line of the block (its
    /// stamp and first values; all of it for a `u64`); the hardware's own
    /// prefetcher follows a longer block on its own. x86-64 only (elsewhere,
    /// and under Miri and loom, it does nothing).
    #[inline(always)]
    pub(crate) fn prefetch_after(&self, cursor: &Cursor<T>) {
        #[cfg(all(target_arch = "x86_64", not(miri), not(loom)))]
        {
            let next = if cursor.block.addr() == self.regular_end {
                self.blocks.as_ptr()
            } else {
                cursor.block.wrapping_add(1)
            };
            // A prefetch neither faults nor reads or writes memory as the
            // program sees it, whatever the address it is given.
            // SAFETY: a hint only, here for a live block of the ring's.
            unsafe {
                std::arch::x86_64::_mm_prefetch(next.cast::<i8>(), std::arch::x86_64::_MM_HINT_T0)
            };
        }
        #[cfg(not(all(target_arch = "x86_64", not(miri), not(loom))))]
        let _ = cursor;
    }

    /// A cursor in block `index`, whose first value has position `first`.
    fn cursor(&self, index: usize, first: usize) -> Cursor<T> {
        // From the slice's pointer, not from a reference to the one block:
        // `next_block` steps it to the blocks after.
        let block = self.blocks[index..].as_ptr();
        // SAFETY: `index` is in bounds (the slice above checked it), and
        // the blocks live as long as `self`.
        let cells = unsafe { std::ptr::addr_of!((*block).values) }.cast::<Cell<T>>();
        Cursor {
            block_end: first.wrapping_add(self.len_of(index)),
            block,
            // `wrapping_sub`: the pointer leaves the allocation; `cell`
            // brings it back for the block's own positions only.
            base: cells.wrapping_sub(first),
        }
    }
}

impl<T> Cursor<T> {
    /// The stamp of the cursor's block.
    ///
    /// # Safety
    /// The `Blocks` that made this cursor are alive.
    #[inline(always)]
    pub(crate) unsafe fn stamp(&self) -> &AtomicUsize {
        // SAFETY: `block` points into those blocks (the caller's contract).
        unsafe { &(*self.block).stamp }
    }

    /// The cell of `position`.
    ///
    /// # Safety
    /// The `Blocks` that made this cursor are alive, and `position` is one
    /// of the block's: from the block's first value's up to, not including,
    /// `block_end`.
    #[inline(always)]
    pub(crate) unsafe fn cell(&self, position: usize) -> &Cell<T> {
        debug_assert!(self.block_end.wrapping_sub(position).wrapping_sub(1) < PER_BLOCK);
        // Wrapping arithmetic undoes the `wrapping_sub` that made `base`.
        // SAFETY: for such a position, `base + position` is one of the
        // block's cells, and the blocks are alive (the caller's contract).
        unsafe { &*self.base.wrapping_add(position) }
    }

    /// The `n` cells from `position` on, one contiguous run of the block.
    ///
    /// # Safety
    /// The `Blocks` that made this cursor are alive, and `position` to
    /// `position + n` lies within the block: from the block's first value's
    /// position up to `block_end`.
    #[inline(always)]
    pub(crate) unsafe fn cells(&self, position: usize, n: usize) -> &[Cell<T>] {
        debug_assert!(n <= self.block_end.wrapping_sub(position));
        debug_assert!(self.block_end.wrapping_sub(position) <= PER_BLOCK);
        // Why this is sound: as in `cell`, `base + position` is one of the
        // block's cells, and the `n` after it are too.
        // SAFETY: the caller's contract: live blocks, a run within one.
        unsafe { std::slice::from_raw_parts(self.base.wrapping_add(position), n) }
    }
}
