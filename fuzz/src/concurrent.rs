//! Real threads on a small ring, checked by conservation and drop counts.
//!
//! Input layout (one byte each; an exhausted input reads as zeros):
//!
//! | byte | meaning |
//! |---|---|
//! | 0 | topology `b % 3`: spsc, mpsc, mpmc |
//! | 1 | overflow `b % 3`: Block, DropNewest, DropOldest |
//! | 2 | wait `b % 3`: Spin, Yield, Park |
//! | 3 | capacity `1 + b % 4` |
//! | 4 | threads: spsc has one producer and one consumer; mpsc `1 + b % 2` producers and one consumer; mpmc `2 + b % 2` threads |
//! | 5 | mpmc only: bit `i` set makes thread `i` a consumer |
//! | ... | per thread: an op count `b % 25`, then that many ops (opcode byte and, for some, an argument byte) |
//!
//! Every thread drops its handle when its ops run out, so a thread blocked
//! in `send` (ring full) or `recv` (ring empty) is always released: by the
//! other side making progress or by the last handle of the other side
//! going. A lost wake-up shows up as a hang, which libFuzzer's `-timeout`
//! reports.
//!
//! Checks, once every thread is joined and the ring is gone:
//! - each value was received, handed back (dropped, evicted, refused by a
//!   full `try_send`, timed out, refused after close) or dropped by the
//!   ring, exactly one of these;
//! - what consumers received or producers got back as evicted entered the
//!   ring; nothing else did (conservation: `sent == received + handed back +
//!   refused-after-close + dropped-in-ring`);
//! - every value was dropped exactly once ([`Tok`] counts its drops);
//! - each consumer saw each producer's values in the order they were sent;
//! - `Closed` is final for a consumer; a refused send leaves `is_closed()`;
//! - each consumer's `lagged()` total is at most the evictions.

use crate::topology::{Mpmc, Mpsc, RxOps, Spsc, Topology, TxOps};
use crate::{byte, DropLog, Tok};
use arbitrary::Unstructured;
use ringweir::{
    Builder, Overflow, RecvTimeoutError, SendTimeoutError, Sent, TryRecvError, TrySendError, Wait,
};
use std::thread;
use std::time::Duration;

/// Sequence numbers per producer thread (at most 24 ops of 16 values).
const MAX_SEQ: u32 = 512;
const MAX_THREADS: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Producer,
    Consumer,
}

/// What one producer thread saw.
#[derive(Default)]
struct ProducerReport {
    /// Thread index (the high part of each value id).
    p: u32,
    created: u32,
    /// Values that entered the ring (`Queued`, or queued with an eviction).
    entered: Vec<u32>,
    /// Own values handed back while the ring was open: `Dropped`, a full
    /// `try_send`, a `Timeout`.
    handed: Vec<u32>,
    /// Values of any producer pushed out by this thread's `DropOldest` sends.
    evicted: Vec<u32>,
    /// Own values refused because every consumer was gone.
    refused: Vec<u32>,
}

/// What one consumer thread saw.
#[derive(Default)]
struct ConsumerReport {
    received: Vec<u32>,
    lagged: u64,
}

struct Setup {
    overflow: Overflow,
    capacity: usize,
}

/// Decodes `data` and runs it.
pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    match byte(&mut u) % 3 {
        0 => run_on::<Spsc>(&mut u),
        1 => run_on::<Mpsc>(&mut u),
        _ => run_on::<Mpmc>(&mut u),
    }
}

