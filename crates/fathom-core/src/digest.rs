//! Content digests: `algorithm:encoded`, as the OCI image-spec and go-digest define them.
//!
//! Two algorithms are *known* (registered by the OCI image-spec): `sha256` (64 lowercase hex) and
//! `sha512` (128 lowercase hex). A string that has the digest shape but names another algorithm is
//! [`DigestError::UnsupportedAlgorithm`]; a known algorithm with the wrong number of hex digits is
//! [`DigestError::InvalidLength`]; anything else malformed is [`DigestError::InvalidFormat`].
//!
//! Digests are always computed over the exact bytes received ([`Digest::of`]), never over
//! re-serialised JSON. Large blobs are hashed incrementally with [`Verifier`].

use std::fmt;
use std::str::FromStr;

use crate::finding::Code;
use sha2::{Digest as _, Sha256, Sha512};

/// A hash algorithm that Fathom can compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// SHA-256, the default everywhere.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    /// The algorithm's name as it appears before the `:`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// Number of lowercase hex characters in an encoded digest of this algorithm.
    pub fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "sha256" => Some(Algorithm::Sha256),
            "sha512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a string is not a usable digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// Not of the form `algorithm:encoded` at all.
    #[error("invalid digest format: expected a digest like sha256:<64 hex>, got {0:?}")]
    InvalidFormat(String),
    /// Well formed, but the algorithm is not one Fathom can verify.
    #[error("unsupported digest algorithm {algorithm:?} in {input:?} (known: sha256, sha512)")]
    UnsupportedAlgorithm {
        /// The algorithm named by the input.
        algorithm: String,
        /// The whole input.
        input: String,
    },
    /// A known algorithm with the wrong number of hex digits.
    #[error("invalid digest length: {algorithm} needs {expected} hex characters, got {actual} in {input:?}")]
    InvalidLength {
        /// The algorithm.
        algorithm: Algorithm,
        /// Hex characters required.
        expected: usize,
        /// Characters present.
        actual: usize,
        /// The whole input.
        input: String,
    },
    /// A known algorithm whose encoded part is not lowercase hex.
    #[error("invalid digest: {algorithm} must be lowercase hex, got {input:?}")]
    NotLowercaseHex {
        /// The algorithm.
        algorithm: Algorithm,
        /// The whole input.
        input: String,
    },
}

impl DigestError {
    /// A stable kebab-case code for this error, used in findings and JSON output.
    pub fn code(&self) -> Code {
        match self {
            DigestError::InvalidFormat(_) => Code::DigestInvalidFormat,
            DigestError::UnsupportedAlgorithm { .. } => Code::DigestUnsupportedAlgorithm,
            DigestError::InvalidLength { .. } => Code::DigestInvalidLength,
            DigestError::NotLowercaseHex { .. } => Code::DigestNotLowercaseHex,
        }
    }
}

/// A validated digest of a known algorithm.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: Algorithm,
    /// The whole `algorithm:hex` string, kept so that `as_str` is free.
    text: String,
}

impl Digest {
    /// Computes the digest of exactly these bytes.
    pub fn of(algorithm: Algorithm, bytes: &[u8]) -> Digest {
        let mut verifier = Hasher::new(algorithm);
        verifier.update(bytes);
        verifier.finish()
    }

    /// The SHA-256 digest of exactly these bytes.
    pub fn sha256(bytes: &[u8]) -> Digest {
        Digest::of(Algorithm::Sha256, bytes)
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The lowercase hex part after the `:`.
    pub fn hex(&self) -> &str {
        &self.text[self.algorithm.name().len() + 1..]
    }

    /// The whole `algorithm:hex` string.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `bytes` hash to this digest.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        Digest::of(self.algorithm, bytes) == *self
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Ok(Digest {
            algorithm: Digest::validate(input)?,
            text: input.to_owned(),
        })
    }
}

