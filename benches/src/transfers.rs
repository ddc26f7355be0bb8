//! The two halves of a transfer for each implementation, spinning on the
//! non-blocking calls: shared by the criterion benches and the paired-trials
//! binary, so that both time exactly the same loops.

use crate::spin_until;
use ringweir::{TryRecvError, TrySendError};
use std::hint::black_box;

/// Sends `0..n` through a ringweir SPSC producer, spinning while full.
pub fn ringweir_send(tx: &mut ringweir::spsc::Producer<u64>, n: u64) {
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

/// Receives `n` values from a ringweir SPSC consumer, spinning while empty.
pub fn ringweir_recv(rx: &mut ringweir::spsc::Consumer<u64>, n: u64) {
    for _ in 0..n {
        black_box(spin_until(|| rx.try_recv().ok()));
    }
}

/// Receives through `try_recv` until every producer is gone; returns how
/// many values arrived (for rings that may evict or drop).
pub fn ringweir_drain(mut try_recv: impl FnMut() -> Result<u64, TryRecvError>) -> u64 {
    let mut got = 0;
    loop {
        match try_recv() {
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
