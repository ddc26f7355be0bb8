//! The overflow policies ([`Overflow`]: [`Block`], [`DropNewest`],
//! [`DropOldest`]) and what their sends report ([`Admission`],
//! [`Eviction`], [`Lost`]).

use crate::error::CapacityError;
use crate::protocol::{SpscRing, StampedRing};
use crate::shared::{Config, Kind};

/// What [`send`](crate::Producer::send) does when the ring is full: one of
/// [`Block`], [`DropNewest`] and [`DropOldest`], chosen with
/// [`Builder::overflow`](crate::Builder::overflow) and part of the ring's
/// type, so each policy's `send` returns exactly what it can do:
///
/// | policy | `send` on a full ring | `send` returns |
/// |---|---|---|
/// | [`Block`] (default) | waits for room, by the producer's [`Wait`](crate::Wait) | `Result<(), SendError<T>>` |
/// | [`DropNewest`] | hands the value back, counted in [`Stats::dropped`](crate::Stats::dropped) | `Result<Admission<T>, SendError<T>>` |
/// | [`DropOldest`] | queues it, evicts the oldest, hands that back, counted in [`Stats::evicted`](crate::Stats::evicted) | `Result<Eviction<T>, SendError<T>>` |
///
/// [`try_send`](crate::Producer::try_send) ignores the policy: it never
/// waits and never evicts, it hands the value back.
///
/// This trait is sealed: the three policies are all there is. Code generic
/// over the policy uses [`returned`](Overflow::returned) to get at a value
/// a send handed back.
///
/// ```
/// use ringweir::{Admission, Builder, DropNewest};
///
/// let (tx, rx) = Builder::new(1).overflow(DropNewest).spsc::<u8>()?;
/// assert_eq!(tx.send(1), Ok(Admission::Queued));
/// assert_eq!(tx.send(2), Ok(Admission::Dropped(2)));
/// assert_eq!(rx.recv(), Ok(1));
/// # Ok::<(), ringweir::CapacityError>(())
/// ```
pub trait Overflow:
    sealed::Policy + Copy + Default + std::fmt::Debug + Send + Sync + 'static
{
    /// What a successful [`send`](crate::Producer::send) returns.
    type Sent<T>;
    /// What a successful [`send_slice`](crate::Producer::send_slice) returns.
    type SentSlice;

    /// The value a send handed back (refused or evicted), if any.
    ///
    /// ```
    /// use ringweir::{Admission, Block, DropNewest, Overflow};
    /// assert_eq!(DropNewest::returned(Admission::Dropped(7)), Some(7));
    /// assert_eq!(Block::returned::<u8>(()), None);
    /// ```
    fn returned<T>(sent: Self::Sent<T>) -> Option<T>;

    #[doc(hidden)]
    /// The result of a send that handed back `returned`.
    fn sent<T>(returned: Option<T>) -> Self::Sent<T>;

    /// How many values a [`send_slice`](crate::Producer::send_slice)
    /// lost (always 0 on a [`Block`] ring).
    ///
    /// ```
    /// use ringweir::{Block, DropOldest, Lost, Overflow};
    /// assert_eq!(DropOldest::lost(Lost(3)), 3);
    /// assert_eq!(Block::lost(()), 0);
    /// ```
    fn lost(sent: Self::SentSlice) -> usize;

    #[doc(hidden)]
    /// The result of a slice send that lost `lost` values.
    fn sent_slice(lost: usize) -> Self::SentSlice;
}

pub(crate) mod sealed {
    use crate::error::CapacityError;
    use crate::ring::Ring;
    use crate::shared::{Config, Kind};

    /// The policies' internal facts; not nameable outside the crate.
    pub trait Policy {
        /// Which policy this is.
        const KIND: Kind;
        /// The protocol of an spsc ring with this policy.
        type SpscRing<T>: Ring<T>;
        /// Builds that ring for a validated configuration.
        fn build_spsc<T>(config: Config) -> Result<Self::SpscRing<T>, CapacityError>;
    }
}

/// Slow the producer down: `send` waits (by the producer's [`Wait`](crate::Wait)) until
/// there is room or every consumer is gone. The default.
///
/// ```
/// let (tx, rx) = ringweir::Builder::new(1).overflow(ringweir::Block).spsc::<u8>()?;
/// tx.send(1)?; // `Result<(), SendError<u8>>`, as crossbeam-channel's
/// assert_eq!(rx.recv(), Ok(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Block;

/// Refuse the incoming value: on a full ring `send` hands it straight back
/// as [`Admission::Dropped`] and counts it in
/// [`Stats::dropped`](crate::Stats::dropped).
///
/// ```
/// use ringweir::{Admission, Builder, DropNewest};
/// let (tx, _rx) = Builder::new(1).overflow(DropNewest).spsc::<u8>()?;
/// assert_eq!(tx.send(1)?, Admission::Queued);
/// assert_eq!(tx.send(2)?, Admission::Dropped(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DropNewest;

/// Latest state wins: on a full ring `send` evicts the oldest queued value,
/// hands it back as [`Eviction::Evicted`], counts it in
/// [`Stats::evicted`](crate::Stats::evicted) and queues the new one.
///
/// Takes no lock, even while a consumer is reading: producer and consumer
/// claim the oldest value by CAS, so exactly one gets it. (As in every
/// stamped-slot queue, a thread that finds a slot claimed but not yet
/// finished by another waits for that thread's next few instructions.)
///
/// ```
/// use ringweir::{Builder, DropOldest, Eviction};
/// let (tx, rx) = Builder::new(1).overflow(DropOldest).spsc::<u8>()?;
/// assert_eq!(tx.send(1)?, Eviction::Queued);
/// assert_eq!(tx.send(2)?, Eviction::Evicted(1));
/// assert_eq!(rx.recv(), Ok(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DropOldest;

