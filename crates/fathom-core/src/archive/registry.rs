//! An image archive answering the registry protocol: the requests a walk plans (manifests by tag
//! or digest, blobs, the referrers API, the tag list) answered from the archive's members, so the
//! same inspect that reads a registry reads a file — every manifest and config verified against
//! its digest by the walk itself, nothing uploaded anywhere. No I/O: the face reads the archive
//! at offsets through [`ReadAt`].
//!
//! - An OCI image layout (`skopeo copy … oci-archive:`, `docker save` from Docker 25 on): each
//!   entry of `index.json` is an image, named by its `io.containerd.image.name` annotation (what
//!   Docker and containerd write) or its `org.opencontainers.image.ref.name`; manifests of the
//!   entries that carry a `subject` answer the referrers API (as `oras copy --to-oci-layout -r`
//!   and `cosign save` keep them).
//! - The older `docker save` format keeps no manifests at all (`manifest.json` names a config
//!   file and layer files). Each image's manifest is rebuilt, as Docker's own `docker load` and
//!   `docker push` would describe it before compressing: the config by the digest its file is
//!   named by, each layer file as an uncompressed tar by the config's diff_id for it. Its digest
//!   is of Fathom's making, and [`ArchiveImage::rebuilt`] says so.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

use super::{layer_digest, named_digest, ArchiveIndex, DockerImage, Member, ReadAt};
use crate::config::ImageConfig;
use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::finding::{Code, Finding};
use crate::layout::REF_NAME_ANNOTATION;
use crate::media_type as mt;
use crate::reference::Reference;
use crate::registry::request::{MAX_CONFIG, MAX_MANIFEST};
use crate::registry::{HttpRequest, HttpResponse, Method, TransportError};

/// The annotation Docker (25 on) and containerd write with an image's full name.
pub const IMAGE_NAME_ANNOTATION: &str = "io.containerd.image.name";

/// One image the archive holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveImage {
    /// The reference a walk of it starts from: its name, and its digest
    /// (`docker.io/library/alpine:3.19@sha256:…`).
    pub reference: String,
    /// Its media type (an index, a manifest).
    pub media_type: String,
    /// Whether its manifest was rebuilt from the older `docker save` format's `manifest.json`:
    /// no registry serves that digest.
    pub rebuilt: bool,
}

/// Where a blob's bytes come from.
#[derive(Debug, Clone)]
enum Blob {
    /// A member of the archive.
    Member(Member),
    /// Bytes made here (a rebuilt manifest, the referrers index).
    Made(Vec<u8>),
}

/// An archive read as a registry.
pub struct ArchiveRegistry<R: ReadAt> {
    index: ArchiveIndex,
    bytes: R,
    images: Vec<ArchiveImage>,
    /// Blobs not under `blobs/<algorithm>/<encoded>`: docker save's files, rebuilt manifests.
    named: BTreeMap<Digest, Blob>,
    /// Each subject's referrers, as the referrers API lists them.
    referrers: BTreeMap<Digest, Vec<Descriptor>>,
    /// What the archive is called (its file's name).
    title: String,
    /// What was wrong with the archive, and what a reader should know of it.
    pub findings: Vec<Finding>,
}

/// `index.json` (the part read here).
#[derive(Deserialize)]
struct LayoutIndex {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

/// A manifest's fields that make it a referrer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Referrer {
    subject: Option<Descriptor>,
    artifact_type: Option<String>,
    config: Option<Descriptor>,
    annotations: Option<BTreeMap<String, String>>,
}

impl<R: ReadAt> ArchiveRegistry<R> {
    /// Reads the images `index` found in the archive `title` (its file's name), whose bytes
    /// `bytes` reads.
    pub fn open(index: ArchiveIndex, bytes: R, title: &str) -> ArchiveRegistry<R> {
        let mut registry = ArchiveRegistry {
            findings: index.findings.clone(),
            index,
            bytes,
            images: Vec::new(),
            named: BTreeMap::new(),
            referrers: BTreeMap::new(),
            title: title.to_owned(),
        };
        if registry.index.is_layout() {
            registry.read_layout();
        } else if registry.index.member("manifest.json").is_some() {
            registry.read_docker_save();
        } else {
            registry.findings.push(Finding::error(
                Code::LayoutIndexMissing,
                "",
                "neither index.json (an OCI image layout) nor manifest.json (docker save) is in the archive",
            ));
        }
        registry
    }

