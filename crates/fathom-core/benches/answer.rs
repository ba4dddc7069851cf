//! `cargo bench -p fathom-core --bench answer` — what one answer from a cache costs the edge, per
//! request, for a real Report (`report.demo-busybox-oci.json`: `fathom inspect
//! 127.0.0.1:5555/demo/busybox:oci --format json` on the demo registry, 8 platforms) and the same
//! grown to 128 platforms. Prints a table; asserts nothing.
//!
//! - decode + restamp + encode: a Report read from stored JSON and printed again;
//! - clone + restamp + encode: a Report kept in memory, printed whole for each request;
//! - clone + restamp + rendered: kept in memory with its JSON rendered once
//!   (`report::rendered::Rendered`), only the per-request members printed.

use std::hint::black_box;
use std::time::Duration;

use fathom_core::inspect::cached::restamp;
use fathom_core::report::rendered::Rendered;
use fathom_core::report::{Report, TagResolution};
use fathom_core::Reference;

mod support;

/// Best of 15 timings of `iterations` runs of `work`, per run.
fn per_run(iterations: u32, mut work: impl FnMut()) -> Duration {
    support::best(15, || (0..iterations).for_each(|_| work())) / iterations
}

/// The demo Report with its platforms repeated to `count`.
fn grown(report: &Report, count: usize) -> Report {
    let mut grown = report.clone();
    grown.platforms = report.platforms.iter().cycle().take(count).cloned().collect();
    grown
}

fn main() {
    let stored = include_bytes!("report.demo-busybox-oci.json");
    let demo: Report = serde_json::from_slice(stored).expect("a Report");
    let input = "127.0.0.1:5555/demo/busybox:oci";
    let reference: Reference = input.parse().expect("a reference");
    let tag = Some(TagResolution {
        resolved_at: 1_700_000_000,
        age_seconds: 12,
        stale: None,
    });
    println!("| Report | decode + restamp + encode | clone + restamp + encode | clone + restamp + rendered |");
    println!("|---|---:|---:|---:|");
    for count in [8, 128] {
        let report = grown(&demo, count);
        let json = serde_json::to_vec_pretty(&report).expect("JSON");
        let rendered = Rendered::of(&report);
        let decode = per_run(200, || {
            let kept: Report = serde_json::from_slice(black_box(&json)).expect("a Report");
            let stamped = restamp(kept, input, &reference, 0, tag.clone());
            black_box(serde_json::to_vec_pretty(&stamped).expect("JSON"));
        });
        let encode = per_run(200, || {
            let stamped = restamp(black_box(&report).clone(), input, &reference, 0, tag.clone());
            black_box(serde_json::to_vec_pretty(&stamped).expect("JSON"));
        });
        let answer = per_run(200, || {
            let stamped = restamp(black_box(&report).clone(), input, &reference, 0, tag.clone());
            black_box(rendered.answer(&stamped));
        });
        println!(
            "| {count} platforms, {} KB | {:.1} µs | {:.1} µs | {:.1} µs |",
            json.len() / 1000,
            decode.as_secs_f64() * 1e6,
            encode.as_secs_f64() * 1e6,
            answer.as_secs_f64() * 1e6
        );
    }
}
