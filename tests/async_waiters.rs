//! Several waiters of mixed kinds on one side (tasks and parked threads),
//! batch wake-ups, cancellation racing wake-ups, futures moved between
//! threads, a waker that re-enters the ring, closing, and conservation
//! under stress. Each wait that could hang runs under a watchdog.
#![cfg(feature = "async")]

#[macro_use]
mod common;

use common::{build, policy, returned, Policy};
use pollster::block_on;
use ringweir::{Builder, Topology, Wait};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc as chan;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- helpers

/// A waker that counts its wake-ups (and optionally panics in `wake`).
struct Flag {
    woken: AtomicUsize,
    panic_on_wake: bool,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.fetch_add(1, Ordering::SeqCst);
        if self.panic_on_wake {
            panic!("waker panics in wake");
        }
    }
}

fn flag() -> (Arc<Flag>, Waker) {
    let f = Arc::new(Flag {
        woken: AtomicUsize::new(0),
        panic_on_wake: false,
    });
    (f.clone(), Waker::from(f))
}

fn woken(f: &Arc<Flag>) -> usize {
    f.woken.load(Ordering::SeqCst)
}

fn poll_with<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// Waits up to `limit` for `cond`.
fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        thread::sleep(Duration::from_millis(1));
    }
    cond()
}

/// Gives threads time to reach their sleep (there is no way to observe it).
fn settle() {
    thread::sleep(Duration::from_millis(100));
}

/// A value that logs its drops by id.
#[derive(Debug)]
struct Tok {
    id: usize,
    log: Arc<Vec<AtomicU8>>,
}

impl Drop for Tok {
    fn drop(&mut self) {
        self.log[self.id].fetch_add(1, Ordering::SeqCst);
    }
}

fn log(n: usize) -> Arc<Vec<AtomicU8>> {
    Arc::new((0..n).map(|_| AtomicU8::new(0)).collect())
}

fn assert_each_dropped_once(log: &[AtomicU8]) {
    let bad: Vec<(usize, u8)> = log
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.load(Ordering::SeqCst)))
        .filter(|&(_, c)| c != 1)
        .take(10)
        .collect();
    assert!(bad.is_empty(), "values not dropped exactly once: {bad:?}");
}

// ------------------------------------------- 1. several sleepers, batches

/// mpmc consumers: two tasks and one parked thread wait on an empty ring;
/// one batch of three values must reach all three.
#[test]
fn a_batch_wakes_two_tasks_and_a_thread() {
    let (mut tx, mut a) = Builder::new(4).wait(Wait::Park).mpmc::<u32>().unwrap();
    let mut b = a.clone();
    let t = a.clone();
    let (fa, wa) = flag();
    let (fb, wb) = flag();
    let mut ra = a.recv_async();
    let mut rb = b.recv_async();
    assert!(poll_with(&mut ra, &wa).is_pending());
    assert!(poll_with(&mut rb, &wb).is_pending());
    let (done_tx, done_rx) = chan::channel();
    let thread = thread::spawn(move || {
        done_tx.send(t.recv()).unwrap();
        t
    });
    settle();
    assert_eq!(tx.try_send_slice(&[1, 2, 3]), Ok(3));
    let got_t = done_rx
        .recv_timeout(Duration::from_secs(2))
        .expect("the parked thread was not woken by a batch of 3 beside 2 tasks");
    assert!(got_t.is_ok());
    assert!(
        eventually(Duration::from_secs(1), || woken(&fa) >= 1
            && woken(&fb) >= 1),
        "tasks woken: a={} b={}",
        woken(&fa),
        woken(&fb)
    );
    let x = poll_with(&mut ra, &wa);
    let y = poll_with(&mut rb, &wb);
    assert!(x.is_ready() && y.is_ready(), "{x:?} {y:?}");
    drop((ra, rb));
    drop(thread.join().unwrap());
}

