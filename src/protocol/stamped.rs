//! The stamped protocol (after Dmitry Vyukov's bounded MPMC queue): any
//! number of producers and consumers, and eviction of the oldest value by a
//! producer racing the consumers, lock-free.
//!
//! # Positions and stamps
//!
//! A position packs a lap number and a slot index: `index = pos & (lap - 1)`,
//! `lap = pos & !(lap - 1)`, where `lap` (the field `one_lap`) is the
//! smallest power of two above the capacity. Stepping past the last index
//! moves to index 0 of the next lap, so there is no division and any
//! capacity works.
//!
//! Each slot has a stamp saying what it is waiting for:
//! - `stamp == pos` (for the tail position `pos` that maps to it): empty,
//!   a producer at `pos` may claim it;
//! - `stamp == pos + 1`: full, written at `pos`; a consumer at head position
//!   `pos` may claim it;
//! - otherwise someone is mid-way through the slot, or the claimer's view
//!   of `head`/`tail` is stale: re-read and retry.
//!
//! Producers claim by CAS on `tail`, consumers by CAS on `head`; the claim
//! gives the winner exclusive use of the slot until it stores the next
//! stamp (Release), which the next claimer loads (Acquire) before touching
//! the value.
//!
//! # Eviction
//!
//! A full ring has `head + one_lap == tail`: the slot at `tail` still holds
//! the oldest value, the one at `head`. An evicting producer claims that
//! value exactly as a consumer would, by CAS on `head` (so a racing consumer
//! and a racing evictor cannot both take it), then stores `tail` one step on
//! (no other producer can claim `tail` meanwhile: the slot's stamp says
//! full), swaps its value in for the old one and stamps the slot full for
//! the new lap (the single producer stores `tail` last, see below). The old
//! value is handed back to the caller, never dropped here.
//!
//! # The single producer
//!
//! The spsc `DropOldest` producer (`single_producer`: the only producer the
//! ring will ever have, on one thread at a time) needs no CAS to claim
//! `tail`. It writes the value, stamps the slot full (Release) and only
//! then stores `tail` (Release, see `publish_tail`). `tail` therefore never
//! counts a value that is not published, which its consumer relies on: it
//! never loads `tail`, and reads a slot stamped empty at `head` as an empty
//! ring (`is_empty_at`). So a consumer that saw the ring non-empty through
//! `len` finds the value at `head`. The consumer may take that value before
//! `tail` moves past it, so `tail` can lag one step behind `head`; `len`
//! and `positions` read that as an empty ring.
//!
//! The producers of `mpsc` and `mpmc` rings always claim by CAS: their
//! handles may be shared, so even the last one left may send from several
//! threads at once.
//!
//! # A sole consumer
//!
//! An `mpsc` ring that never evicts has one taker of values: its consumer
//! handle. Nobody else moves `head`, so that consumer needs no CAS to claim
//! the value there: it reads it, stamps the slot empty for the next lap
//! (Release, as a claimed pop does) and stores `head` one step on (Release;
//! only `len`, the statistics and a producer deciding "full" read it). The
//! stamp goes first, so a producer that sees the old stamp and then the
//! new `head` retries, and one that sees the new stamp takes the slot; one
//! that sees neither reports a full ring, as it would have a moment
//! earlier. A slot's stamp is then always `head` (awaiting this lap's
//! value) or `head + 1` (holding it): the consumer's own last store to it
//! was `head`, and only the producer that claims `head` stores after that.
//!
//! Two things end that monopoly, and both switch the handle to claimed
//! pops (`share_pops`) before they can race it: the consumer's drain when
//! it leaves, and producers discarding orphans after it left, which first
//! load the "consumers gone" flag with Acquire (the consumer's plain pops
//! came before it set that flag, so they happen-before the producers'
//! claims).
//!
//! # A consumer behind an evictor
//!
//! On an spsc `DropOldest` ring, a consumer whose claim of `head` fails
//! lost it to the one producer evicting from a full ring: nobody else moves
//! `head`. That producer claimed the oldest value while the ring held
//! `capacity` published values, all written by its earlier sends, so with
//! two or more slots the value at the new `head` was published before its
//! CAS; the failed CAS reads that `head` with Acquire from the producer's
//! SeqCst (releasing) CAS, so the value's write happens-before our read. The
//! consumer claims it at once, without loading its stamp: the failed CAS
//! left `head`'s line in its cache, and a consumer that went back to load
//! the stamp first lost the race again, to a producer that evicts a value
//! every few nanoseconds. (With one slot the new `head` is the value the
//! producer is writing: the consumer looks at the stamp again. And the
//! leaving consumer's drain looks too, after `share_pops`: a producer
//! discarding orphans then moves `head` by popping, up to an empty ring.)
//!
//! # A receiver that waits
//!
//! A slot stamped empty at `head` means one of two things: the ring is
//! empty, or a producer has claimed `head` (moved `tail`) and is still
//! writing the value. `try_recv` must tell them apart (with a later value
//! already published, "empty" would be a lie), and pays for it with a
//! `SeqCst` fence and a load of `tail`, the line every producer CASes. A
//! receiver that waits anyway (`recv`, `recv_timeout`, the first value of
//! `recv_many`) polls through `pop_waiting`, which stops at the stamp: a
//! consumer polling an empty ring then reads no line the producers claim,
//! only the slot it waits for, and leaves the producers' line alone while
//! they claim it. Only the re-check of a receiver about
//! to sleep looks exactly (`Look::Exact` in `wait.rs`), so a consumer still
//! sleeps only on an empty ring: with several consumers, one asleep while
//! a later value is published and the value at `head` still in writing
//! would get no wake-up for that later value once another consumer took
//! the one at `head`. Once every producer has gone their pushes are all
//! visible, so the closing check (`producers_gone`, then an exact look)
//! still finds every value.
//!
//! # A sender that waits
//!
//! The same holds the other way round. A slot still stamped full from the
//! last lap means a full ring, or a consumer that has claimed `head` and is
//! still taking the value; `try_send` tells them apart with a fence and a
//! load of `head`, the line the consumers CAS. A blocked `send` polls
//! through `push_waiting`, which stops at the stamp; its re-check before
//! sleeping looks exactly, so a producer sleeps only on a full ring, and
//! a producer polling a full ring leaves the consumers' `head` line alone.