    /// The images, in the archive's order.
    pub fn images(&self) -> &[ArchiveImage] {
        &self.images
    }

    /// Where the blob `digest` lies in the archive (a layer, for a face to stream it).
    pub fn member(&self, digest: &Digest) -> Option<Member> {
        match self.named.get(digest) {
            Some(Blob::Member(member)) => Some(*member),
            Some(Blob::Made(_)) => None,
            None => self.index.blob(digest),
        }
    }

    /// The archive's bytes.
    pub fn bytes(&self) -> &R {
        &self.bytes
    }

    /// Answers `request` as a registry holding the archive's images would: a tag names an image
    /// of the path's repository; digests answer alike in every repository (an archive is one
    /// store). A `HEAD` of a blob reads none of it.
    pub fn answer(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = request.url.split_once("/v2/").map_or("", |(_, path)| path);
        let path = path.split(['?', '#']).next().unwrap_or(path);
        let mut parts = path.rsplitn(3, '/');
        let (last, kind, repository) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        let head = request.method == Method::Head;
        let response = match (kind, last) {
            (_, "") if path.is_empty() => HttpResponse::new(200, b"{}".to_vec()),
            ("manifests", reference) => self.manifest(repository, reference, head, request.max_body)?,
            ("blobs", digest) => match digest.parse::<Digest>() {
                Ok(digest) => self.blob(&digest, head, request.max_body)?,
                Err(_) => error(400, "DIGEST_INVALID", "invalid digest"),
            },
            ("referrers", digest) => match digest.parse::<Digest>() {
                Ok(digest) => self.referrers_of(&digest),
                Err(_) => error(400, "DIGEST_INVALID", "invalid digest"),
            },
            ("tags", "list") => {
                let mut tags: Vec<String> = self
                    .images
                    .iter()
                    .filter_map(|i| {
                        let parsed = Reference::parse(&i.reference).ok()?;
                        (parsed.repository() == repository).then(|| parsed.tag().map(str::to_owned))?
                    })
                    .collect();
                tags.sort();
                tags.dedup();
                json_response(&json!({ "name": repository, "tags": tags }), "application/json")
            }
            _ => error(404, "NAME_UNKNOWN", "no such endpoint in an archive"),
        };
        Ok(match head {
            true => HttpResponse {
                body: Vec::new(),
                ..response
            },
            false => response,
        })
    }

    /// A manifest by digest, or by the tag of an image of `repository`. A blob that is not a
    /// manifest (a config, a layer) is not one here either, as a registry keeps the two apart.
    fn manifest(
        &self,
        repository: &str,
        reference: &str,
        head: bool,
        max_body: u64,
    ) -> Result<HttpResponse, TransportError> {
        let unknown = || error(404, "MANIFEST_UNKNOWN", "manifest unknown to the archive");
        let digest = match reference.parse::<Digest>() {
            Ok(digest) => Some(digest),
            Err(_) => self.images.iter().find_map(|image| {
                let parsed = Reference::parse(&image.reference).ok()?;
                (parsed.repository() == repository && parsed.tag() == Some(reference))
                    .then(|| parsed.digest().cloned())
                    .flatten()
            }),
        };
        let Some(digest) = digest else { return Ok(unknown()) };
        // A `HEAD` reads the manifest too (its media type is inside), whatever the body limit.
        let limit = if head { MAX_MANIFEST } else { max_body };
        let body = match self.named.get(&digest) {
            Some(Blob::Made(bytes)) => bytes.clone(),
            Some(Blob::Member(member)) if member.size <= MAX_MANIFEST => self.read(*member, limit)?,
            Some(Blob::Member(_)) => return Ok(unknown()),
            None => match self.index.blob(&digest) {
                Some(member) if member.size <= MAX_MANIFEST => self.read(member, limit)?,
                _ => return Ok(unknown()),
            },
        };
        // A registry answers with the media type the manifest was pushed as; the manifest's own
        // `mediaType` field says it (distribution's manifest handler reads it the same way).
        let Some(value) = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .filter(|v| v.get("schemaVersion").is_some())
        else {
            return Ok(unknown());
        };
        let media_type = match value.get("mediaType").and_then(|m| m.as_str()) {
            Some(declared) => declared.to_owned(),
            None if value.get("manifests").is_some() => mt::OCI_INDEX.to_owned(),
            None => mt::OCI_MANIFEST.to_owned(),
        };
        Ok(found(&digest, body.len() as u64, Some(body)).with_header("Content-Type", media_type))
    }