/// The same with values sent one by one (each a wake(1)), in every order
/// of waiter kinds: one thread, two tasks, or two threads and one task.
#[test]
fn single_sends_reach_every_kind_of_waiter() {
    for threads in 1..=2usize {
        let tasks = 3 - threads;
        let (tx, rx) = Builder::new(4).wait(Wait::Park).mpmc::<u32>().unwrap();
        let mut task_rx: Vec<_> = (0..tasks).map(|_| rx.clone()).collect();
        let mut futs = Vec::new();
        let mut flags = Vec::new();
        for r in task_rx.iter_mut() {
            let (f, w) = flag();
            let mut fut = r.recv_async();
            assert!(poll_with(&mut fut, &w).is_pending());
            futs.push((fut, w));
            flags.push(f);
        }
        let (done_tx, done_rx) = chan::channel();
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let r = rx.clone();
                let d = done_tx.clone();
                thread::spawn(move || d.send(r.recv()).unwrap())
            })
            .collect();
        settle();
        for v in 0..3 {
            tx.send(v).unwrap();
        }
        for _ in 0..threads {
            done_rx
                .recv_timeout(Duration::from_secs(2))
                .unwrap_or_else(|_| panic!("a thread stranded ({threads} threads, {tasks} tasks)"))
                .unwrap();
        }
        for f in &flags {
            assert!(eventually(Duration::from_secs(1), || woken(f) >= 1));
        }
        for (fut, w) in futs.iter_mut() {
            assert!(poll_with(fut, w).is_ready());
        }
        drop(futs);
        for h in handles {
            h.join().unwrap();
        }
    }
}

/// mpsc producers on a full Block ring: two tasks and a parked thread
/// wait for room; one batch receive frees three slots.
#[test]
fn a_batch_receive_wakes_two_sending_tasks_and_a_thread() {
    let (mut a, mut rx) = Builder::new(3).wait(Wait::Park).mpsc::<u32>().unwrap();
    let mut b = a.clone();
    let t = a.clone();
    for v in 0..3 {
        a.send(v).unwrap();
    }
    let (fa, wa) = flag();
    let (fb, wb) = flag();
    let mut sa = a.send_async(10);
    let mut sb = b.send_async(11);
    assert!(poll_with(&mut sa, &wa).is_pending());
    assert!(poll_with(&mut sb, &wb).is_pending());
    let (done_tx, done_rx) = chan::channel();
    let thread = thread::spawn(move || {
        done_tx.send(t.send(12)).unwrap();
        t
    });
    settle();
    let mut buf = Vec::new();
    assert_eq!(rx.recv_many(&mut buf, 3), 3);
    done_rx
        .recv_timeout(Duration::from_secs(2))
        .expect("sending thread stranded")
        .unwrap();
    assert!(eventually(Duration::from_secs(1), || woken(&fa) >= 1
        && woken(&fb) >= 1));
    assert!(poll_with(&mut sa, &wa).is_ready());
    assert!(poll_with(&mut sb, &wb).is_ready());
    drop((sa, sb));
    drop(thread.join().unwrap());
    let mut rest = Vec::new();
    while let Ok(v) = rx.try_recv() {
        rest.push(v);
    }
    rest.sort();
    assert_eq!(rest, vec![10, 11, 12]);
}

// ------------------------------------------------------- 2. cancellation

/// A registered-but-not-woken future dropped: no wake-up is taken from the
/// others; a woken one dropped passes its wake-up to a parked thread.
#[test]
fn a_woken_task_dropped_passes_its_wake_up_to_a_thread() {
    let (tx, mut a) = Builder::new(2).wait(Wait::Park).mpmc::<u32>().unwrap();
    let t = a.clone();
    let (fa, wa) = flag();
    let mut ra = a.recv_async();
    assert!(poll_with(&mut ra, &wa).is_pending());
    let (done_tx, done_rx) = chan::channel();
    let th = thread::spawn(move || done_tx.send(t.recv()).unwrap());
    settle();
    tx.send(1).unwrap(); // wakes the task (tasks first)
    assert_eq!(woken(&fa), 1);
    drop(ra); // passes it on to the thread
    assert_eq!(
        done_rx
            .recv_timeout(Duration::from_secs(2))
            .expect("thread stranded"),
        Ok(1)
    );
    th.join().unwrap();
}

