//! Real threads on a small ring, checked by conservation and drop counts.
//!
//! Input layout (one byte each; an exhausted input reads as zeros):
//!
//! | byte | meaning |
//! |---|---|
//! | 0 | topology `b % 3`: spsc, mpsc, mpmc |
//! | 1 | overflow `b % 3`: Block, DropNewest, DropOldest |
//! | 2 | producer wait `b % 4`: Spin, Yield, Park, Poll(20 µs) (see [`WAITS`]) |
//! | 3 | consumer wait `b % 4`, as byte 2 |
//! | 4 | capacity `1 + b % 4`; bits 5 to 7: bit `4 + i` set makes thread `i` (1 to 3) share a handle (see "Shared handles") |
//! | 5 | threads: spsc has one producer and one consumer; mpsc `1 + b % 3` producers and one consumer; mpmc `2 + b % 3` threads |
//! | 6 | mpmc only: bit `i` set makes thread `i` a consumer |
//! | ... | per thread, in thread order: an op count `b % 25`, then that many ops of two bytes each, an opcode `c` and an argument `a` |
//!
//! Producer ops (`c % 11`), each sending fresh values:
//!
//! | op | does |
//! |---|---|
//! | 0 | `send` |
//! | 1 | `try_send` |
//! | 2 | `send_timeout(0)` |
//! | 3 | `send_timeout(50 µs)` |
//! | 4 | `1 + a % 16` times `send` |
//! | 5 | `a & 0x80`: sleep 100 µs, else `yield_now` |
//! | 6 | `len`, `pressure`, `stats` |
//! | 7 | on a second handle of this thread (a clone, kept if `a & 0x80`): op `a % 4`; spsc: on this one |
//! | 8 | `try_send_slice` of `1 + a % 8` values |
//! | 9 | `send_slice` of `1 + a % 8` values |
//! | 10 | poll (see below) until the ring is empty or closed |
//!
//! Consumer ops (`c % 15`):
//!
//! | op | does |
//! |---|---|
//! | 0 | `recv` |
//! | 1 | `try_recv` |
//! | 2 | `recv_timeout(0)` |
//! | 3 | `recv_timeout(100 µs)` |
//! | 4 | `recv_many` of at most `1 + a % 4` |
//! | 5 | `try_recv_many` of at most `a % 5` |
//! | 6 | `try_iter().take(a % 5)` |
//! | 7 | `lagged` |
//! | 8 | `a & 0x80`: sleep 100 µs, else `yield_now`; then `len` |
//! | 9 | `try_recv` on a second handle (mpmc: a clone), else on this one |
//! | 10 | `iter()` to the end (until closed and drained) |
//! | 11 | `try_recv_slice` into `a % 5` placeholders |
//! | 12 | `recv_slice` into `1 + a % 4` placeholders |
//! | 13 | `try_recv_in_place` of at most `a % 5` |
//! | 14 | poll (see below) until the ring is full or closed |
//!
//! Up to four threads let several wait on one side at once (say three
//! producers parked on a full ring), so that one batch call on the other
//! side must let each of them go on. The poll ops make a thread left asleep
//! beside free slots (or queued values) a hang: a consumer that polls for a
//! full ring takes nothing, so no later receive wakes a producer that the
//! batch before it failed to. A poll watches `len` and `is_closed` only,
//! sleeping 20 µs between looks, and also ends as soon as a thread of the
//! other side polls (two polls waiting on each other are no defect). It
//! ends on a sound ring: a producer waits in `send` only while the ring is
//! full, a consumer in `recv` only while it is empty, and every other op
//! ends.
//!
//! Shared handles: producer handles of mpsc and mpmc rings and consumer
//! handles of mpmc rings are `Sync`. On those, thread `i` (1 to 3) whose
//! bit `4 + i` of byte 4 is set (`0x20` thread 1, `0x40` thread 2, `0x80`
//! thread 3) holds no handle of its own: it shares, through an `Arc`, the
//! handle of the nearest earlier thread of its role (which may share one
//! further back, so one handle may serve up to four threads). The other
//! roles have one thread each (spsc's two, the mpsc consumer), so there
//! the bits select nothing. These bits were free (capacity reads bits 0
//! and 1 only) and clear in every seed written before, so those still run
//! as they did, each thread on a handle of its own. A sharing thread makes
//! the `&self` calls (single sends and receives, `iter`, `try_iter`,
//! `lagged`, the queries, the polls) through `&` on the shared handle,
//! several threads at once; the `&mut self` calls (the batch sends,
//! `recv_many`, `try_recv_many`, the slice receives, `try_recv_in_place`),
//! which a shared handle does not lend, go through a clone of it made for
//! the call and dropped after. A shared handle goes when the last of its
//! threads is done.
//!
//! Values: thread `i` sends ids `i * MAX_SEQ..`. Batch sends clone values
//! (see [`with_clones`]: each clone is a new value with the thread's next
//! id); the originals, and the placeholders a slice receive writes over, are
//! scratch values with ids from `SCRATCH` on, which must never enter the
//! ring. A batch send learns what became of each clone from what it cloned
//! and what was dropped on its thread during the call: a clone dropped there
//! found the ring full (`try_send_slice`, or a first try in `send_slice`),
//! was dropped by `DropNewest` or refused after close; any other value
//! dropped there was evicted by `DropOldest` (or, once every consumer is
//! gone, discarded as an orphan).
//!
//! Every thread drops its handle (its `Arc` of a shared one) when its ops
//! run out, so a thread blocked in `send` (ring full) or `recv` (ring
//! empty) is always released: by the other side making progress or by the
//! last handle of the other side going, once all its threads are done. A
//! lost wake-up shows up as a hang, which libFuzzer's `-timeout` reports.
//!
//! Checks, once every thread is joined and the ring is gone:
//! - each value was received, handed back (dropped, evicted, refused by a
//!   full `try_send`, timed out, refused after close) or dropped by the
//!   ring, exactly one of these;
//! - what consumers received or producers got back as evicted entered the
//!   ring; nothing else did (conservation: `sent == received + handed back +
//!   refused-after-close + dropped-in-ring`);
//! - every value and every scratch value was dropped exactly once ([`Tok`]
//!   counts its drops), and no scratch value was received;
//! - each consumer saw each producer thread's values in the order they were
//!   sent. Per thread, not per handle: two threads sending through one
//!   shared handle interleave, but each send is one linearizable operation,
//!   so each thread's own values keep its order (as do a thread's values
//!   through its own handle and a clone of it, op 7);
//! - `Closed` is final for a consumer; a refused send leaves `is_closed()`;
//! - each consumer thread's `lagged()` total is at most the evictions
//!   (threads sharing a handle each get a part of its lag);
//! - a `send_slice` that succeeds says in `Lost(n)` how many of its values
//!   its policy dropped (`DropNewest`) or how many queued values it evicted
//!   (`DropOldest`), as its clones and drops show (at most that many once
//!   the ring has closed, when some drops are orphans discarded).