fn run_on<K: Topology>(u: &mut Unstructured<'_>) {
    let overflow =
        [Overflow::Block, Overflow::DropNewest, Overflow::DropOldest][(byte(u) % 3) as usize];
    let wait = [Wait::Spin, Wait::Yield, Wait::Park][(byte(u) % 3) as usize];
    let capacity = 1 + (byte(u) % 4) as usize;
    let shape = byte(u);
    let roles: Vec<Role> = if !K::MULTI_PRODUCER {
        vec![Role::Producer, Role::Consumer]
    } else if !K::MULTI_CONSUMER {
        let mut r = vec![Role::Producer; 1 + (shape % 2) as usize];
        r.push(Role::Consumer);
        r
    } else {
        let bits = byte(u);
        (0..2 + (shape % 2) as usize)
            .map(|i| {
                if bits >> i & 1 == 1 {
                    Role::Consumer
                } else {
                    Role::Producer
                }
            })
            .collect()
    };
    let scripts: Vec<Vec<u8>> = roles
        .iter()
        .map(|_| {
            let n = (byte(u) % 25) as usize;
            (0..2 * n).map(|_| byte(u)).collect()
        })
        .collect();

    let (tx, rx) = K::build::<Tok>(Builder::new(capacity).overflow(overflow).wait(wait))
        .expect("valid configuration");
    let log = DropLog::new(MAX_THREADS * MAX_SEQ as usize);
    let setup = Setup { overflow, capacity };
    let why = format!(
        "{} cap {capacity} {overflow:?} {wait:?} roles {roles:?}",
        K::NAME
    );

    // Hand out handles: the first of each role gets the original, the rest
    // clones; a role nobody takes is dropped at once (closing that side).
    let mut tx = Some(tx);
    let mut rx = Some(rx);
    let mut producer_reports = Vec::new();
    let mut consumer_reports = Vec::new();
    thread::scope(|s| {
        let mut producers = Vec::new();
        let mut consumers = Vec::new();
        let last_producer = roles.iter().rposition(|r| *r == Role::Producer);
        let last_consumer = roles.iter().rposition(|r| *r == Role::Consumer);
        for (i, (role, script)) in roles.iter().zip(&scripts).enumerate() {
            match role {
                Role::Producer => {
                    let handle = if Some(i) == last_producer {
                        tx.take().unwrap()
                    } else {
                        K::clone_tx(tx.as_ref().unwrap()).unwrap()
                    };
                    let (log, setup, why) = (&log, &setup, &why);
                    producers.push(
                        s.spawn(move || producer::<K>(handle, i as u32, script, log, setup, why)),
                    );
                }
                Role::Consumer => {
                    let handle = if Some(i) == last_consumer {
                        rx.take().unwrap()
                    } else {
                        K::clone_rx(rx.as_ref().unwrap()).unwrap()
                    };
                    let (setup, why) = (&setup, &why);
                    consumers.push(s.spawn(move || consumer::<K>(handle, script, setup, why)));
                }
            }
        }
        drop(tx.take());
        drop(rx.take());
        for p in producers {
            producer_reports.push(p.join().unwrap());
        }
        for c in consumers {
            consumer_reports.push(c.join().unwrap());
        }
    });

    // Every handle is gone, so is the ring: classify every value.
    const UNSEEN: u8 = 0;
    let mut class = vec![UNSEEN; log.len()];
    let mut entered = vec![false; log.len()];
    let mut mark = |id: u32, c: u8, what: &str| {
        let slot = &mut class[id as usize];
        assert_eq!(
            *slot, UNSEEN,
            "{why}: value {id} {what}, but also class {slot}"
        );
        *slot = c;
    };
    let total_evicted: usize = producer_reports.iter().map(|r| r.evicted.len()).sum();
    for r in &producer_reports {
        for &id in &r.entered {
            entered[id as usize] = true;
        }
        for &id in &r.handed {
            mark(id, 1, "handed back");
        }
        for &id in &r.refused {
            mark(id, 2, "refused after close");
        }
        for &id in &r.evicted {
            mark(id, 3, "evicted");
        }
    }
    for r in &consumer_reports {
        for &id in &r.received {
            mark(id, 4, "received");
        }
        assert!(
            r.lagged <= total_evicted as u64,
            "{why}: lagged {} > evicted {total_evicted}",
            r.lagged
        );
    }
    let (mut created, mut in_ring, mut received) = (0usize, 0usize, 0usize);
    let mut handed = 0usize;
    let mut created_by = [0u32; MAX_THREADS];
    for r in &producer_reports {
        created_by[r.p as usize] = r.created;
        created += r.created as usize;
        handed += r.handed.len() + r.refused.len() + r.evicted.len();
    }
    for r in &consumer_reports {
        received += r.received.len();
    }
    for (id, (&c, &e)) in class.iter().zip(&entered).enumerate() {
        let id = id as u32;
        match c {
            3 | 4 => assert!(
                e,
                "{why}: value {id} was received or evicted but never entered"
            ),
            1 | 2 => assert!(!e, "{why}: value {id} entered but was also handed back"),
            _ if e => in_ring += 1, // entered, never taken: the ring dropped it
            _ => {}
        }
        let drops = log.count(id);
        let p = (id / MAX_SEQ) as usize;
        if id % MAX_SEQ < created_by[p] {
            assert_eq!(drops, 1, "{why}: value {id} dropped {drops} times");
        } else {
            assert_eq!(drops, 0, "{why}: value {id} never existed");
        }
    }
    assert_eq!(
        created,
        received + handed + in_ring,
        "{why}: conservation: sent = received + handed back + dropped in the ring"
    );
}

