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
/// one, so they may be a few values apart (on a `DropOldest` ring with one
/// consumer, `evicted` may briefly include receives still in progress, and
/// with several, `received` evictions still in progress), but `received +
/// evicted + discarded` never exceeds `sent`; once the ring is quiet they
/// are exact, and
/// `sent == received + evicted + discarded + len`.
///
/// `sent` and `received` are computed from the ring's `usize` positions,
/// which a 32-bit target wraps after about four billion values on an
/// `spsc` ring of values up to 64 bytes that never evicts, and after
/// between half a billion
/// (capacity 1) and about two billion on the others; from then on those
/// two counts are wrong there (a 64-bit target never gets that far). The
/// ring itself is unaffected.
///
/// ```
/// use ringweir::{Builder, DropOldest, Stats};
///
/// let (tx, rx) = Builder::new(2).overflow(DropOldest).spsc::<u32>()?;
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
    /// Values a [`DropNewest`](crate::DropNewest) send refused.
    pub dropped: u64,
    /// Values a [`DropOldest`](crate::DropOldest) send pushed out.
    pub evicted: u64,
    /// Sends that found the ring full and had to wait.
    pub waits: u64,
    /// Values the ring dropped itself because every consumer had left.
    pub discarded: u64,
}

/// How a ring learns its `evicted` count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tally {
    /// Each evicting producer bumps `Counters::evicted` (an atomic RMW per
    /// eviction). Used where consumers can be cloned, and where nothing is
    /// ever evicted (then nothing is bumped).
    ByProducers,
    /// The one consumer stores how many values it received in
    /// `Counters::received` (a plain store, no RMW); the evictions are what
    /// else left through the head: `taken - received - discarded`. This
    /// takes the RMW off a `DropOldest` producer's path, where it cost more
    /// than the rest of the send.
    ByConsumer,
}

/// The rare-event counters a ring keeps in its own memory.
#[derive(Debug, Default)]
pub struct Counters {
    pub(crate) dropped: AtomicUsize,
    pub(crate) evicted: AtomicUsize,
    pub(crate) waits: AtomicUsize,
    pub(crate) discarded: AtomicUsize,
    /// [`Tally::ByConsumer`] only: values the consumer received so far,
    /// stored (Release; only it writes) after each of its receives.
    pub(crate) received: AtomicUsize,
}

impl Counters {
    /// Counts one event. Release: an eviction or a discard moved `head`
    /// before it is counted, so a snapshot that loads the count with
    /// Acquire and `head` after it finds the move there (see `snapshot`).
    #[inline]
    pub(crate) fn bump(counter: &AtomicUsize) {
        counter.fetch_add(1, Ordering::Release);
    }

    /// Builds a snapshot from the ring's own `sent` and `taken` positions,
    /// which `positions` reads (`taken` counts every value that left through
    /// the head: received by a consumer, evicted by a producer, or discarded
    /// after the consumers left).
    pub(crate) fn snapshot(
        &self,
        tally: Tally,
        positions: impl FnOnce() -> (usize, usize),
    ) -> Stats {
        // Before the positions, and Acquire (pairs with the consumer's
        // Release store after moving `head`): the `taken` read next counts
        // at least these receives, so `evicted` is never under-counted, only
        // over-counted by receives between their `head` move and their store.
        let received_stored = self.received.load(Ordering::Acquire);
        // Also before the positions, and Acquire (pairs with the Release of
        // `bump`): every eviction and discard counted here has moved `head`
        // already, so `taken` includes them. Loaded after `taken`, a count
        // could include evictions that `taken` and `sent` do not, and
        // `received + evicted` would exceed `sent` (the concurrent fuzz
        // target caught that on an mpmc `DropOldest` ring).
        let evicted_counted = self.evicted.load(Ordering::Acquire);
        let discarded = self.discarded.load(Ordering::Acquire);
        let (sent, taken) = positions();
        let (received, evicted) = match tally {
            Tally::ByProducers => (
                // What else left through the head; an eviction or discard
                // that moved `head` after our load of its count shows as a
                // receive until the ring is quiet.
                Self::left_besides(taken, evicted_counted, discarded),
                evicted_counted,
            ),
            Tally::ByConsumer => (
                received_stored,
                Self::left_besides(taken, received_stored, discarded),
            ),
        };
        Stats {
            sent: sent as u64,
            received: received as u64,
            dropped: self.dropped.load(Ordering::Relaxed) as u64,
            evicted: evicted as u64,
            waits: self.waits.load(Ordering::Relaxed) as u64,
            discarded: discarded as u64,
        }
    }

    /// What left through the head (`taken`) besides `counted` and
    /// `discarded` values: the evictions under [`Tally::ByConsumer`] (then
    /// `counted` is the receives), the receives under
    /// [`Tally::ByProducers`] (then it is the evictions). Saturates at 0
    /// while a count is ahead of the `taken` it was read with (a receive
    /// between its move of `head` and its store of the count).
    pub(crate) fn left_besides(taken: usize, counted: usize, discarded: usize) -> usize {
        let rest = taken.wrapping_sub(counted.wrapping_add(discarded));
        if rest > taken {
            0
        } else {
            rest
        }
    }
}

/// How full the ring is, with hysteresis, for cooperative throttling.
///
/// The state becomes `High` when the length reaches the high watermark and
/// returns to `Normal` only when it falls to the low watermark (and below
/// the high one, which matters only when the two are equal), so a
/// producer that slows down on `High` does not flap at the boundary. Set the
/// marks with [`Builder::watermarks`](crate::Builder::watermarks).
///
/// ```
/// use ringweir::{Builder, Pressure};
///
/// let (tx, rx) = Builder::new(4).watermarks(3, 1).spsc::<u8>()?;
/// for i in 0..3 { tx.send(i).unwrap(); }
/// assert_eq!(tx.pressure(), Pressure::High);
/// rx.recv().unwrap();                    // length 2: still above the low mark
/// assert_eq!(tx.pressure(), Pressure::High);
/// rx.recv().unwrap();                    // length 1: back to normal
/// assert_eq!(tx.pressure(), Pressure::Normal);
/// # Ok::<(), ringweir::CapacityError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Pressure {
    /// Below the high watermark (or back at or below the low one).
    #[default]
    Normal,
    /// At or above the high watermark, and not yet back down to the low one.
    High,
}
