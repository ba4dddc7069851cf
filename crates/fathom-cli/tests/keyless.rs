//! `fathom verify` on `demo/keyless`: busybox's images signed as `cosign sign` signs without a
//! key, by the demo Sigstore the registry's build makes — a Fulcio-like certificate authority, a
//! CT log, a Rekor-like log — whose trusted root is `$FATHOM_DEMO_KEYS/trusted_root.json`.
//! OpenSSL, an independent verifier, checks beside Fathom what it can: the certificate chain at
//! the time the log gives, the signature with the certificate's key, the log's signed entry
//! timestamp over its canonical entry.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use common::{codes, demo, fathom, skopeo_inspect_digest, skopeo_raw, stderr};
use serde_json::Value;

const IDENTITY: &str = "https://github.com/fathom-demo/app/.github/workflows/release.yml@refs/tags/v1.2.0";
const FORK: &str = "https://github.com/someone-else/app/.github/workflows/release.yml@refs/tags/v1.2.0";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

fn keyless(tag: &str) -> String {
    format!("{}/demo/keyless:{tag}", demo().plain)
}

fn demo_root() -> PathBuf {
    demo().keys.join("trusted_root.json")
}

/// `fathom verify demo/keyless:<tag>` under `root` and `identity`, then `extra`.
fn verify_output(tag: &str, root: &Path, identity: &str, extra: &[&str]) -> std::process::Output {
    let reference = keyless(tag);
    let root = root.to_str().unwrap();
    let mut args = vec![
        "verify",
        &reference,
        "--trusted-root",
        root,
        "--certificate-identity",
        identity,
    ];
    args.extend(["--certificate-oidc-issuer", ISSUER]);
    args.extend(extra);
    fathom(&args)
}

/// `fathom verify demo/keyless:<tag> --format json` under `root` and `identity`: its exit code
/// and answer.
fn verify(tag: &str, root: &Path, identity: &str) -> (Option<i32>, Value) {
    let out = verify_output(tag, root, identity, &["--format", "json"]);
    let answer = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code(), answer)
}

/// The one signature an answer holds.
fn only_signature(answer: &Value) -> &Value {
    let signatures = answer["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 1, "{answer}");
    &signatures[0]
}

#[test]
fn the_release_workflow_s_signature_verifies_and_names_its_source() {
    let (code, answer) = verify("signed", &demo_root(), IDENTITY);
    assert_eq!(code, Some(0), "{answer}");
    assert_eq!(answer["verdict"], "verified");
    let signature = only_signature(&answer);
    assert_eq!(signature["verdict"], "verified");
    assert_eq!(signature["keyless"], true);
    assert_eq!(signature["transparencyLog"], true);
    let signer = &signature["signer"];
    assert_eq!(signer["subject"], IDENTITY);
    assert_eq!(signer["issuer"], ISSUER);
    assert_eq!(signer["sourceRepository"], "https://github.com/fathom-demo/app");
    // The log took it 30 s after its certificate was issued (2026-01-01T00:00:00Z).
    assert_eq!(signer["signedAt"], 1_767_225_630);
    assert_eq!(signer["logIndex"], 0);
    // In words: who signed, from which source.
    let out = verify_output("signed", &demo_root(), IDENTITY, &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("signed by {IDENTITY} ({ISSUER})")), "{text}");
    assert!(
        text.contains("source:    https://github.com/fathom-demo/app 4f6c8e2a"),
        "{text}"
    );
}

