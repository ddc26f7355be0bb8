#![cfg(loom)]
//! Async tasks waiting at a ring's wait points (`send_async`,
//! `recv_async`): a task registers its waker and counts itself as a
//! sleeper under the sleepers' lock, then re-checks (F2, then an exact
//! look); the other side's progress (F1, then the load of the word) finds
//! it and wakes it. These models check that no wake-up is lost in that
//! race, that a waker replaced between two polls is the one woken, that a
//! task woken and then dropped passes its wake-up on, and that closing
//! wakes waiting tasks. A lost wake-up shows as a loom deadlock: the
//! task's `block_on` parks for good.
//!
//! The waking side keeps its handle until the waiting task is done, so
//! that closing (which wakes everyone) cannot stand in for a lost wake-up.

use futures_core::Stream;
use futures_sink::Sink;
use loom::future::block_on;
use loom::thread;
use ringweir::{Builder, RecvError, SendError, Wait};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Polls `future` once with a waker that does nothing: a task that polls
/// and then is not run again for a while (or is moved to another task).
fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

/// A task awaits a value on an empty ring while a thread sends one.
fn recv_async_woken_by_send(capacity: usize) {
    loom::model(move || {
        let (tx, mut rx) = Builder::new(capacity)
            .wait(Wait::Park)
            .spsc::<usize>()
            .unwrap();
        let producer = thread::spawn(move || {
            tx.send(7).unwrap();
            tx
        });
        assert_eq!(block_on(rx.recv_async()), Ok(7));
        drop(producer.join().unwrap());
        assert_eq!(block_on(rx.recv_async()), Err(RecvError));
    });
}

#[test]
fn recv_async_woken_by_send_cap1() {
    recv_async_woken_by_send(1);
}

#[test]
fn recv_async_woken_by_send_cap2() {
    recv_async_woken_by_send(2);
}

/// A task awaits room on a full `Block` ring while a thread receives.
#[test]
fn send_async_woken_by_recv() {
    loom::model(|| {
        let (mut tx, rx) = Builder::new(1).wait(Wait::Park).mpsc::<usize>().unwrap();
        tx.send(1).unwrap();
        let consumer = thread::spawn(move || {
            assert_eq!(rx.recv(), Ok(1));
            assert_eq!(rx.recv(), Ok(2));
            rx
        });
        assert_eq!(block_on(tx.send_async(2)), Ok(()));
        let rx = consumer.join().unwrap();
        assert_eq!(rx.stats().sent, 2);
        drop(tx);
    });
}

/// The task polls once with one waker (and finds the ring empty), then
/// awaits with another while the value is sent: the newer waker must be
/// the one woken.
#[test]
fn recv_async_waker_replaced_between_polls() {
    loom::model(|| {
        let (tx, mut rx) = Builder::new(1).wait(Wait::Park).mpsc::<usize>().unwrap();
        let producer = thread::spawn(move || {
            tx.send(3).unwrap();
            tx
        });
        let mut recv = rx.recv_async();
        let got = match poll_once(&mut recv) {
            Poll::Ready(got) => got,
            Poll::Pending => block_on(recv),
        };
        assert_eq!(got, Ok(3));
        drop(producer.join().unwrap());
    });
}

/// Two tasks wait on an empty mpmc ring: the first polled once (it waits
/// longest), the second on a thread of its own. One value is sent, which
/// wakes the first, whose future is then dropped without being polled
/// again: the wake-up must pass to the second, which may already be
/// parked, and which then gets the value.
#[test]
fn a_dropped_woken_receiver_passes_its_wake_up_on() {
    loom::model(|| {
        let (tx, mut first) = Builder::new(2).wait(Wait::Park).mpmc::<usize>().unwrap();
        let mut second = first.clone();
        let mut dropped = first.recv_async();
        assert!(poll_once(&mut dropped).is_pending());
        let waiting = thread::spawn(move || {
            let got = block_on(second.recv_async());
            (got, second)
        });
        tx.send(9).unwrap();
        drop(dropped);
        let (got, second) = waiting.join().unwrap();
        assert_eq!(got, Ok(9));
        drop((tx, first, second));
    });
}

