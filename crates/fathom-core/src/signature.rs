//! Signatures of an image, checked: cosign's (a key the user gives: ECDSA P-256, Ed25519,
//! RSA), found by an I/O-free walk ([`lookup::SignatureLookup`]) and judged by feeding bytes
//! ([`cosign::check`], [`Verification::of`]) — the same shape as layers and attestations, so the
//! CLI, the file worker and the edge drive one code.

pub mod bundle;
#[cfg(test)]
mod bundle_tests;
pub mod cosign;
pub mod key;
pub mod keyless;
pub mod lookup;
pub mod notation;
pub mod rekor;
pub mod sct;
#[cfg(test)]
mod tests;
pub mod trust;

use serde::Serialize;

pub use cosign::{Checked, Verdict};
pub use key::{KeyAlgorithm, KeyError, PublicKey};
pub use keyless::{Identity, Policy, Signer};
pub use lookup::{Found, SignatureLookup};
pub use trust::TrustedRoot;

use crate::digest::Digest;
use crate::finding::{has_error, Code, Finding};
use crate::report::{EntryKind, Report};

/// The digests whose signatures are looked up for `report`: the reference's own digest, then
/// the image its platform match chose — or, with `every`, every image of the index. cosign signs
/// the digest it is given (an index, usually), and with `--recursive` each image too.
pub fn subjects_of(report: &Report, every: bool) -> Vec<Digest> {
    let chosen = report.platform_match.as_ref().and_then(|m| m.chosen);
    let images = report.platforms.iter().enumerate().filter(|(row, p)| {
        if every {
            p.kind == EntryKind::Image
        } else {
            Some(*row) == chosen
        }
    });
    let mut subjects: Vec<Digest> = Vec::new();
    let digests = report.digest.iter().chain(images.map(|(_, p)| &p.descriptor.digest));
    for digest in digests.filter_map(|d| d.parse::<Digest>().ok()) {
        if !subjects.contains(&digest) {
            subjects.push(digest);
        }
    }
    subjects
}

/// What signatures are checked against: nothing (found and read only), a public key, or a
/// keyless identity under a trusted root.
#[derive(Debug, Clone, Copy)]
pub enum Trust<'a> {
    /// Nothing: the signatures are found and read, not verified.
    Nothing,
    /// A public key.
    Key(&'a PublicKey),
    /// A keyless identity under a trusted root.
    Keyless(&'a Policy),
}

impl<'a> Trust<'a> {
    /// What a face was given: the key when there is one, else the keyless policy, else nothing.
    pub fn of(key: Option<&'a PublicKey>, policy: Option<&'a Policy>) -> Trust<'a> {
        match (key, policy) {
            (Some(key), _) => Trust::Key(key),
            (None, Some(policy)) => Trust::Keyless(policy),
            (None, None) => Trust::Nothing,
        }
    }

    /// How findings and faces name it (`None` for nothing).
    pub fn describe(&self) -> Option<String> {
        match self {
            Trust::Nothing => None,
            Trust::Key(key) => Some(key.describe()),
            Trust::Keyless(policy) => Some(policy.describe()),
        }
    }
}

/// Whether a signature of `subject` verified. A Sigstore bundle counts when it is a signature
/// (a message signature, or cosign's `sign/v1` statement), not another attestation, as
/// `cosign verify` counts them.
fn verified(subject: &Digest, signatures: &[Checked]) -> bool {
    signatures
        .iter()
        .any(|s| s.judged.verdict == Verdict::Verified && s.signature.subject == subject.as_str() && s.signs_image())
}

/// Whether the verified signatures cover what was looked up: the reference's own digest (an
/// index's signature covers every image it lists, by digest), or else every image looked up.
fn covered(subjects: &[Digest], signatures: &[Checked]) -> bool {
    match subjects.split_first() {
        Some((top, _)) if verified(top, signatures) => true,
        Some((_, images)) => !images.is_empty() && images.iter().all(|d| verified(d, signatures)),
        None => false,
    }
}

/// What the signatures say of the image, all told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageVerdict {
    /// A signature made with the key given, over a payload naming the image, and nothing wrong.
    Verified,
    /// Signatures found, none checked: no key was given.
    Unverified,
    /// No signature found.
    Unsigned,
    /// Something is wrong: no signature verifies with the key, or one is tampered with or
    /// copied from another image.
    Invalid,
}

/// An image's signatures, checked: what `fathom verify` prints and exits by.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// The digests whose signatures were looked up (the reference's, then the platform's
    /// image when it differs).
    pub subjects: Vec<String>,
    /// The key checked with, described; `None` when none was given.
    pub key: Option<String>,
    /// The key's id (sha256 of its SubjectPublicKeyInfo).
    pub key_id: Option<String>,
    /// Every signature found, checked.
    pub signatures: Vec<Checked>,
    /// The verdict.
    pub verdict: ImageVerdict,
    /// What the whole lookup found wrong (a signature's own findings are on it).
    pub findings: Vec<Finding>,
}

