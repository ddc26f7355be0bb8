//! From the input's topology and policy to a ring type, with one match
//! ([`dispatch`]), and the little the harnesses need beyond the library's
//! generic handles ([`Handles`]).
//!
//! The harnesses are written once, over `ringweir::Producer<T, K>` and
//! `ringweir::Consumer<T, K>` with `K: Handles`; the library's marker traits
//! (`ManyProducers`, `ManyConsumers`, `SoleTaker`) say which handles clone,
//! which are `Sync` (the same ones) and which consumers peek, and `Handles`
//! turns that into an `Option` (or a `Result`), so one harness serves every
//! ring.

use crate::Tok;
use ringweir::{
    Block, Consumer, DropNewest, DropOldest, Mpmc, Mpsc, Overflow, Producer, Spsc, Topology,
};
use std::convert::Infallible;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

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
/// share one handle between threads (the same: those handles are `Sync`),
/// peek (`SoleTaker`). `None` (or `Err`) where the ring cannot.
pub trait Handles: Topology<Policy: KnownPolicy> + Sized {
    const MULTI_PRODUCER: bool = false;
    const MULTI_CONSUMER: bool = false;
    /// A producer handle that threads share, calling it through `&`:
    /// `Arc<Producer>` where producers are `Sync`, else [`Unshared`] (no
    /// value of it exists).
    type SharedTx<T: Send>: Deref<Target = Producer<T, Self>> + Clone + Send + Sync;
    /// A consumer handle that threads share, as [`Handles::SharedTx`].
    type SharedRx<T: Send>: Deref<Target = Consumer<T, Self>> + Clone + Send + Sync;
    /// `tx`, ready to share; `Err(tx)` where producers are not `Sync`.
    fn share_tx<T: Send>(tx: Producer<T, Self>) -> Result<Self::SharedTx<T>, Producer<T, Self>>;
    /// `rx`, ready to share; `Err(rx)` where consumers are not `Sync`.
    fn share_rx<T: Send>(rx: Consumer<T, Self>) -> Result<Self::SharedRx<T>, Consumer<T, Self>>;
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

/// The shared handle `H` of a ring whose handles of that side are not
/// `Sync`: a type with no values (`share_tx`/`share_rx` never make one),
/// so generic code can name it.
pub struct Unshared<H>(Infallible, PhantomData<fn() -> H>);

impl<H> Deref for Unshared<H> {
    type Target = H;
    fn deref(&self) -> &H {
        match self.0 {}
    }
}

impl<H> Clone for Unshared<H> {
    fn clone(&self) -> Self {
        match self.0 {}
    }
}

/// `K: ManyProducers` (so its producers are `Sync`).
macro_rules! many_producers {
    () => {
        const MULTI_PRODUCER: bool = true;
        type SharedTx<T: Send> = Arc<Producer<T, Self>>;
        fn share_tx<T: Send>(
            tx: Producer<T, Self>,
        ) -> Result<Arc<Producer<T, Self>>, Producer<T, Self>> {
            Ok(Arc::new(tx))
        }
        fn clone_tx<T>(tx: &Producer<T, Self>) -> Option<Producer<T, Self>> {
            Some(tx.clone())
        }
    };
}

/// Not `K: ManyProducers`: one producer handle, not `Sync`.
macro_rules! one_producer {
    () => {
        type SharedTx<T: Send> = Unshared<Producer<T, Self>>;
        fn share_tx<T: Send>(
            tx: Producer<T, Self>,
        ) -> Result<Self::SharedTx<T>, Producer<T, Self>> {
            Err(tx)
        }
    };
}

/// `K: ManyConsumers` (so its consumers are `Sync`).
macro_rules! many_consumers {
    () => {
        const MULTI_CONSUMER: bool = true;
        type SharedRx<T: Send> = Arc<Consumer<T, Self>>;
        fn share_rx<T: Send>(
            rx: Consumer<T, Self>,
        ) -> Result<Arc<Consumer<T, Self>>, Consumer<T, Self>> {
            Ok(Arc::new(rx))
        }
        fn clone_rx<T>(rx: &Consumer<T, Self>) -> Option<Consumer<T, Self>> {
            Some(rx.clone())
        }
    };
}

/// Not `K: ManyConsumers`: one consumer handle, not `Sync`.
macro_rules! one_consumer {
    () => {
        type SharedRx<T: Send> = Unshared<Consumer<T, Self>>;
        fn share_rx<T: Send>(
            rx: Consumer<T, Self>,
        ) -> Result<Self::SharedRx<T>, Consumer<T, Self>> {
            Err(rx)
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
    one_producer!();
    one_consumer!();
    sole_taker!();
}
impl Handles for Spsc<DropNewest> {
    one_producer!();
    one_consumer!();
    sole_taker!();
}
impl Handles for Spsc<DropOldest> {
    one_producer!();
    one_consumer!();
}
impl Handles for Mpsc<Block> {
    many_producers!();
    one_consumer!();
    sole_taker!();
}
impl Handles for Mpsc<DropNewest> {
    many_producers!();
    one_consumer!();
    sole_taker!();
}
impl Handles for Mpsc<DropOldest> {
    many_producers!();
    one_consumer!();
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
