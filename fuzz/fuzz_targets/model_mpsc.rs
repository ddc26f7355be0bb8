//! Single-threaded differential fuzzing of `ringweir::mpsc` against a
//! `VecDeque` model: every ring policy, capacities 1..=16, random
//! watermarks, and every non-blocking operation (see `src/model.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ringweir_fuzz::model::run(ringweir_fuzz::Shape::Mpsc, data);
});
