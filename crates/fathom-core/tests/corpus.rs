//! Every file of the real-world corpus (`tests/data/corpus`, see its PROVENANCE.md) parses, or
//! fails with a specific error, and each oddity PROVENANCE.md lists yields its finding.

use std::path::{Path, PathBuf};

use fathom_core::finding::Severity;
use fathom_core::manifest::{Body, Format, Manifest};
use fathom_core::{layout, BlobSource, Descriptor, Digest, Document};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/corpus")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(corpus().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse(name: &str) -> Document {
    Document::parse(&read(name), None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// What each file must give: the format and the finding codes that must be present (errors
/// only where listed), or the parse error code.
enum Expect {
    Ok(Option<Format>, &'static [&'static str]),
    Err(&'static str),
}
use Expect::{Err as Fails, Ok as Parses};
use Format::*;

const EXPECTATIONS: &[(&str, Expect)] = &[
    (
        "cosign-attestation-manifest.dsse-in-toto.json",
        Parses(Some(OciManifest), &[]),
    ),
    (
        "cosign-signature-manifest.keyless-with-bundle-cert-chain.json",
        Parses(Some(OciManifest), &[]),
    ),
    ("docker-config.buildkit-golden.json", Parses(Some(ImageConfig), &[])),
    (
        "docker-config.busybox.rust-oci-client.json",
        Parses(Some(ImageConfig), &[]),
    ),
    ("docker-config.httpd-2.4.23.json", Parses(Some(ImageConfig), &[])),
    (
        "docker-save-manifest.nanoserver-LayerSources.ggcr-docs.json",
        Parses(None, &["not-a-registry-manifest"]),
    ),
    (
        "docker-v2-list.arm-variant-edge-cases.json",
        Parses(
            Some(DockerManifestList),
            &["platform-variant-unknown", "platform-arm-variant-missing"],
        ),
    ),
    (
        "docker-v2-list.busybox-like.arm-v5-v6-arm64-v8-386-ppc64le-s390x.json",
        Parses(Some(DockerManifestList), &[]),
    ),
    (
        "docker-v2-list.children-are-schema1.json",
        Parses(
            Some(DockerManifestList),
            &["platform-legacy-features", "platform-variant-unknown"],
        ),
    ),
    (
        "docker-v2-list.containerd-volume-ownership.3-windows-os-versions.go-literal.json",
        Parses(Some(DockerManifestList), &[]),
    ),
    (
        "docker-v2-list.distribution-spec-example.json",
        Parses(Some(DockerManifestList), &["platform-legacy-features"]),
    ),
    (
        "docker-v2-list.duplicate-entries.docker-cli-golden.json",
        Parses(Some(DockerManifestList), &["duplicate-entry"]),
    ),
    (
        "docker-v2-list.every-field.json",
        Parses(Some(DockerManifestList), &["platform-legacy-features"]),
    ),
    (
        "docker-v2-list.hello-world-nanoserver.windows-only.ggcr-docs.json",
        Parses(Some(DockerManifestList), &[]),
    ),
    (
        "docker-v2-list.mcr-hello-world.windows-os-version.acr-docs.json",
        Parses(Some(DockerManifestList), &[]),
    ),
    (
        "docker-v2-list.moby-buildkit-master.riscv64.buildx-docs.json",
        Parses(Some(DockerManifestList), &[]),
    ),
    (
        "docker-v2-list.redis-5.0.9.mips64le-arm-v5-v7-386.containerd-docs.json",
        Parses(Some(DockerManifestList), &[]),
    ),
    (
        "docker-v2-manifest.all-layer-media-types.json",
        Parses(Some(DockerManifest), &["layer-non-distributable"]),
    ),
    (
        "docker-v2-manifest.alpine-528-bytes.base64-Raw-from-docker-cli-golden.json",
        Parses(Some(DockerManifest), &[]),
    ),
    (
        "docker-v2-manifest.buildkit-golden.json",
        Parses(Some(DockerManifest), &[]),
    ),
    (
        "docker-v2-manifest.busybox.rust-oci-client.json",
        Parses(Some(DockerManifest), &[]),
    ),
    (
        "docker-v2-manifest.crazymax-loop.raw.buildx-docs.json",
        Parses(Some(DockerManifest), &[]),
    ),
    ("docker-v2-manifest.every-field.json", Parses(Some(DockerManifest), &[])),
    (
        "docker-v2-manifest.foreign-layer-with-oci-config.json",
        Parses(Some(DockerManifest), &["mixed-docker-oci", "layer-non-distributable"]),
    ),
    (
        "docker-v2-manifest.hello-world-nanoserver.windows-foreign-layer.ggcr-docs.json",
        Parses(Some(DockerManifest), &["layer-non-distributable"]),
    ),
    (
        "docker-v2-manifest.httpd-config-octet-stream.json",
        Parses(Some(DockerManifest), &["config-media-type-generic"]),
    ),
    (
        "docker-v2-manifest.missing-mediaType-empty-layers.json",
        Parses(Some(DockerManifest), &["media-type-missing", "layers-empty"]),
    ),
    (
        "docker-v2-manifest.nonexistent-zstd-docker-media-type.json",
        Parses(
            Some(DockerManifest),
            &["layer-media-type-nonexistent", "config-media-type-generic"],
        ),
    ),
    (
        "docker-v2-manifest.redis-5.0.9-amd64.containerd-docs.json",
        Parses(Some(DockerManifest), &[]),
    ),
    (
        "docker-v2-manifest.spec-example.json",
        Parses(Some(DockerManifest), &[]),
    ),
    (
        "docker-v2-manifest.tab-indented.docker-cli-golden.json",
        Parses(Some(DockerManifest), &[]),
    ),
    (
        "docker-v2-manifest.ubuntu.crane-manifest.ggcr-docs.json",
        Parses(Some(DockerManifest), &[]),
    ),
    (
        "docker-v2-manifest.uncompressed-layers.json",
        Parses(Some(DockerManifest), &[]),
    ),
    (
        "docker-v2-manifest.wasm-layer-with-artifactType.rust-literal.json",
        Parses(Some(DockerManifest), &["mixed-docker-oci"]),
    ),
    (
        "docker-v2-schema1.every-field-unsigned.json",
        Parses(Some(DockerSchema1), &["schema1-deprecated", "schema1-unsigned"]),
    ),
    (
        "docker-v2-schema1.signatures-is-a-number.json",
        Parses(Some(DockerSchema1Signed), &["schema1-signatures-malformed"]),
    ),
    (
        "docker-v2-schema1.signed.converted-by-docker.json",
        Parses(Some(DockerSchema1Signed), &["schema1-payload-not-json"]),
    ),
    (
        "docker-v2-schema1.signed.hello-world.distribution-docs.json",
        Parses(
            Some(DockerSchema1Signed),
            &["schema1-payload-unrecoverable", "schema1-history-mismatch"],
        ),
    ),
    (
        "docker-v2-schema1.signed.mitr-busybox.json",
        Parses(Some(DockerSchema1Signed), &["schema1-signature-invalid"]),
    ),
    (
        "docker-v2-schema1.signed.rhosp12-openstack-nova-api.json",
        Parses(Some(DockerSchema1Signed), &["schema1-deprecated"]),
    ),
    (
        "docker-v2-schema1.unsigned.mitr-busybox.json",
        Parses(Some(DockerSchema1), &["schema1-unsigned"]),
    ),
    (
        "helm-chart-manifest.helm-docs.json",
        Parses(Some(OciManifest), &["media-type-missing", "artifact-type-in-config"]),
    ),
    (
        "helm-chart-manifest.with-provenance-layer.helm-docs.json",
        Parses(Some(OciManifest), &["media-type-missing", "artifact-type-in-config"]),
    ),
    (
        "manifest.unknown-schemaVersion-99999.json",
        Parses(Some(Unknown), &["schema-version-unsupported"]),
    ),
    ("negative.non-json-bytes.manifest.json", Fails("invalid-json")),
    (
        "notation-signature-manifest.artifactType.notary-spec.json",
        Parses(Some(OciManifest), &[]),
    ),
    (
        "notation-signature-manifest.config-mediaType.notary-spec.json",
        Parses(Some(OciManifest), &["artifact-type-in-config"]),
    ),
    (
        "oci-artifact-manifest.deprecated-v1.oci-spec-rs.json",
        Parses(Some(OciArtifactManifest), &["media-type-withdrawn"]),
    ),
    (
        "oci-artifact-manifest.deprecated-v1.oras-readme.acr-docs.json",
        Parses(Some(OciArtifactManifest), &["media-type-withdrawn"]),
    ),
    ("oci-config.buildkit-golden.json", Parses(Some(ImageConfig), &[])),
    ("oci-config.extra-unknown-fields.json", Parses(Some(ImageConfig), &[])),
    ("oci-config.image-spec-example.json", Parses(Some(ImageConfig), &[])),
    (
        "oci-descriptor.empty-json-with-data.image-spec.json",
        Parses(Some(Descriptor), &[]),
    ),
    (
        "oci-index.artifact-index-with-artifactType.regclient.json",
        Parses(Some(OciIndex), &[]),
    ),
    (
        "oci-index.attestation-storage-spec-example.buildkit-docs.json",
        Parses(Some(OciIndex), &[]),
    ),
    (
        "oci-index.buildkit-attestation-manifest.buildx-history-docs.json",
        Parses(Some(OciIndex), &[]),
    ),
    (
        "oci-index.buildkit-attestation.crazymax-buildkit-attest.buildx-docs.json",
        Parses(Some(OciIndex), &["unknown-field"]),
    ),
    (
        "oci-index.buildkit-attestations.moby-buildkit-master.6-platforms-riscv64.buildx-docs.json",
        Parses(Some(OciIndex), &["unknown-field"]),
    ),
    (
        "oci-index.docker-style-unknown-unknown-builder-entries.regclient.json",
        Parses(Some(OciIndex), &[]),
    ),
    (
        "oci-index.duplicate-platforms-and-zstd-annotation.json",
        Parses(Some(OciIndex), &["duplicate-platform"]),
    ),
    (
        "oci-index.every-field.artifactType-subject-data.json",
        Parses(Some(OciIndex), &["data-mismatch"]),
    ),
    (
        "oci-index.image-spec-example-nested-index.json",
        Parses(Some(OciIndex), &["nested-index"]),
    ),
    ("oci-index.image-spec-example.json", Parses(Some(OciIndex), &[])),
    (
        "oci-index.legacy-features-field.json",
        Parses(Some(OciIndex), &["platform-legacy-features"]),
    ),
    (
        "oci-index.loop-subject-equals-child.regclient.json",
        Parses(Some(OciIndex), &["subject-is-child"]),
    ),
    (
        "oci-index.missing-mediaType.json",
        Parses(Some(OciIndex), &["media-type-missing"]),
    ),
    (
        "oci-index.no-mediaType-no-trailing-newline.oci-spec-rs.json",
        Parses(Some(OciIndex), &["media-type-missing"]),
    ),
    (
        "oci-index.size-is-a-string.INVALID.image-spec-schema-test.json",
        Fails("invalid-field"),
    ),
    (
        "oci-index.subject-is-a-string.INVALID.image-spec-schema-test.json",
        Fails("invalid-field"),
    ),
    (
        "oci-index.with-descriptor-artifactType.json",
        Parses(Some(OciIndex), &[]),
    ),
    (
        "oci-index.zstd-selection.duplicate-and-missing-platforms.json",
        Parses(Some(OciIndex), &["duplicate-platform", "platform-missing"]),
    ),
    (
        "oci-layout-index.image-spec-example.json",
        Parses(Some(OciIndex), &["nested-index", "index-entry-unknown-media-type"]),
    ),
    (
        "oci-layout-index.name-lookups-unknown-mediatypes.json",
        Parses(Some(OciIndex), &["index-entry-unknown-media-type"]),
    ),
    (
        "oci-manifest.all-layer-media-types.json",
        Parses(Some(OciManifest), &["layer-non-distributable"]),
    ),
    (
        "oci-manifest.artifact-empty-config-with-data.regclient.json",
        Parses(Some(OciManifest), &[]),
    ),
    (
        "oci-manifest.artifact-empty-digest-null-layers.json",
        Parses(Some(OciManifest), &["layers-null", "descriptor-digest-missing"]),
    ),
    (
        "oci-manifest.artifact-no-mediaType-empty-digest.json",
        Parses(Some(OciManifest), &["media-type-missing", "descriptor-digest-missing"]),
    ),
    (
        "oci-manifest.artifact-with-config.image-spec.json",
        Parses(Some(OciManifest), &[]),
    ),
    (
        "oci-manifest.artifact-with-subject-index.regclient.json",
        Parses(Some(OciManifest), &[]),
    ),
    (
        "oci-manifest.artifact-without-config.image-spec.json",
        Parses(Some(OciManifest), &[]),
    ),
    (
        "oci-manifest.attestation-manifest.buildkit-docs.json",
        Parses(Some(OciManifest), &[]),
    ),
    (
        "oci-manifest.buildkit-amd64.buildx-history-docs.json",
        Parses(Some(OciManifest), &[]),
    ),
    (
        "oci-manifest.custom-config-mediaType-artifact.json",
        Parses(Some(OciManifest), &["artifact-type-in-config"]),
    ),
    (
        "oci-manifest.empty-layers-array.image-spec-schema-test.json",
        Parses(Some(OciManifest), &[]),
    ),
    (
        "oci-manifest.encrypted-layers.json",
        Parses(Some(OciManifest), &["layer-encrypted"]),
    ),
    (
        "oci-manifest.every-field.artifactType-subject-data.json",
        Parses(Some(OciManifest), &["data-mismatch"]),
    ),
    (
        "oci-manifest.exotic-digest-algorithms.image-spec-schema-test.json",
        Parses(Some(OciManifest), &["digest-unsupported-algorithm"]),
    ),
    (
        "oci-manifest.httpd-with-annotations-and-urls.json",
        Parses(Some(OciManifest), &[]),
    ),
    (
        "oci-manifest.image-spec-example-with-subject.json",
        Parses(Some(OciManifest), &[]),
    ),
    (
        "oci-manifest.kitchen-sink-unknown-top-level-fields.json",
        Parses(Some(OciManifest), &["unknown-field", "layer-non-distributable"]),
    ),
    (
        "oci-manifest.minimal-artifact-empty-config-and-layer.image-spec.json",
        Parses(Some(OciManifest), &["annotation-key-suspicious"]),
    ),
    (
        "oci-manifest.missing-mediaType.json",
        Parses(Some(OciManifest), &["media-type-missing"]),
    ),
    (
        "oci-manifest.nondistributable-gzip-layer.json",
        Parses(Some(OciManifest), &["layer-non-distributable"]),
    ),
    (
        "oci-manifest.nondistributable-zstd-layer.json",
        Parses(Some(OciManifest), &["layer-non-distributable"]),
    ),
    (
        "oci-manifest.subject-is-a-string.INVALID.image-spec-schema-test.json",
        Fails("invalid-field"),
    ),
    (
        "oci-manifest.uncompressed-tar-layers.json",
        Parses(Some(OciManifest), &[]),
    ),
    (
        "oci-manifest.unknown-layer-mediaType.json",
        Parses(Some(OciManifest), &["layer-media-type-unknown"]),
    ),
    (
        "oci-manifest.with-manifest-annotation.buildkit-golden.json",
        Parses(Some(OciManifest), &[]),
    ),
    (
        "oci-manifest.zstd-layers.buildkit-golden.json",
        Parses(Some(OciManifest), &[]),
    ),
    ("oci-manifest.zstd-layers.json", Parses(Some(OciManifest), &[])),
    (
        "referrers-response.distribution-spec-example.INVALID-trailing-comma.json",
        Fails("invalid-json"),
    ),
    (
        "referrers-response.regclient-fallback-tag-index.json",
        Parses(Some(OciIndex), &[]),
    ),
];

#[test]
fn every_corpus_file_has_an_expectation_and_meets_it() {
    let mut names: Vec<String> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let listed: Vec<&str> = EXPECTATIONS.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, listed, "every corpus file needs exactly one expectation");

    for (name, expect) in EXPECTATIONS {
        let result = Document::parse(&read(name), None);
        match (expect, result) {
            (Parses(format, codes), Ok(doc)) => {
                assert_eq!(doc.format, *format, "{name}");
                let present: Vec<&str> = doc.findings.iter().map(|f| f.code.as_str()).collect();
                for code in *codes {
                    assert!(present.contains(code), "{name}: missing {code}; got {present:?}");
                }
                for f in doc.findings.iter().filter(|f| f.severity == Severity::Error) {
                    assert!(codes.contains(&f.code.as_str()), "{name}: unexpected error {f}");
                }
            }
            (Parses(..), Err(e)) => panic!("{name} should parse: {e}"),
            (Fails(code), Err(e)) => {
                assert_eq!(e.code(), *code, "{name}: {e}");
                assert!(e.to_string().len() > 20, "{name}: vague error {e}");
            }
            (Fails(code), Ok(_)) => panic!("{name} should fail with {code}"),
        }
    }
}

