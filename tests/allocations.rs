//! No allocation per message after construction, and memory of
//! `capacity * size_of::<T>()` plus O(1), plus the stamps (a `usize` per
//! block of seven values on the SPSC ring of values up to 64 bytes that
//! never evicts, per value on the others), proved with a counting global
//! allocator.

use ringweir::{Block, Builder, DropNewest, DropOldest, Overflow, Spsc, Topology, Wait};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    // Per thread, so the test harness's own allocations on other threads
    // do not count. Const-initialized: touching it never allocates.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with`: a thread being torn down has no locals left.
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        let _ = BYTES.try_with(|c| c.set(c.get() + layout.size()));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by this thread so far.
fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

/// Bytes this thread allocated while `f` ran.
fn bytes_during<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = BYTES.with(Cell::get);
    let r = f();
    (BYTES.with(Cell::get) - before, r)
}

macro_rules! no_alloc_per_message {
    ($build:ident, $overflow:expr) => {{
        let overflow = $overflow;
        let (tx, mut rx) = Builder::new(64)
            .overflow(overflow)
            .wait(Wait::Park)
            .$build::<u64>()
            .unwrap();
        let mut buf = Vec::with_capacity(64);
        let before = allocations();
        for i in 0..if cfg!(miri) { 100u64 } else { 10_000 } {
            let _ = tx.send(i).unwrap();
            let _ = tx.try_send(i);
            if i % 3 == 0 {
                let _ = rx.try_recv();
                buf.clear();
                let _ = rx.try_recv_many(&mut buf, 16);
            }
            let _ = (tx.len(), tx.pressure(), tx.stats(), rx.lagged());
        }
        assert_eq!(
            allocations(),
            before,
            "{} {:?}",
            stringify!($build),
            overflow
        );
    }};
}

/// Every topology of the policy `P`.
fn no_alloc_per_message<P: Overflow>()
where
    Spsc<P>: Topology<Policy = P>,
{
    no_alloc_per_message!(spsc, P::default());
    no_alloc_per_message!(mpsc, P::default());
    no_alloc_per_message!(mpmc, P::default());
}

#[test]
fn no_allocation_per_message() {
    no_alloc_per_message::<DropNewest>();
    no_alloc_per_message::<DropOldest>();
}

#[test]
fn no_allocation_per_message_across_threads() {
    let n = if cfg!(miri) { 200 } else { 200_000 };
    let (tx, rx) = Builder::new(128).wait(Wait::Spin).spsc::<u64>().unwrap();
    let started = std::sync::Arc::new(std::sync::Barrier::new(2));
    let s = started.clone();
    let consumer = std::thread::spawn(move || {
        s.wait();
        let before = allocations();
        let mut sum = 0u64;
        while let Ok(v) = rx.recv() {
            sum += v;
        }
        (sum, allocations() - before)
    });
    started.wait();
    let before = allocations();
    for i in 0..n {
        tx.send(i).unwrap();
    }
    let during = allocations() - before;
    drop(tx);
    let (sum, consumer_allocations) = consumer.join().unwrap();
    assert_eq!(sum, n * (n - 1) / 2);
    assert_eq!(
        during, 0,
        "producer allocations while {n} messages crossed threads"
    );
    assert_eq!(consumer_allocations, 0, "consumer allocations");
}

#[test]
fn memory_is_capacity_times_value_size_plus_constant() {
    const SLACK: usize = 2048; // the handles' Arc and cache-padded indices
    let stamp = std::mem::size_of::<usize>();
    for capacity in [1usize, 1000, 4096] {
        // Seven u64 values share a stamp (a 64-byte line); the last block
        // may be partly used.
        let values = capacity * 8;
        let stamps = capacity.div_ceil(7) * stamp;
        let (bytes, ring) = bytes_during(|| Builder::new(capacity).spsc::<u64>().unwrap());
        assert!(
            bytes >= values + stamps && bytes <= values + stamps + 6 * 8 + SLACK,
            "spsc {capacity}: {bytes}"
        );
        drop(ring);
        // Each slot is a u64 and its stamp.
        let slots = capacity * (8 + stamp);
        let (bytes, ring) = bytes_during(|| Builder::new(capacity).mpmc::<u64>().unwrap());
        assert!(
            bytes >= slots && bytes <= slots + SLACK,
            "mpmc {capacity}: {bytes}"
        );
        drop(ring);
    }
}

/// A 64 KiB value.
const VALUE: usize = 64 * 1024;
type Value = [u8; VALUE];

/// Rings of large values take about `capacity` values of memory on every
/// topology and policy, not whole blocks of seven as the SPSC ring's small
/// values do (a ring of one 64 KiB value took 448 KiB). Run with
/// `--nocapture` for the numbers.
#[test]
fn a_ring_of_large_values_takes_about_capacity_values_of_memory() {
    // Under Miri, no 64 MiB ring: its slots are built one by one.
    let capacities: &[usize] = if cfg!(miri) {
        &[1, 2, 8]
    } else {
        &[1, 2, 8, 1024]
    };
    let mut over = Vec::new();
    large_value_rings::<Block>(capacities, &mut over);
    large_value_rings::<DropNewest>(capacities, &mut over);
    large_value_rings::<DropOldest>(capacities, &mut over);
    assert!(
        over.is_empty(),
        "rings of 64 KiB values over capacity * (64 KiB + 128) + 4096 bytes:\n{}",
        over.join("\n")
    );
}

/// Measures rings of [`Value`] of every topology of the policy `P`, adding
/// a line to `over` for each one over its limit.
fn large_value_rings<P: Overflow>(capacities: &[usize], over: &mut Vec<String>)
where
    Spsc<P>: Topology<Policy = P>,
{
    let overflow = P::default();
    for &capacity in capacities {
        // The values, a stamp and some padding per slot, and the
        // handles and shared state once.
        let limit = capacity * VALUE + capacity * 128 + 4096;
        let builder = Builder::new(capacity).overflow(overflow);
        // Each ring is dropped before the next is built.
        let measured = [
            ("spsc", bytes_during(|| builder.spsc::<Value>().unwrap()).0),
            ("mpsc", bytes_during(|| builder.mpsc::<Value>().unwrap()).0),
            ("mpmc", bytes_during(|| builder.mpmc::<Value>().unwrap()).0),
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