use crate::error::CapacityError;
use crate::ring::Ring;
use crate::shared::Kind;
use crate::shared::{Config, Shared};
use crate::slots::{look_then_drop, Cell};
use crate::stats::Tally;
use crate::sync::{fence, AtomicUsize, Ordering, UnsafeCell};
use crate::wait::Backoff;
use crossbeam_utils::CachePadded;
use std::mem::MaybeUninit;

struct Slot<T> {
    stamp: AtomicUsize,
    value: Cell<T>,
}

/// A bounded ring of exactly `capacity` stamped slots.
pub struct StampedRing<T> {
    /// Next position to take from; CAS by consumers and evicting producers.
    head: CachePadded<AtomicUsize>,
    /// Next position to fill; CAS by producers.
    tail: CachePadded<AtomicUsize>,
    shared: CachePadded<Shared>,
    slots: Box<[Slot<T>]>,
    /// The smallest power of two greater than the capacity.
    one_lap: usize,
    /// Whether one producer handle is all there will ever be (spsc
    /// `DropOldest`): then it moves `tail` with plain stores, not a CAS
    /// (see "The single producer").
    single_producer: bool,
    /// Whether consumer handles can be cloned (`mpmc`).
    many_consumers: bool,
}

/// A consumer handle's view: how it takes values.
pub struct PopLocal {
    mode: PopMode,
}

/// How a consumer takes values from a stamped ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PopMode {
    /// The ring's only taker of values: no claim (see "A sole consumer").
    Sole,
    /// By CAS on `head`, and the ring's only other mover of `head` is one
    /// evicting producer (see "A consumer behind an evictor").
    BehindEvictor,
    /// By CAS on `head`, beside any number of other takers.
    Claimed,
}

/// A published value at `head` that one consumer has claimed: until the
/// claim is [released](StampedRing::release), nobody else reads or writes
/// its slot.
#[derive(Clone, Copy)]
struct Claim {
    head: usize,
    /// Claimed by the ring's sole consumer, which has not moved `head` yet.
    sole: bool,
}

// Head and tail never share a cache line.
static_assertions::const_assert!(
    std::mem::offset_of!(StampedRing<u8>, head)
        .abs_diff(std::mem::offset_of!(StampedRing<u8>, tail))
        >= std::mem::size_of::<CachePadded<AtomicUsize>>()
);