#[test]
fn wrong_types_name_their_json_pointer() {
    let e = Document::parse(
        &read("oci-index.size-is-a-string.INVALID.image-spec-schema-test.json"),
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("/manifests/0/size"), "{e}");
    let e = Document::parse(
        &read("oci-manifest.subject-is-a-string.INVALID.image-spec-schema-test.json"),
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("/subject"), "{e}");
    let e = Document::parse(
        &read("referrers-response.distribution-spec-example.INVALID-trailing-comma.json"),
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("trailing comma at line 31"), "{e}");
}

/// A child of `parent` whose bytes are `child`: the descriptor for `digest` must verify them.
fn child_descriptor(parent: &Document, digest: &str) -> Descriptor {
    let manifest = parent.manifest().expect("a manifest");
    manifest
        .manifests()
        .iter()
        .chain(manifest.config())
        .find(|d| d.digest == digest)
        .cloned()
        .expect("descriptor present")
}

#[test]
fn parent_descriptors_verify_their_children_byte_for_byte() {
    let pairs = [
        (
            "docker-v2-list.duplicate-entries.docker-cli-golden.json",
            "docker-v2-manifest.alpine-528-bytes.base64-Raw-from-docker-cli-golden.json",
        ),
        (
            "oci-index.buildkit-attestation-manifest.buildx-history-docs.json",
            "oci-manifest.buildkit-amd64.buildx-history-docs.json",
        ),
        (
            "docker-v2-manifest.httpd-config-octet-stream.json",
            "docker-config.httpd-2.4.23.json",
        ),
        (
            "docker-v2-manifest.buildkit-golden.json",
            "docker-config.buildkit-golden.json",
        ),
        (
            "docker-v2-manifest.busybox.rust-oci-client.json",
            "docker-config.busybox.rust-oci-client.json",
        ),
    ];
    for (parent, child) in pairs {
        let (parent_doc, child_bytes) = (parse(parent), read(child));
        let descriptor = child_descriptor(&parent_doc, Digest::sha256(&child_bytes).as_str());
        assert!(descriptor.verify(&child_bytes).is_ok(), "{parent} -> {child}");
    }
    // The same JSON value re-indented is different bytes: the digest must not match.
    let list = parse("docker-v2-list.duplicate-entries.docker-cli-golden.json");
    let alpine = child_descriptor(
        &list,
        "sha256:1072e499f3f655a032e88542330cf75b02e7bdf673278f701d7ba61629ee3ebe",
    );
    let err = alpine
        .verify(&read("docker-v2-manifest.tab-indented.docker-cli-golden.json"))
        .unwrap_err();
    assert!(err.to_string().contains("mismatch"), "{err}");
    assert_eq!(
        parse("docker-v2-manifest.ubuntu.crane-manifest.ggcr-docs.json")
            .digest
            .as_str(),
        "sha256:0925d086715714114c1988f7c947db94064fd385e171a63c07730f1fa014e6f9"
    );
}

