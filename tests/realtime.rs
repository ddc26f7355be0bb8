//! The real-time side of a ring makes no system call and no allocation.
//!
//! A real-time thread (an audio callback, a control loop) must not enter
//! the kernel or the allocator: either may block it for an unbounded time.
//! Guaranteed here: a thread that only calls the non-waiting operations
//! (`try_send` and `try_send_slice`, or `try_recv` and `try_recv_slice`)
//! makes neither, however long it loops, while its partner blocks in
//! `send` or `recv`, **provided the partner is never woken**: it waits by
//! [`Wait::Poll`] (sleeping in bounded spans) or [`Wait::Spin`]. With
//! [`Wait::Park`] the partner sleeps until woken, and the real-time side
//! must wake it (a `futex` call) when it makes progress:
//! `a_parked_partner_makes_the_realtime_side_wake_it` shows that this
//! harness catches exactly that.
//!
//! How it is proved: each scenario runs in a child process of this test
//! binary, under `strace -f`. The real-time thread prints its thread id,
//! then calls `getppid`, which nothing else calls on that thread, right
//! before and right after its loop. The parent reads the strace log and
//! fails on every system call that thread made between the two markers.
//! Inside the child, a counting global allocator, armed only on the
//! real-time thread and only for the loop, must count no allocation.
//! Not covered: page faults, which are no system calls, and the partner,
//! which may do anything.
//!
//! Needs Linux and strace. Without a working strace each test prints a
//! note and passes, unless `RINGWEIR_REQUIRE_STRACE=1` (as `.ci/run`
//! sets): then it fails. Skipped under Miri, which cannot start processes,
//! and under the sanitizers (`RINGWEIR_SANITIZER`), whose runtimes make
//! system calls and allocations of their own.
#![cfg(target_os = "linux")]

use ringweir::{mpsc, spsc, Builder, CapacityError, Wait};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

// ---------------------------------------------------------------------------
// The scenarios: one ring configuration each, on one line.
// ---------------------------------------------------------------------------

/// How the partner of the real-time side waits: it polls, and nobody ever
/// has to wake it (see the crate docs' table of what each call may do).
const POLL: Wait = Wait::Poll(Duration::from_micros(100));

/// Runs the scenario `name` in this (child) process. The real-time side
/// never waits; what matters is its partner's wait.
fn run_scenario(name: &str) -> Run {
    let partner_polls = |consumer_rt: bool| {
        let builder = Builder::new(64);
        if consumer_rt {
            builder.producer_wait(POLL)
        } else {
            builder.consumer_wait(POLL)
        }
    };
    match name {
        "spsc_rt_consumer" => rt_consumer(partner_polls(true).spsc()),
        "spsc_rt_producer" => rt_producer(partner_polls(false).spsc()),
        "mpsc_rt_consumer" => rt_consumer(partner_polls(true).mpsc()),
        "mpsc_rt_producer" => rt_producer(partner_polls(false).mpsc()),
        "spsc_rt_consumer_spinning_partner" => {
            rt_consumer(Builder::new(64).wait(Wait::Spin).spsc())
        }
        "spsc_rt_producer_spinning_partner" => {
            rt_producer(Builder::new(64).wait(Wait::Spin).spsc())
        }
        // Must fail: the producer sleeps, so receiving must wake it.
        "spsc_rt_consumer_parked_partner" => rt_consumer(Builder::new(64).wait(Wait::Park).spsc()),
        other => panic!("no scenario {other:?}"),
    }
}

/// A real-time consumer in `try_recv_slice`/`try_recv` loop, while a
/// producer sends by blocking `send` as fast as it can.
#[test]
fn spsc_rt_consumer() {
    assert_realtime_clean("spsc_rt_consumer");
}

/// A real-time producer in a `try_send`/`try_send_slice` loop, while a
/// consumer receives by blocking `recv`.
#[test]
fn spsc_rt_producer() {
    assert_realtime_clean("spsc_rt_producer");
}

/// As [`spsc_rt_consumer`], with the single consumer of an mpsc ring.
#[test]
fn mpsc_rt_consumer() {
    assert_realtime_clean("mpsc_rt_consumer");
}

