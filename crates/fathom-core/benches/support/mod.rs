//! What the benchmarks share.

use std::time::{Duration, Instant};

/// Best of `rounds` timings of `work`.
pub fn best(rounds: usize, mut work: impl FnMut()) -> Duration {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}
