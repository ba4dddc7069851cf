//! `cargo bench -p fathom-core --bench corpus` — prints a table; asserts nothing.
//!
//! 1. Parse + lint (+ sha256) of every corpus document vs a plain `serde_json::from_slice::<Value>`
//!    of the same bytes (goal: at most 2× the plain parse).
//! 2. sha256 of a 100 MiB buffer vs `sha256sum` on the same bytes (goal: at least 0.9×).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

mod support;
use support::best;

use fathom_core::{Digest, Document};

/// Every corpus document, with whether it is a signed schema1 (whose check is ECDSA crypto).
fn corpus() -> Vec<(bool, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            (
                p.to_string_lossy().contains("schema1.signed"),
                std::fs::read(p).expect("read"),
            )
        })
        .collect()
}

/// Times fathom and the plain parse over `docs`, printing two rows.
fn compare(label: &str, docs: &[&[u8]]) {
    let bytes: usize = docs.iter().map(|d| d.len()).sum();
    let iterations = 50;
    let fathom = best(15, || {
        for _ in 0..iterations {
            for d in docs {
                let _ = black_box(Document::parse(black_box(d), None));
            }
        }
    });
    let plain = best(15, || {
        for _ in 0..iterations {
            for d in docs {
                let _ = black_box(serde_json::from_slice::<serde_json::Value>(black_box(d)));
            }
        }
    });
    let total = bytes * iterations;
    let per_pass = |t: Duration| t.as_secs_f64() * 1e3 / iterations as f64;
    println!(
        "| serde_json::Value, {label}: {} files / {} KiB | {:.2} ms | {:.0} MiB/s | 1.00× |",
        docs.len(),
        bytes / 1024,
        per_pass(plain),
        mib(total, plain)
    );
    println!(
        "| fathom parse + lint + sha256, {label} | {:.2} ms | {:.0} MiB/s | {:.2}× (goal ≤ 2×) |",
        per_pass(fathom),
        mib(total, fathom),
        fathom.as_secs_f64() / plain.as_secs_f64()
    );
}

fn mib(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / (1 << 20) as f64 / t.as_secs_f64()
}

fn main() {
    let docs = corpus();
    println!("| work | time | throughput | ratio |");
    println!("|---|---|---|---|");
    compare(
        "whole corpus",
        &docs.iter().map(|(_, d)| d.as_slice()).collect::<Vec<_>>(),
    );
    compare(
        "without signed schema1 (ECDSA)",
        &docs
            .iter()
            .filter(|(signed, _)| !signed)
            .map(|(_, d)| d.as_slice())
            .collect::<Vec<_>>(),
    );

    let buffer: Vec<u8> = (0..100u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let ours = best(3, || {
        black_box(Digest::sha256(black_box(&buffer)));
    });
    let file = std::env::temp_dir().join(format!("fathom-bench-{}", std::process::id()));
    std::fs::write(&file, &buffer).expect("temp file");
    let theirs = best(3, || {
        let out = std::process::Command::new("sha256sum")
            .arg(&file)
            .output()
            .expect("sha256sum");
        assert!(out.status.success());
    });
    let expected = Digest::sha256(&buffer);
    let out = std::process::Command::new("sha256sum")
        .arg(&file)
        .output()
        .expect("sha256sum");
    let same = String::from_utf8_lossy(&out.stdout).starts_with(expected.hex());
    std::fs::remove_file(&file).ok();
    println!(
        "| sha256sum, 100 MiB (whole process) | {:.0} ms | {:.0} MiB/s | 1.00× |",
        theirs.as_secs_f64() * 1e3,
        mib(buffer.len(), theirs)
    );
    println!(
        "| fathom sha256, 100 MiB | {:.0} ms | {:.0} MiB/s | {:.2}× (goal ≥ 0.9×){} |",
        ours.as_secs_f64() * 1e3,
        mib(buffer.len(), ours),
        theirs.as_secs_f64() / ours.as_secs_f64(),
        if same { "" } else { " DIGESTS DIFFER" }
    );
}