#[test]
fn signed_schema1_digest_is_over_the_payload() {
    let doc = parse("docker-v2-schema1.signed.mitr-busybox.json");
    let Body::Manifest(Manifest::Schema1(s)) = &doc.body else {
        panic!("schema1")
    };
    let unsigned = read("docker-v2-schema1.unsigned.mitr-busybox.json");
    assert_eq!(
        s.payload.as_deref(),
        Some(unsigned.as_slice()),
        "rebuilt payload is the unsigned manifest"
    );
    assert_eq!(s.payload_digest(), Some(Digest::sha256(&unsigned)));
    let verified = parse("docker-v2-schema1.signed.rhosp12-openstack-nova-api.json");
    let Body::Manifest(Manifest::Schema1(v)) = &verified.body else {
        panic!("schema1")
    };
    assert_eq!(v.signature, fathom_core::manifest::schema1::SignatureState::Verified);
}

#[test]
fn content_type_decides_before_the_body() {
    let bytes = read("oci-index.missing-mediaType.json");
    let doc = Document::parse(
        &bytes,
        Some("application/vnd.docker.distribution.manifest.list.v2+json"),
    )
    .unwrap();
    assert_eq!(doc.format, Some(DockerManifestList));
    let doc = Document::parse(
        &read("oci-index.image-spec-example.json"),
        Some("application/vnd.oci.image.manifest.v1+json"),
    )
    .unwrap();
    assert!(
        doc.findings.iter().any(|f| f.code == "media-type-mismatch"),
        "{:?}",
        doc.findings
    );
    let doc = Document::parse(
        &read("oci-index.image-spec-example.json"),
        Some("application/json; charset=utf-8"),
    )
    .unwrap();
    assert_eq!(doc.format, Some(OciIndex));
}

