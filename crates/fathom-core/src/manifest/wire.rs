//! The one typed pass over a document's bytes, and the rule that decides what the document is.
//!
//! Every field any supported document type can have at its top level is declared here, so a
//! single `serde_json` pass reads the body; the variant is then chosen by Content-Type, then the
//! body's `mediaType`, then its shape — never by trying variants until one deserialises.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::descriptor::Descriptor;
use crate::media_type::{self as mt, MediaType};

/// Top-level fields of every manifest-like document, all optional.
#[derive(Debug, Default)]
pub(crate) struct Wire {
    pub schema_version: Option<i64>,
    pub media_type: Option<String>,
    pub artifact_type: Option<String>,
    pub config: Option<Descriptor>,
    /// `None` when absent, `Some(None)` for `"layers": null`.
    pub layers: Option<Option<Vec<Descriptor>>>,
    /// `None` when absent, `Some(None)` for `"manifests": null`.
    pub manifests: Option<Option<Vec<Descriptor>>>,
    pub blobs: Option<Vec<Descriptor>>,
    pub subject: Option<Descriptor>,
    pub annotations: Option<BTreeMap<String, String>>,
    // Docker schema1, read as values: in other documents these keys are unknown fields of any type.
    pub name: Option<Value>,
    pub tag: Option<Value>,
    pub architecture: Option<Value>,
    pub fs_layers: Option<Value>,
    /// schema1 `[{v1Compatibility}]`, or an image config's history.
    pub history: Option<Value>,
    pub signatures: Option<Value>,
    // Shape hints for image configs and bare descriptors.
    pub rootfs: Option<serde::de::IgnoredAny>,
    pub os: Option<serde::de::IgnoredAny>,
    pub digest: Option<serde::de::IgnoredAny>,
    pub size: Option<serde::de::IgnoredAny>,
    /// Top-level keys no supported document defines, in order.
    pub unknown: Vec<String>,
}

/// Read by hand rather than derived so that unknown top-level keys are collected in the same
/// single pass (a derived struct drops them; a wrapper that reports them costs a second layer
/// of indirection on every value).
impl<'de> Deserialize<'de> for Wire {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Wire, D::Error> {
        deserializer.deserialize_map(WireVisitor)
    }
}

struct WireVisitor;

impl<'de> serde::de::Visitor<'de> for WireVisitor {
    type Value = Wire;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Wire, A::Error> {
        let mut w = Wire::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "schemaVersion" => w.schema_version = map.next_value()?,
                "mediaType" => w.media_type = map.next_value()?,
                "artifactType" => w.artifact_type = map.next_value()?,
                "config" => w.config = map.next_value()?,
                "layers" => w.layers = Some(map.next_value()?),
                "manifests" => w.manifests = Some(map.next_value()?),
                "blobs" => w.blobs = map.next_value()?,
                "subject" => w.subject = map.next_value()?,
                "annotations" => w.annotations = map.next_value()?,
                "name" => w.name = map.next_value()?,
                "tag" => w.tag = map.next_value()?,
                "architecture" => w.architecture = map.next_value()?,
                "fsLayers" => w.fs_layers = map.next_value()?,
                "history" => w.history = map.next_value()?,
                "signatures" => w.signatures = map.next_value()?,
                "rootfs" => w.rootfs = map.next_value()?,
                "os" => w.os = map.next_value()?,
                "digest" => w.digest = map.next_value()?,
                "size" => w.size = map.next_value()?,
                other => {
                    w.unknown.push(other.to_owned());
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(w)
    }
}

impl Wire {
    /// Keys this document has that `format` does not define (they were read only to classify).
    pub fn foreign_keys(&self, format: Format) -> Vec<&'static str> {
        let schema1 = matches!(format, Format::DockerSchema1 | Format::DockerSchema1Signed);
        let present = [
            ("name", self.name.is_some() && !schema1),
            ("tag", self.tag.is_some() && !schema1),
            ("architecture", self.architecture.is_some() && !schema1),
            ("fsLayers", self.fs_layers.is_some() && !schema1),
            ("history", self.history.is_some() && !schema1),
            ("signatures", self.signatures.is_some() && !schema1),
            ("rootfs", self.rootfs.is_some()),
            ("os", self.os.is_some()),
            ("digest", self.digest.is_some()),
            ("size", self.size.is_some()),
        ];
        present.into_iter().filter(|(_, p)| *p).map(|(k, _)| k).collect()
    }
}

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// OCI image index.
    OciIndex,
    /// Docker manifest list.
    DockerManifestList,
    /// OCI image manifest.
    OciManifest,
    /// Docker schema2 manifest.
    DockerManifest,
    /// The withdrawn OCI artifact manifest.
    OciArtifactManifest,
    /// Docker schema1, signed.
    DockerSchema1Signed,
    /// Docker schema1, unsigned.
    DockerSchema1,
    /// An image config blob.
    ImageConfig,
    /// A bare descriptor.
    Descriptor,
    /// A manifest with an unsupported `schemaVersion`.
    Unknown,
}

