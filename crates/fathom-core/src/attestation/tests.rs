//! Real attestations (tests/data/attestations/PROVENANCE.md says where each comes from).

use super::provenance::Provenance;
use super::sbom::Sbom;
use super::*;
use crate::media_type as mt;

fn data(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/attestations")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The digest of the image cupdate's statements describe (their subject).
const CUPDATE: &str = "sha256:29528c15c494f84b8a2f33e0faa6eaa8cb6966824cf2ff95791c234fc07c247a";

#[test]
fn buildkit_provenance_v0_2_says_who_built_what_from_where() {
    let statement = Statement::read(&data("buildkit-provenance-v0.2.cupdate.json"), "layer").unwrap();
    assert!(!statement.enveloped);
    assert_eq!(statement.check_subject(&CUPDATE.parse().unwrap(), "layer"), Ok(()));
    let p = Provenance::of(&statement).unwrap();
    assert_eq!(p.slsa_version, "v0.2");
    assert_eq!(
        p.builder_id.as_deref(),
        Some("https://github.com/AlexGustafsson/cupdate/actions/runs/14008088422/attempts/1")
    );
    assert_eq!(p.build_type.as_deref(), Some("https://mobyproject.org/buildkit@v1"));
    assert_eq!(p.started_on.as_deref(), Some("2025-03-22T11:23:15.39980189Z"));
    assert_eq!(p.finished_on.as_deref(), Some("2025-03-22T11:26:10.631712748Z"));
    let source = p.source.unwrap();
    assert_eq!(source.repository, "https://github.com/AlexGustafsson/cupdate");
    assert_eq!(
        source.revision.as_deref(),
        Some("2fbefbc45dd73e49c981e7a59c9b3d65314ed315")
    );
    assert_eq!(
        source.commit_url.as_deref(),
        Some("https://github.com/AlexGustafsson/cupdate/commit/2fbefbc45dd73e49c981e7a59c9b3d65314ed315")
    );
    assert_eq!(p.entry_point.as_deref(), Some("Dockerfile"));
    assert_eq!(p.frontend.as_deref(), Some("dockerfile.v0"));
    assert_eq!(p.build_args["CUPDATE_VERSION"], "v0.19.0-6-g2fbefbc");
    assert_eq!(p.labels["org.opencontainers.image.licenses"], "MIT");
    assert_eq!(p.builder_platform.as_deref(), Some("linux/amd64"));
    assert_eq!(
        (p.reproducible, p.parameters_complete, p.materials_complete),
        (Some(false), Some(true), Some(false))
    );
    // Base images, each a reference to inspect, pinned to the digest the build used.
    let images: Vec<(&str, &str)> = p
        .materials
        .iter()
        .filter_map(|m| Some((m.image.as_deref()?, m.platform.as_deref().unwrap_or(""))))
        .collect();
    assert_eq!(
        images,
        [
            (
                "docker/buildkit-syft-scanner:stable-1@sha256:434b49272c090c4788e38c8d8d6008c3741c4a8d4638e62dff5cdc6409d7927a",
                ""
            ),
            (
                "golang:1.24.1@sha256:c5adecdb7b3f8c5ca3c88648a861882849cc8b02fed68ece31e25de88ad13418",
                "linux/amd64"
            ),
            (
                "node:22.14.0@sha256:cfef4432ab2901fd6ab2cb05b177d3c6f8a7f48cb22ad9d7ae28bb6aa5f8b471",
                "linux/amd64"
            ),
        ]
    );
}

#[test]
fn buildkit_provenance_v1_reads_its_build_definition_and_run_details() {
    let statement = Statement::read(&data("buildkit-provenance-v1-max.buildkit-docs.json"), "layer").unwrap();
    assert_eq!(statement.statement_type, "https://in-toto.io/Statement/v1");
    let p = Provenance::of(&statement).unwrap();
    assert_eq!(p.slsa_version, "v1");
    assert_eq!(p.builder_id, None, "a local build's builder id is empty");
    assert_eq!(p.invocation_id.as_deref(), Some("46ue2x93k3xj5l463dektwldw"));
    assert_eq!(p.started_on.as_deref(), Some("2022-12-08T11:50:54.953375437Z"));
    assert_eq!(p.entry_point.as_deref(), Some("Dockerfile"));
    assert_eq!(p.frontend.as_deref(), Some("dockerfile.v0"));
    assert_eq!((p.parameters_complete, p.materials_complete), (Some(true), Some(false)));
    assert_eq!(p.materials.len(), 1);
    assert_eq!(
        p.materials[0].image.as_deref(),
        Some("alpine:latest@sha256:8914eb54f968791faf6a8638949e480fef81e697984fba772b3976835194c6d4")
    );
    assert_eq!(p.materials[0].platform.as_deref(), Some("linux/amd64"));
}

#[test]
fn a_statement_about_another_image_is_an_error() {
    let statement = Statement::read(&data("buildkit-provenance-v0.2.cupdate.json"), "layer").unwrap();
    let other: Digest = "sha256:e8275b2b76280af67e26f068e5d585eb905f8dfd2f1918b3229db98133cb4862"
        .parse()
        .unwrap();
    let finding = statement.check_subject(&other, "attestation layer").unwrap_err();
    assert_eq!(finding.code, Code::AttestationSubjectMismatch);
    assert_eq!(finding.path, "attestation layer");
    assert!(
        finding.message.contains(&format!("attached to {other}")),
        "{}",
        finding.message
    );
    assert!(finding.message.contains(CUPDATE), "{}", finding.message);
}

#[test]
fn a_dsse_envelope_is_opened_and_its_statement_read() {
    let bundle: serde_json::Value =
        serde_json::from_slice(&data("sigstore-bundle-dsse-slsa-v1.sigstore-python.json")).unwrap();
    let envelope = serde_json::to_vec(&bundle["dsseEnvelope"]).unwrap();
    let statement = Statement::read(&envelope, "layer").unwrap();
    assert!(statement.enveloped);
    assert_eq!(statement.predicate_type, "https://slsa.dev/provenance/v1");
    assert_eq!(statement.subjects[0].name, "a.txt");
    let subject: Digest = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"
        .parse()
        .unwrap();
    assert_eq!(statement.check_subject(&subject, "layer"), Ok(()));
    // A GitHub Actions build, not BuildKit's: read as far as the shared v1 fields go.
    let p = Provenance::of(&statement).unwrap();
    assert_eq!(p.slsa_version, "v1");
}

#[test]
fn what_is_not_a_statement_says_why() {
    let cases: [(&[u8], &str); 5] = [
        (b"{", "not JSON"),
        (
            br#"{"_type":"https://example.com/x","predicateType":"p"}"#,
            "not an in-toto statement's",
        ),
        (br#"{"predicateType":"p"}"#, "not an in-toto statement"),
        (
            br#"{"payloadType":"text/plain","payload":"eA==","signatures":[]}"#,
            "a DSSE envelope of \"text/plain\"",
        ),
        (
            br#"{"payloadType":"application/vnd.in-toto+json","payload":"%%%","signatures":[]}"#,
            "not base64",
        ),
    ];
    for (bytes, said) in cases {
        let finding = Statement::read(bytes, "here").unwrap_err();
        assert_eq!(finding.code, Code::AttestationUnreadable);
        assert!(finding.message.contains(said), "{said}: {}", finding.message);
    }
}

#[test]
fn a_buildkit_spdx_sbom_lists_its_packages_by_ecosystem() {
    let statement = Statement::read(&data("buildkit-sbom-spdx.cupdate.json"), "layer").unwrap();
    // Of a later build than the provenance's.
    let subject: Digest = "sha256:77fa9a8d543e2474603e0fb766e4b757a9fe83b7b232eb8e2a754985c244af43"
        .parse()
        .unwrap();
    assert_eq!(statement.check_subject(&subject, "layer"), Ok(()));
    assert!(Provenance::of(&statement).is_none());
    let sbom = Sbom::of(&statement, "layer").unwrap().unwrap();
    assert_eq!(sbom.format, "SPDX-2.3");
    assert!(
        sbom.tools.iter().any(|t| t == "Tool: buildkit-v0.20.2"),
        "{:?}",
        sbom.tools
    );
    let packages: Vec<(&str, Option<&str>, &str)> = sbom
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_deref(), p.ecosystem.as_str()))
        .collect();
    assert_eq!(
        packages,
        [
            (
                "github.com/AlexGustafsson/cupdate",
                Some("v0.19.0-30-g509402d"),
                "golang"
            ),
            ("github.com/caarlos0/env/v11", Some("v11.3.1"), "golang"),
        ]
    );
    assert!(
        sbom.packages.iter().all(|p| p.supplier.is_none()),
        "NOASSERTION is no supplier"
    );
    assert_eq!(sbom.by_ecosystem(), BTreeMap::from([("golang".to_owned(), 2)]));
    assert_eq!(sbom.matching("CAARLOS0").len(), 1);
}

