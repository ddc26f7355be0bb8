#![cfg(loom)]
//! Mixes of tasks and parked threads waiting on one side, batch wake-ups,
//! cancellation racing the wake-up, and the last consumer leaving while an
//! async send pushes. A lost wake-up shows as a loom deadlock. A task and
//! a thread both spinning in an exact look beside a producer stopped
//! mid-write exceed loom's branch limit, so the task runs on the model's
//! main thread.

mod common;

use common::Drops;
use loom::future::block_on;
use loom::thread;
use ringweir::{Builder, Wait};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

/// A waker that records that it was woken (std atomics: bookkeeping that
/// loom does not explore; read by the thread that wakes it).
struct Flag(std::sync::atomic::AtomicUsize);
impl std::task::Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// mpmc consumers: a task (polled once on the main thread, which then
/// sends) and a parked thread wait; `batch`: one batch of two values (a
/// wake(2)), else two single sends (two wake(1)s). Both must be reached:
/// the task's waker woken by the time the sends return, the thread given
/// a value. (Two consumers that both spin in loom, a task on a thread of
/// its own beside the thread, make loom ping-pong their yields without
/// bound while the producer is mid-write; hence the task on main.)
fn task_and_thread(batch: bool) {
    loom::model(move || {
        let (mut tx, mut a) = Builder::new(2).wait(Wait::Park).mpmc::<usize>().unwrap();
        let b = a.clone();
        let th = thread::spawn(move || {
            let got = b.recv();
            (got, b)
        });
        let flag = std::sync::Arc::new(Flag(std::sync::atomic::AtomicUsize::new(0)));
        let waker = Waker::from(flag.clone());
        let mut fut = a.recv_async();
        let first = Pin::new(&mut fut).poll(&mut Context::from_waker(&waker));
        if batch {
            assert_eq!(tx.try_send_slice(&[1, 2]), Ok(2));
        } else {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        }
        let x = match first {
            Poll::Ready(x) => x.unwrap(),
            Poll::Pending => {
                // The task was listed before the sends: they woke it, or
                // the thread took both... which it cannot (it takes one).
                match Pin::new(&mut fut).poll(&mut Context::from_waker(&waker)) {
                    Poll::Ready(x) => {
                        assert!(
                            flag.0.load(std::sync::atomic::Ordering::SeqCst) >= 1,
                            "a value was there for the task, but its waker was never woken"
                        );
                        x.unwrap()
                    }
                    Poll::Pending => panic!("the thread cannot have taken both values"),
                }
            }
        };
        drop(fut);
        let (y, b) = th.join().unwrap();
        let mut got = [x, y.unwrap()];
        got.sort();
        assert_eq!(got, [1, 2]);
        drop((tx, a, b));
    });
}

#[test]
fn a_batch_reaches_a_task_and_a_thread() {
    task_and_thread(true);
}

#[test]
fn single_sends_reach_a_task_and_a_thread() {
    task_and_thread(false);
}

/// mpsc producers on a full ring: a sending task and a parked sending
/// thread; the consumer takes values one at a time with blocking recvs.
#[test]
fn a_sending_task_and_a_sending_thread() {
    loom::model(|| {
        let (mut a, rx) = Builder::new(1).wait(Wait::Park).mpsc::<usize>().unwrap();
        let b = a.clone();
        a.send(0).unwrap();
        let task = thread::spawn(move || {
            block_on(a.send_async(1)).unwrap();
            a
        });
        let th = thread::spawn(move || {
            b.send(2).unwrap();
            b
        });
        let mut got = [rx.recv().unwrap(), rx.recv().unwrap(), rx.recv().unwrap()];
        let a = task.join().unwrap();
        let b = th.join().unwrap();
        got.sort();
        assert_eq!(got, [0, 1, 2]);
        drop((a, b, rx));
    });
}

/// Two sending tasks on a full ring of two; one batch receive frees both
/// slots (a wake(2)).
#[test]
fn a_batch_receive_reaches_two_sending_tasks() {
    loom::model(|| {
        let (mut a, mut rx) = Builder::new(2).wait(Wait::Park).mpsc::<usize>().unwrap();
        let mut b = a.clone();
        a.send(0).unwrap();
        a.send(1).unwrap();
        let ta = thread::spawn(move || {
            block_on(a.send_async(2)).unwrap();
            a
        });
        let tb = thread::spawn(move || {
            block_on(b.send_async(3)).unwrap();
            b
        });
        let mut buf = [0usize; 2];
        let mut seen = Vec::new();
        while seen.len() < 4 {
            let n = rx.recv_slice(&mut buf);
            seen.extend_from_slice(&buf[..n]);
        }
        let a = ta.join().unwrap();
        let b = tb.join().unwrap();
        seen.sort();
        assert_eq!(seen, [0, 1, 2, 3]);
        drop((a, b, rx));
    });
}