    /// A blob: its bytes (at most `max_body`), or for a `HEAD` its length alone.
    fn blob(&self, digest: &Digest, head: bool, max_body: u64) -> Result<HttpResponse, TransportError> {
        let member = match self.named.get(digest) {
            Some(Blob::Made(bytes)) => {
                let made = found(digest, bytes.len() as u64, (!head).then(|| bytes.clone()));
                return Ok(made.with_header("Content-Type", "application/octet-stream"));
            }
            Some(Blob::Member(member)) => Some(*member),
            None => self.index.blob(digest),
        };
        let Some(member) = member else {
            return Ok(error(404, "BLOB_UNKNOWN", "blob unknown to the archive"));
        };
        let body = if head { None } else { Some(self.read(member, max_body)?) };
        let length = member.size;
        Ok(found(digest, length, body).with_header("Content-Type", "application/octet-stream"))
    }

    fn read(&self, member: Member, max_body: u64) -> Result<Vec<u8>, TransportError> {
        if member.size > max_body {
            return Err(TransportError::TooLarge { limit: max_body });
        }
        self.bytes
            .read_at(member.offset, member.size)
            .map_err(|e| TransportError::Other(format!("the archive {} cannot be read: {e}", self.title)))
    }

    /// The referrers API's answer: an OCI index of the manifests whose subject is `digest`.
    fn referrers_of(&self, digest: &Digest) -> HttpResponse {
        let manifests = self.referrers.get(digest).cloned().unwrap_or_default();
        let index = json!({ "schemaVersion": 2, "mediaType": mt::OCI_INDEX, "manifests": manifests });
        json_response(&index, mt::OCI_INDEX)
    }

    /// The images of an OCI layout: `index.json`'s entries; its manifests with a subject are
    /// referrers.
    fn read_layout(&mut self) {
        let Some(index) = self.json::<LayoutIndex>("index.json") else {
            return;
        };
        let entries = index.manifests;
        for (i, entry) in entries.iter().enumerate() {
            let Ok(digest) = entry.digest.parse::<Digest>() else {
                let message = format!("index.json's entry {i} has an invalid digest {:?}", entry.digest);
                self.findings.push(Finding::error(
                    Code::DigestInvalid,
                    format!("index.json#/manifests/{i}"),
                    message,
                ));
                continue;
            };
            let media_type = entry
                .media_type
                .as_ref()
                .map_or(mt::OCI_MANIFEST.to_owned(), |m| m.to_string());
            let annotation = |key: &str| entry.annotations.as_ref().and_then(|a| a.get(key)).cloned();
            if let Some((subject, referrer)) = self.referrer(entry, &digest, &media_type) {
                self.referrers.entry(subject).or_default().push(referrer);
                // A referrer is an image of the archive's only when it is named.
                if annotation(IMAGE_NAME_ANNOTATION).is_none() && annotation(REF_NAME_ANNOTATION).is_none() {
                    continue;
                }
            }
            let name = self.name_of(annotation(IMAGE_NAME_ANNOTATION), annotation(REF_NAME_ANNOTATION));
            self.images.push(ArchiveImage {
                reference: format!("{name}@{digest}"),
                media_type,
                rebuilt: false,
            });
        }
    }

