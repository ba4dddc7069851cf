//! Archives of real corpus layouts, walked by the same inspect that reads a registry.

use super::*;
use crate::archive::tests::{archive_of, corpus, docker_save};
use crate::archive::ArchiveIndexer;
use crate::inspect::{Inspect, Options};
use crate::registry::Remote;
use crate::report::Report;
use crate::testing;

/// The archive `bytes` (its file named `title`), indexed and read as a registry.
fn open<'a>(bytes: &'a [u8], title: &str) -> ArchiveRegistry<&'a [u8]> {
    let index = ArchiveIndexer::index(&bytes, bytes.len() as u64);
    ArchiveRegistry::open(index, bytes, title)
}

/// Inspects `image` of `registry` as the web page does: the walk's requests answered by the
/// archive.
fn inspect(registry: &ArchiveRegistry<&[u8]>, image: &ArchiveImage) -> Box<Report> {
    let reference = Reference::parse(&image.reference).unwrap();
    let remote = Remote::of(&reference).archive(&registry.title);
    let walk = Inspect::new(&image.reference, reference.clone(), &remote, Options::default());
    testing::run(walk, 64, |request| registry.answer(request)).unwrap()
}

#[test]
fn an_archived_layout_inspects_as_its_registry_would() {
    let bytes = archive_of(&corpus("stereoscope-multiplatform"));
    let registry = open(&bytes, "multi.tar");
    assert!(registry.findings.is_empty(), "{:?}", registry.findings);
    let images = registry.images();
    assert_eq!(images.len(), 1);
    let digest = "sha256:a1a8d08faa5fe3d2ccc0ba54874e39dede9a17120f883c5cb56f2fd9309067c8";
    assert_eq!(
        images[0].reference,
        format!("docker.io/library/multi-platform:latest@{digest}")
    );
    assert!(!images[0].rebuilt);
    let report = inspect(&registry, &images[0]);
    assert_eq!(report.digest.as_deref(), Some(digest));
    let platforms: Vec<String> = report
        .platforms
        .iter()
        .map(|p| p.platform.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
    assert!(report
        .platforms
        .iter()
        .all(|p| p.image.as_ref().is_some_and(|i| i.config_verified == Some(true))));
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.severity != crate::finding::Severity::Error),
        "{:?}",
        report.findings
    );
}

#[test]
fn a_changed_byte_in_an_archived_manifest_is_a_digest_mismatch() {
    let mut bytes = archive_of(&corpus("stereoscope-multiplatform"));
    let registry = open(&bytes, "multi.tar");
    // The index's `"schemaVersion":2` becomes 3: still JSON, another digest.
    let index_digest: Digest = registry.images()[0]
        .reference
        .rsplit('@')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let top = registry.member(&index_digest).unwrap();
    let at = top.offset as usize + bytes[top.offset as usize..].iter().position(|&b| b == b'2').unwrap();
    bytes[at] = b'3';
    let tampered = open(&bytes, "multi.tar");
    let image = tampered.images()[0].clone();
    let reference = Reference::parse(&image.reference).unwrap();
    let remote = Remote::of(&reference).archive("multi.tar");
    let walk = Inspect::new(&image.reference, reference.clone(), &remote, Options::default());
    let outcome = testing::run(walk, 64, |request| tampered.answer(request));
    let said = match outcome {
        Ok(report) => report
            .findings
            .iter()
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        Err(failure) => failure.message,
    };
    assert!(
        said.starts_with("archive://multi.tar/v2/library/multi-platform/manifests/"),
        "{said}"
    );
    assert!(
        said.contains(&format!("digest mismatch: expected {index_digest}")),
        "{said}"
    );
}

