//! Attestations: the in-toto statements BuildKit stores in an index's attestation manifests
//! (`application/vnd.in-toto+json` layers) and cosign attaches (`.att`, DSSE envelopes), decoded
//! — SLSA provenance ([`provenance`]) and SBOMs ([`sbom`]). Feed a layer's bytes, get a
//! [`Statement`] or a finding; no I/O.
//!
//! A statement names the artifacts it describes (`subject`): [`Statement::check_subject`] holds
//! that to the image it is attached to, and a statement about another image is an error finding,
//! as loud as a digest mismatch — an attestation that can be moved between images proves
//! nothing about either.
//!
//! Shapes: the in-toto Statement v0.1 and v1 (<https://github.com/in-toto/attestation>, spec
//! `v1/statement.md`); the DSSE envelope (<https://github.com/secure-systems-lab/dsse>,
//! `envelope.md`); BuildKit's storage of both (moby/buildkit `docs/attestations/attestation-storage.md`).

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::digest::{self, Digest};
use crate::finding::{has_error, Code, Finding};
use crate::media_type as mt;
use crate::report::{LayerInfo, Report};
use provenance::Provenance;
use sbom::Sbom;

pub mod provenance;
pub mod sbom;

/// The payload type of an in-toto statement in a DSSE envelope.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// An in-toto statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    /// Its `_type` (`https://in-toto.io/Statement/v0.1`, `…/v1`).
    pub statement_type: String,
    /// What the predicate is (`https://slsa.dev/provenance/v0.2`, `https://spdx.dev/Document`).
    pub predicate_type: String,
    /// The artifacts it describes.
    pub subjects: Vec<Subject>,
    /// The predicate, as written.
    pub predicate: serde_json::Value,
    /// Whether it came in a DSSE envelope (whose signatures are not checked here).
    pub enveloped: bool,
}

/// An artifact a statement describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Its name (BuildKit: `pkg:docker/<name>@<tag>?platform=<os>%2F<arch>`).
    #[serde(default)]
    pub name: String,
    /// Its digests, by algorithm (`sha256` → hex).
    #[serde(default)]
    pub digest: BTreeMap<String, String>,
}

/// A statement as written.
#[derive(Deserialize)]
struct Written {
    #[serde(rename = "_type")]
    statement_type: String,
    #[serde(rename = "predicateType", default)]
    predicate_type: String,
    #[serde(default)]
    subject: Vec<Subject>,
    #[serde(default)]
    predicate: serde_json::Value,
}

/// A DSSE envelope (its signatures are read by the signature checks, not here).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    payload_type: String,
    payload: String,
}

impl Statement {
    /// Reads a statement, plain or in a DSSE envelope. `at` names where the bytes came from (a
    /// layer's digest) in the finding that says why they are not a statement.
    pub fn read(bytes: &[u8], at: &str) -> Result<Statement, Finding> {
        let unreadable = |why: String| Finding::error(Code::AttestationUnreadable, at, why);
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| unreadable(format!("not JSON: {e}")))?;
        let (value, enveloped) = match Envelope::deserialize(&value) {
            Ok(envelope) => {
                if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
                    return Err(unreadable(format!(
                        "a DSSE envelope of {:?}, not of an in-toto statement ({IN_TOTO_PAYLOAD_TYPE})",
                        envelope.payload_type
                    )));
                }
                let payload = base64::engine::general_purpose::STANDARD
                    .decode(envelope.payload.trim())
                    .map_err(|e| unreadable(format!("the DSSE payload is not base64: {e}")))?;
                let value = serde_json::from_slice(&payload)
                    .map_err(|e| unreadable(format!("the DSSE payload is not JSON: {e}")))?;
                (value, true)
            }
            Err(_) => (value, false),
        };
        let written: Written =
            serde_json::from_value(value).map_err(|e| unreadable(format!("not an in-toto statement: {e}")))?;
        if !written.statement_type.starts_with("https://in-toto.io/Statement/") {
            return Err(unreadable(format!(
                "its _type is {:?}, not an in-toto statement's",
                written.statement_type
            )));
        }
        Ok(Statement {
            statement_type: written.statement_type,
            predicate_type: written.predicate_type,
            subjects: written.subject,
            predicate: written.predicate,
            enveloped,
        })
    }

    /// Whether a subject is `image` (by its digest); an error finding when none is.
    pub fn check_subject(&self, image: &Digest, at: &str) -> Result<(), Finding> {
        let algorithm = image.algorithm().name();
        let named = self.subjects.iter().any(|s| {
            s.digest
                .get(algorithm)
                .is_some_and(|hex| hex.eq_ignore_ascii_case(image.hex()))
        });
        if named {
            return Ok(());
        }
        let listed: Vec<String> = self
            .subjects
            .iter()
            .flat_map(|s| s.digest.iter().map(|(a, hex)| format!("{a}:{hex}")))
            .collect();
        let listed = if listed.is_empty() {
            "nothing".to_owned()
        } else {
            listed.join(", ")
        };
        Err(Finding::error(
            Code::AttestationSubjectMismatch,
            at,
            format!(
                "the attestation is attached to {image} but describes {listed}: it proves nothing about this image"
            ),
        ))
    }
}