    /// The entry as a referrer (its subject, its descriptor as the referrers API lists it), when
    /// it is a manifest with a subject.
    fn referrer(&self, entry: &Descriptor, digest: &Digest, media_type: &str) -> Option<(Digest, Descriptor)> {
        if media_type == mt::OCI_INDEX || media_type == mt::DOCKER_MANIFEST_LIST {
            return None;
        }
        let member = self.index.blob(digest).filter(|m| m.size <= MAX_MANIFEST)?;
        let bytes = self.bytes.read_at(member.offset, member.size).ok()?;
        let manifest: Referrer = serde_json::from_slice(&bytes).ok()?;
        let subject = manifest.subject?.digest.parse().ok()?;
        let artifact_type = manifest
            .artifact_type
            .or_else(|| Some(manifest.config?.media_type?.to_string()));
        let listed = Descriptor {
            artifact_type,
            annotations: manifest.annotations,
            ..entry.clone()
        };
        Some((subject, listed))
    }

    /// An image's name: Docker's and containerd's full name; a `ref.name` that is a whole
    /// reference (skopeo keeps what it was given); else the archive's own name, with `ref.name`
    /// as its tag. Local names go under `localhost/`, as Podman names the images it builds.
    fn name_of(&self, full: Option<String>, ref_name: Option<String>) -> String {
        // A whole reference's name and tag (a digest it carries is the entry's own, kept apart).
        let whole = |name: &str| {
            let parsed = Reference::parse(name).ok()?;
            let named = name.contains('/') || parsed.tag().is_some();
            named.then(|| name.split('@').next().unwrap_or(name).to_owned())
        };
        if let Some(name) = full.as_deref().and_then(whole) {
            return name;
        }
        if let Some(name) = ref_name.as_deref().filter(|n| n.contains(['/', ':'])).and_then(whole) {
            return name;
        }
        let stem = [".tar.gz", ".tgz", ".tar", ".oci"]
            .iter()
            .find_map(|ext| self.title.strip_suffix(ext))
            .unwrap_or(&self.title);
        let repository: String = stem
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .trim_matches('-')
            .to_owned();
        let repository = if repository.is_empty() {
            "archive".to_owned()
        } else {
            repository
        };
        match ref_name.filter(|tag| Reference::parse(&format!("localhost/{repository}:{tag}")).is_ok()) {
            Some(tag) => format!("localhost/{repository}:{tag}"),
            None => format!("localhost/{repository}"),
        }
    }

