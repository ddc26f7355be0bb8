//! Pauses that a channel's sleeping side inflicts on an unrelated busy
//! thread of the same process.
//!
//! A latency-critical thread (a market-data loop, an audio callback) often
//! shares its process with a ring whose consumer sleeps in `recv` between
//! messages. Putting that consumer to sleep and waking it for every message
//! should cost the busy thread nothing it can see. This binary counts what
//! it does cost. In each trial a busy thread that touches no channel reads
//! `Instant::now()` in a tight loop and counts the gaps between consecutive
//! reads longer than 5 us, and those longer than 1 us with their total
//! length (an inter-processor interrupt in a VM may take less than 5 us).
//! Meanwhile a producer sends a `u64` every 250 us
//! (a deadline schedule) to a consumer blocked in `recv` (capacity 64), so
//! the consumer sleeps between messages and is woken for each one. The
//! `none` variant keeps the producer's schedule with no channel and no
//! consumer, which gives the machine's own pauses as a baseline.
//!
//! Each round runs every variant once, and the order rotates from round to
//! round so that drift on a noisy VM hits all of them alike. For each
//! variant the report gives medians over rounds of: pauses > 5 us per
//! second, extra pauses per second over the same round's `none`, the
//! longest gap, and messages delivered per second. Every trial checks that
//! every message sent was received; nothing about time is asserted.
//!
//! ```text
//! cargo run --profile bench -p ringweir-benches --bin pauses -- [ROUNDS] [TRIAL_MS]
//! ```
//! Defaults: 7 rounds of 1000 ms trials (3 rounds of 300 ms with
//! `RINGWEIR_BENCH_QUICK=1`). Writes `target/ringweir-extra/pauses.json`.

use ringweir::Builder;
use ringweir_benches::{extra_dir, percentile, quick};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

const CAP: usize = 64;
/// The producer's period.
const TICK: Duration = Duration::from_micros(250);
/// A gap between two of the busy thread's clock reads longer than this
/// counts as a pause.
const PAUSE: Duration = Duration::from_micros(5);
/// Gaps longer than this count as interruptions (an inter-processor
/// interrupt in a VM can cost less than `PAUSE`), and their sum as time
/// taken from the busy thread.
const BLIP: Duration = Duration::from_micros(1);

/// What one trial saw.
struct Trial {
    /// Gaps longer than `PAUSE` between the busy thread's clock reads.
    pauses: u64,
    /// Gaps longer than `BLIP`, and their total length.
    blips: u64,
    lost: Duration,
    longest: Duration,
    /// How long the busy thread ran.
    elapsed: Duration,
    /// Messages received (0 for `none`).
    delivered: u64,
}

/// The busy thread: reads the clock until `dur` has passed and counts the
/// pauses between reads.
fn busy(dur: Duration) -> Trial {
    let start = Instant::now();
    let (mut last, mut pauses, mut longest) = (start, 0, Duration::ZERO);
    let (mut blips, mut lost) = (0, Duration::ZERO);
    loop {
        let now = Instant::now();
        let gap = now - last;
        pauses += u64::from(gap > PAUSE);
        if gap > BLIP {
            blips += 1;
            lost += gap;
        }
        longest = longest.max(gap);
        last = now;
        if now - start >= dur {
            return Trial {
                pauses,
                blips,
                lost,
                longest,
                elapsed: now - start,
                delivered: 0,
            };
        }
    }
}

/// One trial of `dur`: the busy thread; a producer (this thread) that sends
/// every `TICK` and then drops its sender; and, if `pair` is given, a
/// consumer thread blocked in `recv` until the channel closes.
///
/// # Panics
/// If the consumer did not receive every message sent.
fn trial<S, R: Send>(
    dur: Duration,
    pair: Option<(S, R)>,
    send: impl Fn(&mut S, u64),
    recv: impl Fn(&mut R) -> Option<u64> + Sync,
) -> Trial {
    let (mut tx, rx) = pair.unzip();
    let start = Barrier::new(if rx.is_some() { 3 } else { 2 });
    thread::scope(|s| {
        let (start, recv) = (&start, &recv);
        let consumer = rx.map(|mut rx| {
            s.spawn(move || {
                start.wait();
                let mut got = 0u64;
                while recv(&mut rx).is_some() {
                    got += 1;
                }
                got
            })
        });
        let busy = s.spawn(move || {
            start.wait();
            busy(dur)
        });
        start.wait();
        let t0 = Instant::now();
        let (mut next, mut sent) = (t0, 0u64);
        loop {
            next += TICK;
            if next - t0 > dur {
                break;
            }
            thread::sleep(next.saturating_duration_since(Instant::now()));
            if let Some(tx) = tx.as_mut() {
                send(tx, sent);
            }
            sent += 1;
        }
        drop(tx);
        let mut seen = busy.join().unwrap();
        seen.delivered = consumer.map_or(0, |c| {
            let got = c.join().unwrap();
            assert_eq!(got, sent, "received {got} of {sent} messages");
            got
        });
        seen
    })
}