struct Dir(PathBuf);

impl BlobSource for Dir {
    fn file(&self, name: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(std::fs::read(self.0.join(name)).ok())
    }
    fn blob(&self, digest: &Digest) -> Result<Option<Vec<u8>>, String> {
        let oci = self.0.join("blobs").join(digest.algorithm().name()).join(digest.hex());
        Ok(std::fs::read(oci)
            .or_else(|_| std::fs::read(self.0.join(digest.hex())))
            .ok())
    }
    fn blob_names(&self) -> Result<Vec<String>, String> {
        let Ok(entries) = std::fs::read_dir(self.0.join("blobs/sha256")) else {
            return Ok(Vec::new());
        };
        Ok(entries
            .map(|e| format!("sha256:{}", e.unwrap().file_name().to_string_lossy()))
            .collect())
    }
}

#[test]
fn layouts_verify_every_blob_and_report_their_oddities() {
    // (layout, has an error finding, codes that must be present)
    let expectations: &[(&str, bool, &[&str])] = &[
        (
            "cimage-multiple-images",
            true,
            &["size-mismatch", "layer-compression-mismatch"],
        ),
        ("cimage-two-identical-refs", false, &["layout-duplicate-ref-name"]),
        (
            "ggcr-test_gc_image_unknown_mediatype",
            true,
            &["blob-missing", "index-entry-descriptor-type"],
        ),
        (
            "ggcr-test_index",
            false,
            &["descriptor-type-mismatch", "index-entry-descriptor-type"],
        ),
        ("ggcr-test_index_media_type", false, &["artifact-type-in-config"]),
        ("ggcr-test_index_one_image", false, &[]),
        ("notation-go-oci-layout", true, &["blob-missing"]),
        ("oras-e2e-artifacts", true, &["config-rootfs-missing"]),
        ("oras-e2e-blobs", false, &["manifests-null", "blob-unreferenced"]),
        ("oras-e2e-images", true, &["config-rootfs-missing"]),
        ("regclient-external", false, &["subject-missing"]),
        ("regclient-testrepo", false, &["config-empty-json", "subject-is-child"]),
        ("skopeo-dir-uncompressed-s1", false, &["schema1-deprecated"]),
        ("skopeo-dir-uncompressed-s2", false, &["layer-compression-mismatch"]),
        ("stereoscope-multiplatform", false, &[]),
        ("stereoscope-valid", false, &[]),
    ];
    for (name, has_error, codes) in expectations {
        let report = layout::walk(&Dir(corpus().join("layouts").join(name)));
        let present: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
        for code in *codes {
            assert!(present.contains(code), "{name}: missing {code}; got {present:?}");
        }
        assert_eq!(
            report.has_error(),
            *has_error,
            "{name}: {:#?}",
            report
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .collect::<Vec<_>>()
        );
        assert_eq!(
            report.blobs_checked, report.blobs_verified,
            "{name}: every blob in the corpus hashes to its name"
        );
    }
}