fn producer<K: Topology>(
    mut tx: K::Tx<Tok>,
    p: u32,
    script: &[u8],
    log: &std::sync::Arc<DropLog>,
    setup: &Setup,
    why: &str,
) -> ProducerReport {
    let mut r = ProducerReport {
        p,
        ..ProducerReport::default()
    };
    let mut clone: Option<K::Tx<Tok>> = None;
    let send_one = |tx: &mut K::Tx<Tok>, r: &mut ProducerReport, how: u8| {
        let id = p * MAX_SEQ + r.created;
        r.created += 1;
        let value = Tok::new(id, log);
        let outcome = match how {
            0 => tx
                .send(value)
                .map_err(|e| SendTimeoutError::Closed(e.into_inner())),
            1 => match tx.try_send(value) {
                Ok(()) => Ok(Sent::Queued),
                Err(TrySendError::Full(v)) => Err(SendTimeoutError::Timeout(v)),
                Err(TrySendError::Closed(v)) => Err(SendTimeoutError::Closed(v)),
            },
            2 => tx.send_timeout(value, Duration::ZERO),
            _ => tx.send_timeout(value, Duration::from_micros(50)),
        };
        match outcome {
            Ok(Sent::Queued) => r.entered.push(id),
            Ok(Sent::Dropped(v)) => {
                assert_eq!(setup.overflow, Overflow::DropNewest, "{why}: Dropped");
                assert_eq!(v.id, id, "{why}: Dropped hands back the value sent");
                r.handed.push(id);
            }
            Ok(Sent::Evicted(v)) => {
                assert_eq!(setup.overflow, Overflow::DropOldest, "{why}: Evicted");
                assert_ne!(v.id, id, "{why}: evicted the value just sent");
                r.entered.push(id);
                r.evicted.push(v.id);
            }
            Err(SendTimeoutError::Timeout(v)) => {
                // A full `try_send` (any policy) or a timed-out `Block` send.
                assert!(
                    how == 1 || setup.overflow == Overflow::Block,
                    "{why}: Timeout"
                );
                assert_eq!(v.id, id, "{why}: Timeout hands back the value sent");
                r.handed.push(id);
            }
            Err(SendTimeoutError::Closed(v)) => {
                assert_eq!(v.id, id, "{why}: Closed hands back the value sent");
                assert!(tx.is_closed(), "{why}: refused, so closed");
                r.refused.push(id);
            }
        }
    };
    for op in script.chunks(2) {
        let (code, arg) = (op[0], op[1]);
        match code % 8 {
            0..=3 => send_one(&mut tx, &mut r, code % 4),
            4 => {
                for _ in 0..1 + arg % 16 {
                    send_one(&mut tx, &mut r, 0);
                }
            }
            5 => thread::yield_now(),
            6 => {
                assert!(tx.len() <= setup.capacity, "{why}: len");
                let _ = tx.pressure();
                let s = tx.stats();
                assert!(s.received + s.evicted <= s.sent, "{why}: stats {s:?}");
            }
            _ => match K::clone_tx(&tx) {
                // A second handle on the same thread: its values still
                // follow this thread's earlier ones.
                Some(c) => {
                    let mut c = clone.take().unwrap_or(c);
                    send_one(&mut c, &mut r, arg % 4);
                    if arg & 0x80 != 0 {
                        clone = Some(c);
                    }
                }
                None => send_one(&mut tx, &mut r, arg % 4),
            },
        }
    }
    drop(clone);
    drop(tx);
    r
}

