//! Docker schema1 manifests and their libtrust "pretty JWS" signatures.
//!
//! A signed schema1 carries its signatures inside the JSON it signs. The signed payload is
//! rebuilt from the protected header: the first `formatLength` bytes of the document followed by
//! the base64url-decoded `formatTail`. Registries compute a signed schema1's digest over that
//! payload, not over the whole body. Each signature is a JWS over
//! `protected + "." + base64url(payload)`; ES256 with an embedded P-256 JWK is verified here
//! (the only form registries and docker ever produced); other keys are reported as unverifiable.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::Value;

use super::wire::Wire;
use crate::digest::Digest;
use crate::finding::{Code, Finding};

/// What checking a schema1's signatures found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureState {
    /// No signatures (the `+json` variant).
    Unsigned,
    /// Every signature verified against its embedded key.
    Verified,
    /// At least one signature does not verify, or the payload cannot be rebuilt.
    Invalid,
    /// Signed with a key type Fathom does not verify.
    Unsupported,
}

/// A Docker schema1 manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema1Manifest {
    /// Repository name.
    pub name: String,
    /// Tag.
    pub tag: String,
    /// Architecture.
    pub architecture: String,
    /// Layer digests, top layer first.
    pub fs_layers: Vec<String>,
    /// `v1Compatibility` JSON strings, parallel to `fs_layers`.
    pub history: Vec<String>,
    /// The signatures' verdict.
    pub signature: SignatureState,
    /// The signed payload (the document without its signatures), when it could be rebuilt.
    pub payload: Option<Vec<u8>>,
}

impl Schema1Manifest {
    /// The digest a registry gives this manifest: over the payload when signed, else the bytes.
    pub fn payload_digest(&self) -> Option<Digest> {
        self.payload.as_deref().map(Digest::sha256)
    }

    pub(super) fn from_wire(wire: Wire, bytes: &[u8], findings: &mut Vec<Finding>) -> Schema1Manifest {
        findings.push(Finding::warning(
            Code::Schema1Deprecated,
            "",
            "Docker schema1 manifests are deprecated and refused by current Docker and containerd",
        ));
        let (signature, payload) = match wire.signatures.clone() {
            None => {
                findings.push(Finding::info(
                    Code::Schema1Unsigned,
                    "",
                    "schema1 manifest is not signed",
                ));
                (SignatureState::Unsigned, Some(bytes.to_vec()))
            }
            Some(signatures) => check_signatures(signatures, bytes, findings),
        };
        // The digest stands for the signed payload, so what is shown must come from it too:
        // keys appended after the payload (outside the signature) are ignored.
        let wire = match (&payload, signature) {
            (Some(signed), state) if state != SignatureState::Unsigned => {
                serde_json::from_slice::<Wire>(signed).unwrap_or(wire)
            }
            _ => wire,
        };
        let fs_layers = strings_of(wire.fs_layers.as_ref(), "blobSum", "/fsLayers", findings);
        let history = strings_of(wire.history.as_ref(), "v1Compatibility", "/history", findings);
        if fs_layers.len() != history.len() {
            findings.push(Finding::error(
                Code::Schema1HistoryMismatch,
                "/history",
                format!("{} fsLayers but {} history entries", fs_layers.len(), history.len()),
            ));
        }
        for (i, layer) in fs_layers.iter().enumerate() {
            if let Err(e) = layer.parse::<Digest>() {
                findings.push(Finding::error(
                    e.code(),
                    format!("/fsLayers/{i}/blobSum"),
                    e.to_string(),
                ));
            }
        }
        Schema1Manifest {
            name: string_of(wire.name.as_ref()),
            tag: string_of(wire.tag.as_ref()),
            architecture: string_of(wire.architecture.as_ref()),
            fs_layers,
            history,
            signature,
            payload,
        }
    }
}

