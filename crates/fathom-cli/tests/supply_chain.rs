//! `fathom inspect --supply-chain` against the real demo registry: the Report (schema version 3)
//! carries what `fathom provenance`, `fathom sbom` and `fathom verify` find of the same image —
//! the same attestations, the same signatures with the same verdicts — valid against the
//! Report's schema; a failed signature check fails the command, not the Report's own checks.

mod common;

use common::{assert_valid_report, demo, fathom, stderr};
use serde_json::Value;

/// `fathom <args> --format json`: its exit code and answer.
fn json(args: &[&str]) -> (Option<i32>, Value) {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    let out = fathom(&args);
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stderr(&out)));
    (out.status.code(), value)
}

fn reference(repository_tag: &str) -> String {
    format!("{}/demo/{repository_tag}", demo().plain)
}

fn key(name: &str) -> String {
    demo().keys.join(name).display().to_string()
}

#[test]
fn the_supply_chain_is_what_provenance_and_verify_find_of_the_same_image() {
    let attested = reference("signed:attested");
    let p256 = key("p256.pub");
    let (code, report) = json(&["inspect", &attested, "--supply-chain", "--key", &p256]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["schemaVersion"], 3);
    assert_valid_report(&report);
    let supply = &report["supplyChain"];
    // The signatures: what `fathom verify` answers, but for the reference it names itself.
    let (verify_code, mut verified) = json(&["verify", &attested, "--key", &p256]);
    assert_eq!(verify_code, Some(0));
    verified.as_object_mut().unwrap().remove("reference");
    assert_eq!(supply["signatures"], verified);
    assert_eq!(supply["signatures"]["verdict"], "verified");
    // The attestations: cosign's `.att` SLSA provenance, as `fathom provenance` reads it.
    let (provenance_code, provenance) = json(&["provenance", &attested, "--platform", "linux/ppc64le"]);
    assert_eq!(provenance_code, Some(0), "{provenance}");
    let attestations = supply["attestations"]["attestations"].as_array().unwrap();
    assert_eq!(attestations.len(), 1, "{supply}");
    assert_eq!(attestations[0]["predicateType"], "https://slsa.dev/provenance/v1");
    assert_eq!(attestations[0]["layer"], provenance["attestations"][0]["layer"]);
    assert_eq!(
        attestations[0]["provenance"],
        provenance["attestations"][0]["provenance"]
    );
    assert_eq!(supply["attestations"]["image"], report["digest"]);
    // A signer alone implies it; without either, the Report has none.
    let (_, implied) = json(&["inspect", &attested, "--key", &p256]);
    assert_eq!(implied["supplyChain"]["signatures"], supply["signatures"]);
    let (_, plain) = json(&["inspect", &attested]);
    assert!(plain.get("supplyChain").is_none(), "{plain}");
    assert_eq!(plain["schemaVersion"], 3);
}

#[test]
fn buildkit_attestations_of_the_platform_s_image_and_no_signature_is_not_a_failure() {
    let (code, report) = json(&[
        "inspect",
        &reference("attested:latest"),
        "--platform",
        "linux/amd64",
        "--supply-chain",
    ]);
    assert_eq!(code, Some(0), "{report}");
    assert_valid_report(&report);
    let supply = &report["supplyChain"];
    let kinds: Vec<&str> = supply["attestations"]["attestations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["predicateType"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["https://slsa.dev/provenance/v0.2", "https://spdx.dev/Document"]);
    assert_eq!(supply["signatures"]["verdict"], "unsigned");
    // Every platform, none pulled: no image's attestations to read, the index's signatures only.
    let (code, report) = json(&["inspect", &reference("attested:latest"), "--supply-chain"]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["supplyChain"]["attestations"], Value::Null);
    assert_eq!(
        report["supplyChain"]["signatures"]["subjects"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_failed_signature_check_fails_the_command_and_stays_out_of_the_report_s_findings() {
    let root = key("trusted_root.json");
    let (code, report) = json(&[
        "inspect",
        &reference("keyless:expired"),
        "--trusted-root",
        &root,
        "--certificate-identity",
        "https://github.com/fathom-demo/app/.github/workflows/release.yml@refs/tags/v1.2.0",
        "--certificate-oidc-issuer",
        "https://token.actions.githubusercontent.com",
    ]);
    assert_eq!(code, Some(1), "{report}");
    assert_valid_report(&report);
    assert_eq!(report["findings"], Value::Array(Vec::new()));
    let signatures = &report["supplyChain"]["signatures"];
    assert_eq!(signatures["verdict"], "invalid");
    assert_eq!(
        signatures["signatures"][0]["findings"][0]["code"],
        "signature-certificate-expired"
    );
    // In words, under the platform table.
    let out = fathom(&[
        "inspect",
        &reference("signed:tampered-payload"),
        "--key",
        &key("p256.pub"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("supply chain:"), "{text}");
    assert!(text.contains("signatures    INVALID"), "{text}");
    assert!(text.contains("✘ signature-invalid"), "{text}");
}