#[test]
fn a_tampered_layout_blob_is_a_digest_mismatch() {
    let dir = std::env::temp_dir().join(format!("fathom-tamper-{}", std::process::id()));
    let source = corpus().join("layouts/ggcr-test_index_one_image");
    copy_dir(&source, &dir);
    let index: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let digest: Digest = index["manifests"][0]["digest"].as_str().unwrap().parse().unwrap();
    let path = dir.join("blobs/sha256").join(digest.hex());
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 0x20;
    std::fs::write(&path, bytes).unwrap();
    let report = layout::walk(&Dir(dir.clone()));
    std::fs::remove_dir_all(&dir).unwrap();
    let mismatch = report
        .findings
        .iter()
        .find(|f| f.code == "digest-mismatch")
        .expect("digest-mismatch");
    assert_eq!(mismatch.severity, Severity::Error);
    assert!(mismatch.message.contains(digest.as_str()), "{mismatch}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_schema1_shows_only_what_its_signed_payload_says() {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    // The payload P is a real unsigned manifest; the body keeps P[..k], then adds keys of its own
    // that a naive reader would show, and a protected header whose formatTail restores P[k..].
    let payload = read("docker-v2-schema1.unsigned.mitr-busybox.json");
    let text = String::from_utf8(payload.clone()).unwrap();
    let k = text.find("\"architecture\"").unwrap();
    let protected = b64(format!(r#"{{"formatLength":{k},"formatTail":"{}"}}"#, b64(&payload[k..])).as_bytes());
    let body = format!(
        r#"{}"architecture": "evil", "fsLayers": [{{"blobSum": "sha256:{}"}}], "history": [{{"v1Compatibility": "{{}}"}}], "signatures": [{{"header": {{"alg": "ES256", "jwk": {{"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}}}}, "signature": "AAAA", "protected": "{protected}"}}]}}"#,
        &text[..k],
        "e".repeat(64)
    );
    let doc = Document::parse(body.as_bytes(), None).unwrap();
    let Body::Manifest(Manifest::Schema1(s)) = &doc.body else {
        panic!("schema1")
    };
    assert_eq!(
        s.payload_digest(),
        Some(Digest::sha256(&payload)),
        "the digest is the payload's"
    );
    assert_eq!(
        s.architecture, "amd64",
        "fields come from the signed payload, not the appended keys"
    );
    assert!(!s.fs_layers.iter().any(|l| l.contains("eeee")));
}
