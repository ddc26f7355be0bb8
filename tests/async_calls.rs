//! `send_async` and `recv_async` (the `async` feature) on every topology
//! and policy, mixed with the blocking calls on the other side, with the
//! futures run by `pollster::block_on` on threads of their own: values
//! arrive once and in order, closing ends every wait, a dropped or
//! cancelled future loses nothing, and every value offered is accounted
//! for (received + evicted + dropped + discarded + still queued).
#![cfg(feature = "async")]

#[macro_use]
mod common;

use common::{build, policy, queued, returned, scaled, Policy};
use futures_core::Stream;
use pollster::block_on;
use ringweir::{Builder, RecvError, SendError, Topology, Wait};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::thread;

fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

/// Which side of a transfer runs as a task.
#[derive(Clone, Copy, Debug)]
enum Shape {
    SyncToAsync,
    AsyncToSync,
    AsyncToAsync,
}

/// Sends `0..n` on a ring `K` of capacity 4 and receives until closed,
/// each side sync or async by `shape`, each side waiting by `wait`. On a
/// `Block` ring every value arrives, in order; on the others what arrives
/// is in order and the counts add up.
fn transfer<K: Topology>(shape: Shape, wait: Wait)
where
    ringweir::Producer<u64, K>: Send + 'static,
    ringweir::Consumer<u64, K>: Send + 'static,
{
    let n = scaled(20_000);
    let (mut tx, mut rx) = build::<u64, K>(Builder::new(4).wait(wait));
    let async_send = matches!(shape, Shape::AsyncToSync | Shape::AsyncToAsync);
    let async_recv = matches!(shape, Shape::SyncToAsync | Shape::AsyncToAsync);
    let producer = thread::spawn(move || {
        let mut handed_back = 0u64;
        for i in 0..n {
            let sent = if async_send {
                block_on(tx.send_async(i)).unwrap()
            } else {
                tx.send(i).unwrap()
            };
            if returned::<u64, K>(sent).is_some() {
                handed_back += 1;
            }
        }
        handed_back
    });
    let mut got = Vec::new();
    loop {
        let next = if async_recv {
            block_on(rx.recv_async())
        } else {
            rx.recv()
        };
        match next {
            Ok(v) => got.push(v),
            Err(RecvError) => break,
        }
    }
    let handed_back = producer.join().unwrap();
    let what = format!("{} {shape:?} {wait:?}", common::name::<K>());
    assert!(got.windows(2).all(|w| w[0] < w[1]), "{what}: out of order");
    if policy::<K>() == Policy::Block {
        assert_eq!(got.len() as u64, n, "{what}");
    }
    assert_eq!(got.len() as u64 + handed_back, n, "{what}: lost or doubled");
    let s = rx.stats();
    assert_eq!(s.received, got.len() as u64, "{what}");
    assert_eq!(s.sent, n - s.dropped, "{what}");
    assert_eq!(
        s.received + s.evicted + s.dropped + s.discarded,
        n,
        "{what}"
    );
}

fn every_shape<K: Topology>()
where
    ringweir::Producer<u64, K>: Send + 'static,
    ringweir::Consumer<u64, K>: Send + 'static,
{
    for shape in [Shape::SyncToAsync, Shape::AsyncToSync, Shape::AsyncToAsync] {
        transfer::<K>(shape, Wait::Park);
    }
    // A side that does not park is never woken: its task re-polls itself.
    transfer::<K>(Shape::AsyncToAsync, Wait::Yield);
}

#[test]
fn every_ring_every_mix_of_sync_and_async_sides() {
    each_ring!(every_shape());
}

