//! Who may send and receive on a ring, as a type: [`Spsc`], [`Mpsc`] and
//! [`Mpmc`], each with its [`Overflow`] policy. A topology picks the ring
//! protocol that serves it; the handles ([`Producer`](crate::Producer),
//! [`Consumer`](crate::Consumer)) are generic over it.

use crate::error::CapacityError;
use crate::policy::sealed::Policy;
use crate::protocol::StampedRing;
use crate::ring::Ring;
use crate::shared::{Config, Kind};
use crate::{Block, DropNewest, Overflow};
use std::marker::PhantomData;

/// A ring's topology and policy, the second type parameter of
/// [`Producer`](crate::Producer) and [`Consumer`](crate::Consumer).
///
/// Sealed: it is one of [`Spsc<P>`], [`Mpsc<P>`] and [`Mpmc<P>`]. Write
/// code generic over it to serve every kind of ring:
///
/// ```
/// use ringweir::{Consumer, Producer, Topology};
///
/// fn pump<K: Topology>(tx: &Producer<u32, K>, rx: &Consumer<u32, K>) -> u32 {
///     tx.try_send(20).unwrap();
///     tx.try_send(22).unwrap();
///     rx.try_iter().sum()
/// }
///
/// let (tx, rx) = ringweir::spsc::channel(4);
/// assert_eq!(pump(&tx, &rx), 42);
/// let (tx, rx) = ringweir::mpmc::channel(4);
/// assert_eq!(pump(&tx, &rx), 42);
/// ```
pub trait Topology: sealed::Topology + Send + Sync + 'static {
    /// The ring's overflow policy.
    type Policy: Overflow;
}

pub(crate) mod sealed {
    use super::*;

    /// What the handles need of a topology; not nameable outside the crate.
    pub trait Topology {
        /// The protocol that holds the values.
        type Ring<T>: Ring<T>;
        /// Whether producer handles can be cloned and shared between
        /// threads: then they keep no state of the protocol's.
        const SHARED_PRODUCERS: bool;
        /// Whether consumer handles can be cloned and shared between
        /// threads: then they keep no state of the protocol's.
        const SHARED_CONSUMERS: bool;
        /// Builds the ring for a validated configuration.
        fn build<T>(config: Config) -> Result<Self::Ring<T>, CapacityError>;
    }
}

/// One producer, one consumer, policy `P`: the handles of
/// [`spsc`](crate::spsc).
///
/// ```
/// let (tx, _rx): (ringweir::Producer<u8, ringweir::Spsc>, _) = ringweir::spsc::channel(2);
/// # drop(tx);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Spsc<P = Block>(PhantomData<P>);

/// Many producers, one consumer, policy `P`: the handles of
/// [`mpsc`](crate::mpsc).
///
/// ```
/// let (tx, _rx): (ringweir::Producer<u8, ringweir::Mpsc>, _) = ringweir::mpsc::channel(2);
/// # drop(tx);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Mpsc<P = Block>(PhantomData<P>);

/// Many producers, many consumers, policy `P`: the handles of
/// [`mpmc`](crate::mpmc).
///
/// ```
/// let (tx, _rx): (ringweir::Producer<u8, ringweir::Mpmc>, _) = ringweir::mpmc::channel(2);
/// # drop(tx);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Mpmc<P = Block>(PhantomData<P>);

impl<P: Overflow> Topology for Spsc<P> {
    type Policy = P;
}
impl<P: Overflow> sealed::Topology for Spsc<P> {
    type Ring<T> = P::SpscRing<T>;
    const SHARED_PRODUCERS: bool = false;
    const SHARED_CONSUMERS: bool = false;
    fn build<T>(config: Config) -> Result<P::SpscRing<T>, CapacityError> {
        P::build_spsc(config)
    }
}

impl<P: Overflow> Topology for Mpsc<P> {
    type Policy = P;
}
impl<P: Overflow> sealed::Topology for Mpsc<P> {
    type Ring<T> = StampedRing<T>;
    const SHARED_PRODUCERS: bool = true;
    const SHARED_CONSUMERS: bool = false;
    fn build<T>(config: Config) -> Result<StampedRing<T>, CapacityError> {
        StampedRing::new(config, false, false)
    }
}

impl<P: Overflow> Topology for Mpmc<P> {
    type Policy = P;
}
impl<P: Overflow> sealed::Topology for Mpmc<P> {
    type Ring<T> = StampedRing<T>;
    const SHARED_PRODUCERS: bool = true;
    const SHARED_CONSUMERS: bool = true;
    fn build<T>(config: Config) -> Result<StampedRing<T>, CapacityError> {
        StampedRing::new(config, false, true)
    }
}

/// The policy of topology `K`, as a value.
pub(crate) const fn kind<K: Topology>() -> Kind {
    <K::Policy as Policy>::KIND
}

/// Topologies whose producer handles can be cloned: [`Mpsc`] and [`Mpmc`].
///
/// ```
/// fn fan_in<K: ringweir::ManyProducers>(tx: &ringweir::Producer<u8, K>) -> ringweir::Producer<u8, K> {
///     tx.clone()
/// }
/// let (tx, _rx) = ringweir::mpsc::channel::<u8>(4);
/// let _tx2 = fan_in(&tx);
/// ```
pub trait ManyProducers: Topology {}
impl<P: Overflow> ManyProducers for Mpsc<P> {}
impl<P: Overflow> ManyProducers for Mpmc<P> {}

/// Topologies whose consumer handles can be cloned: [`Mpmc`].
///
/// ```
/// fn fan_out<K: ringweir::ManyConsumers>(rx: &ringweir::Consumer<u8, K>) -> ringweir::Consumer<u8, K> {
///     rx.clone()
/// }
/// let (_tx, rx) = ringweir::mpmc::channel::<u8>(4);
/// let _rx2 = fan_out(&rx);
/// ```
pub trait ManyConsumers: Topology {}
impl<P: Overflow> ManyConsumers for Mpmc<P> {}

/// Rings whose consumer is the only taker of values: one consumer handle,
/// and a policy that never evicts. Only these can show the oldest value
/// without taking it ([`peek`](crate::Consumer::peek)).
///
/// ```
/// let (tx, mut rx) = ringweir::mpsc::channel::<u8>(2);
/// tx.send(4).unwrap();
/// assert_eq!(rx.peek(), Some(&4));
/// ```
pub trait SoleTaker: Topology {}
impl SoleTaker for Spsc<Block> {}
impl SoleTaker for Spsc<DropNewest> {}
impl SoleTaker for Mpsc<Block> {}
impl SoleTaker for Mpsc<DropNewest> {}
