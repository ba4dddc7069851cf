//! `cargo bench -p fathom-core --bench layer -- FILE…` (scripts/bench-layer.sh makes the files:
//! one tar of real files, as a gzip layer and as a zstd one) — one pass of the layer reader over
//! each FILE (sha256 of the compressed bytes, decompression, sha256 of the tar, every tar header
//! parsed) fed 256 KiB at a time as a download would, beside `sha256sum FILE` and `tar -tf FILE`
//! (`-z` or `--zstd`) run together on the same file; and sha256 alone over the last FILE. Prints
//! a table; asserts nothing.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use fathom_core::digest::Hasher;
use fathom_core::layer::LayerReader;
use fathom_core::Algorithm;

mod support;
use support::best;

/// Reads `path` in `chunk`-byte pieces, handing each to `take`.
fn each_piece(path: &str, chunk: usize, mut take: impl FnMut(&[u8])) {
    let mut file = std::fs::File::open(path).expect("the layer");
    let mut buffer = vec![0; chunk];
    loop {
        let n = file.read(&mut buffer).expect("read");
        if n == 0 {
            break;
        }
        take(&buffer[..n]);
    }
}

/// This process's peak resident set (`VmHWM`), in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// What one layer file is, by its name.
fn kind(path: &str) -> (&'static str, &'static str, &'static str) {
    if path.ends_with(".zst") {
        ("zstd", "application/vnd.oci.image.layer.v1.tar+zstd", "--zstd")
    } else {
        ("gzip", "application/vnd.oci.image.layer.v1.tar+gzip", "-z")
    }
}

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    if paths.is_empty() {
        eprintln!("usage: cargo bench -p fathom-core --bench layer -- FILE… (scripts/bench-layer.sh)");
        return;
    }
    println!("| layer (the same tar) | entries | fathom, one pass | MiB/s of tar | `sha256sum` and `tar -t`, together | fathom ÷ the tools |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mib = |bytes: u64| bytes as f64 / (1 << 20) as f64;
    let mut sha256_rate = 0.0;
    for path in &paths {
        let (name, media_type, tar_flag) = kind(path);
        let size = std::fs::metadata(path).expect("the layer").len();
        // The digest a registry would name it by (computed once, outside the timing).
        let digest = {
            let mut hasher = Hasher::new(Algorithm::Sha256);
            each_piece(path, 1 << 20, |piece| hasher.update(piece));
            hasher.finish()
        };
        let (mut entries, mut unpacked) = (0, 0);
        let fathom = best(3, || {
            let mut reader = LayerReader::new(digest.clone(), Some(size), media_type, None);
            each_piece(path, 256 << 10, |piece| reader.feed(piece));
            let layer = reader.finish();
            assert!(layer.findings.is_empty(), "{:?}", layer.findings);
            (entries, unpacked) = (layer.entries.len(), layer.uncompressed_size);
        });
        let tools = best(3, || {
            let quiet = |program: &str, args: &[&str]| {
                Command::new(program)
                    .args(args)
                    .arg(path)
                    .stdout(Stdio::null())
                    .spawn()
                    .expect(program)
            };
            let (mut sha, mut tar) = (quiet("sha256sum", &[]), quiet("tar", &[tar_flag, "-tf"]));
            assert!(sha.wait().unwrap().success() && tar.wait().unwrap().success());
        });
        // sha256 alone over the same pieces: what hashing costs here (the reader hashes the
        // compressed bytes and the tar).
        let hashing = best(3, || {
            let mut hasher = Hasher::new(Algorithm::Sha256);
            each_piece(path, 256 << 10, |piece| hasher.update(piece));
            assert_eq!(hasher.finish(), digest);
        });
        sha256_rate = mib(size) / hashing.as_secs_f64();
        let rate = |d: Duration| mib(unpacked) / d.as_secs_f64();
        println!(
            "| {name}, {:.0} MiB ({:.0} MiB of tar) | {entries} | {:.2} s | {:.0} | {:.2} s | {:.2}× |",
            mib(size),
            mib(unpacked),
            fathom.as_secs_f64(),
            rate(fathom),
            tools.as_secs_f64(),
            tools.as_secs_f64() / fathom.as_secs_f64()
        );
    }
    println!(
        "| fathom's peak RSS (whole bench process) | {:.0} MiB | | | | |",
        peak_rss_mib()
    );
    println!("| sha256 alone, natively | {sha256_rate:.0} MiB/s | | | | |");
}
