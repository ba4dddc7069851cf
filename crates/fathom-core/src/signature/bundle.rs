//! Sigstore bundles (sigstore/protobuf-specs `sigstore_bundle.proto`, media types
//! `application/vnd.dev.sigstore.bundle+json;version=0.1|0.2` and
//! `application/vnd.dev.sigstore.bundle.v0.3+json`): a signature with everything needed to check
//! it offline — the signing certificate (or a key's hint), and transparency-log entries with their
//! signed timestamps and inclusion proofs.
//!
//! cosign v3 attaches one to an image as an OCI 1.1 referrer of artifact type
//! `application/vnd.dev.sigstore.bundle.v0.3+json` (sigstore/cosign `specs/BUNDLE_SPEC.md`): a
//! DSSE envelope of an in-toto statement whose subject is the image's digest and whose predicate
//! type is `https://sigstore.dev/cosign/sign/v1` for a signature (`cosign sign`), or another for
//! an attestation (`cosign attest`). A message-signature bundle signs a digest directly, which
//! must then be the image's.
//!
//! Checking one is [`check`]: what it signs against the image it is attached to, the signature
//! against the key given — or, keyless, the certificate against the trusted root, dated by a log
//! entry whose SET, inclusion proof and body all check out.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::cosign::Verdict;
use super::keyless::{self, Policy, Signer};
use super::rekor::{self, Entry};
use super::Trust;
use crate::attestation::{Statement, IN_TOTO_PAYLOAD_TYPE};
use crate::digest::Digest;
use crate::finding::{Code, Finding};

/// The predicate type of cosign v3's image signature statement.
pub const SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";

/// Whether `media_type` is a Sigstore bundle's, of any version.
pub fn is_bundle(media_type: &str) -> bool {
    media_type.starts_with("application/vnd.dev.sigstore.bundle")
}