/// A registered send is cancelled on its own thread while the consumer
/// frees the slot and a second task waits: whichever order, the second
/// task must get the slot (the cancel passes on a wake-up it got).
#[test]
fn a_cancel_racing_the_wake_up() {
    loom::model(|| {
        let (mut first, rx) = Builder::new(1).wait(Wait::Park).mpsc::<usize>().unwrap();
        let mut second = first.clone();
        first.send(0).unwrap();
        let canceller = thread::spawn(move || {
            let back = {
                let mut fut = first.send_async(1);
                match poll_once(&mut fut) {
                    Poll::Ready(r) => {
                        r.unwrap();
                        None
                    }
                    Poll::Pending => fut.cancel(),
                }
            };
            (back, first)
        });
        let waiter = thread::spawn(move || {
            block_on(second.send_async(2)).unwrap();
            second
        });
        let mut got = vec![rx.recv().unwrap(), rx.recv().unwrap()];
        let (back, first) = canceller.join().unwrap();
        let second = waiter.join().unwrap();
        if back.is_none() {
            got.push(rx.recv().unwrap());
        }
        got.sort();
        let want: Vec<usize> = if back.is_none() {
            vec![0, 1, 2]
        } else {
            vec![0, 2]
        };
        assert_eq!(got, want);
        drop((first, second, rx));
    });
}

/// A registered receive (polled on main) is dropped
/// after the value is sent, while a parked thread waits: the thread must
/// get the value (the drop passes on the wake-up the send gave the task).
#[test]
fn a_dropped_receive_racing_the_wake_up_beside_a_thread() {
    loom::model(|| {
        let (tx, mut first) = Builder::new(1).wait(Wait::Park).mpmc::<usize>().unwrap();
        let second = first.clone();
        let waiter = thread::spawn(move || {
            let got = second.recv();
            (got, second)
        });
        let got = {
            let mut fut = first.recv_async();
            let got = poll_once(&mut fut);
            tx.send(5).unwrap();
            drop(fut);
            got
        };
        assert!(got.is_pending());
        let (b, second) = waiter.join().unwrap();
        assert_eq!(b, Ok(5));
        drop((tx, first, second));
    });
}

/// The last consumer leaves while an async send waits on a full ring of
/// counted values: every token dropped exactly once, whether the consumers
/// park or spin.
fn last_consumer_leaves(consumer_wait: Wait) {
    loom::model(move || {
        let drops = Drops::new(2);
        let (mut tx, rx) = Builder::new(1)
            .producer_wait(Wait::Park)
            .consumer_wait(consumer_wait)
            .mpmc()
            .unwrap();
        tx.send(drops.tok(0)).unwrap();
        let consumer = thread::spawn(move || drop(rx));
        let sent = block_on(tx.send_async(drops.tok(1)));
        consumer.join().unwrap();
        drop(sent);
        drop(tx);
        drops.assert_all_once();
    });
}

#[test]
fn last_consumer_leaves_parking() {
    last_consumer_leaves(Wait::Park);
}

#[test]
fn last_consumer_leaves_spinning() {
    last_consumer_leaves(Wait::Spin);
}

/// Two producer threads, one task consumer: each push must reach it.
#[test]
fn two_senders_one_receiving_task() {
    loom::model(|| {
        let (a, mut rx) = Builder::new(2).wait(Wait::Park).mpsc::<usize>().unwrap();
        let b = a.clone();
        let ta = thread::spawn(move || {
            a.send(1).unwrap();
            a
        });
        let tb = thread::spawn(move || {
            b.send(2).unwrap();
            b
        });
        let mut got = [
            block_on(rx.recv_async()).unwrap(),
            block_on(rx.recv_async()).unwrap(),
        ];
        got.sort();
        assert_eq!(got, [1, 2]);
        drop((ta.join().unwrap(), tb.join().unwrap(), rx));
    });
}
