//! cosign's image signatures, as cosign writes them (sigstore/cosign `pkg/oci/static`,
//! `pkg/cosign/verify.go`): a manifest under the tag `sha256-<hex>.sig` — or, in cosign's OCI 1.1
//! mode, a referrer of artifact type `application/vnd.dev.cosign.artifact.sig.v1+json` — whose
//! layers are each one signature: a simple signing payload
//! (`application/vnd.dev.cosign.simplesigning.v1+json`) naming the signed manifest digest in
//! `critical.image.docker-manifest-digest`, and the base64 signature of the payload's exact bytes
//! in the annotation `dev.cosignproject.cosign/signature`.
//!
//! Checking one is [`check`]: the payload's bytes against the layer's digest, the payload
//! against the image it is attached to, the signature against the user's key.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Serialize;

use super::bundle::{self, Judged};
use super::keyless;
use super::notation;
use super::Trust;
use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::finding::{Code, Finding};
use crate::media_type as mt;

/// The annotation holding a layer's signature (base64).
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// The annotation holding a keyless signature's Fulcio certificate (PEM).
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// The annotation holding the Rekor bundle (the signed entry timestamp).
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
/// The artifact type of a signature manifest attached as an OCI 1.1 referrer.
pub const SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
/// `critical.type` of a cosign image signature.
pub const PAYLOAD_TYPE: &str = "cosign container image signature";
/// The most payload bytes read (cosign's are a few hundred bytes).
pub const MAX_PAYLOAD_BYTES: u64 = 1 << 20;

/// The tag cosign stores a subject's signatures under: `sha256-<hex>.sig`.
pub fn signature_tag(subject: &Digest) -> String {
    format!("{}-{}.sig", subject.algorithm(), subject.hex())
}

/// The tag cosign stores a subject's attestations under (`cosign attest`): `sha256-<hex>.att`,
/// each layer a DSSE envelope of an in-toto statement.
pub fn attestation_tag(subject: &Digest) -> String {
    format!("{}-{}.att", subject.algorithm(), subject.hex())
}

/// How a signature manifest was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The `sha256-<hex>.sig` tag.
    Tag,
    /// A referrer of the subject (OCI 1.1).
    Referrer,
}

/// One signature: a simple signing layer of a signature manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Signature {
    /// The digest the signature manifest was found for.
    pub subject: String,
    /// The signature manifest's digest.
    pub manifest: String,
    /// How the manifest was found.
    pub source: Source,
    /// The payload layer (its annotations carry the signature).
    pub payload: Descriptor,
}

#[derive(serde::Deserialize)]
struct Layers {
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
}

/// Whether a layer of this media type is one signature: cosign's simple signing payload, a
/// Sigstore bundle, a DSSE envelope (a cosign `.att` attestation), or a notation envelope.
fn is_signature_layer(media_type: &str) -> bool {
    [
        mt::COSIGN_SIMPLESIGNING,
        mt::DSSE_ENVELOPE,
        notation::JWS,
        notation::COSE,
    ]
    .contains(&media_type)
        || bundle::is_bundle(media_type)
}

/// The signatures of a signature manifest (`bytes`, digest `manifest`) found for `subject`:
/// its simple signing layers. A manifest that is not JSON, or holds no such layer, is a finding.
pub fn signatures_in(
    subject: &Digest,
    manifest: &Digest,
    source: Source,
    bytes: &[u8],
) -> Result<Vec<Signature>, Finding> {
    let at = format!("signature manifest {manifest}");
    let layers = serde_json::from_slice::<Layers>(bytes)
        .map_err(|e| Finding::error(Code::SignatureUnreadable, &at, format!("{at} is not a manifest: {e}")))?
        .layers
        .unwrap_or_default();
    let signatures: Vec<Signature> = layers
        .into_iter()
        .filter(|l| is_signature_layer(l.media_type_str()))
        .map(|payload| Signature {
            subject: subject.to_string(),
            manifest: manifest.to_string(),
            source,
            payload,
        })
        .collect();
    if signatures.is_empty() {
        return Err(Finding::error(
            Code::SignatureUnreadable,
            &at,
            format!(
                "{at} holds no simple signing layer ({}) nor Sigstore bundle",
                mt::COSIGN_SIMPLESIGNING
            ),
        ));
    }
    Ok(signatures)
}

