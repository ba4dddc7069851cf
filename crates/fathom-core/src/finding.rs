//! Lint findings: what a check noticed, how much it matters, and where (a JSON pointer).

use std::borrow::Cow;
use std::fmt;

/// How much a finding matters. An `Error` makes the CLI exit non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Wrong or unsafe: bytes that do not match their digest, invalid structure.
    Error,
    /// Legal but likely to break a client, or deprecated.
    Warning,
    /// Worth knowing, nothing to fix.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// Declares the catalogue: each code's variant, its stable name, its usual severity and what it
/// means.
macro_rules! catalogue {
    ($($variant:ident = $name:literal, $severity:ident, $meaning:literal;)*) => {
        /// Every finding code Fathom reports — one catalogue that every face matches on. Each has
        /// a stable kebab-case name (what the JSON carries), its usual severity and what it means.
        /// A check may report a code at another severity where the context says so (two entries
        /// for one platform block a push, and are a warning in a registry's index).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $meaning] $variant,)*
        }

        impl Code {
            /// Every code, in name order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable kebab-case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The usual severity.
            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }

            /// What the code means, for a person.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Code::$variant => $meaning,)*
                }
            }

            /// The code named `name`.
            pub fn parse(name: &str) -> Option<Code> {
                match name {
                    $($name => Some(Code::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

catalogue! {
    AnnotationKeySuspicious = "annotation-key-suspicious", Warning, "An annotation key that looks like a misspelt well-known one.";
    AnnotationsInDockerList = "annotations-in-docker-list", Error, "Annotations on a Docker manifest list, which the Docker format does not carry.";
    ArchiveConfigUnnamed = "archive-config-unnamed", Warning, "A docker save config whose file is not named by its digest: nothing checks it, nor the diff_ids its layers are checked against.";
    ArchiveCorrupt = "archive-corrupt", Error, "An image archive whose tar headers cannot be read.";
    ArchiveRebuilt = "archive-rebuilt", Info, "An older docker save archive, which keeps no manifests: each manifest shown is rebuilt from manifest.json.";
    ArchiveTruncated = "archive-truncated", Error, "An image archive that ends before its tar archive does.";
    ArtifactTypeInConfig = "artifact-type-in-config", Info, "No artifactType: the artifact's type is carried by the config media type (OCI 1.0 style).";
    ArtifactTypeMissing = "artifact-type-missing", Warning, "An artifact manifest without an artifactType.";
    AttestationSubjectMismatch = "attestation-subject-mismatch", Error, "An attestation whose statement describes another image than the one it is attached to.";
    AttestationSubjectMissing = "attestation-subject-missing", Warning, "An attestation manifest that names no image it describes.";
    AttestationUnreadable = "attestation-unreadable", Error, "An attestation layer that is not an in-toto statement (plain or in a DSSE envelope), or an SBOM that is neither SPDX nor CycloneDX.";
    BlobMissing = "blob-missing", Error, "A blob a descriptor references is not in the layout.";
    BlobMissingForeign = "blob-missing-foreign", Info, "A non-distributable layer absent from the layout (fetched from its urls).";
    BlobUnreferenced = "blob-unreferenced", Info, "A blob in the layout that nothing references.";
    ChildUnavailable = "child-unavailable", Error, "A child manifest of an index could not be fetched.";
    ConfigArchitectureMissing = "config-architecture-missing", Error, "An image config without an architecture.";
    ConfigEmptyJson = "config-empty-json", Warning, "A config that is the empty JSON object.";
    ConfigHistoryMismatch = "config-history-mismatch", Warning, "The config's history does not match its layers.";
    ConfigMediaTypeGeneric = "config-media-type-generic", Warning, "A config with a generic media type (application/octet-stream and the like).";
    ConfigMissing = "config-missing", Error, "An image manifest without a config descriptor.";
    ConfigOsMissing = "config-os-missing", Error, "An image config without an os.";
    ConfigRootfsMissing = "config-rootfs-missing", Error, "An image config without rootfs.";
    ConfigRootfsType = "config-rootfs-type", Error, "An image config whose rootfs type is not layers.";
    ConfigUnavailable = "config-unavailable", Error, "The image config could not be fetched or read.";
    ContentTypeUnknown = "content-type-unknown", Warning, "A Content-Type no registry document has.";
    DataInvalidBase64 = "data-invalid-base64", Error, "A descriptor's embedded data is not valid base64.";
    DataMismatch = "data-mismatch", Error, "A descriptor's embedded data does not hash to its digest.";
    DescriptorDigestMissing = "descriptor-digest-missing", Error, "A descriptor without a digest.";
    DescriptorMediaTypeMissing = "descriptor-media-type-missing", Error, "A descriptor without a media type.";
    DescriptorSizeMissing = "descriptor-size-missing", Error, "A descriptor without a size.";
    DescriptorSizeNegative = "descriptor-size-negative", Error, "A descriptor with a negative size.";
    DescriptorTypeMismatch = "descriptor-type-mismatch", Warning, "A child whose own media type differs from its descriptor's.";
    DigestInvalid = "digest-invalid", Error, "A digest that cannot be parsed.";
    DigestInvalidFormat = "digest-invalid-format", Warning, "A digest not of the form algorithm:encoded.";
    DigestInvalidLength = "digest-invalid-length", Warning, "A digest whose encoded part has the wrong length for its algorithm.";
    DigestMismatch = "digest-mismatch", Error, "Bytes that do not hash to the digest that names them.";
    DigestNotLowercaseHex = "digest-not-lowercase-hex", Warning, "A digest whose encoded part is not lowercase hex.";
    DigestUnsupportedAlgorithm = "digest-unsupported-algorithm", Warning, "A digest algorithm other than sha256 and sha512.";
    DuplicateEntry = "duplicate-entry", Warning, "The same descriptor listed twice in an index.";
    DuplicatePlatform = "duplicate-platform", Error, "Two index entries for the same platform.";
    EmptyConfigNotCanonical = "empty-config-not-canonical", Warning, "An empty config descriptor that is not the canonical {} blob.";
    IndexAlreadyWalked = "index-already-walked", Warning, "An index met twice in one walk (walked once).";
    IndexEmpty = "index-empty", Error, "An index with no entries.";
    IndexEntryDescriptorType = "index-entry-descriptor-type", Warning, "An index entry typed as a descriptor, not a manifest.";
    IndexEntryUnknownMediaType = "index-entry-unknown-media-type", Warning, "An index entry with a media type Fathom does not know.";
    IndexTooDeep = "index-too-deep", Warning, "Nested indexes deeper than Fathom follows.";
    IndexTooLarge = "index-too-large", Warning, "An index with more entries than Fathom walks.";
    InvalidField = "invalid-field", Error, "A field of the wrong type or shape.";
    InvalidJson = "invalid-json", Error, "Bytes that are not valid JSON.";
    LayerBomb = "layer-bomb", Error, "A layer that decompresses to far more than its size (a decompression bomb): not read further.";
    LayerCompressionMismatch = "layer-compression-mismatch", Warning, "A layer whose media type and compression disagree.";
    LayerCorrupt = "layer-corrupt", Error, "A layer whose compressed stream or tar headers cannot be read.";
    LayerDiffIdMismatch = "layer-diff-id-mismatch", Error, "A layer whose uncompressed bytes do not hash to the config's diff_id for it.";
    LayerEncrypted = "layer-encrypted", Info, "An encrypted layer.";
    LayerMediaTypeNonexistent = "layer-media-type-nonexistent", Error, "A layer media type that no specification defines.";
    LayerMediaTypeUnknown = "layer-media-type-unknown", Warning, "A layer media type Fathom does not know.";
    LayerNonDistributable = "layer-non-distributable", Warning, "A non-distributable (foreign) layer.";
    LayerPathUnsafe = "layer-path-unsafe", Error, "A layer entry whose path (or hard link target) is absolute or climbs out of the root.";
    LayerSparseFile = "layer-sparse-file", Info, "A GNU sparse file in a layer, listed with its size in the archive.";
    LayerTruncated = "layer-truncated", Error, "A layer that ends before its compressed stream or tar archive does.";
    LayersEmpty = "layers-empty", Info, "An image manifest without layers.";
    LayersNull = "layers-null", Warning, "An image manifest whose layers are null.";
    LayoutDuplicateRefName = "layout-duplicate-ref-name", Warning, "Two entries of an OCI layout with the same ref name.";
    LayoutIndexMissing = "layout-index-missing", Error, "An OCI layout without index.json.";
    LayoutUnreadable = "layout-unreadable", Error, "An OCI layout file that cannot be read.";
    LayoutVersionInvalid = "layout-version-invalid", Error, "An oci-layout file with an invalid version.";
    LayoutVersionMissing = "layout-version-missing", Warning, "An OCI layout without an oci-layout file.";
    ManifestsNull = "manifests-null", Warning, "An index whose manifests are null.";
    MediaTypeMismatch = "media-type-mismatch", Warning, "A document whose mediaType differs from the Content-Type it came with.";
    MediaTypeMissing = "media-type-missing", Error, "A document without a top-level mediaType (required by Docker, recommended by OCI).";
    MediaTypeMixed = "media-type-mixed", Warning, "A Docker list holding OCI manifests.";
    MediaTypeWithdrawn = "media-type-withdrawn", Warning, "A media type from a withdrawn draft specification.";
    MixedDockerOci = "mixed-docker-oci", Warning, "Docker and OCI media types mixed in one document.";
    NestedIndex = "nested-index", Info, "An index that lists another index.";
    NotARegistryManifest = "not-a-registry-manifest", Info, "A `docker save` manifest.json (a JSON array), not a registry manifest.";
    NotAnObject = "not-an-object", Error, "JSON that is not an object.";
    PlatformArmVariantMissing = "platform-arm-variant-missing", Error, "A 32-bit arm platform without a variant.";
    PlatformConfigMismatch = "platform-config-mismatch", Error, "An index entry's platform that its image config contradicts.";
    PlatformIncomplete = "platform-incomplete", Error, "A platform without os or architecture.";
    PlatformLegacyFeatures = "platform-legacy-features", Info, "The legacy platform `features` field, reserved and ignored by every client.";
    PlatformMissing = "platform-missing", Warning, "An image entry of an index without a platform.";
    PlatformNonCanonical = "platform-non-canonical", Warning, "A platform written in a non-canonical form (an alias, a default variant).";
    PlatformOsVersionInvalid = "platform-os-version-invalid", Warning, "A Windows os.version that is not a version.";
    PlatformUnknownArchitecture = "platform-unknown-architecture", Warning, "An architecture Go and containerd do not know.";
    PlatformUnknownOs = "platform-unknown-os", Warning, "An os Go and containerd do not know.";
    PlatformVariantUnknown = "platform-variant-unknown", Warning, "A variant not known for its architecture.";
    ReferrersTruncated = "referrers-truncated", Warning, "More referrers pages than Fathom follows.";
    ReferrersUnavailable = "referrers-unavailable", Warning, "The referrers could not be listed.";
    ReferrersUnreadable = "referrers-unreadable", Warning, "A referrers answer that cannot be read.";
    SchemaVersionMissing = "schema-version-missing", Error, "A document without schemaVersion.";
    SchemaVersionUnsupported = "schema-version-unsupported", Error, "A schemaVersion Fathom does not support.";
    Schema1Deprecated = "schema1-deprecated", Warning, "A Docker schema 1 manifest, deprecated and refused by current registries.";
    Schema1HistoryMismatch = "schema1-history-mismatch", Error, "A schema 1 manifest whose history and layers differ in count.";
    Schema1Malformed = "schema1-malformed", Error, "A schema 1 manifest that is not well formed.";
    Schema1PayloadNotJson = "schema1-payload-not-json", Error, "A signed schema 1 payload that is not JSON.";
    Schema1PayloadUnrecoverable = "schema1-payload-unrecoverable", Error, "A signed schema 1 manifest whose signed payload cannot be rebuilt.";
    Schema1SignatureInvalid = "schema1-signature-invalid", Error, "A schema 1 signature that does not verify.";
    Schema1SignatureUnverifiable = "schema1-signature-unverifiable", Warning, "A schema 1 signature Fathom cannot check (an unsupported key or algorithm).";
    Schema1SignaturesMalformed = "schema1-signatures-malformed", Error, "Schema 1 signatures that are not well formed.";
    Schema1Unsigned = "schema1-unsigned", Info, "An unsigned schema 1 manifest.";
    SignatureCertificateExpired = "signature-certificate-expired", Error, "A keyless signature made outside its certificate's validity, as the transparency log dates it.";
    SignatureCertificateUntrusted = "signature-certificate-untrusted", Error, "A keyless signature whose certificate does not chain to a certificate authority of the trusted root, is not for code signing, or has no signed certificate timestamp (SCT) from a CT log of the root.";
    SignatureIdentityMismatch = "signature-identity-mismatch", Warning, "A keyless signature by another identity (subject or OIDC issuer) than the one expected.";
    SignatureInvalid = "signature-invalid", Error, "No signature of the image verifies with the key or keyless identity given: signed by another, or the signed payload was changed after signing.";
    SignatureMissing = "signature-missing", Warning, "No cosign signature is attached to the image (neither the sha256-<hex>.sig tag nor a signature referrer).";
    SignatureNotVerified = "signature-not-verified", Info, "Signatures found but not checked: no key was given.";
    SignatureTlogInvalid = "signature-tlog-invalid", Error, "A signature whose transparency-log entry (Rekor's signed entry timestamp) does not verify with the trusted root's log keys, or is about another signature.";
    SignatureTlogMissing = "signature-tlog-missing", Error, "A keyless signature with no transparency-log entry: when it was signed, hence whether its certificate was valid, cannot be proven.";
    SignatureUnreadable = "signature-unreadable", Error, "A signature manifest or payload that is not cosign's, or a signature that is missing or not base64.";
    SignatureWrongImage = "signature-wrong-image", Error, "A signature whose signed payload names another image than the one it is attached to (copied from another image).";
    SizeMismatch = "size-mismatch", Error, "Bytes whose length differs from the size their descriptor gives.";
    SubjectIsChild = "subject-is-child", Warning, "An index's subject that is also one of its entries (a walker must not loop or count it twice).";
    SubjectMissing = "subject-missing", Info, "A referrer's subject that is not in this layout (it may live elsewhere).";
    UnknownField = "unknown-field", Info, "A top-level key no specification defines.";
    UnrecognisedDocument = "unrecognised-document", Error, "A JSON document that is no known manifest, index or config.";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Code, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Code::parse(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown finding code {name:?}")))
    }
}

/// One thing a check noticed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// Its code in the catalogue (`digest-mismatch`, `duplicate-platform`, …).
    pub code: Code,
    /// What was expected and what came, for a person.
    pub message: String,
    /// JSON pointer into the document (`/manifests/2/platform`), empty for the whole document.
    pub path: String,
}

impl Finding {
    /// An error finding.
    pub fn error(code: Code, path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding::new(Severity::Error, code, path, message)
    }

    /// A warning finding.
    pub fn warning(code: Code, path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding::new(Severity::Warning, code, path, message)
    }

    /// An informational finding.
    pub fn info(code: Code, path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding::new(Severity::Info, code, path, message)
    }

    fn new(severity: Severity, code: Code, path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            severity,
            code,
            message: message.into(),
            path: path.into(),
        }
    }

    /// The same finding located under `prefix` (a JSON pointer of the enclosing document).
    pub fn under(mut self, prefix: &str) -> Finding {
        self.path = format!("{prefix}{}", self.path);
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() { "/" } else { &self.path };
        write!(f, "{} {} at {}: {}", self.severity, self.code, path, self.message)
    }
}

/// Whether any finding is an error.
pub fn has_error(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// Escapes one JSON-pointer reference token (RFC 6901: `~` → `~0`, `/` → `~1`).
pub fn pointer_token(key: &str) -> Cow<'_, str> {
    if key.contains(['~', '/']) {
        Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(key)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_catalogue_names_every_code_once_in_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                !name.is_empty()
                    && name
                        .split('-')
                        .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "{name} is not kebab-case"
            );
            assert_eq!(Code::parse(name), Some(*code));
            assert_eq!(serde_json::to_value(code).unwrap(), name);
            assert!(code.meaning().ends_with('.'), "{name}: {}", code.meaning());
        }
        assert!(
            Code::ALL.windows(2).all(|w| w[0].as_str() < w[1].as_str()),
            "in name order"
        );
        assert_eq!(Code::DigestMismatch.severity(), Severity::Error);
        assert!(serde_json::from_str::<Code>("\"no-such-code\"").is_err());
    }
    use super::*;

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(pointer_token("a/b~c"), "a~1b~0c");
        assert_eq!(pointer_token("plain"), "plain");
    }

    #[test]
    fn display_and_error_detection() {
        let f = Finding::error(Code::DigestMismatch, "/manifests/0", "bad").under("/x");
        assert_eq!(f.to_string(), "error digest-mismatch at /x/manifests/0: bad");
        assert!(has_error(&[Finding::info(Code::UnknownField, "", ""), f]));
        assert!(!has_error(&[Finding::warning(Code::SchemaVersionMissing, "", "")]));
    }
}
