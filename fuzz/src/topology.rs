//! One trait over the three topologies' handles (which have the same
//! methods but no common trait in the crate).

use ringweir::{
    Builder, CapacityError, Pressure, RecvError, RecvTimeoutError, SendError, SendTimeoutError,
    Sent, Stats, TryRecvError, TrySendError,
};
use std::time::Duration;

/// Producer methods.
pub trait TxOps<T> {
    fn send(&mut self, v: T) -> Result<Sent<T>, SendError<T>>;
    fn try_send(&mut self, v: T) -> Result<(), TrySendError<T>>;
    fn send_timeout(&mut self, v: T, d: Duration) -> Result<Sent<T>, SendTimeoutError<T>>;
    fn try_send_slice(&mut self, vs: &[T]) -> Result<usize, SendError<()>>
    where
        T: Clone;
    fn send_slice(&mut self, vs: &[T]) -> Result<(), SendError<usize>>
    where
        T: Clone;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool;
    fn is_full(&self) -> bool;
    fn capacity(&self) -> usize;
    fn is_closed(&self) -> bool;
    fn pressure(&self) -> Pressure;
    fn stats(&self) -> Stats;
}

/// Consumer methods.
pub trait RxOps<T> {
    fn recv(&mut self) -> Result<T, RecvError>;
    fn try_recv(&mut self) -> Result<T, TryRecvError>;
    fn recv_timeout(&mut self, d: Duration) -> Result<T, RecvTimeoutError>;
    fn recv_many(&mut self, buf: &mut Vec<T>, max: usize) -> usize;
    fn try_recv_many(&mut self, buf: &mut Vec<T>, max: usize) -> usize;
    fn try_recv_slice(&mut self, out: &mut [T]) -> usize;
    fn try_recv_in_place(&mut self, max: usize, look: impl FnMut(&[T])) -> usize;
    fn recv_slice(&mut self, out: &mut [T]) -> usize;
    fn try_iter_take(&mut self, n: usize) -> Vec<T>;
    fn iter_all(&mut self) -> Vec<T>;
    fn lagged(&mut self) -> u64;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool;
    fn capacity(&self) -> usize;
    fn is_closed(&self) -> bool;
    fn pressure(&self) -> Pressure;
    fn stats(&self) -> Stats;
}

/// A ring topology.
pub trait Topology {
    const NAME: &'static str;
    const MULTI_PRODUCER: bool;
    const MULTI_CONSUMER: bool;
    type Tx<T: Send + 'static>: TxOps<T> + Send + 'static;
    type Rx<T: Send + 'static>: RxOps<T> + Send + 'static;
    #[allow(clippy::type_complexity)]
    fn build<T: Send + 'static>(b: Builder) -> Result<(Self::Tx<T>, Self::Rx<T>), CapacityError>;
    fn clone_tx<T: Send + 'static>(tx: &Self::Tx<T>) -> Option<Self::Tx<T>>;
    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>>;
}

macro_rules! forward_tx {
    ($m:ident) => {
        impl<T> TxOps<T> for ringweir::$m::Producer<T> {
            fn send(&mut self, v: T) -> Result<Sent<T>, SendError<T>> {
                ringweir::$m::Producer::send(self, v)
            }
            fn try_send(&mut self, v: T) -> Result<(), TrySendError<T>> {
                ringweir::$m::Producer::try_send(self, v)
            }
            fn send_timeout(&mut self, v: T, d: Duration) -> Result<Sent<T>, SendTimeoutError<T>> {
                ringweir::$m::Producer::send_timeout(self, v, d)
            }
            fn try_send_slice(&mut self, vs: &[T]) -> Result<usize, SendError<()>>
            where
                T: Clone,
            {
                ringweir::$m::Producer::try_send_slice(self, vs)
            }
            fn send_slice(&mut self, vs: &[T]) -> Result<(), SendError<usize>>
            where
                T: Clone,
            {
                ringweir::$m::Producer::send_slice(self, vs)
            }
            fn len(&self) -> usize {
                ringweir::$m::Producer::len(self)
            }
            fn is_empty(&self) -> bool {
                ringweir::$m::Producer::is_empty(self)
            }
            fn is_full(&self) -> bool {
                ringweir::$m::Producer::is_full(self)
            }
            fn capacity(&self) -> usize {
                ringweir::$m::Producer::capacity(self)
            }
            fn is_closed(&self) -> bool {
                ringweir::$m::Producer::is_closed(self)
            }
            fn pressure(&self) -> Pressure {
                ringweir::$m::Producer::pressure(self)
            }
            fn stats(&self) -> Stats {
                ringweir::$m::Producer::stats(self)
            }
        }
    };
}

