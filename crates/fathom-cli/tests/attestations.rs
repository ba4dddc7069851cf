//! `fathom provenance` and `fathom sbom` against the real demo registry: `demo/attested` carries
//! a BuildKit-style attestation manifest (SLSA provenance v0.2 and an SPDX SBOM about its amd64
//! image); skopeo, an independent client, says which image that is.

mod common;

use std::process::Command;

use common::{curl_put, demo, fathom, skopeo_raw, stderr};
use serde_json::Value;

fn json_of(args: &[&str]) -> (Option<i32>, Value) {
    let out = fathom(args);
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code(), value)
}

/// The amd64 image of `demo/attested`, as the registry's index lists it.
fn amd64_of(reference: &str) -> String {
    let index = skopeo_raw(reference);
    let amd64 = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["platform"]["architecture"] == "amd64")
        .unwrap();
    amd64["digest"].as_str().unwrap().to_owned()
}

#[test]
fn the_provenance_of_the_image_a_platform_pulls_is_read_and_checked() {
    let reference = format!("{}/demo/attested:latest", demo().plain);
    let (code, read) = json_of(&[
        "provenance",
        &reference,
        "--platform",
        "linux/amd64",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0), "{read}");
    assert_eq!(read["image"], amd64_of(&reference));
    let [attestation] = read["attestations"].as_array().unwrap().as_slice() else {
        panic!("one provenance statement: {read}")
    };
    assert_eq!(attestation["predicateType"], "https://slsa.dev/provenance/v0.2");
    assert_eq!(attestation["findings"], serde_json::json!([]));
    let provenance = &attestation["provenance"];
    assert_eq!(provenance["slsaVersion"], "v0.2");
    let material = provenance["materials"][0]["uri"].as_str().unwrap();
    assert!(material.starts_with("pkg:deb/debian/busybox-static@"), "{material}");
    let human = fathom(&["provenance", &reference, "--platform", "linux/amd64"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("provenance: SLSA v0.2"), "{text}");
    assert!(
        text.contains("yes; parameters complete: yes; materials complete: yes"),
        "{text}"
    );
    assert!(
        text.contains("signature:") && text.contains("a plain in-toto statement"),
        "{text}"
    );
}

#[test]
fn the_sbom_lists_its_packages_by_ecosystem_and_filters_them() {
    let reference = format!("{}/demo/attested:latest", demo().plain);
    let (code, read) = json_of(&["sbom", &reference, "--platform", "linux/amd64", "--format", "json"]);
    assert_eq!(code, Some(0), "{read}");
    let [attestation] = read["attestations"].as_array().unwrap().as_slice() else {
        panic!("one SBOM statement: {read}")
    };
    let sbom = &attestation["sbom"];
    assert_eq!(sbom["format"], "SPDX-2.3");
    let package = &sbom["packages"][0];
    assert_eq!(package["name"], "busybox-static");
    assert_eq!(package["ecosystem"], "deb");
    assert_eq!(package["licence"], "GPL-2.0-only");
    assert_eq!(package["supplier"], "Debian");
    let (_, none) = json_of(&[
        "sbom",
        &reference,
        "--platform",
        "linux/amd64",
        "--filter",
        "ecosystem=npm",
        "--format",
        "json",
    ]);
    assert_eq!(none["attestations"][0]["sbom"]["packages"], serde_json::json!([]));
    let human = fathom(&["sbom", &reference, "--platform", "linux/amd64", "--filter", "GPL"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("1 package — deb 1") && text.contains("busybox-static"),
        "{text}"
    );
}

#[test]
fn an_image_without_attestations_says_so_and_exits_1() {
    let reference = format!("{}/demo/busybox:oci", demo().plain);
    let out = fathom(&["provenance", &reference, "--platform", "linux/amd64"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no provenance attestation"));
}

#[test]
fn an_attestation_moved_to_another_image_is_a_subject_mismatch() {
    let registry = &demo().plain;
    let target = format!("{registry}/test/attested-moved");
    let copy = |from: &str, to: &str, extra: &[&str]| {
        let out = Command::new("skopeo")
            .args(["copy", "--src-tls-verify=false", "--dest-tls-verify=false"])
            .args(extra)
            .arg(format!("docker://{from}"))
            .arg(format!("docker://{to}"))
            .output()
            .expect("skopeo runs");
        assert!(
            out.status.success(),
            "skopeo copy: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    copy(
        &format!("{registry}/demo/attested:latest"),
        &format!("{target}:latest"),
        &["--all"],
    );
    copy(
        &format!("{registry}/demo/busybox:oci"),
        &format!("{target}:arm64"),
        &["--override-arch", "arm64", "--override-variant", "v8"],
    );
    // The index again, its image now the arm64 one, and the attestation (about amd64) said to
    // describe it.
    let mut index = skopeo_raw(&format!("{target}:latest"));
    let arm64 = skopeo_raw(&format!("{target}:arm64"));
    let raw_arm64 = Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{target}:arm64"),
        ])
        .output()
        .unwrap()
        .stdout;
    let arm64_digest = fathom_core::digest::Digest::sha256(&raw_arm64).to_string();
    for entry in index["manifests"].as_array_mut().unwrap() {
        if entry["platform"]["architecture"] == "amd64" {
            entry["digest"] = arm64_digest.clone().into();
            entry["size"] = raw_arm64.len().into();
            entry["mediaType"] = arm64["mediaType"].clone();
            entry["platform"] = serde_json::json!({"architecture": "arm64", "os": "linux", "variant": "v8"});
        } else {
            entry["annotations"]["vnd.docker.reference.digest"] = arm64_digest.clone().into();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("index.json");
    std::fs::write(&file, serde_json::to_vec(&index).unwrap()).unwrap();
    curl_put(
        &format!("http://{registry}/v2/test/attested-moved/manifests/moved"),
        &file,
        "application/vnd.oci.image.index.v1+json",
    );
    let (code, read) = json_of(&[
        "provenance",
        &format!("{target}:moved"),
        "--platform",
        "linux/arm64",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(1), "{read}");
    assert_eq!(read["image"], arm64_digest);
    let finding = &read["attestations"][0]["findings"][0];
    assert_eq!(finding["code"], "attestation-subject-mismatch", "{read}");
    let human = fathom(&["provenance", &format!("{target}:moved"), "--platform", "linux/arm64"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("✘ attestation-subject-mismatch"), "{text}");
}

#[test]
fn an_sbom_attached_as_a_referrer_is_read_too() {
    let reference = format!("{}/demo/busybox:oci", demo().plain);
    let inspected = common::inspect_json(&reference);
    let referrer = inspected["referrers"][0]["descriptor"]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, read) = json_of(&["sbom", &reference, "--platform", "linux/amd64", "--format", "json"]);
    assert_eq!(code, Some(0), "{read}");
    let [attestation] = read["attestations"].as_array().unwrap().as_slice() else {
        panic!("one SBOM, the referrer's: {read}")
    };
    assert_eq!(attestation["referrer"], referrer);
    assert_eq!(attestation["predicateType"], Value::Null, "a document, not a statement");
    assert_eq!(
        attestation["sbom"]["packages"][0]["purl"]
            .as_str()
            .unwrap()
            .split('@')
            .next(),
        Some("pkg:deb/debian/busybox-static")
    );
}