use crate::dispatch::{self, dispatch, Handles, Harness, Policy, Shape};
use crate::{byte, with_clones, DropLog, Tok, WAITS};
use arbitrary::Unstructured;
use ringweir::{
    Builder, Consumer, Overflow, Producer, RecvTimeoutError, SendTimeoutError, TryRecvError,
    TrySendError,
};
use std::collections::HashSet;
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// Ids per thread, for its values and for its scratch values: at most 24
/// ops of at most 16 each (a `send_slice` of 8 clones each value at most
/// twice: once finding the ring full, once to send by the policy).
const MAX_SEQ: u32 = 512;
const MAX_THREADS: usize = 4;
/// First scratch id: thread `i` has `SCRATCH + i * MAX_SEQ..` for the
/// originals of its batch sends and the placeholders of its slice receives.
const SCRATCH: u32 = MAX_THREADS as u32 * MAX_SEQ;

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
    /// Scratch values created.
    scratch: u32,
    /// Values that entered the ring (`Queued`, or queued with an eviction).
    entered: Vec<u32>,
    /// Own values handed back while the ring was open: `Dropped`, a full
    /// `try_send` (or a batch clone that found the ring full), a `Timeout`.
    handed: Vec<u32>,
    /// Values of any producer pushed out by this thread's `DropOldest` sends.
    evicted: Vec<u32>,
    /// Own values refused because every consumer was gone.
    refused: Vec<u32>,
}

