//! State every ring carries besides its slots and indices: its settings,
//! who is still connected, the sleep/wake points, the pressure state and the
//! rare-event counters. Nothing here is written on a send or receive fast
//! path.

use crate::stats::Pressure;
use crate::stats::{Counters, Tally};
use crate::sync::{fence, AtomicUsize, Ordering};
use crate::wait::Wait;
use crate::wait::WaitPoint;
use crossbeam_utils::CachePadded;

/// A policy as a value, for the ring's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// [`Block`](crate::Block).
    Block,
    /// [`DropNewest`](crate::DropNewest).
    DropNewest,
    /// [`DropOldest`](crate::DropOldest).
    DropOldest,
}

/// A ring's settings, validated by the builder and fixed from then on.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub(crate) capacity: usize,
    pub(crate) overflow: Kind,
    /// How a producer waits on a full `Block` ring.
    pub(crate) producer_wait: Wait,
    /// How a consumer waits on an empty ring.
    pub(crate) consumer_wait: Wait,
    pub(crate) high: usize,
    pub(crate) low: usize,
}

/// The non-index state of a ring.
#[derive(Debug)]
pub struct Shared {
    pub(crate) config: Config,
    /// Who counts this ring's evictions.
    pub(crate) tally: Tally,
    /// Whether a producer may ever sleep on `not_full` (`Block` rings whose
    /// producers `Park`); if not, a pop has nobody to wake.
    producers_sleep: bool,
    /// Whether a consumer may ever sleep on `not_empty` (consumers that
    /// `Park`); if not, a push has nobody to wake.
    consumers_sleep: bool,
    producers: AtomicUsize,
    consumers: AtomicUsize,
    /// 0 = `Pressure::Normal`, 1 = `Pressure::High`; only `pressure()` writes it.
    pressure: AtomicUsize,
    /// Consumers sleep here while the ring is empty; its word also says
    /// whether every consumer is gone.
    pub(crate) not_empty: WaitPoint,
    /// Producers sleep here while the ring is full; its word also says
    /// whether every producer is gone.
    pub(crate) not_full: WaitPoint,
    /// Written on drops, evictions and waits: kept off the line above, which
    /// the fast paths read.
    pub(crate) counters: CachePadded<Counters>,
}

impl Shared {
    /// `tally`: who counts evictions, which follows from the topology.
    pub(crate) fn new(config: Config, tally: Tally) -> Self {
        Self {
            config,
            tally,
            producers_sleep: config.producer_wait == Wait::Park && config.overflow == Kind::Block,
            consumers_sleep: config.consumer_wait == Wait::Park,
            producers: AtomicUsize::new(1),
            consumers: AtomicUsize::new(1),
            pressure: AtomicUsize::new(0),
            not_empty: WaitPoint::new(),
            not_full: WaitPoint::new(),
            counters: CachePadded::new(Counters::default()),
        }
    }

    /// Whether every consumer is gone (see [`WaitPoint::gone`]).
    #[inline]
    pub(crate) fn consumers_gone(&self) -> bool {
        self.not_empty.gone()
    }

    /// Whether every producer is gone: every value the producers published
    /// before leaving is then visible to the caller (see [`WaitPoint::gone`]).
    #[inline]
    pub(crate) fn producers_gone(&self) -> bool {
        self.not_full.gone()
    }

    /// Whether consumers may sleep (`Park`): only then does a push wake them.
    #[cfg(feature = "async")]
    #[inline]
    pub(crate) fn consumers_sleep(&self) -> bool {
        self.consumers_sleep
    }

    /// Whether producers may sleep (a `Block` ring whose producers `Park`):
    /// only then does a pop wake them.
    #[cfg(feature = "async")]
    #[inline]
    pub(crate) fn producers_sleep(&self) -> bool {
        self.producers_sleep
    }

