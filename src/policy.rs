//! The choices a ring is built with (its [`Overflow`] policy, each side's
//! [`Wait`]) and the small value types its operations report.

/// What [`send`](crate::Producer::send) does when the ring is full: one of
/// [`Block`], [`DropNewest`] and [`DropOldest`], chosen with
/// [`Builder::overflow`](crate::Builder::overflow) and part of the ring's
/// type, so each policy's `send` returns exactly what it can do:
///
/// | policy | `send` on a full ring | `send` returns |
/// |---|---|---|
/// | [`Block`] (default) | waits for room, by the producer's [`Wait`] | `Result<(), SendError<T>>` |
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
/// let (mut tx, mut rx) = Builder::new(1).overflow(DropNewest).spsc::<u8>()?;
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

    #[doc(hidden)]
    /// The result of a slice send that lost `lost` values.
    fn sent_slice(lost: usize) -> Self::SentSlice;
}

pub(crate) mod sealed {
    /// The policies' internal facts; not nameable outside the crate.
    pub trait Policy {
        /// Which policy this is.
        const KIND: super::Kind;
    }
}

/// A policy as a value, for the ring's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// [`Block`].
    Block,
    /// [`DropNewest`].
    DropNewest,
    /// [`DropOldest`].
    DropOldest,
}

/// Slow the producer down: `send` waits (by the producer's [`Wait`]) until
/// there is room or every consumer is gone. The default.
///
/// ```
/// let (mut tx, mut rx) = ringweir::Builder::new(1).overflow(ringweir::Block).spsc::<u8>()?;
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
/// let (mut tx, _rx) = Builder::new(1).overflow(DropNewest).spsc::<u8>()?;
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
/// let (mut tx, mut rx) = Builder::new(1).overflow(DropOldest).spsc::<u8>()?;
/// assert_eq!(tx.send(1)?, Eviction::Queued);
/// assert_eq!(tx.send(2)?, Eviction::Evicted(1));
/// assert_eq!(rx.recv(), Ok(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DropOldest;

impl sealed::Policy for Block {
    const KIND: Kind = Kind::Block;
}
impl sealed::Policy for DropNewest {
    const KIND: Kind = Kind::DropNewest;
}
impl sealed::Policy for DropOldest {
    const KIND: Kind = Kind::DropOldest;
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
    fn sent_slice(lost: usize) -> Lost {
        Lost(lost)
    }
}

/// What a [`send`](crate::Producer::send) on a [`DropNewest`] ring did.
///
/// ```
/// use ringweir::{Admission, Builder, DropNewest};
/// let (mut tx, _rx) = Builder::new(1).overflow(DropNewest).mpsc::<&str>()?;
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
/// let (mut tx, _rx) = Builder::new(1).overflow(DropOldest).spsc::<&str>()?;
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

/// How a thread waits: a producer blocked on a full ring, or a consumer on
/// an empty one.
///
/// Each side of a ring has its own, set with
/// [`Builder::producer_wait`](crate::Builder::producer_wait) and
/// [`Builder::consumer_wait`](crate::Builder::consumer_wait) (or both at
/// once with [`Builder::wait`](crate::Builder::wait)). A side's choice also
/// decides what the *other* side's calls cost: only a side that may sleep
/// ([`Park`](Wait::Park)) must be woken, so only then does the other side
/// check for sleepers after each step of progress.
///
/// | this side waits by | it may | the other side's calls then |
/// |---|---|---|
/// | [`Spin`](Wait::Spin), [`Yield`](Wait::Yield), [`Poll`](Wait::Poll) | spin, yield, sleep for set times | never wake it: no fence, no lock, no system call |
/// | [`Park`](Wait::Park) | sleep until woken | run a full fence and one load per call; wake it (a lock and a system call) when it sleeps |
///
/// So a real-time thread that must never make a system call (an audio
/// callback, a trading loop) uses the non-waiting calls (`try_send`,
/// `try_recv`, their slice forms) and gives its partner a wait that is
/// never woken, typically `Poll`:
///
/// ```
/// use ringweir::{Builder, Wait};
/// use std::time::Duration;
///
/// // The real-time thread consumes with `try_recv`; the producer, when the
/// // ring is full, polls every 100 µs at most instead of waiting to be woken.
/// let (mut tx, mut rx) = Builder::new(256)
///     .producer_wait(Wait::Poll(Duration::from_micros(100)))
///     .spsc::<f32>()?;
/// tx.send(0.5).unwrap();
/// assert_eq!(rx.try_recv(), Ok(0.5));
/// # Ok::<(), ringweir::CapacityError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Wait {
    /// Busy-spin with [`spin_loop`](std::hint::spin_loop) hints. Lowest
    /// wake-up latency; burns a core, and collapses when there are more
    /// busy threads than cores.
    Spin,
    /// Spin a little, then [`yield_now`](std::thread::yield_now) between
    /// checks. Burns a core while nothing else wants it.
    Yield,
    /// Spin a little, then sleep ([`std::thread::sleep`]) for growing
    /// spans of at most the given duration between checks; nobody ever
    /// wakes it, so the other side's calls stay free of fences and system
    /// calls. A value or a free slot waits up to that long (plus the
    /// operating system's timer slack, about 50 µs by default on Linux)
    /// before this side sees it; a close is seen as late. `Poll(Duration::ZERO)`
    /// spins.
    Poll(std::time::Duration),
    /// Spin briefly, yield, then sleep until the other side makes progress,
    /// closes, or the timeout passes. While nobody sleeps, the other side's
    /// calls pay a full fence and one load of a read-mostly word: no lock,
    /// no system call; a wake-up takes a lock and a system call
    /// (`FUTEX_WAKE` on Linux), and reaches no thread but the sleeper.
    ///
    /// How long a waiter spins and yields before sleeping adapts to its
    /// side's last sleep on this ring: when the partner answered almost as
    /// soon as it slept, the next waits keep yielding for a little longer
    /// (the two threads would otherwise each sleep and wake the other for
    /// every value); when the partner stayed silent for long, the next waits
    /// sleep at once, which makes their own wake-up quicker.
    #[default]
    Park,
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
/// let (mut tx, mut rx) = Builder::new(4).watermarks(3, 1).spsc::<u8>()?;
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
