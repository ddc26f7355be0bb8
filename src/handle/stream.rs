//! [`Stream`] for the consumer and [`Sink`] for the producer (feature
//! `async`), over the same waits as [`Consumer::recv_async`] and
//! [`Producer::send_async`].

use super::{Consumer, Producer};
use crate::topology::Topology;
use crate::SendError;
use futures_core::Stream;
use futures_sink::Sink;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The values as they arrive, ending once every producer is gone and the
/// ring is drained: `recv_async` in a loop, for stream combinators and for
/// tasks that own the consumer. Between polls the handle remembers where
/// it waits; dropping the handle passes on a wake-up it did not act on.
///
/// A handle that returned `Pending` keeps its place among the waiters
/// until it is polled again or dropped. On an [`mpmc`](crate::mpmc) ring,
/// a stream you stop polling while you keep the handle (a `select!`
/// branch that lost, a timeout) may take the wake-up of a value that
/// another consumer was waiting for, until you poll it again or drop it.
/// For a wait you may abandon, use [`recv_async`](Consumer::recv_async):
/// its future gives its place up when dropped.
///
/// ```
/// use futures_core::Stream;
/// use std::pin::Pin;
/// use std::task::{Context, Poll, Waker};
///
/// let (tx, mut rx) = ringweir::spsc::channel::<u8>(4);
/// tx.send(1).unwrap();
/// drop(tx);
/// let mut cx = Context::from_waker(Waker::noop());
/// assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(Some(1)));
/// assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(None));
/// ```
impl<T, K: Topology> Stream for Consumer<T, K> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_stream(cx)
    }
}

/// Sends each item by the ring's policy. The sink holds one item at a
/// time: `poll_ready` (and `poll_flush`, `poll_close`) send the one it
/// holds, awaiting room on a full [`Block`](crate::Block) ring; on
/// [`DropNewest`](crate::DropNewest) and [`DropOldest`](crate::DropOldest)
/// rings they never wait, and the value a send refused or evicted is
/// dropped (the ring counts it in [`Stats`](crate::Stats)). The error,
/// once every consumer is gone, hands the held item back. Closing the sink
/// only flushes: the ring closes when the handle is dropped. An item still
/// held when the handle is dropped is dropped with it, never queued.
///
/// As for the consumer's `Stream`, a sink whose flush returned `Pending`
/// keeps its place among the waiting producers until it is polled again
/// or dropped; for a send you may abandon on a ring of several producers,
/// use [`send_async`](Producer::send_async), whose future gives its place
/// up when dropped.
///
/// ```
/// use futures_sink::Sink;
/// use std::pin::Pin;
/// use std::task::{Context, Waker};
///
/// let (mut tx, rx) = ringweir::spsc::channel::<u8>(4);
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(Pin::new(&mut tx).poll_ready(&mut cx).is_ready());
/// Pin::new(&mut tx).start_send(7).unwrap();
/// assert!(Pin::new(&mut tx).poll_flush(&mut cx).is_ready());
/// assert_eq!(rx.try_recv(), Ok(7));
/// ```
impl<T, K: Topology> Sink<T> for Producer<T, K> {
    type Error = SendError<T>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        self.get_mut().poll_sink_flush(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), SendError<T>> {
        self.get_mut().sink_hold(item);
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        self.get_mut().poll_sink_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        self.get_mut().poll_sink_flush(cx)
    }
}
