//! An image archive — an OCI image layout in a tar, as `skopeo copy … oci-archive:`, `podman
//! save --format oci-archive` and `docker save` (Docker 25 and later) write it — read without
//! unpacking it: the archive's bytes are fed in chunks as they are read (the layer reader's tar
//! parser, [`TarStream`]), and what is kept is where each member's bytes lie. A face with random
//! access to the archive (a file on disk, a browser's `File`) then reads a member by its offset,
//! through [`ArchiveLayout`], which the layout walk ([`crate::layout::walk`]) reads like a
//! directory. No I/O.
//!
//! The older `docker save` format (a `manifest.json` naming each image's config and layer files,
//! no `index.json`; Docker before 25, `skopeo copy … docker-archive:`) holds no manifests: what
//! [`walk_docker`] verifies is what it does hold — each config against the digest its file is
//! named by, each layer against the config's `rootfs.diff_ids`.

use std::collections::BTreeMap;

use crate::config::ImageConfig;
use crate::digest::{Algorithm, Digest, Hasher};
use crate::finding::{Code, Finding};
use crate::layer::{EntryKind, TarStream};
use crate::layout::{BlobSource, LayoutReport};
use crate::registry::request::{MAX_CONFIG, MAX_MANIFEST};

/// Where a member's bytes lie in the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// The offset of its first byte.
    pub offset: u64,
    /// Its size.
    pub size: u64,
}

/// How much [`ArchiveIndexer::index`] reads where it cannot skip: a tar header block.
const HEADER_READ: u64 = 512;

/// Reads an archive's tar headers as its bytes arrive ([`ArchiveIndexer::feed`]).
#[derive(Debug, Default)]
pub struct ArchiveIndexer {
    tar: TarStream,
    failed: Option<Finding>,
    read: u64,
}

impl ArchiveIndexer {
    /// An indexer at the archive's first byte.
    pub fn new() -> ArchiveIndexer {
        ArchiveIndexer::default()
    }

    /// Indexes the `size` bytes `bytes` reads, reading only the tar headers (and extension
    /// records): each member's bytes are skipped unread, so an archive of gigabytes is indexed
    /// in as many small reads as it has members. It finds what [`feed`](ArchiveIndexer::feed)ing
    /// every byte would.
    pub fn index(bytes: &dyn ReadAt, size: u64) -> ArchiveIndex {
        let mut indexer = ArchiveIndexer::new();
        while indexer.read < size && indexer.failed.is_none() && !indexer.tar.ended() {
            let skip = indexer.tar.skippable().min(size - indexer.read);
            if skip > 0 {
                indexer.tar.skip(skip);
                indexer.read += skip;
                continue;
            }
            let len = HEADER_READ.min(size - indexer.read);
            match bytes.read_at(indexer.read, len) {
                Ok(chunk) if chunk.len() as u64 == len => indexer.feed(&chunk),
                Ok(chunk) => {
                    let message = format!("{} bytes read at {}, not {len}", chunk.len(), indexer.read);
                    indexer.failed = Some(Finding::error(Code::LayoutUnreadable, "", message));
                }
                Err(e) => indexer.failed = Some(Finding::error(Code::LayoutUnreadable, "", e)),
            }
        }
        indexer.finish()
    }

    /// The next bytes of the archive, in order.
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        self.read += chunk.len() as u64;
        if let Err(finding) = self.tar.feed(chunk) {
            self.failed = Some(Finding::error(Code::ArchiveCorrupt, "", finding.message));
        }
    }

    /// Every regular file of the archive and where it lies (the last one of a name, as extraction
    /// leaves it), and what was wrong.
    pub fn finish(self) -> ArchiveIndex {
        let offsets = self.tar.data_offsets().to_vec();
        let (entries, findings, ended) = self.tar.finish();
        let mut members = BTreeMap::new();
        let mut links = BTreeMap::new();
        for (entry, offset) in entries.iter().zip(offsets) {
            match (entry.kind, &entry.link) {
                // Whole members only (a size that overflows is not whole).
                (EntryKind::File, _) if offset.checked_add(entry.size).is_some_and(|end| end <= self.read) => {
                    let member = Member {
                        offset,
                        size: entry.size,
                    };
                    members.insert(entry.path.clone(), member);
                }
                // skopeo's docker-archive names a layer twice: `<id>/layer.tar -> ../<hex>.tar`.
                (EntryKind::Symlink, Some(target)) => {
                    let dir = entry.path.rsplit_once('/').map_or("", |(dir, _)| dir);
                    links.insert(entry.path.clone(), resolve(dir, target));
                }
                _ => {}
            }
        }
        for (link, target) in links {
            if let Some(member) = members.get(&target).copied() {
                members.entry(link).or_insert(member);
            }
        }
        // The tar parser's own findings (a path that leaves the root, a sparse file) stand.
        let mut findings = findings;
        match self.failed {
            Some(failed) => findings.push(failed),
            None if !ended => findings.push(Finding::error(
                Code::ArchiveTruncated,
                "",
                format!("the archive ends after {} bytes, inside its tar archive", self.read),
            )),
            None => {}
        }
        ArchiveIndex { members, findings }
    }
}