/// What one consumer thread saw.
#[derive(Default)]
struct ConsumerReport {
    /// Thread index.
    c: u32,
    /// Scratch values (placeholders) created.
    scratch: u32,
    received: Vec<u32>,
    lagged: u64,
}

/// A thread's handle: its own (`H`), or one it shares with other threads
/// (`S`, an `Arc` of one, see "Shared handles").
enum Handle<H, S> {
    Own(H),
    Shared(S),
}

impl<H, S: Deref<Target = H>> Handle<H, S> {
    /// For the `&self` calls.
    fn get(&self) -> &H {
        match self {
            Handle::Own(h) => h,
            Handle::Shared(s) => s,
        }
    }

    /// Runs `f`, one of the `&mut self` calls, on this thread's own handle,
    /// or on a clone of the shared one (`clone` makes it) that goes after.
    fn with_mut<R>(&mut self, clone: fn(&H) -> Option<H>, f: impl FnOnce(&mut H) -> R) -> R {
        match self {
            Handle::Own(h) => f(h),
            Handle::Shared(s) => f(&mut clone(s).expect("a shared handle clones")),
        }
    }
}

struct Setup {
    overflow: Policy,
    capacity: usize,
    /// Threads in a poll op: producers, consumers.
    polling: [AtomicUsize; 2],
}

/// Decodes `data` and runs it.
pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let shape = Shape::from_byte(byte(&mut u));
    let policy = byte(&mut u);
    dispatch(shape, policy, Run(u));
}

/// The rest of an input, once topology and policy are read.
struct Run<'a>(Unstructured<'a>);

impl Harness for Run<'_> {
    fn run<K: Handles>(mut self)
    where
        Producer<Tok, K>: Send,
        Consumer<Tok, K>: Send,
    {
        run_on::<K>(&mut self.0);
    }
}

