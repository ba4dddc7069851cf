//! Manifests and indexes: parsed from `(bytes, Content-Type)` into one enum over the variants,
//! the exact bytes kept, and linted strictly.
//!
//! ```
//! use fathom_core::manifest::{Document, Manifest};
//!
//! let bytes = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
//! let doc = Document::parse(bytes, Some("application/vnd.oci.image.index.v1+json")).unwrap();
//! assert!(matches!(doc.body, fathom_core::manifest::Body::Manifest(Manifest::Index(_))));
//! assert_eq!(doc.digest.as_str(), "sha256:".to_owned() + doc.digest.hex());
//! ```

mod json_pointer;
mod lint;
pub use lint::{REFERENCE_DIGEST_ANNOTATION, REFERENCE_TYPE_ANNOTATION};
pub mod schema1;
mod wire;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::config::ImageConfig;
use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::finding::{pointer_token, Code, Finding};
use crate::media_type::MediaType;

pub use schema1::Schema1Manifest;
pub use wire::{DetectedBy, Format};

/// Which family a manifest or index belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    /// Docker distribution types.
    Docker,
    /// OCI image-spec types.
    Oci,
}

/// An image index (OCI) or manifest list (Docker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// Docker list or OCI index.
    pub flavor: Flavor,
    /// `schemaVersion` as written.
    pub schema_version: Option<i64>,
    /// `mediaType` as written.
    pub media_type: Option<MediaType>,
    /// `artifactType`.
    pub artifact_type: Option<String>,
    /// The entries (`manifests`); empty when absent or null.
    pub manifests: Vec<Descriptor>,
    /// `subject`.
    pub subject: Option<Descriptor>,
    /// `annotations`.
    pub annotations: Option<BTreeMap<String, String>>,
}

/// A single image (or artifact) manifest: Docker schema2 or OCI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageManifest {
    /// Docker schema2 or OCI.
    pub flavor: Flavor,
    /// `schemaVersion` as written.
    pub schema_version: Option<i64>,
    /// `mediaType` as written.
    pub media_type: Option<MediaType>,
    /// `artifactType`.
    pub artifact_type: Option<String>,
    /// `config`.
    pub config: Option<Descriptor>,
    /// `layers`; empty when absent or null.
    pub layers: Vec<Descriptor>,
    /// `subject`.
    pub subject: Option<Descriptor>,
    /// `annotations`.
    pub annotations: Option<BTreeMap<String, String>>,
}

/// The withdrawn OCI artifact manifest draft (`blobs` instead of `layers`, no config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactManifest {
    /// `artifactType`.
    pub artifact_type: Option<String>,
    /// `blobs`.
    pub blobs: Vec<Descriptor>,
    /// `subject`.
    pub subject: Option<Descriptor>,
    /// `annotations`.
    pub annotations: Option<BTreeMap<String, String>>,
}

/// A manifest of any supported kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manifest {
    /// OCI index or Docker manifest list.
    Index(Index),
    /// OCI or Docker schema2 image manifest (boxed: the largest variant).
    Image(Box<ImageManifest>),
    /// The withdrawn OCI artifact manifest.
    Artifact(ArtifactManifest),
    /// Docker schema1 (deprecated).
    Schema1(Schema1Manifest),
    /// A manifest whose `schemaVersion` Fathom does not know; kept, not interpreted.
    Unknown {
        /// The `schemaVersion` it declared.
        schema_version: Option<i64>,
        /// Its `mediaType`, when given.
        media_type: Option<MediaType>,
    },
}

impl Manifest {
    /// The child manifests of an index; empty for anything else.
    pub fn manifests(&self) -> &[Descriptor] {
        match self {
            Manifest::Index(i) => &i.manifests,
            _ => &[],
        }
    }

    /// The layers (or artifact blobs); empty for an index.
    pub fn layers(&self) -> &[Descriptor] {
        match self {
            Manifest::Image(m) => &m.layers,
            Manifest::Artifact(a) => &a.blobs,
            _ => &[],
        }
    }

    /// The config descriptor of an image manifest.
    pub fn config(&self) -> Option<&Descriptor> {
        match self {
            Manifest::Image(m) => m.config.as_ref(),
            _ => None,
        }
    }

    /// The `subject`, when the manifest refers to another.
    pub fn subject(&self) -> Option<&Descriptor> {
        match self {
            Manifest::Index(i) => i.subject.as_ref(),
            Manifest::Image(m) => m.subject.as_ref(),
            Manifest::Artifact(a) => a.subject.as_ref(),
            _ => None,
        }
    }