// SAFETY: values move between threads (so `T: Send`); no `&T` is ever
// shared, each slot's value is touched only by the thread whose CAS claimed it.
unsafe impl<T: Send> Send for StampedRing<T> {}
// SAFETY: as for `Send`; shared mutation goes through atomics or claimed slots.
unsafe impl<T: Send> Sync for StampedRing<T> {}

impl<T> StampedRing<T> {
    /// `single_producer`: the ring's producer handle cannot be cloned;
    /// `many_consumers`: its consumer handle can. Both follow from the
    /// ring's topology.
    pub(crate) fn new(
        config: Config,
        single_producer: bool,
        many_consumers: bool,
    ) -> Result<Self, CapacityError> {
        let capacity = config.capacity;
        // One consumer handle counts what it takes, and evictions follow
        // from that count and `head` (see `Tally`); beside other consumers
        // the evicting producers count them.
        let tally = if config.overflow == Kind::DropOldest && !many_consumers {
            Tally::ByConsumer
        } else {
            Tally::ByProducers
        };
        // `slots::build` rejects capacities above `usize::MAX / 4`, so the
        // power of two above it exists.
        let slots = crate::slots::build(capacity, |i| Slot {
            stamp: AtomicUsize::new(i),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        })?;
        Ok(Self {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            shared: CachePadded::new(Shared::new(config, tally)),
            one_lap: (capacity + 1).next_power_of_two(),
            slots,
            single_producer,
            many_consumers,
        })
    }

