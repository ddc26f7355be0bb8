//! The ring protocols: how slots are claimed and published. Each one
//! implements the [`Ring`](crate::ring::Ring) contract; the handles know
//! nothing else of them.
//!
//! - `fast.rs` (with `blocks.rs`): one producer, one consumer, values of up
//!   to 64 bytes in line-sized blocks with one stamp each; never evicts.
//! - `stamped.rs`: any number of producers and consumers, one stamp per
//!   value, and lock-free eviction of the oldest value.
//! - `spsc.rs`: which of the two an spsc ring that never evicts uses, by
//!   the size of its values.

mod blocks;
mod fast;
mod spsc;
mod stamped;

pub use spsc::SpscRing;
pub use stamped::StampedRing;
