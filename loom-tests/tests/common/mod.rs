//! Helpers shared by the loom models: a value that records its own drops.
//!
//! The drop log uses `std` atomics on purpose: loom runs every model thread
//! on one OS thread, so these are plain bookkeeping that loom does not
//! explore (no extra interleavings), read only after the threads are joined.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// How often each token of one model iteration was dropped.
#[derive(Clone, Debug)]
pub struct Drops(Arc<Vec<AtomicUsize>>);

impl Drops {
    /// A log for tokens `0..n`; create it inside the `loom::model` closure.
    pub fn new(n: usize) -> Self {
        Drops(Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect()))
    }

    /// Token `id`; there must be at most one per id.
    pub fn tok(&self, id: usize) -> Tok {
        Tok {
            id,
            log: self.0.clone(),
        }
    }

    /// How many times token `id` was dropped.
    pub fn count(&self, id: usize) -> usize {
        self.0[id].load(Ordering::SeqCst)
    }

    /// Every token `0..n` was dropped exactly once.
    pub fn assert_all_once(&self) {
        for id in 0..self.0.len() {
            assert_eq!(
                self.count(id),
                1,
                "token {id} dropped {} times",
                self.count(id)
            );
        }
    }
}

/// A value that counts its drop in a [`Drops`] log.
#[derive(Debug)]
pub struct Tok {
    pub id: usize,
    log: Arc<Vec<AtomicUsize>>,
}

impl Drop for Tok {
    fn drop(&mut self) {
        self.log[self.id].fetch_add(1, Ordering::SeqCst);
    }
}

/// The ids of `toks`, dropping the tokens.
pub fn ids(toks: Vec<Tok>) -> Vec<usize> {
    toks.iter().map(|t| t.id).collect()
}

/// Receives through `try_recv` until `Closed` (every producer is gone),
/// returning the ids of what it got; `Empty` before that fails the model.
pub fn ids_until_closed(
    mut try_recv: impl FnMut() -> Result<Tok, ringweir::TryRecvError>,
) -> Vec<usize> {
    let mut rest = Vec::new();
    loop {
        match try_recv() {
            Ok(t) => rest.push(t),
            Err(ringweir::TryRecvError::Closed) => return ids(rest),
            Err(ringweir::TryRecvError::Empty) => panic!("empty but not closed after the joins"),
        }
    }
}

/// Strictly increasing.
pub fn increasing(v: &[usize]) -> bool {
    v.windows(2).all(|w| w[0] < w[1])
}

/// `parts` together hold each of `0..n` exactly once.
pub fn assert_partition(n: usize, parts: &[&[usize]]) {
    let mut all: Vec<usize> = parts.iter().flat_map(|p| p.iter().copied()).collect();
    all.sort_unstable();
    assert_eq!(all, (0..n).collect::<Vec<_>>(), "parts {parts:?}");
}

/// A timeout far enough away that only loom's "timer fires first" model
/// ends the wait (see ringweir's `sync.rs`).
pub const LONG: std::time::Duration = std::time::Duration::from_secs(3600);
