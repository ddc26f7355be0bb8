//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Scales a message count down under Miri, which interprets every step.
pub fn scaled(n: u64) -> u64 {
    if cfg!(miri) {
        (n / 20_000).clamp(50, 300)
    } else {
        n
    }
}

/// A value that counts how often it is dropped.
#[derive(Debug)]
pub struct Counted {
    pub id: u64,
    drops: Arc<AtomicUsize>,
}

impl Counted {
    pub fn new(id: u64, drops: &Arc<AtomicUsize>) -> Self {
        Self {
            id,
            drops: drops.clone(),
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// A new drop counter.
pub fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

/// The count so far.
pub fn count(c: &Arc<AtomicUsize>) -> usize {
    c.load(Ordering::SeqCst)
}

/// Runs `$body` once per topology with `$tx`/`$rx` bound to a fresh ring of
/// `$t` built from `$builder`, and `$topo` naming the topology.
#[allow(unused_macros)]
macro_rules! each_topology {
    ($builder:expr, $t:ty, |$topo:ident, $tx:ident, $rx:ident| $body:block) => {{
        {
            let $topo = "spsc";
            #[allow(unused_mut)]
            let (mut $tx, mut $rx) = $builder.spsc::<$t>().unwrap();
            $body
        }
        {
            let $topo = "mpsc";
            #[allow(unused_mut)]
            let (mut $tx, mut $rx) = $builder.mpsc::<$t>().unwrap();
            $body
        }
        {
            let $topo = "mpmc";
            #[allow(unused_mut)]
            let (mut $tx, mut $rx) = $builder.mpmc::<$t>().unwrap();
            $body
        }
    }};
}

/// The overflow policy of a ring's type, as a value, for the checks that
/// differ by policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Block,
    DropNewest,
    DropOldest,
}

/// The policy of topology `K`.
pub fn policy<K: ringweir::Topology>() -> Policy {
    use std::any::TypeId;
    let p = TypeId::of::<K::Policy>();
    if p == TypeId::of::<ringweir::Block>() {
        Policy::Block
    } else if p == TypeId::of::<ringweir::DropNewest>() {
        Policy::DropNewest
    } else if p == TypeId::of::<ringweir::DropOldest>() {
        Policy::DropOldest
    } else {
        unreachable!("a fourth policy: {}", std::any::type_name::<K::Policy>())
    }
}

/// The topology of `K`: `"spsc"`, `"mpsc"` or `"mpmc"`.
pub fn topology<K: ringweir::Topology>() -> &'static str {
    let name = std::any::type_name::<K>();
    let name = name.split('<').next().unwrap_or(name);
    match name.rsplit("::").next() {
        Some("Spsc") => "spsc",
        Some("Mpsc") => "mpsc",
        Some("Mpmc") => "mpmc",
        _ => unreachable!("a fourth topology: {name}"),
    }
}

/// The ring `K` in messages: `"spsc DropOldest"`.
pub fn name<K: ringweir::Topology>() -> String {
    format!("{} {:?}", topology::<K>(), policy::<K>())
}

/// A ring of topology and policy `K` from `builder` (whose own policy is
/// replaced by `K`'s).
#[allow(clippy::type_complexity)]
pub fn build<T, K: ringweir::Topology>(
    builder: ringweir::Builder<impl ringweir::Overflow>,
) -> (ringweir::Producer<T, K>, ringweir::Consumer<T, K>) {
    builder
        .overflow(K::Policy::default())
        .build::<T, K>()
        .unwrap_or_else(|e| panic!("{}: {e}", name::<K>()))
}

/// What a successful send on a ring `K` returns.
pub type Sent<T, K> = <<K as ringweir::Topology>::Policy as ringweir::Overflow>::Sent<T>;

/// The value a send on a ring `K` handed back (refused or evicted), if any.
pub fn returned<T, K: ringweir::Topology>(sent: Sent<T, K>) -> Option<T> {
    <K::Policy as ringweir::Overflow>::returned(sent)
}

/// Whether a send on a ring `K` queued its value and handed nothing back
/// (`Queued`, or `()` on a `Block` ring).
pub fn queued<T, K: ringweir::Topology>(sent: Sent<T, K>) -> bool {
    returned::<T, K>(sent).is_none()
}

/// Calls `$f::<K>(args)` for every ring `K`: each topology of each policy
/// (of the listed ones, all three if none is listed), policy by policy.
#[allow(unused_macros)]
macro_rules! each_ring {
    ($f:ident $args:tt) => {
        each_ring!([Block, DropNewest, DropOldest] $f $args)
    };
    ([$($p:ident),+ $(,)?] $f:ident $args:tt) => {{
        $(
            $f::<ringweir::Spsc<ringweir::$p>> $args;
            $f::<ringweir::Mpsc<ringweir::$p>> $args;
            $f::<ringweir::Mpmc<ringweir::$p>> $args;
        )+
    }};
}

/// Calls `$f::<$topo<P>>(args)` for every policy `P` (of the listed ones,
/// all three if none is listed) of one topology.
#[allow(unused_macros)]
macro_rules! each_policy {
    ($topo:ident, $f:ident $args:tt) => {
        each_policy!($topo [Block, DropNewest, DropOldest] $f $args)
    };
    ($topo:ident [$($p:ident),+ $(,)?] $f:ident $args:tt) => {{
        $(
            $f::<ringweir::$topo<ringweir::$p>> $args;
        )+
    }};
}
