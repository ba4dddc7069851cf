//! Notation signatures (`notation sign`, notaryproject), as registries hold them: an OCI 1.1
//! referrer of artifact type `application/vnd.cncf.notary.signature` whose one layer is the
//! signature envelope — JWS (`application/jose+json`, the JSON serialization) or COSE
//! (`application/cose`) — over a payload `{"targetArtifact": <descriptor>}`
//! (notaryproject/specifications `specs/signature-envelope-jws.md`,
//! `specs/signature-specification.md`).
//!
//! A JWS envelope is read and checked: its target artifact against the image it is attached to
//! (`signature-wrong-image`); its signature over `<protected>.<payload>` with its leaf
//! certificate's key, as `alg` says (PS256/384/512, ES256/384) — else it was changed after
//! signing; and, with a key or certificate given (a trust store's certificate), that the
//! certificate chain in `x5c` leads to it: each issuer a CA that names the certificate it
//! signed, the leaf for code signing, each valid at the signing time the signature claims. Not
//! checked: path length constraints, the certificates' validity now and the envelope's expiry
//! (the core has no clock), and timestamp countersignatures. COSE envelopes are listed, not
//! read.

use base64::Engine as _;
use serde::Deserialize;
use spki::der::{Decode as _, Encode as _};
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage};
use x509_cert::Certificate;

use super::bundle::Judged;
use super::cosign::Verdict;
use super::key::PublicKey;
use super::keyless::{self, Signer};
use super::trust::unix_seconds;
use super::Trust;
use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::finding::{Code, Finding};

/// The artifact type of a notation signature referrer.
pub const ARTIFACT_TYPE: &str = "application/vnd.cncf.notary.signature";
/// A JWS envelope's media type.
pub const JWS: &str = "application/jose+json";
/// A COSE envelope's media type.
pub const COSE: &str = "application/cose";
/// The payload's content type.
const PAYLOAD_TYPE: &str = "application/vnd.cncf.notary.payload.v1+json";

#[derive(Deserialize)]
struct Envelope {
    payload: String,
    protected: String,
    #[serde(default)]
    header: Unprotected,
    signature: String,
}

#[derive(Deserialize, Default)]
struct Unprotected {
    #[serde(default)]
    x5c: Vec<String>,
}

#[derive(Deserialize)]
struct Protected {
    alg: String,
    #[serde(default)]
    cty: Option<String>,
    #[serde(rename = "io.cncf.notary.signingScheme", default)]
    scheme: Option<String>,
    #[serde(rename = "io.cncf.notary.signingTime", default)]
    signing_time: Option<String>,
}

#[derive(Deserialize)]
struct Payload {
    #[serde(rename = "targetArtifact")]
    target: Descriptor,
}

/// JWS's base64url, without padding (RFC 7515 §2), leniently with it.
fn base64url(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .ok()
}

/// A JWS envelope, read: what it signs, by whom, and the bytes its signature is over.
struct Read {
    protected: Protected,
    target: Descriptor,
    chain: Vec<Certificate>,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
}

fn read(bytes: &[u8]) -> Result<Read, String> {
    let envelope: Envelope =
        serde_json::from_slice(bytes).map_err(|e| format!("not a JWS envelope (JSON serialization): {e}"))?;
    let protected_bytes = base64url(&envelope.protected).ok_or("its protected header is not base64url")?;
    let protected: Protected =
        serde_json::from_slice(&protected_bytes).map_err(|e| format!("its protected header cannot be read: {e}"))?;
    if protected.cty.as_deref() != Some(PAYLOAD_TYPE) {
        return Err(format!(
            "its payload is of type {:?}, not a notation payload ({PAYLOAD_TYPE})",
            protected.cty.as_deref().unwrap_or("none")
        ));
    }
    let payload = base64url(&envelope.payload).ok_or("its payload is not base64url")?;
    let payload: Payload =
        serde_json::from_slice(&payload).map_err(|e| format!("its payload names no target artifact: {e}"))?;
    let chain = envelope
        .header
        .x5c
        .iter()
        .map(|c| {
            base64::engine::general_purpose::STANDARD
                .decode(c)
                .ok()
                .and_then(|der| Certificate::from_der(&der).ok())
        })
        .collect::<Option<Vec<_>>>()
        .filter(|chain| !chain.is_empty())
        .ok_or("its certificate chain (x5c) is missing or cannot be read")?;
    Ok(Read {
        protected,
        target: payload.target,
        chain,
        signing_input: format!("{}.{}", envelope.protected, envelope.payload).into_bytes(),
        signature: base64url(&envelope.signature).ok_or("its signature is not base64url")?,
    })
}