    #[inline(always)]
    fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The position after `pos`.
    #[inline(always)]
    fn next(&self, pos: usize) -> usize {
        let index = pos & (self.one_lap - 1);
        if index + 1 < self.capacity() {
            pos + 1
        } else {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    #[inline(always)]
    fn slot(&self, pos: usize) -> &Slot<T> {
        &self.slots[pos & (self.one_lap - 1)]
    }

    /// How many positions `to` lies past `from`, negative when it lies
    /// behind. From laps and indices rather than from `count`, which jumps
    /// when a position wraps around `usize` (reachable on 32-bit targets):
    /// the wrapping difference of two laps is exact whenever they are
    /// close, as every pair compared here is.
    fn distance(&self, from: usize, to: usize) -> isize {
        let mask = self.one_lap - 1;
        let laps =
            ((to & !mask).wrapping_sub(from & !mask) as isize) >> self.one_lap.trailing_zeros();
        laps.wrapping_mul(self.capacity() as isize)
            .wrapping_add((to & mask) as isize - (from & mask) as isize)
    }

    /// Values that ever passed `pos` (laps times capacity plus index).
    fn count(&self, pos: usize) -> usize {
        let laps = pos >> self.one_lap.trailing_zeros();
        laps.wrapping_mul(self.capacity())
            .wrapping_add(pos & (self.one_lap - 1))
    }

    /// Claims the slot under `tail` and fills it (`None`), unless the ring
    /// is full. Then, when `EVICT`, it evicts the oldest value to make room
    /// and returns that; else it returns `value`. `WAITING` (never with `EVICT`):
    /// a slot still full from the last lap hands `value` back at once, as
    /// a full ring, without telling a full ring from a consumer still
    /// taking that value (see "A sender that waits").
    #[inline]
    fn push_with<const EVICT: bool, const WAITING: bool>(&self, value: T) -> Option<T> {
        let mut backoff = Backoff::new();
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            let slot = self.slot(tail);
            // Acquire: a consumer's read of the previous lap's value happens
            // before we overwrite it.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == tail {
                if !self.single_producer {
                    // SeqCst: with the fences below, orders claims of `tail`
                    // against loads of `tail` by consumers deciding "empty".
                    if let Err(current) = self.tail.compare_exchange_weak(
                        tail,
                        self.next(tail),
                        Ordering::SeqCst,
                        Ordering::Relaxed,
                    ) {
                        tail = current;
                        backoff.spin();
                        continue;
                    }
                }
                // Why this is sound: the stamp said empty and either we won
                // the CAS from `tail` or nobody else moves `tail` (the single
                // producer),
                // so the slot is ours until we re-stamp it; the previous
                // value (if any) was moved out by its consumer before it
                // stamped the slot empty.
                // SAFETY: a slot claimed on an empty stamp is ours alone.
                slot.value.with_mut(|v| unsafe { (*v).write(value) });
                // Release: publishes the value to the consumer that loads
                // this stamp.
                slot.stamp.store(tail.wrapping_add(1), Ordering::Release);
                if self.single_producer {
                    self.publish_tail(self.next(tail));
                }
                return None;
            } else if stamp.wrapping_add(self.one_lap) == tail.wrapping_add(1) {
                // The slot still holds last lap's value: full, unless a
                // consumer has moved `head` since.
                if EVICT {
                    // Claim that value by CAS on `head` straight away: the
                    // CAS tells whether the ring is still full at `tail`. A
                    // fence and a load of `head` first would only move
                    // `head`'s line here twice (to read, then to write), the
                    // most contended line of a full ring (`force_push` does
                    // not load it either).
                    if self.claim_oldest(tail) {
                        return Some(self.swap_in(slot, tail, value));
                    }
                } else if WAITING {
                    return Some(value);
                } else {
                    // SeqCst fence: pairs with the consumers' SeqCst CAS on
                    // `head`, so a `head` older than our stamp load is not
                    // read. (A sole consumer stores the empty stamp before
                    // `head`: a `head` that still says full then means the
                    // slot was not free when we loaded its stamp, where
                    // this "full" linearizes.)
                    fence(Ordering::SeqCst);
                    let head = self.head.load(Ordering::Relaxed);
                    if head.wrapping_add(self.one_lap) == tail {
                        return Some(value);
                    }
                }
                // A consumer (or evictor) claimed the head and is mid-way
                // through the slot: it may be descheduled, so yield in time.
                backoff.snooze();
                tail = self.tail.load(Ordering::Relaxed);
            } else {
                // Another producer claimed this slot and is writing it, or
                // our `tail` is stale.
                backoff.snooze();
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Claims the oldest value of a full ring whose tail was `tail`, by the
    /// consumers' CAS on `head`; `false` if the ring changed meanwhile (a
    /// consumer took the oldest value, or another producer evicted it). On
    /// success the caller owns that value and the slot under `tail`, and
    /// must [`swap_in`](Self::swap_in) its own.
    #[inline(always)]
    fn claim_oldest(&self, tail: usize) -> bool {
        let head = tail.wrapping_sub(self.one_lap);
        let new_tail = self.next(tail);
        let new_head = new_tail.wrapping_sub(self.one_lap);
        // SeqCst: the same claim on `head` that consumers make; exactly one
        // of us wins it.
        if self
            .head
            .compare_exchange(head, new_head, Ordering::SeqCst, Ordering::Relaxed)
            .is_err()
        {
            return false;
        }
        // No producer can claim `tail` (its slot is stamped full for the
        // previous lap), so a plain store moves it: SeqCst, like a CAS of
        // `tail`, for consumers deciding "empty"; the single producer moves
        // it only once the new value is published (`swap_in`).
        if !self.single_producer {
            self.tail.store(new_tail, Ordering::SeqCst);
        }
        true
    }

    /// After [`claim_oldest`](Self::claim_oldest) won: moves the oldest
    /// value out of `slot` (under `tail`), `value` in, publishes it and
    /// returns the old one. Each value is moved once, in place: a large `T`
    /// needs no temporary copies on the stack.
    #[inline(always)]
    fn swap_in(&self, slot: &Slot<T>, tail: usize, value: T) -> T {
        // Why this is sound: the slot holds the value published at `head`
        // (its stamp is `head + 1`, which the caller's Acquire load saw);
        // winning the CAS on `head` made it ours, and no consumer reads it
        // until we re-stamp.
        // SAFETY: the head CAS won on a full stamp gives us the oldest value.
        let old = slot.value.with_mut(|v| unsafe {
            let old = (*v).assume_init_read();
            (*v).write(value);
            old
        });
        // Release: publishes the new value to its consumer.
        slot.stamp.store(tail.wrapping_add(1), Ordering::Release);
        if self.single_producer {
            self.publish_tail(self.next(tail));
        }
        old
    }

    /// A pop that claims the value at `head` by CAS: safe beside other
    /// claimed pops and evicting producers. `behind_evictor`: the only
    /// other mover of `head` is one evicting producer (see "A consumer
    /// behind an evictor"). `WAITING`: see "A receiver that waits".
    #[inline(always)]
    fn claim_by_cas<const WAITING: bool>(&self, behind_evictor: bool) -> Option<Claim> {
        let mut backoff = Backoff::new();
        // Acquire, here and below: a `head` moved by an evicting producer
        // comes with what that producer published before its CAS, so a
        // stamp we load at that `head` is not older than the value's (on
        // weakly ordered hardware a Relaxed load could pair the new `head`
        // with a stale "empty" stamp, and the sole-producer "empty" check
        // would believe it; on x86 an Acquire load is a plain load).
        let mut head = self.head.load(Ordering::Acquire);
        // Whether the value at `head` is known to be published without a
        // look at its stamp (see "A consumer behind an evictor").
        let mut published = false;
        loop {
            let slot = self.slot(head);
            let stamp = if published {
                head.wrapping_add(1)
            } else {
                // Acquire: the producer's write of the value happens before
                // our read.
                slot.stamp.load(Ordering::Acquire)
            };
            if stamp == head.wrapping_add(1) {
                // SeqCst: one total order with evictors' CAS on `head` and
                // the producers' fence before reading `head`. Acquire on
                // failure: see "A consumer behind an evictor".
                match self.head.compare_exchange_weak(
                    head,
                    self.next(head),
                    Ordering::SeqCst,
                    Ordering::Acquire,
                ) {
                    Ok(_) => {
                        // Winning the CAS from `head` while the stamp said
                        // full (or while the value was known published, see
                        // "A consumer behind an evictor") gives us this
                        // value; nobody else reads or writes the slot until
                        // we stamp it empty.
                        return Some(Claim { head, sole: false });
                    }
                    Err(current) => {
                        // Spurious, or someone took `head` first. With one
                        // producer and one consumer that someone is the
                        // producer evicting, and the next value is published:
                        // claim it at once, while `head`'s line is still ours.
                        published = current == head || behind_evictor;
                        head = current;
                        if !published {
                            backoff.spin();
                        }
                    }
                }
            } else if stamp == head {
                if WAITING || self.is_empty_at(head) {
                    return None;
                }
                // A producer claimed the slot and is mid-way through writing
                // it: it may be descheduled, so yield in time.
                backoff.snooze();
                head = self.head.load(Ordering::Acquire);
            } else {
                // A producer is filling the slot, or `head` is stale.
                backoff.snooze();
                head = self.head.load(Ordering::Acquire);
            }
        }
    }

    /// A claim by the ring's only taker of values, which moves `head` with
    /// a plain store when it releases the slot (see "A sole consumer").
    /// `WAITING`: see "A receiver that waits".
    #[inline(always)]
    fn claim_sole<const WAITING: bool>(&self) -> Option<Claim> {
        let mut backoff = Backoff::new();
        // Relaxed: only this consumer writes `head` while it is sole.
        let head = self.head.load(Ordering::Relaxed);
        let slot = self.slot(head);
        loop {
            // Acquire: the producer's write of the value happens before our
            // read.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == head.wrapping_add(1) {
                // The stamp says the producer that claimed `head` published
                // its value here, and no one else takes values from this
                // ring or moves `head`, so the value is ours until we stamp
                // the slot empty.
                return Some(Claim { head, sole: true });
            }
            debug_assert_eq!(
                stamp, head,
                "a sole consumer's slot holds this lap or awaits it"
            );
            if WAITING || self.is_empty_at(head) {
                return None;
            }
            // A producer claimed the slot and is mid-way through writing it:
            // it may be descheduled, so yield in time.
            backoff.snooze();
        }
    }

    /// Claims the value at `head` by the handle's mode; `WAITING`: see "A
    /// receiver that waits".
    #[inline(always)]
    fn claim<const WAITING: bool>(&self, local: &PopLocal) -> Option<Claim> {
        match local.mode {
            PopMode::Sole => self.claim_sole::<WAITING>(),
            PopMode::BehindEvictor => self.claim_by_cas::<WAITING>(true),
            PopMode::Claimed => self.claim_by_cas::<WAITING>(false),
        }
    }

    /// A pop by the handle's mode; `WAITING`: see "A receiver that waits".
    #[inline(always)]
    fn pop<const WAITING: bool>(&self, local: &PopLocal) -> Option<T> {
        let claim = self.claim::<WAITING>(local)?;
        let cell = &self.slot(claim.head).value;
        // SAFETY: a claim owns the published value at its `head`.
        let value = cell.with_mut(|v| unsafe { (*v).assume_init_read() });
        self.release(claim);
        Some(value)
    }

    /// Gives the slot of a claimed value, now moved out or dropped, back to
    /// the producers: stamps it empty for the next lap (Release: our read
    /// or drop happens before the next lap's producer overwrites the slot),
    /// then, for a sole consumer, stores `head` one step on (Release; the
    /// stamp goes first, so a producer that finds `head` moved finds the
    /// slot free too, or retries; `len` and the statistics read `head`).
    #[inline(always)]
    fn release(&self, claim: Claim) {
        self.slot(claim.head)
            .stamp
            .store(claim.head.wrapping_add(self.one_lap), Ordering::Release);
        if claim.sole {
            self.head.store(self.next(claim.head), Ordering::Release);
        }
    }

    /// The single producer moves `tail` past a value it has published (see
    /// "A sole producer").
    ///
    /// Release: `len` and `positions` load `tail` with (at least) Acquire,
    /// so a value they count has its stamp visible to whatever the same
    /// thread loads next: a consumer that saw the ring non-empty finds the
    /// value. This holds on weakly ordered hardware (ARM, POWER) as well; a
    /// Relaxed store would only be enough on x86, where every store is a
    /// release.
    #[inline(always)]
    fn publish_tail(&self, tail: usize) {
        self.tail.store(tail, Ordering::Release);
    }

    /// Whether the ring is empty at `head`, whose slot awaits this lap's
    /// value; `false` when a producer has claimed the slot and is writing it.
    #[inline(always)]
    fn is_empty_at(&self, head: usize) -> bool {
        if self.single_producer {
            // One producer publishes in order, and moves `tail` only past
            // published values (see "A sole producer"): with this value
            // unpublished, no later one is, no `len` has counted it, and
            // "empty" linearizes before the push under way (at its stamp
            // store). No fence and no load of `tail`: a consumer polling an
            // empty ring would otherwise pull the producer's `tail` line
            // away on every poll.
            return true;
        }
        // Empty unless a producer has moved `tail` since. SeqCst fence:
        // pairs with the producers' SeqCst claims of `tail`.
        fence(Ordering::SeqCst);
        self.tail.load(Ordering::Relaxed) == head
    }
}

// SAFETY: each claim of a slot (by CAS on `tail` to fill it, by CAS on
// `head` to empty it, or by the turn of a sole consumer) is won by exactly
// one thread, so each value is written once and moved out once: by
// `try_pop`, by an eviction (handed back), or by `Drop` (the slots still
// between `head` and `tail`).
unsafe impl<T> Ring<T> for StampedRing<T> {
    type PushLocal = ();
    type PopLocal = PopLocal;

    fn shared(&self) -> &Shared {
        &self.shared
    }

    fn push_local(&self) {}

    fn pop_local(&self) -> PopLocal {
        let config = &self.shared.config;
        // The consumer handle is the only taker of values on an `mpsc` ring
        // that never evicts: it pops without a CAS (see "A sole consumer").
        let mode = if !self.many_consumers && config.overflow != Kind::DropOldest {
            PopMode::Sole
        } else if self.single_producer && self.capacity() > 1 {
            PopMode::BehindEvictor
        } else {
            PopMode::Claimed
        };
        PopLocal { mode }
    }

    #[inline]
    fn try_push(&self, _: &mut (), value: T) -> Result<(), T> {
        match self.push_with::<false, false>(value) {
            None => Ok(()),
            Some(value) => Err(value),
        }
    }

    #[inline]
    fn push_waiting(&self, _: &mut (), value: T) -> Result<(), T> {
        match self.push_with::<false, true>(value) {
            None => Ok(()),
            Some(value) => Err(value),
        }
    }

    #[inline]
    fn push_evicting(&self, _: &mut (), value: T) -> Option<T> {
        self.push_with::<true, false>(value)
    }

    #[inline(always)]
    fn try_pop(&self, local: &mut PopLocal) -> Option<T> {
        self.pop::<false>(local)
    }

    #[inline(always)]
    fn pop_waiting(&self, local: &mut PopLocal) -> Option<T> {
        self.pop::<true>(local)
    }

    fn peek<'a>(&'a self, local: &'a mut PopLocal) -> Option<&'a T> {
        assert_eq!(
            local.mode,
            PopMode::Sole,
            "ringweir: peek is only offered to a ring's sole taker of values"
        );
        let claim = self.claim_sole::<false>()?;
        // Why this is sound: a sole consumer's claim moves nothing until it
        // is released, and no one else takes values from this ring (see "A
        // sole consumer"), so the value stays published and in place while
        // the reference, which borrows the consumer's local state, lives.
        let value = self.slot(claim.head).value.with_mut(|v| {
            // SAFETY: the claim owns the published value at its `head`.
            unsafe { (*v).assume_init_ref() }
        });
        Some(value)
    }

    fn pop_in_place(&self, local: &mut PopLocal, max: usize, mut look: impl FnMut(&[T])) -> usize {
        /// Releases a claimed slot when dropped: after `look` and the
        /// value's drop, also when either panics.
        struct Release<'a, T> {
            ring: &'a StampedRing<T>,
            claim: Claim,
        }
        impl<T> Drop for Release<'_, T> {
            fn drop(&mut self) {
                self.ring.release(self.claim);
            }
        }
        let mut taken = 0;
        while taken < max {
            let Some(claim) = self.claim::<false>(local) else {
                break;
            };
            taken += 1;
            let release = Release { ring: self, claim };
            let cell = &self.slot(claim.head).value;
            // Nobody else touches `cell` until `release` (after this call)
            // stamps the slot; `look_then_drop` drops the value once, also
            // on a panic.
            // SAFETY: the claim owns the published value in `cell`.
            unsafe { look_then_drop(std::slice::from_ref(cell), &mut look) };
            drop(release);
        }
        taken
    }