type Runner = Box<dyn Fn(Duration) -> Trial>;

/// A variant: the channel `$pair` builds, used through its blocking `send`
/// and `recv`.
macro_rules! channel {
    ($name:expr, $pair:expr) => {
        (
            $name,
            Box::new(|d| {
                trial(
                    d,
                    Some($pair),
                    |tx, v| {
                        tx.send(v).unwrap();
                    },
                    |rx| rx.recv().ok(),
                )
            }) as Runner,
        )
    };
}

/// Every variant, the `none` baseline first.
fn variants() -> Vec<(&'static str, Runner)> {
    vec![
        (
            "none",
            Box::new(|d| trial::<(), ()>(d, None, |_, _| {}, |_| None)),
        ),
        channel!("ringweir-spsc", Builder::new(CAP).spsc::<u64>().unwrap()),
        channel!("ringweir-mpsc", Builder::new(CAP).mpsc::<u64>().unwrap()),
        channel!("crossbeam-channel", crossbeam_channel::bounded::<u64>(CAP)),
        channel!(
            "std-sync_channel",
            std::sync::mpsc::sync_channel::<u64>(CAP)
        ),
        channel!("flume", flume::bounded::<u64>(CAP)),
        channel!("kanal", kanal::bounded::<u64>(CAP)),
    ]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    (v[(n - 1) / 2] + v[n / 2]) / 2.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(if quick() { 3 } else { 7 })
        .max(1);
    let dur = Duration::from_millis(
        args.next()
            .and_then(|a| a.parse().ok())
            .unwrap_or(if quick() { 300 } else { 1000 }),
    );

    let variants = variants();
    // A short warm-up of each (thread start, first allocation, page faults).
    for (_, run) in &variants {
        run(dur / 10);
    }
    let mut trials: Vec<Vec<Trial>> = variants.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        for k in 0..variants.len() {
            let i = (round + k) % variants.len();
            trials[i].push(variants[i].1(dur));
        }
    }

    println!(
        "pauses > {PAUSE:?} of a busy thread beside a sleeping consumer: \
         {rounds} rounds x {dur:?}, a send every {TICK:?}, capacity {CAP}"
    );
    println!(
        "{:<20} {:>10} {:>10} {:>12} {:>10} {:>10} {:>10}",
        "variant", "pauses/s", "extra/s", "longest(us)", "msgs/s", ">1us/s", "lost us/s"
    );
    let rate = |n: u64, t: &Trial| n as f64 / t.elapsed.as_secs_f64();
    let mut json = Vec::new();
    for (i, (name, _)) in variants.iter().enumerate() {
        let ts = &trials[i];
        let pauses = median(ts.iter().map(|t| rate(t.pauses, t)).collect());
        let extra = median(
            ts.iter()
                .zip(&trials[0])
                .map(|(t, none)| rate(t.pauses, t) - rate(none.pauses, none))
                .collect(),
        );
        let mut longest: Vec<Duration> = ts.iter().map(|t| t.longest).collect();
        longest.sort_unstable();
        let longest = percentile(&longest, 50.0);
        let msgs = median(ts.iter().map(|t| rate(t.delivered, t)).collect());
        let blips = median(ts.iter().map(|t| rate(t.blips, t)).collect());
        let lost = median(
            ts.iter()
                .map(|t| t.lost.as_secs_f64() * 1e6 / t.elapsed.as_secs_f64())
                .collect(),
        );
        println!(
            "{:<20} {:>10.1} {:>10.1} {:>12.1} {:>10.0} {:>10.1} {:>10.1}",
            name,
            pauses,
            extra,
            longest.as_secs_f64() * 1e6,
            msgs,
            blips,
            lost
        );
        json.push(format!(
            "  \"{name}\": {{\"pauses_per_s\": {pauses:.2}, \"extra_per_s\": {extra:.2}, \"longest_ns\": {}, \"msgs_per_s\": {msgs:.1}, \"blips_per_s\": {blips:.2}, \"lost_us_per_s\": {lost:.2}, \"rounds\": {rounds}, \"trial_ms\": {}, \"tick_us\": {}, \"pause_us\": {}}}",
            longest.as_nanos(),
            dur.as_millis(),
            TICK.as_micros(),
            PAUSE.as_micros()
        ));
    }
    let path = extra_dir().join("pauses.json");
    std::fs::write(&path, format!("{{\n{}\n}}\n", json.join(",\n"))).unwrap();
    println!("wrote {}", path.display());
}