// Rings that never evict use the spsc protocol of their own; a
// `DropOldest` one the stamped protocol, whose producer and consumer both
// claim the oldest value by CAS, with its single-producer shortcuts.
impl sealed::Policy for Block {
    const KIND: Kind = Kind::Block;
    type SpscRing<T> = SpscRing<T>;
    fn build_spsc<T>(config: Config) -> Result<SpscRing<T>, CapacityError> {
        SpscRing::new(config)
    }
}
impl sealed::Policy for DropNewest {
    const KIND: Kind = Kind::DropNewest;
    type SpscRing<T> = SpscRing<T>;
    fn build_spsc<T>(config: Config) -> Result<SpscRing<T>, CapacityError> {
        SpscRing::new(config)
    }
}
impl sealed::Policy for DropOldest {
    const KIND: Kind = Kind::DropOldest;
    type SpscRing<T> = StampedRing<T>;
    fn build_spsc<T>(config: Config) -> Result<StampedRing<T>, CapacityError> {
        StampedRing::new(config, true, false)
    }
}

impl Overflow for Block {
    type Sent<T> = ();
    type SentSlice = ();
    fn returned<T>(_: ()) -> Option<T> {
        None
    }
    fn sent<T>(returned: Option<T>) {
        debug_assert!(returned.is_none(), "a Block send hands nothing back");
    }
    fn lost(_: ()) -> usize {
        0
    }
    fn sent_slice(lost: usize) {
        debug_assert_eq!(lost, 0, "a Block send loses nothing");
    }
}

impl Overflow for DropNewest {
    type Sent<T> = Admission<T>;
    type SentSlice = Lost;
    fn returned<T>(sent: Admission<T>) -> Option<T> {
        match sent {
            Admission::Queued => None,
            Admission::Dropped(value) => Some(value),
        }
    }
    fn sent<T>(returned: Option<T>) -> Admission<T> {
        returned.map_or(Admission::Queued, Admission::Dropped)
    }
    fn lost(sent: Lost) -> usize {
        sent.0
    }
    fn sent_slice(lost: usize) -> Lost {
        Lost(lost)
    }
}

impl Overflow for DropOldest {
    type Sent<T> = Eviction<T>;
    type SentSlice = Lost;
    fn returned<T>(sent: Eviction<T>) -> Option<T> {
        match sent {
            Eviction::Queued => None,
            Eviction::Evicted(value) => Some(value),
        }
    }
    fn sent<T>(returned: Option<T>) -> Eviction<T> {
        returned.map_or(Eviction::Queued, Eviction::Evicted)
    }
    fn lost(sent: Lost) -> usize {
        sent.0
    }
    fn sent_slice(lost: usize) -> Lost {
        Lost(lost)
    }
}

/// What a [`send`](crate::Producer::send) on a [`DropNewest`] ring did.
///
/// ```
/// use ringweir::{Admission, Builder, DropNewest};
/// let (tx, _rx) = Builder::new(1).overflow(DropNewest).mpsc::<&str>()?;
/// tx.send("kept")?.into_returned();
/// if let Admission::Dropped(late) = tx.send("late")? {
///     assert_eq!(late, "late");
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "on a full ring this holds the value you sent, which is lost if ignored"]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Admission<T> {
    /// The value is in the ring.
    Queued,
    /// The ring was full: this is the value you sent, not queued.
    Dropped(T),
}

/// What a [`send`](crate::Producer::send) on a [`DropOldest`] ring did.
///
/// ```
/// use ringweir::{Builder, DropOldest, Eviction};
/// let (tx, _rx) = Builder::new(1).overflow(DropOldest).spsc::<&str>()?;
/// assert!(tx.send("a")?.into_returned().is_none());
/// assert_eq!(tx.send("b")?, Eviction::Evicted("a"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "on a full ring this holds the oldest value, which is lost if ignored"]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Eviction<T> {
    /// The value is in the ring; nothing was pushed out.
    Queued,
    /// The value is in the ring, and this is the oldest one, pushed out to
    /// make room.
    Evicted(T),
}

impl<T> Admission<T> {
    /// The value handed back, if the ring refused it.
    ///
    /// ```
    /// assert_eq!(ringweir::Admission::Dropped(7).into_returned(), Some(7));
    /// ```
    pub fn into_returned(self) -> Option<T> {
        DropNewest::returned(self)
    }
}

impl<T> Eviction<T> {
    /// The value pushed out, if any.
    ///
    /// ```
    /// assert_eq!(ringweir::Eviction::Evicted(7).into_returned(), Some(7));
    /// ```
    pub fn into_returned(self) -> Option<T> {
        DropOldest::returned(self)
    }
}

/// How many values a [`send_slice`](crate::Producer::send_slice) lost: on a
/// [`DropNewest`] ring, values of the slice that found it full and were
/// dropped; on a [`DropOldest`] ring, queued values evicted to make room.
/// Counted in [`Stats`](crate::Stats) as well.
///
/// ```
/// use ringweir::{Builder, DropNewest, Lost};
/// let (mut tx, _rx) = Builder::new(2).overflow(DropNewest).spsc::<u32>()?;
/// assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5])?, Lost(3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "it says how many values the ring dropped or evicted"]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Lost(pub usize);
