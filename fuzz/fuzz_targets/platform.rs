#![no_main]
//! Platform specifiers never panic; FormatAll of a parsed platform parses back to the same
//! platform; matching and explaining arbitrary pairs never panic and agree with each other.

use fathom_core::platform::{explain, MatchMode, Matcher, Platform};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str)| {
    let host = Platform::new("linux", "amd64", "");
    let (Ok(a), b) = (Platform::parse(input.0, &host), Platform::parse(input.1, &host)) else { return };
    // Go's path.Join collapses "." and ".." components, so those do not round-trip (in Go either).
    let dotted = [&a.architecture, &a.variant].iter().any(|c| c.as_str() == "." || c.as_str() == "..");
    if !dotted {
        if let Ok(again) = Platform::parse(&a.format_all(), &host) {
            assert_eq!(again.normalize(), a.normalize(), "{}", a.format_all());
        }
    }
    if let Ok(b) = b {
        for mode in [MatchMode::Only, MatchMode::OnlyStrict, MatchMode::Exact] {
            let m = Matcher::new(&a, mode);
            let _ = m.order(&[a.clone(), b.clone()]);
            let e = explain(&a, &[b.clone()], mode);
            assert_eq!(e.chosen.is_some(), m.matches(&b));
        }
    }
});