/// `target` of a link in `dir`, as a path from the archive's root (`..` stops at the root).
fn resolve(dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join("/")
}

/// What an archive holds, and where.
#[derive(Debug, Clone, Default)]
pub struct ArchiveIndex {
    members: BTreeMap<String, Member>,
    /// What was wrong with the archive itself (a corrupt header, an end too early).
    pub findings: Vec<Finding>,
}

impl ArchiveIndex {
    /// The member at `name` (as the archive names it, `./` or not).
    pub fn member(&self, name: &str) -> Option<Member> {
        self.members.get(name.trim_start_matches("./")).copied()
    }

    /// The blob named by `digest` (`blobs/<algorithm>/<encoded>`).
    pub fn blob(&self, digest: &Digest) -> Option<Member> {
        self.member(&format!("blobs/{}/{}", digest.algorithm().name(), digest.hex()))
    }

    /// Whether it is an OCI image layout (`index.json` at its root).
    pub fn is_layout(&self) -> bool {
        self.members.contains_key("index.json")
    }

    /// Every blob it holds, as `algorithm:encoded`.
    pub fn blob_names(&self) -> Vec<String> {
        self.members
            .keys()
            .filter_map(|name| {
                let (algorithm, encoded) = name.strip_prefix("blobs/")?.split_once('/')?;
                (!encoded.contains('/')).then(|| format!("{algorithm}:{encoded}"))
            })
            .collect()
    }
}

/// Random access to an archive's bytes: what a face provides.
pub trait ReadAt {
    /// Exactly `len` bytes from `offset`, or why not (a file shorter than that is an error).
    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, String>;
}

/// The OCI layout inside an archive, read member by member through `R`.
pub struct ArchiveLayout<'a, R: ReadAt> {
    index: &'a ArchiveIndex,
    bytes: R,
}

impl<'a, R: ReadAt> ArchiveLayout<'a, R> {
    /// The layout `index` found, read from `bytes`.
    pub fn new(index: &'a ArchiveIndex, bytes: R) -> ArchiveLayout<'a, R> {
        ArchiveLayout { index, bytes }
    }

    fn read(&self, member: Option<Member>) -> Result<Option<Vec<u8>>, String> {
        member.map(|m| self.bytes.read_at(m.offset, m.size)).transpose()
    }
}

impl<R: ReadAt> BlobSource for ArchiveLayout<'_, R> {
    fn file(&self, name: &str) -> Result<Option<Vec<u8>>, String> {
        self.read(self.index.member(name))
    }

    fn blob(&self, digest: &Digest) -> Result<Option<Vec<u8>>, String> {
        self.read(self.index.blob(digest))
    }

    fn blob_names(&self) -> Result<Vec<String>, String> {
        Ok(self.index.blob_names())
    }
}

/// How much of a member is read at once when it is hashed.
const CHUNK: u64 = 1 << 20;

/// One image of a `docker save` archive's `manifest.json`.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerImage {
    config: String,
    #[serde(default)]
    repo_tags: Vec<String>,
    #[serde(default)]
    layers: Vec<String>,
}