impl Format {
    /// The media type a document of this format is served as.
    pub fn media_type(self) -> Option<&'static str> {
        Some(match self {
            Format::OciIndex => mt::OCI_INDEX,
            Format::DockerManifestList => mt::DOCKER_MANIFEST_LIST,
            Format::OciManifest => mt::OCI_MANIFEST,
            Format::DockerManifest => mt::DOCKER_MANIFEST,
            Format::OciArtifactManifest => mt::OCI_ARTIFACT_MANIFEST,
            Format::DockerSchema1Signed => mt::DOCKER_SCHEMA1_SIGNED,
            Format::DockerSchema1 => mt::DOCKER_SCHEMA1,
            Format::ImageConfig => mt::OCI_CONFIG,
            Format::Descriptor => mt::OCI_DESCRIPTOR,
            Format::Unknown => return None,
        })
    }

    fn from_media_type(media_type: &str) -> Option<Format> {
        Some(match media_type {
            mt::OCI_INDEX => Format::OciIndex,
            mt::DOCKER_MANIFEST_LIST => Format::DockerManifestList,
            mt::OCI_MANIFEST => Format::OciManifest,
            mt::DOCKER_MANIFEST => Format::DockerManifest,
            mt::OCI_ARTIFACT_MANIFEST => Format::OciArtifactManifest,
            mt::DOCKER_SCHEMA1_SIGNED => Format::DockerSchema1Signed,
            mt::DOCKER_SCHEMA1 => Format::DockerSchema1,
            mt::OCI_CONFIG | mt::DOCKER_CONFIG => Format::ImageConfig,
            _ => return None,
        })
    }

    /// Whether two formats are the same family (a signed schema1 served as unsigned, say).
    fn same_family(self, other: Format) -> bool {
        use Format::*;
        self == other
            || matches!(
                (self, other),
                (DockerSchema1Signed, DockerSchema1) | (DockerSchema1, DockerSchema1Signed)
            )
    }
}

/// Which evidence decided the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DetectedBy {
    /// The `Content-Type` header.
    ContentType,
    /// The body's `mediaType` field.
    MediaTypeField,
    /// The body's shape (which keys it has).
    Shape,
}

/// Content types that say nothing about a manifest.
fn is_generic_content_type(essence: &str) -> bool {
    matches!(
        essence,
        "" | "application/json" | "application/octet-stream" | "text/plain" | "binary/octet-stream"
    )
}

/// The evidence, in order of authority.
pub(crate) struct Classification {
    pub format: Format,
    pub detected_by: DetectedBy,
    /// The Content-Type essence when it was specific but disagrees with the body.
    pub content_type_disagrees: Option<String>,
    /// A specific Content-Type that names no format Fathom knows.
    pub content_type_unknown: Option<String>,
}

pub(crate) fn classify(content_type: Option<&str>, wire: &Wire) -> Option<Classification> {
    let essence = content_type.map(MediaType::essence).unwrap_or_default();
    let from_header = Format::from_media_type(&essence);
    let from_body = wire.media_type.as_deref().and_then(Format::from_media_type);
    let shape = shape(wire);
    let content_type_unknown = (from_header.is_none() && !is_generic_content_type(&essence)).then(|| essence.clone());

    let (format, detected_by) = match (from_header, from_body, shape) {
        (Some(h), _, _) => (h, DetectedBy::ContentType),
        (None, Some(b), _) => (b, DetectedBy::MediaTypeField),
        (None, None, Some(s)) => (s, DetectedBy::Shape),
        (None, None, None) => return None,
    };
    let body_says = from_body.or(shape);
    let content_type_disagrees = match (from_header, body_says) {
        (Some(h), Some(b)) if !h.same_family(b) => Some(essence),
        _ => None,
    };
    Some(Classification {
        format,
        detected_by,
        content_type_disagrees,
        content_type_unknown,
    })
}

/// The format the keys suggest, or `None` when nothing fits.
fn shape(wire: &Wire) -> Option<Format> {
    if !matches!(wire.schema_version, None | Some(1) | Some(2)) && wire.config.is_none() && wire.manifests.is_none() {
        return Some(Format::Unknown);
    }
    if wire.manifests.is_some() {
        return Some(Format::OciIndex);
    }
    if wire.schema_version == Some(1) || wire.fs_layers.is_some() {
        return Some(if wire.signatures.is_some() {
            Format::DockerSchema1Signed
        } else {
            Format::DockerSchema1
        });
    }
    if wire.blobs.is_some() {
        return Some(Format::OciArtifactManifest);
    }
    if let Some(config) = &wire.config {
        if !config.digest.is_empty() || wire.layers.is_some() {
            let docker = matches!(config.media_type_str(), mt::DOCKER_CONFIG | mt::DOCKER_PLUGIN_CONFIG);
            return Some(if docker {
                Format::DockerManifest
            } else {
                Format::OciManifest
            });
        }
    }
    if wire.layers.is_some() {
        return Some(Format::OciManifest);
    }
    if wire.rootfs.is_some() || (wire.os.is_some() && wire.architecture.is_some()) {
        return Some(Format::ImageConfig);
    }
    if wire.digest.is_some() && wire.size.is_some() {
        return Some(Format::Descriptor);
    }
    None
}
