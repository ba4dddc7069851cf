//! An image archive — an OCI image layout in a tar, as `skopeo copy … oci-archive:`, `podman
//! save --format oci-archive` and `docker save` (Docker 25 and later) write it — read without
//! unpacking it: the archive's bytes are fed in chunks as they are read (the layer reader's tar
//! parser, [`TarStream`]), and what is kept is where each member's bytes lie. A face with random
//! access to the archive (a file on disk, a browser's `File`) then reads a member by its offset,
//! through [`ArchiveLayout`], which the layout walk ([`crate::layout::walk`]) reads like a
//! directory. No I/O.
//!
//! The older `docker save` format (a `manifest.json` naming configs and `layer.tar` files, no
//! `index.json`) holds no manifests to verify against: [`ArchiveIndex::is_layout`] tells it apart.

use std::collections::BTreeMap;

use crate::digest::Digest;
use crate::finding::{Code, Finding};
use crate::layer::{EntryKind, TarStream};
use crate::layout::BlobSource;

/// Where a member's bytes lie in the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// The offset of its first byte.
    pub offset: u64,
    /// Its size.
    pub size: u64,
}

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
        for (entry, offset) in entries.iter().zip(offsets) {
            if entry.kind == EntryKind::File && offset + entry.size <= self.read {
                members.insert(
                    entry.path.clone(),
                    Member {
                        offset,
                        size: entry.size,
                    },
                );
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
    /// `len` bytes from `offset`.
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

#[cfg(test)]
mod tests;