impl Digest {
    /// Checks `input` as [`FromStr`] does, without building a `Digest`; returns its algorithm.
    pub fn validate(input: &str) -> Result<Algorithm, DigestError> {
        // The common case first: a well-formed sha256 digest.
        if let Some(hex) = input.strip_prefix("sha256:") {
            if hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return Ok(Algorithm::Sha256);
            }
        }
        let invalid = || DigestError::InvalidFormat(input.to_owned());
        let (algorithm, encoded) = input.split_once(':').ok_or_else(invalid)?;
        if !is_algorithm_grammar(algorithm) || !is_encoded_grammar(encoded) {
            return Err(invalid());
        }
        let Some(known) = Algorithm::from_name(algorithm) else {
            return Err(DigestError::UnsupportedAlgorithm {
                algorithm: algorithm.to_owned(),
                input: input.to_owned(),
            });
        };
        if encoded.len() != known.hex_len() {
            return Err(DigestError::InvalidLength {
                algorithm: known,
                expected: known.hex_len(),
                actual: encoded.len(),
                input: input.to_owned(),
            });
        }
        if !encoded.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(DigestError::NotLowercaseHex {
                algorithm: known,
                input: input.to_owned(),
            });
        }
        Ok(known)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `algorithm ::= component (separator component)*`, component `[a-z0-9]+`, separator `[+._-]`
/// (OCI image-spec, descriptor.md).
fn is_algorithm_grammar(algorithm: &str) -> bool {
    !algorithm.is_empty()
        && algorithm
            .split(['+', '.', '_', '-'])
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// `encoded ::= [a-zA-Z0-9=_-]+` (OCI image-spec, descriptor.md).
fn is_encoded_grammar(encoded: &str) -> bool {
    !encoded.is_empty()
        && encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
}

/// Incremental hashing of a blob that arrives in pieces.
#[derive(Clone)]
pub struct Hasher {
    state: HashState,
    len: u64,
}

#[derive(Clone)]
enum HashState {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    /// A fresh hasher for `algorithm`.
    pub fn new(algorithm: Algorithm) -> Hasher {
        let state = match algorithm {
            Algorithm::Sha256 => HashState::Sha256(Sha256::new()),
            Algorithm::Sha512 => HashState::Sha512(Sha512::new()),
        };
        Hasher { state, len: 0 }
    }

    /// Feeds the next piece.
    pub fn update(&mut self, bytes: &[u8]) {
        self.len += bytes.len() as u64;
        match &mut self.state {
            HashState::Sha256(h) => h.update(bytes),
            HashState::Sha512(h) => h.update(bytes),
        }
    }

    /// Bytes fed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing has been fed yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The digest of everything fed.
    pub fn finish(self) -> Digest {
        let (algorithm, hex) = match self.state {
            HashState::Sha256(h) => (Algorithm::Sha256, format!("{:x}", h.finalize())),
            HashState::Sha512(h) => (Algorithm::Sha512, format!("{:x}", h.finalize())),
        };
        Digest {
            algorithm,
            text: format!("{}:{hex}", algorithm.name()),
        }
    }
}

/// Streaming check of a blob against the digest and size its descriptor promised.
///
/// Feed the body in pieces; [`Verifier::update`] fails as soon as more bytes arrive than were
/// promised, so an oversized body is refused without reading the rest.
pub struct Verifier {
    expected: Digest,
    expected_size: Option<u64>,
    hasher: Hasher,
}

impl Verifier {
    /// Verifies against `expected`, and against `expected_size` when one is known.
    pub fn new(expected: Digest, expected_size: Option<u64>) -> Verifier {
        let hasher = Hasher::new(expected.algorithm());
        Verifier {
            expected,
            expected_size,
            hasher,
        }
    }

    /// Feeds the next piece; errs once the body is longer than promised.
    pub fn update(&mut self, bytes: &[u8]) -> Result<(), Mismatch> {
        self.hasher.update(bytes);
        match self.expected_size {
            Some(size) if self.hasher.len() > size => Err(Mismatch::TooLong {
                expected: size,
                at_least: self.hasher.len(),
            }),
            _ => Ok(()),
        }
    }

    /// Finishes: the body must have exactly the promised size and digest.
    pub fn finish(self) -> Result<Digest, Mismatch> {
        let actual_size = self.hasher.len();
        if let Some(expected) = self.expected_size {
            if expected != actual_size {
                return Err(Mismatch::Size {
                    expected,
                    actual: actual_size,
                });
            }
        }
        let actual = self.hasher.finish();
        if actual != self.expected {
            return Err(Mismatch::Digest {
                expected: self.expected,
                actual,
            });
        }
        Ok(actual)
    }
}

/// Checks a whole body at once: the same rule as [`Verifier`].
pub fn verify(expected: &Digest, expected_size: Option<u64>, bytes: &[u8]) -> Result<(), Mismatch> {
    let mut verifier = Verifier::new(expected.clone(), expected_size);
    verifier.update(bytes)?;
    verifier.finish().map(drop)
}

/// Bytes that are not what their descriptor promised. A security finding, never a silent pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    /// The bytes hash to a different digest.
    #[error("digest mismatch: expected {expected}, the bytes hash to {actual}")]
    Digest {
        /// What the descriptor (or the request) promised.
        expected: Digest,
        /// What the bytes hash to.
        actual: Digest,
    },
    /// The body has a different length.
    #[error("size mismatch: expected {expected} bytes, got {actual}")]
    Size {
        /// Promised size.
        expected: u64,
        /// Received size.
        actual: u64,
    },
    /// The body kept coming past the promised size.
    #[error("size mismatch: expected {expected} bytes, got at least {at_least}")]
    TooLong {
        /// Promised size.
        expected: u64,
        /// Bytes seen when reading stopped.
        at_least: u64,
    },
}