/// A send cancelled after it was woken, while another task and a thread
/// wait: the freed slot must still be filled.
#[test]
fn a_send_cancelled_after_its_wake_up_passes_it_on() {
    let (mut a, rx) = Builder::new(1).wait(Wait::Park).mpsc::<u32>().unwrap();
    let mut b = a.clone();
    a.send(0).unwrap();
    let (fa, wa) = flag();
    let (_fb, wb) = flag();
    let mut sa = a.send_async(1);
    assert!(poll_with(&mut sa, &wa).is_pending());
    let mut sb = b.send_async(2);
    assert!(poll_with(&mut sb, &wb).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(woken(&fa), 1);
    assert_eq!(sa.cancel(), Some(1));
    assert!(poll_with(&mut sb, &wb).is_ready());
    drop(sb);
    assert_eq!(rx.try_recv(), Ok(2));
}

/// A future woken, then polled again finding nothing (another consumer
/// took the value), then the next value: it must be woken again.
#[test]
fn a_woken_task_that_finds_nothing_waits_again() {
    let (tx, mut a) = Builder::new(2).wait(Wait::Park).mpmc::<u32>().unwrap();
    let thief = a.clone();
    let (fa, wa) = flag();
    let mut ra = a.recv_async();
    assert!(poll_with(&mut ra, &wa).is_pending());
    tx.send(1).unwrap();
    assert_eq!(woken(&fa), 1);
    assert_eq!(thief.try_recv(), Ok(1));
    assert!(poll_with(&mut ra, &wa).is_pending());
    tx.send(2).unwrap();
    assert_eq!(woken(&fa), 2);
    assert_eq!(poll_with(&mut ra, &wa), Poll::Ready(Ok(2)));
}

/// A future polled on one thread with one waker, then moved to another
/// thread and driven there by pollster, many times.
#[test]
fn futures_moved_between_threads_between_polls() {
    let (tx, mut rx) = Builder::new(1).wait(Wait::Park).mpmc::<u64>().unwrap();
    let n: u64 = if cfg!(miri) { 50 } else { 2_000 };
    let producer = thread::spawn(move || {
        for i in 0..n {
            tx.send(i).unwrap();
        }
    });
    let mut got = 0u64;
    while got < n {
        let (_f, w) = flag();
        let mut fut = rx.recv_async();
        match poll_with(&mut fut, &w) {
            Poll::Ready(v) => {
                assert_eq!(v, Ok(got));
            }
            Poll::Pending => {
                let v = thread::scope(|s| s.spawn(move || block_on(fut)).join().unwrap());
                assert_eq!(v, Ok(got));
            }
        }
        got += 1;
    }
    producer.join().unwrap();
}

// ----------------------------------------------------- 3. closing, drops

/// Closing while two tasks and a thread wait on each side.
#[test]
fn closing_ends_every_kind_of_waiter() {
    // Consumers.
    let (tx, mut a) = Builder::new(2).wait(Wait::Park).mpmc::<u32>().unwrap();
    let mut b = a.clone();
    let t = a.clone();
    let (fa, wa) = flag();
    let (fb, wb) = flag();
    let mut ra = a.recv_async();
    let mut rb = b.recv_async();
    assert!(poll_with(&mut ra, &wa).is_pending());
    assert!(poll_with(&mut rb, &wb).is_pending());
    let th = thread::spawn(move || t.recv());
    settle();
    drop(tx);
    assert!(th.join().unwrap().is_err());
    assert_eq!((woken(&fa), woken(&fb)), (1, 1));
    assert!(matches!(poll_with(&mut ra, &wa), Poll::Ready(Err(_))));
    assert!(matches!(poll_with(&mut rb, &wb), Poll::Ready(Err(_))));
    drop((ra, rb));

    // Producers.
    let (mut a, rx) = Builder::new(1).wait(Wait::Park).mpmc::<u32>().unwrap();
    let mut b = a.clone();
    let t = a.clone();
    a.send(0).unwrap();
    let (fa, wa) = flag();
    let (fb, wb) = flag();
    let mut sa = a.send_async(1);
    let mut sb = b.send_async(2);
    assert!(poll_with(&mut sa, &wa).is_pending());
    assert!(poll_with(&mut sb, &wb).is_pending());
    let th = thread::spawn(move || t.send(3).map_err(|e| e.into_inner()));
    settle();
    drop(rx);
    assert_eq!(th.join().unwrap(), Err(3));
    assert_eq!((woken(&fa), woken(&fb)), (1, 1));
    assert!(matches!(poll_with(&mut sa, &wa), Poll::Ready(Err(_))));
    assert!(matches!(poll_with(&mut sb, &wb), Poll::Ready(Err(_))));
    drop((sa, sb));
    let s = a.stats();
    assert_eq!((s.sent, s.discarded), (1, 1));
}

/// The last consumer leaves while async senders are pushing: every value
/// is received, handed back or discarded exactly once.
fn last_consumer_leaves_while_sending<K: Topology>()
where
    ringweir::Producer<Tok, K>: Send + 'static,
    ringweir::Consumer<Tok, K>: Send + 'static,
{
    let rounds = if cfg!(miri) { 5 } else { 300 };
    for round in 0..rounds {
        let n = 8;
        let drops = log(n);
        let (mut tx, rx) = build::<Tok, K>(Builder::new(2).wait(Wait::Park));
        let d2 = drops.clone();
        let producer = thread::spawn(move || {
            let mut back = 0;
            for id in 0..n {
                match block_on(tx.send_async(Tok {
                    id,
                    log: d2.clone(),
                })) {
                    Ok(sent) => {
                        if let Some(v) = returned::<Tok, K>(sent) {
                            drop(v);
                            back += 1;
                        }
                    }
                    Err(e) => {
                        drop(e.into_inner());
                        back += 1;
                    }
                }
            }
            (back, tx)
        });
        let take = round % 4;
        let mut got = 0;
        for _ in 0..take {
            match rx.recv_timeout(Duration::from_millis(3)) {
                Ok(v) => {
                    drop(v);
                    got += 1;
                }
                Err(_) => break,
            }
        }
        drop(rx);
        let (_back, tx) = producer.join().unwrap();
        let s = tx.stats();
        drop(tx);
        assert_each_dropped_once(&drops);
        let _ = (got, s);
    }
}

#[test]
fn the_last_consumer_leaving_loses_and_doubles_nothing() {
    each_ring!(last_consumer_leaves_while_sending());
}

// ------------------------------------------------------------- 4. wakers

/// A waker whose drop sends on the same ring (re-entering the wait point
/// whose lock the ring might hold): no deadlock.
struct ReentrantDrop<F: Fn() + Send + Sync + 'static> {
    on_drop: F,
    armed: AtomicBool,
}
impl<F: Fn() + Send + Sync + 'static> Wake for ReentrantDrop<F> {
    fn wake(self: Arc<Self>) {}
}
impl<F: Fn() + Send + Sync + 'static> Drop for ReentrantDrop<F> {
    fn drop(&mut self) {
        if self.armed.load(Ordering::SeqCst) {
            (self.on_drop)();
        }
    }
}

