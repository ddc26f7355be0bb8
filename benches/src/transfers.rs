//! The two halves of a transfer for each implementation, spinning on the
//! non-blocking calls: shared by the criterion benches and the paired-trials
//! binary, so that both time exactly the same loops.
//!
//! ringweir's halves are written once, generic over the ring's
//! [`Topology`] (topology and overflow policy); the peers' are written per
//! peer.

use crate::spin_until;
use ringweir::{Consumer, DropOldest, Eviction, Producer, Topology, TryRecvError, TrySendError};
use std::hint::black_box;

/// Sends `0..n` through a ringweir producer, spinning while full.
pub fn ringweir_send<K: Topology>(tx: &mut Producer<u64, K>, n: u64) {
    for i in 0..n {
        let mut v = i;
        loop {
            match tx.try_send(v) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) => {
                    v = back;
                    std::hint::spin_loop();
                }
                Err(TrySendError::Closed(_)) => panic!("closed"),
            }
        }
    }
}

/// Receives `n` values from a ringweir consumer, spinning while empty.
pub fn ringweir_recv<K: Topology>(rx: &mut Consumer<u64, K>, n: u64) {
    for _ in 0..n {
        black_box(spin_until(|| rx.try_recv().ok()));
    }
}

/// Sends `0..n` through a [`DropOldest`] ring, which never waits: on a full
/// ring the send evicts the oldest value and hands it back.
pub fn ringweir_send_evicting<K: Topology<Policy = DropOldest>>(tx: &mut Producer<u64, K>, n: u64) {
    for i in 0..n {
        if let Eviction::Evicted(old) = tx.send(i).unwrap() {
            black_box(old);
        }
    }
}

/// Receives through `try_recv` until every producer is gone; returns how
/// many values arrived (for rings that may evict or drop).
pub fn ringweir_drain<K: Topology>(rx: &mut Consumer<u64, K>) -> u64 {
    let mut got = 0;
    loop {
        match rx.try_recv() {
            Ok(v) => {
                black_box(v);
                got += 1;
            }
            Err(TryRecvError::Empty) => std::hint::spin_loop(),
            Err(TryRecvError::Closed) => return got,
        }
    }
}

/// Sends `0..n` through rtrb, spinning while full.
pub fn rtrb_send(tx: &mut rtrb::Producer<u64>, n: u64) {
    for i in 0..n {
        while tx.push(i).is_err() {
            std::hint::spin_loop();
        }
    }
}

/// Receives `n` values from rtrb, spinning while empty.
pub fn rtrb_recv(rx: &mut rtrb::Consumer<u64>, n: u64) {
    for _ in 0..n {
        black_box(spin_until(|| rx.pop().ok()));
    }
}

/// Sends `0..n` through a ringbuf producer, spinning while full.
pub fn ringbuf_send(tx: &mut impl ringbuf::traits::Producer<Item = u64>, n: u64) {
    for i in 0..n {
        while tx.try_push(i).is_err() {
            std::hint::spin_loop();
        }
    }
}

/// Receives `n` values from a ringbuf consumer, spinning while empty.
pub fn ringbuf_recv(rx: &mut impl ringbuf::traits::Consumer<Item = u64>, n: u64) {
    for _ in 0..n {
        black_box(spin_until(|| rx.try_pop()));
    }
}

/// Sends `0..n` in slices of `batch`: `push` queues a prefix of the run it
/// is given and returns its length (0 when the queue is full: spin, retry).
pub fn send_in_slices(n: u64, batch: usize, mut push: impl FnMut(&[u64]) -> usize) {
    let mut src = vec![0u64; batch];
    let mut next = 0u64;
    while next < n {
        let k = batch.min((n - next) as usize);
        for (j, slot) in src[..k].iter_mut().enumerate() {
            *slot = next + j as u64;
        }
        let mut off = 0;
        while off < k {
            let pushed = push(&src[off..k]);
            if pushed == 0 {
                std::hint::spin_loop();
            }
            off += pushed;
        }
        next += k as u64;
    }
}

/// Receives `n` values in runs of up to `batch`: `pop` fills a prefix of
/// the buffer and returns its length (0 when the queue is empty: spin).
pub fn recv_in_slices(n: u64, batch: usize, mut pop: impl FnMut(&mut [u64]) -> usize) {
    let mut buf = vec![0u64; batch];
    let mut got = 0u64;
    while got < n {
        let k = pop(&mut buf);
        if k == 0 {
            std::hint::spin_loop();
            continue;
        }
        black_box(&buf[..k]);
        got += k as u64;
    }
}

/// Sends `0..n` through ringweir in slices of `batch`, spinning while full.
pub fn ringweir_send_slices<K: Topology>(tx: &mut Producer<u64, K>, n: u64, batch: usize) {
    send_in_slices(n, batch, |run| tx.try_send_slice(run).unwrap());
}

/// Receives `n` values from ringweir in slices of up to `batch`, spinning
/// while empty.
pub fn ringweir_recv_slices<K: Topology>(rx: &mut Consumer<u64, K>, n: u64, batch: usize) {
    recv_in_slices(n, batch, |buf| rx.try_recv_slice(buf));
}

