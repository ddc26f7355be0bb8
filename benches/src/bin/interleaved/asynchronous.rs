//! Async scenarios: one channel between a tokio task and another task or a
//! plain thread, ringweir's `send_async`/`recv_async` beside the async
//! APIs of tokio's `mpsc`, kanal, flume and thingbuf. Each trial builds its
//! own runtime; a trial's time runs from spawning both sides to the end of
//! both. With a thread on one side the runtime has one worker, so that
//! the process runs two busy threads on the two cores.

use super::{per, Kind, Runner, Sample, Scenario};
use ringweir::{Builder, Spsc};
use std::future::Future;
use std::hint::black_box;
use std::time::Instant;

const CAP: usize = 1024;

/// A sending half awaited by a task.
trait AsyncTx: Send + 'static {
    fn send(&mut self, v: u64) -> impl Future<Output = ()> + Send + '_;
}

/// A receiving half awaited by a task: `None` once closed and drained.
trait AsyncRx: Send + 'static {
    fn recv(&mut self) -> impl Future<Output = Option<u64>> + Send + '_;
}

/// A sending half used by a plain thread, blocking while full.
trait SyncTx: Send + 'static {
    fn send_blocking(&mut self, v: u64);
}

/// A receiving half used by a plain thread: `None` once closed and drained.
trait SyncRx: Send + 'static {
    fn recv_blocking(&mut self) -> Option<u64>;
}

type RingTx = ringweir::Producer<u64, Spsc>;
type RingRx = ringweir::Consumer<u64, Spsc>;

impl AsyncTx for RingTx {
    async fn send(&mut self, v: u64) {
        self.send_async(v).await.unwrap()
    }
}
impl AsyncRx for RingRx {
    async fn recv(&mut self) -> Option<u64> {
        self.recv_async().await.ok()
    }
}
impl SyncTx for RingTx {
    fn send_blocking(&mut self, v: u64) {
        ringweir::Producer::send(self, v).unwrap();
    }
}
impl SyncRx for RingRx {
    fn recv_blocking(&mut self) -> Option<u64> {
        ringweir::Consumer::recv(self).ok()
    }
}

impl AsyncTx for tokio::sync::mpsc::Sender<u64> {
    async fn send(&mut self, v: u64) {
        tokio::sync::mpsc::Sender::send(self, v).await.unwrap()
    }
}
impl AsyncRx for tokio::sync::mpsc::Receiver<u64> {
    fn recv(&mut self) -> impl Future<Output = Option<u64>> + Send + '_ {
        tokio::sync::mpsc::Receiver::recv(self)
    }
}
impl SyncTx for tokio::sync::mpsc::Sender<u64> {
    fn send_blocking(&mut self, v: u64) {
        self.blocking_send(v).unwrap();
    }
}
impl SyncRx for tokio::sync::mpsc::Receiver<u64> {
    fn recv_blocking(&mut self) -> Option<u64> {
        self.blocking_recv()
    }
}

impl AsyncTx for kanal::AsyncSender<u64> {
    async fn send(&mut self, v: u64) {
        kanal::AsyncSender::send(self, v).await.unwrap()
    }
}
impl AsyncRx for kanal::AsyncReceiver<u64> {
    async fn recv(&mut self) -> Option<u64> {
        kanal::AsyncReceiver::recv(self).await.ok()
    }
}
impl SyncTx for kanal::Sender<u64> {
    fn send_blocking(&mut self, v: u64) {
        kanal::Sender::send(self, v).unwrap();
    }
}
impl SyncRx for kanal::Receiver<u64> {
    fn recv_blocking(&mut self) -> Option<u64> {
        kanal::Receiver::recv(self).ok()
    }
}

impl AsyncTx for flume::Sender<u64> {
    async fn send(&mut self, v: u64) {
        self.send_async(v).await.unwrap()
    }
}
impl AsyncRx for flume::Receiver<u64> {
    async fn recv(&mut self) -> Option<u64> {
        self.recv_async().await.ok()
    }
}
impl SyncTx for flume::Sender<u64> {
    fn send_blocking(&mut self, v: u64) {
        flume::Sender::send(self, v).unwrap();
    }
}
impl SyncRx for flume::Receiver<u64> {
    fn recv_blocking(&mut self) -> Option<u64> {
        flume::Receiver::recv(self).ok()
    }
}

impl AsyncTx for thingbuf::mpsc::Sender<u64> {
    async fn send(&mut self, v: u64) {
        thingbuf::mpsc::Sender::send(self, v).await.unwrap()
    }
}
impl AsyncRx for thingbuf::mpsc::Receiver<u64> {
    fn recv(&mut self) -> impl Future<Output = Option<u64>> + Send + '_ {
        thingbuf::mpsc::Receiver::recv(self)
    }
}

fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .expect("a tokio runtime")
}

/// Sends `0..n` from a task to a task.
fn task_to_task<Tx: AsyncTx, Rx: AsyncRx>(n: u64, make: fn() -> (Tx, Rx)) -> Runner {
    Box::new(move || {
        let rt = runtime(2);
        let (mut tx, mut rx) = make();
        let t0 = Instant::now();
        let producer = rt.spawn(async move {
            for i in 0..n {
                tx.send(i).await;
            }
        });
        let consumer = rt.spawn(async move { while black_box(rx.recv().await).is_some() {} });
        rt.block_on(async {
            producer.await.unwrap();
            consumer.await.unwrap();
        });
        sample(t0, n)
    })
}

