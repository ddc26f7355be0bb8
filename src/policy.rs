//! The choices a ring is built with ([`Overflow`], [`Wait`]) and the small
//! value types its operations report ([`Sent`], [`Pressure`]).

/// What [`send`](crate::spsc::Producer::send) does when the ring is full.
///
/// Fixed when the ring is built. [`try_send`](crate::spsc::Producer::try_send)
/// ignores it: it never waits and never evicts, it hands the value back.
///
/// ```
/// use ringweir::{Builder, Overflow, Sent};
///
/// let (mut tx, mut rx) = Builder::new(1).overflow(Overflow::DropNewest).spsc::<u8>()?;
/// assert!(matches!(tx.send(1), Ok(Sent::Queued)));
/// assert!(matches!(tx.send(2), Ok(Sent::Dropped(2))));
/// assert_eq!(rx.recv(), Ok(1));
/// # Ok::<(), ringweir::CapacityError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Overflow {
    /// Slow the producer down: `send` waits (by the ring's [`Wait`]
    /// strategy) until there is room or every consumer is gone.
    #[default]
    Block,
    /// Refuse the incoming value: `send` hands it straight back as
    /// [`Sent::Dropped`] and counts it in [`Stats::dropped`](crate::Stats::dropped).
    DropNewest,
    /// Latest state wins: `send` evicts the oldest queued value, hands it
    /// back as [`Sent::Evicted`], counts it in
    /// [`Stats::evicted`](crate::Stats::evicted) and enqueues the new one.
    /// Takes no lock, even while a consumer is reading: producer and
    /// consumer claim the oldest value by CAS, so exactly one gets it. (As in
    /// every stamped-slot queue, a thread that finds a slot claimed but not
    /// yet finished by another waits for that thread's next few
    /// instructions.)
    DropOldest,
}

/// How a thread waits: a producer blocked on a full ring, or a consumer on
/// an empty one.
///
/// ```
/// use ringweir::{Builder, Wait};
///
/// let (tx, rx) = Builder::new(64).wait(Wait::Yield).spsc::<u64>()?;
/// # drop((tx, rx));
/// # Ok::<(), ringweir::CapacityError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Wait {
    /// Busy-spin with [`spin_loop`](std::hint::spin_loop) hints. Lowest
    /// wake-up latency; burns a core, and collapses when there are more
    /// busy threads than cores.
    Spin,
    /// Spin a little, then [`yield_now`](std::thread::yield_now) between
    /// checks.
    Yield,
    /// Spin briefly, yield a few times, then sleep until the other side
    /// makes progress, closes, or the timeout passes. A send or receive
    /// with nobody asleep costs one fence and one load of a read-mostly
    /// word: no lock, no syscall.
    ///
    /// A thread whose last wait ended after a long sleep (250 µs or more:
    /// its partner sends now and then) skips the yields and sleeps as soon
    /// as it has spun, because on Linux a thread that yielded just before
    /// it slept wakes up several times slower. A wait that ends sooner
    /// brings the yields back, which keep a busy partner from having to
    /// wake it when threads outnumber cores.
    ///
    /// A thread that woke a sleeping partner less than 50 µs ago keeps
    /// yielding, instead of sleeping, until those 50 µs have passed: its
    /// partner is still waking up (that takes microseconds), and sleeping
    /// now would make each side sleep and wake the other every few values.
    /// A thread that woke nobody sleeps as soon as it would otherwise.
    #[default]
    Park,
}

/// What a successful [`send`](crate::spsc::Producer::send) did with the value.
///
/// ```
/// use ringweir::{Builder, Overflow, Sent};
///
/// let (mut tx, _rx) = Builder::new(1).overflow(Overflow::DropOldest).spsc::<&str>()?;
/// assert!(matches!(tx.send("a"), Ok(Sent::Queued)));
/// match tx.send("b") {
///     Ok(Sent::Evicted(old)) => assert_eq!(old, "a"),
///     other => panic!("unexpected {other:?}"),
/// }
/// # Ok::<(), ringweir::CapacityError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sent<T> {
    /// The value is in the ring.
    Queued,
    /// The ring was full and its policy is [`Overflow::DropNewest`]: this is
    /// the value you sent, not enqueued.
    Dropped(T),
    /// The ring was full and its policy is [`Overflow::DropOldest`]: your
    /// value is queued, and this is the oldest value, pushed out to make room.
    Evicted(T),
}

impl<T> Sent<T> {
    /// Whether the value that was sent is now in the ring.
    ///
    /// ```
    /// use ringweir::Sent;
    /// assert!(Sent::<u8>::Queued.is_queued());
    /// assert!(Sent::Evicted(1).is_queued());
    /// assert!(!Sent::Dropped(1).is_queued());
    /// ```
    pub fn is_queued(&self) -> bool {
        !matches!(self, Sent::Dropped(_))
    }

    /// The value handed back, if any (the refused one or the evicted one).
    ///
    /// ```
    /// use ringweir::Sent;
    /// assert_eq!(Sent::Dropped(7).into_returned(), Some(7));
    /// assert_eq!(Sent::<u8>::Queued.into_returned(), None);
    /// ```
    pub fn into_returned(self) -> Option<T> {
        match self {
            Sent::Queued => None,
            Sent::Dropped(v) | Sent::Evicted(v) => Some(v),
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