/// The simple signing payload (containers/image's signature format, as cosign writes it).
#[derive(serde::Deserialize)]
struct Payload {
    critical: Critical,
    #[serde(default)]
    optional: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(serde::Deserialize)]
struct Critical {
    identity: Identity,
    image: Image,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(serde::Deserialize)]
struct Identity {
    #[serde(rename = "docker-reference")]
    docker_reference: String,
}

#[derive(serde::Deserialize)]
struct Image {
    #[serde(rename = "docker-manifest-digest")]
    docker_manifest_digest: String,
}

/// What a check of one signature found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Made with the key given, over a payload naming this image.
    Verified,
    /// Well formed and about this image, but not made with the key given (or, keyless, by
    /// another identity).
    NotThisKey,
    /// Well formed and about this image; no key was given to check it with.
    Unverified,
    /// Wrong: bytes that are not the layer's, a payload about another image, no signature.
    Invalid,
}

impl Verdict {
    /// The verdict in words, as every face shows it.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::NotThisKey => "not by the signer given",
            Verdict::Unverified => "not checked (no signer given)",
            Verdict::Invalid => "invalid",
        }
    }
}

impl Source {
    /// How it was found, in a word.
    pub fn words(self) -> &'static str {
        match self {
            Source::Tag => "tag",
            Source::Referrer => "referrer",
        }
    }
}

/// One signature, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Checked {
    /// The signature.
    #[serde(flatten)]
    pub signature: Signature,
    /// The payload's `critical.identity.docker-reference`: the repository it was signed as.
    pub docker_reference: Option<String>,
    /// The payload's `optional` claims (`cosign sign -a key=value`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub claims: BTreeMap<String, serde_json::Value>,
    /// What checking it found, as for every kind of signature: the digest it signs, who signed
    /// (keyless, notation), its log entry, the verdict and what is wrong.
    #[serde(flatten)]
    pub judged: Judged,
}

impl Checked {
    /// Whether it signs the image (cosign's simple signing payload, a message signature, or a
    /// `sign/v1` statement) rather than attesting something about it, as `cosign verify` counts
    /// signatures apart from `cosign verify-attestation`'s.
    pub fn signs_image(&self) -> bool {
        self.judged
            .predicate_type
            .as_deref()
            .is_none_or(|p| p == bundle::SIGN_PREDICATE)
    }
}

/// Checks `signature` (whose payload was fetched as `payload`, or could not be) against the
/// image it was found for, and against `trust` (a key, or a keyless identity under a trusted
/// root): the payload's bytes against the layer's digest and size, the payload's
/// `docker-manifest-digest` against the subject, the signature over the payload's exact bytes.
pub fn check(signature: &Signature, payload: Result<&[u8], &str>, trust: Trust) -> Checked {
    let layer = &signature.payload;
    let mut checked = Checked {
        signature: signature.clone(),
        docker_reference: None,
        claims: BTreeMap::new(),
        judged: Judged {
            keyless: layer.annotation(CERTIFICATE_ANNOTATION).is_some(),
            signer: layer
                .annotation(CERTIFICATE_ANNOTATION)
                .and_then(|pem| keyless::certificate(pem).ok())
                .map(|(cert, _)| keyless::signer_of(&cert)),
            transparency_log: layer.annotation(BUNDLE_ANNOTATION).is_some(),
            ..Judged::new()
        },
    };
    let at = format!("signature {} of {}", layer.digest, signature.subject);
    let media_type = layer.media_type_str();
    if bundle::is_bundle(media_type) || [mt::DSSE_ENVELOPE, notation::JWS, notation::COSE].contains(&media_type) {
        match fetched(signature, payload, &at) {
            Ok(bytes) => {
                // The subject is a digest the lookup parsed before it was written here.
                let Ok(subject) = signature.subject.parse::<Digest>() else {
                    return checked;
                };
                checked.judged = match media_type {
                    mt::DSSE_ENVELOPE => bundle::check_envelope(bytes, &subject, trust, &at),
                    notation::JWS | notation::COSE => notation::check(bytes, media_type, &subject, trust, &at),
                    _ => bundle::check(bytes, &subject, trust, &at),
                };
            }
            Err(finding) => checked.judged.findings.push(finding),
        }
        return checked;
    }
    match read(signature, payload, &at, &mut checked) {
        Ok(bytes) => checked.judged.verdict = judge(layer, bytes, trust, &at, &mut checked.judged),
        Err(finding) => checked.judged.findings.push(finding),
    }
    checked
}

