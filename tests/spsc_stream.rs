//! Two-thread streams of sequence numbers through every SPSC policy and wait
//! strategy: order kept, nothing lost, nothing duplicated.

mod common;

use common::{build, policy, returned, scaled, Policy};
use ringweir::{Block, Builder, DropNewest, DropOldest, Producer, Spsc, Topology, Wait};
use std::thread;

const WAITS: [Wait; 3] = [Wait::Spin, Wait::Yield, Wait::Park];

/// A stream through the spsc ring `K` (`Spsc<P>` of each policy `P`).
fn stream<K: Topology>(wait: Wait, capacity: usize, n: u64)
where
    Producer<u64, K>: Send,
{
    let (tx, rx) = build::<u64, K>(Builder::new(capacity).wait(wait));
    let producer = thread::spawn(move || {
        let mut handed_back = Vec::new();
        for i in 0..n {
            if let Some(v) = returned::<u64, K>(tx.send(i).unwrap()) {
                handed_back.push(v);
            }
        }
        handed_back
    });
    let mut received = Vec::with_capacity(n as usize);
    while let Ok(v) = rx.recv() {
        received.push(v);
    }
    let handed_back = producer.join().unwrap();
    let stats = rx.stats();
    assert!(received.windows(2).all(|w| w[0] < w[1]), "order broken");
    let mut all: Vec<u64> = received.iter().chain(&handed_back).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..n).collect::<Vec<_>>(), "lost or duplicated values");
    assert_eq!(stats.received, received.len() as u64);
    match policy::<K>() {
        Policy::Block => {
            assert_eq!(received.len() as u64, n);
            assert_eq!(stats.sent, n);
        }
        Policy::DropNewest => {
            assert_eq!(stats.dropped, handed_back.len() as u64);
            assert_eq!(stats.sent + stats.dropped, n);
        }
        Policy::DropOldest => {
            assert_eq!(stats.evicted, handed_back.len() as u64);
            assert_eq!(stats.sent, n);
        }
    }
}

#[test]
fn block_keeps_every_value_in_order() {
    for wait in WAITS {
        stream::<Spsc<Block>>(wait, 1024, scaled(2_000_000));
        stream::<Spsc<Block>>(wait, 3, scaled(200_000));
    }
}

#[test]
fn drop_newest_refuses_and_counts() {
    for wait in WAITS {
        stream::<Spsc<DropNewest>>(wait, 64, scaled(2_000_000));
        stream::<Spsc<DropNewest>>(wait, 1, scaled(200_000));
    }
}

#[test]
fn drop_oldest_received_plus_evicted_is_sent() {
    for wait in WAITS {
        stream::<Spsc<DropOldest>>(wait, 64, scaled(2_000_000));
        stream::<Spsc<DropOldest>>(wait, 1, scaled(200_000));
    }
}

#[test]
fn odd_capacities_wrap_correctly() {
    for capacity in [1, 2, 3, 5, 7, 100, 1000] {
        stream::<Spsc<Block>>(Wait::Park, capacity, scaled(50_000));
        stream::<Spsc<DropOldest>>(Wait::Park, capacity, scaled(50_000));
    }
}

#[test]
fn batch_receive_keeps_order() {
    let n = scaled(1_000_000);
    let (tx, mut rx) = ringweir::spsc::channel::<u64>(256);
    let producer = thread::spawn(move || {
        for i in 0..n {
            // A `Block` ring's send queues the value or fails: `Ok(())`.
            assert_eq!(tx.send(i), Ok(()));
        }
    });
    let mut buf = Vec::new();
    let mut expected = 0;
    loop {
        buf.clear();
        let got = rx.recv_many(&mut buf, 100);
        if got == 0 {
            break;
        }
        assert_eq!(got, buf.len());
        assert!(got <= 100);
        for &v in &buf {
            assert_eq!(v, expected);
            expected += 1;
        }
    }
    assert_eq!(expected, n);
    producer.join().unwrap();
}