/// Sends `0..n` from a plain thread to a task.
fn thread_to_task<Tx: SyncTx, Rx: AsyncRx>(n: u64, make: fn() -> (Tx, Rx)) -> Runner {
    Box::new(move || {
        let rt = runtime(1);
        let (mut tx, mut rx) = make();
        let t0 = Instant::now();
        let consumer = rt.spawn(async move { while black_box(rx.recv().await).is_some() {} });
        let producer = std::thread::spawn(move || {
            for i in 0..n {
                tx.send_blocking(i);
            }
        });
        producer.join().unwrap();
        rt.block_on(consumer).unwrap();
        sample(t0, n)
    })
}

/// Sends `0..n` from a task to a plain thread.
fn task_to_thread<Tx: AsyncTx, Rx: SyncRx>(n: u64, make: fn() -> (Tx, Rx)) -> Runner {
    Box::new(move || {
        let rt = runtime(1);
        let (mut tx, mut rx) = make();
        let t0 = Instant::now();
        let consumer = std::thread::spawn(move || while black_box(rx.recv_blocking()).is_some() {});
        rt.block_on(async move {
            for i in 0..n {
                tx.send(i).await;
            }
        });
        consumer.join().unwrap();
        sample(t0, n)
    })
}

/// `r` round trips between two tasks over two channels.
fn task_round_trip<Tx: AsyncTx, Rx: AsyncRx>(r: u64, make: fn() -> (Tx, Rx)) -> Runner {
    Box::new(move || {
        let rt = runtime(2);
        let (mut ping_tx, mut ping_rx) = make();
        let (mut pong_tx, mut pong_rx) = make();
        let t0 = Instant::now();
        let echo = rt.spawn(async move {
            while let Some(v) = ping_rx.recv().await {
                pong_tx.send(v).await;
            }
        });
        rt.block_on(async move {
            for i in 0..r {
                ping_tx.send(i).await;
                black_box(pong_rx.recv().await);
            }
        });
        rt.block_on(echo).unwrap();
        sample(t0, r)
    })
}

fn sample(t0: Instant, n: u64) -> Sample {
    Sample {
        ns: per(t0.elapsed(), n),
        delivered: None,
    }
}

fn ringweir() -> (RingTx, RingRx) {
    Builder::new(CAP).spsc().unwrap()
}
fn tokio_mpsc() -> (
    tokio::sync::mpsc::Sender<u64>,
    tokio::sync::mpsc::Receiver<u64>,
) {
    tokio::sync::mpsc::channel(CAP)
}
fn kanal_async() -> (kanal::AsyncSender<u64>, kanal::AsyncReceiver<u64>) {
    kanal::bounded_async(CAP)
}
fn kanal_sync_to_async() -> (kanal::Sender<u64>, kanal::AsyncReceiver<u64>) {
    let (tx, rx) = kanal::bounded(CAP);
    (tx, rx.to_async())
}
fn kanal_async_to_sync() -> (kanal::AsyncSender<u64>, kanal::Receiver<u64>) {
    let (tx, rx) = kanal::bounded(CAP);
    (tx.to_async(), rx)
}
fn flume_channel() -> (flume::Sender<u64>, flume::Receiver<u64>) {
    flume::bounded(CAP)
}
fn thingbuf_channel() -> (thingbuf::mpsc::Sender<u64>, thingbuf::mpsc::Receiver<u64>) {
    thingbuf::mpsc::channel(CAP)
}

/// The async scenarios: task to task, thread to task, task to thread (`n`
/// values each), and a round trip between tasks (`r` of them).
pub(super) fn scenarios(n: u64, r: u64) -> Vec<Scenario> {
    vec![
        Scenario {
            name: "async task_to_task",
            unit: "per msg",
            runs: vec![
                ("ringweir-spsc", Kind::Ours, task_to_task(n, ringweir)),
                ("tokio-mpsc", Kind::Peer, task_to_task(n, tokio_mpsc)),
                ("kanal", Kind::Peer, task_to_task(n, kanal_async)),
                ("flume", Kind::Peer, task_to_task(n, flume_channel)),
                ("thingbuf", Kind::Peer, task_to_task(n, thingbuf_channel)),
            ],
        },
        Scenario {
            name: "async thread_to_task",
            unit: "per msg",
            runs: vec![
                ("ringweir-spsc", Kind::Ours, thread_to_task(n, ringweir)),
                ("tokio-mpsc", Kind::Peer, thread_to_task(n, tokio_mpsc)),
                ("kanal", Kind::Peer, thread_to_task(n, kanal_sync_to_async)),
                ("flume", Kind::Peer, thread_to_task(n, flume_channel)),
            ],
        },
        Scenario {
            name: "async task_to_thread",
            unit: "per msg",
            runs: vec![
                ("ringweir-spsc", Kind::Ours, task_to_thread(n, ringweir)),
                ("tokio-mpsc", Kind::Peer, task_to_thread(n, tokio_mpsc)),
                ("kanal", Kind::Peer, task_to_thread(n, kanal_async_to_sync)),
                ("flume", Kind::Peer, task_to_thread(n, flume_channel)),
            ],
        },
        Scenario {
            name: "async round_trip",
            unit: "per round trip",
            runs: vec![
                ("ringweir-spsc", Kind::Ours, task_round_trip(r, ringweir)),
                ("tokio-mpsc", Kind::Peer, task_round_trip(r, tokio_mpsc)),
                ("kanal", Kind::Peer, task_round_trip(r, kanal_async)),
                ("flume", Kind::Peer, task_round_trip(r, flume_channel)),
                ("thingbuf", Kind::Peer, task_round_trip(r, thingbuf_channel)),
            ],
        },
    ]
}
