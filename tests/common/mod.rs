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