#[test]
fn referrers_in_the_layout_answer_the_referrers_api() {
    let bytes = archive_of(&corpus("oras-e2e-artifacts"));
    let registry = open(&bytes, "oras.tar");
    assert!(registry.findings.is_empty(), "{:?}", registry.findings);
    let listed: usize = registry.referrers.values().map(Vec::len).sum();
    assert!(listed >= 4, "{listed} referrers");
    let (subject, referrers) = registry.referrers.iter().next().unwrap();
    let request = HttpRequest::get(format!("https://localhost/v2/oras/referrers/{subject}"), 1 << 20);
    let response = registry.answer(&request).unwrap();
    assert_eq!(response.header("Content-Type"), Some(mt::OCI_INDEX));
    let index: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(index["manifests"].as_array().unwrap().len(), referrers.len());
    assert!(index["manifests"][0]["artifactType"].is_string(), "{index}");
    // Each is an image too, when named; an untagged referrer is not listed as one.
    let tags: Vec<&str> = registry
        .images()
        .iter()
        .filter_map(|i| i.reference.split('@').next())
        .collect();
    assert!(tags.contains(&"localhost/oras:multi"), "{tags:?}");
}

#[test]
fn the_protocol_answers_what_a_registry_answers() {
    let bytes = archive_of(&corpus("stereoscope-multiplatform"));
    let registry = open(&bytes, "multi.tar");
    let get = |path: &str| {
        registry
            .answer(&HttpRequest::get(format!("https://r.example/v2/{path}"), 1 << 20))
            .unwrap()
    };
    let by_tag = get("library/multi-platform/manifests/latest");
    assert_eq!(by_tag.status, 200);
    assert_eq!(by_tag.header("Content-Type"), Some(mt::OCI_INDEX));
    assert!(by_tag
        .header("Docker-Content-Digest")
        .unwrap()
        .starts_with("sha256:a1a8d08f"));
    assert_eq!(get("library/multi-platform/manifests/nope").status, 404);
    let unknown = get("x/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000");
    assert_eq!(unknown.status, 404);
    assert!(String::from_utf8_lossy(&unknown.body).contains("BLOB_UNKNOWN"));
    assert_eq!(
        get("x/blobs/not-a-digest").status,
        400,
        "DIGEST_INVALID, as distribution answers"
    );
    // A tag names an image of the path's repository only.
    assert_eq!(get("library/other/manifests/latest").status, 404);
    let tags: serde_json::Value = serde_json::from_slice(&get("library/multi-platform/tags/list").body).unwrap();
    assert_eq!(tags["tags"], serde_json::json!(["latest"]));
    let none: serde_json::Value = serde_json::from_slice(&get("library/other/tags/list").body).unwrap();
    assert_eq!(none["tags"], serde_json::json!([]));
    // A config is a blob, not a manifest.
    let amd64_config = "sha256:549248a7ac954";
    let config = registry
        .index
        .blob_names()
        .into_iter()
        .find(|n| n.starts_with(amd64_config))
        .unwrap();
    assert_eq!(get(&format!("x/blobs/{config}")).status, 200);
    assert_eq!(get(&format!("x/manifests/{config}")).status, 404);
    let head = |path: &str| {
        let request = HttpRequest {
            method: Method::Head,
            ..HttpRequest::get(format!("https://r.example/v2/{path}"), 16)
        };
        registry.answer(&request).unwrap()
    };
    let manifest = head("library/multi-platform/manifests/latest");
    assert!(manifest.body.is_empty() && manifest.header("Content-Length") == Some("645"));
    // A HEAD of a blob reads none of it, whatever its size (the limit is 16 bytes).
    let blob = head(&format!("x/blobs/{config}"));
    assert_eq!((blob.status, blob.body.len()), (200, 0));
    assert!(blob
        .header("Content-Length")
        .is_some_and(|l| l.parse::<u64>().unwrap() > 16));
    let small = HttpRequest::get("https://r.example/v2/library/multi-platform/manifests/latest", 16);
    assert!(matches!(
        registry.answer(&small),
        Err(TransportError::TooLarge { limit: 16 })
    ));
}

