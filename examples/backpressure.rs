//! A fast producer and a slow consumer, once per backpressure strategy.
//!
//! ```text
//! cargo run --release --example backpressure
//! ```
//!
//! The producer offers 200 000 ticks as fast as it can; each consumer spends
//! about a microsecond per tick. The table shows what each strategy does
//! with the surplus: the producer waits (`Block`), the newest ticks are
//! refused (`DropNewest`), the oldest are evicted (`DropOldest`), the
//! producer sheds load itself when `pressure()` turns high (`Pressure`), or
//! more consumers share the work (`mpmc x4`).

use ringweir::{
    spsc, Block, Builder, DropNewest, DropOldest, Overflow, Pressure, Spsc, Stats, Topology,
};
use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

const TICKS: u64 = 200_000;
const CAPACITY: usize = 1024;

/// About a microsecond of work per tick.
fn slow_work(tick: u64) -> u64 {
    let start = Instant::now();
    let mut x = tick;
    while start.elapsed() < Duration::from_micros(1) {
        x = black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
    x
}

/// One consumer behind an spsc ring of policy `P` (the policy is part of
/// the ring's type, so each strategy is its own instance of this function).
fn one_consumer<P: Overflow>(cooperative: bool) -> (Stats, u64, Duration)
where
    Spsc<P>: Topology<Policy = P>,
    spsc::Producer<u64, P>: Send,
{
    let (tx, rx) = Builder::new(CAPACITY)
        .overflow(P::default())
        .watermarks(CAPACITY * 3 / 4, CAPACITY / 4)
        .spsc::<u64>()
        .expect("valid capacity");
    let start = Instant::now();
    let producer = thread::spawn(move || {
        let mut shed = 0;
        for tick in 0..TICKS {
            if cooperative && tx.pressure() == Pressure::High {
                shed += 1; // shed load before the ring is full
                continue;
            }
            // Dropped or evicted ticks come back here; a real producer
            // might log or recycle them.
            let _ = tx.send(tick).expect("consumer alive");
        }
        shed
    });
    let mut checksum = 0u64;
    while let Ok(tick) = rx.recv() {
        checksum ^= slow_work(tick);
    }
    black_box(checksum);
    let shed = producer.join().unwrap();
    (rx.stats(), shed, start.elapsed())
}

fn scaled_out(consumers: usize) -> (Stats, u64, Duration) {
    let (tx, rx) = Builder::new(CAPACITY)
        .mpmc::<u64>()
        .expect("valid capacity");
    let start = Instant::now();
    let pool: Vec<_> = (0..consumers)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || rx.iter().fold(0, |acc, t| acc ^ slow_work(t)))
        })
        .collect();
    for tick in 0..TICKS {
        tx.send(tick).expect("consumers alive");
    }
    drop(tx);
    for worker in pool {
        black_box(worker.join().unwrap());
    }
    (rx.stats(), 0, start.elapsed())
}

fn main() {
    println!(
        "{TICKS} ticks offered, ring capacity {CAPACITY}, ~1 us of work per tick, {} cores\n",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "strategy", "sent", "received", "dropped", "evicted", "shed", "waits", "time ms"
    );
    type Run = Box<dyn Fn() -> (Stats, u64, Duration)>;
    let runs: [(&str, Run); 5] = [
        ("Block", Box::new(|| one_consumer::<Block>(false))),
        ("DropNewest", Box::new(|| one_consumer::<DropNewest>(false))),
        ("DropOldest", Box::new(|| one_consumer::<DropOldest>(false))),
        ("Pressure", Box::new(|| one_consumer::<Block>(true))),
        ("mpmc x4", Box::new(|| scaled_out(4))),
    ];
    for (name, run) in runs {
        let (s, shed, took) = run();
        println!(
            "{:<12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9.1}",
            name,
            s.sent,
            s.received,
            s.dropped,
            s.evicted,
            shed,
            s.waits,
            took.as_secs_f64() * 1e3
        );
        assert_eq!(s.sent + s.dropped + shed, TICKS, "every tick accounted for");
        assert_eq!(s.received + s.evicted, s.sent);
    }
    println!("\nsent = received + evicted; offered = sent + dropped + shed.");
}
