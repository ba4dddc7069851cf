//! Keyless signatures (Sigstore), checked offline as `cosign verify --certificate-identity …
//! --certificate-oidc-issuer …` checks them (sigstore/cosign `pkg/cosign/verify.go`:
//! `VerifyImageSignature`, `ValidateAndUnpackCert`, `VerifySET`), against a trusted root the
//! user gives ([`TrustedRoot`]):
//!
//! - the transparency log's signed entry timestamp (SET) verifies with a log key of the root,
//!   and its entry is about this signature: the payload's digest, the signature, the certificate;
//! - the short-lived Fulcio certificate chains to a certificate authority of the root, for code
//!   signing, and was valid when the log says the signature was made;
//! - the signature verifies with the certificate's key;
//! - the certificate names the identity (subject alternative name) and OIDC issuer expected.

use base64::Engine as _;
use serde::Serialize;
use sha2::Digest as _;
use spki::der::{Decode as _, Encode as _};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, SubjectAltName};
use x509_cert::Certificate;

use super::cosign::Verdict;
use super::key::{decode_hex, PublicKey};
use super::rekor::{self, SetPayload};
use super::sct;
use super::trust::TrustedRoot;
use crate::digest::Digest;
use crate::finding::{Code, Finding};

/// Who must have signed: the certificate's subject alternative name (a workflow URI, an email)
/// and the OIDC issuer that vouched for it, matched exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// `--certificate-identity`.
    pub subject: String,
    /// `--certificate-oidc-issuer`.
    pub issuer: String,
}

/// What a keyless check needs: the trusted root, and who must have signed.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The trusted root.
    pub root: TrustedRoot,
    /// The identity expected.
    pub identity: Identity,
}

impl Policy {
    /// `keyless: <subject> (<issuer>)`: how findings and faces name it.
    pub fn describe(&self) -> String {
        format!("keyless identity {} ({})", self.identity.subject, self.identity.issuer)
    }
}

/// What a keyless signature's certificate and log entry say (shown whether or not they check
/// out: a reader sees who claims to have signed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Signer {
    /// The subject alternative name: a workflow URI, an email.
    pub subject: Option<String>,
    /// The OIDC issuer (Fulcio's extension 1.3.6.1.4.1.57264.1.8, or the older .1.1).
    pub issuer: Option<String>,
    /// The source repository (GitHub Actions: 1.3.6.1.4.1.57264.1.12).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_repository: Option<String>,
    /// The source commit (1.3.6.1.4.1.57264.1.13).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_commit: Option<String>,
    /// When it was signed (Unix seconds): as the log says (Sigstore), or as the signature claims
    /// (notation's signing time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<u64>,
    /// The log entry's index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
}

/// cosign's `dev.sigstore.cosign/bundle` annotation: Rekor's entry and its signed timestamp.
#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RekorBundle {
    signed_entry_timestamp: String,
    payload: SetPayload,
}

const SAN_ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
const SAN_ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";
const SOURCE_REPOSITORY: &str = "1.3.6.1.4.1.57264.1.12";
const SOURCE_COMMIT: &str = "1.3.6.1.4.1.57264.1.13";
const CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";

fn base64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()
}

/// A certificate from PEM.
pub fn certificate(pem: &str) -> Result<(Certificate, Vec<u8>), String> {
    let (_, der) =
        spki::der::pem::decode_vec(pem.trim().as_bytes()).map_err(|e| format!("not a PEM certificate: {e}"))?;
    certificate_der(&der)
}

/// A certificate from DER.
pub fn certificate_der(der: &[u8]) -> Result<(Certificate, Vec<u8>), String> {
    let cert = Certificate::from_der(der).map_err(|e| format!("a certificate that cannot be read: {e}"))?;
    Ok((cert, der.to_vec()))
}

/// The extension `oid` of `cert`, its value's bytes.
pub(crate) fn extension<'c>(cert: &'c Certificate, oid: &str) -> Option<&'c [u8]> {
    cert.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id.to_string() == oid)
        .map(|e| e.extn_value.as_bytes())
}

/// A Fulcio extension's text: a DER UTF8String (the newer extensions), or the raw bytes (the
/// older ones, such as 1.3.6.1.4.1.57264.1.1).
fn text_extension(cert: &Certificate, oid: &str) -> Option<String> {
    let bytes = extension(cert, oid)?;
    match spki::der::asn1::Utf8StringRef::from_der(bytes) {
        Ok(text) => Some(text.as_str().to_owned()),
        Err(_) => std::str::from_utf8(bytes).ok().map(str::to_owned),
    }
}