/// The payload's bytes, when they were fetched and are what its layer promised.
fn fetched<'p>(signature: &Signature, payload: Result<&'p [u8], &str>, at: &str) -> Result<&'p [u8], Finding> {
    let bytes = payload.map_err(|why| Finding::error(Code::SignatureUnreadable, at, format!("{at}: {why}")))?;
    signature.payload.verify(bytes).map_err(|m| {
        Finding::error(
            m.code(),
            at,
            format!("{at}: the payload is not what its layer promised: {m}"),
        )
    })?;
    Ok(bytes)
}

/// The payload's bytes, checked and read into `checked`; about the subject.
fn read<'p>(
    signature: &Signature,
    payload: Result<&'p [u8], &str>,
    at: &str,
    checked: &mut Checked,
) -> Result<&'p [u8], Finding> {
    let bytes = fetched(signature, payload, at)?;
    let payload: Payload = serde_json::from_slice(bytes).map_err(|e| {
        Finding::error(
            Code::SignatureUnreadable,
            at,
            format!("{at}: the payload is not cosign's simple signing JSON: {e}"),
        )
    })?;
    checked.docker_reference = Some(payload.critical.identity.docker_reference.clone());
    checked.judged.signed_digest = Some(payload.critical.image.docker_manifest_digest.clone());
    checked.claims = payload.optional.unwrap_or_default();
    if payload.critical.kind != PAYLOAD_TYPE {
        return Err(Finding::error(
            Code::SignatureUnreadable,
            at,
            format!(
                "{at}: the payload's type is {:?}, not {PAYLOAD_TYPE:?}",
                payload.critical.kind
            ),
        ));
    }
    let signed = &payload.critical.image.docker_manifest_digest;
    if *signed != signature.subject {
        return Err(Finding::error(
            Code::SignatureWrongImage,
            at,
            format!(
                "{at} signs another image: its payload names {signed} (as {}), not {} — a signature copied from another image proves nothing about this one",
                payload.critical.identity.docker_reference, signature.subject
            ),
        ));
    }
    Ok(bytes)
}

/// The verdict on a payload about the subject: the signature over its bytes, with what `trust`
/// gives.
fn judge(layer: &Descriptor, payload: &[u8], trust: Trust, at: &str, judged: &mut Judged) -> Verdict {
    let Some(encoded) = layer.annotation(SIGNATURE_ANNOTATION).filter(|s| !s.is_empty()) else {
        judged.findings.push(Finding::error(
            Code::SignatureUnreadable,
            at,
            format!("{at}: the layer has no {SIGNATURE_ANNOTATION} annotation"),
        ));
        return Verdict::Invalid;
    };
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        judged.findings.push(Finding::error(
            Code::SignatureUnreadable,
            at,
            format!("{at}: the {SIGNATURE_ANNOTATION} annotation is not base64"),
        ));
        return Verdict::Invalid;
    };
    match trust {
        Trust::Nothing => Verdict::Unverified,
        Trust::Key(key) if key.verifies(payload, &raw) => Verdict::Verified,
        Trust::Key(_) => Verdict::NotThisKey,
        Trust::Keyless(policy) => {
            let Some(certificate) = layer.annotation(CERTIFICATE_ANNOTATION) else {
                return Verdict::NotThisKey;
            };
            let digest = Digest::sha256(payload);
            let bundle = layer.annotation(BUNDLE_ANNOTATION);
            let (signer, outcome) = keyless::check(&raw, &digest, certificate, bundle, policy, at);
            judged.signer = Some(signer);
            keyless::verdict_of(outcome, &mut judged.findings)
        }
    }
}