#[test]
fn a_waker_whose_drop_sends_on_the_same_ring() {
    let (tx, mut rx) = Builder::new(2).wait(Wait::Park).mpmc::<u32>().unwrap();
    let tx = Arc::new(tx);
    let (ok_tx, ok_rx) = chan::channel();
    let th = thread::spawn(move || {
        let tx2 = tx.clone();
        let w1 = Arc::new(ReentrantDrop {
            on_drop: move || {
                let _ = tx2.try_send(99);
            },
            armed: AtomicBool::new(true),
        });
        let mut fut = rx.recv_async();
        // Registers with w1 (the clone in the list is the last but ours).
        assert!(poll_with(&mut fut, &Waker::from(w1)).is_pending());
        // Poll with another waker: w1 is swapped out and dropped, its drop
        // sends on this ring, whose push wakes... this very task.
        let (_f2, w2) = flag();
        let got = poll_with(&mut fut, &w2);
        drop(fut);
        ok_tx.send(format!("{got:?}")).unwrap();
        drop(tx);
    });
    let r = ok_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("deadlock: a waker's drop re-entered the ring");
    th.join().unwrap();
    eprintln!("reentrant drop: {r}");
}

// --------------------------------------------------------------- 6. stress

/// 8 producers (async sends, some polled once and cancelled and retried)
/// and 8 consumers (4 async, some abandoning a pending receive; 4 sync)
/// on one mpmc ring: every value offered is received, handed back,
/// discarded or still queued, and dropped exactly once.
fn stress<K: ringweir::ManyProducers + ringweir::ManyConsumers>(capacity: usize)
where
    ringweir::Producer<Tok, K>: Send + 'static,
    ringweir::Consumer<Tok, K>: Send + 'static,
{
    let per: usize = std::env::var("STRESS_PER")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if cfg!(miri) { 20 } else { 3_000 });
    let producers = 8;
    let n = per * producers;
    let drops = log(n);
    let (tx, rx) = build::<Tok, K>(Builder::new(capacity).wait(Wait::Park));
    let handed_back = Arc::new(AtomicUsize::new(0));
    let received = Arc::new(AtomicUsize::new(0));
    let seen: Arc<Vec<AtomicU8>> = log(n);
    let ps: Vec<_> = (0..producers)
        .map(|p| {
            let mut tx = tx.clone();
            let drops = drops.clone();
            let back = handed_back.clone();
            thread::spawn(move || {
                let (_f, w) = flag();
                for i in 0..per {
                    let id = p * per + i;
                    let mut tok = Tok {
                        id,
                        log: drops.clone(),
                    };
                    if i % 7 == 0 {
                        // Poll once, cancel, retry.
                        let mut fut = tx.send_async(tok);
                        match poll_with(&mut fut, &w) {
                            Poll::Ready(r) => {
                                drop(fut);
                                match r {
                                    Ok(sent) => {
                                        if returned::<Tok, K>(sent).is_some() {
                                            back.fetch_add(1, Ordering::SeqCst);
                                        }
                                    }
                                    Err(_) => unreachable!(),
                                }
                                continue;
                            }
                            Poll::Pending => tok = fut.cancel().expect("not sent"),
                        }
                    }
                    let sent = block_on(tx.send_async(tok)).expect("consumers are here");
                    if returned::<Tok, K>(sent).is_some() {
                        back.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let cs: Vec<_> = (0..8)
        .map(|c| {
            let mut rx = rx.clone();
            let received = received.clone();
            let seen = seen.clone();
            thread::spawn(move || {
                let (_f, w) = flag();
                let mut i = 0u64;
                loop {
                    i += 1;
                    let got = if c % 2 == 0 {
                        if i % 5 == 0 {
                            // Poll once and abandon a pending receive.
                            let mut fut = rx.recv_async();
                            if let Poll::Ready(r) = poll_with(&mut fut, &w) {
                                drop(fut);
                                r
                            } else {
                                drop(fut);
                                continue;
                            }
                        } else {
                            block_on(rx.recv_async())
                        }
                    } else {
                        rx.recv()
                    };
                    match got {
                        Ok(tok) => {
                            assert_eq!(seen[tok.id].fetch_add(1, Ordering::SeqCst), 0);
                            received.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    let stats = rx.stats();
    let _ = stats;
    let watchdog = Instant::now();
    let (done_tx, done_rx) = chan::channel::<()>();
    let joiner = thread::spawn(move || {
        for p in ps {
            p.join().unwrap();
        }
        for c in cs {
            c.join().unwrap();
        }
        done_tx.send(()).unwrap();
    });
    if done_rx.recv_timeout(Duration::from_secs(120)).is_err() {
        panic!(
            "stress {} cap {capacity}: hung after {:?} (received {})",
            common::name::<K>(),
            watchdog.elapsed(),
            received.load(Ordering::SeqCst)
        );
    }
    joiner.join().unwrap();
    let s = rx.stats();
    let queued = rx.len();
    drop(rx);
    let r = received.load(Ordering::SeqCst);
    let b = handed_back.load(Ordering::SeqCst);
    match policy::<K>() {
        Policy::Block => assert_eq!(r, n),
        _ => assert_eq!(
            r + b + s.discarded as usize + queued,
            n,
            "{} stats {s:?}",
            common::name::<K>()
        ),
    }
    assert_each_dropped_once(&drops);
    eprintln!(
        "stress {} cap {capacity}: {n} offered, {r} received, {b} handed back, {} discarded, {queued} queued, {:?}",
        common::name::<K>(),
        s.discarded,
        watchdog.elapsed()
    );
}

fn stress_both<K: ringweir::ManyProducers + ringweir::ManyConsumers>()
where
    ringweir::Producer<Tok, K>: Send + 'static,
    ringweir::Consumer<Tok, K>: Send + 'static,
{
    stress::<K>(1);
    stress::<K>(4);
}

#[test]
fn stress_mpmc_block() {
    stress_both::<ringweir::Mpmc<ringweir::Block>>();
}
#[test]
fn stress_mpmc_drop_newest() {
    stress_both::<ringweir::Mpmc<ringweir::DropNewest>>();
}
#[test]
fn stress_mpmc_drop_oldest() {
    stress_both::<ringweir::Mpmc<ringweir::DropOldest>>();
}
