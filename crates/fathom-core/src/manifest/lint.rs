//! Strict checks over a tolerantly parsed document. Each finding has a stable code.

use std::collections::BTreeMap;

use super::wire::{Classification, DetectedBy, Format};
use super::{Body, Document, Flavor, ImageManifest, Index, Manifest};
use crate::descriptor::{lint_annotations, Descriptor};
use crate::finding::{Code, Finding};
use crate::media_type::{self as mt, Kind, MediaType};
use crate::platform::Platform;

/// BuildKit's annotation naming what an `unknown/unknown` entry is (`attestation-manifest`).
pub const REFERENCE_TYPE_ANNOTATION: &str = "vnd.docker.reference.type";
/// BuildKit's annotation naming the manifest an attestation describes.
pub const REFERENCE_DIGEST_ANNOTATION: &str = "vnd.docker.reference.digest";

pub(super) fn unknown_field(path: &str) -> Finding {
    let message = match path {
        "/digest" | "/size" => format!(
            "top-level {:?} is not part of a manifest: tools such as `buildx imagetools inspect` inject it in templated output, so these are not the registry's bytes",
            &path[1..]
        ),
        _ => format!("unknown field {path:?} is ignored"),
    };
    Finding::info(Code::UnknownField, path, message)
}

pub(super) fn lint(doc: &mut Document, classification: &Classification) {
    let mut findings = std::mem::take(&mut doc.findings);
    if let Some(essence) = &classification.content_type_disagrees {
        findings.push(Finding::warning(
            Code::MediaTypeMismatch,
            "/mediaType",
            format!(
                "served as {essence} but the body is a {}",
                doc.format.and_then(Format::media_type).unwrap_or("different document")
            ),
        ));
    }
    if let Some(essence) = &classification.content_type_unknown {
        findings.push(Finding::warning(
            Code::ContentTypeUnknown,
            "",
            format!("Content-Type {essence:?} is not a manifest type; the body decided"),
        ));
    }
    match &doc.body {
        Body::Manifest(manifest) => lint_manifest(manifest, classification, &mut findings),
        Body::Config(config) => config.lint(&mut findings),
        Body::Descriptor(descriptor) => descriptor.lint("", &mut findings),
        Body::DockerSave(_) => {}
    }
    doc.findings = findings;
}

fn lint_manifest(manifest: &Manifest, classification: &Classification, findings: &mut Vec<Finding>) {
    match manifest {
        Manifest::Index(index) => {
            lint_media_type_field(index.media_type.as_ref(), index.flavor, classification, findings);
            lint_schema_version(index.schema_version, findings);
            lint_index(index, findings);
        }
        Manifest::Image(image) => {
            lint_media_type_field(image.media_type.as_ref(), image.flavor, classification, findings);
            lint_schema_version(image.schema_version, findings);
            lint_image(image, findings);
        }
        Manifest::Artifact(artifact) => {
            findings.push(Finding::warning(
                Code::MediaTypeWithdrawn,
                "/mediaType",
                "application/vnd.oci.artifact.manifest.v1+json was withdrawn before image-spec 1.1; use an image manifest with artifactType",
            ));
            lint_descriptors(&artifact.blobs, "/blobs", findings);
            if let Some(subject) = &artifact.subject {
                subject.lint("/subject", findings);
            }
        }
        Manifest::Schema1(_) => {}
        Manifest::Unknown { schema_version, .. } => findings.push(Finding::error(
            Code::SchemaVersionUnsupported,
            "/schemaVersion",
            format!(
                "schemaVersion {} is not 1 or 2; the manifest cannot be interpreted",
                schema_version.unwrap_or_default()
            ),
        )),
    }
    if let Some(annotations) = manifest.annotations() {
        lint_annotations(annotations, "/annotations", findings);
    }
    if let (Some(subject), children) = (manifest.subject(), manifest.manifests()) {
        if let Some(i) = children.iter().position(|c| c.digest == subject.digest) {
            findings.push(Finding::warning(
                Code::SubjectIsChild,
                "/subject",
                format!(
                    "the subject {} is also entry {i} of this index; a walker must not loop or count it twice",
                    subject.digest
                ),
            ));
        }
    }
}