/// A certificate's key.
fn key_of(cert: &Certificate) -> Option<PublicKey> {
    let der = cert.tbs_certificate.subject_public_key_info.to_der().ok()?;
    PublicKey::from_spki_der(&der).ok()
}

/// Whether `key` signed `cert` (RSA PKCS #1 v1.5 with SHA-256, ECDSA P-256 with SHA-256, ECDSA
/// P-384 with SHA-384: the algorithms `PublicKey::verifies` checks with each key).
fn signed_by(cert: &Certificate, key: &PublicKey) -> bool {
    let expected = match key.algorithm() {
        super::KeyAlgorithm::Rsa => "1.2.840.113549.1.1.11",
        super::KeyAlgorithm::EcdsaP256 => "1.2.840.10045.4.3.2",
        super::KeyAlgorithm::EcdsaP384 => "1.2.840.10045.4.3.3",
        super::KeyAlgorithm::Ed25519 => "1.3.101.112",
    };
    let (Ok(tbs), Some(signature)) = (cert.tbs_certificate.to_der(), cert.signature.as_bytes()) else {
        return false;
    };
    cert.signature_algorithm.oid.to_string() == expected && key.verifies(&tbs, signature)
}

/// The most certificates of an `x5c` chain read: notation's hold two or three.
const MAX_CHAIN: usize = 10;

/// Whether `cert` may issue certificates: its basic constraints say it is a CA (RFC 5280
/// §4.2.1.9), and its key usage, when it has one, allows signing certificates (§4.2.1.3).
fn is_ca(cert: &Certificate) -> bool {
    let ca = keyless::extension(cert, "2.5.29.19")
        .and_then(|b| BasicConstraints::from_der(b).ok())
        .is_some_and(|b| b.ca);
    let may_sign = keyless::extension(cert, "2.5.29.15")
        .and_then(|b| KeyUsage::from_der(b).ok())
        .is_none_or(|u| u.key_cert_sign());
    ca && may_sign
}

/// Whether a leaf may sign code: not a CA, and for code signing when its extended key usage
/// says what it is for.
fn signs_code(leaf: &Certificate) -> bool {
    let code_signing = keyless::extension(leaf, "2.5.29.37")
        .and_then(|b| ExtendedKeyUsage::from_der(b).ok())
        .is_none_or(|eku| eku.0.iter().any(|oid| oid.to_string() == "1.3.6.1.5.5.7.3.3"));
    !is_ca(leaf) && code_signing
}

/// Whether the chain leads to `anchor`, link by link from the leaf: a certificate with the
/// anchor's key (a pinned key, or the trust store's certificate itself), or one the anchor — a
/// certificate, not a bare key — issued. Each certificate is valid at `at` (the signing time the
/// signature claims, when it says one) and each issuer is a CA that names it.
fn chains_to(chain: &[Certificate], anchor: &PublicKey, at: Option<u64>) -> bool {
    let valid = |cert: &Certificate| at.is_none_or(|t| keyless::valid_at(cert, t));
    if chain.len() > MAX_CHAIN || !signs_code(&chain[0]) {
        return false;
    }
    for (n, cert) in chain.iter().enumerate() {
        if !valid(cert) {
            return false;
        }
        if key_of(cert).is_some_and(|k| k.key_id() == anchor.key_id()) {
            return true;
        }
        let issued_by_anchor = anchor
            .certificate_subject()
            .is_some_and(|subject| cert.tbs_certificate.issuer.to_string() == subject && signed_by(cert, anchor));
        if issued_by_anchor {
            return true;
        }
        let Some(parent) = chain.get(n + 1) else {
            return false;
        };
        let linked = is_ca(parent)
            && cert.tbs_certificate.issuer == parent.tbs_certificate.subject
            && key_of(parent).is_some_and(|k| signed_by(cert, &k));
        if !linked {
            return false;
        }
    }
    false
}

