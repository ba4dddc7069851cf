#![no_main]
//! Any bytes, with any of the manifest Content-Types, either parse (with findings) or fail with
//! an error — never a panic — and the digest is always over the exact bytes.

use fathom_core::{Digest, Document};
use libfuzzer_sys::fuzz_target;

const TYPES: &[Option<&str>] = &[
    None,
    Some("application/vnd.oci.image.index.v1+json"),
    Some("application/vnd.oci.image.manifest.v1+json"),
    Some("application/vnd.docker.distribution.manifest.v2+json"),
    Some("application/vnd.docker.distribution.manifest.list.v2+json"),
    Some("application/vnd.docker.distribution.manifest.v1+prettyjws"),
    Some("application/json"),
];

fuzz_target!(|data: &[u8]| {
    let content_type = TYPES[data.first().map_or(0, |b| *b as usize) % TYPES.len()];
    if let Ok(doc) = Document::parse(data, content_type) {
        assert_eq!(doc.digest, Digest::sha256(data));
        assert_eq!(doc.bytes, data);
    }
});