/// Who the certificate says signed.
pub fn signer_of(cert: &Certificate) -> Signer {
    let subject = extension(cert, "2.5.29.17")
        .and_then(|b| SubjectAltName::from_der(b).ok())
        .and_then(|san| {
            san.0.into_iter().find_map(|name| match name {
                GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
                GeneralName::Rfc822Name(email) => Some(email.to_string()),
                _ => None,
            })
        });
    Signer {
        subject,
        issuer: text_extension(cert, SAN_ISSUER_V2).or_else(|| text_extension(cert, SAN_ISSUER_V1)),
        source_repository: text_extension(cert, SOURCE_REPOSITORY),
        source_commit: text_extension(cert, SOURCE_COMMIT),
        signed_at: None,
        log_index: None,
    }
}

/// Whether `child` was issued by `issuer`: names match and the signature over the child's
/// TBSCertificate verifies with the issuer's key (ECDSA P-256 or P-384, with SHA-256 or SHA-384,
/// as Fulcio signs).
fn issued_by(child: &Certificate, issuer: &Certificate) -> bool {
    if child.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return false;
    }
    let Ok(tbs) = child.tbs_certificate.to_der() else {
        return false;
    };
    let prehash = match child.signature_algorithm.oid.to_string().as_str() {
        "1.2.840.10045.4.3.2" => sha2::Sha256::digest(&tbs).to_vec(),
        "1.2.840.10045.4.3.3" => sha2::Sha384::digest(&tbs).to_vec(),
        _ => return false,
    };
    let Some(signature) = child.signature.as_bytes() else {
        return false;
    };
    let Ok(spki) = issuer.tbs_certificate.subject_public_key_info.to_der() else {
        return false;
    };
    use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
    use p256::pkcs8::DecodePublicKey as _;
    if let Ok(key) = p384::ecdsa::VerifyingKey::from_public_key_der(&spki) {
        return p384::ecdsa::Signature::from_der(signature).is_ok_and(|s| key.verify_prehash(&prehash, &s).is_ok());
    }
    if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(&spki) {
        return p256::ecdsa::Signature::from_der(signature).is_ok_and(|s| key.verify_prehash(&prehash, &s).is_ok());
    }
    false
}

/// Unix seconds of a certificate time.
fn seconds(time: &x509_cert::time::Time) -> u64 {
    time.to_unix_duration().as_secs()
}

/// Whether `cert` was valid at `at`.
pub(crate) fn valid_at(cert: &Certificate, at: u64) -> bool {
    let validity = &cert.tbs_certificate.validity;
    seconds(&validity.not_before) <= at && at <= seconds(&validity.not_after)
}

/// Checks a keyless signature: `signature` (raw) over the payload whose sha256 is `payload`,
/// its certificate (`certificate_pem`) and Rekor bundle (`bundle`, cosign's annotation), under
/// `policy`. Returns who signed — also when a check fails, with the finding.
pub fn check(
    signature: &[u8],
    payload: &Digest,
    certificate_pem: &str,
    bundle: Option<&str>,
    policy: &Policy,
    at: &str,
) -> (Signer, Result<(), Finding>) {
    let dated = |leaf_der: &[u8]| match bundle {
        None => Err((Code::SignatureTlogMissing, NO_LOG_ENTRY.to_owned())),
        Some(bundle) => {
            logged(bundle, signature, payload, leaf_der, &policy.root).map_err(|m| (Code::SignatureTlogInvalid, m))
        }
    };
    check_with(
        certificate(certificate_pem),
        dated,
        |key| key.verifies_digest(payload, signature),
        policy,
        at,
    )
}

/// The verdict on a keyless check's outcome, its finding kept in `findings`: a valid signature
/// by another identity is another signer's (a warning), as another key's signature is not the
/// key's; any other failure makes it invalid.
pub(crate) fn verdict_of(outcome: Result<(), Finding>, findings: &mut Vec<Finding>) -> Verdict {
    match outcome {
        Ok(()) => Verdict::Verified,
        Err(finding) if finding.code == Code::SignatureIdentityMismatch => {
            findings.push(Finding {
                severity: crate::finding::Severity::Warning,
                ..finding
            });
            Verdict::NotThisKey
        }
        // What this cannot check yet (a Rekor v2 entry, an `intoto` entry) is said, not
        // condemned.
        Err(finding) if finding.code == Code::SignatureNotVerified => {
            findings.push(Finding {
                severity: crate::finding::Severity::Info,
                ..finding
            });
            Verdict::Unverified
        }
        Err(finding) => {
            findings.push(finding);
            Verdict::Invalid
        }
    }
}

/// Why a keyless signature without a log entry is not trusted.
pub(crate) const NO_LOG_ENTRY: &str =
    "no transparency-log entry: when it was signed, hence whether its short-lived certificate was valid, cannot be proven";

/// How a keyless signature is dated: its transparency-log entry, checked against the
/// certificate's DER — the entry's time and index — or the finding's code and why not.
pub(crate) type Dated = Result<(u64, u64), (Code, String)>;

