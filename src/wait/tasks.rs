//! How an async task waits at a [`WaitPoint`] (see "Tasks" in the parent
//! module): it leaves its waker in the point's list, counted as a sleeper,
//! and re-checks; the other side's progress wakes it.
//!
//! A `Waker` whose `clone`, `wake` or `drop` panics is outside what this
//! guarantees: the panic comes out of the ring call that ran it, and a
//! wake-up may then go undelivered (other tasks woken in the same call,
//! or the wake-up of the call that was under way). No value is
//! dropped twice or leaked, though a value a receive had taken is then
//! dropped by the unwinding.

use super::{poll_briefly, Look, Tasks, WaitPoint, SLEEPER};
use crate::sync::{fence, Ordering};
use std::task::Waker;

/// Where a task stands at a [`WaitPoint`]: held by the future (or stream)
/// that waits, between its polls.
#[derive(Debug, Default)]
pub(crate) struct TaskTicket {
    /// Its place in the list, while it may be there.
    listed: Option<u64>,
    /// Whether this wait has found the ring full or empty before.
    waited: bool,
}

impl TaskTicket {
    /// `true` the first time it is asked: the wait this ticket belongs to
    /// is counted once, however many polls it takes.
    pub(crate) fn first_wait(&mut self) -> bool {
        !std::mem::replace(&mut self.waited, true)
    }
}

impl Tasks {
    fn position(&self, ticket: u64) -> Option<usize> {
        self.waiting.iter().position(|(t, _)| *t == ticket)
    }
}

impl WaitPoint {
    /// A task's wait: counts it as a sleeper with `waker` (replacing the
    /// waker it left at an earlier poll, if it is still waiting), runs F2,
    /// then `attempt(Look::Exact)` under the lock. If the attempt succeeds
    /// the task no longer waits; if not, it stays in the list and its
    /// waker is woken by the next progress (or close). The task's side
    /// must be one its partner wakes (see `Shared::after_push`).
    ///
    /// Wakers are cloned and dropped only outside the lock: both run the
    /// executor's code, which must not find the lock held (a task dropped
    /// with its last waker may drop another waiter's future, whose drop
    /// takes this lock).
    pub(crate) fn poll_wait<R>(
        &self,
        ticket: &mut TaskTicket,
        waker: &Waker,
        mut attempt: impl FnMut(Look) -> Option<R>,
    ) -> Option<R> {
        // As a thread's wait does, look a few times first: the other side
        // is usually mid-step, and what it is about to publish spares this
        // task the lock, the list and a wake-up.
        if let Some(done) = poll_briefly(&mut attempt) {
            self.stop_waiting(ticket, false);
            return Some(done);
        }
        let mut spare = Some(waker.clone());
        let mut tasks = self.lock.lock();
        match ticket.listed.and_then(|mine| tasks.position(mine)) {
            Some(place) => {
                // Still waiting from an earlier poll, maybe from another
                // task or with another waker: the newest waker is the one
                // to wake. The old one goes out in `spare`.
                if let Some(newest) = spare.as_mut() {
                    std::mem::swap(&mut tasks.waiting[place].1, newest);
                }
            }
            None => {
                let mine = tasks.next_ticket;
                tasks.next_ticket += 1;
                if let Some(newest) = spare.take() {
                    tasks.waiting.push((mine, newest));
                }
                self.state.fetch_add(SLEEPER, Ordering::SeqCst);
                ticket.listed = Some(mine);
            }
        }
        fence(Ordering::SeqCst); // F2
        let done = attempt(Look::Exact);
        let left = if done.is_some() {
            self.leave(&mut tasks, ticket)
        } else {
            None
        };
        drop(tasks);
        drop((spare, left));
        done
    }

    /// A task that waited here is done waiting (it got what it waited for,
    /// or gives up): it leaves the list if it is still in it. If it is not,
    /// a waker removed it to wake it; when `pass_on`, that wake-up goes to
    /// the next waiter instead, since this task will not act on it.
    pub(crate) fn stop_waiting(&self, ticket: &mut TaskTicket, pass_on: bool) {
        if ticket.listed.is_none() {
            return;
        }
        let mut tasks = self.lock.lock();
        let left = self.leave(&mut tasks, ticket);
        drop(tasks);
        if left.is_none() && pass_on {
            self.wake(1);
        }
    }

    /// Takes `ticket` out of the list if it is there (then uncounts it and
    /// returns its waker, for the caller to drop after the unlock), and
    /// clears it.
    fn leave(&self, tasks: &mut Tasks, ticket: &mut TaskTicket) -> Option<Waker> {
        let place = tasks.position(ticket.listed.take()?)?;
        // Relaxed: under the lock (see `wake`).
        self.state.fetch_sub(SLEEPER, Ordering::Relaxed);
        Some(tasks.waiting.remove(place).1)
    }
}