/// Who the leaf certificate names: its subject and its issuer, as distinguished names.
fn signer_of(read: &Read) -> Signer {
    let leaf = &read.chain[0].tbs_certificate;
    Signer {
        subject: Some(leaf.subject.to_string()),
        issuer: Some(leaf.issuer.to_string()),
        ..Signer::default()
    }
}

/// What makes an envelope worth trusting at all, whoever signed it: notation's signing scheme,
/// a target that is `subject`, a signature that verifies with its own leaf certificate's key.
fn sound(read: &Read, subject: &Digest) -> Result<(), (Code, String)> {
    if read
        .protected
        .scheme
        .as_deref()
        .is_some_and(|s| !s.starts_with("notary.x509"))
    {
        let message = format!("its signing scheme {:?} is not notation's", read.protected.scheme);
        return Err((Code::SignatureUnreadable, message));
    }
    if read.target.digest != subject.as_str() {
        let message = format!(
            "it signs {}, not {subject} — a signature copied from another image proves nothing about this one",
            read.target.digest
        );
        return Err((Code::SignatureWrongImage, message));
    }
    if !matches!(
        read.protected.alg.as_str(),
        "PS256" | "PS384" | "PS512" | "ES256" | "ES384"
    ) {
        let message = format!("its signature algorithm {} is not checked yet", read.protected.alg);
        return Err((Code::SignatureNotVerified, message));
    }
    let leaf = key_of(&read.chain[0]);
    if !leaf.is_some_and(|k| k.verifies_jws(&read.protected.alg, &read.signing_input, &read.signature)) {
        let message = format!(
            "its signature ({}) does not verify with its own certificate's key: the envelope was changed after signing",
            read.protected.alg
        );
        return Err((Code::SignatureInvalid, message));
    }
    Ok(())
}