/// Receives `n` values from ringweir in runs of up to `batch`, looking at
/// them in place (no copy), as rtrb's chunk read does; spins while empty.
pub fn ringweir_recv_in_place<K: Topology>(rx: &mut Consumer<u64, K>, n: u64, batch: usize) {
    let mut got = 0u64;
    while got < n {
        let k = rx.try_recv_in_place(batch, |run| {
            black_box(run);
        });
        if k == 0 {
            std::hint::spin_loop();
        }
        got += k as u64;
    }
}

/// Sends `0..n` through rtrb in write chunks of up to `batch`.
pub fn rtrb_write_chunks(tx: &mut rtrb::Producer<u64>, n: u64, batch: usize) {
    let mut next = 0u64;
    while next < n {
        let k = tx.slots().min(batch).min((n - next) as usize);
        if k == 0 {
            std::hint::spin_loop();
            continue;
        }
        let chunk = tx.write_chunk_uninit(k).unwrap();
        next += chunk.fill_from_iter(next..n) as u64;
    }
}

/// Receives `n` values from rtrb in read chunks of up to `batch`, looking
/// at them in place (no copy).
pub fn rtrb_read_chunks(rx: &mut rtrb::Consumer<u64>, n: u64, batch: usize) {
    let mut got = 0u64;
    while got < n {
        let k = rx.slots().min(batch);
        if k == 0 {
            std::hint::spin_loop();
            continue;
        }
        let chunk = rx.read_chunk(k).unwrap();
        let (a, b) = chunk.as_slices();
        black_box((a, b));
        chunk.commit_all();
        got += k as u64;
    }
}

/// Sends `0..n` through ringbuf in slices of `batch`.
pub fn ringbuf_push_slices(
    tx: &mut impl ringbuf::traits::Producer<Item = u64>,
    n: u64,
    batch: usize,
) {
    send_in_slices(n, batch, |run| tx.push_slice(run));
}

/// Receives `n` values from ringbuf in slices of up to `batch`.
pub fn ringbuf_pop_slices(
    rx: &mut impl ringbuf::traits::Consumer<Item = u64>,
    n: u64,
    batch: usize,
) {
    recv_in_slices(n, batch, |buf| rx.pop_slice(buf));
}

/// The sending half of a channel with a blocking send, for the
/// many-thread scenarios: one loop (`send_all`) for every implementation.
pub trait BlockingSend: Send {
    /// Sends `v`, waiting while the channel is full.
    fn send_blocking(&mut self, v: u64);
}

/// The receiving half of a channel with a blocking receive: `None` once
/// the channel is closed and drained.
pub trait BlockingRecv: Send {
    /// Receives a value, waiting while the channel is empty.
    fn recv_blocking(&mut self) -> Option<u64>;
}

/// Every ringweir producer, of any topology and policy: `send` by the
/// ring's policy (on a `Block` ring, waits while full by the producer's
/// `Wait`); a value a `DropNewest` or `DropOldest` ring hands back is
/// dropped.
impl<K: Topology> BlockingSend for Producer<u64, K>
where
    Self: Send,
{
    #[inline]
    fn send_blocking(&mut self, v: u64) {
        let _ = self.send(v).unwrap();
    }
}

/// Every ringweir consumer, of any topology and policy.
impl<K: Topology> BlockingRecv for Consumer<u64, K>
where
    Self: Send,
{
    #[inline]
    fn recv_blocking(&mut self) -> Option<u64> {
        self.recv().ok()
    }
}

/// Implements `BlockingSend` for peers' senders whose `send(v)` returns a
/// `Result`.
macro_rules! blocking_send {
    ($($tx:ty),*) => {$(
        impl BlockingSend for $tx {
            #[inline]
            fn send_blocking(&mut self, v: u64) {
                self.send(v).unwrap();
            }
        }
    )*};
}

/// Implements `BlockingRecv` for peers' receivers whose `recv()` result
/// `$got` turns into an `Option`.
macro_rules! blocking_recv {
    ($got:expr => $($rx:ty),*) => {$(
        impl BlockingRecv for $rx {
            #[inline]
            fn recv_blocking(&mut self) -> Option<u64> {
                $got(self.recv())
            }
        }
    )*};
}

blocking_send!(
    crossbeam_channel::Sender<u64>,
    flume::Sender<u64>,
    kanal::Sender<u64>,
    std::sync::mpsc::SyncSender<u64>,
    thingbuf::mpsc::blocking::Sender<u64>
);
blocking_recv!(Result::ok =>
    crossbeam_channel::Receiver<u64>,
    flume::Receiver<u64>,
    kanal::Receiver<u64>,
    std::sync::mpsc::Receiver<u64>
);
blocking_recv!(std::convert::identity => thingbuf::mpsc::blocking::Receiver<u64>);

/// Sends `0..k` with blocking sends.
pub fn send_all(mut tx: impl BlockingSend, k: u64) {
    for i in 0..k {
        tx.send_blocking(i);
    }
}

/// Receives until the channel is closed and drained; returns how many.
pub fn recv_all(mut rx: impl BlockingRecv) -> u64 {
    let mut got = 0;
    while let Some(v) = rx.recv_blocking() {
        black_box(v);
        got += 1;
    }
    got
}
