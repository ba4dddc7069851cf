//! Content descriptors: the `{mediaType, digest, size, …}` objects that point from one blob to
//! another. Parsed tolerantly (an odd digest or a missing size is a lint finding, not a parse
//! failure) and checked by [`Descriptor::lint`].

use std::collections::BTreeMap;

use base64::Engine as _;

use crate::digest::{self, Digest, DigestError, Mismatch};
use crate::finding::{Code, Finding};
use crate::manifest::Document;
use crate::media_type::MediaType;
use crate::platform::Platform;

/// A descriptor as it appears in a manifest or index, every field kept.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// The media type of the referenced content, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<MediaType>,
    /// The digest as written; see [`Descriptor::digest`] for the validated form.
    #[serde(default)]
    pub digest: String,
    /// The size in bytes as written (a negative size is kept so that lint can report it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// Alternative download locations (foreign layers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urls: Option<Vec<String>>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Embedded content, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// The artifact type of the referenced manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The platform, in index entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
}

impl Descriptor {
    /// The digest, validated.
    pub fn digest(&self) -> Result<Digest, DigestError> {
        self.digest.parse()
    }

    /// The size, when present and not negative.
    pub fn size(&self) -> Option<u64> {
        self.size.and_then(|s| u64::try_from(s).ok())
    }

    /// The media type text, or `""`.
    pub fn media_type_str(&self) -> &str {
        self.media_type.as_ref().map_or("", MediaType::as_str)
    }

    /// One annotation.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(key).map(String::as_str)
    }

    /// Checks that `bytes` are what this descriptor promises (digest and size), with the same rule
    /// used for registry bodies and layout blobs.
    pub fn verify(&self, bytes: &[u8]) -> Result<Digest, DescriptorMismatch> {
        let expected = self.digest().map_err(DescriptorMismatch::Unverifiable)?;
        digest::verify(&expected, self.size(), bytes).map_err(DescriptorMismatch::Bytes)?;
        Ok(expected)
    }

    /// Checks that a manifest fetched by this descriptor (`bytes`, and `doc` when they parse) is
    /// what it promises — the one rule for a manifest: its digest, computed as registries do
    /// (over the signed payload of a signed schema 1 manifest, the exact bytes otherwise), and
    /// its size.
    pub fn verify_manifest(&self, expected: &Digest, bytes: &[u8], doc: Option<&Document>) -> Result<(), Mismatch> {
        let actual = match doc {
            Some(doc) => doc.content_digest(expected.algorithm()),
            None => Digest::of(expected.algorithm(), bytes),
        };
        if &actual != expected {
            return Err(Mismatch::Digest {
                expected: expected.clone(),
                actual,
            });
        }
        match self.size() {
            Some(size) if size != bytes.len() as u64 => Err(Mismatch::Size {
                expected: size,
                actual: bytes.len() as u64,
            }),
            _ => Ok(()),
        }
    }

    /// Checks the descriptor's own fields. `path` is its JSON pointer.
    pub fn lint(&self, path: &str, findings: &mut Vec<Finding>) {
        match self.media_type.as_ref() {
            None => findings.push(Finding::warning(
                Code::DescriptorMediaTypeMissing,
                format!("{path}/mediaType"),
                "descriptor has no mediaType",
            )),
            Some(m) if m.as_str().is_empty() => findings.push(Finding::error(
                Code::DescriptorMediaTypeMissing,
                format!("{path}/mediaType"),
                "descriptor mediaType is empty",
            )),
            Some(_) => {}
        }
        if self.digest.is_empty() {
            findings.push(Finding::error(
                Code::DescriptorDigestMissing,
                format!("{path}/digest"),
                "descriptor has no digest",
            ));
        } else if let Err(e) = Digest::validate(&self.digest) {
            let severity_error = !matches!(e, DigestError::UnsupportedAlgorithm { .. });
            let finding = if severity_error {
                Finding::error(e.code(), format!("{path}/digest"), e.to_string())
            } else {
                Finding::warning(
                    e.code(),
                    format!("{path}/digest"),
                    format!("{e}; this content cannot be verified"),
                )
            };
            findings.push(finding);
        }
        match self.size {
            None => findings.push(Finding::error(
                Code::DescriptorSizeMissing,
                format!("{path}/size"),
                "descriptor has no size",
            )),
            Some(s) if s < 0 => findings.push(Finding::error(
                Code::DescriptorSizeNegative,
                format!("{path}/size"),
                format!("descriptor size must not be negative, got {s}"),
            )),
            Some(_) => {}
        }
        if let Some(data) = &self.data {
            self.lint_data(data, path, findings);
        }
        if let Some(annotations) = &self.annotations {
            lint_annotations(annotations, &format!("{path}/annotations"), findings);
        }
    }

    fn lint_data(&self, data: &str, path: &str, findings: &mut Vec<Finding>) {
        let at = format!("{path}/data");
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data) else {
            findings.push(Finding::error(Code::DataInvalidBase64, at, "data is not valid base64"));
            return;
        };
        match self.verify(&bytes) {
            Ok(_) | Err(DescriptorMismatch::Unverifiable(_)) => {}
            Err(DescriptorMismatch::Bytes(m)) => findings.push(Finding::error(
                Code::DataMismatch,
                at,
                format!("embedded data does not match the descriptor: {m}"),
            )),
        }
    }
}

