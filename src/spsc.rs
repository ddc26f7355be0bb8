//! Single producer, single consumer: the fastest ring.
//!
//! Rings that never evict ([`Block`], [`DropNewest`](crate::DropNewest)) of
//! values up to 64 bytes keep values in line-sized blocks whose stamp tells
//! the consumer that they are there (one cache line carries both); the
//! producer caches the consumer's index, and a send or receive makes no
//! atomic read-modify-write and no division. A
//! [`DropOldest`](crate::DropOldest) ring needs the producer to take the
//! oldest value while the consumer may be taking it too, so both claim it
//! with a CAS, as the multi-producer rings do; rings that never evict do
//! not pay for that. Rings of larger values hold one stamp per value, in
//! exactly `capacity` slots.
//!
//! What a ring costs in memory: see [`Builder::new`](crate::Builder::new).
//!
//! ```
//! use std::thread;
//!
//! let (tx, rx) = ringweir::spsc::channel::<u64>(1024);
//! let producer = thread::spawn(move || {
//!     for i in 0..10_000 {
//!         tx.send(i).unwrap();
//!     }
//! });
//! let mut expected = 0;
//! while let Ok(v) = rx.recv() {
//!     assert_eq!(v, expected);
//!     expected += 1;
//! }
//! assert_eq!(expected, 10_000);
//! producer.join().unwrap();
//! ```

use crate::topology::Spsc;
use crate::Block;

/// The sending half of an spsc ring with policy `P`. Not `Clone`: there is
/// one producer. Send it to the producing thread. All its methods are
/// [`ringweir::Producer`](crate::Producer)'s.
///
/// ```
/// let (tx, _rx) = ringweir::spsc::channel::<u64>(8);
/// std::thread::spawn(move || tx.send(1)).join().unwrap().unwrap();
/// ```
pub type Producer<T, P = Block> = crate::Producer<T, Spsc<P>>;

/// The receiving half of an spsc ring with policy `P`. Not `Clone`: there
/// is one consumer. All its methods are
/// [`ringweir::Consumer`](crate::Consumer)'s.
///
/// ```
/// let (tx, rx) = ringweir::spsc::channel::<u64>(8);
/// tx.send(1).unwrap();
/// std::thread::spawn(move || assert_eq!(rx.recv(), Ok(1))).join().unwrap();
/// ```
pub type Consumer<T, P = Block> = crate::Consumer<T, Spsc<P>>;

/// Creates a ring of exactly `capacity` slots with the defaults: [`Block`]
/// and [`Wait::Park`](crate::Wait::Park).
///
/// # Panics
/// If `capacity` is 0, or too large to allocate; the message names the
/// capacity. Use [`Builder`](crate::Builder) to get a [`CapacityError`](crate::CapacityError) instead.
///
/// ```
/// let (tx, rx) = ringweir::spsc::channel::<u64>(1024);
/// tx.send(1).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// ```
#[track_caller]
pub fn channel<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    crate::builder::channel(capacity, "spsc")
}