    /// Manifest-level annotations.
    pub fn annotations(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            Manifest::Index(i) => i.annotations.as_ref(),
            Manifest::Image(m) => m.annotations.as_ref(),
            Manifest::Artifact(a) => a.annotations.as_ref(),
            _ => None,
        }
    }

    /// The artifact type: `artifactType`, else (OCI 1.1 rule) a config media type that is not an
    /// image config.
    pub fn artifact_type(&self) -> Option<&str> {
        match self {
            Manifest::Index(i) => i.artifact_type.as_deref(),
            Manifest::Artifact(a) => a.artifact_type.as_deref(),
            Manifest::Image(m) => m.artifact_type.as_deref().or_else(|| {
                let config = m.config.as_ref()?.media_type.as_ref()?;
                (config.kind() != crate::media_type::Kind::Config).then(|| config.as_str())
            }),
            _ => None,
        }
    }
}

/// A `docker save` tarball's `manifest.json` entry (not a registry manifest, but often pasted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SaveEntry {
    /// Path of the config in the tarball.
    #[serde(default)]
    pub config: String,
    /// Tags.
    #[serde(default)]
    pub repo_tags: Option<Vec<String>>,
    /// Layer paths.
    #[serde(default)]
    pub layers: Vec<String>,
    /// Descriptors of foreign layers, by diff ID.
    #[serde(default)]
    pub layer_sources: Option<BTreeMap<String, Descriptor>>,
}

/// What a document turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A manifest or index.
    Manifest(Manifest),
    /// An image config.
    Config(Box<ImageConfig>),
    /// A bare descriptor.
    Descriptor(Descriptor),
    /// A `docker save` manifest.json.
    DockerSave(Vec<SaveEntry>),
}

/// A parsed document with its exact bytes, their digest, and the lint findings.
#[derive(Debug, Clone)]
pub struct Document {
    /// The bytes exactly as received.
    pub bytes: Vec<u8>,
    /// sha256 of [`Document::bytes`] (for a signed schema1, see [`Schema1Manifest::payload_digest`]).
    pub digest: Digest,
    /// What the document is.
    pub format: Option<Format>,
    /// Which evidence decided it.
    pub detected_by: Option<DetectedBy>,
    /// The parsed content.
    pub body: Body,
    /// Lint findings.
    pub findings: Vec<Finding>,
}

/// Why bytes could not be read as a document at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not JSON (binary, truncated, trailing comma…).
    #[error("not valid JSON: {message} at line {line}, column {column}")]
    Json {
        /// serde_json's description.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// JSON, but a field has the wrong type (`"size": "7682"`).
    #[error("invalid {what}: {path}: {message}")]
    Field {
        /// What was being read.
        what: &'static str,
        /// JSON pointer of the field.
        path: String,
        /// What was expected and what came.
        message: String,
    },
    /// JSON, but the top level is not an object.
    #[error("expected a JSON object, got {0}")]
    NotAnObject(&'static str),
    /// An object none of whose shapes Fathom recognises.
    #[error("not a manifest, index, config or descriptor: no mediaType and none of the keys that identify one (manifests, layers, config, fsLayers, rootfs)")]
    Unrecognised,
}

impl ParseError {
    /// A stable kebab-case code.
    pub fn code(&self) -> Code {
        match self {
            ParseError::Json { .. } => Code::InvalidJson,
            ParseError::Field { .. } => Code::InvalidField,
            ParseError::NotAnObject(_) => Code::NotAnObject,
            ParseError::Unrecognised => Code::UnrecognisedDocument,
        }
    }
}

impl Document {
    /// Parses `bytes` served with `content_type` (when known) and lints the result.
    pub fn parse(bytes: &[u8], content_type: Option<&str>) -> Result<Document, ParseError> {
        let digest = Digest::sha256(bytes);
        let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
        if first == Some(b'[') {
            let entries: Vec<SaveEntry> = typed(bytes, "docker save manifest.json")?;
            let findings = vec![Finding::info(
                Code::NotARegistryManifest,
                "",
                "a `docker save` manifest.json (a JSON array), not a registry manifest",
            )];
            return Ok(Document {
                bytes: bytes.to_vec(),
                digest,
                format: None,
                detected_by: Some(DetectedBy::Shape),
                body: Body::DockerSave(entries),
                findings,
            });
        }
        if first.is_some_and(|b| b != b'{') {
            // Distinguish "valid JSON of the wrong kind" from "not JSON".
            let kind = match serde_json::from_slice::<Value>(bytes).map_err(json_error)? {
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                Value::Null => "null",
                _ => "something else",
            };
            return Err(ParseError::NotAnObject(kind));
        }

        let wire: wire::Wire = {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let wire = <wire::Wire as serde::Deserialize>::deserialize(&mut de).and_then(|w| de.end().map(|()| w));
            match wire {
                Ok(w) => w,
                Err(e) if e.is_data() => return Err(field_error::<wire::Wire>(bytes, "manifest")),
                Err(e) => return Err(json_error(e)),
            }
        };
        let classification = wire::classify(content_type, &wire).ok_or(ParseError::Unrecognised)?;
        let format = classification.format;
        let mut findings = Vec::new();
        let body = match format {
            Format::ImageConfig => Body::Config(Box::new(typed(bytes, "image config")?)),
            Format::Descriptor => Body::Descriptor(typed(bytes, "descriptor")?),
            _ => {
                let mut unknown: Vec<String> = wire.unknown.iter().map(|k| format!("/{}", pointer_token(k))).collect();
                unknown.extend(wire.foreign_keys(format).into_iter().map(|k| format!("/{k}")));
                unknown.sort();
                for path in &unknown {
                    findings.push(lint::unknown_field(path));
                }
                Body::Manifest(build(format, wire, bytes, &mut findings))
            }
        };
        let mut doc = Document {
            bytes: bytes.to_vec(),
            digest,
            format: Some(format),
            detected_by: Some(classification.detected_by),
            body,
            findings,
        };
        lint::lint(&mut doc, &classification);
        Ok(doc)
    }

    /// The digest a registry gives this document under `algorithm`: over the signed payload for
    /// a signed schema 1 manifest (what registries compute), over the exact bytes otherwise.
    pub fn content_digest(&self, algorithm: crate::digest::Algorithm) -> Digest {
        let bytes = match self.manifest() {
            Some(Manifest::Schema1(s)) => s.payload.as_deref().unwrap_or(&self.bytes),
            _ => &self.bytes,
        };
        if algorithm == self.digest.algorithm() && bytes == self.bytes.as_slice() {
            self.digest.clone()
        } else {
            Digest::of(algorithm, bytes)
        }
    }

    /// The manifest, when the document is one.
    pub fn manifest(&self) -> Option<&Manifest> {
        match &self.body {
            Body::Manifest(m) => Some(m),
            _ => None,
        }
    }

    /// The media type the document was served as or declares.
    pub fn media_type(&self) -> Option<&'static str> {
        self.format.and_then(Format::media_type)
    }
}