/// The same for two senders on a full ring: the first polled once, the
/// second awaiting on a thread of its own; a receive frees the slot and
/// wakes the first, which is then cancelled (its value handed back): the
/// second must get the slot.
#[test]
fn a_dropped_woken_sender_passes_its_wake_up_on() {
    loom::model(|| {
        let (mut first, rx) = Builder::new(1).wait(Wait::Park).mpsc::<usize>().unwrap();
        let mut second = first.clone();
        first.send(1).unwrap();
        let mut dropped = first.send_async(2);
        assert!(poll_once(&mut dropped).is_pending());
        let waiting = thread::spawn(move || {
            let sent = block_on(second.send_async(3));
            (sent, second)
        });
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(dropped.cancel(), Some(2));
        let (sent, second) = waiting.join().unwrap();
        assert_eq!(sent, Ok(()));
        assert_eq!(rx.try_recv(), Ok(3));
        drop((first, second));
    });
}

/// Closing wakes a waiting receiver task (`Err` once drained) and a
/// waiting sender task (its value handed back).
#[test]
fn closing_wakes_waiting_tasks() {
    loom::model(|| {
        let (tx, mut rx) = Builder::new(1).wait(Wait::Park).spsc::<usize>().unwrap();
        let producer = thread::spawn(move || drop(tx));
        assert_eq!(block_on(rx.recv_async()), Err(RecvError));
        producer.join().unwrap();

        // The send may also win the slot the leaving consumer's drain
        // frees: then its value is queued and discarded at once, as for a
        // blocking `send` in that race.
        let (mut tx, rx) = Builder::new(1).wait(Wait::Park).spsc::<usize>().unwrap();
        tx.send(1).unwrap();
        let consumer = thread::spawn(move || drop(rx));
        let sent = block_on(tx.send_async(2));
        consumer.join().unwrap();
        let s = tx.stats();
        match sent {
            Ok(()) => assert_eq!((s.sent, s.discarded), (2, 2)),
            Err(SendError(2)) => assert_eq!((s.sent, s.discarded), (1, 1)),
            other => panic!("{other:?}"),
        }
        assert_eq!(tx.len(), 0, "nothing lingers once the send is done");
    });
}

/// The handles as `Stream` and `Sink` wait where the futures do, with the
/// waiting state kept in the handle: a consumer handle whose stream was
/// woken and that is then dropped passes the wake-up on to a second
/// waiting stream; a producer handle whose sink was woken and that is then
/// dropped passes it on to a second waiting sink, and its held value is
/// never queued.
#[test]
fn dropped_handles_pass_their_stream_and_sink_wake_ups_on() {
    loom::model(|| {
        let (tx, mut first) = Builder::new(2).wait(Wait::Park).mpmc::<usize>().unwrap();
        let mut second = first.clone();
        let mut cx = Context::from_waker(Waker::noop());
        assert!(Pin::new(&mut first).poll_next(&mut cx).is_pending());
        let waiting = thread::spawn(move || {
            let got = block_on(std::future::poll_fn(|cx| {
                Pin::new(&mut second).poll_next(cx)
            }));
            (got, second)
        });
        tx.send(4).unwrap();
        drop(first);
        let (got, second) = waiting.join().unwrap();
        assert_eq!(got, Some(4));
        drop((tx, second));
    });
    loom::model(|| {
        let (mut first, rx) = Builder::new(1).wait(Wait::Park).mpsc::<usize>().unwrap();
        let mut second = first.clone();
        first.send(1).unwrap();
        let mut cx = Context::from_waker(Waker::noop());
        assert!(Pin::new(&mut first).poll_ready(&mut cx).is_ready());
        Pin::new(&mut first).start_send(2).unwrap();
        assert!(Pin::new(&mut first).poll_flush(&mut cx).is_pending());
        let waiting = thread::spawn(move || {
            let sent = block_on(async {
                std::future::poll_fn(|cx| Pin::new(&mut second).poll_ready(cx)).await?;
                Pin::new(&mut second).start_send(3)?;
                std::future::poll_fn(|cx| Pin::new(&mut second).poll_flush(cx)).await
            });
            (sent, second)
        });
        assert_eq!(rx.recv(), Ok(1));
        drop(first);
        let (sent, second) = waiting.join().unwrap();
        assert_eq!(sent, Ok(()));
        assert_eq!(
            rx.try_recv(),
            Ok(3),
            "the dropped sink's value was never queued"
        );
        drop(second);
    });
}