fn lint_media_type_field(
    media_type: Option<&MediaType>,
    flavor: Flavor,
    classification: &Classification,
    findings: &mut Vec<Finding>,
) {
    if media_type.is_some() {
        return;
    }
    let how = match classification.detected_by {
        DetectedBy::ContentType => "the Content-Type",
        _ => "its shape",
    };
    let (finding, family): (fn(Code, String, String) -> Finding, _) = match flavor {
        // Docker's schema2 requires mediaType; OCI only recommends it.
        Flavor::Docker => (Finding::error, "Docker"),
        Flavor::Oci => (Finding::warning, "OCI"),
    };
    findings.push(finding(
        Code::MediaTypeMissing,
        "/mediaType".into(),
        format!("no top-level mediaType; read as {family} by {how}, but clients that rely on mediaType may reject it"),
    ));
}

fn lint_schema_version(schema_version: Option<i64>, findings: &mut Vec<Finding>) {
    match schema_version {
        Some(2) => {}
        None => findings.push(Finding::error(
            Code::SchemaVersionMissing,
            "/schemaVersion",
            "schemaVersion is missing (must be 2)",
        )),
        Some(v) => findings.push(Finding::error(
            Code::SchemaVersionUnsupported,
            "/schemaVersion",
            format!("schemaVersion must be 2, got {v}"),
        )),
    }
}

fn lint_descriptors(descriptors: &[Descriptor], path: &str, findings: &mut Vec<Finding>) {
    for (i, d) in descriptors.iter().enumerate() {
        d.lint(&format!("{path}/{i}"), findings);
    }
}

fn lint_index(index: &Index, findings: &mut Vec<Finding>) {
    lint_descriptors(&index.manifests, "/manifests", findings);
    if let Some(subject) = &index.subject {
        subject.lint("/subject", findings);
    }
    let digests: std::collections::BTreeSet<&str> = index.manifests.iter().map(|d| d.digest.as_str()).collect();
    let mut seen: BTreeMap<(String, Vec<String>), usize> = BTreeMap::new();
    let mut seen_digest: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for (i, entry) in index.manifests.iter().enumerate() {
        let at = format!("/manifests/{i}");
        let media_type = entry.media_type.clone().unwrap_or_else(|| MediaType::new(""));
        match media_type.kind() {
            Kind::Index => findings.push(Finding::info(
                Code::NestedIndex,
                format!("{at}/mediaType"),
                "entry is itself an index; clients must recurse (docker manifest inspect does not)",
            )),
            Kind::Manifest | Kind::Schema1 => {}
            Kind::ArtifactManifest => findings.push(Finding::warning(
                Code::MediaTypeWithdrawn,
                format!("{at}/mediaType"),
                "entry uses the withdrawn OCI artifact manifest type",
            )),
            _ if media_type.as_str() == mt::OCI_DESCRIPTOR => findings.push(Finding::warning(
                Code::IndexEntryDescriptorType,
                format!("{at}/mediaType"),
                "application/vnd.oci.descriptor.v1+json describes a descriptor, not a manifest",
            )),
            _ if !media_type.as_str().is_empty() => findings.push(Finding::warning(
                Code::IndexEntryUnknownMediaType,
                format!("{at}/mediaType"),
                format!(
                    "entry media type {:?} is not a manifest or index type",
                    media_type.as_str()
                ),
            )),
            _ => {}
        }
        if index.flavor == Flavor::Docker && matches!(media_type.as_str(), mt::OCI_MANIFEST | mt::OCI_INDEX) {
            findings.push(Finding::warning(
                Code::MixedDockerOci,
                format!("{at}/mediaType"),
                "a Docker manifest list entry with an OCI media type",
            ));
        }
        let reference_type = entry.annotation(REFERENCE_TYPE_ANNOTATION);
        if let Some(described) = entry.annotation(REFERENCE_DIGEST_ANNOTATION) {
            if !digests.contains(described) {
                findings.push(Finding::warning(
                    Code::AttestationSubjectMissing,
                    format!("{at}/annotations"),
                    format!(
                        "{} describes {described}, which is not an entry of this index",
                        reference_type.unwrap_or("entry")
                    ),
                ));
            }
        }
        let Some(platform) = &entry.platform else {
            let is_image = matches!(media_type.kind(), Kind::Manifest | Kind::Schema1);
            if is_image && entry.artifact_type.is_none() && reference_type.is_none() {
                findings.push(Finding::warning(
                    Code::PlatformMissing,
                    format!("{at}/platform"),
                    "image entry has no platform; platform-aware clients skip it",
                ));
            }
            continue;
        };
        platform.lint(&format!("{at}/platform"), findings);
        if reference_type.is_some() || platform.is_unknown() {
            continue;
        }
        let normalized = platform.normalize();
        let key = (platform_label(&normalized), normalized.os_features_sorted());
        if let Some(first) = seen_digest.insert((entry.digest.as_str(), key.0.clone()), i) {
            findings.push(Finding::warning(
                Code::DuplicateEntry,
                at.clone(),
                format!("same digest and platform {} as entry {first}", key.0),
            ));
        } else if let Some(first) = seen.insert(key.clone(), i) {
            findings.push(Finding::warning(
                Code::DuplicatePlatform,
                format!("{at}/platform"),
                format!(
                    "platform {} already appears at entry {first} with another manifest; a client picks the first",
                    key.0
                ),
            ));
        }
    }
}