#[test]
fn many_async_producers_and_consumers_on_one_mpmc_ring() {
    let per = scaled(5_000);
    let (tx, rx) = ringweir::mpmc::channel::<u64>(8);
    let producers: Vec<_> = (0..4u64)
        .map(|p| {
            let mut tx = tx.clone();
            thread::spawn(move || {
                for i in 0..per {
                    block_on(tx.send_async(p * per + i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let mut rx = rx.clone();
            thread::spawn(move || {
                let mut got = Vec::new();
                while let Ok(v) = block_on(rx.recv_async()) {
                    got.push(v);
                }
                got
            })
        })
        .collect();
    drop(rx);
    for p in producers {
        p.join().unwrap();
    }
    let mut all: Vec<u64> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(all, (0..4 * per).collect::<Vec<_>>());
}

#[test]
fn closing_ends_waiting_tasks() {
    let (tx, mut rx) = ringweir::spsc::channel::<u8>(1);
    let waiting = thread::spawn(move || block_on(rx.recv_async()));
    thread::sleep(std::time::Duration::from_millis(20));
    drop(tx);
    assert_eq!(waiting.join().unwrap(), Err(RecvError));

    let (mut tx, rx) = ringweir::mpsc::channel::<u8>(1);
    tx.send(1).unwrap();
    let waiting = thread::spawn(move || block_on(tx.send_async(2)));
    thread::sleep(std::time::Duration::from_millis(20));
    drop(rx);
    assert_eq!(waiting.join().unwrap(), Err(SendError(2)));
}

#[test]
fn a_dropped_receive_loses_no_value() {
    let (tx, mut rx) = ringweir::spsc::channel::<u8>(2);
    let mut pending = rx.recv_async();
    assert!(poll_once(&mut pending).is_pending());
    tx.send(1).unwrap();
    drop(pending);
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn a_dropped_or_cancelled_send_never_queues_its_value() {
    let drops = common::counter();
    let (mut tx, rx) = ringweir::spsc::channel::<common::Counted>(1);
    tx.send(common::Counted::new(0, &drops)).unwrap();
    let mut pending = tx.send_async(common::Counted::new(1, &drops));
    assert!(poll_once(&mut pending).is_pending());
    drop(pending);
    assert_eq!(
        common::count(&drops),
        1,
        "the dropped send's value went with it"
    );
    let mut pending = tx.send_async(common::Counted::new(2, &drops));
    assert!(poll_once(&mut pending).is_pending());
    let back = pending.cancel().expect("not sent, so handed back");
    assert_eq!(back.id, 2);
    assert_eq!(rx.try_recv().map(|c| c.id), Ok(0));
    assert!(rx.try_recv().is_err(), "neither later value was queued");
    drop((back, rx, tx));
    assert_eq!(common::count(&drops), 3);
}

#[test]
fn a_woken_task_that_is_dropped_passes_its_wake_up_on() {
    // Two tasks wait on an empty ring; one value wakes the older, which is
    // then dropped: the younger must still get the value.
    let (tx, mut first) = ringweir::mpmc::channel::<u8>(2);
    let mut second = first.clone();
    let mut dropped = first.recv_async();
    assert!(poll_once(&mut dropped).is_pending());
    let waiting = thread::spawn(move || block_on(second.recv_async()));
    thread::sleep(std::time::Duration::from_millis(20));
    tx.send(5).unwrap();
    drop(dropped);
    assert_eq!(waiting.join().unwrap(), Ok(5));
}

/// The output of a future that must be ready at its first poll.
fn ready<F: Future + Unpin>(mut future: F, what: &str) -> F::Output {
    match poll_once(&mut future) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("{what}: waited"),
    }
}

fn drop_policies_never_wait<K: Topology>() {
    let what = common::name::<K>();
    let (mut tx, rx) = build::<u8, K>(Builder::new(1));
    assert!(queued::<u8, K>(ready(tx.send_async(1), &what).unwrap()));
    let back = returned::<u8, K>(ready(tx.send_async(2), &what).unwrap());
    match policy::<K>() {
        Policy::DropNewest => assert_eq!(back, Some(2), "{what}"),
        Policy::DropOldest => assert_eq!(back, Some(1), "{what}"),
        Policy::Block => unreachable!(),
    }
    let s = rx.stats();
    assert_eq!(s.dropped + s.evicted, 1, "{what}");
}

#[test]
fn drop_policies_send_async_never_waits() {
    each_ring!([DropNewest, DropOldest] drop_policies_never_wait());
}

#[test]
fn async_sends_that_waited_are_counted_once() {
    let (mut tx, rx) = ringweir::spsc::channel::<u8>(1);
    tx.send(1).unwrap();
    let mut pending = tx.send_async(2);
    for _ in 0..3 {
        assert!(poll_once(&mut pending).is_pending());
    }
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(matches!(poll_once(&mut pending), Poll::Ready(Ok(()))));
    drop(pending);
    assert_eq!(rx.stats().waits, 1);
}

/// The next item of a stream, awaited.
async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

/// Sends `item` through a sink: ready, start, flush.
async fn feed<T, S: futures_sink::Sink<T> + Unpin>(sink: &mut S, item: T) -> Result<(), S::Error> {
    std::future::poll_fn(|cx| Pin::new(&mut *sink).poll_ready(cx)).await?;
    Pin::new(&mut *sink).start_send(item)?;
    std::future::poll_fn(|cx| Pin::new(&mut *sink).poll_flush(cx)).await
}

/// A producer task feeding the handle as a `Sink` and a consumer task
/// reading the handle as a `Stream`, on a ring `K` of capacity 4: on a
/// `Block` ring every value arrives in order; on the others what arrives
/// is in order and the ring's counters account for the rest.
fn stream_and_sink<K: Topology>()
where
    ringweir::Producer<u64, K>: Send + 'static,
{
    let what = common::name::<K>();
    let n = scaled(20_000);
    let (mut tx, mut rx) = build::<u64, K>(Builder::new(4));
    let producer = thread::spawn(move || {
        block_on(async {
            for i in 0..n {
                feed(&mut tx, i).await.unwrap();
            }
        })
    });
    let got: Vec<u64> = block_on(async {
        let mut got = Vec::new();
        while let Some(v) = next(&mut rx).await {
            got.push(v);
        }
        got
    });
    producer.join().unwrap();
    assert!(got.windows(2).all(|w| w[0] < w[1]), "{what}: out of order");
    let s = rx.stats();
    if policy::<K>() == Policy::Block {
        assert_eq!(got.len() as u64, n, "{what}");
    }
    assert_eq!(s.received, got.len() as u64, "{what}");
    assert_eq!(
        s.received + s.evicted + s.dropped + s.discarded,
        n,
        "{what}: {s:?}"
    );
}

#[test]
fn stream_and_sink_on_every_ring() {
    each_ring!(stream_and_sink());
}

#[test]
fn a_sink_hands_its_item_back_once_the_ring_closes() {
    let (mut tx, rx) = ringweir::spsc::channel::<u8>(1);
    block_on(feed(&mut tx, 1)).unwrap();
    drop(rx);
    assert_eq!(block_on(feed(&mut tx, 2)), Err(SendError(2)));
}

#[test]
fn a_dropped_stream_passes_its_wake_up_on() {
    // The older of two waiting streams is woken by the one value, then
    // dropped: the younger still gets it.
    let (tx, mut first) = ringweir::mpmc::channel::<u8>(2);
    let mut second = first.clone();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(Pin::new(&mut first).poll_next(&mut cx).is_pending());
    let waiting = thread::spawn(move || block_on(next(&mut second)));
    thread::sleep(std::time::Duration::from_millis(20));
    tx.send(5).unwrap();
    drop(first);
    assert_eq!(waiting.join().unwrap(), Some(5));
}
