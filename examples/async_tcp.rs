//! A producer thread feeding an async task that ships the values over TCP,
//! with the ring's overflow policy chosen on the command line.
//!
//! ```text
//! cargo run --release --features async --example async_tcp -- --policy drop-oldest
//! ```
//!
//! `--policy` is `block` (the default), `drop-newest` or `drop-oldest`. A
//! thread produces 200 000 ticks, one every 200 ns, into an spsc ring; a
//! tokio task takes them with `recv_async` and writes each as a line to a
//! TCP connection on 127.0.0.1, to a small server in this same program
//! that counts what arrives. With `block` the thread waits for the task
//! and every tick arrives; with the drop policies it never waits, and the
//! ring's counters say how many ticks were refused or evicted.

use ringweir::{Block, Builder, DropNewest, DropOldest, Overflow, Spsc, Stats, Topology};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};

const TICKS: u64 = 200_000;
const CAPACITY: usize = 1024;
/// How often the producer has a tick ready.
const TICK_EVERY: Duration = Duration::from_nanos(200);

/// What one run did: the ring's counters, the lines the server read, and
/// how long the producer thread took.
struct Outcome {
    stats: Stats,
    lines: u64,
    producer_time: Duration,
}

/// Runs the whole pipeline on an spsc ring of policy `P`.
async fn run<P: Overflow>() -> std::io::Result<Outcome>
where
    Spsc<P>: Topology<Policy = P>,
{
    // The server: counts the lines it reads until the client hangs up.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await?;
        let mut lines = BufReader::new(socket).lines();
        let mut count = 0u64;
        while lines.next_line().await?.is_some() {
            count += 1;
        }
        std::io::Result::Ok(count)
    });

    let (tx, mut rx) = Builder::new(CAPACITY)
        .overflow(P::default())
        .build::<u64, Spsc<P>>()
        .expect("a valid capacity");

    // The producer: a plain thread that never awaits anything. On a
    // `Block` ring `send` waits for room; on the others it never waits and
    // hands back what the policy refused or evicted (dropped here).
    let producer = std::thread::spawn(move || {
        let started = Instant::now();
        for tick in 0..TICKS {
            // The next tick is due at a fixed rate, as from a feed.
            let due = started + TICK_EVERY * tick as u32;
            while Instant::now() < due {
                std::hint::spin_loop();
            }
            if tx.send(tick).is_err() {
                break; // the shipping task is gone
            }
        }
        started.elapsed()
    });

    // The shipping task: awaits each tick and writes it as a line.
    let socket = TcpStream::connect(address).await?;
    let mut out = BufWriter::new(socket);
    while let Ok(tick) = rx.recv_async().await {
        out.write_all(format!("{tick}\n").as_bytes()).await?;
    }
    out.shutdown().await?;
    let stats = rx.stats();
    let producer_time = producer.join().expect("the producer thread panicked");
    let lines = server.await.expect("the server task panicked")?;
    Ok(Outcome {
        stats,
        lines,
        producer_time,
    })
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut policy = String::from("block");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--policy" => policy = args.next().unwrap_or_default(),
            other => {
                eprintln!("unknown argument {other:?}; usage: async_tcp [--policy block|drop-newest|drop-oldest]");
                std::process::exit(2);
            }
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_io()
        .build()?;
    let outcome = runtime.block_on(async {
        match policy.as_str() {
            "block" => run::<Block>().await,
            "drop-newest" => run::<DropNewest>().await,
            "drop-oldest" => run::<DropOldest>().await,
            other => {
                eprintln!("unknown policy {other:?}: use block, drop-newest or drop-oldest");
                std::process::exit(2);
            }
        }
    })?;
    let s = outcome.stats;
    println!("policy {policy}: {TICKS} ticks offered through a ring of {CAPACITY}");
    println!(
        "  ring:   sent {}  received {}  dropped {}  evicted {}  waits {}",
        s.sent, s.received, s.dropped, s.evicted, s.waits
    );
    println!(
        "  server: {} lines read; producer took {:.1} ms",
        outcome.lines,
        outcome.producer_time.as_secs_f64() * 1e3
    );
    // Every tick is accounted for, and the server got what the task took.
    assert_eq!(s.received + s.dropped + s.evicted, TICKS);
    assert_eq!(outcome.lines, s.received);
    Ok(())
}
