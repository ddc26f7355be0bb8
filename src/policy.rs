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