/// As [`spsc_rt_producer`], with one producer of an mpsc ring.
#[test]
fn mpsc_rt_producer() {
    assert_realtime_clean("mpsc_rt_producer");
}

/// As [`spsc_rt_consumer`], with a producer that spins when the ring is full.
#[test]
fn spsc_rt_consumer_spinning_partner() {
    assert_realtime_clean("spsc_rt_consumer_spinning_partner");
}

/// As [`spsc_rt_producer`], with a consumer that spins when the ring is empty.
#[test]
fn spsc_rt_producer_spinning_partner() {
    assert_realtime_clean("spsc_rt_producer_spinning_partner");
}

/// The harness can fail: with `Wait::Park` the blocked producer sleeps,
/// and the real-time consumer's receives must wake it, which the trace
/// shows as `futex` calls.
#[test]
fn a_parked_partner_makes_the_realtime_side_wake_it() {
    let Some(trace) = trace("spsc_rt_consumer_parked_partner") else {
        return;
    };
    let report = trace
        .verdict()
        .expect_err("a sleeping partner, yet no system call on the real-time thread");
    println!("caught, as it must be:\n{report}");
    assert!(trace.calls.iter().any(|c| c.contains("futex(")), "{report}");
}

// ---------------------------------------------------------------------------
// What the real-time thread and its partner do (in the child process).
// ---------------------------------------------------------------------------

/// How long the real-time loop runs (at least), and its period. Each
/// period the real-time thread moves up to [`BURST`] values as fast as the
/// partner lets it, then busy-waits for the next tick, as an audio callback
/// waits for the sound card. The idle rest of the period is long enough
/// that a partner waiting by `Wait::Park` goes to sleep, even on a busy
/// machine where each of its yields before sleeping may take milliseconds.
const LOOP_TIME: Duration = Duration::from_millis(200);
const PERIOD: Duration = Duration::from_millis(20);
/// Values per period: four laps of the 64-slot ring.
const BURST: u64 = 256;
/// Values the real-time thread moves at the least, however slowly the
/// machine runs it.
const MIN_MOVED: u64 = 4 * BURST;

/// What a real-time thread did inside its loop.
struct Run {
    moved: u64,
    allocations: usize,
}

/// The real-time consumer: takes values by `try_recv_slice` and
/// `try_recv` and checks their order, while the producer sends by blocking
/// `send` as fast as it can, waiting whenever the ring is full.
fn rt_consumer<P: Tx, C: Rx>(ring: Result<(P, C), CapacityError>) -> Run {
    let (mut tx, mut rx) = ring.unwrap();
    let producer = move || {
        let mut sent = 0;
        while tx.send(sent) {
            sent += 1;
        }
        sent
    };
    let mut out = [0u64; 16];
    let consumer = move |clock: &Clock| {
        clock.bursts(|mut next| {
            let n = rx.try_recv_slice(&mut out);
            let one = rx.try_recv();
            for v in out[..n].iter().copied().chain(one) {
                assert_eq!(v, next, "out of order");
                next += 1;
            }
            next
        })
    };
    let (run, sent) = realtime(consumer, producer);
    assert!(run.moved <= sent, "received more than was sent");
    run
}

/// The real-time producer: sends a counter by `try_send` and
/// `try_send_slice`, while the consumer receives by blocking `recv`,
/// waiting whenever the ring is empty.
fn rt_producer<P: Tx, C: Rx>(ring: Result<(P, C), CapacityError>) -> Run {
    let (mut tx, mut rx) = ring.unwrap();
    let consumer = move || {
        let mut next = 0;
        while let Some(v) = rx.recv() {
            assert_eq!(v, next, "out of order");
            next += 1;
        }
        next
    };
    let mut run = [0u64; 16];
    let producer = move |clock: &Clock| {
        clock.bursts(|mut next| {
            next += u64::from(tx.try_send(next));
            for (v, i) in run.iter_mut().zip(next..) {
                *v = i;
            }
            next + tx.try_send_slice(&run) as u64
        })
    };
    let (run, received) = realtime(producer, consumer);
    assert_eq!(run.moved, received, "sent and received differ");
    run
}

/// The real-time thread's period clock, ticked by another thread.
#[derive(Default)]
struct Clock {
    ticks: AtomicU64,
    stopped: AtomicBool,
}