fn consumer<K: Topology>(
    mut rx: K::Rx<Tok>,
    script: &[u8],
    setup: &Setup,
    why: &str,
) -> ConsumerReport {
    let mut r = ConsumerReport::default();
    let mut last_seq = [None::<u32>; MAX_THREADS];
    let mut closed = false;
    let mut take = |r: &mut ConsumerReport, values: Vec<Tok>, closed: bool| {
        assert!(!closed || values.is_empty(), "{why}: a value after Closed");
        for v in values {
            let (p, seq) = ((v.id / MAX_SEQ) as usize, v.id % MAX_SEQ);
            assert!(
                last_seq[p] < Some(seq),
                "{why}: producer {p}: {seq} after {:?}",
                last_seq[p]
            );
            last_seq[p] = Some(seq);
            r.received.push(v.id);
        }
    };
    for op in script.chunks(2) {
        let (code, arg) = (op[0], op[1]);
        let mut buf = Vec::new();
        match code % 11 {
            0 => match rx.recv() {
                Ok(v) => take(&mut r, vec![v], closed),
                Err(_) => closed = true,
            },
            1 => match rx.try_recv() {
                Ok(v) => take(&mut r, vec![v], closed),
                Err(TryRecvError::Closed) => closed = true,
                Err(TryRecvError::Empty) => assert!(!closed, "{why}: Empty after Closed"),
            },
            2 | 3 => {
                let d = if code % 11 == 2 {
                    Duration::ZERO
                } else {
                    Duration::from_micros(100)
                };
                match rx.recv_timeout(d) {
                    Ok(v) => take(&mut r, vec![v], closed),
                    Err(RecvTimeoutError::Closed) => closed = true,
                    Err(RecvTimeoutError::Timeout) => {
                        assert!(!closed, "{why}: Timeout after Closed")
                    }
                }
            }
            4 => {
                let max = 1 + (arg % 4) as usize;
                let n = rx.recv_many(&mut buf, max);
                assert!(n <= max && n == buf.len(), "{why}: recv_many {n} of {max}");
                take(&mut r, buf, closed);
                if n == 0 {
                    closed = true;
                }
            }
            5 => {
                let max = (arg % 5) as usize;
                let n = rx.try_recv_many(&mut buf, max);
                assert!(
                    n <= max && n == buf.len(),
                    "{why}: try_recv_many {n} of {max}"
                );
                take(&mut r, buf, closed);
            }
            6 => {
                let got = rx.try_iter_take((arg % 5) as usize);
                take(&mut r, got, closed);
            }
            7 => r.lagged += rx.lagged(),
            8 => {
                thread::yield_now();
                assert!(rx.len() <= setup.capacity, "{why}: len");
            }
            9 => {
                // A second consumer handle on this thread, used once.
                let got = match K::clone_rx(&rx) {
                    Some(mut c) => c.try_recv(),
                    None => rx.try_recv(),
                };
                if let Ok(v) = got {
                    take(&mut r, vec![v], closed);
                }
            }
            _ => {
                let got = rx.iter_all();
                take(&mut r, got, closed);
                closed = true;
            }
        }
    }
    drop(rx);
    r
}