macro_rules! forward_rx {
    ($m:ident) => {
        impl<T> RxOps<T> for ringweir::$m::Consumer<T> {
            fn recv(&mut self) -> Result<T, RecvError> {
                ringweir::$m::Consumer::recv(self)
            }
            fn try_recv(&mut self) -> Result<T, TryRecvError> {
                ringweir::$m::Consumer::try_recv(self)
            }
            fn recv_timeout(&mut self, d: Duration) -> Result<T, RecvTimeoutError> {
                ringweir::$m::Consumer::recv_timeout(self, d)
            }
            fn recv_many(&mut self, buf: &mut Vec<T>, max: usize) -> usize {
                ringweir::$m::Consumer::recv_many(self, buf, max)
            }
            fn try_recv_many(&mut self, buf: &mut Vec<T>, max: usize) -> usize {
                ringweir::$m::Consumer::try_recv_many(self, buf, max)
            }
            fn try_recv_slice(&mut self, out: &mut [T]) -> usize {
                ringweir::$m::Consumer::try_recv_slice(self, out)
            }
            fn try_recv_in_place(&mut self, max: usize, look: impl FnMut(&[T])) -> usize {
                ringweir::$m::Consumer::try_recv_in_place(self, max, look)
            }
            fn recv_slice(&mut self, out: &mut [T]) -> usize {
                ringweir::$m::Consumer::recv_slice(self, out)
            }
            fn try_iter_take(&mut self, n: usize) -> Vec<T> {
                self.try_iter().take(n).collect()
            }
            fn iter_all(&mut self) -> Vec<T> {
                self.iter().collect()
            }
            fn lagged(&mut self) -> u64 {
                ringweir::$m::Consumer::lagged(self)
            }
            fn len(&self) -> usize {
                ringweir::$m::Consumer::len(self)
            }
            fn is_empty(&self) -> bool {
                ringweir::$m::Consumer::is_empty(self)
            }
            fn capacity(&self) -> usize {
                ringweir::$m::Consumer::capacity(self)
            }
            fn is_closed(&self) -> bool {
                ringweir::$m::Consumer::is_closed(self)
            }
            fn pressure(&self) -> Pressure {
                ringweir::$m::Consumer::pressure(self)
            }
            fn stats(&self) -> Stats {
                ringweir::$m::Consumer::stats(self)
            }
        }
    };
}

forward_tx!(spsc);
// `mpsc::Producer` and `mpmc::Producer` are one type.
forward_tx!(mpmc);
forward_rx!(spsc);
forward_rx!(mpsc);
forward_rx!(mpmc);

/// `ringweir::spsc`.
pub struct Spsc;
/// `ringweir::mpsc`.
pub struct Mpsc;
/// `ringweir::mpmc`.
pub struct Mpmc;

impl Topology for Spsc {
    const NAME: &'static str = "spsc";
    const MULTI_PRODUCER: bool = false;
    const MULTI_CONSUMER: bool = false;
    type Tx<T: Send + 'static> = ringweir::spsc::Producer<T>;
    type Rx<T: Send + 'static> = ringweir::spsc::Consumer<T>;
    fn build<T: Send + 'static>(b: Builder) -> Result<(Self::Tx<T>, Self::Rx<T>), CapacityError> {
        b.spsc()
    }
    fn clone_tx<T: Send + 'static>(_: &Self::Tx<T>) -> Option<Self::Tx<T>> {
        None
    }
    fn clone_rx<T: Send + 'static>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }
}

impl Topology for Mpsc {
    const NAME: &'static str = "mpsc";
    const MULTI_PRODUCER: bool = true;
    const MULTI_CONSUMER: bool = false;
    type Tx<T: Send + 'static> = ringweir::mpsc::Producer<T>;
    type Rx<T: Send + 'static> = ringweir::mpsc::Consumer<T>;
    fn build<T: Send + 'static>(b: Builder) -> Result<(Self::Tx<T>, Self::Rx<T>), CapacityError> {
        b.mpsc()
    }
    fn clone_tx<T: Send + 'static>(tx: &Self::Tx<T>) -> Option<Self::Tx<T>> {
        Some(tx.clone())
    }
    fn clone_rx<T: Send + 'static>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }
}

impl Topology for Mpmc {
    const NAME: &'static str = "mpmc";
    const MULTI_PRODUCER: bool = true;
    const MULTI_CONSUMER: bool = true;
    type Tx<T: Send + 'static> = ringweir::mpmc::Producer<T>;
    type Rx<T: Send + 'static> = ringweir::mpmc::Consumer<T>;
    fn build<T: Send + 'static>(b: Builder) -> Result<(Self::Tx<T>, Self::Rx<T>), CapacityError> {
        b.mpmc()
    }
    fn clone_tx<T: Send + 'static>(tx: &Self::Tx<T>) -> Option<Self::Tx<T>> {
        Some(tx.clone())
    }
    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
}
