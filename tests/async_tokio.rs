//! `send_async` and `recv_async` under tokio's multi-thread runtime (two
//! worker threads): tasks move between worker threads between their polls,
//! blocking threads and tasks share one ring, there are more tasks than
//! cores, and tasks are cancelled by timeouts. Every value offered is
//! accounted for: received + evicted + dropped + discarded + still queued
//! == offered.
#![cfg(all(feature = "async", not(miri), not(loom)))]

#[macro_use]
mod common;

use common::{build, policy, returned, Policy};
use ringweir::{
    Builder, Consumer, ManyConsumers, ManyProducers, Producer, RecvError, SendError, Topology,
};
use std::time::Duration;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

/// Values each producer task sends.
const PER: u64 = 20_000;

/// Each producer task sends `PER` values (tagged by task) while each
/// consumer task receives until closed; the counts must add up, nothing
/// arrives twice, and each producer's values arrive in its order.
fn run<K: Topology>(txs: Vec<Producer<u64, K>>, rxs: Vec<Consumer<u64, K>>)
where
    Producer<u64, K>: Send + 'static,
    Consumer<u64, K>: Send + 'static,
{
    let what = format!("{} {}x{}", common::name::<K>(), txs.len(), rxs.len());
    let rt = runtime();
    let offered = txs.len() as u64 * PER;
    let sending: Vec<_> = (0u64..)
        .zip(txs)
        .map(|(p, mut tx)| {
            rt.spawn(async move {
                let mut handed_back = 0u64;
                for i in 0..PER {
                    let sent = tx.send_async(p * PER + i).await.unwrap();
                    if returned::<u64, K>(sent).is_some() {
                        handed_back += 1;
                    }
                    if i % 256 == 0 {
                        // Let the runtime move this task to the other worker.
                        tokio::task::yield_now().await;
                    }
                }
                handed_back
            })
        })
        .collect();
    let receiving: Vec<_> = rxs
        .into_iter()
        .map(|mut rx| {
            rt.spawn(async move {
                let mut got = Vec::new();
                while let Ok(v) = rx.recv_async().await {
                    got.push(v);
                }
                (got, rx.stats())
            })
        })
        .collect();
    let (handed_back, results) = rt.block_on(async {
        let mut handed_back = 0;
        for s in sending {
            handed_back += s.await.unwrap();
        }
        let mut results = Vec::new();
        for r in receiving {
            results.push(r.await.unwrap());
        }
        (handed_back, results)
    });
    let mut all = Vec::new();
    for (got, _) in &results {
        for p in 0..offered / PER {
            let mine: Vec<u64> = got.iter().copied().filter(|v| v / PER == p).collect();
            assert!(
                mine.windows(2).all(|w| w[0] < w[1]),
                "{what}: producer {p} out of order"
            );
        }
        all.extend_from_slice(got);
    }
    let received = all.len() as u64;
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len() as u64, received, "{what}: a value arrived twice");
    if policy::<K>() == Policy::Block {
        assert_eq!(received, offered, "{what}");
    }
    assert_eq!(received + handed_back, offered, "{what}");
    let s = results[0].1;
    assert_eq!(s.received, received, "{what}");
    assert_eq!(
        s.received + s.evicted + s.dropped + s.discarded,
        offered,
        "{what}: {s:?}"
    );
}

fn one_task_each_side<K: Topology>()
where
    Producer<u64, K>: Send + 'static,
    Consumer<u64, K>: Send + 'static,
{
    let (tx, rx) = build::<u64, K>(Builder::new(8));
    run(vec![tx], vec![rx]);
}

fn eight_producer_tasks<K: ManyProducers>()
where
    Producer<u64, K>: Send + 'static,
    Consumer<u64, K>: Send + 'static,
{
    let (tx, rx) = build::<u64, K>(Builder::new(8));
    let txs = (0..8).map(|_| tx.clone()).collect();
    drop(tx);
    run(txs, vec![rx]);
}

fn eight_tasks_each_side<K: ManyProducers + ManyConsumers>()
where
    Producer<u64, K>: Send + 'static,
    Consumer<u64, K>: Send + 'static,
{
    let (tx, rx) = build::<u64, K>(Builder::new(8));
    let txs = (0..8).map(|_| tx.clone()).collect();
    let rxs = (0..8).map(|_| rx.clone()).collect();
    drop((tx, rx));
    run(txs, rxs);
}

#[test]
fn one_task_on_each_side_of_every_ring() {
    each_ring!(one_task_each_side());
}

#[test]
fn more_tasks_than_cores() {
    use ringweir::{Block, DropNewest, DropOldest, Mpmc, Mpsc};
    eight_producer_tasks::<Mpsc<Block>>();
    eight_producer_tasks::<Mpsc<DropNewest>>();
    eight_producer_tasks::<Mpsc<DropOldest>>();
    eight_tasks_each_side::<Mpmc<Block>>();
    eight_tasks_each_side::<Mpmc<DropNewest>>();
    eight_tasks_each_side::<Mpmc<DropOldest>>();
}