fn build(format: Format, wire: wire::Wire, bytes: &[u8], findings: &mut Vec<Finding>) -> Manifest {
    let media_type = wire.media_type.clone().map(MediaType::new);
    match format {
        Format::OciIndex | Format::DockerManifestList => {
            if wire.manifests == Some(None) {
                findings.push(Finding::warning(
                    Code::ManifestsNull,
                    "/manifests",
                    "\"manifests\" is null; an index with no entries should have an empty array",
                ));
            }
            Manifest::Index(Index {
                flavor: if format == Format::DockerManifestList {
                    Flavor::Docker
                } else {
                    Flavor::Oci
                },
                schema_version: wire.schema_version,
                media_type,
                artifact_type: wire.artifact_type,
                manifests: wire.manifests.flatten().unwrap_or_default(),
                subject: wire.subject,
                annotations: wire.annotations,
            })
        }
        Format::OciManifest | Format::DockerManifest => {
            if wire.layers == Some(None) {
                findings.push(Finding::warning(
                    Code::LayersNull,
                    "/layers",
                    "\"layers\" is null; a manifest with no layers should have an empty array",
                ));
            }
            Manifest::Image(Box::new(ImageManifest {
                flavor: if format == Format::DockerManifest {
                    Flavor::Docker
                } else {
                    Flavor::Oci
                },
                schema_version: wire.schema_version,
                media_type,
                artifact_type: wire.artifact_type,
                config: wire.config,
                layers: wire.layers.flatten().unwrap_or_default(),
                subject: wire.subject,
                annotations: wire.annotations,
            }))
        }
        Format::OciArtifactManifest => Manifest::Artifact(ArtifactManifest {
            artifact_type: wire.artifact_type,
            blobs: wire.blobs.unwrap_or_default(),
            subject: wire.subject,
            annotations: wire.annotations,
        }),
        Format::DockerSchema1 | Format::DockerSchema1Signed => {
            Manifest::Schema1(Schema1Manifest::from_wire(wire, bytes, findings))
        }
        Format::Unknown | Format::ImageConfig | Format::Descriptor => Manifest::Unknown {
            schema_version: wire.schema_version,
            media_type,
        },
    }
}

/// Reads `bytes` as `T`; a type error names the JSON pointer of the field.
fn typed<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &'static str) -> Result<T, ParseError> {
    match serde_json::from_slice(bytes) {
        Ok(v) => Ok(v),
        Err(e) if e.is_data() => Err(field_error::<T>(bytes, what)),
        Err(e) => Err(json_error(e)),
    }
}

/// The error of a typed read that failed on a value, naming the value's JSON pointer.
fn field_error<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &'static str) -> ParseError {
    match serde_json::from_slice::<T>(bytes) {
        Ok(_) => ParseError::Field {
            what,
            path: String::new(),
            message: "unexpected content".into(),
        },
        Err(e) => ParseError::Field {
            what,
            path: json_pointer::pointer_at(bytes, e.line(), e.column()),
            message: e.to_string().split(" at line ").next().unwrap_or_default().to_owned(),
        },
    }
}

fn json_error(e: serde_json::Error) -> ParseError {
    ParseError::Json {
        message: e.to_string().split(" at line ").next().unwrap_or_default().to_owned(),
        line: e.line(),
        column: e.column(),
    }
}
