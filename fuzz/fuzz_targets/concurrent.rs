//! Real threads on spsc/mpsc/mpmc rings: conservation, no duplicates,
//! per-producer order at each consumer, exactly-once drop (see
//! `src/concurrent.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ringweir_fuzz::concurrent::run(data);
});
