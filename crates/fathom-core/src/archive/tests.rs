use std::path::{Path, PathBuf};

use super::*;
use crate::layout::{walk, LayoutReport};

/// A corpus layout on disk (e.g. containerd's export of stereoscope's multi-platform image).
pub(crate) fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/corpus/layouts")
        .join(name)
}

/// The layout's files in a tar, as `tar -C DIR -cf - .` writes them (with `./` names).
pub(crate) fn archive_of(dir: &Path) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.append_dir_all(".", dir).unwrap();
    builder.into_inner().unwrap()
}

impl ReadAt for &[u8] {
    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, String> {
        let (start, end) = (offset as usize, (offset + len) as usize);
        self.get(start..end)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| format!("no bytes {start}..{end}"))
    }
}

/// The same layout read from its directory.
struct Dir(PathBuf);

impl BlobSource for Dir {
    fn file(&self, name: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(std::fs::read(self.0.join(name)).ok())
    }
    fn blob(&self, digest: &Digest) -> Result<Option<Vec<u8>>, String> {
        Ok(std::fs::read(self.0.join("blobs").join(digest.algorithm().name()).join(digest.hex())).ok())
    }
    fn blob_names(&self) -> Result<Vec<String>, String> {
        let mut names: Vec<String> = std::fs::read_dir(self.0.join("blobs/sha256"))
            .unwrap()
            .map(|e| format!("sha256:{}", e.unwrap().file_name().to_string_lossy()))
            .collect();
        names.sort();
        Ok(names)
    }
}

fn index(bytes: &[u8], chunk: usize) -> ArchiveIndex {
    let mut indexer = ArchiveIndexer::new();
    for piece in bytes.chunks(chunk) {
        indexer.feed(piece);
    }
    indexer.finish()
}

fn summary(report: &LayoutReport) -> (usize, usize, usize, Vec<String>) {
    let codes = report.findings.iter().map(|f| f.code.to_string()).collect();
    (report.blobs_checked, report.blobs_verified, report.manifests, codes)
}

#[test]
fn an_archived_layout_reads_as_the_layout_itself_whatever_the_chunks() {
    let dir = corpus("stereoscope-multiplatform");
    let bytes = archive_of(&dir);
    let from_dir = walk(&Dir(dir));
    assert!(from_dir.blobs_verified > 4, "{from_dir:?}");
    for chunk in [1, 511, 4096, 1 << 20] {
        let index = index(&bytes, chunk);
        assert!(index.findings.is_empty(), "{:?}", index.findings);
        assert!(index.is_layout());
        let from_archive = walk(&ArchiveLayout::new(&index, bytes.as_slice()));
        assert_eq!(summary(&from_archive), summary(&from_dir), "chunk {chunk}");
    }
}

#[test]
fn a_cut_archive_is_truncated_and_keeps_only_whole_members() {
    let bytes = archive_of(&corpus("stereoscope-multiplatform"));
    let whole = index(&bytes, 4096);
    let last = whole.blob_names().len();
    let cut = index(&bytes[..bytes.len() / 2], 4096);
    assert_eq!(
        cut.findings.iter().map(|f| f.code.to_string()).collect::<Vec<_>>(),
        ["archive-truncated"]
    );
    assert!(cut.blob_names().len() < last);
    for name in cut.blob_names() {
        let digest: Digest = name.parse().unwrap();
        let member = cut.blob(&digest).unwrap();
        assert!(member.offset + member.size <= (bytes.len() / 2) as u64);
    }
}

#[test]
fn a_corrupt_header_is_named_and_a_tampered_blob_is_a_digest_mismatch() {
    let dir = corpus("stereoscope-multiplatform");
    let mut bytes = archive_of(&dir);
    // The first header's name, changed: its checksum no longer adds up.
    let mut corrupt = bytes.clone();
    corrupt[0] ^= 0x20;
    let index_of_corrupt = index(&corrupt, 512);
    assert_eq!(
        index_of_corrupt.findings[0].code,
        Code::ArchiveCorrupt,
        "{:?}",
        index_of_corrupt.findings
    );
    // One byte of a blob, changed: the walk finds the mismatch, as in a directory.
    let index = index(&bytes, 4096);
    let name = index.blob_names().into_iter().next().unwrap();
    let member = index.blob(&name.parse().unwrap()).unwrap();
    bytes[member.offset as usize] ^= 0x01;
    let report = walk(&ArchiveLayout::new(&index, bytes.as_slice()));
    assert!(
        report.findings.iter().any(|f| f.code == Code::DigestMismatch),
        "{:?}",
        report.findings
    );
}

/// A `docker save` archive (the format before Docker 25): manifest.json, a config named by its
/// digest, a layer named by its diff_id and linked from `<id>/layer.tar` as skopeo writes it.
pub(crate) fn docker_save(config_name: Option<&str>, layer_bytes: &[u8]) -> Vec<u8> {
    let layer = archive_of(&corpus("stereoscope-valid"));
    let diff_id = Digest::sha256(&layer);
    let config =
        format!(r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["{diff_id}"]}}}}"#);
    let config_name = config_name.map_or_else(
        || format!("{}.json", Digest::sha256(config.as_bytes()).hex()),
        str::to_owned,
    );
    let manifest = format!(r#"[{{"Config":"{config_name}","RepoTags":["x:1"],"Layers":["abc/layer.tar"]}}]"#);
    let mut builder = tar::Builder::new(Vec::new());
    let mut add = |name: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o444);
        header.set_cksum();
        builder.append_data(&mut header, name, bytes).unwrap();
    };
    add(&format!("{}.tar", diff_id.hex()), layer_bytes);
    add(&config_name, config.as_bytes());
    add("manifest.json", manifest.as_bytes());
    let mut link = tar::Header::new_ustar();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    builder
        .append_link(&mut link, "abc/layer.tar", format!("../{}.tar", diff_id.hex()))
        .unwrap();
    builder.into_inner().unwrap()
}

fn docker_codes(bytes: &[u8]) -> (usize, usize, Vec<String>) {
    let index = index(bytes, 4096);
    assert!(!index.is_layout());
    let report = walk_docker(&index, &bytes);
    let codes = report.findings.iter().map(|f| f.code.to_string()).collect();
    (report.blobs_checked, report.blobs_verified, codes)
}

#[test]
fn a_docker_save_archive_is_checked_by_names_and_diff_ids() {
    let layer = archive_of(&corpus("stereoscope-valid"));
    assert_eq!(docker_codes(&docker_save(None, &layer)), (2, 2, vec![]));
    let mut changed = layer.clone();
    changed[700] ^= 1;
    assert_eq!(
        docker_codes(&docker_save(None, &changed)),
        (2, 1, vec!["layer-diff-id-mismatch".to_owned()])
    );
    let misnamed = format!("{}.json", "0".repeat(64));
    assert_eq!(
        docker_codes(&docker_save(Some(&misnamed), &layer)),
        (2, 1, vec!["digest-mismatch".to_owned()])
    );
}
