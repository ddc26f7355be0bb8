//! Single-threaded differential harness: a ring against a `VecDeque` model.
//!
//! Input layout (each field one byte; an exhausted input reads as zeros):
//!
//! | byte | meaning |
//! |---|---|
//! | 0 | capacity `1 + b % 16` (the SPSC ring's blocks hold 7: up to two full ones and a part) |
//! | 1 | overflow `b % 3`: Block, DropNewest, DropOldest |
//! | 2 | wait `b % 3`: Spin, Yield, Park |
//! | 3 | watermarks: `b & 0x80 == 0` keeps the defaults; else `high = (b & 0x7f) % (cap + 1)` and byte 4 gives `low = b % (high + 1)` |
//! | ... | operations: an opcode byte `b % 16` (see [`Op`]) and its arguments |
//!
//! A blocking operation is never issued when it would block: `send` on a
//! full open `Block` ring becomes `send_timeout(v, 0)`, `recv`/`recv_many`
//! on an empty open ring become their non-waiting siblings, and a
//! `Duration::MAX` timeout becomes zero.

use crate::topology::{RxOps, Topology, TxOps};
use crate::{byte, DropLog, Tok, WAITS};
use arbitrary::Unstructured;
use ringweir::{
    Builder, Overflow, Pressure, RecvTimeoutError, SendTimeoutError, Sent, TryRecvError,
    TrySendError,
};
use std::collections::VecDeque;
use std::time::Duration;

/// The most handles of one side alive at once.
const MAX_HANDLES: usize = 4;

/// Opcodes (`byte % 16`).
#[derive(Clone, Copy, Debug)]
enum Op {
    Send,
    TrySend,
    SendTimeoutZero,
    SendTimeoutMax,
    TryRecv,
    Recv,
    RecvTimeoutZero,
    RecvTimeoutMax,
    RecvMany,
    TryRecvMany,
    Iter,
    DropTx,
    DropRx,
    CloneTx,
    CloneRx,
    Query,
}

const OPS: [Op; 16] = [
    Op::Send,
    Op::TrySend,
    Op::SendTimeoutZero,
    Op::SendTimeoutMax,
    Op::TryRecv,
    Op::Recv,
    Op::RecvTimeoutZero,
    Op::RecvTimeoutMax,
    Op::RecvMany,
    Op::TryRecvMany,
    Op::Iter,
    Op::DropTx,
    Op::DropRx,
    Op::CloneTx,
    Op::CloneRx,
    Op::Query,
];

/// The reference: what the ring should hold and count.
struct Model {
    capacity: usize,
    overflow: Overflow,
    high: usize,
    low: usize,
    queue: VecDeque<u32>,
    sent: u64,
    received: u64,
    dropped: u64,
    evicted: u64,
    waits: u64,
    discarded: u64,
    /// The shared pressure state (only `pressure()` updates it).
    pressure_high: bool,
    producers: usize,
    consumers: usize,
}

/// What a send should do.
#[derive(Debug, PartialEq, Eq)]
enum SendOutcome {
    Queued,
    Dropped(u32),
    Evicted(u32),
    Timeout(u32),
    Closed(u32),
}

impl Model {
    fn full(&self) -> bool {
        self.queue.len() == self.capacity
    }

    /// A send that may not wait (a `Block` ring that is full times out).
    fn send(&mut self, id: u32) -> SendOutcome {
        if self.consumers == 0 {
            return SendOutcome::Closed(id);
        }
        if !self.full() {
            self.queue.push_back(id);
            self.sent += 1;
            return SendOutcome::Queued;
        }
        match self.overflow {
            // A zero timeout tries once and does not count as a wait (the
            // harness never waits, so `waits` stays 0).
            Overflow::Block => SendOutcome::Timeout(id),
            Overflow::DropNewest => {
                self.dropped += 1;
                SendOutcome::Dropped(id)
            }
            Overflow::DropOldest => {
                let old = self.queue.pop_front().unwrap();
                self.queue.push_back(id);
                self.sent += 1;
                self.evicted += 1;
                SendOutcome::Evicted(old)
            }
        }
    }

    /// `try_send`: never waits, never evicts, counts nothing when refused.
    fn try_send(&mut self, id: u32) -> Result<(), TrySendError<u32>> {
        if self.consumers == 0 {
            return Err(TrySendError::Closed(id));
        }
        if self.full() {
            return Err(TrySendError::Full(id));
        }
        self.queue.push_back(id);
        self.sent += 1;
        Ok(())
    }