fn base64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BundleJson {
    media_type: String,
    verification_material: Material,
    #[serde(default)]
    message_signature: Option<MessageSignature>,
    #[serde(default)]
    dsse_envelope: Option<Envelope>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Material {
    #[serde(default)]
    certificate: Option<Raw>,
    #[serde(default)]
    x509_certificate_chain: Option<Chain>,
    #[serde(default)]
    tlog_entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    raw_bytes: String,
}

#[derive(Deserialize)]
struct Chain {
    certificates: Vec<Raw>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageSignature {
    message_digest: MessageDigest,
    signature: String,
}

#[derive(Deserialize)]
struct MessageDigest {
    algorithm: String,
    digest: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    payload: String,
    payload_type: String,
    signatures: Vec<EnvelopeSignature>,
}

#[derive(Deserialize)]
struct EnvelopeSignature {
    sig: String,
}

/// What a bundle signs.
#[derive(Debug, Clone)]
enum Content {
    /// A signature over a digest.
    Message { digest: Digest, signature: Vec<u8> },
    /// A signed DSSE envelope: the bytes signed are its pre-authentication encoding.
    Dsse {
        payload_type: String,
        payload: Vec<u8>,
        signature: Vec<u8>,
    },
}

impl Content {
    /// A DSSE envelope's content: its payload and signatures, decoded.
    fn of_envelope(envelope: Envelope) -> Result<Content, String> {
        let signature = envelope
            .signatures
            .first()
            .ok_or("its DSSE envelope has no signature")
            .and_then(|s| base64(&s.sig).ok_or("its DSSE signature is not base64"))?;
        Ok(Content::Dsse {
            payload_type: envelope.payload_type,
            payload: base64(&envelope.payload).ok_or("its DSSE payload is not base64")?,
            signature,
        })
    }
}

/// A bundle, read.
#[derive(Debug, Clone)]
pub struct Bundle {
    content: Content,
    certificate: Option<Vec<u8>>,
    entries: Vec<Entry>,
    /// Whether its log entries must carry an inclusion proof (bundles v0.2 and later).
    proof_required: bool,
}

/// DSSE's pre-authentication encoding (secure-systems-lab/dsse `protocol.md`): what a DSSE
/// signature signs.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut signed = format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), payload.len()).into_bytes();
    signed.extend_from_slice(payload);
    signed
}

impl Bundle {
    /// Reads a bundle's JSON.
    pub fn read(bytes: &[u8]) -> Result<Bundle, String> {
        let json: BundleJson = serde_json::from_slice(bytes).map_err(|e| format!("not a Sigstore bundle: {e}"))?;
        if !is_bundle(&json.media_type) {
            return Err(format!(
                "not a Sigstore bundle: its media type is {:?}",
                json.media_type
            ));
        }
        let material = json.verification_material;
        let certificate = match (material.certificate, material.x509_certificate_chain) {
            (Some(raw), _) => Some(raw.raw_bytes),
            (None, Some(chain)) => chain.certificates.into_iter().next().map(|c| c.raw_bytes),
            (None, None) => None,
        }
        .map(|raw| base64(&raw).ok_or("its certificate is not base64"))
        .transpose()?;
        let content = match (json.message_signature, json.dsse_envelope) {
            (Some(message), None) => {
                let digest = base64(&message.message_digest.digest).ok_or("its message digest is not base64")?;
                if message.message_digest.algorithm != "SHA2_256" || digest.len() != 32 {
                    return Err(format!(
                        "its message digest is not a SHA-256 ({:?})",
                        message.message_digest.algorithm
                    ));
                }
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                Content::Message {
                    digest: format!("sha256:{hex}").parse().map_err(|e| format!("{e}"))?,
                    signature: base64(&message.signature).ok_or("its signature is not base64")?,
                }
            }
            (None, Some(envelope)) => {
                if envelope.signatures.len() != 1 {
                    return Err(format!(
                        "its DSSE envelope has {} signatures, not one (as a bundle's must)",
                        envelope.signatures.len()
                    ));
                }
                Content::of_envelope(envelope)?
            }
            _ => return Err("it holds neither one message signature nor one DSSE envelope".into()),
        };
        // `application/vnd.dev.sigstore.bundle+json;version=0.1` is the one version without
        // the proof requirement.
        let proof_required = !json.media_type.ends_with("version=0.1");
        Ok(Bundle {
            content,
            certificate,
            entries: material.tlog_entries,
            proof_required,
        })
    }

    /// Reads a bare DSSE envelope (`application/vnd.dsse.envelope.v1+json`: a cosign `.att`
    /// layer) as a bundle with no verification material: what a key checks. Its first
    /// signature is the one checked (cosign writes one).
    pub fn from_envelope(bytes: &[u8]) -> Result<Bundle, String> {
        let envelope: Envelope = serde_json::from_slice(bytes).map_err(|e| format!("not a DSSE envelope: {e}"))?;
        Ok(Bundle {
            content: Content::of_envelope(envelope)?,
            certificate: None,
            entries: Vec::new(),
            proof_required: false,
        })
    }

    /// The bytes signed, as a key verifies them: the message's digest (prehashed) or the DSSE
    /// envelope's pre-authentication encoding.
    fn verifies(&self, key: &super::PublicKey) -> bool {
        match &self.content {
            Content::Message { digest, signature } => key.verifies_digest(digest, signature),
            Content::Dsse {
                payload_type,
                payload,
                signature,
            } => key.verifies(&pae(payload_type, payload), signature),
        }
    }

    /// Checks the bundle's log entries against the policy's root: the first entry that
    /// verifies and is about this signature dates it.
    fn dated(&self, leaf_der: &[u8], policy: &Policy) -> keyless::Dated {
        if self.entries.is_empty() {
            return Err((Code::SignatureTlogMissing, keyless::NO_LOG_ENTRY.to_owned()));
        }
        let mut why = (Code::SignatureTlogInvalid, String::new());
        for entry in &self.entries {
            if let Some(unchecked) = entry.unchecked() {
                why = (Code::SignatureNotVerified, unchecked);
                continue;
            }
            let about = |logged: &rekor::Logged| match (&self.content, logged.kind.0.as_str()) {
                (Content::Message { digest, signature }, "hashedrekord") => {
                    rekor::hashedrekord_about(&logged.body, digest, signature, leaf_der)
                }
                (Content::Dsse { payload, signature, .. }, "dsse") => {
                    rekor::dsse_about(&logged.body, &Digest::sha256(payload), signature, leaf_der)
                }
                (_, kind) => Err(format!(
                    "its log entry is of kind {kind:?} {}, which is not checked",
                    logged.kind.1
                )),
            };
            let proven = |logged: rekor::Logged| {
                // From v0.2 on a bundle must carry the inclusion proof and its checkpoint, as
                // Sigstore's clients require.
                if self.proof_required && !logged.proven {
                    Err("its log entry has no inclusion proof, which a bundle of v0.2 or later must carry".to_owned())
                } else {
                    Ok(logged)
                }
            };
            match entry
                .verify(&policy.root)
                .and_then(proven)
                .and_then(|logged| about(&logged).map(|()| logged))
            {
                Ok(logged) => return Ok((logged.time, logged.index)),
                Err(message) => why = (Code::SignatureTlogInvalid, message),
            }
        }
        Err(why)
    }
}

/// A signature, checked against the digest it is about (an image's, or a file's): what every
/// kind of signature's check finds (a bundle's, an envelope's, notation's, a simple signing
/// payload's — [`super::Checked`] holds it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Judged {
    /// The digest it signs (a simple signing payload's or a message's, or a statement's first
    /// subject).
    pub signed_digest: Option<String>,
    /// Whether it is keyless (it carries a certificate).
    pub keyless: bool,
    /// Who its certificate says signed (checked or not: the verdict says).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<Signer>,
    /// Whether it carries transparency-log entries.
    pub transparency_log: bool,
    /// The statement's predicate type, for a DSSE bundle or envelope
    /// (`https://sigstore.dev/cosign/sign/v1` for a cosign v3 signature; another for an
    /// attestation, which signs no image by itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    /// The outcome.
    pub verdict: Verdict,
    /// What is wrong.
    pub findings: Vec<Finding>,
}