fn platform_label(platform: &Platform) -> String {
    let mut label = platform.to_string();
    if !platform.os_version.is_empty() {
        label.push_str(&format!(" (os.version {})", platform.os_version));
    }
    label
}

fn lint_image(image: &ImageManifest, findings: &mut Vec<Finding>) {
    match &image.config {
        None => {
            if image.flavor == Flavor::Docker || image.artifact_type.is_none() {
                findings.push(Finding::error(
                    Code::ConfigMissing,
                    "/config",
                    "image manifest has no config descriptor",
                ));
            }
        }
        Some(config) => {
            config.lint("/config", findings);
            lint_config_descriptor(image, config, findings);
        }
    }
    lint_descriptors(&image.layers, "/layers", findings);
    if let Some(subject) = &image.subject {
        subject.lint("/subject", findings);
    }
    if image.layers.is_empty()
        && image
            .config
            .as_ref()
            .is_some_and(|c| c.media_type_str() == mt::DOCKER_CONFIG)
    {
        findings.push(Finding::info(
            Code::LayersEmpty,
            "/layers",
            "image manifest has no layers",
        ));
    }
    for (i, layer) in image.layers.iter().enumerate() {
        lint_layer(layer, &format!("/layers/{i}"), image.flavor, findings);
    }
    if image.flavor == Flavor::Docker {
        let oci_fields = [
            (image.artifact_type.is_some(), "artifactType"),
            (image.subject.is_some(), "subject"),
            (image.annotations.is_some(), "annotations"),
        ];
        for (present, field) in oci_fields {
            if present {
                findings.push(Finding::warning(
                    Code::MixedDockerOci,
                    format!("/{field}"),
                    format!("{field} is an OCI field; a Docker schema2 manifest does not define it"),
                ));
            }
        }
    }
}

