//! From the input's topology and policy to a ring type, with one match
//! ([`dispatch`]), and the little the harnesses need beyond the library's
//! generic handles ([`Handles`]).
//!
//! The harnesses are written once, over `ringweir::Producer<T, K>` and
//! `ringweir::Consumer<T, K>` with `K: Handles`; the library's marker traits
//! (`ManyProducers`, `ManyConsumers`, `SoleTaker`) say which handles clone
//! and which consumers peek, and `Handles` turns that into an `Option`, so
//! one harness serves every ring.

use crate::Tok;
use ringweir::{
    Block, Consumer, DropNewest, DropOldest, Mpmc, Mpsc, Overflow, Producer, Spsc, Topology,
};

/// The three topologies, as the fuzz inputs name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Spsc,
    Mpsc,
    Mpmc,
}

impl Shape {
    /// `b % 3`: spsc, mpsc, mpmc.
    pub fn from_byte(b: u8) -> Self {
        [Self::Spsc, Self::Mpsc, Self::Mpmc][(b % 3) as usize]
    }
}

/// The three policies, as values a model compares (the library's own is
/// private).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Block,
    DropNewest,
    DropOldest,
}

/// What a harness reads off a ring's policy type.
pub trait KnownPolicy: Overflow {
    const POLICY: Policy;
}

impl KnownPolicy for Block {
    const POLICY: Policy = Policy::Block;
}

impl KnownPolicy for DropNewest {
    const POLICY: Policy = Policy::DropNewest;
}

impl KnownPolicy for DropOldest {
    const POLICY: Policy = Policy::DropOldest;
}

/// A ring type with what the harnesses do that only some rings can:
/// clone a producer (`ManyProducers`), clone a consumer (`ManyConsumers`),
/// peek (`SoleTaker`). `None` where the ring cannot.
pub trait Handles: Topology<Policy: KnownPolicy> + Sized {
    const MULTI_PRODUCER: bool = false;
    const MULTI_CONSUMER: bool = false;
    fn clone_tx<T>(_: &Producer<T, Self>) -> Option<Producer<T, Self>> {
        None
    }
    fn clone_rx<T>(_: &Consumer<T, Self>) -> Option<Consumer<T, Self>> {
        None
    }
    fn peek<T>(_: &mut Consumer<T, Self>) -> Option<Option<&T>> {
        None
    }
}

/// `K: ManyProducers`.
macro_rules! many_producers {
    () => {
        const MULTI_PRODUCER: bool = true;
        fn clone_tx<T>(tx: &Producer<T, Self>) -> Option<Producer<T, Self>> {
            Some(tx.clone())
        }
    };
}

/// `K: ManyConsumers`.
macro_rules! many_consumers {
    () => {
        const MULTI_CONSUMER: bool = true;
        fn clone_rx<T>(rx: &Consumer<T, Self>) -> Option<Consumer<T, Self>> {
            Some(rx.clone())
        }
    };
}

/// `K: SoleTaker`.
macro_rules! sole_taker {
    () => {
        fn peek<T>(rx: &mut Consumer<T, Self>) -> Option<Option<&T>> {
            Some(rx.peek())
        }
    };
}

impl Handles for Spsc<Block> {
    sole_taker!();
}
impl Handles for Spsc<DropNewest> {
    sole_taker!();
}
impl Handles for Spsc<DropOldest> {}
impl Handles for Mpsc<Block> {
    many_producers!();
    sole_taker!();
}
impl Handles for Mpsc<DropNewest> {
    many_producers!();
    sole_taker!();
}
impl Handles for Mpsc<DropOldest> {
    many_producers!();
}
impl<P: KnownPolicy> Handles for Mpmc<P> {
    many_producers!();
    many_consumers!();
}

/// A harness written once for every ring type.
pub trait Harness {
    /// The `Send` bounds are for a harness that moves handles to threads:
    /// `K: Topology` does not imply them (they rest on the library's private
    /// ring types), but every concrete `K` [`dispatch`] names meets them.
    fn run<K: Handles>(self)
    where
        Producer<Tok, K>: Send,
        Consumer<Tok, K>: Send;
}

/// Runs `harness` on the ring of topology `shape` and policy `policy % 3`
/// (Block, DropNewest, DropOldest).
pub fn dispatch(shape: Shape, policy: u8, harness: impl Harness) {
    match (shape, policy % 3) {
        (Shape::Spsc, 0) => harness.run::<Spsc<Block>>(),
        (Shape::Spsc, 1) => harness.run::<Spsc<DropNewest>>(),
        (Shape::Spsc, _) => harness.run::<Spsc<DropOldest>>(),
        (Shape::Mpsc, 0) => harness.run::<Mpsc<Block>>(),
        (Shape::Mpsc, 1) => harness.run::<Mpsc<DropNewest>>(),
        (Shape::Mpsc, _) => harness.run::<Mpsc<DropOldest>>(),
        (Shape::Mpmc, 0) => harness.run::<Mpmc<Block>>(),
        (Shape::Mpmc, 1) => harness.run::<Mpmc<DropNewest>>(),
        (Shape::Mpmc, _) => harness.run::<Mpmc<DropOldest>>(),
    }
}

/// The policy of `K`.
pub fn policy<K: Handles>() -> Policy {
    <K::Policy as KnownPolicy>::POLICY
}

/// `spsc`, `mpsc` or `mpmc` and the policy, for failure messages.
pub fn name<K: Handles>() -> String {
    let shape = if K::MULTI_CONSUMER {
        "mpmc"
    } else if K::MULTI_PRODUCER {
        "mpsc"
    } else {
        "spsc"
    };
    format!("{shape} {:?}", policy::<K>())
}