#[test]
fn a_blocking_thread_and_tasks_share_a_ring() {
    let rt = runtime();
    // A thread feeds two consumer tasks.
    let (tx, rx) = ringweir::mpmc::channel::<u64>(4);
    let feeder = std::thread::spawn(move || {
        for i in 0..PER {
            tx.send(i).unwrap();
        }
    });
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let mut rx = rx.clone();
            rt.spawn(async move {
                let mut n = 0u64;
                while rx.recv_async().await.is_ok() {
                    n += 1;
                }
                n
            })
        })
        .collect();
    drop(rx);
    let got: u64 = rt.block_on(async {
        let mut got = 0;
        for t in tasks {
            got += t.await.unwrap();
        }
        got
    });
    feeder.join().unwrap();
    assert_eq!(got, PER);

    // Two producer tasks feed a thread.
    let (tx, rx) = ringweir::mpsc::channel::<u64>(4);
    let drain = std::thread::spawn(move || rx.iter().count() as u64);
    for _ in 0..2 {
        let mut tx = tx.clone();
        rt.spawn(async move {
            for i in 0..PER {
                tx.send_async(i).await.unwrap();
            }
        });
    }
    drop(tx);
    assert_eq!(drain.join().unwrap(), 2 * PER);
}

#[test]
fn closing_wakes_every_waiting_task() {
    let rt = runtime();
    let (tx, rx) = ringweir::mpmc::channel::<u8>(2);
    let waiting: Vec<_> = (0..6)
        .map(|_| {
            let mut rx = rx.clone();
            rt.spawn(async move { rx.recv_async().await })
        })
        .collect();
    drop(rx);
    rt.block_on(async { tokio::time::sleep(Duration::from_millis(20)).await });
    drop(tx);
    for w in waiting {
        assert_eq!(rt.block_on(w).unwrap(), Err(RecvError));
    }

    let (tx, rx) = ringweir::mpmc::channel::<u8>(1);
    tx.send(0).unwrap();
    let waiting: Vec<_> = (1..=6)
        .map(|v| {
            let mut tx = tx.clone();
            rt.spawn(async move { tx.send_async(v).await })
        })
        .collect();
    drop(tx);
    rt.block_on(async { tokio::time::sleep(Duration::from_millis(20)).await });
    drop(rx);
    let mut back: Vec<u8> = waiting
        .into_iter()
        .filter_map(|w| match rt.block_on(w).unwrap() {
            Err(SendError(v)) => Some(v),
            Ok(()) => None,
        })
        .collect();
    back.sort_unstable();
    // A send may have won the slot the leaving consumer's drain freed (its
    // value was then discarded); every other value comes back.
    assert!(back.len() >= 5, "handed back {back:?}");
}

#[test]
fn timed_out_receives_lose_no_value() {
    let rt = runtime();
    let (tx, mut rx) = ringweir::spsc::channel::<u64>(64);
    let n = 2_000u64;
    let sender = std::thread::spawn(move || {
        for i in 0..n {
            tx.send(i).unwrap();
            if i % 100 == 0 {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    });
    let got = rt.block_on(async move {
        let mut got = Vec::new();
        loop {
            // Most of these time out and are dropped mid-wait.
            match tokio::time::timeout(Duration::from_micros(50), rx.recv_async()).await {
                Ok(Ok(v)) => got.push(v),
                Ok(Err(RecvError)) => break got,
                Err(_elapsed) => {}
            }
        }
    });
    sender.join().unwrap();
    assert_eq!(got, (0..n).collect::<Vec<_>>());
}

#[test]
fn timed_out_sends_never_queue_their_value() {
    let rt = runtime();
    let (mut tx, rx) = ringweir::spsc::channel::<u64>(1);
    let (completed, received) = rt.block_on(async move {
        let mut completed = Vec::new();
        let mut received = Vec::new();
        for v in 0..300u64 {
            if v % 7 == 0 {
                // Make room now and then.
                if let Ok(got) = rx.try_recv() {
                    received.push(got);
                }
            }
            // On a full ring this times out, dropping the pending send.
            match tokio::time::timeout(Duration::from_micros(20), tx.send_async(v)).await {
                Ok(sent) => {
                    sent.unwrap();
                    completed.push(v);
                }
                Err(_elapsed) => {}
            }
        }
        drop(tx);
        while let Ok(got) = rx.try_recv() {
            received.push(got);
        }
        (completed, received)
    });
    assert!(
        completed.len() > 1 && completed.len() < 300,
        "{completed:?}"
    );
    assert_eq!(
        received, completed,
        "exactly the sends that completed queued their value"
    );
}
