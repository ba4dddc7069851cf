//! Walking an OCI image layout (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`), or a
//! containers/image `dir:` directory (`manifest.json`, `<hex>`): every blob
//! reachable from `index.json` is read, checked against its descriptor's digest and size with
//! [`Descriptor::verify`] (the same check the registry walk uses), parsed and linted.
//!
//! The walk does no I/O: the caller supplies a [`BlobSource`] that reads files.

use std::collections::{BTreeMap, VecDeque};

use crate::descriptor::{Descriptor, DescriptorMismatch};
use crate::digest::Digest;
use crate::finding::{Code, Finding, Severity};
use crate::manifest::{Document, Manifest};
use crate::media_type::{self as mt, Compression, Kind, MediaType};

/// The annotation that names a reference in a layout's `index.json`.
pub const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";

/// Reads the files of a layout. Implemented by each face (the CLI reads a directory).
pub trait BlobSource {
    /// The bytes of a top-level file (`oci-layout`, `index.json`), `Ok(None)` when absent.
    fn file(&self, name: &str) -> Result<Option<Vec<u8>>, String>;
    /// The bytes of a blob, `Ok(None)` when absent.
    fn blob(&self, digest: &Digest) -> Result<Option<Vec<u8>>, String>;
    /// Every blob file present, as `algorithm:hex`.
    fn blob_names(&self) -> Result<Vec<String>, String>;
}

/// What walking a layout found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct LayoutReport {
    /// Blobs read and checked.
    pub blobs_checked: usize,
    /// Blobs whose digest and size matched.
    pub blobs_verified: usize,
    /// Manifests and indexes parsed.
    pub manifests: usize,
    /// Findings; `path` is `file#pointer`.
    pub findings: Vec<Finding>,
}

impl LayoutReport {
    /// Whether any finding is an error.
    pub fn has_error(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Walks the layout that `source` reads.
pub fn walk(source: &dyn BlobSource) -> LayoutReport {
    let mut walk = Walk {
        source,
        report: LayoutReport::default(),
        seen: BTreeMap::new(),
        queue: VecDeque::new(),
    };
    walk.run();
    walk.report
}

struct Walk<'a> {
    source: &'a dyn BlobSource,
    report: LayoutReport,
    /// Blobs already read, with their actual length (cycle and duplicate guard).
    seen: BTreeMap<String, u64>,
    queue: VecDeque<(Descriptor, String)>,
}

impl Walk<'_> {
    fn push(&mut self, finding: Finding) {
        self.report.findings.push(finding);
    }

    fn run(&mut self) {
        // An OCI layout has index.json; containers/image's `dir:` transport has manifest.json.
        let root = match (self.source.file("index.json"), self.source.file("manifest.json")) {
            (Ok(Some(bytes)), _) => {
                self.check_layout_file();
                ("index.json", bytes)
            }
            (Ok(None), Ok(Some(bytes))) => ("manifest.json", bytes),
            (Err(e), _) | (_, Err(e)) => return self.push(Finding::error(Code::LayoutUnreadable, "index.json", e)),
            (Ok(None), Ok(None)) => {
                return self.push(Finding::error(
                    Code::LayoutIndexMissing,
                    "index.json",
                    "neither index.json (OCI layout) nor manifest.json (dir transport) is present",
                ))
            }
        };
        let (file, bytes) = root;
        let Some(doc) = self.parse(file, &bytes, None) else {
            return;
        };
        if file == "manifest.json" {
            self.report.manifests += 1;
        }
        self.check_ref_names(&doc);
        self.enqueue_children(&doc, file);
        while let Some((descriptor, at)) = self.queue.pop_front() {
            self.visit(&descriptor, &at);
        }
        self.check_unreferenced();
    }