    fn share_pops(&self, local: &mut PopLocal) {
        // The leaving consumer's drain may race producers' pops as well as
        // their evictions: neither shortcut holds any more.
        local.mode = PopMode::Claimed;
    }

    fn discard_orphans(&self, counted: &mut dyn FnMut(), _wait: bool) {
        // Claimed pops run beside the drain and each other: never a reason
        // to wait for the drain to end.
        // Acquire: reads the flag the last consumer set (Release) after its
        // last pop without a claim, so those pops happen-before our claims
        // (see "A sole consumer"). It is set: we were called because it is.
        let gone = self.shared.consumers_gone();
        debug_assert!(gone, "orphans are discarded once the consumers are gone");
        // Claimed pops are safe from any number of threads at once.
        let claimed = PopLocal {
            mode: PopMode::Claimed,
        };
        while let Some(value) = self.pop::<false>(&claimed) {
            counted();
            drop(value);
        }
    }

    fn len(&self) -> usize {
        loop {
            let tail = self.tail.load(Ordering::SeqCst);
            let head = self.head.load(Ordering::SeqCst);
            // A consistent pair: `tail` did not move while `head` was read.
            if self.tail.load(Ordering::SeqCst) == tail {
                // Negative when the single producer has yet to move `tail`
                // past a value the consumer already took: empty.
                let queued = self.distance(head, tail).max(0) as usize;
                return queued.min(self.capacity());
            }
        }
    }

