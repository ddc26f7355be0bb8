//! A crossbeam-channel program, moved to ringweir.
//!
//! ```text
//! cargo run --release --example from_crossbeam
//! ```
//!
//! This program was written against crossbeam-channel. Moving it to
//! ringweir's `mpmc` module changed exactly two lines, the constructors:
//!
//! ```text
//! let (jobs_tx, jobs_rx) = crossbeam_channel::bounded(64);
//! let (results_tx, results_rx) = crossbeam_channel::bounded(64);
//! ```
//! became
//! ```text
//! let (jobs_tx, jobs_rx) = ringweir::mpmc::channel(64);
//! let (results_tx, results_rx) = ringweir::mpmc::channel(64);
//! ```
//!
//! Nothing else changed: producers are `clone`d into their threads, the
//! workers share one `&jobs_rx` and one `&results_tx` without cloning,
//! `send` is used with `?` and with `unwrap`, `for v in rx.iter()` ends when
//! every sender is gone, and `recv_timeout` bounds a wait. (The code names
//! no error variant: crossbeam-channel says `Disconnected` where ringweir
//! says `Closed`.)
//!
//! It computes the Collatz chain length of every number in 1..=300 000,
//! spread over three producers and four workers, and prints totals that do
//! not depend on which worker took which number.

use std::error::Error;
use std::thread;
use std::time::{Duration, Instant};

const PRODUCERS: u64 = 3;
const PER_PRODUCER: u64 = 100_000;
const WORKERS: usize = 4;

type BoxError = Box<dyn Error + Send + Sync>;

/// Steps of the Collatz map from `n` down to 1.
fn collatz_steps(mut n: u64) -> u64 {
    let mut steps = 0;
    while n != 1 {
        n = if n % 2 == 0 { n / 2 } else { 3 * n + 1 };
        steps += 1;
    }
    steps
}

fn main() -> Result<(), BoxError> {
    let start = Instant::now();
    let (jobs_tx, jobs_rx) = ringweir::mpmc::channel(64);
    let (results_tx, results_rx) = ringweir::mpmc::channel(64);

    // Producers: a clone of the sender each, moved into its thread; `?`
    // stops a producer if every receiver is gone.
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let jobs_tx = jobs_tx.clone();
            thread::spawn(move || -> Result<u64, BoxError> {
                let first = p * PER_PRODUCER + 1;
                for n in first..first + PER_PRODUCER {
                    jobs_tx.send(n)?;
                }
                Ok(PER_PRODUCER)
            })
        })
        .collect();
    // The workers' `iter` ends once every clone is gone: drop the original.
    drop(jobs_tx);

    // The collector owns the results receiver. It gives the workers ten
    // seconds to produce a first result, then takes the rest until every
    // worker is done.
    let collector = thread::spawn(move || {
        let first = results_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a first result within 10 s");
        let mut count = 0u64;
        let mut steps = 0u64;
        let mut longest = (0u64, 0u64); // (steps, n), smallest n on ties
        let mut per_worker = [0u64; WORKERS];
        for (worker, n, s) in std::iter::once(first).chain(results_rx.iter()) {
            count += 1;
            steps += s;
            if s > longest.0 || (s == longest.0 && n < longest.1) {
                longest = (s, n);
            }
            per_worker[worker] += 1;
        }
        (count, steps, longest, per_worker)
    });

    // Workers: scoped threads that share one receiver and one sender by
    // reference; nothing is cloned.
    thread::scope(|s| {
        for worker in 0..WORKERS {
            let (jobs_rx, results_tx) = (&jobs_rx, &results_tx);
            s.spawn(move || {
                for n in jobs_rx.iter() {
                    results_tx.send((worker, n, collatz_steps(n))).unwrap();
                }
            });
        }
    });
    // Every worker is done; the collector's `iter` ends with this sender.
    drop(results_tx);

    let mut sent = 0;
    for producer in producers {
        sent += producer.join().expect("a producer panicked")?;
    }
    let (count, steps, (longest_steps, longest_n), per_worker) =
        collector.join().expect("the collector panicked");

    println!("numbers sent:        {sent}");
    println!("results collected:   {count}");
    println!("total Collatz steps: {steps}");
    println!("longest chain:       {longest_n} ({longest_steps} steps)");
    println!(
        "per worker:          {per_worker:?} (varies from run to run; sums to {})",
        per_worker.iter().sum::<u64>()
    );
    println!("elapsed:             {:?}", start.elapsed());
    assert_eq!(sent, PRODUCERS * PER_PRODUCER);
    assert_eq!(count, sent, "every number was worked on exactly once");
    Ok(())
}
