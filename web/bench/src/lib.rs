//! The core's signature and SBOM checks and its layer reader as wasm, for headless Chromium to
//! time (`scripts/bench-signature.sh` with `index.html`, `scripts/bench-layer.sh` with
//! `layers.html`): the same code the page's file worker runs, built with its profile
//! (`files-release`). Each call does what the native benchmarks (`cargo bench -p fathom-core
//! --bench signature`, `--bench layer`) time, so the two compare; the pages around them do the
//! timing. Not part of the app.

use fathom_core::attestation::sbom::Sbom;
use fathom_core::digest::{Algorithm, Digest, Hasher};
use fathom_core::layer::LayerReader;
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

/// sha256 as the layer reader hashes (the core's [`Hasher`]), fed chunk by chunk: what hashing
/// alone costs in wasm.
#[wasm_bindgen]
pub struct Sha256(Option<Hasher>);

#[wasm_bindgen]
impl Sha256 {
    /// An empty hash.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Sha256 {
        Sha256(Some(Hasher::new(Algorithm::Sha256)))
    }

    /// Hashes `chunk` too.
    pub fn update(&mut self, chunk: &[u8]) {
        if let Some(hasher) = self.0.as_mut() {
            hasher.update(chunk);
        }
    }

    /// The digest (`sha256:<hex>`) of everything given.
    pub fn digest(&mut self) -> String {
        self.0
            .take()
            .map(|hasher| hasher.finish().as_str().to_owned())
            .unwrap_or_default()
    }
}

impl Default for Sha256 {
    fn default() -> Sha256 {
        Sha256::new()
    }
}

/// The core's layer reader, fed as the file worker feeds it, from memory instead of the network:
/// the digest, the decompression, the diff_id hash and every tar header.
#[wasm_bindgen]
pub struct Layer(Option<LayerReader>);

#[wasm_bindgen]
impl Layer {
    /// A reader of the blob whose digest is `digest`, of media type `media_type`.
    #[wasm_bindgen(constructor)]
    pub fn new(digest: &str, media_type: &str) -> Result<Layer, JsError> {
        let digest: Digest = digest.parse().map_err(|e| JsError::new(&format!("{e}")))?;
        Ok(Layer(Some(LayerReader::new(digest, None, media_type, None))))
    }

    /// Reads `chunk`, the blob's next bytes.
    pub fn feed(&mut self, chunk: &[u8]) {
        if let Some(reader) = self.0.as_mut() {
            reader.feed(chunk);
        }
    }

    /// The bytes of tar read, once the blob has been fed whole; a finding is an error.
    pub fn finish(&mut self) -> Result<f64, JsError> {
        let layer = self.0.take().ok_or_else(|| JsError::new("finished already"))?.finish();
        match layer.findings.first() {
            Some(finding) => Err(JsError::new(&finding.message)),
            None => Ok(layer.uncompressed_size as f64),
        }
    }
}