#[test]
fn syft_spdx_gives_licences_and_purls() {
    let sbom = Sbom::read(&data("syft-spdx-2.2.alpine-3.10.json"), "sbom").unwrap();
    assert_eq!(sbom.format, "SPDX-2.2");
    let busybox = &sbom.packages[0];
    assert_eq!(busybox.name, "busybox");
    assert_eq!(busybox.licence.as_deref(), Some("GPL-2.0"));
    assert_eq!(busybox.ecosystem, "apk");
    assert!(busybox
        .purl
        .as_deref()
        .unwrap()
        .starts_with("pkg:apk/alpine/busybox@1.30.1-r5"));
    assert_eq!(sbom.matching("openssl").len(), 1, "by licence");
    assert_eq!(sbom.matching("ecosystem=apk").len(), 3);
    assert!(sbom.matching("ecosystem=npm").is_empty());
}

#[test]
fn a_real_sbom_of_two_thousand_packages_reads_whole() {
    use std::io::Read as _;
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(&data("trivy-spdx-2.2.opensearch-dashboards.json.gz")[..])
        .read_to_end(&mut json)
        .unwrap();
    let sbom = Sbom::read(&json, "sbom").unwrap();
    assert_eq!(sbom.format, "SPDX-2.2");
    assert_eq!(sbom.tools, ["Tool: trivy", "Organization: aquasecurity"]);
    assert_eq!(sbom.packages.len(), 2238);
    assert_eq!(
        sbom.by_ecosystem(),
        BTreeMap::from([
            ("npm".to_owned(), 2081),
            ("oci".to_owned(), 1),
            ("rpm".to_owned(), 154),
            ("unknown".to_owned(), 2), // two packages without a purl
        ])
    );
    let licensed = sbom.packages.iter().filter(|p| p.licence.is_some()).count();
    assert!(licensed >= 2200, "{licensed} packages with a licence");
    let resizable = sbom.matching("re-resizable");
    assert_eq!(resizable.len(), 1);
    assert_eq!(resizable[0].licence.as_deref(), Some("MIT"));
    assert_eq!(resizable[0].purl.as_deref(), Some("pkg:npm/re-resizable@6.9.0"));
}