#[test]
fn a_member_size_that_overflows_is_corrupt_not_a_panic() {
    let mut header = tar::Header::new_gnu();
    header.set_path("blobs/sha256/huge").unwrap();
    header.set_size(u64::MAX - 100);
    header.set_cksum();
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend_from_slice(&[0; 1024]);
    let index = ArchiveIndexer::index(&bytes.as_slice(), bytes.len() as u64);
    assert_eq!(index.findings[0].code, Code::ArchiveCorrupt, "{:?}", index.findings);
    assert!(index.member("blobs/sha256/huge").is_none());
}

#[test]
fn local_images_are_named_after_the_file() {
    let bytes = archive_of(&corpus("oras-e2e-artifacts"));
    let registry = open(&bytes, "alpine-3.19.tar");
    assert!(registry
        .images()
        .iter()
        .any(|i| i.reference.starts_with("localhost/alpine-3-19:multi@")));
}

#[test]
fn an_older_docker_save_is_inspected_through_a_rebuilt_manifest_and_says_so() {
    let layer = archive_of(&corpus("stereoscope-valid"));
    let bytes = docker_save(None, &layer);
    let registry = open(&bytes, "old.tar");
    let codes: Vec<String> = registry.findings.iter().map(|f| f.code.to_string()).collect();
    assert_eq!(codes, ["archive-rebuilt"]);
    let image = registry.images()[0].clone();
    assert!(image.rebuilt);
    assert!(image.reference.starts_with("x:1@sha256:"), "{}", image.reference);
    let report = inspect(&registry, &image);
    assert_eq!(report.platforms.len(), 1);
    assert_eq!(
        report.platforms[0].platform.as_ref().unwrap().to_string(),
        "linux/amd64"
    );
    let layers = &report.platforms[0].image.as_ref().unwrap().layers;
    assert_eq!(layers.len(), 1);
    // The layer is served by its diff_id: its bytes hash to it.
    let member = registry.member(&layers[0].digest.parse().unwrap()).unwrap();
    let bytes = registry.bytes().read_at(member.offset, member.size).unwrap();
    assert_eq!(Digest::sha256(&bytes).to_string(), layers[0].digest);
}

#[test]
fn an_archive_that_is_neither_format_says_what_it_lacks() {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_ustar();
    header.set_size(5);
    header.set_cksum();
    builder.append_data(&mut header, "README", &b"hello"[..]).unwrap();
    let bytes = builder.into_inner().unwrap();
    let registry = open(&bytes, "x.tar");
    assert!(registry.images().is_empty());
    assert_eq!(registry.findings[0].code, Code::LayoutIndexMissing);
}

#[test]
fn indexing_by_skipping_finds_what_reading_every_byte_finds() {
    for name in [
        "stereoscope-multiplatform",
        "oras-e2e-artifacts",
        "notation-go-oci-layout",
    ] {
        let bytes = archive_of(&corpus(name));
        let mut fed = ArchiveIndexer::new();
        fed.feed(&bytes);
        let fed = fed.finish();
        let skipped = ArchiveIndexer::index(&bytes.as_slice(), bytes.len() as u64);
        assert_eq!(skipped.members, fed.members, "{name}");
        assert_eq!(skipped.findings, fed.findings, "{name}");
        // Cut inside a member: the same truncation, found either way.
        let cut = &bytes[..bytes.len() / 2];
        let mut fed = ArchiveIndexer::new();
        fed.feed(cut);
        let fed = fed.finish();
        let skipped = ArchiveIndexer::index(&cut, cut.len() as u64);
        assert_eq!(skipped.members, fed.members, "{name} cut");
        assert_eq!(skipped.findings, fed.findings, "{name} cut");
    }
}

#[test]
fn a_docker_save_config_not_named_by_its_digest_is_a_warning() {
    let layer = archive_of(&corpus("stereoscope-valid"));
    let bytes = docker_save(Some("config.json"), &layer);
    let registry = open(&bytes, "old.tar");
    let codes: Vec<String> = registry.findings.iter().map(|f| f.code.to_string()).collect();
    assert_eq!(codes, ["archive-config-unnamed", "archive-rebuilt"]);
}
