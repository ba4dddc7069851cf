//! The public keys a user checks signatures with: a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) —
//! what `cosign generate-key-pair` writes to `cosign.pub` and `openssl pkey -pubout` prints —
//! of an ECDSA P-256 or P-384, Ed25519 or RSA key, and how Sigstore checks a signature with each
//! (sigstore/sigstore `pkg/signature.LoadVerifier`: ECDSA with SHA-256 — SHA-384 on P-384 — over
//! ASN.1 DER signatures, pure Ed25519, RSA PKCS #1 v1.5 with SHA-256).

use p256::pkcs8::DecodePublicKey as _;
use sha2::Sha256;
use spki::der::{Decode as _, Encode as _};

/// A key's algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyAlgorithm {
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256,
    /// ECDSA on P-384 with SHA-384 (Sigstore clients' ephemeral keys, sigstore-python's).
    EcdsaP384,
    /// Ed25519.
    Ed25519,
    /// RSA, PKCS #1 v1.5 with SHA-256.
    Rsa,
}

impl std::fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyAlgorithm::EcdsaP256 => "ECDSA P-256",
            KeyAlgorithm::EcdsaP384 => "ECDSA P-384",
            KeyAlgorithm::Ed25519 => "Ed25519",
            KeyAlgorithm::Rsa => "RSA",
        })
    }
}

#[derive(Debug, Clone)]
enum Verifier {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(Box<rsa::pkcs1v15::VerifyingKey<Sha256>>),
}

/// A public key, parsed.
#[derive(Debug, Clone)]
pub struct PublicKey {
    verifier: Verifier,
    key_id: String,
    bits: usize,
    /// The subject of the certificate the key was given in, if it was.
    certificate: Option<String>,
}

/// Why a key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not PEM at all.
    #[error("not a public key (expected a `-----BEGIN PUBLIC KEY-----` block, as `cosign.pub` holds, or the base64 of its body)")]
    NotPem,
    /// A private key where a public one belongs.
    #[error(
        "this is a private key ({0}); give its public key (`cosign public-key --key …` or `openssl pkey -pubout`)"
    )]
    Private(String),
    /// Some other PEM block.
    #[error("a PEM `{0}` block, not a `PUBLIC KEY`")]
    OtherPem(String),
    /// A public key that cannot be decoded, or of an algorithm cosign does not sign with.
    #[error("{0}")]
    Unsupported(String),
}

/// The PEM label of the first block in `text`.
fn pem_label(text: &str) -> Option<&str> {
    let start = text.find("-----BEGIN ")? + "-----BEGIN ".len();
    let end = text[start..].find("-----")?;
    Some(&text[start..start + end])
}

impl PublicKey {
    /// Reads the first PEM block of `text`: a `PUBLIC KEY` (SubjectPublicKeyInfo) of an ECDSA
    /// P-256, Ed25519 or RSA key, or an `RSA PUBLIC KEY` (PKCS #1).
    pub fn from_pem(text: &str) -> Result<PublicKey, KeyError> {
        let label = pem_label(text).ok_or(KeyError::NotPem)?;
        if label.contains("PRIVATE KEY") {
            return Err(KeyError::Private(label.to_owned()));
        }
        let start = text.find("-----BEGIN ").unwrap_or(0);
        let end_marker = format!("-----END {label}-----");
        let end = text[start..]
            .find(&end_marker)
            .map_or(text.len(), |e| start + e + end_marker.len());
        let block = &text[start..end];
        match label {
            "PUBLIC KEY" => {
                let (_, der) = spki::der::pem::decode_vec(block.as_bytes())
                    .map_err(|e| KeyError::Unsupported(format!("the PEM block cannot be decoded: {e}")))?;
                PublicKey::from_spki_der(&der)
            }
            "RSA PUBLIC KEY" => {
                use rsa::pkcs1::DecodeRsaPublicKey as _;
                let key = rsa::RsaPublicKey::from_pkcs1_pem(block)
                    .map_err(|e| KeyError::Unsupported(format!("not an RSA public key: {e}")))?;
                let der = rsa::pkcs8::EncodePublicKey::to_public_key_der(&key)
                    .map_err(|e| KeyError::Unsupported(e.to_string()))?;
                PublicKey::from_spki_der(der.as_bytes())
            }
            // A certificate stands for its key (a notation trust store's certificate).
            "CERTIFICATE" => {
                let (_, der) = spki::der::pem::decode_vec(block.as_bytes())
                    .map_err(|e| KeyError::Unsupported(format!("the PEM block cannot be decoded: {e}")))?;
                let cert = x509_cert::Certificate::from_der(&der)
                    .map_err(|e| KeyError::Unsupported(format!("a certificate that cannot be read: {e}")))?;
                let spki = cert
                    .tbs_certificate
                    .subject_public_key_info
                    .to_der()
                    .map_err(|e| KeyError::Unsupported(e.to_string()))?;
                let mut key = PublicKey::from_spki_der(&spki)?;
                key.certificate = Some(cert.tbs_certificate.subject.to_string());
                Ok(key)
            }
            other => Err(KeyError::OtherPem(other.to_owned())),
        }
    }