/// Checks the bundle `bytes` (already checked against its layer's digest, when it was one)
/// about `subject` — the image it is attached to, or the file it signs — with what `trust`
/// gives. `at` names it in findings.
pub fn check(bytes: &[u8], subject: &Digest, trust: Trust, at: &str) -> Judged {
    judged(Bundle::read(bytes), subject, trust, at)
}

/// Checks a bare DSSE envelope (a cosign `.att` layer, already checked against its digest)
/// attached to `subject`: its statement against the image, its signature against a key. A
/// keyless `.att` (its certificate and Rekor `intoto` entry in the layer's annotations) is read,
/// not checked: it says so.
pub fn check_envelope(bytes: &[u8], subject: &Digest, trust: Trust, at: &str) -> Judged {
    let mut judged = judged(Bundle::from_envelope(bytes), subject, trust, at);
    if matches!(trust, Trust::Keyless(_)) && judged.verdict == Verdict::NotThisKey {
        judged.not_checked(at, "a keyless attestation (Rekor `intoto` entry) is not checked yet");
    }
    judged
}

impl Judged {
    /// Says what could not be checked yet (`signature-not-verified`, an info finding): unverified,
    /// not condemned.
    pub(crate) fn not_checked(&mut self, at: &str, message: &str) {
        self.verdict = Verdict::Unverified;
        self.findings.push(Finding::info(
            Code::SignatureNotVerified,
            at,
            format!("{at}: {message}"),
        ));
    }

    /// Nothing known yet: invalid until checked.
    pub(crate) fn new() -> Judged {
        Judged {
            verdict: Verdict::Invalid,
            signed_digest: None,
            predicate_type: None,
            keyless: false,
            signer: None,
            transparency_log: false,
            findings: Vec::new(),
        }
    }
}

fn judged(bundle: Result<Bundle, String>, subject: &Digest, trust: Trust, at: &str) -> Judged {
    let mut judged = Judged::new();
    judged.verdict = judge(bundle, subject, trust, at, &mut judged);
    judged
}

fn judge(bundle: Result<Bundle, String>, subject: &Digest, trust: Trust, at: &str, judged: &mut Judged) -> Verdict {
    let bundle = match bundle {
        Ok(bundle) => bundle,
        Err(why) => {
            judged
                .findings
                .push(Finding::error(Code::SignatureUnreadable, at, format!("{at}: {why}")));
            return Verdict::Invalid;
        }
    };
    judged.keyless = bundle.certificate.is_some();
    judged.transparency_log = !bundle.entries.is_empty();
    let certificate = bundle.certificate.as_deref().map(keyless::certificate_der);
    judged.signer = certificate
        .as_ref()
        .and_then(|c| c.as_ref().ok())
        .map(|(cert, _)| keyless::signer_of(cert));
    if let Err(finding) = about(&bundle.content, subject, at, judged) {
        judged.findings.push(finding);
        return Verdict::Invalid;
    }
    match trust {
        Trust::Nothing => Verdict::Unverified,
        Trust::Key(key) if bundle.verifies(key) => Verdict::Verified,
        Trust::Key(_) => Verdict::NotThisKey,
        Trust::Keyless(policy) => {
            let Some(certificate) = certificate else {
                return Verdict::NotThisKey;
            };
            let (signer, outcome) = keyless::check_with(
                certificate,
                |leaf_der| bundle.dated(leaf_der, policy),
                |key| bundle.verifies(key),
                policy,
                at,
            );
            judged.signer = Some(signer);
            keyless::verdict_of(outcome, &mut judged.findings)
        }
    }
}

/// What the bundle signs is about `image`: a message signature of its digest, or a statement
/// naming it. Fills in what `judged` shows of it.
fn about(content: &Content, image: &Digest, at: &str, checked: &mut Judged) -> Result<(), Finding> {
    let wrong = |signed: String| {
        Finding::error(
            Code::SignatureWrongImage,
            at,
            format!("{at} is about something else: it names {signed}, not {image} — a signature copied from another image or file proves nothing about this one"),
        )
    };
    match content {
        Content::Message { digest, .. } => {
            checked.signed_digest = Some(digest.to_string());
            if digest != image {
                return Err(wrong(digest.to_string()));
            }
        }
        Content::Dsse {
            payload_type, payload, ..
        } => {
            if payload_type != IN_TOTO_PAYLOAD_TYPE {
                return Err(Finding::error(
                    Code::SignatureUnreadable,
                    at,
                    format!("{at}: a DSSE envelope of {payload_type:?}, not of an in-toto statement"),
                ));
            }
            let statement = Statement::read(payload, at).map_err(|f| Finding {
                code: Code::SignatureUnreadable,
                ..f
            })?;
            checked.predicate_type = Some(statement.predicate_type.clone());
            if statement.check_subject(image, at).is_err() {
                let named: Vec<String> = statement
                    .subjects
                    .iter()
                    .flat_map(|s| s.digest.iter().map(|(a, hex)| format!("{a}:{hex}")))
                    .collect();
                checked.signed_digest = named.first().cloned();
                return Err(wrong(if named.is_empty() {
                    "nothing".into()
                } else {
                    named.join(", ")
                }));
            }
            checked.signed_digest = Some(image.to_string());
        }
    }
    Ok(())
}