fn string_of(value: Option<&Value>) -> String {
    value.and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// `[{key: "…"}, …]` → the strings; anything else is a `schema1-malformed` finding.
fn strings_of(value: Option<&Value>, key: &str, path: &str, findings: &mut Vec<Finding>) -> Vec<String> {
    let Some(value) = value else { return Vec::new() };
    let Some(items) = value.as_array() else {
        findings.push(Finding::error(
            Code::Schema1Malformed,
            path,
            format!("{path} must be an array"),
        ));
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item.get(key).and_then(Value::as_str) {
            Some(s) => out.push(s.to_owned()),
            None => findings.push(Finding::error(
                Code::Schema1Malformed,
                format!("{path}/{i}"),
                format!("expected an object with a string {key:?}"),
            )),
        }
    }
    out
}

#[derive(Deserialize)]
struct JwsSignature {
    header: JwsHeader,
    signature: String,
    protected: String,
}

#[derive(Deserialize)]
struct JwsHeader {
    #[serde(default)]
    alg: String,
    jwk: Option<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    #[serde(default)]
    kty: String,
    #[serde(default)]
    crv: String,
    #[serde(default)]
    x: String,
    #[serde(default)]
    y: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Protected {
    format_length: usize,
    format_tail: String,
}

fn check_signatures(signatures: Value, bytes: &[u8], findings: &mut Vec<Finding>) -> (SignatureState, Option<Vec<u8>>) {
    let malformed = |findings: &mut Vec<Finding>, path: String, message: String| {
        findings.push(Finding::error(Code::Schema1SignaturesMalformed, path, message));
        (SignatureState::Invalid, None)
    };
    let signatures: Vec<JwsSignature> = match serde_json::from_value(signatures) {
        Ok(s) => s,
        Err(e) => {
            return malformed(
                findings,
                "/signatures".into(),
                format!("signatures must be an array of JWS objects: {e}"),
            );
        }
    };
    if signatures.is_empty() {
        return malformed(findings, "/signatures".into(), "signatures is an empty array".into());
    }

    let mut payload: Option<Vec<u8>> = None;
    let mut state = SignatureState::Verified;
    for (i, sig) in signatures.iter().enumerate() {
        let at = format!("/signatures/{i}");
        let rebuilt = match rebuild_payload(&sig.protected, bytes) {
            Ok(p) => p,
            Err(message) => {
                findings.push(Finding::error(
                    Code::Schema1PayloadUnrecoverable,
                    format!("{at}/protected"),
                    message,
                ));
                return (SignatureState::Invalid, None);
            }
        };
        match &payload {
            Some(first) if *first != rebuilt => {
                findings.push(Finding::error(
                    Code::Schema1PayloadUnrecoverable,
                    format!("{at}/protected"),
                    "signatures disagree on the signed payload",
                ));
                return (SignatureState::Invalid, None);
            }
            _ => payload = Some(rebuilt),
        }
        let signed = payload.as_deref().unwrap_or_default();
        if serde_json::from_slice::<serde::de::IgnoredAny>(signed).is_err() {
            findings.push(Finding::error(
                Code::Schema1PayloadNotJson,
                format!("{at}/protected"),
                "the payload rebuilt from formatLength/formatTail is not valid JSON: the document was reformatted after signing",
            ));
            state = SignatureState::Invalid;
            continue;
        }
        match verify_es256(sig, signed) {
            Ok(true) => {}
            Ok(false) => {
                findings.push(Finding::error(
                    Code::Schema1SignatureInvalid,
                    format!("{at}/signature"),
                    "the signature does not verify against its embedded key: the content was changed after signing",
                ));
                state = SignatureState::Invalid;
            }
            Err(reason) => {
                findings.push(Finding::warning(
                    Code::Schema1SignatureUnverifiable,
                    format!("{at}/header"),
                    reason,
                ));
                if state == SignatureState::Verified {
                    state = SignatureState::Unsupported;
                }
            }
        }
    }
    (state, payload)
}

fn rebuild_payload(protected: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
    let header = URL_SAFE_NO_PAD
        .decode(protected.trim_end_matches('='))
        .map_err(|e| format!("protected header is not base64url: {e}"))?;
    let header: Protected =
        serde_json::from_slice(&header).map_err(|e| format!("protected header lacks formatLength/formatTail: {e}"))?;
    if header.format_length > bytes.len() {
        return Err(format!(
            "formatLength is {} but the document has only {} bytes",
            header.format_length,
            bytes.len()
        ));
    }
    let tail = URL_SAFE_NO_PAD
        .decode(header.format_tail.trim_end_matches('='))
        .map_err(|e| format!("formatTail is not base64url: {e}"))?;
    let mut payload = bytes[..header.format_length].to_vec();
    payload.extend_from_slice(&tail);
    Ok(payload)
}

/// `Ok(valid)` for an ES256 signature with a P-256 JWK; `Err(reason)` for anything else.
fn verify_es256(sig: &JwsSignature, payload: &[u8]) -> Result<bool, String> {
    let jwk = sig
        .header
        .jwk
        .as_ref()
        .ok_or("signature has no embedded JWK (x5c chains are not verified)")?;
    if sig.header.alg != "ES256" || jwk.kty != "EC" || jwk.crv != "P-256" {
        return Err(format!(
            "signature algorithm {} with a {} {} key is not verified (only ES256 with P-256)",
            sig.header.alg, jwk.kty, jwk.crv
        ));
    }
    let coordinate = |c: &str| -> Result<[u8; 32], String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(c)
            .map_err(|e| format!("JWK coordinate is not base64url: {e}"))?;
        bytes
            .try_into()
            .map_err(|_| "JWK coordinate is not 32 bytes".to_owned())
    };
    let (x, y) = (coordinate(&jwk.x)?, coordinate(&jwk.y)?);
    let Ok(raw) = URL_SAFE_NO_PAD.decode(&sig.signature) else {
        return Ok(false);
    };
    let signing_input = format!("{}.{}", sig.protected, URL_SAFE_NO_PAD.encode(payload));
    Ok(p256_verify(&x, &y, signing_input.as_bytes(), &raw))
}

/// ECDSA P-256 / SHA-256 over `message` with the raw `r‖s` signature, key given by coordinates.
#[cfg(not(target_arch = "wasm32"))]
fn p256_verify(x: &[u8; 32], y: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    let mut point = [4u8; 65];
    point[1..33].copy_from_slice(x);
    point[33..].copy_from_slice(y);
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, &point)
        .verify(message, signature)
        .is_ok()
}

/// ECDSA P-256 / SHA-256 over `message` with the raw `r‖s` signature, key given by coordinates.
#[cfg(target_arch = "wasm32")]
fn p256_verify(x: &[u8; 32], y: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier as _;
    let point = p256::EncodedPoint::from_affine_coordinates(&(*x).into(), &(*y).into(), false);
    let (Ok(key), Ok(signature)) = (
        p256::ecdsa::VerifyingKey::from_encoded_point(&point),
        p256::ecdsa::Signature::from_slice(signature),
    ) else {
        return false;
    };
    key.verify(message, &signature).is_ok()
}
