//! The core's signature and SBOM checks as wasm, for headless Chromium to time
//! (`scripts/bench-signature.sh`, `scripts/bench/signature_speed.py`): the same code the page's
//! file worker runs, built with its profile (`files-release`). Each call does what the native
//! benchmark (`cargo bench -p fathom-core --bench signature`) times, so the two compare; the
//! page around them does the timing. Not part of the app.

use fathom_core::attestation::sbom::Sbom;
use fathom_core::digest::Digest;
use fathom_core::signature::{bundle, Identity, Policy, Trust, TrustedRoot, Verdict};
use wasm_bindgen::prelude::*;

/// A keyless policy, read once: a trusted root and the identity expected.
#[wasm_bindgen]
pub struct Keyless {
    policy: Policy,
}

#[wasm_bindgen]
impl Keyless {
    /// Reads the trusted root (`trusted_root.json`) and the identity expected.
    #[wasm_bindgen(constructor)]
    pub fn new(root: &[u8], subject: &str, issuer: &str) -> Result<Keyless, JsError> {
        let root = TrustedRoot::from_json(root).map_err(|e| JsError::new(&e))?;
        let identity = Identity {
            subject: subject.to_owned(),
            issuer: issuer.to_owned(),
        };
        Ok(Keyless {
            policy: Policy { root, identity },
        })
    }

    /// Checks a Sigstore bundle of the file whose digest is `file` (`sha256:<hex>`): whether it
    /// verified.
    pub fn verifies(&self, bundle: &[u8], file: &str) -> Result<bool, JsError> {
        let file: Digest = file.parse().map_err(|e| JsError::new(&format!("{e}")))?;
        let judged = bundle::check(bundle, &file, Trust::Keyless(&self.policy), "bench");
        Ok(judged.verdict == Verdict::Verified)
    }
}

/// Reads an SBOM (SPDX or CycloneDX JSON) into its package list: how many packages.
#[wasm_bindgen]
pub fn sbom_packages(document: &[u8]) -> Result<usize, JsError> {
    Sbom::read(document, "bench")
        .map(|sbom| sbom.packages.len())
        .map_err(|f| JsError::new(&f.message))
}
