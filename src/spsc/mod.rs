//! Single producer, single consumer: the fastest ring.
//!
//! Rings that never evict ([`Overflow::Block`], [`Overflow::DropNewest`])
//! of values up to 64 bytes use the protocol in `src/spsc/fast.rs`: values
//! sit in line-sized blocks whose stamp tells the consumer that they are
//! there (one cache line carries both), the producer caches the consumer's
//! index, and there is no atomic read-modify-write and no division on the
//! fast path. [`Overflow::DropOldest`] rings need the producer to take the
//! oldest value while the consumer may be taking it too, so both claim it
//! through the head with a CAS: they use the stamped protocol of the
//! multi-producer rings instead, and the rings that never evict do not pay
//! for that. So do rings of larger values, which the stamped protocol
//! holds with one stamp each, in exactly `capacity` slots.
//!
//! What a ring costs in memory: see [`Builder::new`].
//!
//! ```
//! use std::thread;
//!
//! let (mut tx, mut rx) = ringweir::spsc::channel::<u64>(1024);
//! let producer = thread::spawn(move || {
//!     for i in 0..10_000 {
//!         tx.send(i).unwrap();
//!     }
//! });
//! let mut expected = 0;
//! while let Ok(v) = rx.recv() {
//!     assert_eq!(v, expected);
//!     expected += 1;
//! }
//! assert_eq!(expected, 10_000);
//! producer.join().unwrap();
//! ```

mod blocks;
pub(crate) mod fast;

use crate::api::{consumer_api, producer_api, PopOps, PushOps};
use crate::cold::{out_of_line, out_of_line_result};
use crate::handle::{pair, PopHandle, PushHandle};
use crate::shared::Config;
use crate::stamped::StampedRing;
use crate::{
    Builder, CapacityError, Overflow, Pressure, RecvTimeoutError, SendTimeoutError, Sent, Stats,
    TryRecvError, TrySendError,
};
use fast::FastRing;
use std::time::Instant;

/// Creates a ring of exactly `capacity` slots with the defaults:
/// [`Overflow::Block`] and [`Wait::Park`](crate::Wait::Park).
///
/// # Panics
/// If `capacity` is 0, or too large to allocate; the message names the
/// capacity. Use [`Builder`] to get a [`CapacityError`] instead.
///
/// ```
/// let (mut tx, mut rx) = ringweir::spsc::channel::<u64>(1024);
/// tx.send(1).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// ```
pub fn channel<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    match Builder::new(capacity).spsc() {
        Ok(pair) => pair,
        Err(err) => panic!("ringweir::spsc::channel: {err}"),
    }
}

/// Whether a ring of `T` uses the fast protocol: it never evicts, and a
/// value is small enough that blocks of seven pay. A block's stamp shares a
/// cache line with the values only while they are small, and a ring of
/// blocks holds its capacity rounded up to whole blocks: up to six values
/// more than asked for, which for a value of a cache line or less is at
/// most a few hundred bytes. Larger values go in the stamped ring, one
/// stamp per value, so a ring takes `capacity` values' memory and no more.
fn uses_blocks<T>(config: &Config) -> bool {
    config.overflow != Overflow::DropOldest && std::mem::size_of::<T>() <= MAX_BLOCKED_VALUE
}

/// The largest value, in bytes, that the fast protocol holds in blocks.
const MAX_BLOCKED_VALUE: usize = 64;

/// Builds the ring a validated configuration calls for.
pub(crate) fn build<T>(config: Config) -> Result<(Producer<T>, Consumer<T>), CapacityError> {
    Ok(if !uses_blocks::<T>(&config) {
        let (push, pop) = pair(StampedRing::new(config, true)?);
        (
            Producer {
                inner: ProducerInner::Stamped(Box::new(push)),
            },
            Consumer {
                inner: ConsumerInner::Stamped(Box::new(pop)),
            },
        )
    } else {
        let (push, pop) = pair(FastRing::new(config)?);
        (
            Producer {
                inner: ProducerInner::Fast(push),
            },
            Consumer {
                inner: ConsumerInner::Fast(pop),
            },
        )
    })
}

/// The sending half of an SPSC ring. Not `Clone`: there is one producer.
/// Send it to the producing thread.
///
/// ```
/// let (mut tx, _rx) = ringweir::spsc::channel::<u64>(8);
/// std::thread::spawn(move || tx.send(1)).join().unwrap().unwrap();
/// ```
pub struct Producer<T> {
    inner: ProducerInner<T>,
}

/// The receiving half of an SPSC ring. Not `Clone`: there is one consumer.
///
/// ```
/// let (mut tx, mut rx) = ringweir::spsc::channel::<u64>(8);
/// tx.send(1).unwrap();
/// std::thread::spawn(move || assert_eq!(rx.recv(), Ok(1))).join().unwrap();
/// ```
pub struct Consumer<T> {
    inner: ConsumerInner<T>,
}

// The fast handle stays inline (its positions are on every send's path);
// the stamped one is boxed on purpose, see `dispatch!`.
#[allow(clippy::large_enum_variant)]
enum ProducerInner<T> {
    Fast(PushHandle<FastRing<T>, T>),
    Stamped(Box<PushHandle<StampedRing<T>, T>>),
}

#[allow(clippy::large_enum_variant)]
enum ConsumerInner<T> {
    Fast(PopHandle<FastRing<T>, T>),
    Stamped(Box<PopHandle<StampedRing<T>, T>>),
}