fn run_on<K: Handles>(u: &mut Unstructured<'_>)
where
    Producer<Tok, K>: Send,
    Consumer<Tok, K>: Send,
{
    let overflow = dispatch::policy::<K>();
    let producer_wait = WAITS[(byte(u) % 4) as usize];
    let consumer_wait = WAITS[(byte(u) % 4) as usize];
    let capacity_byte = byte(u);
    let capacity = 1 + (capacity_byte % 4) as usize;
    let shape = byte(u);
    let roles: Vec<Role> = if !K::MULTI_PRODUCER {
        vec![Role::Producer, Role::Consumer]
    } else if !K::MULTI_CONSUMER {
        let mut r = vec![Role::Producer; 1 + (shape % 3) as usize];
        r.push(Role::Consumer);
        r
    } else {
        let bits = byte(u);
        (0..2 + (shape % 3) as usize)
            .map(|i| {
                if bits >> i & 1 == 1 {
                    Role::Consumer
                } else {
                    Role::Producer
                }
            })
            .collect()
    };
    assert!(roles.len() <= MAX_THREADS);
    // `owner[i]`: the thread whose handle thread `i` uses (`i` if its own;
    // see "Shared handles"). Only `Sync` handles are shared: producers of
    // mpsc and mpmc, consumers of mpmc.
    let mut owner: Vec<usize> = (0..roles.len()).collect();
    for i in 1..roles.len() {
        let sync = match roles[i] {
            Role::Producer => K::MULTI_PRODUCER,
            Role::Consumer => K::MULTI_CONSUMER,
        };
        if sync && capacity_byte >> (4 + i) & 1 == 1 {
            if let Some(j) = (0..i).rev().find(|&j| roles[j] == roles[i]) {
                owner[i] = owner[j];
            }
        }
    }
    let scripts: Vec<Vec<u8>> = roles
        .iter()
        .map(|_| {
            let n = (byte(u) % 25) as usize;
            (0..2 * n).map(|_| byte(u)).collect()
        })
        .collect();

    let (tx, rx) = Builder::new(capacity)
        .overflow(K::Policy::default())
        .producer_wait(producer_wait)
        .consumer_wait(consumer_wait)
        .build::<Tok, K>()
        .expect("valid configuration");
    let log = DropLog::new(2 * MAX_THREADS * MAX_SEQ as usize);
    let setup = Setup {
        overflow,
        capacity,
        polling: [AtomicUsize::new(0), AtomicUsize::new(0)],
    };
    let why = format!(
        "{} cap {capacity} waits {producer_wait:?}/{consumer_wait:?} roles {roles:?} \
         handles of {owner:?}",
        dispatch::name::<K>()
    );

    // Hand out handles: each thread that owns one (`owner[i] == i`) gets a
    // clone, the last of its role the original; a handle that other threads
    // share goes into an `Arc` that each of them holds. A role nobody takes
    // is dropped at once (closing that side).
    let sharers = |i: usize| owner.iter().filter(|&&o| o == i).count();
    let mut tx = Some(tx);
    let mut rx = Some(rx);
    let mut producer_reports = Vec::new();
    let mut consumer_reports = Vec::new();
    thread::scope(|s| {
        let mut producers = Vec::new();
        let mut consumers = Vec::new();
        // The shared handles, by owner, while they are handed out.
        let mut shared_tx: Vec<Option<K::SharedTx<Tok>>> = (0..roles.len()).map(|_| None).collect();
        let mut shared_rx: Vec<Option<K::SharedRx<Tok>>> = (0..roles.len()).map(|_| None).collect();
        let last_owner = |role| (0..roles.len()).rfind(|&i| roles[i] == role && owner[i] == i);
        let last_producer = last_owner(Role::Producer);
        let last_consumer = last_owner(Role::Consumer);
        for (i, (role, script)) in roles.iter().zip(&scripts).enumerate() {
            let (log, setup, why) = (&log, &setup, &why);
            let o = owner[i];
            match role {
                Role::Producer => {
                    let handle = if o != i {
                        Handle::Shared(shared_tx[o].clone().expect("an earlier thread's"))
                    } else {
                        let own = if Some(i) == last_producer {
                            tx.take().unwrap()
                        } else {
                            K::clone_tx(tx.as_ref().unwrap()).unwrap()
                        };
                        if sharers(i) > 1 {
                            let shared = K::share_tx(own).expect("mpsc/mpmc producers");
                            shared_tx[i] = Some(shared.clone());
                            Handle::Shared(shared)
                        } else {
                            Handle::Own(own)
                        }
                    };
                    producers.push(
                        s.spawn(move || producer::<K>(handle, i as u32, script, log, setup, why)),
                    );
                }
                Role::Consumer => {
                    let handle = if o != i {
                        Handle::Shared(shared_rx[o].clone().expect("an earlier thread's"))
                    } else {
                        let own = if Some(i) == last_consumer {
                            rx.take().unwrap()
                        } else {
                            K::clone_rx(rx.as_ref().unwrap()).unwrap()
                        };
                        if sharers(i) > 1 {
                            let shared = K::share_rx(own).expect("mpmc consumers");
                            shared_rx[i] = Some(shared.clone());
                            Handle::Shared(shared)
                        } else {
                            Handle::Own(own)
                        }
                    };
                    consumers.push(
                        s.spawn(move || consumer::<K>(handle, i as u32, script, log, setup, why)),
                    );
                }
            }
        }
        // Only the threads hold handles now: each goes with the last thread
        // that uses it, so a thread blocked on the other side is released.
        drop(shared_tx);
        drop(shared_rx);
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
    // Ids created per range: values of thread `i` at `i`, its scratch
    // values at `MAX_THREADS + i`.
    let mut created_by = [0u32; 2 * MAX_THREADS];
    for r in &producer_reports {
        created_by[r.p as usize] = r.created;
        created_by[MAX_THREADS + r.p as usize] = r.scratch;
        created += r.created as usize;
        handed += r.handed.len() + r.refused.len() + r.evicted.len();
    }
    for r in &consumer_reports {
        created_by[MAX_THREADS + r.c as usize] = r.scratch;
        received += r.received.len();
    }
    for (id, (&c, &e)) in class.iter().zip(&entered).enumerate() {
        let id = id as u32;
        if id >= SCRATCH {
            assert!(
                c == UNSEEN && !e,
                "{why}: scratch value {id} entered the ring or was taken (class {c})"
            );
        }
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

fn producer<K: Handles>(
    mut tx: Handle<Producer<Tok, K>, K::SharedTx<Tok>>,
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
    let mut clone: Option<Producer<Tok, K>> = None;
    let send_one = |tx: &Producer<Tok, K>, r: &mut ProducerReport, how: u8| {
        let id = p * MAX_SEQ + r.created;
        r.created += 1;
        let value = Tok::new(id, log);
        // `Ok(Some(v))`: the policy handed `v` back (by the type of `K`'s
        // `send`, `Admission::Dropped` or `Eviction::Evicted`).
        let outcome = match how {
            0 => tx
                .send(value)
                .map(K::Policy::returned)
                .map_err(|e| SendTimeoutError::Closed(e.into_inner())),
            1 => match tx.try_send(value) {
                Ok(()) => Ok(None),
                Err(TrySendError::Full(v)) => Err(SendTimeoutError::Timeout(v)),
                Err(TrySendError::Closed(v)) => Err(SendTimeoutError::Closed(v)),
            },
            2 => tx
                .send_timeout(value, Duration::ZERO)
                .map(K::Policy::returned),
            _ => tx
                .send_timeout(value, Duration::from_micros(50))
                .map(K::Policy::returned),
        };
        match outcome {
            Ok(None) => r.entered.push(id),
            Ok(Some(v)) if setup.overflow == Policy::DropNewest => {
                assert_eq!(v.id, id, "{why}: Dropped hands back the value sent");
                r.handed.push(id);
            }
            Ok(Some(v)) => {
                assert_eq!(
                    setup.overflow,
                    Policy::DropOldest,
                    "{why}: handed back {v:?}"
                );
                assert_ne!(v.id, id, "{why}: evicted the value just sent");
                r.entered.push(id);
                r.evicted.push(v.id);
            }
            Err(SendTimeoutError::Timeout(v)) => {
                // A full `try_send` (any policy) or a timed-out `Block` send.
                assert!(
                    how == 1 || setup.overflow == Policy::Block,
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
    // Sends clones of `len` scratch values by `send_slice` (`all`) or
    // `try_send_slice`, then sorts out each clone and each value dropped on
    // this thread during the call (see the module docs).
    let send_batch = |tx: &mut Producer<Tok, K>, r: &mut ProducerReport, len: usize, all: bool| {
        let first = SCRATCH + p * MAX_SEQ + r.scratch;
        r.scratch += len as u32;
        let originals: Vec<Tok> = (0..len as u32).map(|k| Tok::new(first + k, log)).collect();
        let ids = p * MAX_SEQ + r.created..(p + 1) * MAX_SEQ;
        let done = with_clones(ids, || {
            if all {
                match tx.send_slice(&originals) {
                    Ok(lost) => (len, false, K::Policy::lost(lost)),
                    Err(e) => (e.into_inner(), true, 0),
                }
            } else {
                match tx.try_send_slice(&originals) {
                    Ok(n) => (n, false, 0),
                    Err(_) => (0, true, 0),
                }
            }
        });
        drop(originals);
        let (sent, refused, lost) = done.result;
        // What this call's policy sends dropped (`DropNewest`) or evicted
        // (`DropOldest`), by the clones and drops seen: a `send_slice`
        // that succeeds says as much in `Lost`.
        let mut lost_seen = 0;
        let what = if all { "send_slice" } else { "try_send_slice" };
        assert!(sent <= len, "{why}: {what} sent {sent} of {len}");
        if refused {
            assert!(tx.is_closed(), "{why}: {what} refused, so closed");
        }
        // Read after the call: while a consumer is left, no orphans were
        // discarded in it.
        let closed = tx.is_closed();
        r.created += done.made.len() as u32;
        let dropped: HashSet<u32> = done.dropped.iter().copied().collect();
        let made: HashSet<u32> = done.made.iter().map(|&(_, id)| id).collect();
        // The last clone of each original is the one sent by the policy (or
        // refused); any earlier one found the ring full and was dropped.
        let mut last = vec![None::<u32>; len];
        for &(of, id) in &done.made {
            assert!(
                (first..first + len as u32).contains(&of),
                "{why}: {what} cloned {of}, not one of its values"
            );
            if let Some(before) = last[(of - first) as usize].replace(id) {
                assert!(
                    dropped.contains(&before),
                    "{why}: {what} kept two clones ({before}, {id}) of one value"
                );
                r.handed.push(before);
            }
        }
        for (i, id) in last.into_iter().enumerate() {
            let Some(id) = id else {
                assert!(
                    i >= sent,
                    "{why}: {what} sent {sent} but never cloned value {i}"
                );
                continue;
            };
            let gone = dropped.contains(&id);
            if i >= sent {
                assert!(
                    gone,
                    "{why}: {what} sent {sent}, but clone {i} ({id}) was kept"
                );
                if refused {
                    r.refused.push(id);
                } else {
                    r.handed.push(id);
                }
            } else if !gone {
                r.entered.push(id);
            } else if all && setup.overflow == Policy::DropOldest {
                // Queued, then evicted by a later value of this call.
                r.entered.push(id);
                r.evicted.push(id);
                lost_seen += 1;
            } else if all && setup.overflow == Policy::DropNewest {
                // Did not fit (or, once closed, queued then discarded as an
                // orphan: never received either way).
                r.handed.push(id);
                lost_seen += 1;
            } else {
                assert!(
                    closed,
                    "{why}: {what} queued clone {id}, dropped in the call while open"
                );
                r.entered.push(id); // an orphan, dropped in the ring
            }
        }
        for &id in &done.dropped {
            if made.contains(&id) {
                continue;
            }
            assert!(id < SCRATCH, "{why}: {what} dropped scratch value {id}");
            if all && setup.overflow == Policy::DropOldest {
                r.evicted.push(id);
                lost_seen += 1;
            } else {
                assert!(closed, "{why}: {what} dropped queued value {id} while open");
            }
        }
        // Once closed, some of what was seen may be orphans the call
        // discarded, which `Lost` does not count.
        if closed {
            assert!(
                lost <= lost_seen,
                "{why}: {what} lost {lost} of {lost_seen}"
            );
        } else if !refused {
            assert_eq!(lost, lost_seen, "{why}: {what}: Lost");
        }
    };
    for op in script.chunks(2) {
        let (code, arg) = (op[0], op[1]);
        match code % 11 {
            0..=3 => send_one(tx.get(), &mut r, code % 11),
            4 => {
                for _ in 0..1 + arg % 16 {
                    send_one(tx.get(), &mut r, 0);
                }
            }
            5 => nap(arg),
            6 => {
                let tx = tx.get();
                assert!(tx.len() <= setup.capacity, "{why}: len");
                let _ = tx.pressure();
                let s = tx.stats();
                assert!(s.received + s.evicted <= s.sent, "{why}: stats {s:?}");
            }
            7 => match K::clone_tx(tx.get()) {
                // A second handle on the same thread: its values still
                // follow this thread's earlier ones.
                Some(c) => {
                    let c = clone.take().unwrap_or(c);
                    send_one(&c, &mut r, arg % 4);
                    if arg & 0x80 != 0 {
                        clone = Some(c);
                    }
                }
                None => send_one(tx.get(), &mut r, arg % 4),
            },
            8 | 9 => {
                let (len, all) = (1 + (arg % 8) as usize, code % 11 == 9);
                tx.with_mut(K::clone_tx, |tx| send_batch(tx, &mut r, len, all));
            }
            _ => {
                let tx = tx.get();
                poll(&setup.polling, 0, || tx.is_empty() || tx.is_closed())
            }
        }
    }
    drop(clone);
    drop(tx);
    r
}

/// Waits, without touching the ring's values, until `done()` or a thread of
/// the other side polls too: `polling[side]` counts this one meanwhile.
fn poll(polling: &[AtomicUsize; 2], side: usize, mut done: impl FnMut() -> bool) {
    // SeqCst: of two threads of both sides starting to poll, at least one
    // sees the other's increment.
    polling[side].fetch_add(1, Ordering::SeqCst);
    while !done() && polling[1 - side].load(Ordering::SeqCst) == 0 {
        thread::sleep(Duration::from_micros(20));
    }
    polling[side].fetch_sub(1, Ordering::SeqCst);
}

/// Lets other threads run: a 100 µs sleep if `arg & 0x80` (long enough
/// for them to park), else a yield.
fn nap(arg: u8) {
    if arg & 0x80 != 0 {
        thread::sleep(Duration::from_micros(100));
    } else {
        thread::yield_now();
    }
}

fn consumer<K: Handles>(
    mut rx: Handle<Consumer<Tok, K>, K::SharedRx<Tok>>,
    c: u32,
    script: &[u8],
    log: &std::sync::Arc<DropLog>,
    setup: &Setup,
    why: &str,
) -> ConsumerReport {
    let mut r = ConsumerReport {
        c,
        ..ConsumerReport::default()
    };
    let mut last_seq = [None::<u32>; MAX_THREADS];
    let mut closed = false;
    let mut take = |r: &mut ConsumerReport, ids: Vec<u32>, closed: bool| {
        assert!(!closed || ids.is_empty(), "{why}: a value after Closed");
        for id in ids {
            assert!(id < SCRATCH, "{why}: received scratch value {id}");
            let (p, seq) = ((id / MAX_SEQ) as usize, id % MAX_SEQ);
            assert!(
                last_seq[p] < Some(seq),
                "{why}: producer {p}: {seq} after {:?}",
                last_seq[p]
            );
            last_seq[p] = Some(seq);
            r.received.push(id);
        }
    };
    // `n` fresh placeholders for a slice receive to write over.
    let placeholders = |r: &mut ConsumerReport, n: usize| -> Vec<Tok> {
        let first = SCRATCH + c * MAX_SEQ + r.scratch;
        r.scratch += n as u32;
        (0..n as u32).map(|k| Tok::new(first + k, log)).collect()
    };
    // After a slice receive wrote `n` values over `out`, which held the
    // placeholders `before`: the first `n` of those are dropped, the others
    // still in place (dropped with `out`, checked at the end).
    let replaced = |out: Vec<Tok>, before: &[u32], n: usize, what: &str| -> Vec<u32> {
        assert!(n <= out.len(), "{why}: {what} {n} of {}", out.len());
        for &id in &before[..n] {
            assert_eq!(log.count(id), 1, "{why}: {what} replaced {id} once");
        }
        let got = ids(out);
        assert_eq!(got[n..], before[n..], "{why}: {what} {n} wrote past them");
        got[..n].to_vec()
    };
    for op in script.chunks(2) {
        let (code, arg) = (op[0], op[1]);
        let mut buf = Vec::new();
        match code % 15 {
            0 => match rx.get().recv() {
                Ok(v) => take(&mut r, ids(vec![v]), closed),
                Err(_) => closed = true,
            },
            1 => match rx.get().try_recv() {
                Ok(v) => take(&mut r, ids(vec![v]), closed),
                Err(TryRecvError::Closed) => closed = true,
                Err(TryRecvError::Empty) => assert!(!closed, "{why}: Empty after Closed"),
            },
            2 | 3 => {
                let d = if code % 15 == 2 {
                    Duration::ZERO
                } else {
                    Duration::from_micros(100)
                };
                match rx.get().recv_timeout(d) {
                    Ok(v) => take(&mut r, ids(vec![v]), closed),
                    Err(RecvTimeoutError::Closed) => closed = true,
                    Err(RecvTimeoutError::Timeout) => {
                        assert!(!closed, "{why}: Timeout after Closed")
                    }
                }
            }
            4 => {
                let max = 1 + (arg % 4) as usize;
                let n = rx.with_mut(K::clone_rx, |rx| rx.recv_many(&mut buf, max));
                assert!(n <= max && n == buf.len(), "{why}: recv_many {n} of {max}");
                take(&mut r, ids(buf), closed);
                if n == 0 {
                    closed = true;
                }
            }
            5 => {
                let max = (arg % 5) as usize;
                let n = rx.with_mut(K::clone_rx, |rx| rx.try_recv_many(&mut buf, max));
                assert!(
                    n <= max && n == buf.len(),
                    "{why}: try_recv_many {n} of {max}"
                );
                take(&mut r, ids(buf), closed);
            }
            6 => {
                let got = rx.get().try_iter().take((arg % 5) as usize).collect();
                take(&mut r, ids(got), closed);
            }
            7 => r.lagged += rx.get().lagged(),
            8 => {
                nap(arg);
                assert!(rx.get().len() <= setup.capacity, "{why}: len");
            }
            9 => {
                // A second consumer handle on this thread, used once.
                let got = match K::clone_rx(rx.get()) {
                    Some(c) => c.try_recv(),
                    None => rx.get().try_recv(),
                };
                if let Ok(v) = got {
                    take(&mut r, ids(vec![v]), closed);
                }
            }
            10 => {
                let got = rx.get().iter().collect();
                take(&mut r, ids(got), closed);
                closed = true;
            }
            11 => {
                let mut out = placeholders(&mut r, (arg % 5) as usize);
                let before = ids_of(&out);
                let n = rx.with_mut(K::clone_rx, |rx| rx.try_recv_slice(&mut out));
                let got = replaced(out, &before, n, "try_recv_slice");
                take(&mut r, got, closed);
            }
            12 => {
                let mut out = placeholders(&mut r, 1 + (arg % 4) as usize);
                let before = ids_of(&out);
                let n = rx.with_mut(K::clone_rx, |rx| rx.recv_slice(&mut out));
                let got = replaced(out, &before, n, "recv_slice");
                take(&mut r, got, closed);
                if n == 0 {
                    closed = true;
                }
            }
            13 => {
                let max = (arg % 5) as usize;
                let mut shown = Vec::new();
                let n = rx.with_mut(K::clone_rx, |rx| {
                    rx.try_recv_in_place(max, |run| {
                        assert!(!run.is_empty(), "{why}: try_recv_in_place: an empty run");
                        shown.extend(run.iter().map(|v| v.id));
                    })
                });
                assert!(
                    n <= max && n == shown.len(),
                    "{why}: try_recv_in_place {n} of {max}, shown {}",
                    shown.len()
                );
                for &id in &shown {
                    assert_eq!(log.count(id), 1, "{why}: dropped in place once");
                }
                take(&mut r, shown, closed);
            }
            _ => {
                let rx = rx.get();
                poll(&setup.polling, 1, || {
                    rx.len() >= setup.capacity || rx.is_closed()
                })
            }
        }
    }
    drop(rx);
    r
}

/// The ids of `values`, which are dropped.
fn ids(values: Vec<Tok>) -> Vec<u32> {
    ids_of(&values)
}

fn ids_of(values: &[Tok]) -> Vec<u32> {
    values.iter().map(|v| v.id).collect()
}