    fn check_layout_file(&mut self) {
        match self.source.file("oci-layout") {
            Ok(Some(bytes)) => {
                let version = serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .and_then(|v| v.get("imageLayoutVersion")?.as_str().map(str::to_owned));
                if version.is_none() {
                    self.push(Finding::error(
                        Code::LayoutVersionInvalid,
                        "oci-layout",
                        "oci-layout must be JSON with an imageLayoutVersion",
                    ));
                }
            }
            Ok(None) => self.push(Finding::warning(
                Code::LayoutVersionMissing,
                "oci-layout",
                "the layout has no oci-layout file",
            )),
            Err(e) => self.push(Finding::error(Code::LayoutUnreadable, "oci-layout", e)),
        }
    }

    fn parse(&mut self, file: &str, bytes: &[u8], content_type: Option<&str>) -> Option<Document> {
        match Document::parse(bytes, content_type) {
            Ok(doc) => {
                let prefix = format!("{file}#");
                for finding in &doc.findings {
                    self.report.findings.push(finding.clone().under(&prefix));
                }
                Some(doc)
            }
            Err(e) => {
                self.push(Finding::error(e.code(), file, e.to_string()));
                None
            }
        }
    }

    fn check_ref_names(&mut self, index: &Document) {
        let Some(manifest) = index.manifest() else { return };
        let mut names: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
        for (i, entry) in manifest.manifests().iter().enumerate() {
            let Some(name) = entry.annotation(REF_NAME_ANNOTATION) else {
                continue;
            };
            match names.get(name) {
                Some((first, digest)) if *digest != entry.digest => self.push(Finding::warning(
                    Code::LayoutDuplicateRefName,
                    format!("index.json#/manifests/{i}/annotations"),
                    format!("ref name {name:?} also names entry {first} ({digest}), a different manifest"),
                )),
                Some(_) => {}
                None => {
                    names.insert(name, (i, entry.digest.as_str()));
                }
            }
        }
    }

    fn enqueue_children(&mut self, doc: &Document, file: &str) {
        let Some(manifest) = doc.manifest() else { return };
        if let Some(config) = manifest.config() {
            self.queue.push_back((config.clone(), format!("{file}#/config")));
        }
        for (i, d) in manifest.manifests().iter().enumerate() {
            self.queue.push_back((d.clone(), format!("{file}#/manifests/{i}")));
        }
        let layers_key = if matches!(manifest, Manifest::Artifact(_)) {
            "blobs"
        } else {
            "layers"
        };
        for (i, d) in manifest.layers().iter().enumerate() {
            self.queue.push_back((d.clone(), format!("{file}#/{layers_key}/{i}")));
        }
        if let Some(subject) = manifest.subject() {
            self.check_subject(subject, &format!("{file}#/subject"));
        }
    }

    fn check_subject(&mut self, subject: &Descriptor, at: &str) {
        let Ok(digest) = subject.digest() else { return };
        if matches!(self.source.blob(&digest), Ok(None)) {
            self.push(Finding::info(
                Code::SubjectMissing,
                at,
                format!("subject {digest} is not in this layout (it may live elsewhere)"),
            ));
        }
    }