/// Runs `$body` with `$h` bound to whichever protocol's handle `$inner` (a
/// `ProducerInner` or `ConsumerInner`) holds; `[mut]` binds it mutably.
///
/// By default the stamped arm runs out of line: it serves only
/// `DropOldest` rings and rings of large values, and keeping its retry
/// loops out of the caller lets
/// the fast ring's path inline into the caller's loop. Its handle is
/// boxed, and the call is handed the box's contents, never a pointer into
/// the enum: then nothing in that loop can reach the
/// fast handle's memory, and the compiler may keep its positions in
/// registers.
///
/// `inline` keeps both arms in the caller, for `send` and `try_recv`, the
/// calls a `DropOldest` ring makes on every value, which would otherwise
/// pay a call and a result passed through memory each. The fast arm is
/// inlined either way (its handle methods are `#[inline(always)]`).
macro_rules! dispatch {
    (inline $enum:ident [$($mut:tt)?] $inner:expr, $h:ident => $body:expr) => {
        match $inner {
            $enum::Fast($h) => $body,
            $enum::Stamped(boxed) => {
                let $h = &$($mut)? **boxed;
                $body
            }
        }
    };
    ($enum:ident [$($mut:tt)?] $inner:expr, $h:ident => $body:expr) => {
        match $inner {
            $enum::Fast($h) => $body,
            $enum::Stamped(boxed) => {
                let $h = &$($mut)? **boxed;
                out_of_line(move || $body)
            }
        }
    };
    // For a body returning `Result<_, E>` with a small `E` (given as a
    // placeholder): the stamped arm's result crosses the call as an
    // `Option` with the error beside it (see `out_of_line_result`), so the
    // fast arm's result need not be built in memory either.
    ($enum:ident [$($mut:tt)?] $inner:expr, $h:ident => $body:expr, or $placeholder:expr) => {
        match $inner {
            $enum::Fast($h) => $body,
            $enum::Stamped(boxed) => {
                let $h = &$($mut)? **boxed;
                out_of_line_result($placeholder, move || $body)
            }
        }
    };
}

impl<T> PushOps<T> for ProducerInner<T> {
    #[inline(always)]
    fn send_until(
        &mut self,
        value: T,
        deadline: Option<Instant>,
    ) -> Result<Sent<T>, SendTimeoutError<T>> {
        dispatch!(inline ProducerInner [mut] self, h => h.send_until(value, deadline))
    }
    #[inline]
    fn try_send(&mut self, value: T) -> Result<(), TrySendError<T>> {
        dispatch!(ProducerInner [mut] self, h => h.try_send(value))
    }
    #[inline]
    fn try_send_slice(&mut self, values: &[T]) -> Option<usize>
    where
        T: Clone,
    {
        dispatch!(ProducerInner [mut] self, h => h.try_send_slice(values))
    }
    fn send_slice(&mut self, values: &[T]) -> Result<(), usize>
    where
        T: Clone,
    {
        dispatch!(ProducerInner [mut] self, h => h.send_slice(values))
    }
    fn is_closed(&self) -> bool {
        dispatch!(ProducerInner [] self, h => h.is_closed())
    }
    fn len(&self) -> usize {
        dispatch!(ProducerInner [] self, h => h.len())
    }
    fn capacity(&self) -> usize {
        dispatch!(ProducerInner [] self, h => h.capacity())
    }
    fn pressure(&self) -> Pressure {
        dispatch!(ProducerInner [] self, h => h.pressure())
    }
    fn stats(&self) -> Stats {
        dispatch!(ProducerInner [] self, h => h.stats())
    }
}

impl<T> PopOps<T> for ConsumerInner<T> {
    #[inline(always)]
    fn try_recv(&mut self) -> Result<T, TryRecvError> {
        dispatch!(inline ConsumerInner [mut] self, h => h.try_recv())
    }
    #[inline]
    fn recv_until(&mut self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        dispatch!(ConsumerInner [mut] self, h => h.recv_until(deadline), or RecvTimeoutError::Timeout)
    }
    fn recv_many(&mut self, buf: &mut Vec<T>, max: usize) -> usize {
        dispatch!(ConsumerInner [mut] self, h => h.recv_many(buf, max))
    }
    fn take_ready(&mut self, buf: &mut Vec<T>, max: usize) -> usize {
        dispatch!(ConsumerInner [mut] self, h => h.take_ready(buf, max))
    }
    #[inline]
    fn try_recv_slice(&mut self, out: &mut [T]) -> usize {
        dispatch!(ConsumerInner [mut] self, h => h.try_recv_slice(out))
    }
    fn recv_slice(&mut self, out: &mut [T]) -> usize {
        dispatch!(ConsumerInner [mut] self, h => h.recv_slice(out))
    }
    #[inline]
    fn try_recv_in_place(&mut self, max: usize, look: impl FnMut(&[T])) -> usize {
        dispatch!(ConsumerInner [mut] self, h => h.try_recv_in_place(max, look))
    }
    fn lagged(&mut self) -> u64 {
        dispatch!(ConsumerInner [mut] self, h => h.lagged())
    }
    fn is_closed(&self) -> bool {
        dispatch!(ConsumerInner [] self, h => h.is_closed())
    }
    fn len(&self) -> usize {
        dispatch!(ConsumerInner [] self, h => h.len())
    }
    fn capacity(&self) -> usize {
        dispatch!(ConsumerInner [] self, h => h.capacity())
    }
    fn pressure(&self) -> Pressure {
        dispatch!(ConsumerInner [] self, h => h.pressure())
    }
    fn stats(&self) -> Stats {
        dispatch!(ConsumerInner [] self, h => h.stats())
    }
}

producer_api!(Producer, "spsc");
consumer_api!(Consumer, "spsc");
