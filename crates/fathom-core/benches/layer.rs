//! `cargo bench -p fathom-core --bench layer -- FILE` (scripts/bench-layer.sh makes FILE: a gzip
//! layer of real files) — one pass of the layer reader over FILE (sha256 of the compressed bytes,
//! inflate, sha256 of the tar, every tar header parsed) fed 256 KiB at a time as a download
//! would, beside `sha256sum FILE` and `tar -tzf FILE` run together on the same file. Prints a
//! table; asserts nothing.

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

fn main() {
    let Some(path) = std::env::args().skip(1).find(|a| !a.starts_with('-')) else {
        eprintln!("usage: cargo bench -p fathom-core --bench layer -- FILE (scripts/bench-layer.sh)");
        return;
    };
    let size = std::fs::metadata(&path).expect("the layer").len();
    // The digest a registry would name it by (computed once, outside the timing).
    let digest = {
        let mut hasher = Hasher::new(Algorithm::Sha256);
        each_piece(&path, 1 << 20, |piece| hasher.update(piece));
        hasher.finish()
    };
    let mut entries = 0;
    let fathom = best(3, || {
        let mut reader = LayerReader::new(
            digest.clone(),
            Some(size),
            "application/vnd.oci.image.layer.v1.tar+gzip",
            None,
        );
        let mut file = std::fs::File::open(&path).expect("the layer");
        let mut chunk = vec![0; 256 << 10];
        loop {
            let n = file.read(&mut chunk).expect("read");
            if n == 0 {
                break;
            }
            reader.feed(&chunk[..n]);
        }
        let layer = reader.finish();
        assert!(layer.findings.is_empty(), "{:?}", layer.findings);
        entries = layer.entries.len();
    });
    let rss = peak_rss_mib();
    let tools = best(3, || {
        let quiet = |program: &str, args: &[&str]| {
            Command::new(program)
                .args(args)
                .arg(&path)
                .stdout(Stdio::null())
                .spawn()
                .expect(program)
        };
        let (mut sha, mut tar) = (quiet("sha256sum", &[]), quiet("tar", &["-tzf"]));
        assert!(sha.wait().unwrap().success() && tar.wait().unwrap().success());
    });
    let mib = size as f64 / (1 << 20) as f64;
    let rate = |d: Duration| mib / d.as_secs_f64();
    println!("| {mib:.0} MiB gzip layer, {entries} entries | wall | MiB/s (compressed) |");
    println!("|---|---:|---:|");
    println!(
        "| fathom: sha256 + inflate + sha256 + tar headers, one pass | {:.2} s | {:.0} |",
        fathom.as_secs_f64(),
        rate(fathom)
    );
    println!(
        "| `sha256sum` and `tar -tzf`, run together | {:.2} s | {:.0} |",
        tools.as_secs_f64(),
        rate(tools)
    );
    println!(
        "| fathom ÷ the tools | {:.2}× | |",
        tools.as_secs_f64() / fathom.as_secs_f64()
    );
    println!("| fathom's peak RSS (whole bench process) | {rss:.0} MiB | |");
}