    fn positions(&self) -> (usize, usize) {
        // `head` first, so `tail` is not behind it, except by the one step
        // the single producer may not have stored yet (then it is empty).
        let head = self.head.load(Ordering::SeqCst);
        let tail = self.tail.load(Ordering::SeqCst);
        let tail = if self.distance(head, tail) < 0 {
            head
        } else {
            tail
        };
        (self.count(tail), self.count(head))
    }
}

impl<T> Drop for StampedRing<T> {
    fn drop(&mut self) {
        // `&mut self`: every handle is gone, so nothing is mid-claim, and
        // every position from `head` to `tail` holds a published value
        // nobody took.
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Relaxed);
        let mut rest = Unreceived {
            ring: self,
            head,
            tail,
        };
        rest.drop_all();
    }
}

/// The values a dropped ring still holds, from `head` up to `tail`. If one
/// of them panics in its `Drop`, this guard's own drop (run while
/// unwinding) drops the rest, so none is leaked; a second panic aborts, as
/// it does for the elements of a `Vec`.
struct Unreceived<'a, T> {
    ring: &'a StampedRing<T>,
    head: usize,
    tail: usize,
}

impl<T> Unreceived<'_, T> {
    fn drop_all(&mut self) {
        while self.head != self.tail {
            let slot = self.ring.slot(self.head);
            // Past this value before dropping it: a panic in its `Drop`
            // must not have the guard drop it again.
            self.head = self.ring.next(self.head);
            // `head..tail` of a ring no handle can reach any more holds
            // published values nobody took (see `StampedRing`'s `Drop`).
            // SAFETY: an untaken value, dropped here once, never touched again.
            slot.value.with_mut(|v| unsafe { (*v).assume_init_drop() });
        }
    }
}