    /// Reads a key as a person or a URL gives it: PEM, or the base64 (standard or URL-safe) of
    /// its DER SubjectPublicKeyInfo — the PEM's body on one line, as the edge API takes it.
    pub fn from_text(text: &str) -> Result<PublicKey, KeyError> {
        use base64::Engine as _;
        if text.contains("-----BEGIN") {
            return PublicKey::from_pem(text);
        }
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let engines = [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::URL_SAFE,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
            base64::engine::general_purpose::STANDARD_NO_PAD,
        ];
        let der = engines
            .iter()
            .find_map(|engine| engine.decode(&compact).ok())
            .ok_or(KeyError::NotPem)?;
        PublicKey::from_spki_der(&der)
    }

    /// Reads a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        let info = spki::SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| KeyError::Unsupported(format!("not a SubjectPublicKeyInfo: {e}")))?;
        // The key id Sigstore's trusted roots and Rekor use: the sha256 of the DER SPKI.
        let canonical = info.to_der().map_err(|e| KeyError::Unsupported(e.to_string()))?;
        let key_id = crate::Digest::sha256(&canonical).hex().to_owned();
        let unsupported = |what: &str, e: &dyn std::fmt::Display| KeyError::Unsupported(format!("{what}: {e}"));
        let (verifier, bits) = match info.algorithm.oid.to_string().as_str() {
            // id-ecPublicKey: on P-256 (cosign's keys) or P-384 (Sigstore clients' ephemeral
            // keys, as sigstore-python makes them).
            "1.2.840.10045.2.1" => match p256::ecdsa::VerifyingKey::from_public_key_der(&canonical) {
                Ok(key) => (Verifier::P256(key), 256),
                Err(_) => {
                    let key = p384::ecdsa::VerifyingKey::from_public_key_der(&canonical).map_err(|e| {
                        unsupported(
                            "an EC key on neither P-256 nor P-384 (the curves Sigstore signs with)",
                            &e,
                        )
                    })?;
                    (Verifier::P384(key), 384)
                }
            },
            "1.3.101.112" => {
                let key = <ed25519_dalek::VerifyingKey as ed25519_dalek::pkcs8::DecodePublicKey>::from_public_key_der(
                    &canonical,
                )
                .map_err(|e| unsupported("an Ed25519 key that cannot be read", &e))?;
                (Verifier::Ed25519(key), 256)
            }
            "1.2.840.113549.1.1.1" => {
                use rsa::traits::PublicKeyParts as _;
                let key = <rsa::RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(&canonical)
                    .map_err(|e| unsupported("an RSA key that cannot be read", &e))?;
                let bits = key.n().bits();
                (Verifier::Rsa(Box::new(rsa::pkcs1v15::VerifyingKey::new(key))), bits)
            }
            oid => {
                return Err(KeyError::Unsupported(format!(
                    "a key of algorithm {oid}: cosign signs with ECDSA P-256, Ed25519 or RSA keys"
                )))
            }
        };
        Ok(PublicKey {
            verifier,
            key_id,
            bits,
            certificate: None,
        })
    }

    /// The subject of the certificate the key was given in, when it was given in one.
    pub fn certificate_subject(&self) -> Option<&str> {
        self.certificate.as_deref()
    }

    /// The algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self.verifier {
            Verifier::P256(_) => KeyAlgorithm::EcdsaP256,
            Verifier::P384(_) => KeyAlgorithm::EcdsaP384,
            Verifier::Ed25519(_) => KeyAlgorithm::Ed25519,
            Verifier::Rsa(_) => KeyAlgorithm::Rsa,
        }
    }

    /// The key's id: the hex sha256 of its DER SubjectPublicKeyInfo (Sigstore's `keyid`).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// `ECDSA P-256 key 1a2b3c4d…`, `RSA 3072 key …`: how findings name the key.
    pub fn describe(&self) -> String {
        let short: String = self.key_id.chars().take(16).collect();
        let key = match self.verifier {
            Verifier::Rsa(_) => format!("RSA {}-bit key {short}", self.bits),
            _ => format!("{} key {short}", self.algorithm()),
        };
        match &self.certificate {
            Some(subject) => format!("certificate {subject} ({key})"),
            None => key,
        }
    }

    /// Whether `signature` is this key's signature of the message whose sha256 is `digest` —
    /// what a transparency log records of a payload. ECDSA and RSA sign a hash; pure Ed25519
    /// signs the message itself, so it never verifies a digest.
    pub fn verifies_digest(&self, digest: &crate::Digest, signature: &[u8]) -> bool {
        use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
        let Some(prehash) = decode_hex(digest.hex()).filter(|_| digest.algorithm() == crate::Algorithm::Sha256) else {
            return false;
        };
        match &self.verifier {
            Verifier::P256(key) => p256::ecdsa::Signature::from_der(signature)
                .or_else(|_| p256::ecdsa::Signature::from_slice(signature))
                .is_ok_and(|s| key.verify_prehash(&prehash, &s).is_ok()),
            Verifier::P384(key) => p384::ecdsa::Signature::from_der(signature)
                .or_else(|_| p384::ecdsa::Signature::from_slice(signature))
                .is_ok_and(|s| key.verify_prehash(&prehash, &s).is_ok()),
            Verifier::Rsa(key) => {
                rsa::pkcs1v15::Signature::try_from(signature).is_ok_and(|s| key.verify_prehash(&prehash, &s).is_ok())
            }
            Verifier::Ed25519(_) => false,
        }
    }

    /// Whether `signature` is this key's JWS signature (RFC 7518 §3) of `message` with `alg`:
    /// RSASSA-PSS (PS256/384/512, the salt as long as the hash) or ECDSA (ES256 on P-256, ES384
    /// on P-384; `r ‖ s`, not DER) — what notation signs with.
    pub fn verifies_jws(&self, alg: &str, message: &[u8], signature: &[u8]) -> bool {
        use p256::ecdsa::signature::Verifier as _;
        match (&self.verifier, alg) {
            (Verifier::Rsa(key), "PS256" | "PS384" | "PS512") => {
                let public: &rsa::RsaPublicKey = key.as_ref().as_ref();
                let Ok(signature) = rsa::pss::Signature::try_from(signature) else {
                    return false;
                };
                match alg {
                    "PS256" => rsa::pss::VerifyingKey::<Sha256>::new(public.clone()).verify(message, &signature),
                    "PS384" => rsa::pss::VerifyingKey::<sha2::Sha384>::new(public.clone()).verify(message, &signature),
                    _ => rsa::pss::VerifyingKey::<sha2::Sha512>::new(public.clone()).verify(message, &signature),
                }
                .is_ok()
            }
            (Verifier::P256(key), "ES256") => {
                p256::ecdsa::Signature::from_slice(signature).is_ok_and(|s| key.verify(message, &s).is_ok())
            }
            (Verifier::P384(key), "ES384") => {
                p384::ecdsa::Signature::from_slice(signature).is_ok_and(|s| key.verify(message, &s).is_ok())
            }
            _ => false,
        }
    }

    /// Whether `signature` is this key's signature of `message`, as cosign makes them.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        use p256::ecdsa::signature::Verifier as _;
        match &self.verifier {
            Verifier::P256(key) => p256::ecdsa::Signature::from_der(signature)
                .or_else(|_| p256::ecdsa::Signature::from_slice(signature))
                .is_ok_and(|s| key.verify(message, &s).is_ok()),
            Verifier::P384(key) => p384::ecdsa::Signature::from_der(signature)
                .or_else(|_| p384::ecdsa::Signature::from_slice(signature))
                .is_ok_and(|s| key.verify(message, &s).is_ok()),
            Verifier::Ed25519(key) => {
                ed25519_dalek::Signature::from_slice(signature).is_ok_and(|s| key.verify_strict(message, &s).is_ok())
            }
            Verifier::Rsa(key) => {
                rsa::pkcs1v15::Signature::try_from(signature).is_ok_and(|s| key.verify(message, &s).is_ok())
            }
        }
    }
}

/// Bytes from lowercase or uppercase hex.
pub(crate) fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