/// The most of an attestation layer read (the SBOM of a large image is tens of MB).
pub const MAX_LAYER_BYTES: u64 = 64 << 20;

/// The statement layers (in-toto, or DSSE-enveloped as cosign writes them) of the attestation
/// manifests that describe the image at `row` of `report` — what a face fetches next, whole (at
/// most [`MAX_LAYER_BYTES`] each), and gives to [`Attested::read`].
pub fn layers_of(report: &Report, row: usize) -> Vec<LayerInfo> {
    let Some(entry) = report.platforms.get(row) else {
        return Vec::new();
    };
    entry
        .attestations
        .iter()
        .filter_map(|digest| report.platforms.iter().find(|p| p.descriptor.digest == *digest))
        .flat_map(|manifest| manifest.image.iter().flat_map(|image| image.layers.iter()))
        .filter(|l| matches!(l.media_type.as_deref(), Some(mt::IN_TOTO | mt::DSSE_ENVELOPE)))
        .cloned()
        .collect()
}

/// cosign's attestations of `image` among what a signature lookup found (its `sha256-<hex>.att`
/// DSSE layers), read as [`Attested::read`] reads BuildKit's: what `fathom provenance`, `fathom
/// sbom` and the edge show beside the attestation manifests of an index.
pub fn of_cosign(found: &crate::signature::Found, image: &Digest) -> Vec<Attested> {
    found
        .signatures
        .iter()
        .filter(|f| f.signature.payload.media_type_str() == mt::DSSE_ENVELOPE && f.signature.subject == image.as_str())
        .map(|f| {
            let descriptor = &f.signature.payload;
            let layer = LayerInfo {
                media_type: Some(mt::DSSE_ENVELOPE.to_owned()),
                digest: descriptor.digest.clone(),
                size: descriptor.size,
                diff_id: None,
            };
            match &f.payload {
                Ok(bytes) => Attested::read(&layer, bytes, image),
                Err(why) => {
                    let mut attested = Attested::of(&layer, None);
                    let at = format!("attestation layer {}", layer.digest);
                    attested
                        .findings
                        .push(Finding::error(Code::AttestationUnreadable, &at, format!("{at}: {why}")));
                    attested
                }
            }
        })
        .collect()
}

/// Layer media types of SBOM documents attached as referrers (`oras attach`, registries' SBOM
/// tooling): SPDX JSON and CycloneDX JSON.
const SBOM_DOCUMENTS: [&str; 2] = ["application/spdx+json", "application/vnd.cyclonedx+json"];

/// The referrers of `report`'s top manifest that are SBOMs by their artifact type (SPDX,
/// CycloneDX, or a type that names an SBOM): what a face inspects next, by digest, to reach
/// their documents ([`is_sbom_document`], [`Attested::read_document`]).
pub fn sbom_referrers(report: &Report) -> Vec<String> {
    report
        .referrers
        .iter()
        .filter(|r| {
            let kind = r
                .descriptor
                .artifact_type
                .as_deref()
                .unwrap_or_default()
                .to_ascii_lowercase();
            ["spdx", "cyclonedx", "sbom"].iter().any(|k| kind.contains(k))
        })
        .map(|r| r.descriptor.digest.clone())
        .collect()
}

/// Whether a referrer's layer holds an SBOM document.
pub fn is_sbom_document(layer: &LayerInfo) -> bool {
    layer.media_type.as_deref().is_some_and(|m| SBOM_DOCUMENTS.contains(&m))
}

/// The options of the walk that reads an SBOM referrer's manifest, by digest: its layers alone
/// (no config, no referrers of its own).
pub fn referrer_walk() -> crate::inspect::Options {
    crate::inspect::Options {
        configs: false,
        referrers: false,
        ..crate::inspect::Options::default()
    }
}

/// The SBOM document layers of a referrer's manifest, walked by digest with
/// [`referrer_walk`].
pub fn sbom_documents(referrer: &Report) -> Vec<LayerInfo> {
    referrer
        .platforms
        .iter()
        .flat_map(|p| p.image.iter().flat_map(|i| i.layers.iter()))
        .filter(|l| is_sbom_document(l))
        .cloned()
        .collect()
}

