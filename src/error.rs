//! Error types. Every error of a send carries the value back, so nothing is
//! lost silently; receive errors say whether waiting could still help.

use std::error::Error;
use std::fmt;

/// [`send`](crate::Producer::send) failed because every consumer is
/// gone; the value is handed back.
///
/// ```
/// let (tx, rx) = ringweir::spsc::channel::<String>(4);
/// drop(rx);
/// let err = tx.send("hello".to_string()).unwrap_err();
/// assert_eq!(err.into_inner(), "hello");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The value that could not be sent.
    ///
    /// ```
    /// assert_eq!(ringweir::SendError(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// [`try_send`](crate::Producer::try_send) failed; the value is handed back.
///
/// ```
/// use ringweir::TrySendError;
///
/// let (tx, _rx) = ringweir::spsc::channel::<u8>(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The ring is full (whatever its [`Overflow`](crate::Overflow) policy).
    Full(T),
    /// Every consumer is gone.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that could not be sent.
    ///
    /// ```
    /// assert_eq!(ringweir::TrySendError::Full(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }

    /// Whether the ring was full (as opposed to closed).
    ///
    /// ```
    /// assert!(ringweir::TrySendError::Full(5).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// Whether every consumer is gone.
    ///
    /// ```
    /// assert!(ringweir::TrySendError::Closed(5).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

/// [`send_timeout`](crate::Producer::send_timeout) failed; the value is
/// handed back.
///
/// ```
/// use std::time::Duration;
/// use ringweir::SendTimeoutError;
///
/// let (tx, _rx) = ringweir::spsc::channel::<u8>(1);
/// tx.send(1).unwrap();
/// let err = tx.send_timeout(2, Duration::from_millis(1)).unwrap_err();
/// assert_eq!(err, SendTimeoutError::Timeout(2));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SendTimeoutError<T> {
    /// The ring stayed full until the timeout passed.
    Timeout(T),
    /// Every consumer is gone.
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// The value that could not be sent.
    ///
    /// ```
    /// assert_eq!(ringweir::SendTimeoutError::Closed(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(v) | SendTimeoutError::Closed(v) => v,
        }
    }

    /// Whether the timeout passed (as opposed to the ring closing).
    ///
    /// ```
    /// assert!(ringweir::SendTimeoutError::Timeout(5).is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendTimeoutError::Timeout(_))
    }
}

/// [`recv`](crate::Consumer::recv) failed: every producer is gone and
/// the ring is drained.
///
/// ```
/// let (tx, rx) = ringweir::spsc::channel::<u8>(4);
/// drop(tx);
/// assert_eq!(rx.recv(), Err(ringweir::RecvError));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecvError;

/// [`try_recv`](crate::Consumer::try_recv) found nothing to take.
///
/// ```
/// use ringweir::TryRecvError;
///
/// let (tx, rx) = ringweir::spsc::channel::<u8>(4);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TryRecvError {
    /// Nothing is queued right now; producers may still send.
    Empty,
    /// Every producer is gone and the ring is drained.
    Closed,
}

/// [`recv_timeout`](crate::Consumer::recv_timeout) found nothing to take.
///
/// ```
/// use std::time::Duration;
/// use ringweir::RecvTimeoutError;
///
/// let (_tx, rx) = ringweir::spsc::channel::<u8>(4);
/// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecvTimeoutError {
    /// Nothing arrived before the timeout passed.
    Timeout,
    /// Every producer is gone and the ring is drained.
    Closed,
}

/// Why a [`Builder`](crate::Builder) could not build a ring.
///
/// ```
/// use ringweir::{Builder, CapacityError};
///
/// let err = Builder::new(0).spsc::<u8>().unwrap_err();
/// assert_eq!(err.requested(), 0);
/// assert!(err.to_string().contains("capacity 0"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CapacityError {
    requested: usize,
    reason: CapacityReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum CapacityReason {
    Zero,
    TooLarge { max: usize },
    AllocationFailed { bytes: usize },
    Watermarks { high: usize, low: usize },
}

impl CapacityError {
    pub(crate) fn new(requested: usize, reason: CapacityReason) -> Self {
        Self { requested, reason }
    }

    /// The capacity that was asked for.
    ///
    /// ```
    /// let err = ringweir::Builder::new(usize::MAX).spsc::<u64>().unwrap_err();
    /// assert_eq!(err.requested(), usize::MAX);
    /// ```
    pub fn requested(&self) -> usize {
        self.requested
    }
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cap = self.requested;
        match self.reason {
            CapacityReason::Zero => {
                write!(
                    f,
                    "ring capacity 0 is invalid: a ring must hold at least one value"
                )
            }
            CapacityReason::TooLarge { max } => {
                write!(
                    f,
                    "ring capacity {cap} is too large: the most this element type allows is {max}"
                )
            }
            CapacityReason::AllocationFailed { bytes } => write!(
                f,
                "ring capacity {cap} could not be allocated ({bytes} bytes requested)"
            ),
            CapacityReason::Watermarks { high, low } => write!(
                f,
                "watermarks high {high} / low {low} do not fit ring capacity {cap}: \
                 need low <= high <= capacity"
            ),
        }
    }
}

impl Error for CapacityError {}

macro_rules! value_error_fmt {
    ($ty:ident, $( $variant:pat => $name:literal, $msg:literal ),+ $(,)?) => {
        impl<T> fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $( $variant => f.write_str($name), )+
                }
            }
        }

        impl<T> fmt::Display for $ty<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $( $variant => f.write_str($msg), )+
                }
            }
        }

        impl<T> Error for $ty<T> {}
    };
}

value_error_fmt!(SendError,
    SendError(_) => "SendError(..)", "sending on a ring whose consumers are all gone");
value_error_fmt!(TrySendError,
    TrySendError::Full(_) => "Full(..)", "sending on a full ring",
    TrySendError::Closed(_) => "Closed(..)", "sending on a ring whose consumers are all gone");
value_error_fmt!(SendTimeoutError,
    SendTimeoutError::Timeout(_) => "Timeout(..)", "timed out sending on a full ring",
    SendTimeoutError::Closed(_) => "Closed(..)", "sending on a ring whose consumers are all gone");

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("receiving on a closed and drained ring")
    }
}

impl Error for RecvError {}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryRecvError::Empty => "receiving on an empty ring",
            TryRecvError::Closed => "receiving on a closed and drained ring",
        })
    }
}

impl Error for TryRecvError {}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecvTimeoutError::Timeout => "timed out receiving on an empty ring",
            RecvTimeoutError::Closed => "receiving on a closed and drained ring",
        })
    }
}

impl Error for RecvTimeoutError {}