impl Mismatch {
    /// The finding code: `digest-mismatch` or `size-mismatch`.
    pub fn code(&self) -> Code {
        match self {
            Mismatch::Digest { .. } => Code::DigestMismatch,
            Mismatch::Size { .. } | Mismatch::TooLong { .. } => Code::SizeMismatch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY_SHA256: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn computes_over_exact_bytes() {
        assert_eq!(Digest::sha256(b"").as_str(), EMPTY_SHA256);
        assert_eq!(
            Digest::sha256(b"{}").as_str(),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_ne!(Digest::sha256(b"{}"), Digest::sha256(b"{}\n"));
        assert!(Digest::of(Algorithm::Sha512, b"abc")
            .as_str()
            .starts_with("sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"));
    }

    #[test]
    fn parses_known_algorithms() {
        let d: Digest = EMPTY_SHA256.parse().unwrap();
        assert_eq!(d.algorithm(), Algorithm::Sha256);
        assert_eq!(d.hex().len(), 64);
        let long = format!("sha512:{}", "a".repeat(128));
        assert_eq!(long.parse::<Digest>().unwrap().algorithm(), Algorithm::Sha512);
    }

    #[test]
    fn distinguishes_errors() {
        let cases: &[(&str, &str)] = &[
            ("", "digest-invalid-format"),
            ("sha256", "digest-invalid-format"),
            ("sha256:", "digest-invalid-format"),
            (":abc", "digest-invalid-format"),
            ("SHA256:abc", "digest-invalid-format"),
            ("sha256:abc/def", "digest-invalid-format"),
            ("sha384:abc", "digest-unsupported-algorithm"),
            (
                "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
                "digest-unsupported-algorithm",
            ),
            (
                "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
                "digest-unsupported-algorithm",
            ),
            ("sha256:abc", "digest-invalid-length"),
            (&format!("sha512:{}", "a".repeat(64)), "digest-invalid-length"),
            (&format!("sha256:{}", "A".repeat(64)), "digest-not-lowercase-hex"),
            (&format!("sha256:{}", "g".repeat(64)), "digest-not-lowercase-hex"),
        ];
        for (input, code) in cases {
            let err = input.parse::<Digest>().unwrap_err();
            assert_eq!(err.code(), *code, "{input:?}: {err}");
            assert!(err.to_string().contains(&input[..input.len().min(10)]) || input.is_empty());
        }
    }

    #[test]
    fn streaming_verifier_checks_size_and_digest() {
        let body = vec![7u8; 1 << 20];
        let expected = Digest::sha256(&body);
        let mut v = Verifier::new(expected.clone(), Some(body.len() as u64));
        for chunk in body.chunks(4096) {
            v.update(chunk).unwrap();
        }
        assert_eq!(v.finish().unwrap(), expected);

        let mut short = Verifier::new(expected.clone(), Some(body.len() as u64));
        short.update(&body[..10]).unwrap();
        assert!(matches!(short.finish(), Err(Mismatch::Size { actual: 10, .. })));

        let mut long = Verifier::new(expected.clone(), Some(4));
        assert!(matches!(
            long.update(&body[..8]),
            Err(Mismatch::TooLong {
                expected: 4,
                at_least: 8
            })
        ));

        let err = verify(&expected, None, b"tampered").unwrap_err();
        assert_eq!(err.code(), "digest-mismatch");
        assert!(err.to_string().contains(expected.as_str()));
    }
}
