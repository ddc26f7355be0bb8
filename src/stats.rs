//! Ring-wide counters.
//!
//! `sent` and `received` cost nothing on the hot path: they are derived from
//! the ring's head and tail positions, which count every value that ever
//! entered or left. Only the rare events (a refused value, an eviction, a
//! send that had to wait) touch a counter of their own, on a cache line the
//! hot path does not read.

use crate::sync::{AtomicUsize, Ordering};

/// A snapshot of a ring's counters. Every handle of a ring reports the same
/// numbers.
///
/// While other threads are sending and receiving the fields are read one by
/// one, so they may be a few values apart; once the ring is quiet they are
/// exact, and `sent == received + evicted + discarded + len`.
///
/// ```
/// use ringweir::{Builder, Overflow, Stats};
///
/// let (mut tx, mut rx) = Builder::new(2).overflow(Overflow::DropOldest).spsc::<u32>()?;
/// for i in 0..5 { let _ = tx.send(i); }
/// assert_eq!(rx.recv(), Ok(3));
/// let s: Stats = tx.stats();
/// assert_eq!((s.sent, s.received, s.evicted, s.dropped), (5, 1, 3, 0));
/// assert_eq!(s, rx.stats());
/// # Ok::<(), ringweir::CapacityError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Stats {
    /// Values that entered the ring (including those later evicted).
    pub sent: u64,
    /// Values that consumers took.
    pub received: u64,
    /// Values a [`DropNewest`](crate::Overflow::DropNewest) send refused.
    pub dropped: u64,
    /// Values a [`DropOldest`](crate::Overflow::DropOldest) send pushed out.
    pub evicted: u64,
    /// Sends that found the ring full and had to wait.
    pub waits: u64,
    /// Values the ring dropped itself because every consumer had left.
    pub discarded: u64,
}

/// The rare-event counters a ring keeps in its own memory.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) dropped: AtomicUsize,
    pub(crate) evicted: AtomicUsize,
    pub(crate) waits: AtomicUsize,
    pub(crate) discarded: AtomicUsize,
}

impl Counters {
    /// Counts one event. Relaxed: a counter orders nothing, it is only summed.
    #[inline]
    pub(crate) fn bump(counter: &AtomicUsize) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Builds a snapshot from the ring's own `sent` and `taken` positions
    /// (`taken` counts every value that left through the head: received by a
    /// consumer, evicted by a producer, or discarded after the consumers left).
    pub(crate) fn snapshot(&self, sent: usize, taken: usize) -> Stats {
        let evicted = self.evicted.load(Ordering::Relaxed);
        let discarded = self.discarded.load(Ordering::Relaxed);
        Stats {
            sent: sent as u64,
            received: taken
                .wrapping_sub(evicted)
                .wrapping_sub(discarded)
                .min(taken) as u64,
            dropped: self.dropped.load(Ordering::Relaxed) as u64,
            evicted: evicted as u64,
            waits: self.waits.load(Ordering::Relaxed) as u64,
            discarded: discarded as u64,
        }
    }
}