#[test]
fn cosign_v3_s_keyless_bundle_referrer_verifies_with_its_proof_and_checkpoint() {
    // A DSSE envelope of a sign/v1 statement, logged as a `dsse` entry with its inclusion proof
    // and the log's signed checkpoint: what `cosign sign` (v3) attaches by default.
    let (code, answer) = verify("bundle", &demo_root(), IDENTITY);
    assert_eq!(code, Some(0), "{answer}");
    let signature = only_signature(&answer);
    assert_eq!(signature["source"], "referrer");
    assert_eq!(
        signature["payload"]["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    assert_eq!(signature["predicateType"], "https://sigstore.dev/cosign/sign/v1");
    assert_eq!(signature["verdict"], "verified");
    assert_eq!(signature["keyless"], true);
    assert_eq!(signature["transparencyLog"], true);
    assert_eq!(signature["signer"]["subject"], IDENTITY);
    assert_eq!(signature["signedDigest"], answer["subjects"][0]);
    // Under the public-good root, its log is unknown.
    let public_good = common::repo_root().join("tests/data/signatures/sigstore-trusted-root.public-good.json");
    let (code, answer) = verify("bundle", &public_good, IDENTITY);
    assert_eq!(code, Some(1), "{answer}");
    assert_eq!(only_signature(&answer)["verdict"], "invalid");
}

#[test]
fn a_signature_logged_after_its_certificate_expired_is_invalid() {
    let (code, answer) = verify("expired", &demo_root(), IDENTITY);
    assert_eq!(code, Some(1), "{answer}");
    assert_eq!(answer["verdict"], "invalid");
    let signature = only_signature(&answer);
    assert_eq!(signature["verdict"], "invalid");
    assert_eq!(codes(&signature["findings"]), ["signature-certificate-expired"]);
    let message = signature["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("signed at 1767227400"), "{message}");
}

#[test]
fn another_repository_s_signature_is_not_the_identity_expected_but_is_its_own() {
    let (code, answer) = verify("other-identity", &demo_root(), IDENTITY);
    assert_eq!(code, Some(1), "{answer}");
    assert_eq!(answer["verdict"], "invalid");
    assert_eq!(codes(&answer["findings"]), ["signature-invalid"]);
    let signature = only_signature(&answer);
    assert_eq!(signature["verdict"], "not-this-key");
    assert_eq!(codes(&signature["findings"]), ["signature-identity-mismatch"]);
    assert_eq!(signature["findings"][0]["severity"], "warning");
    assert_eq!(signature["signer"]["subject"], FORK);
    // Asked for the fork's identity, it verifies: only the identity was wrong.
    let (code, answer) = verify("other-identity", &demo_root(), FORK);
    assert_eq!(code, Some(0), "{answer}");
    assert_eq!(only_signature(&answer)["verdict"], "verified");
    // And the release workflow's own signature is not the fork's.
    let (code, answer) = verify("signed", &demo_root(), FORK);
    assert_eq!(code, Some(1), "{answer}");
    assert_eq!(only_signature(&answer)["verdict"], "not-this-key");
}

#[test]
fn under_another_trusted_root_the_demo_signatures_are_not_trusted() {
    // Sigstore's public-good root knows neither the demo log nor the demo authority.
    let public_good = common::repo_root().join("tests/data/signatures/sigstore-trusted-root.public-good.json");
    let (code, answer) = verify("signed", &public_good, IDENTITY);
    assert_eq!(code, Some(1), "{answer}");
    let signature = only_signature(&answer);
    assert_eq!(signature["verdict"], "invalid");
    assert_eq!(codes(&signature["findings"]), ["signature-tlog-invalid"]);
    let message = signature["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("is not in the trusted root"), "{message}");
}

/// What `demo/keyless:<tag>`'s `.sig` layer carries: the payload's bytes and the annotations.
fn signature_layer(tag: &str) -> (Vec<u8>, serde_json::Map<String, Value>) {
    let digest = skopeo_inspect_digest(&keyless(tag));
    let sig_tag = format!("sha256-{}.sig", digest.trim_start_matches("sha256:"));
    let manifest = skopeo_raw(&keyless(&sig_tag));
    let layer = &manifest["layers"][0];
    let url = format!(
        "http://{}/v2/demo/keyless/blobs/{}",
        demo().plain,
        layer["digest"].as_str().unwrap()
    );
    let out = Command::new("curl").args(["-fsS", &url]).output().expect("curl");
    assert!(out.status.success(), "{url}: {}", stderr(&out));
    (out.stdout, layer["annotations"].as_object().unwrap().clone())
}

fn openssl(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl")
}

#[test]
fn openssl_agrees_on_the_chain_the_signature_and_the_log_entry() {
    let root: Value = serde_json::from_slice(&std::fs::read(demo_root()).unwrap()).unwrap();
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.decode(text).unwrap();
    for (tag, chain_valid) in [("signed", true), ("expired", false), ("other-identity", true)] {
        let dir = tempfile::tempdir().unwrap();
        let (payload, annotations) = signature_layer(tag);
        let text = |name: &str| annotations[name].as_str().unwrap().to_owned();
        let bundle: Value = serde_json::from_str(&text("dev.sigstore.cosign/bundle")).unwrap();
        let entry = &bundle["Payload"];
        let file = |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
        file("payload", &payload);
        file("signature", &b64(&text("dev.cosignproject.cosign/signature")));
        file("leaf.pem", text("dev.sigstore.cosign/certificate").as_bytes());
        let chain = text("dev.sigstore.cosign/chain");
        let (intermediate, ca) = chain.split_at(chain.find("-----END CERTIFICATE-----\n").unwrap() + 26);
        file("intermediate.pem", intermediate.as_bytes());
        file("root.pem", ca.as_bytes());
        // The chain, at the time the log took the signature.
        let at = entry["integratedTime"].as_i64().unwrap().to_string();
        let chained = openssl(
            &[
                "verify",
                "-attime",
                &at,
                "-CAfile",
                "root.pem",
                "-untrusted",
                "intermediate.pem",
                "leaf.pem",
            ],
            dir.path(),
        );
        assert_eq!(chained.status.success(), chain_valid, "{tag}: {}", stderr(&chained));
        if !chain_valid {
            assert!(
                String::from_utf8_lossy(&chained.stdout).contains("expired") || stderr(&chained).contains("expired")
            );
        }
        // The signature, with the certificate's key.
        let key = openssl(&["x509", "-in", "leaf.pem", "-pubkey", "-noout"], dir.path());
        file("leaf.pub", &key.stdout);
        let verified = openssl(
            &[
                "dgst",
                "-sha256",
                "-verify",
                "leaf.pub",
                "-signature",
                "signature",
                "payload",
            ],
            dir.path(),
        );
        assert!(verified.status.success(), "{tag}: {}", stderr(&verified));
        // The SET: the log's key over the entry's canonical JSON (keys sorted, no spaces).
        let canonical = serde_json::json!({
            "body": entry["body"], "integratedTime": entry["integratedTime"],
            "logID": entry["logID"], "logIndex": entry["logIndex"],
        });
        file("entry.json", canonical.to_string().as_bytes());
        file("set", &b64(bundle["SignedEntryTimestamp"].as_str().unwrap()));
        file(
            "rekor.der",
            &b64(root["tlogs"][0]["publicKey"]["rawBytes"].as_str().unwrap()),
        );
        let set = openssl(
            &[
                "dgst",
                "-sha256",
                "-keyform",
                "DER",
                "-verify",
                "rekor.der",
                "-signature",
                "set",
                "entry.json",
            ],
            dir.path(),
        );
        assert!(set.status.success(), "{tag}: {}", stderr(&set));
        // And Fathom's verdict on the same signature agrees.
        let (_, answer) = verify(tag, &demo_root(), IDENTITY);
        let expected = match tag {
            "signed" => "verified",
            "expired" => "invalid",
            _ => "not-this-key",
        };
        assert_eq!(only_signature(&answer)["verdict"], expected, "{tag}");
    }
}
