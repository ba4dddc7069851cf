#![no_main]
//! Any string either parses into a reference whose canonical form parses back to itself, or
//! is refused with an error — never a panic.

use fathom_core::Reference;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(reference) = Reference::parse(input) {
        let again = Reference::parse(&reference.canonical()).expect("canonical form parses");
        assert_eq!(again.canonical(), reference.canonical());
        let familiar = Reference::parse(&reference.familiar()).expect("familiar form parses");
        assert_eq!(familiar.canonical(), reference.canonical());
    }
});
