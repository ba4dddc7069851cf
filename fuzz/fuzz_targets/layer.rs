#![no_main]
//! The layer reader never panics, whatever the bytes and however they are cut: the first byte
//! picks the chunk size, and the verdict is the same as when the bytes come whole — a sound
//! layer reads identically; a broken one is broken either way (which of its faults is met first
//! may depend on how much the decompressor had buffered, and so may what was listed before it).

use fathom_core::layer::LayerReader;
use fathom_core::{Digest, Severity};
use libfuzzer_sys::fuzz_target;

fn read(data: &[u8], chunk: usize, media_type: &str) -> String {
    let digest = Digest::sha256(data);
    let mut reader = LayerReader::new(digest, Some(data.len() as u64), media_type, None);
    for piece in data.chunks(chunk.max(1)) {
        reader.feed(piece);
    }
    let layer = reader.finish();
    let broken = layer.findings.iter().any(|f| f.severity == Severity::Error);
    if broken {
        "broken".to_owned()
    } else {
        format!("{:?} {:?} {:?}", layer.entries, layer.findings, layer.diff_id)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&cut, data)) = data.split_first() else {
        return;
    };
    for media_type in [
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
    ] {
        assert_eq!(read(data, usize::from(cut), media_type), read(data, data.len(), media_type));
    }
});