    /// The member `name` parsed as JSON; what kept it from being read is a finding.
    fn json<T: serde::de::DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        let parsed = match self.index.member(name) {
            Some(member) if member.size > MAX_MANIFEST => Err(format!("{} bytes, over {MAX_MANIFEST}", member.size)),
            Some(member) => self
                .bytes
                .read_at(member.offset, member.size)
                .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string())),
            None => Err("it is not in the archive".to_owned()),
        };
        parsed
            .map_err(|e| {
                let message = format!("{name} cannot be read: {e}");
                self.findings.push(Finding::error(Code::InvalidJson, name, message));
            })
            .ok()
    }

    /// The images of the older `docker save` format, each manifest rebuilt.
    fn read_docker_save(&mut self) {
        let Some(images) = self.json::<Vec<DockerImage>>("manifest.json") else {
            return;
        };
        for (i, image) in images.iter().enumerate() {
            let path = format!("manifest.json#/{i}");
            if let Err(finding) = self.rebuild(image, &path) {
                self.findings.push(finding);
            }
        }
        if !self.images.is_empty() {
            self.findings.push(Finding::info(
                Code::ArchiveRebuilt,
                "manifest.json",
                "this is the older docker save format, which keeps no manifests: each image's manifest \
                 is rebuilt from manifest.json (config by the digest its file is named by, layers as \
                 uncompressed tars by their diff_ids), so its digest is not one a registry serves",
            ));
        }
    }

    /// Rebuilds one image's manifest (`path` points into `manifest.json`), and names its files
    /// by digest.
    fn rebuild(&mut self, image: &DockerImage, path: &str) -> Result<(), Finding> {
        let missing = |what: &str| Finding::error(Code::BlobMissing, path, format!("{what} is not in the archive"));
        let config = self
            .index
            .member(&image.config)
            .ok_or_else(|| missing(&format!("its config {}", image.config)))?;
        if config.size > MAX_CONFIG {
            let message = format!(
                "its config {} has {} bytes, over {MAX_CONFIG}",
                image.config, config.size
            );
            return Err(Finding::error(Code::LayoutUnreadable, path, message));
        }
        let bytes = self
            .bytes
            .read_at(config.offset, config.size)
            .map_err(|e| Finding::error(Code::LayoutUnreadable, path, e))?;
        let parsed = serde_json::from_slice::<ImageConfig>(&bytes)
            .map_err(|e| Finding::error(Code::InvalidJson, path, format!("its config {}: {e}", image.config)))?;
        let diff_ids = parsed.rootfs.map(|r| r.diff_ids).unwrap_or_default();
        // The file's name is the digest it should have. A config not so named can only be named by
        // what it hashes to — nothing then checks it, and the warning says so.
        let config_digest = match named_digest(&image.config) {
            Some(digest) => digest,
            None => {
                let message = format!(
                    "its config {} is not named by its digest: nothing checks it, nor the diff_ids its layers are checked against",
                    image.config
                );
                self.findings
                    .push(Finding::warning(Code::ArchiveConfigUnnamed, path, message));
                Digest::sha256(&bytes)
            }
        };
        self.named.insert(config_digest.clone(), Blob::Member(config));
        let mut layers = Vec::new();
        for (j, file) in image.layers.iter().enumerate() {
            let member = self
                .index
                .member(file)
                .ok_or_else(|| missing(&format!("its layer {file}")))?;
            let digest = layer_digest(&diff_ids, j, file).ok_or_else(|| {
                Finding::error(
                    Code::InvalidField,
                    path,
                    format!("its layer {file} has no diff_id in the config"),
                )
            })?;
            self.named.insert(digest.clone(), Blob::Member(member));
            layers
                .push(json!({ "mediaType": mt::DOCKER_LAYER_TAR, "size": member.size, "digest": digest.to_string() }));
        }
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": mt::DOCKER_MANIFEST,
            "config": { "mediaType": mt::DOCKER_CONFIG, "size": config.size, "digest": config_digest.to_string() },
            "layers": layers,
        });
        let manifest = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        let digest = Digest::sha256(&manifest);
        self.named.insert(digest.clone(), Blob::Made(manifest));
        let name = self.name_of(image.repo_tags.first().cloned(), None);
        self.images.push(ArchiveImage {
            reference: format!("{name}@{digest}"),
            media_type: mt::DOCKER_MANIFEST.to_owned(),
            rebuilt: true,
        });
        Ok(())
    }
}

/// A JSON body with its content type.
fn json_response(value: &serde_json::Value, content_type: &str) -> HttpResponse {
    HttpResponse::new(200, value.to_string().into_bytes()).with_header("Content-Type", content_type)
}

/// A 200 for `digest`: its length, and its body unless it is a `HEAD`'s.
fn found(digest: &Digest, length: u64, body: Option<Vec<u8>>) -> HttpResponse {
    HttpResponse::new(200, body.unwrap_or_default())
        .with_header("Docker-Content-Digest", digest.to_string())
        .with_header("Content-Length", length.to_string())
}

/// An error status with the distribution spec's error body.
fn error(status: u16, code: &str, message: &str) -> HttpResponse {
    let body = json!({ "errors": [{ "code": code, "message": message }] });
    HttpResponse::new(status, body.to_string().into_bytes()).with_header("Content-Type", "application/json")
}

#[cfg(test)]
mod tests;