fn lint_config_descriptor(image: &ImageManifest, config: &Descriptor, findings: &mut Vec<Finding>) {
    let media_type = config.media_type_str();
    let expected = match image.flavor {
        Flavor::Docker => mt::DOCKER_CONFIG,
        Flavor::Oci => mt::OCI_CONFIG,
    };
    match media_type {
        mt::OCI_CONFIG | mt::DOCKER_CONFIG if media_type != expected => findings.push(Finding::warning(
            Code::MixedDockerOci,
            "/config/mediaType",
            format!(
                "config type {media_type} in a {} manifest (expected {expected})",
                flavor_name(image.flavor)
            ),
        )),
        mt::OCI_CONFIG | mt::DOCKER_CONFIG => {}
        mt::OCI_EMPTY if config.digest != EMPTY_JSON_DIGEST || config.size != Some(2) => {
            findings.push(Finding::warning(
                Code::EmptyConfigNotCanonical,
                "/config",
                format!(
                    "an {} config should be the 2-byte {{}} ({EMPTY_JSON_DIGEST})",
                    mt::OCI_EMPTY
                ),
            ))
        }
        mt::OCI_EMPTY if image.artifact_type.is_none() && image.flavor == Flavor::Oci => {
            findings.push(Finding::warning(
                Code::ArtifactTypeMissing,
                "/artifactType",
                "the config is the empty descriptor, so artifactType must be set (image-spec 1.1)",
            ))
        }
        mt::OCI_EMPTY => {}
        "application/octet-stream" => findings.push(Finding::warning(
            Code::ConfigMediaTypeGeneric,
            "/config/mediaType",
            format!("config media type is application/octet-stream (early docker push); expected {expected}"),
        )),
        other if image.artifact_type.is_none() => findings.push(Finding::info(
            Code::ArtifactTypeInConfig,
            "/config/mediaType",
            format!("no artifactType; the artifact type is carried by the config media type {other:?} (OCI 1.0 style)"),
        )),
        _ => {}
    }
}

/// The canonical empty JSON blob `{}`.
pub(crate) const EMPTY_JSON_DIGEST: &str = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

fn flavor_name(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::Docker => "Docker schema2",
        Flavor::Oci => "OCI",
    }
}

fn lint_layer(layer: &Descriptor, at: &str, flavor: Flavor, findings: &mut Vec<Finding>) {
    let Some(media_type) = &layer.media_type else { return };
    let text = media_type.as_str();
    if text == "application/vnd.docker.image.rootfs.diff.tar.zstd" {
        findings.push(Finding::error(
            Code::LayerMediaTypeNonexistent,
            format!("{at}/mediaType"),
            "application/vnd.docker.image.rootfs.diff.tar.zstd does not exist; zstd layers use application/vnd.oci.image.layer.v1.tar+zstd",
        ));
        return;
    }
    if media_type.is_encrypted() {
        findings.push(Finding::info(
            Code::LayerEncrypted,
            format!("{at}/mediaType"),
            "layer is encrypted (ocicrypt); pulling needs the decryption key",
        ));
    }
    if media_type.is_foreign_layer() {
        let deprecated = text.starts_with("application/vnd.oci.image.layer.nondistributable");
        let message = if deprecated {
            "non-distributable layer (OCI nondistributable types are deprecated since image-spec 1.1)"
        } else {
            "foreign layer: registries may not store it; clients download it from its urls"
        };
        findings.push(if deprecated {
            Finding::warning(Code::LayerNonDistributable, format!("{at}/mediaType"), message)
        } else {
            Finding::info(Code::LayerNonDistributable, format!("{at}/mediaType"), message)
        });
        return;
    }
    match media_type.kind() {
        Kind::Layer => {
            let oci = text.starts_with("application/vnd.oci.");
            if oci != (flavor == Flavor::Oci) {
                findings.push(Finding::info(
                    Code::MixedDockerOci,
                    format!("{at}/mediaType"),
                    format!(
                        "{} layer type in a {} manifest",
                        if oci { "OCI" } else { "Docker" },
                        flavor_name(flavor)
                    ),
                ));
            }
        }
        Kind::Attestation => {}
        _ if text.starts_with("application/vnd.oci.image.layer.") => findings.push(Finding::warning(
            Code::LayerMediaTypeUnknown,
            format!("{at}/mediaType"),
            format!("unknown OCI layer type {text:?}: clients cannot unpack it"),
        )),
        _ => {}
    }
}
