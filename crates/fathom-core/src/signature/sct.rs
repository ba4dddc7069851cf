//! The signed certificate timestamps (SCTs) a Fulcio certificate embeds: a certificate
//! transparency log's promise that it logged the certificate (RFC 6962 §3.2–3.3), checked as
//! Sigstore's verifiers check them — at least one SCT, by a CT log of the trusted root, whose
//! signature verifies over the precertificate entry: the leaf's TBSCertificate without the SCT
//! extension, and the sha256 of its issuer's key.
//!
//! The list's encoding is TLS presentation language (RFC 5246 §4), read here by hand: a few
//! length-prefixed fields, for which no well-kept crate builds for wasm without pulling a TLS
//! stack in.

use sha2::{Digest as _, Sha256};
use spki::der::asn1::OctetString;
use spki::der::{Decode as _, Encode as _};
use x509_cert::Certificate;

use super::trust::TrustedRoot;

/// The extension that embeds the SCT list (RFC 6962 §3.3).
const SCT_LIST: &str = "1.3.6.1.4.1.11129.2.4.2";

/// One SCT, as encoded.
struct Sct<'a> {
    log_id: &'a [u8],
    timestamp: u64,
    extensions: &'a [u8],
    signature: &'a [u8],
}

/// Reads a big-endian number of `n` bytes, moving past it.
fn number(bytes: &mut &[u8], n: usize) -> Option<u64> {
    let (head, rest) = (bytes.get(..n)?, bytes.get(n..)?);
    *bytes = rest;
    Some(head.iter().fold(0, |acc, b| (acc << 8) | u64::from(*b)))
}

/// Reads `n` bytes, moving past them.
fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, rest) = (bytes.get(..n)?, bytes.get(n..)?);
    *bytes = rest;
    Some(head)
}

/// A length-prefixed (`prefix` bytes) run of bytes.
fn vector<'a>(bytes: &mut &'a [u8], prefix: usize) -> Option<&'a [u8]> {
    let n = usize::try_from(number(bytes, prefix)?).ok()?;
    take(bytes, n)
}

fn read_sct(mut bytes: &[u8]) -> Option<Sct<'_>> {
    let bytes = &mut bytes;
    if number(bytes, 1)? != 0 {
        return None; // v1 is the only version.
    }
    let log_id = take(bytes, 32)?;
    let timestamp = number(bytes, 8)?;
    let extensions = vector(bytes, 2)?;
    let _algorithms = take(bytes, 2)?; // hash and signature algorithm: the log's key says.
    let signature = vector(bytes, 2)?;
    Some(Sct {
        log_id,
        timestamp,
        extensions,
        signature,
    })
}

/// The SCTs embedded in `leaf`, or why there are none that can be read.
fn scts(extension: &[u8]) -> Result<Vec<Sct<'_>>, String> {
    let mut list = extension;
    let mut list = vector(&mut list, 2).ok_or("its SCT list cannot be read")?;
    let mut read = Vec::new();
    while !list.is_empty() {
        let one = vector(&mut list, 2).ok_or("its SCT list cannot be read")?;
        read.push(read_sct(one).ok_or("an SCT of its list cannot be read")?);
    }
    Ok(read)
}

/// Whether `leaf` (issued by `issuer`) embeds an SCT that a CT log of `root` signed, valid when
/// it was logged; why not otherwise.
pub fn check(leaf: &Certificate, issuer: &Certificate, root: &TrustedRoot) -> Result<(), String> {
    let extensions = leaf.tbs_certificate.extensions.as_deref().unwrap_or_default();
    let embedded = extensions
        .iter()
        .find(|e| e.extn_id.to_string() == SCT_LIST)
        .ok_or("its certificate embeds no signed certificate timestamp: no CT log vouches for it")?;
    // The extension's value is an OCTET STRING holding the TLS-encoded list.
    let list = OctetString::from_der(embedded.extn_value.as_bytes())
        .map_err(|e| format!("its SCT extension cannot be read: {e}"))?;
    let mut precert = leaf.tbs_certificate.clone();
    precert.extensions = precert
        .extensions
        .map(|all| all.into_iter().filter(|e| e.extn_id.to_string() != SCT_LIST).collect());
    let tbs = precert.to_der().map_err(|e| e.to_string())?;
    let issuer_key = issuer
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    let issuer_key_hash = Sha256::digest(&issuer_key);
    let tbs_length = u32::try_from(tbs.len()).map_err(|_| "its certificate is too large")?;
    let mut why = "none of its SCTs is from a CT log of the trusted root".to_owned();
    for sct in scts(list.as_bytes())? {
        let Some(log) = root.ct_logs.iter().find(|l| l.key_id == sct.log_id) else {
            continue;
        };
        if !log.valid.contains(sct.timestamp / 1000) {
            why = format!("its SCT is from {} outside the window its key was valid", log.url);
            continue;
        }
        // RFC 6962 §3.2: the signed struct of a precertificate entry.
        let mut signed = vec![0u8, 0u8]; // v1, certificate_timestamp
        signed.extend_from_slice(&sct.timestamp.to_be_bytes());
        signed.extend_from_slice(&1u16.to_be_bytes()); // precert_entry
        signed.extend_from_slice(&issuer_key_hash);
        signed.extend_from_slice(&tbs_length.to_be_bytes()[1..]);
        signed.extend_from_slice(&tbs);
        signed.extend_from_slice(&u16::try_from(sct.extensions.len()).unwrap_or(u16::MAX).to_be_bytes());
        signed.extend_from_slice(sct.extensions);
        if log.key.verifies(&signed, sct.signature) {
            return Ok(());
        }
        why = format!("its SCT does not verify with the key of {}", log.url);
    }
    Err(why)
}
