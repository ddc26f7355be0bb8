//! Shared code of the `ringweir` fuzz targets.
//!
//! - [`dispatch`]: from the input's topology and policy bytes to a ring type
//!   (one match); each harness is written once over `ringweir::Producer<T, K>`
//!   and `ringweir::Consumer<T, K>`.
//! - [`model`]: single-threaded differential harness (ring vs a `VecDeque`
//!   model with the same capacity, policy, counters and pressure state).
//! - [`concurrent`]: real threads, checked by conservation and drop counts.
//!
//! Inputs are decoded byte by byte through `arbitrary::Unstructured`, so
//! seed files can be written by hand (see `fuzz/make_seeds.py`): an
//! exhausted input reads as zeros.

pub mod concurrent;
pub mod dispatch;
pub mod model;

pub use dispatch::Shape;

use arbitrary::Unstructured;
use std::cell::RefCell;
use std::ops::Range;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

/// The ways of waiting a fuzzed ring's sides choose from (short polls, so
/// that a polling side does not slow the run down).
pub const WAITS: [ringweir::Wait; 4] = [
    ringweir::Wait::Spin,
    ringweir::Wait::Yield,
    ringweir::Wait::Park,
    ringweir::Wait::Poll(std::time::Duration::from_micros(20)),
];

/// Next input byte, 0 once the input is exhausted.
pub fn byte(u: &mut Unstructured<'_>) -> u8 {
    u.arbitrary::<u8>().unwrap_or(0)
}

/// How often each value id has been dropped.
pub struct DropLog {
    counts: Vec<AtomicU8>,
}

impl DropLog {
    /// A log for ids `0..ids`.
    pub fn new(ids: usize) -> Arc<Self> {
        Arc::new(Self {
            counts: (0..ids).map(|_| AtomicU8::new(0)).collect(),
        })
    }

    /// Times `id` was dropped.
    pub fn count(&self, id: u32) -> u8 {
        self.counts[id as usize].load(Ordering::SeqCst)
    }

    /// Number of ids in the log.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Whether the log has no ids.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

/// A value that records its own drop, so a harness can prove each value is
/// dropped exactly once (and not while the ring still holds it).
///
/// `Clone` only works inside [`with_clones`], which hands each clone a fresh
/// id (a clone is a new value, dropped once like any other): outside it a
/// `clone` panics, so no id is ever shared.
pub struct Tok {
    /// Unique id of this value.
    pub id: u32,
    log: Arc<DropLog>,
}

impl Tok {
    /// A new value `id`, logging its drop in `log`.
    pub fn new(id: u32, log: &Arc<DropLog>) -> Self {
        assert_eq!(log.count(id), 0, "id {id} reused");
        Self {
            id,
            log: log.clone(),
        }
    }
}

impl Drop for Tok {
    fn drop(&mut self) {
        let before = self.log.counts[self.id as usize].fetch_add(1, Ordering::SeqCst);
        assert_eq!(before, 0, "value {} dropped twice", self.id);
        // No Tok lives in a thread-local, so the scope is never being torn
        // down here; `try_with` only keeps a drop from panicking if one did.
        let _ = SCOPE.try_with(|s| {
            if let Some(s) = s.borrow_mut().as_mut() {
                s.dropped.push(self.id);
            }
        });
    }
}

impl Clone for Tok {
    /// A new value with the next id of the enclosing [`with_clones`].
    ///
    /// # Panics
    /// Outside [`with_clones`], or when its ids run out.
    fn clone(&self) -> Self {
        let id = SCOPE.with(|s| {
            let mut s = s.borrow_mut();
            let s = s.as_mut().expect("Tok cloned outside with_clones");
            assert!(s.ids.start < s.ids.end, "with_clones: ids ran out");
            let id = s.ids.start;
            s.ids.start += 1;
            s.made.push((self.id, id));
            id
        });
        Tok::new(id, &self.log)
    }
}

/// The clones and drops of one [`with_clones`] call on this thread.
struct CloneScope {
    ids: Range<u32>,
    made: Vec<(u32, u32)>,
    dropped: Vec<u32>,
}

thread_local! {
    static SCOPE: RefCell<Option<CloneScope>> = const { RefCell::new(None) };
}

/// What [`with_clones`] saw.
pub struct Cloned<R> {
    /// What the closure returned.
    pub result: R,
    /// `(original id, clone id)` of every [`Tok`] cloned, in clone order.
    pub made: Vec<(u32, u32)>,
    /// Ids of every [`Tok`] dropped on this thread meanwhile, in order.
    pub dropped: Vec<u32>,
}

/// Runs `f` with [`Tok`]'s `Clone` enabled on this thread: clones take the
/// ids of `ids` in order. Returns what was cloned and what was dropped on
/// this thread while `f` ran (so a harness can tell, after a batch send,
/// which clones a ring queued, dropped or evicted).
///
/// # Panics
/// When nested.
pub fn with_clones<R>(ids: Range<u32>, f: impl FnOnce() -> R) -> Cloned<R> {
    /// Closes the scope also when `f` panics.
    struct Close;
    impl Drop for Close {
        fn drop(&mut self) {
            let _ = SCOPE.try_with(|s| s.borrow_mut().take());
        }
    }
    SCOPE.with(|s| {
        let mut s = s.borrow_mut();
        assert!(s.is_none(), "with_clones nested");
        *s = Some(CloneScope {
            ids,
            made: Vec::new(),
            dropped: Vec::new(),
        });
    });
    let close = Close;
    let result = f();
    let scope = SCOPE
        .with(|s| s.borrow_mut().take())
        .expect("scope still open");
    drop(close);
    Cloned {
        result,
        made: scope.made,
        dropped: scope.dropped,
    }
}

impl std::fmt::Debug for Tok {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tok({})", self.id)
    }
}

/// Replays the committed corpora and a batch of pseudo-random inputs on
/// stable Rust (`cargo test` in `fuzz/`), without libFuzzer.
#[cfg(test)]
mod tests {
    use std::path::Path;

    fn corpus(target: &str) -> Vec<Vec<u8>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("corpus")
            .join(target);
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        files.sort();
        files.iter().map(|f| std::fs::read(f).unwrap()).collect()
    }

    fn random_inputs(seed: u64, n: usize, len: usize) -> Vec<Vec<u8>> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        x as u8
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn model_targets_replay() {
        for data in corpus("model_spsc")
            .iter()
            .chain(&random_inputs(1, 3000, 200))
        {
            crate::model::run(crate::Shape::Spsc, data);
        }
        for data in corpus("model_mpsc")
            .iter()
            .chain(&random_inputs(2, 3000, 200))
        {
            crate::model::run(crate::Shape::Mpsc, data);
        }
        for data in corpus("model_mpmc")
            .iter()
            .chain(&random_inputs(3, 3000, 200))
        {
            crate::model::run(crate::Shape::Mpmc, data);
        }
    }

    #[test]
    fn concurrent_target_replays() {
        for data in corpus("concurrent")
            .iter()
            .chain(&random_inputs(4, 300, 120))
        {
            crate::concurrent::run(data);
        }
    }
}