impl Clock {
    /// The real-time loop: each period, up to [`BURST`] values as fast as
    /// `step` moves them (`step` takes the count moved so far and returns
    /// the new count), until the clock stops and at least [`MIN_MOVED`]
    /// values have moved. Returns the count.
    fn bursts(&self, mut step: impl FnMut(u64) -> u64) -> u64 {
        let mut next = 0u64;
        let mut tick = 0;
        while self.next_tick(&mut tick) || next < MIN_MOVED {
            let end = next + BURST;
            while next < end && !self.ticked(tick) {
                next = step(next);
            }
        }
        next
    }

    /// Busy-waits (loads only: no system call) for a tick after `seen` and
    /// records it there; false, at once, once the clock has stopped.
    fn next_tick(&self, seen: &mut u64) -> bool {
        while !self.stopped.load(Ordering::Relaxed) {
            let now = self.ticks.load(Ordering::Relaxed);
            if now != *seen {
                *seen = now;
                return true;
            }
            std::hint::spin_loop();
        }
        false
    }

    /// Whether the clock has ticked since `seen`.
    fn ticked(&self, seen: u64) -> bool {
        self.ticks.load(Ordering::Relaxed) != seen
    }
}

/// Runs `rt_loop` on a new thread, the real-time one, between the two
/// markers, while `partner` runs on another, and this thread ticks the
/// clock; returns what each moved. `rt_loop` (which owns the real-time
/// side's handle) is dropped after the end marker: closing the ring wakes
/// the partner, outside the loop.
fn realtime(
    mut rt_loop: impl FnMut(&Clock) -> u64 + Send + 'static,
    partner: impl FnOnce() -> u64 + Send + 'static,
) -> (Run, u64) {
    let clock = Arc::new(Clock::default());
    let started = Arc::new(Barrier::new(3));
    let partner = {
        let started = started.clone();
        thread::spawn(move || {
            started.wait();
            partner()
        })
    };
    let rt = {
        let clock = clock.clone();
        let started = started.clone();
        thread::spawn(move || {
            println!("{TID_LINE}{}", gettid());
            started.wait();
            ARMED.with(|a| a.set(true));
            marker();
            let moved = rt_loop(&clock);
            marker();
            ARMED.with(|a| a.set(false));
            drop(rt_loop);
            Run {
                moved,
                allocations: ALLOCATIONS.with(Cell::get),
            }
        })
    };
    started.wait();
    for _ in 0..LOOP_TIME.as_millis() / PERIOD.as_millis() {
        thread::sleep(PERIOD);
        clock.ticks.fetch_add(1, Ordering::Relaxed);
    }
    clock.stopped.store(true, Ordering::Relaxed);
    let run = rt.join().unwrap();
    (run, partner.join().unwrap())
}

/// The system call that marks the start and the end of the loop.
const MARKER: &str = "getppid";

fn marker() {
    // SAFETY: getppid takes no argument and cannot fail.
    unsafe { libc::syscall(libc::SYS_getppid) };
}

fn gettid() -> libc::c_long {
    // SAFETY: gettid takes no argument and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) }
}

/// The two sides of an spsc or mpsc ring of `u64`, for the scenarios.
///
/// The methods take `&mut self` (the slice calls need it) and share their
/// names with the handles' own. The handles' `send`, `try_send`, `recv` and
/// `try_recv` take `&self`, so inside the impls below `self.send(v)` on a
/// `&mut` receiver would resolve to this trait's method (calling itself):
/// the impls name the inherent methods explicitly.
trait Tx: Send + 'static {
    /// `send`; false once the ring is closed.
    fn send(&mut self, v: u64) -> bool;
    /// `try_send`; false if it did not go in.
    fn try_send(&mut self, v: u64) -> bool;
    fn try_send_slice(&mut self, vs: &[u64]) -> usize;
}

trait Rx: Send + 'static {
    /// `recv`; `None` once the ring is closed and drained.
    fn recv(&mut self) -> Option<u64>;
    fn try_recv(&mut self) -> Option<u64>;
    fn try_recv_slice(&mut self, out: &mut [u64]) -> usize;
}