/// An image and what its attestations say: what `fathom provenance` and `fathom sbom` print
/// (each keeping its own kind), and what the edge's `/api/v1/attestations` answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageAttestations {
    /// The reference, canonical.
    pub reference: String,
    /// The image's platform.
    pub platform: String,
    /// The image's manifest digest (what each statement must name).
    pub image: String,
    /// Each statement layer and SBOM document, read.
    pub attestations: Vec<Attested>,
}

impl ImageAttestations {
    /// Whether any layer failed a check (its digest, its statement, its subject).
    pub fn failed(&self) -> bool {
        self.attestations.iter().any(|a| has_error(&a.findings))
    }
}

/// What one attestation layer says of an image.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attested {
    /// The layer's digest.
    pub layer: String,
    /// The referrer manifest the layer came from, when it was attached by the referrers API (to
    /// the top manifest) rather than in an attestation manifest.
    pub referrer: Option<String>,
    /// Its statement's predicate type, when it is a statement.
    pub predicate_type: Option<String>,
    /// Whether the statement came in a DSSE envelope.
    pub enveloped: bool,
    /// Its SLSA provenance, when that is what it holds.
    pub provenance: Option<Provenance>,
    /// Its SBOM, when that is what it holds.
    pub sbom: Option<Sbom>,
    /// What is wrong: bytes that are not the layer's, not a statement, about another image.
    pub findings: Vec<Finding>,
}

impl Attested {
    /// Reads `bytes`, fetched for `layer`, as an attestation of the image `image`: the bytes
    /// are checked against the layer's digest and size, the statement's subject against the
    /// image.
    pub fn read(layer: &LayerInfo, bytes: &[u8], image: &Digest) -> Attested {
        let mut attested = Attested::of(layer, None);
        let at = format!("attestation layer {}", layer.digest);
        if let Err(finding) = checked(layer, bytes, &at) {
            attested.findings.push(finding);
            return attested;
        }
        let statement = match Statement::read(bytes, &at) {
            Ok(statement) => statement,
            Err(finding) => {
                attested.findings.push(finding);
                return attested;
            }
        };
        if let Err(finding) = statement.check_subject(image, &at) {
            attested.findings.push(finding);
        }
        attested.predicate_type = Some(statement.predicate_type.clone());
        attested.enveloped = statement.enveloped;
        attested.provenance = Provenance::of(&statement);
        match Sbom::of(&statement, &at) {
            Some(Ok(sbom)) => attested.sbom = Some(sbom),
            Some(Err(finding)) => attested.findings.push(finding),
            None => {}
        }
        attested
    }

    /// Reads `bytes`, fetched for `layer` of the referrer manifest `referrer`, as an SBOM
    /// document (SPDX or CycloneDX JSON, no statement around it): the bytes checked against the
    /// layer's digest and size. The referrers API names what it describes (the referrer's
    /// subject), not the document.
    pub fn read_document(layer: &LayerInfo, bytes: &[u8], referrer: &str) -> Attested {
        let mut attested = Attested::of(layer, Some(referrer.to_owned()));
        let at = format!("SBOM layer {}", layer.digest);
        match checked(layer, bytes, &at).and_then(|()| Sbom::read(bytes, &at)) {
            Ok(sbom) => attested.sbom = Some(sbom),
            Err(finding) => attested.findings.push(finding),
        }
        attested
    }

    /// Whether the statement was signed, in words: signatures are not verified yet, and a
    /// reader must know it.
    pub fn signature(&self) -> &'static str {
        if self.enveloped {
            "in a DSSE envelope — not verified here: `fathom verify` and the Signatures view check it with the signer's key"
        } else {
            "none: a plain in-toto statement, which anyone who can push could have written"
        }
    }

    fn of(layer: &LayerInfo, referrer: Option<String>) -> Attested {
        Attested {
            layer: layer.digest.clone(),
            referrer,
            predicate_type: None,
            enveloped: false,
            provenance: None,
            sbom: None,
            findings: Vec::new(),
        }
    }
}

/// Checks `bytes` against `layer`'s digest and size (`at` names the layer in the finding).
fn checked(layer: &LayerInfo, bytes: &[u8], at: &str) -> Result<(), Finding> {
    let expected = layer
        .digest
        .parse::<Digest>()
        .map_err(|e| Finding::error(Code::DigestInvalid, at, format!("{at}: {e}")))?;
    let size = layer.size.and_then(|s| u64::try_from(s).ok());
    digest::verify(&expected, size, bytes).map_err(|m| Finding::error(m.code(), at, format!("{at}: {m}")))
}

#[cfg(test)]
mod tests;
