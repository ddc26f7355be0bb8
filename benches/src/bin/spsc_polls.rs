//! SPSC transfers at capacity 1024 that count failed polls: how often the
//! producer found the ring full and the consumer found it empty. Says which
//! regime a run is in (a producer that outruns its consumer, a consumer at
//! the producer's heels, or neither waiting), which the criterion and
//! paired tables cannot tell apart; see "ringbuf's criterion row" in
//! `benches/ANALYSIS.md`.
//!
//! ```text
//! cargo run --profile bench -p ringweir-benches --bin spsc_polls -- QUEUE [TRANSFERS] [pad]
//! ```
//! QUEUE is `ringweir`, `rtrb` or `ringbuf` (one per process: the state of
//! the VM changes between processes, so alternate them). With `pad`, each
//! transfer first allocates a buffer of another size, so the ring's memory
//! lands at other offsets in a page. Prints ns/msg and the failed polls per
//! transfer of 2^20 values, then the median time.

use ringbuf::traits::{Consumer as _, Producer as _, Split};
use ringweir_benches::timed_pair;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

const VALUES: u64 = 1 << 20;
const CAPACITY: usize = 1024;

/// One timed transfer of [`VALUES`] through `make()`'s pair, spinning on
/// the non-blocking calls; returns ns/msg, failed sends, failed receives.
fn counted<P: Send, C: Send>(
    make: impl FnMut() -> (P, C),
    try_send: impl Fn(&mut P, u64) -> bool + Sync,
    try_recv: impl Fn(&mut C) -> Option<u64> + Sync,
) -> (f64, u64, u64) {
    let (full, empty) = (AtomicU64::new(0), AtomicU64::new(0));
    let elapsed = timed_pair(
        1,
        make,
        |mut tx| {
            let mut failed = 0;
            for i in 0..VALUES {
                while !try_send(&mut tx, i) {
                    failed += 1;
                    std::hint::spin_loop();
                }
            }
            full.store(failed, Relaxed);
        },
        |mut rx| {
            let mut failed = 0;
            for _ in 0..VALUES {
                loop {
                    if let Some(v) = try_recv(&mut rx) {
                        black_box(v);
                        break;
                    }
                    failed += 1;
                    std::hint::spin_loop();
                }
            }
            empty.store(failed, Relaxed);
        },
    );
    (
        elapsed.as_nanos() as f64 / VALUES as f64,
        full.into_inner(),
        empty.into_inner(),
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let queue = args.next().unwrap_or_else(|| "ringweir".into());
    let transfers: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let pad = args.next().is_some_and(|a| a == "pad");
    let mut pads = Vec::new();
    let mut times = Vec::new();
    for t in 0..transfers {
        if pad {
            pads.push(vec![1u8; (t % 8) * 1024 + 64 * (t % 3)]);
        }
        let (ns, full, empty) = match queue.as_str() {
            "ringweir" => counted(
                || {
                    ringweir::Builder::new(CAPACITY)
                        .wait(ringweir::Wait::Spin)
                        .spsc::<u64>()
                        .expect("capacity 1024 is valid")
                },
                |tx, v| tx.try_send(v).is_ok(),
                |rx| rx.try_recv().ok(),
            ),
            "rtrb" => counted(
                || rtrb::RingBuffer::<u64>::new(CAPACITY),
                |tx, v| tx.push(v).is_ok(),
                |rx| rx.pop().ok(),
            ),
            "ringbuf" => counted(
                || ringbuf::HeapRb::<u64>::new(CAPACITY).split(),
                |tx, v| tx.try_push(v).is_ok(),
                |rx| rx.try_pop(),
            ),
            other => panic!("unknown queue {other:?}: ringweir, rtrb or ringbuf"),
        };
        println!("{queue:9} {ns:6.2} ns/msg  failed sends {full:8}  failed receives {empty:8}");
        times.push(ns);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{queue:9} median {:.2} ns/msg over {transfers}",
        times[times.len() / 2]
    );
}