/// Why bytes could not be accepted for a descriptor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DescriptorMismatch {
    /// The descriptor's digest cannot be checked.
    #[error("cannot verify: {0}")]
    Unverifiable(DigestError),
    /// The bytes differ from what was promised.
    #[error(transparent)]
    Bytes(digest::Mismatch),
}

impl DescriptorMismatch {
    /// The finding code: the digest's own fault, `digest-mismatch` or `size-mismatch`.
    pub fn code(&self) -> Code {
        match self {
            DescriptorMismatch::Unverifiable(d) => d.code(),
            DescriptorMismatch::Bytes(m) => m.code(),
        }
    }
}

/// Annotation checks shared by descriptors and manifests.
pub fn lint_annotations(annotations: &BTreeMap<String, String>, path: &str, findings: &mut Vec<Finding>) {
    for key in annotations.keys() {
        if let Some(rest) = key.strip_prefix("oci.opencontainers.") {
            findings.push(Finding::warning(
                Code::AnnotationKeySuspicious,
                format!("{path}/{}", crate::finding::pointer_token(key)),
                format!("annotation key {key:?} looks like a typo of \"org.opencontainers.{rest}\""),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc(json: &str) -> Descriptor {
        serde_json::from_str(json).unwrap()
    }

    fn codes(d: &Descriptor) -> Vec<String> {
        let mut f = Vec::new();
        d.lint("", &mut f);
        f.into_iter().map(|f| f.code.to_string()).collect()
    }

    #[test]
    fn empty_json_data_verifies() {
        let d = desc(
            r#"{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="}"#,
        );
        assert!(codes(&d).is_empty());
        assert!(d.verify(b"{}").is_ok());
        assert!(matches!(d.verify(b"{}\n"), Err(DescriptorMismatch::Bytes(_))));
    }

    #[test]
    fn data_that_does_not_match() {
        let d = desc(&format!(
            r#"{{"mediaType":"a/b","digest":"sha256:{}","size":1,"data":"YQ=="}}"#,
            "a".repeat(64)
        ));
        assert_eq!(codes(&d), ["data-mismatch"]);
        let bad = desc(r#"{"mediaType":"a/b","digest":"sha256:x","size":1,"data":"!!"}"#);
        assert_eq!(codes(&bad), ["digest-invalid-length", "data-invalid-base64"]);
    }

    #[test]
    fn missing_and_negative_fields() {
        assert_eq!(
            codes(&desc("{}")),
            [
                "descriptor-media-type-missing",
                "descriptor-digest-missing",
                "descriptor-size-missing"
            ]
        );
        let neg = desc(&format!(
            r#"{{"mediaType":"a/b","digest":"sha256:{}","size":-1}}"#,
            "a".repeat(64)
        ));
        assert_eq!(codes(&neg), ["descriptor-size-negative"]);
    }

    #[test]
    fn suspicious_annotation_key() {
        let d = desc(&format!(
            r#"{{"mediaType":"a/b","digest":"sha256:{}","size":1,"annotations":{{"oci.opencontainers.image.created":"x"}}}}"#,
            "a".repeat(64)
        ));
        assert_eq!(codes(&d), ["annotation-key-suspicious"]);
    }
}