/// Verifies what the older `docker save` format holds: each image's config hashes to the digest
/// its file is named by (`<hex>.json`, `blobs/sha256/<hex>`), and each layer file, read in chunks,
/// to the config's diff_id for it. Findings point into `manifest.json`.
pub fn walk_docker(index: &ArchiveIndex, bytes: &dyn ReadAt) -> LayoutReport {
    let mut report = LayoutReport {
        findings: index.findings.clone(),
        ..LayoutReport::default()
    };
    let manifest = match index.member("manifest.json").map(|m| match m.size {
        size if size > MAX_MANIFEST => Err(format!("manifest.json has {size} bytes, over {MAX_MANIFEST}")),
        _ => bytes.read_at(m.offset, m.size),
    }) {
        Some(Ok(manifest)) => manifest,
        Some(Err(e)) => {
            report
                .findings
                .push(Finding::error(Code::LayoutUnreadable, "manifest.json", e));
            return report;
        }
        None => {
            report.findings.push(Finding::error(
                Code::LayoutIndexMissing,
                "manifest.json",
                "neither index.json (an OCI layout) nor manifest.json (docker save) is in the archive",
            ));
            return report;
        }
    };
    let images: Vec<DockerImage> = match serde_json::from_slice(&manifest) {
        Ok(images) => images,
        Err(e) => {
            let message = format!("manifest.json: {e}");
            report
                .findings
                .push(Finding::error(Code::InvalidJson, "manifest.json", message));
            return report;
        }
    };
    for (i, image) in images.iter().enumerate() {
        report.manifests += 1;
        let path = format!("manifest.json#/{i}/Config");
        let diff_ids = check_config(index, bytes, &image.config, &path, &mut report);
        for (j, layer) in image.layers.iter().enumerate() {
            let path = format!("manifest.json#/{i}/Layers/{j}");
            let expected = layer_digest(&diff_ids, j, layer);
            let check = Check {
                name: layer,
                expected,
                path: &path,
                code: Code::LayerDiffIdMismatch,
            };
            check_member(index, bytes, &check, &mut report);
        }
    }
    report
}

/// What the layer file `file`, the `j`th of an image, should hash to: the config's diff_id for
/// it, else the digest its name gives it.
fn layer_digest(diff_ids: &[String], j: usize, file: &str) -> Option<Digest> {
    diff_ids
        .get(j)
        .and_then(|d| d.parse::<Digest>().ok())
        .or_else(|| named_digest(file))
}

/// The digest a member's name gives it (`<hex>.json`, `<hex>.tar`, `blobs/sha256/<hex>`).
fn named_digest(name: &str) -> Option<Digest> {
    let file = name.rsplit('/').next().unwrap_or(name);
    let stem = file.split('.').next().unwrap_or(file);
    let hex = stem.len() == 64 && stem.bytes().all(|b| b.is_ascii_hexdigit());
    hex.then(|| format!("sha256:{stem}").parse().ok()).flatten()
}

/// Checks a config; its diff_ids.
fn check_config(
    index: &ArchiveIndex,
    bytes: &dyn ReadAt,
    name: &str,
    path: &str,
    report: &mut LayoutReport,
) -> Vec<String> {
    let check = Check {
        name,
        expected: named_digest(name),
        path,
        code: Code::DigestMismatch,
    };
    check_member(index, bytes, &check, report);
    if check.expected.is_none() {
        let message = format!(
            "{name} is not named by its digest: nothing checks it, nor the diff_ids its layers are checked against"
        );
        report
            .findings
            .push(Finding::warning(Code::ArchiveConfigUnnamed, path, message));
    }
    let Some(member) = index.member(name).filter(|m| m.size <= MAX_CONFIG) else {
        return Vec::new();
    };
    let Ok(config) = bytes.read_at(member.offset, member.size) else {
        return Vec::new();
    };
    match serde_json::from_slice::<ImageConfig>(&config) {
        Ok(config) => config.rootfs.map(|r| r.diff_ids).unwrap_or_default(),
        Err(e) => {
            report
                .findings
                .push(Finding::error(Code::InvalidJson, path, format!("{name}: {e}")));
            Vec::new()
        }
    }
}

/// A member to hash, what it should hash to, and what a difference is.
struct Check<'a> {
    name: &'a str,
    expected: Option<Digest>,
    path: &'a str,
    code: Code,
}

/// Hashes a member in chunks and checks it.
fn check_member(index: &ArchiveIndex, bytes: &dyn ReadAt, check: &Check, report: &mut LayoutReport) {
    let Some(member) = index.member(check.name) else {
        let message = format!("{} is not in the archive", check.name);
        report
            .findings
            .push(Finding::error(Code::BlobMissing, check.path, message));
        return;
    };
    report.blobs_checked += 1;
    let mut hasher = Hasher::new(Algorithm::Sha256);
    let mut at = 0;
    while at < member.size {
        let len = CHUNK.min(member.size - at);
        match bytes.read_at(member.offset + at, len) {
            Ok(chunk) => hasher.update(&chunk),
            Err(e) => {
                report
                    .findings
                    .push(Finding::error(Code::LayoutUnreadable, check.path, e));
                return;
            }
        }
        at += len;
    }
    let actual = hasher.finish();
    match &check.expected {
        Some(expected) if *expected != actual => {
            let message = format!("{} hashes to {actual}, not to {expected}", check.name);
            report.findings.push(Finding::error(check.code, check.path, message));
        }
        Some(_) => report.blobs_verified += 1,
        None => {}
    }
}

pub mod registry;

#[cfg(test)]
mod tests;