    fn visit(&mut self, descriptor: &Descriptor, at: &str) {
        let Ok(digest) = descriptor.digest() else { return };
        if let Some(&actual) = self.seen.get(digest.as_str()) {
            // Already read and walked: only this descriptor's size remains to check.
            if let Some(size) = descriptor.size().filter(|&size| size != actual) {
                let m = crate::digest::Mismatch::Size { expected: size, actual };
                self.push(Finding::error(m.code(), at, format!("{digest}: {m}")));
            }
            return;
        }
        let bytes = match self.source.blob(&digest) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return self.missing(descriptor, &digest, at),
            Err(e) => return self.push(Finding::error(Code::LayoutUnreadable, at, e)),
        };
        self.seen.insert(digest.as_str().to_owned(), bytes.len() as u64);
        self.report.blobs_checked += 1;
        let file = format!("blobs/{}/{}", digest.algorithm(), digest.hex());
        match descriptor.verify(&bytes) {
            Ok(_) => self.report.blobs_verified += 1,
            Err(DescriptorMismatch::Bytes(m)) => self.push(Finding::error(m.code(), at, format!("{file}: {m}"))),
            Err(DescriptorMismatch::Unverifiable(e)) => self.push(Finding::warning(e.code(), at, e.to_string())),
        }
        let media_type = descriptor.media_type.clone().unwrap_or_else(|| MediaType::new(""));
        match media_type.kind() {
            Kind::Index | Kind::Manifest | Kind::Schema1 | Kind::ArtifactManifest => {
                self.visit_manifest(&media_type, &bytes, &file, at)
            }
            _ if media_type.as_str() == mt::OCI_DESCRIPTOR => self.visit_manifest(&media_type, &bytes, &file, at),
            Kind::Config if bytes.trim_ascii() == b"{}" => self.push(Finding::warning(
                Code::ConfigEmptyJson,
                at,
                format!(
                    "the config is {{}} under {media_type} (an artifact pushed the OCI 1.0 way); nothing can run it"
                ),
            )),
            Kind::Config => {
                self.parse(&file, &bytes, Some(media_type.as_str()));
            }
            Kind::Layer => self.check_layer_bytes(&media_type, &bytes, at),
            _ => {}
        }
    }

    fn visit_manifest(&mut self, declared: &MediaType, bytes: &[u8], file: &str, at: &str) {
        let Some(doc) = self.parse(file, bytes, None) else {
            return;
        };
        self.report.manifests += 1;
        let actual = doc.media_type();
        if actual.is_some_and(|actual| actual != declared.as_str()) {
            self.push(Finding::warning(
                Code::DescriptorTypeMismatch,
                format!("{at}/mediaType"),
                format!(
                    "descriptor says {} but the blob is a {}",
                    declared,
                    actual.unwrap_or_default()
                ),
            ));
        }
        self.enqueue_children(&doc, file);
    }

    fn missing(&mut self, descriptor: &Descriptor, digest: &Digest, at: &str) {
        let media_type = descriptor.media_type.clone().unwrap_or_else(|| MediaType::new(""));
        if media_type.is_foreign_layer() || descriptor.urls.is_some() {
            self.push(Finding::info(
                Code::BlobMissingForeign,
                at,
                format!("{digest} is not in the layout; it is a non-distributable layer fetched from its urls"),
            ));
        } else {
            self.push(Finding::error(
                Code::BlobMissing,
                at,
                format!("{digest} is referenced but not in the layout"),
            ));
        }
    }

    fn check_layer_bytes(&mut self, media_type: &MediaType, bytes: &[u8], at: &str) {
        if media_type.is_encrypted() {
            return;
        }
        let Some(declared) = media_type.compression() else {
            return;
        };
        let actual = sniff(bytes);
        if actual != Some(declared) {
            let found = match actual {
                Some(Compression::Gzip) => "gzip data",
                Some(Compression::Zstd) => "zstd data",
                Some(Compression::None) => "an uncompressed tar",
                None => "neither a tar archive nor gzip/zstd data",
            };
            self.push(Finding::warning(
                Code::LayerCompressionMismatch,
                format!("{at}/mediaType"),
                format!("declared {media_type}, but the blob is {found}"),
            ));
        }
    }

    fn check_unreferenced(&mut self) {
        let Ok(names) = self.source.blob_names() else { return };
        for name in names {
            if !self.seen.contains_key(&name) {
                self.push(Finding::info(
                    Code::BlobUnreferenced,
                    format!("blobs/{}", name.replacen(':', "/", 1)),
                    "blob is not reachable from index.json",
                ));
            }
        }
    }
}

/// What the first bytes of a layer say it is.
fn sniff(bytes: &[u8]) -> Option<Compression> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        Some(Compression::Gzip)
    } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Compression::Zstd)
    } else if bytes.get(257..262) == Some(b"ustar")
        || (bytes.len() >= 1024 && bytes.len() % 512 == 0 && bytes[..512].iter().all(|&b| b == 0))
    {
        Some(Compression::None)
    } else {
        None
    }
}