    fn try_recv(&mut self) -> Result<u32, TryRecvError> {
        match self.queue.pop_front() {
            Some(id) => {
                self.received += 1;
                Ok(id)
            }
            None if self.producers == 0 => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Whether a receive would wait.
    fn recv_would_wait(&self) -> bool {
        self.queue.is_empty() && self.producers > 0
    }

    /// Whether a send without a timeout would wait.
    fn send_would_wait(&self) -> bool {
        self.consumers > 0 && self.full() && self.overflow == Overflow::Block
    }

    fn pressure(&mut self) -> Pressure {
        let len = self.queue.len();
        self.pressure_high = if self.pressure_high {
            // Leaves High at the low mark, but not while still at the high
            // one (with `low == high` it would flip on every call).
            !(len <= self.low && len < self.high)
        } else {
            len >= self.high
        };
        if self.pressure_high {
            Pressure::High
        } else {
            Pressure::Normal
        }
    }
}

fn sent_outcome(r: Result<Sent<Tok>, SendTimeoutError<Tok>>) -> SendOutcome {
    match r {
        Ok(Sent::Queued) => SendOutcome::Queued,
        Ok(Sent::Dropped(v)) => SendOutcome::Dropped(v.id),
        Ok(Sent::Evicted(v)) => SendOutcome::Evicted(v.id),
        Err(SendTimeoutError::Timeout(v)) => SendOutcome::Timeout(v.id),
        Err(SendTimeoutError::Closed(v)) => SendOutcome::Closed(v.id),
    }
}

fn ids(values: Vec<Tok>) -> Vec<u32> {
    values.iter().map(|v| v.id).collect()
}

/// Decodes `data` and runs it against ring topology `K` and the model.
pub fn run<K: Topology>(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let capacity = 1 + (byte(&mut u) % 16) as usize;
    let overflow =
        [Overflow::Block, Overflow::DropNewest, Overflow::DropOldest][(byte(&mut u) % 3) as usize];
    let producer_wait = WAITS[(byte(&mut u) % 4) as usize];
    let consumer_wait = WAITS[(byte(&mut u) % 4) as usize];
    let marks = byte(&mut u);
    let mut builder = Builder::new(capacity)
        .overflow(overflow)
        .producer_wait(producer_wait)
        .consumer_wait(consumer_wait);
    let (high, low) = if marks & 0x80 == 0 {
        (capacity - capacity / 4, capacity / 4)
    } else {
        let high = (marks & 0x7f) as usize % (capacity + 1);
        let low = byte(&mut u) as usize % (high + 1);
        builder = builder.watermarks(high, low);
        (high, low)
    };
    let (tx, rx) = K::build::<Tok>(builder).expect("a valid configuration builds");
    // Sends take two input bytes per id, slice receives three per five.
    let log = DropLog::new(data.len() * 2 + 1);
    let mut next_id = 0u32;
    let mut model = Model {
        capacity,
        overflow,
        high,
        low,
        queue: VecDeque::new(),
        sent: 0,
        received: 0,
        dropped: 0,
        evicted: 0,
        waits: 0,
        discarded: 0,
        pressure_high: false,
        producers: 1,
        consumers: 1,
    };
    let mut txs: Vec<K::Tx<Tok>> = vec![tx];
    // Each consumer with the `evicted` count it last reported lag at.
    let mut rxs: Vec<(K::Rx<Tok>, u64)> = vec![(rx, 0)];
    let ctx = |op: Op| {
        format!(
            "{} cap {capacity} {overflow:?} waits {producer_wait:?}/{consumer_wait:?} marks ({high}, {low}) op {op:?}",
            K::NAME
        )
    };

    while !u.is_empty() && (!txs.is_empty() || !rxs.is_empty()) {
        let op = OPS[(byte(&mut u) % 16) as usize];
        let arg = byte(&mut u);
        let why = ctx(op);
        match op {
            Op::Send | Op::SendTimeoutZero | Op::SendTimeoutMax | Op::TrySend => {
                if txs.is_empty() {
                    continue;
                }
                let pick = arg as usize % txs.len();
                let tx = &mut txs[pick];
                let id = next_id;
                next_id += 1;
                let value = Tok::new(id, &log);
                if let Op::TrySend = op {
                    let got = tx.try_send(value).map_err(|e| match e {
                        TrySendError::Full(v) => TrySendError::Full(v.id),
                        TrySendError::Closed(v) => TrySendError::Closed(v.id),
                    });
                    assert_eq!(got, model.try_send(id), "{why}");
                } else {
                    let got = match op {
                        // `send` and an endless timeout only where they
                        // cannot wait.
                        Op::Send if !model.send_would_wait() => tx
                            .send(value)
                            .map_err(|e| SendTimeoutError::Closed(e.into_inner())),
                        Op::SendTimeoutMax if !model.send_would_wait() => {
                            tx.send_timeout(value, Duration::MAX)
                        }
                        _ => tx.send_timeout(value, Duration::ZERO),
                    };
                    assert_eq!(sent_outcome(got), model.send(id), "{why}");
                }
            }
            Op::TryRecv | Op::Recv | Op::RecvTimeoutZero | Op::RecvTimeoutMax => {
                if rxs.is_empty() {
                    continue;
                }
                let pick = arg as usize % rxs.len();
                let rx = &mut rxs[pick].0;
                let waits = model.recv_would_wait();
                let expected = model.try_recv();
                match op {
                    Op::Recv if !waits => {
                        let got = rx.recv().map(|v| v.id).map_err(|_| TryRecvError::Closed);
                        assert_eq!(got, expected, "{why}");
                    }
                    Op::RecvTimeoutMax if !waits => {
                        let got = rx.recv_timeout(Duration::MAX).map(|v| v.id);
                        let expected = expected.map_err(|_| RecvTimeoutError::Closed);
                        assert_eq!(got, expected, "{why}");
                    }
                    Op::TryRecv => {
                        assert_eq!(rx.try_recv().map(|v| v.id), expected, "{why}");
                    }
                    _ => {
                        let got = rx.recv_timeout(Duration::ZERO).map(|v| v.id);
                        let expected = expected.map_err(|e| match e {
                            TryRecvError::Empty => RecvTimeoutError::Timeout,
                            TryRecvError::Closed => RecvTimeoutError::Closed,
                        });
                        assert_eq!(got, expected, "{why}");
                    }
                }
            }
            Op::RecvMany | Op::TryRecvMany | Op::Iter => {
                if rxs.is_empty() {
                    continue;
                }
                let pick = arg as usize % rxs.len();
                let max = (byte(&mut u) % 6) as usize;
                let rx = &mut rxs[pick].0;
                let waits = model.recv_would_wait();
                let take = if let (Op::RecvMany, 0) = (op, max) {
                    0
                } else if let (Op::Iter, 5, false) = (op, max, model.producers > 0) {
                    usize::MAX // `iter()` to the end: the ring is closed
                } else {
                    max.min(model.queue.len())
                };
                let expected: Vec<u32> = (0..take.min(model.queue.len()))
                    .map(|_| model.try_recv().unwrap())
                    .collect();
                let mut buf = Vec::new();
                let got = match op {
                    Op::RecvMany if !waits => {
                        let n = rx.recv_many(&mut buf, max);
                        assert_eq!(n, buf.len(), "{why}");
                        ids(buf)
                    }
                    Op::Iter if take == usize::MAX => ids(rx.iter_all()),
                    Op::Iter => ids(rx.try_iter_take(max)),
                    // `try_recv_slice` into `max` fresh placeholders: the
                    // ones it replaces are dropped at once (the drop log
                    // checks once), the rest when `out` goes.
                    Op::TryRecvMany if arg & 0x80 != 0 => {
                        let mut out: Vec<Tok> = (0..max)
                            .map(|_| {
                                next_id += 1;
                                Tok::new(next_id - 1, &log)
                            })
                            .collect();
                        let first = next_id as usize - max;
                        let n = rx.try_recv_slice(&mut out);
                        for id in first..first + n {
                            assert_eq!(log.count(id as u32), 1, "{why}: replaced once");
                        }
                        let mut out = ids(out);
                        out.truncate(n);
                        out
                    }
                    // `try_recv_in_place`: each value shown once, in runs of
                    // one or more, and dropped by the time the call returns.
                    Op::TryRecvMany if arg & 0x40 != 0 => {
                        let mut shown = Vec::new();
                        let n = rx.try_recv_in_place(max, |run| {
                            assert!(!run.is_empty(), "{why}: an empty run");
                            shown.extend(run.iter().map(|v| v.id));
                        });
                        assert_eq!(n, shown.len(), "{why}");
                        for &id in &shown {
                            assert_eq!(log.count(id), 1, "{why}: dropped in place once");
                        }
                        shown
                    }
                    _ => {
                        let n = rx.try_recv_many(&mut buf, max);
                        assert_eq!(n, buf.len(), "{why}");
                        ids(buf)
                    }
                };
                assert_eq!(got, expected, "{why}");
            }
            Op::DropTx => {
                if txs.is_empty() {
                    continue;
                }
                drop(txs.swap_remove(arg as usize % txs.len()));
                model.producers -= 1;
            }
            Op::DropRx => {
                if rxs.is_empty() {
                    continue;
                }
                drop(rxs.swap_remove(arg as usize % rxs.len()));
                model.consumers -= 1;
                if model.consumers == 0 {
                    // The last consumer drops what is queued, at once, and
                    // counts it as discarded (not received).
                    for id in model.queue.drain(..) {
                        assert_eq!(log.count(id), 1, "{why}: queued {id} dropped once at close");
                        model.discarded += 1;
                    }
                }
            }
            Op::CloneTx => {
                if txs.is_empty() || txs.len() >= MAX_HANDLES {
                    continue;
                }
                if let Some(tx) = K::clone_tx(&txs[arg as usize % txs.len()]) {
                    txs.push(tx);
                    model.producers += 1;
                }
            }
            Op::CloneRx => {
                if rxs.is_empty() || rxs.len() >= MAX_HANDLES {
                    continue;
                }
                let (rx, seen) = &rxs[arg as usize % rxs.len()];
                if let Some(rx) = K::clone_rx(rx) {
                    let seen = *seen;
                    rxs.push((rx, seen));
                    model.consumers += 1;
                }
            }
            Op::Query => query::<K>(&mut model, &mut txs, &mut rxs, arg, &why),
        }
        for &id in &model.queue {
            assert_eq!(log.count(id), 0, "{why}: queued value {id} was dropped");
        }
    }
    drop(txs);
    drop(rxs);
    for id in 0..next_id {
        assert_eq!(log.count(id), 1, "value {id} not dropped exactly once");
    }
}

fn query<K: Topology>(
    model: &mut Model,
    txs: &mut [K::Tx<Tok>],
    rxs: &mut [(K::Rx<Tok>, u64)],
    arg: u8,
    why: &str,
) {
    let len = model.queue.len();
    // The high bit picks the side, the rest the handle and the question.
    let on_tx = arg & 0x80 == 0 && !txs.is_empty() || rxs.is_empty();
    let question = (arg >> 2) & 0x7;
    if on_tx {
        let tx = &txs[arg as usize % txs.len()];
        match question {
            0 => assert_eq!(tx.len(), len, "{why}: len"),
            1 => assert_eq!(tx.is_empty(), len == 0, "{why}: is_empty"),
            2 => assert_eq!(tx.is_full(), len == model.capacity, "{why}: is_full"),
            3 => assert_eq!(tx.capacity(), model.capacity, "{why}: capacity"),
            4 => assert_eq!(tx.is_closed(), model.consumers == 0, "{why}: is_closed"),
            5 | 6 => assert_eq!(
                tx.pressure(),
                model.pressure(),
                "{why}: pressure at len {len}"
            ),
            _ => check_stats(tx.stats(), model, why),
        }
    } else {
        let (rx, seen) = &mut rxs[arg as usize % rxs.len()];
        match question {
            0 => assert_eq!(rx.len(), len, "{why}: len"),
            1 => assert_eq!(rx.is_empty(), len == 0, "{why}: is_empty"),
            2 => {
                assert_eq!(rx.lagged(), model.evicted - *seen, "{why}: lagged");
                *seen = model.evicted;
            }
            3 => assert_eq!(rx.capacity(), model.capacity, "{why}: capacity"),
            4 => assert_eq!(rx.is_closed(), model.producers == 0, "{why}: is_closed"),
            5 | 6 => assert_eq!(
                rx.pressure(),
                model.pressure(),
                "{why}: pressure at len {len}"
            ),
            _ => check_stats(rx.stats(), model, why),
        }
    }
}

fn check_stats(s: ringweir::Stats, m: &Model, why: &str) {
    let want = (m.sent, m.received, m.dropped, m.evicted, m.waits);
    let got = (s.sent, s.received, s.dropped, s.evicted, s.waits);
    assert_eq!(
        got, want,
        "{why}: stats (sent, received, dropped, evicted, waits)"
    );
}