impl<T> Drop for Unreceived<'_, T> {
    fn drop(&mut self) {
        self.drop_all();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::shared::Kind;
    use crate::wait::Wait;
    use std::rc::Rc;

    fn ring<T>(capacity: usize) -> StampedRing<T> {
        ring_with(capacity, Kind::DropOldest, false)
    }

    fn ring_with<T>(capacity: usize, overflow: Kind, many_consumers: bool) -> StampedRing<T> {
        StampedRing::new(
            Config {
                capacity,
                overflow,
                producer_wait: Wait::Spin,
                consumer_wait: Wait::Spin,
                high: capacity,
                low: 0,
            },
            false,
            many_consumers,
        )
        .unwrap()
    }

    #[test]
    fn only_an_mpsc_ring_that_never_evicts_has_a_sole_consumer() {
        for (overflow, many, sole) in [
            (Kind::Block, false, true),
            (Kind::DropNewest, false, true),
            (Kind::DropOldest, false, false),
            (Kind::Block, true, false),
            (Kind::DropOldest, true, false),
        ] {
            let r = ring_with::<u8>(4, overflow, many);
            let mode = r.pop_local().mode;
            assert_eq!(mode == PopMode::Sole, sole, "{overflow:?}, many {many}");
        }
    }

    #[test]
    fn an_spsc_consumer_of_two_or_more_slots_claims_behind_its_evictor() {
        for (capacity, mode) in [(1, PopMode::Claimed), (2, PopMode::BehindEvictor)] {
            let mut config = ring::<u8>(capacity).shared.config;
            config.capacity = capacity;
            let r = StampedRing::<u8>::new(config, true, false).unwrap();
            let mut pop = r.pop_local();
            assert_eq!(pop.mode, mode, "capacity {capacity}");
            r.share_pops(&mut pop);
            assert_eq!(pop.mode, PopMode::Claimed);
        }
    }

    #[test]
    fn a_sole_consumer_pops_in_order_across_laps_then_claims_after_sharing() {
        for capacity in [1, 2, 3, 5] {
            let r = ring_with::<u32>(capacity, Kind::Block, false);
            let mut pop = r.pop_local();
            let mut next = 0u32;
            for round in 0..6 {
                let shared = round >= 4;
                if round == 4 {
                    r.share_pops(&mut pop);
                }
                assert_eq!(pop.mode == PopMode::Sole, !shared);
                for i in 0..capacity as u32 {
                    r.try_push(&mut (), next + i).unwrap();
                }
                assert_eq!(r.try_push(&mut (), 99), Err(99), "full");
                assert_eq!(r.len(), capacity);
                for _ in 0..capacity {
                    assert_eq!(r.try_pop(&mut pop), Some(next));
                    next += 1;
                }
                assert_eq!(r.try_pop(&mut pop), None);
                assert_eq!(r.len(), 0);
                assert_eq!(r.positions(), (next as usize, next as usize));
            }
        }
    }

    #[test]
    fn eviction_keeps_the_newest_capacity_values() {
        for capacity in [1, 2, 3, 5, 8] {
            let r = ring::<u32>(capacity);
            let mut evicted = Vec::new();
            for i in 0..50 {
                if let Some(old) = r.push_evicting(&mut (), i) {
                    evicted.push(old);
                }
            }
            let kept: Vec<u32> = std::iter::from_fn(|| r.try_pop(&mut r.pop_local())).collect();
            let expected_kept: Vec<u32> = (50 - capacity as u32..50).collect();
            assert_eq!(kept, expected_kept);
            assert_eq!(evicted, (0..50 - capacity as u32).collect::<Vec<_>>());
            let (sent, taken) = r.positions();
            assert_eq!((sent, taken), (50, 50));
        }
    }

    #[test]
    fn count_matches_positions_across_laps() {
        let r = ring::<u8>(3);
        for i in 0..10u8 {
            r.try_push(&mut (), i).unwrap();
            assert_eq!(r.try_pop(&mut r.pop_local()), Some(i));
            assert_eq!(r.positions(), (i as usize + 1, i as usize + 1));
        }
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn drop_releases_queued_values_after_evictions() {
        let value = Rc::new(());
        let r = ring::<Rc<()>>(2);
        for _ in 0..5 {
            drop(r.push_evicting(&mut (), value.clone()));
        }
        drop(r.try_pop(&mut r.pop_local()));
        assert_eq!(Rc::strong_count(&value), 2);
        drop(r);
        assert_eq!(Rc::strong_count(&value), 1);
    }
}
