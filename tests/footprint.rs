//! The memory a ring of large values takes: about `capacity` values, not
//! whole blocks of them. The crate has no API that reports a ring's memory,
//! so a counting global allocator measures what building one allocates
//! (as `tests/allocations.rs` does for `u64` values).
//!
//! The spsc `Block` and `DropNewest` ring kept values in blocks of seven,
//! rounding the capacity up to a multiple of seven values: a ring of one
//! 64 KiB value took 448 KiB. Run with `--nocapture` for the numbers.

use ringweir::{Builder, Overflow};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    // Per thread, so the test harness's own allocations on other threads
    // do not count. Const-initialized: touching it never allocates.
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
    static FREED: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with`: a thread being torn down has no locals left.
        let _ = ALLOCATED.try_with(|c| c.set(c.get() + layout.size()));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = FREED.try_with(|c| c.set(c.get() + layout.size()));
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The bytes `f`'s result holds on the heap: what this thread allocated
/// while `f` ran, less what it freed meanwhile.
fn live_bytes_of<R>(f: impl FnOnce() -> R) -> (usize, R) {
    // Each counter on its own: this thread may free memory it did not
    // allocate (under Miri it does), so the totals need not be ordered.
    let allocated_before = ALLOCATED.with(Cell::get);
    let freed_before = FREED.with(Cell::get);
    let r = f();
    let allocated = ALLOCATED.with(Cell::get) - allocated_before;
    let freed = FREED.with(Cell::get) - freed_before;
    (allocated.saturating_sub(freed), r)
}

/// A 64 KiB value.
const VALUE: usize = 64 * 1024;
type Value = [u8; VALUE];

const POLICIES: [Overflow; 3] = [Overflow::Block, Overflow::DropNewest, Overflow::DropOldest];

#[test]
fn a_ring_of_large_values_takes_about_capacity_values_of_memory() {
    // Under Miri, no 64 MiB ring: its slots are built one by one.
    let capacities: &[usize] = if cfg!(miri) {
        &[1, 2, 8]
    } else {
        &[1, 2, 8, 1024]
    };
    let mut over = Vec::new();
    for overflow in POLICIES {
        for &capacity in capacities {
            // The values, a stamp and some padding per slot, and the
            // handles and shared state once.
            let limit = capacity * VALUE + capacity * 128 + 4096;
            let builder = Builder::new(capacity).overflow(overflow);
            // Each ring is dropped before the next is built.
            let measured = [
                ("spsc", live_bytes_of(|| builder.spsc::<Value>().unwrap()).0),
                ("mpsc", live_bytes_of(|| builder.mpsc::<Value>().unwrap()).0),
                ("mpmc", live_bytes_of(|| builder.mpmc::<Value>().unwrap()).0),
            ];
            for (topo, bytes) in measured {
                let line = format!(
                    "{topo} {overflow:?} capacity {capacity}: {bytes} bytes, {:.2} values' worth \
                     (at most {limit})",
                    bytes as f64 / VALUE as f64
                );
                println!("{line}");
                if bytes > limit {
                    over.push(line);
                }
            }
        }
    }
    assert!(
        over.is_empty(),
        "rings of 64 KiB values over capacity * (64 KiB + 128) + 4096 bytes:\n{}",
        over.join("\n")
    );
}
