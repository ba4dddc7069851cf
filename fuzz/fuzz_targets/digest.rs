#![no_main]
//! Digest parsing never panics; a parsed digest prints back to its input; verification agrees
//! with hashing.

use fathom_core::{digest, Digest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(d) = text.parse::<Digest>() {
            assert_eq!(d.as_str(), text);
            assert_eq!(d.hex().len(), d.algorithm().hex_len());
        }
    }
    let d = Digest::sha256(data);
    assert!(digest::verify(&d, Some(data.len() as u64), data).is_ok());
});