/// Checks a keyless signature however it is carried: its `certificate`, dated by `dated` (its
/// log entry, checked), the signature checked by `verifies` with the certificate's key, under
/// `policy` — the certificate chains to the root and was valid then, and names the identity.
pub(crate) fn check_with(
    certificate: Result<(Certificate, Vec<u8>), String>,
    dated: impl FnOnce(&[u8]) -> Dated,
    verifies: impl FnOnce(&PublicKey) -> bool,
    policy: &Policy,
    at: &str,
) -> (Signer, Result<(), Finding>) {
    let error = |code: Code, message: String| Finding::error(code, at, format!("{at}: {message}"));
    let (leaf, leaf_der) = match certificate {
        Ok(read) => read,
        Err(e) => return (Signer::default(), Err(error(Code::SignatureUnreadable, e))),
    };
    let mut signer = signer_of(&leaf);
    let signed_at = match dated(&leaf_der) {
        Ok((time, index)) => {
            signer.signed_at = Some(time);
            signer.log_index = Some(index);
            time
        }
        Err((code, message)) => return (signer, Err(error(code, message))),
    };
    if let Err(message) = chained(&leaf, signed_at, &policy.root) {
        return (signer, Err(error(Code::SignatureCertificateUntrusted, message)));
    }
    if !valid_at(&leaf, signed_at) {
        let validity = &leaf.tbs_certificate.validity;
        let message = format!(
            "signed at {signed_at} (Unix time, as the log says), outside its certificate's validity, {} to {}",
            seconds(&validity.not_before),
            seconds(&validity.not_after)
        );
        return (signer, Err(error(Code::SignatureCertificateExpired, message)));
    }
    let key = leaf
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .ok()
        .and_then(|der| PublicKey::from_spki_der(&der).ok());
    if !key.is_some_and(|k| verifies(&k)) {
        let message = "the signature does not verify with its certificate's key".to_owned();
        return (signer, Err(error(Code::SignatureInvalid, message)));
    }
    let expected = &policy.identity;
    if signer.subject.as_deref() != Some(expected.subject.as_str())
        || signer.issuer.as_deref() != Some(expected.issuer.as_str())
    {
        let message = format!(
            "signed by {} ({}), not {} ({})",
            signer.subject.as_deref().unwrap_or("no identity"),
            signer.issuer.as_deref().unwrap_or("no issuer"),
            expected.subject,
            expected.issuer
        );
        return (signer, Err(error(Code::SignatureIdentityMismatch, message)));
    }
    (signer, Ok(()))
}

/// The leaf chains to an authority of the root that was valid at `at`, every certificate of the
/// chain valid then, the leaf is for code signing, and a CT log of the root signed its SCT.
fn chained(leaf: &Certificate, at: u64, root: &TrustedRoot) -> Result<(), String> {
    let code_signing = extension(leaf, "2.5.29.37")
        .and_then(|b| ExtendedKeyUsage::from_der(b).ok())
        .is_some_and(|eku| eku.0.iter().any(|oid| oid.to_string() == CODE_SIGNING));
    if !code_signing {
        return Err("its certificate is not for code signing".into());
    }
    let issuer = root.authorities.iter().find(|ca| {
        ca.valid.contains(at)
            && issued_by(leaf, &ca.chain[0])
            && ca.chain.windows(2).all(|pair| issued_by(&pair[0], &pair[1]))
            && ca.chain.iter().all(|c| valid_at(c, at))
    });
    match issuer {
        // Fulcio logs each certificate it issues: a certificate transparency log of the root
        // must vouch for it.
        Some(ca) => sct::check(leaf, &ca.chain[0], root),
        None => Err(
            "its certificate does not chain to a certificate authority of the trusted root (valid when it was signed)"
                .into(),
        ),
    }
}

/// The SET verifies with a log key of the root (valid then), and the entry is this signature's:
/// the payload's digest, the signature, the certificate. The entry's time and index.
fn logged(
    bundle: &str,
    signature: &[u8],
    payload: &Digest,
    leaf_der: &[u8],
    root: &TrustedRoot,
) -> Result<(u64, u64), String> {
    let bundle: RekorBundle =
        serde_json::from_str(bundle).map_err(|e| format!("its Rekor bundle cannot be read: {e}"))?;
    let entry = &bundle.payload;
    let key_id = decode_hex(&entry.log_id).ok_or("its log id is not hex")?;
    let log = root
        .log(&key_id)
        .ok_or_else(|| format!("its log ({}) is not in the trusted root", entry.log_id))?;
    let time = u64::try_from(entry.integrated_time).map_err(|_| "its log time is negative")?;
    if !log.valid.contains(time) {
        return Err(format!("the log's key was not valid at the entry's time ({time})"));
    }
    rekor::set_verifies(log, entry, &bundle.signed_entry_timestamp)?;
    let body = base64(&entry.body).ok_or("its log entry's body is not base64")?;
    rekor::hashedrekord_about(&body, payload, signature, leaf_der)?;
    let index = u64::try_from(entry.log_index).map_err(|_| "its log index is negative")?;
    Ok((time, index))
}