/// Checks a notation signature envelope (`bytes`, already checked against its layer's digest)
/// of media type `media_type`, attached to `subject`, with what `trust` gives.
pub fn check(bytes: &[u8], media_type: &str, subject: &Digest, trust: Trust, at: &str) -> Judged {
    let mut judged = Judged::new();
    let error = |code: Code, message: String| Finding::error(code, at, format!("{at}: {message}"));
    if media_type == COSE {
        judged.not_checked(at, "a notation COSE envelope is listed, not read yet");
        return judged;
    }
    let read = match read(bytes) {
        Ok(read) => read,
        Err(why) => {
            judged.findings.push(error(Code::SignatureUnreadable, why));
            return judged;
        }
    };
    let mut signer = signer_of(&read);
    let signed_at = read.protected.signing_time.as_deref().and_then(unix_seconds);
    signer.signed_at = signed_at;
    judged.signer = Some(signer);
    judged.signed_digest = Some(read.target.digest.clone());
    match sound(&read, subject) {
        Ok(()) => {}
        // An algorithm this does not check yet: said, not condemned.
        Err((Code::SignatureNotVerified, message)) => {
            judged.not_checked(at, &message);
            return judged;
        }
        Err((code, message)) => {
            judged.findings.push(error(code, message));
            return judged;
        }
    }
    judged.verdict = match trust {
        Trust::Nothing => Verdict::Unverified,
        Trust::Key(anchor) if chains_to(&read.chain, anchor, signed_at) => Verdict::Verified,
        Trust::Key(_) | Trust::Keyless(_) => Verdict::NotThisKey,
    };
    judged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/signatures/notation")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// What the real envelope signs (a Docker manifest of notation-go's tests).
    const TARGET: &str = "sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda";

    fn alpine() -> PublicKey {
        PublicKey::from_pem(&String::from_utf8(data("alpine.crt")).unwrap()).unwrap()
    }

    #[test]
    fn a_real_notation_signature_verifies_with_its_trust_store_certificate() {
        let envelope = data("notation-go.without-timestamp.jws.json");
        let target: Digest = TARGET.parse().unwrap();
        let read = check(&envelope, JWS, &target, Trust::Nothing, "n");
        assert_eq!(read.verdict, Verdict::Unverified, "{:?}", read.findings);
        let signer = read.signer.clone().unwrap();
        assert_eq!(
            signer.subject.as_deref(),
            Some("CN=alpine,O=Notary,L=Seattle,ST=WA,C=US")
        );
        // 2024-06-18T17:08:35+08:00.
        assert_eq!(signer.signed_at, Some(1_718_701_715));
        assert_eq!(read.signed_digest.as_deref(), Some(TARGET));
        let trusted = check(&envelope, JWS, &target, Trust::Key(&alpine()), "n");
        assert_eq!(trusted.verdict, Verdict::Verified, "{:?}", trusted.findings);
        // Another key (the OpenSSL-made RSA key of the cosign tests): not this signer's.
        let rsa = PublicKey::from_pem(
            &String::from_utf8(
                std::fs::read(format!(
                    "{}/../../tests/data/signatures/rsa.pub",
                    env!("CARGO_MANIFEST_DIR")
                ))
                .unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            check(&envelope, JWS, &target, Trust::Key(&rsa), "n").verdict,
            Verdict::NotThisKey
        );
    }

    fn protected_of(envelope: &[u8]) -> Vec<u8> {
        let json: serde_json::Value = serde_json::from_slice(envelope).unwrap();
        base64url(json["protected"].as_str().unwrap()).unwrap()
    }

    #[test]
    fn a_copied_or_edited_notation_signature_is_said() {
        let envelope = data("notation-go.without-timestamp.jws.json");
        let target: Digest = TARGET.parse().unwrap();
        let moved = check(
            &envelope,
            JWS,
            &Digest::sha256(b"another image"),
            Trust::Key(&alpine()),
            "n",
        );
        assert_eq!(moved.verdict, Verdict::Invalid);
        assert_eq!(moved.findings[0].code, Code::SignatureWrongImage);
        // The signing time moved in the protected header: the signature no longer verifies.
        let mut json: serde_json::Value = serde_json::from_slice(&envelope).unwrap();
        let protected = base64url(json["protected"].as_str().unwrap()).unwrap();
        let edited = String::from_utf8(protected).unwrap().replace("17:08:35", "17:08:36");
        json["protected"] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(edited).into();
        let edited = check(&serde_json::to_vec(&json).unwrap(), JWS, &target, Trust::Nothing, "n");
        assert_eq!(edited.verdict, Verdict::Invalid);
        assert_eq!(edited.findings[0].code, Code::SignatureInvalid);
        // An algorithm not checked yet (ES512, P-521): said, not condemned.
        let es512 = String::from_utf8(protected_of(&envelope))
            .unwrap()
            .replace("PS256", "ES512");
        json["protected"] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(es512).into();
        let unchecked = check(
            &serde_json::to_vec(&json).unwrap(),
            JWS,
            &target,
            Trust::Key(&alpine()),
            "n",
        );
        assert_eq!(unchecked.verdict, Verdict::Unverified);
        assert_eq!(unchecked.findings[0].code, Code::SignatureNotVerified);
        // Not an envelope; a COSE one, listed only.
        assert_eq!(
            check(b"{}", JWS, &target, Trust::Nothing, "n").findings[0].code,
            Code::SignatureUnreadable
        );
        assert_eq!(
            check(b"\xd2", COSE, &target, Trust::Nothing, "n").verdict,
            Verdict::Unverified
        );
    }
}