impl Verification {
    /// Checks what the lookup of `subjects`' signatures `found`, with what `trust` gives.
    pub fn of(subjects: &[Digest], found: &Found, trust: Trust) -> Verification {
        let mut signatures: Vec<Checked> = found
            .signatures
            .iter()
            .map(|f| cosign::check(&f.signature, f.payload.as_deref().map_err(String::as_str), trust))
            .collect();
        // In a stable order, whatever order the registry answered in: by subject, the tag
        // before referrers, by manifest; a manifest's signatures in its layers' order.
        let rank = |s: &Checked| {
            let subject = subjects.iter().position(|d| d.as_str() == s.signature.subject);
            (
                subject,
                s.signature.source == cosign::Source::Referrer,
                s.signature.manifest.clone(),
            )
        };
        signatures.sort_by_key(rank);
        let mut findings = found.findings.clone();
        findings.sort_by(|a, b| (a.severity, &a.path, &a.message).cmp(&(b.severity, &b.path, &b.message)));
        let named: Vec<String> = subjects.iter().map(ToString::to_string).collect();
        let of = named.join(" or ");
        let broken = has_error(&findings) || signatures.iter().any(|s| has_error(&s.judged.findings));
        // Attestations (cosign `.att`, attestation bundles) are checked and listed, and can make
        // the image invalid; they do not sign it.
        let signing = signatures.iter().filter(|s| s.signs_image()).count();
        let verdict = if signing == 0 && !broken {
            let message = format!(
                "no cosign signature of {of}: neither a {} tag nor a signature referrer",
                subjects
                    .first()
                    .map_or_else(|| "sha256-<hex>.sig".into(), cosign::signature_tag)
            );
            findings.push(match trust {
                Trust::Nothing => Finding::info(Code::SignatureMissing, &of, message),
                _ => Finding::error(Code::SignatureMissing, &of, message),
            });
            ImageVerdict::Unsigned
        } else if broken {
            ImageVerdict::Invalid
        } else if let Some(described) = trust.describe() {
            if covered(subjects, &signatures) {
                ImageVerdict::Verified
            } else if signatures
                .iter()
                .any(|s| s.judged.verdict == Verdict::Verified && s.signs_image())
            {
                let unsigned: Vec<String> = subjects
                    .iter()
                    .skip(1)
                    .filter(|d| !verified(d, &signatures))
                    .map(ToString::to_string)
                    .collect();
                findings.push(Finding::error(
                    Code::SignatureInvalid,
                    &of,
                    format!(
                        "the reference's digest has no signature that verifies with the {described}, nor has every image: {} {}",
                        unsigned.join(", "),
                        if unsigned.len() == 1 { "has none" } else { "have none" }
                    ),
                ));
                ImageVerdict::Invalid
            } else {
                findings.push(Finding::error(
                    Code::SignatureInvalid,
                    &of,
                    format!(
                        "no signature of {of} verifies with the {described}: {} checked — signed with another key or identity, or the signed payload was changed after signing",
                        signing
                    ),
                ));
                ImageVerdict::Invalid
            }
        } else {
            findings.push(Finding::info(
                Code::SignatureNotVerified,
                &of,
                format!(
                    "{} signature(s) of {of} found, none checked: give the signer's public key, or a trusted root and the identity expected",
                    signatures.len()
                ),
            ));
            ImageVerdict::Unverified
        };
        Verification {
            subjects: named,
            key: trust.describe(),
            key_id: match trust {
                Trust::Key(key) => Some(key.key_id().to_owned()),
                _ => None,
            },
            signatures,
            verdict,
            findings,
        }
    }

    /// The verdict in a sentence, as every face heads it: by which key, or why not.
    pub fn headline(&self) -> String {
        let key = self.key.as_deref().unwrap_or("key given");
        let count = self.signatures.len();
        match self.verdict {
            ImageVerdict::Verified => format!("VERIFIED: signed with the {key}"),
            ImageVerdict::Unverified => format!(
                "UNVERIFIED: {count} signature{} found, none checked — give the signer's public key",
                if count == 1 { "" } else { "s" }
            ),
            ImageVerdict::Unsigned => "UNSIGNED: no cosign signature is attached".to_owned(),
            ImageVerdict::Invalid => match self
                .findings
                .iter()
                .chain(self.signatures.iter().flat_map(|s| &s.judged.findings))
                .find(|f| f.severity == crate::finding::Severity::Error)
            {
                Some(f) => format!("INVALID: {}", f.code.meaning()),
                None => "INVALID".to_owned(),
            },
        }
    }

    /// Who a keyless or notation signature says signed, in [`signer_words`]. Its certificate is
    /// checked under a keyless policy, or — notation — by a chain to the certificate given.
    pub fn signer_words(&self, checked: &Checked) -> Option<String> {
        let certified = self.key_id.is_none() || checked.signature.payload.media_type_str() == notation::JWS;
        let signer = checked.judged.signer.as_ref()?;
        Some(signer_words(
            signer,
            checked.judged.verdict,
            certified,
            checked.judged.keyless,
        ))
    }

    /// Whether anything failed (the CLI exits 1).
    pub fn failed(&self) -> bool {
        matches!(self.verdict, ImageVerdict::Invalid) || has_error(&self.findings)
    }
}

/// Who a keyless or notation signature says signed, as every face words it. `certified`: its
/// certificate was checked — a keyless one under a keyless policy (chain, log entry, identity), a
/// notation one by a chain to the certificate given. A verified, certified signature is "signed
/// by …"; a keyless one by another identity — every check passed but the identity's, which comes
/// last — is "signed by …, not the identity expected"; anything else is what the certificate
/// claims, marked so.
pub fn signer_words(signer: &Signer, verdict: Verdict, certified: bool, keyless: bool) -> String {
    let subject = signer.subject.as_deref().unwrap_or("no identity");
    let issuer = signer.issuer.as_deref().unwrap_or("no issuer");
    match verdict {
        Verdict::Verified if certified => format!("signed by {subject} ({issuer})"),
        Verdict::NotThisKey if certified && keyless => {
            format!("signed by {subject} ({issuer}), not the identity expected")
        }
        _ => format!("claims to be signed by (not checked) {subject} ({issuer})"),
    }
}