#[test]
fn cyclonedx_components_read_as_packages() {
    let sbom = Sbom::read(&data("syft-cyclonedx-1.7.golden.json"), "sbom").unwrap();
    assert_eq!(sbom.format, "CycloneDX 1.7");
    assert_eq!(sbom.tools, ["syft v0.42.0-bogus"]);
    assert_eq!(sbom.name.as_deref(), Some("user-image-input"));
    let first = &sbom.packages[0];
    assert_eq!(
        (first.name.as_str(), first.version.as_deref()),
        ("package-1", Some("1.0.1"))
    );
    assert_eq!(first.licence.as_deref(), Some("MIT"));
    assert_eq!(first.ecosystem, "unknown", "`a-purl-1` is not a package URL");
    assert!(Sbom::read(b"{\"packages\":[]}", "sbom").is_err());
}

fn layer_of(bytes: &[u8]) -> LayerInfo {
    LayerInfo {
        media_type: Some(mt::IN_TOTO.to_owned()),
        digest: Digest::sha256(bytes).to_string(),
        size: Some(bytes.len() as i64),
        diff_id: None,
    }
}

#[test]
fn an_attestation_layer_is_checked_against_its_digest_and_its_image() {
    let bytes = data("buildkit-provenance-v0.2.cupdate.json");
    let layer = layer_of(&bytes);
    let image: Digest = CUPDATE.parse().unwrap();
    let read = Attested::read(&layer, &bytes, &image);
    assert_eq!(read.findings, []);
    assert_eq!(read.predicate_type.as_deref(), Some(provenance::SLSA_V0_2));
    assert!(read.provenance.is_some() && read.sbom.is_none());
    // Another image: the provenance is still shown, and the mismatch with it, loudly.
    let other = Digest::sha256(b"another image");
    let read = Attested::read(&layer, &bytes, &other);
    assert_eq!(read.findings[0].code, Code::AttestationSubjectMismatch);
    assert!(read.provenance.is_some());
    // One byte changed: nothing of it is read.
    let mut changed = bytes.clone();
    changed[100] ^= 1;
    let read = Attested::read(&layer, &changed, &image);
    assert_eq!(read.findings[0].code, Code::DigestMismatch);
    assert!(read.provenance.is_none() && read.predicate_type.is_none());
    // An SBOM layer.
    let sbom = data("buildkit-sbom-spdx.cupdate.json");
    let subject: Digest = "sha256:77fa9a8d543e2474603e0fb766e4b757a9fe83b7b232eb8e2a754985c244af43"
        .parse()
        .unwrap();
    let read = Attested::read(&layer_of(&sbom), &sbom, &subject);
    assert_eq!(read.findings, []);
    assert_eq!(read.sbom.unwrap().packages.len(), 2);
}

#[test]
fn an_sbom_document_attached_as_a_referrer_is_checked_and_read() {
    let bytes = data("syft-spdx-2.2.alpine-3.10.json");
    let layer = LayerInfo {
        media_type: Some("application/spdx+json".into()),
        ..layer_of(&bytes)
    };
    assert!(is_sbom_document(&layer));
    let read = Attested::read_document(&layer, &bytes, "sha256:referrer");
    assert_eq!(read.findings, []);
    assert_eq!(read.referrer.as_deref(), Some("sha256:referrer"));
    assert_eq!(read.sbom.unwrap().packages.len(), 3);
    let read = Attested::read_document(&layer, &bytes[..100], "sha256:referrer");
    assert_eq!(read.findings[0].code, Code::SizeMismatch);
    assert!(read.sbom.is_none());
    assert!(
        !is_sbom_document(&layer_of(&bytes)),
        "an in-toto layer is a statement, not a document"
    );
}
