//! The futures of the async calls ([`Producer::send_async`],
//! [`Consumer::recv_async`]), behind the `async` feature. They are driven
//! by [`Waker`](std::task::Waker)s alone, so any executor runs them.

use super::{Consumer, Producer};
use crate::policy::Overflow;
use crate::topology::Topology;
use crate::wait::TaskTicket;
use crate::{RecvError, SendError};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// What [`Consumer::recv_async`] returns: resolves to the oldest value, or
/// to [`RecvError`] once every producer is gone and the ring is drained.
///
/// Dropping it before it resolves loses no value: it takes a value only in
/// the poll that resolves it. A wake-up meant for it that it did not act
/// on goes to another waiting receiver.
///
/// ```
/// let (tx, mut rx) = ringweir::spsc::channel::<u8>(4);
/// tx.send(5).unwrap();
/// assert_eq!(pollster::block_on(rx.recv_async()), Ok(5));
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct RecvFuture<'a, T, K: Topology> {
    consumer: &'a mut Consumer<T, K>,
    ticket: TaskTicket,
}

impl<'a, T, K: Topology> RecvFuture<'a, T, K> {
    pub(super) fn new(consumer: &'a mut Consumer<T, K>) -> Self {
        Self {
            consumer,
            ticket: TaskTicket::default(),
        }
    }
}

impl<T, K: Topology> Future for RecvFuture<'_, T, K> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.consumer.poll_recv(&mut this.ticket, cx)
    }
}

impl<T, K: Topology> Drop for RecvFuture<'_, T, K> {
    fn drop(&mut self) {
        self.consumer.cancel_recv(&mut self.ticket);
    }
}

/// What [`Producer::send_async`] returns: resolves once the value is
/// queued (on a [`Block`](crate::Block) ring, after awaiting room while the
/// ring is full), or to [`SendError`] with the value once every consumer is
/// gone. On [`DropNewest`](crate::DropNewest) and
/// [`DropOldest`](crate::DropOldest) rings it resolves at its first poll,
/// with what [`send`](Producer::send) returns there.
///
/// Dropping it before it resolves never queues its value: the value is
/// dropped with the future. [`cancel`](Self::cancel) stops the send and
/// hands the value back instead. A wake-up meant for it that it did not
/// act on goes to another waiting sender.
///
/// ```
/// let (mut tx, rx) = ringweir::spsc::channel::<u8>(4);
/// pollster::block_on(tx.send_async(5)).unwrap();
/// assert_eq!(rx.try_recv(), Ok(5));
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct SendFuture<'a, T, K: Topology> {
    producer: &'a mut Producer<T, K>,
    /// The value, until it is queued or handed back.
    value: Option<T>,
    ticket: TaskTicket,
}

impl<'a, T, K: Topology> SendFuture<'a, T, K> {
    pub(super) fn new(producer: &'a mut Producer<T, K>, value: T) -> Self {
        Self {
            producer,
            value: Some(value),
            ticket: TaskTicket::default(),
        }
    }

    /// Stops the send: the value back if it was not queued yet (`None` once
    /// the future has resolved).
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// use std::future::Future;
    ///
    /// let (mut tx, _rx) = ringweir::spsc::channel::<u8>(1);
    /// tx.send(1).unwrap();
    /// let mut send = tx.send_async(2);
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(std::pin::Pin::new(&mut send).poll(&mut cx).is_pending());
    /// assert_eq!(send.cancel(), Some(2));
    /// ```
    pub fn cancel(mut self) -> Option<T> {
        self.value.take()
    }
}

// The value is never pinned: the future moves it in and out freely, so it
// may move whatever `T` is.
impl<T, K: Topology> Unpin for SendFuture<'_, T, K> {}

impl<T, K: Topology> Future for SendFuture<'_, T, K> {
    type Output = Result<<K::Policy as Overflow>::Sent<T>, SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.producer
            .poll_send(&mut this.value, &mut this.ticket, cx)
    }
}

impl<T, K: Topology> Drop for SendFuture<'_, T, K> {
    fn drop(&mut self) {
        self.producer.cancel_send(&mut self.ticket);
    }
}