macro_rules! handles {
    ($m:ident) => {
        impl Tx for $m::Producer<u64> {
            fn send(&mut self, v: u64) -> bool {
                $m::Producer::send(self, v).is_ok()
            }
            fn try_send(&mut self, v: u64) -> bool {
                $m::Producer::try_send(self, v).is_ok()
            }
            fn try_send_slice(&mut self, vs: &[u64]) -> usize {
                $m::Producer::try_send_slice(self, vs).unwrap_or(0)
            }
        }
        impl Rx for $m::Consumer<u64> {
            fn recv(&mut self) -> Option<u64> {
                $m::Consumer::recv(self).ok()
            }
            fn try_recv(&mut self) -> Option<u64> {
                $m::Consumer::try_recv(self).ok()
            }
            fn try_recv_slice(&mut self, out: &mut [u64]) -> usize {
                $m::Consumer::try_recv_slice(self, out)
            }
        }
    };
}
handles!(spsc);
handles!(mpsc);

// ---------------------------------------------------------------------------
// Allocation counting: only the real-time thread's, only while armed.
// ---------------------------------------------------------------------------

struct Counting;

thread_local! {
    // Const-initialized and without destructor: touching them never
    // allocates and never makes a system call.
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts. `realloc` and
// `alloc_zeroed` default to calling `alloc`, so they count too.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with`: a thread being torn down has no locals left.
        if ARMED.try_with(Cell::get).unwrap_or(false) {
            let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

// ---------------------------------------------------------------------------
// The harness: the child's entry point, strace, and reading its log.
// ---------------------------------------------------------------------------

/// Names the scenario a child process runs.
const CHILD: &str = "RINGWEIR_RT_CHILD";
/// Set to 1 to make a missing or unusable strace an error (CI).
const REQUIRE: &str = "RINGWEIR_REQUIRE_STRACE";
/// How the child tells the parent the real-time thread's id.
const TID_LINE: &str = "ringweir-realtime-tid=";

/// Not a test: the entry point of a child process, which runs the scenario
/// named by `RINGWEIR_RT_CHILD`. Without it, does nothing.
#[test]
fn child() {
    let Ok(name) = std::env::var(CHILD) else {
        return;
    };
    let run = run_scenario(&name);
    println!(
        "{name}: the real-time thread moved {} values and allocated {} times in its loop",
        run.moved, run.allocations
    );
    assert_eq!(run.allocations, 0, "allocations on the real-time thread");
}

/// Fails with a report unless the real-time thread of `scenario` made no
/// system call and no allocation inside its loop.
fn assert_realtime_clean(scenario: &str) {
    let Some(trace) = trace(scenario) else {
        return;
    };
    if let Err(report) = trace.verdict() {
        panic!("{report}");
    }
    println!("{}", trace.output.trim());
}

/// A child's run under strace.
struct Trace {
    scenario: String,
    tid: String,
    /// Whether the child passed (its own checks: order, allocations).
    child_ok: bool,
    /// The child's exit status, stdout and stderr.
    output: String,
    /// The strace lines of the real-time thread's calls inside the loop.
    calls: Vec<String>,
}

impl Trace {
    /// `Ok` if the loop made no system call and the child passed, else a
    /// report naming the calls (with counts and samples) and the child's
    /// output.
    fn verdict(&self) -> Result<(), String> {
        if self.calls.is_empty() && self.child_ok {
            return Ok(());
        }
        let mut report = format!("{}: ", self.scenario);
        if self.calls.is_empty() {
            report += "the child failed (see its output)";
        } else {
            report += &format!(
                "the real-time thread (tid {}) made {} system calls inside its loop",
                self.tid,
                self.calls.len()
            );
        }
        // Per call name: how many, and the first two as samples.
        let mut by_name = BTreeMap::<&str, Vec<&str>>::new();
        for call in &self.calls {
            let name = split_line(call).and_then(|(_, rest)| syscall_name(rest));
            by_name.entry(name.unwrap_or("?")).or_default().push(call);
        }
        for (name, calls) in &by_name {
            report += &format!("\n  {name}: {}", calls.len());
            for call in calls.iter().take(2) {
                report += &format!("\n      e.g. {call}");
            }
        }
        report += &format!("\n--- child ---\n{}", self.output.trim());
        Err(report)
    }
}

/// Runs `scenario` in a child process under strace and collects the
/// real-time thread's system calls between its markers; `None` (after
/// printing why) where this cannot run.
fn trace(scenario: &str) -> Option<Trace> {
    if cfg!(miri) {
        println!("skipped under Miri, which cannot start processes");
        return None;
    }
    if let Some(sanitizer) = std::env::var_os("RINGWEIR_SANITIZER") {
        println!("skipped under the {sanitizer:?} sanitizer, whose runtime makes system calls");
        return None;
    }
    if let Err(why) = strace_works() {
        if std::env::var_os(REQUIRE).is_some_and(|v| v == "1") {
            panic!("{REQUIRE}=1, but {why}: tests/realtime.rs needs strace");
        }
        println!(
            "NOTE: {why}, so tests/realtime.rs proves nothing here; install strace \
             (CI sets {REQUIRE}=1 to make this an error)"
        );
        return None;
    }

    let log = std::env::temp_dir().join(format!(
        "ringweir-realtime-{}-{scenario}.strace",
        std::process::id()
    ));
    let out = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=all", "-o"])
        .arg(&log)
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env(CHILD, scenario)
        .output()
        .expect("run strace");
    let strace_log = std::fs::read_to_string(&log);
    let _ = std::fs::remove_file(&log);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let output = format!(
        "{}\n{}\n{}",
        out.status,
        stdout.trim(),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    // Not at the start of a line: libtest's "test child ... " precedes it.
    let tid = stdout.split_once(TID_LINE).map(|(_, rest)| {
        let digits = rest.find(|c: char| !c.is_ascii_digit());
        &rest[..digits.unwrap_or(rest.len())]
    });
    let Some(tid) = tid.filter(|tid| !tid.is_empty()) else {
        panic!("{scenario}: the child printed no thread id\n{output}");
    };
    let strace_log = strace_log.unwrap_or_else(|e| panic!("{scenario}: no strace log: {e}"));
    let calls = calls_between_markers(&strace_log, tid)
        .unwrap_or_else(|why| panic!("{scenario}: {why}\n{output}"));
    Some(Trace {
        scenario: scenario.to_owned(),
        tid: tid.to_owned(),
        child_ok: out.status.success(),
        output,
        calls,
    })
}

/// Whether strace can trace a process here (it may be missing, or ptrace
/// may be forbidden in a container).
fn strace_works() -> Result<(), String> {
    match Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null", "true"])
        .output()
    {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!(
            "`strace true` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            Err("strace is not installed (not on PATH)".to_owned())
        }
        Err(err) => Err(format!("strace cannot be run ({err})")),
    }
}

/// The lines of the system calls thread `tid` made strictly between its
/// first two [`MARKER`] calls, one line per call.
///
/// With `-f -o FILE`, strace prefixes each line with the thread id. A call
/// that another thread's output interrupts is split into
/// `name(args <unfinished ...>` and `<... name resumed>) = r`: it counts
/// once, where it starts. Signal (`---`) and exit (`+++`) lines are no
/// calls.
fn calls_between_markers(log: &str, tid: &str) -> Result<Vec<String>, String> {
    let mut markers = 0;
    let mut calls = Vec::new();
    for line in log.lines() {
        let Some((pid, call)) = split_line(line) else {
            continue;
        };
        if pid != tid {
            continue;
        }
        match syscall_name(call) {
            Some(MARKER) => {
                markers += 1;
                if markers == 2 {
                    return Ok(calls);
                }
            }
            Some(_) if markers == 1 => calls.push(line.to_owned()),
            _ => {}
        }
    }
    Err(format!(
        "{markers} of the 2 {MARKER} markers of thread {tid} in the strace log"
    ))
}

/// A strace line's thread id and the rest: `TID rest` (with `-o FILE`) or
/// `[pid TID] rest`.
fn split_line(line: &str) -> Option<(&str, &str)> {
    let line = line.strip_prefix("[pid ").unwrap_or(line).trim_start();
    let (pid, rest) = line.split_once([' ', ']'])?;
    Some((pid, rest.trim_start_matches([']', ' '])))
}

/// The name of the call that the rest of a strace line starts, if it
/// starts one.
fn syscall_name(call: &str) -> Option<&str> {
    let name = call.split('(').next()?;
    let is_name = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    is_name.then_some(name)
}
