//! Single-threaded differential harness: a ring against a `VecDeque` model.
//!
//! Input layout (each field one byte; an exhausted input reads as zeros):
//!
//! | byte | meaning |
//! |---|---|
//! | 0 | capacity `1 + b % 16` (the SPSC ring's blocks hold 7: up to two full ones and a part) |
//! | 1 | overflow `b % 3`: Block, DropNewest, DropOldest |
//! | 2 | producer wait `b % 4`: Spin, Yield, Park, Poll(20 µs) (see [`WAITS`]) |
//! | 3 | consumer wait `b % 4`, as byte 2 |
//! | 4 | watermarks: `b & 0x80 == 0` keeps the defaults; else `high = (b & 0x7f) % (cap + 1)` and byte 5 gives `low = b % (high + 1)` |
//! | ... | operations: an opcode byte `b % 16` (see [`Op`]) and its arguments |
//!
//! A blocking operation is never issued when it would block: `send` on a
//! full open `Block` ring becomes `send_timeout(v, 0)`, `recv`/`recv_many`
//! on an empty open ring become their non-waiting siblings, and a
//! `Duration::MAX` timeout becomes zero.
//!
//! Two calls ride on bits the other rings ignore:
//! - `peek`: on rings with a sole taker (spsc and mpsc, `Block` or
//!   `DropNewest`), a single receive whose argument has bit `0x40` set peeks
//!   first, and must see the model's front (there is one consumer handle, so
//!   the argument picks nothing).
//! - `send_slice`: the producer-side query 6 (once a second spelling of the
//!   pressure query) sends a slice of `1 + (arg >> 5) % 4` fresh values,
//!   checked against the model value by value, `Lost(n)` included; where
//!   `send_slice` would wait (a `Block` ring without room for all) it is a
//!   `try_send_slice`.

use crate::dispatch::{self, dispatch, Handles, Harness, Policy, Shape};
use crate::{byte, with_clones, DropLog, Tok, WAITS};
use arbitrary::Unstructured;
use ringweir::{
    Builder, Consumer, Overflow, Pressure, Producer, RecvTimeoutError, SendError, SendTimeoutError,
    TryRecvError, TrySendError,
};
use std::collections::VecDeque;
use std::sync::Arc;
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
    overflow: Policy,
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
            Policy::Block => SendOutcome::Timeout(id),
            Policy::DropNewest => {
                self.dropped += 1;
                SendOutcome::Dropped(id)
            }
            Policy::DropOldest => {
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

    /// Whether a `send_slice` of `n` would wait.
    fn send_slice_would_wait(&self, n: usize) -> bool {
        self.consumers > 0 && self.overflow == Policy::Block && self.capacity - self.queue.len() < n
    }

    /// Whether a send without a timeout would wait.
    fn send_would_wait(&self) -> bool {
        self.consumers > 0 && self.full() && self.overflow == Policy::Block
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

/// What a send by the policy of `K` did, in the model's terms.
fn sent_outcome<K: Handles>(
    r: Result<<K::Policy as Overflow>::Sent<Tok>, SendTimeoutError<Tok>>,
) -> SendOutcome {
    match r {
        Ok(sent) => match (K::Policy::returned(sent), dispatch::policy::<K>()) {
            (None, _) => SendOutcome::Queued,
            (Some(v), Policy::DropNewest) => SendOutcome::Dropped(v.id),
            (Some(v), Policy::DropOldest) => SendOutcome::Evicted(v.id),
            (Some(v), Policy::Block) => panic!("a Block send handed back {v:?}"),
        },
        Err(SendTimeoutError::Timeout(v)) => SendOutcome::Timeout(v.id),
        Err(SendTimeoutError::Closed(v)) => SendOutcome::Closed(v.id),
    }
}

fn ids(values: Vec<Tok>) -> Vec<u32> {
    values.iter().map(|v| v.id).collect()
}

/// Decodes `data` and runs it against a ring of topology `shape` (the
/// policy is the input's byte 1) and the model.
pub fn run(shape: Shape, data: &[u8]) {
    let mut u = Unstructured::new(data);
    let capacity = 1 + (byte(&mut u) % 16) as usize;
    let policy = byte(&mut u);
    dispatch(
        shape,
        policy,
        Run {
            u,
            capacity,
            input_len: data.len(),
        },
    );
}

/// The rest of an input, once capacity and policy are read.
struct Run<'a> {
    u: Unstructured<'a>,
    capacity: usize,
    input_len: usize,
}

impl Harness for Run<'_> {
    fn run<K: Handles>(self) {
        run_on::<K>(self.u, self.capacity, self.input_len);
    }
}