    /// After `pushed` values were pushed: wakes up to that many sleeping
    /// consumers and says whether every consumer left meanwhile, in which
    /// case the pushing producer must discard what is queued (see
    /// `remove_consumer`).
    ///
    /// Where consumers may sleep: the push (a store or CAS of `tail`), F1,
    /// then the load of the `not_empty` word, the waker's half of two
    /// store/fence/load pairs, against a sleeping consumer's and against
    /// the last consumer's `remove_consumer`. Where they never sleep there
    /// is nobody to wake, and the departure is left to the producer's next
    /// send (see `remove_consumer`): a test of a constant, no fence, no load.
    #[inline]
    pub(crate) fn after_push(&self, pushed: usize) -> bool {
        self.consumers_sleep && self.not_empty.after_progress(pushed)
    }

    /// After a consumer took values (`received` of them so far, counted by
    /// its handle): publishes that count where the ring tallies evictions
    /// by it.
    #[inline]
    pub(crate) fn tally_received(&self, received: usize) {
        if self.tally == Tally::ByConsumer {
            // Release: the moves of `head` that took these values happen
            // before a snapshot that reads this count (Acquire) and then
            // `head`; see `Counters::snapshot`.
            self.counters.received.store(received, Ordering::Release);
        }
    }

    /// After `popped` values were taken: wakes up to that many sleeping
    /// producers. Whether producers are gone does not matter here. On a
    /// ring whose producers never sleep this is a test of a constant: no
    /// fence, no load of the wake word.
    #[inline]
    pub(crate) fn after_pop(&self, popped: usize) {
        if self.producers_sleep {
            self.not_full.after_progress(popped);
        }
    }

    /// After a send evicted a value.
    #[inline]
    pub(crate) fn after_eviction(&self) {
        if self.tally == Tally::ByProducers {
            Counters::bump(&self.counters.evicted);
        }
    }

    /// A new producer handle (a clone) joins.
    pub(crate) fn add_producer(&self) {
        // Relaxed: the cloning handle keeps the count above zero meanwhile.
        self.producers.fetch_add(1, Ordering::Relaxed);
    }

    /// A new consumer handle (a clone) joins.
    pub(crate) fn add_consumer(&self) {
        self.consumers.fetch_add(1, Ordering::Relaxed);
    }

    /// A producer handle leaves; the last one closes the ring for consumers
    /// and wakes them all. Returns whether it was the last.
    pub(crate) fn remove_producer(&self) -> bool {
        let last = self.producers.fetch_sub(1, Ordering::AcqRel) == 1;
        if last {
            self.not_full.close();
            self.not_empty.notify_all();
        }
        last
    }

    /// A consumer handle leaves; the last one closes the ring for producers
    /// and wakes them all. Returns whether it was the last (which must then
    /// drain the ring).
    ///
    /// The caller drains after this, and a producer may push meanwhile.
    /// The flag, F2, then the drain's loads (of `tail`, or on the SPSC ring
    /// of the stamp of `head`'s block) here, against the push, F1, then the
    /// load of the `not_empty` word in `after_push`, make sure that the
    /// drain sees the value or the producer sees the flag and discards it.
    /// On a ring whose consumers never sleep the producer skips F1 and that
    /// load, and both may miss: the value then waits for a later send,
    /// which sees the flag first and discards it (on the spsc ring once the
    /// drain is over), or for the ring's own drop, whichever comes first.
    /// Either way it is dropped exactly once.
    pub(crate) fn remove_consumer(&self) -> bool {
        let last = self.consumers.fetch_sub(1, Ordering::AcqRel) == 1;
        if last {
            self.not_empty.close();
            fence(Ordering::SeqCst); // F2
            self.not_full.notify_all();
        }
        last
    }

    /// The pressure state for `len` queued values, with hysteresis: flips to
    /// `High` at the high mark and back to `Normal` only at the low mark
    /// (and below the high one).
    /// Relaxed: the state is advice, not a synchronization point.
    pub(crate) fn pressure(&self, len: usize) -> Pressure {
        let high = self.pressure.load(Ordering::Relaxed) == 1;
        let now_high = if high {
            // Back to normal at the low mark, but never while still at the
            // high mark (with `low == high` that would flip on every call).
            !(len <= self.config.low && len < self.config.high)
        } else {
            len >= self.config.high
        };
        if now_high != high {
            self.pressure.store(now_high as usize, Ordering::Relaxed);
        }
        if now_high {
            Pressure::High
        } else {
            Pressure::Normal
        }
    }
}
