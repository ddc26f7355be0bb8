//! Scale out: N worker threads draining one `mpmc` ring.
//!
//! ```text
//! cargo run --release --example worker_pool
//! ```
//!
//! Each job goes to exactly one worker. Order across workers is not kept:
//! worker A may finish job 7 before worker B finishes job 6. Each worker
//! sees the jobs it takes in ring order. If results must come out in order,
//! tag jobs with a sequence number and reorder on the way out.

use ringweir::{mpmc, Builder, Wait};
use std::thread;
use std::time::Instant;

/// Starts `workers` threads that run `work` on every job until the ring
/// closes, and returns their handles.
fn spawn_pool<T, R>(
    workers: usize,
    jobs: &mpmc::Consumer<T>,
    work: impl Fn(T) -> R + Send + Clone + 'static,
) -> Vec<thread::JoinHandle<Vec<R>>>
where
    T: Send + 'static,
    R: Send + 'static,
{
    (0..workers)
        .map(|_| {
            let jobs = jobs.clone();
            let work = work.clone();
            thread::spawn(move || jobs.iter().map(&work).collect())
        })
        .collect()
}

fn is_prime(n: u64) -> bool {
    n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0)
}

fn main() {
    const JOBS: u64 = 200_000;
    for workers in [1, 2, 4] {
        let (tx, rx) = Builder::new(256).wait(Wait::Park).mpmc::<u64>().unwrap();
        let start = Instant::now();
        let pool = spawn_pool(workers, &rx, |n| (n, is_prime(n)));
        drop(rx);
        for n in 0..JOBS {
            tx.send(n).unwrap();
        }
        drop(tx); // workers finish the queue, then stop
        let mut results: Vec<(u64, bool)> =
            pool.into_iter().flat_map(|w| w.join().unwrap()).collect();
        let took = start.elapsed();
        results.sort_unstable(); // restore job order
        assert_eq!(results.len() as u64, JOBS);
        let primes = results.iter().filter(|r| r.1).count();
        println!(
            "{workers} worker(s): {primes} primes below {JOBS} in {:.1} ms",
            took.as_secs_f64() * 1e3
        );
    }
}