fn run_on<K: Handles>(mut u: Unstructured<'_>, capacity: usize, input_len: usize) {
    let overflow = dispatch::policy::<K>();
    let producer_wait = WAITS[(byte(&mut u) % 4) as usize];
    let consumer_wait = WAITS[(byte(&mut u) % 4) as usize];
    let marks = byte(&mut u);
    let mut builder = Builder::new(capacity)
        .overflow(K::Policy::default())
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
    let (tx, rx) = builder
        .build::<Tok, K>()
        .expect("a valid configuration builds");
    // Sends take two input bytes per id, slice receives three per five, a
    // slice send two per twelve (four values, each cloned at most twice).
    let log = DropLog::new(input_len * 6 + 1);
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
    let mut txs: Vec<Producer<Tok, K>> = vec![tx];
    // Each consumer with the `evicted` count it last reported lag at.
    let mut rxs: Vec<(Consumer<Tok, K>, u64)> = vec![(rx, 0)];
    let name = dispatch::name::<K>();
    let ctx = |op: Op| {
        format!(
            "{name} cap {capacity} waits {producer_wait:?}/{consumer_wait:?} marks ({high}, {low}) op {op:?}"
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
                    assert_eq!(sent_outcome::<K>(got), model.send(id), "{why}");
                }
            }
            Op::TryRecv | Op::Recv | Op::RecvTimeoutZero | Op::RecvTimeoutMax => {
                if rxs.is_empty() {
                    continue;
                }
                let pick = arg as usize % rxs.len();
                let rx = &mut rxs[pick].0;
                if arg & 0x40 != 0 {
                    // Only a sole taker peeks, and then `rxs.len() == 1`.
                    if let Some(front) = K::peek(rx) {
                        let front = front.map(|v| v.id);
                        assert_eq!(front, model.queue.front().copied(), "{why}: peek");
                    }
                }
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
                    Op::Iter if take == usize::MAX => ids(rx.iter().collect()),
                    Op::Iter => ids(rx.try_iter().take(max).collect()),
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
            Op::Query => match query_side(&txs, &rxs, arg) {
                Some(pick) if (arg >> 2) & 0x7 == 6 => {
                    let n = 1 + ((arg >> 5) % 4) as usize;
                    let tx = &mut txs[pick];
                    send_slice(&mut model, tx, n, &mut next_id, &log, &why);
                }
                _ => query::<K>(&mut model, &mut txs, &mut rxs, arg, &why),
            },
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

/// Which handle a query asks: `Some(producer)` or `None` for a consumer.
/// The high bit picks the side (but never one with no handle left), the
/// rest the handle.
fn query_side<A, B>(txs: &[A], rxs: &[B], arg: u8) -> Option<usize> {
    let on_tx = arg & 0x80 == 0 && !txs.is_empty() || rxs.is_empty();
    on_tx.then(|| arg as usize % txs.len())
}

/// `send_slice` of `n` fresh values through `tx` (a `try_send_slice` where
/// it would wait), checked value by value against the model: which clone
/// of each value the ring took, what it handed back, `Lost(n)`.
fn send_slice<K: Handles>(
    model: &mut Model,
    tx: &mut Producer<Tok, K>,
    n: usize,
    next_id: &mut u32,
    log: &Arc<DropLog>,
    why: &str,
) {
    let first = *next_id;
    let originals: Vec<Tok> = (first..first + n as u32)
        .map(|id| Tok::new(id, log))
        .collect();
    let try_only = model.send_slice_would_wait(n);
    // A value may be cloned twice: once finding the ring full, once to go
    // by the policy.
    let clones = first + n as u32..first + 3 * n as u32;
    let done = with_clones(clones, || {
        if try_only {
            Err(tx.try_send_slice(&originals))
        } else {
            Ok(tx.send_slice(&originals).map(K::Policy::lost))
        }
    });
    drop(originals);
    *next_id = first + n as u32 + done.made.len() as u32;
    // The last clone of each value is the one sent (or refused); an earlier
    // one found the ring full and was dropped in the call.
    let mut last = vec![None::<u32>; n];
    let mut gone = Vec::new();
    for &(of, id) in &done.made {
        assert!(
            (first..first + n as u32).contains(&of),
            "{why}: slice send cloned {of}, not a value of its slice"
        );
        gone.extend(last[(of - first) as usize].replace(id));
    }
    let what = if try_only {
        "try_send_slice"
    } else {
        "send_slice"
    };
    let sent = |i: usize| {
        last[i].unwrap_or_else(|| panic!("{why}: {what} of {n}: value {i} never cloned"))
    };
    match done.result {
        Ok(got) if model.consumers == 0 => {
            assert_eq!(got, Err(SendError(0)), "{why}: send_slice when closed");
            gone.extend(last.iter().flatten());
        }
        Ok(got) => {
            let mut lost = 0;
            for i in 0..n {
                match model.send(sent(i)) {
                    SendOutcome::Queued => {}
                    SendOutcome::Dropped(id) | SendOutcome::Evicted(id) => {
                        lost += 1;
                        gone.push(id);
                    }
                    other => panic!("{why}: send_slice where the model says {other:?}"),
                }
            }
            assert_eq!(got, Ok(lost), "{why}: send_slice of {n}: Lost");
        }
        Err(got) => {
            // Only on an open `Block` ring without room for all.
            let room = model.capacity - model.queue.len();
            assert_eq!(got, Ok(room), "{why}: try_send_slice of {n}");
            for i in 0..room {
                assert_eq!(model.try_send(sent(i)), Ok(()), "{why}");
            }
            gone.extend(last[room..].iter().flatten());
        }
    }
    let mut dropped = done.dropped;
    dropped.sort_unstable();
    gone.sort_unstable();
    assert_eq!(
        dropped, gone,
        "{why}: {what} of {n}: values dropped in the call"
    );
}

fn query<K: Handles>(
    model: &mut Model,
    txs: &mut [Producer<Tok, K>],
    rxs: &mut [(Consumer<Tok, K>, u64)],
    arg: u8,
    why: &str,
) {
    let len = model.queue.len();
    let question = (arg >> 2) & 0x7;
    if let Some(pick) = query_side(txs, rxs, arg) {
        let tx = &txs[pick];
        match question {
            0 => assert_eq!(tx.len(), len, "{why}: len"),
            1 => assert_eq!(tx.is_empty(), len == 0, "{why}: is_empty"),
            2 => assert_eq!(tx.is_full(), len == model.capacity, "{why}: is_full"),
            3 => assert_eq!(tx.capacity(), model.capacity, "{why}: capacity"),
            4 => assert_eq!(tx.is_closed(), model.consumers == 0, "{why}: is_closed"),
            5 => assert_eq!(
                tx.pressure(),
                model.pressure(),
                "{why}: pressure at len {len}"
            ),
            6 => unreachable!("a slice send (see the module docs)"),
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
    let want = (
        m.sent,
        m.received,
        m.dropped,
        m.evicted,
        m.waits,
        m.discarded,
    );
    let got = (
        s.sent,
        s.received,
        s.dropped,
        s.evicted,
        s.waits,
        s.discarded,
    );
    assert_eq!(
        got, want,
        "{why}: stats (sent, received, dropped, evicted, waits, discarded)"
    );
    // Conservation: every value offered to a send that did not refuse it
    // (queued, or dropped by `DropNewest`) was received, evicted, dropped,
    // discarded at close, or is still queued.
    let offered = m.sent + m.dropped;
    let accounted = s.received + s.evicted + s.dropped + s.discarded + m.queue.len() as u64;
    assert_eq!(accounted, offered, "{why}: conservation {s:?}");
}
