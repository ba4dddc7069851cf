//! `fathom verify` against the real demo registry: `demo/signed` is signed during the registry's
//! build in cosign's formats (the `.sig` tag and an OCI 1.1 referrer) with P-256, Ed25519 and
//! RSA keys made there, and tampered with in three ways. OpenSSL, an independent verifier, must
//! agree with every signature verdict; skopeo says which image each payload names.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{codes, demo, fathom, skopeo_raw, stderr};
use serde_json::Value;

const KEYS: [&str; 3] = ["p256", "ed25519", "rsa"];
const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";

fn key(name: &str) -> PathBuf {
    demo().keys.join(format!("{name}.pub"))
}

fn signed(tag: &str) -> String {
    format!("{}/demo/signed:{tag}", demo().plain)
}

fn verify(reference: &str, key: Option<&Path>, platform: &str) -> (Option<i32>, Value) {
    let mut args = vec!["verify", reference, "--platform", platform, "--format", "json"];
    let key = key.map(|k| k.display().to_string());
    if let Some(key) = &key {
        args.extend(["--key", key]);
    }
    let out = fathom(&args);
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code(), value)
}

/// A blob of `demo/signed`, fetched with curl.
fn blob(digest: &str) -> Vec<u8> {
    blob_of("signed", digest)
}

/// A blob of `demo/<repository>`, fetched with curl.
fn blob_of(repository: &str, digest: &str) -> Vec<u8> {
    let url = format!("http://{}/v2/demo/{repository}/blobs/{digest}", demo().plain);
    let out = Command::new("curl").args(["-fsS", &url]).output().expect("curl");
    assert!(out.status.success(), "{url}: {}", stderr(&out));
    out.stdout
}

/// The digest of the manifest `demo/signed:tag`, over the bytes curl fetches.
fn manifest_digest(tag: &str) -> String {
    use sha2::Digest as _;
    let url = format!("http://{}/v2/demo/signed/manifests/{tag}", demo().plain);
    let accept = "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json";
    let out = Command::new("curl")
        .args(["-fsS", "-H", accept, &url])
        .output()
        .expect("curl");
    assert!(out.status.success(), "{url}: {}", stderr(&out));
    let hex: String = sha2::Sha256::digest(&out.stdout)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// OpenSSL's verdict: does `signature` (base64, as the annotation holds it) of `payload` verify
/// with the key `name`? ECDSA and RSA over SHA-256 (`dgst`), Ed25519 over the raw message.
fn openssl_verifies(name: &str, payload: &[u8], signature: &str) -> bool {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let (message, sig) = (dir.path().join("payload"), dir.path().join("sig"));
    std::fs::write(&message, payload).unwrap();
    std::fs::write(
        &sig,
        base64::engine::general_purpose::STANDARD.decode(signature).unwrap(),
    )
    .unwrap();
    let key = key(name);
    let mut openssl = Command::new("openssl");
    if name == "ed25519" {
        openssl
            .args(["pkeyutl", "-verify", "-rawin", "-pubin", "-inkey"])
            .arg(&key);
        openssl.arg("-in").arg(&message).arg("-sigfile").arg(&sig);
    } else {
        openssl.args(["dgst", "-sha256", "-verify"]).arg(&key);
        openssl.arg("-signature").arg(&sig).arg(&message);
    }
    openssl.output().expect("openssl").status.success()
}

#[test]
fn the_index_and_its_amd64_image_verify_with_each_key_they_were_signed_with() {
    for name in KEYS {
        let (code, v) = verify(&signed("latest"), Some(&key(name)), "linux/amd64");
        assert_eq!(code, Some(0), "{name}: {v}");
        assert_eq!(v["verdict"], "verified", "{name}");
        assert_eq!(
            v["subjects"].as_array().unwrap().len(),
            2,
            "the index and the amd64 image"
        );
        let verified: Vec<&Value> = v["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["verdict"] == "verified")
            .collect();
        // The index holds one signature per key (three layers of its .sig manifest); the amd64
        // image's one referrer signature is the P-256 key's.
        assert_eq!(verified.len(), if name == "p256" { 2 } else { 1 }, "{name}: {v}");
        let sources: Vec<&str> = verified.iter().map(|s| s["source"].as_str().unwrap()).collect();
        assert!(sources.contains(&"tag"), "{sources:?}");
        if name == "p256" {
            assert!(sources.contains(&"referrer"), "{sources:?}");
        }
        // The key id is the sha256 of the key's DER SubjectPublicKeyInfo, as OpenSSL writes it.
        let der = Command::new("openssl")
            .args(["pkey", "-pubin", "-outform", "DER", "-in"])
            .arg(key(name))
            .output()
            .unwrap();
        use sha2::Digest as _;
        let id = sha2::Sha256::digest(&der.stdout);
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(v["keyId"], hex);
    }
}

#[test]
fn every_verdict_agrees_with_openssl() {
    let mut compared = 0;
    for tag in ["latest", "tampered-payload", "wrong-digest", "copied-signature"] {
        for name in KEYS {
            let (_, v) = verify(&signed(tag), Some(&key(name)), "linux/amd64");
            for s in v["signatures"].as_array().unwrap() {
                let payload = blob(s["payload"]["digest"].as_str().unwrap());
                let signature = s["payload"]["annotations"][SIGNATURE_ANNOTATION].as_str().unwrap();
                let openssl = openssl_verifies(name, &payload, signature);
                match s["verdict"].as_str().unwrap() {
                    "verified" => assert!(openssl, "{tag} {name}: Fathom verified, OpenSSL did not: {s}"),
                    "not-this-key" => assert!(!openssl, "{tag} {name}: OpenSSL verified what Fathom did not: {s}"),
                    // A signature of another image: valid as a signature (OpenSSL may verify
                    // it), wrong as a claim about this image — the payload check catches it.
                    "invalid" => assert_eq!(codes(&s["findings"]), ["signature-wrong-image"], "{s}"),
                    other => panic!("{tag} {name}: verdict {other} with a key given"),
                }
                compared += 1;
            }
        }
    }
    assert!(compared >= 24, "{compared} signatures compared");
}

#[test]
fn a_payload_edited_after_signing_is_invalid_for_every_key() {
    for name in KEYS {
        let (code, v) = verify(&signed("tampered-payload"), Some(&key(name)), "none");
        assert_eq!(code, Some(1), "{v}");
        assert_eq!(v["verdict"], "invalid");
        assert_eq!(codes(&v["findings"]), ["signature-invalid"], "{v}");
        assert_eq!(v["signatures"][0]["dockerReference"], "127.0.0.1:5555/demo/evil");
    }
    let human = fathom(&[
        "verify",
        &signed("tampered-payload"),
        "--key",
        key("p256").to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("signed payload was changed after signing") && text.contains("INVALID"),
        "{text}"
    );
}

#[test]
fn a_signature_of_another_image_is_the_wrong_image_even_when_it_verifies() {
    let index = skopeo_raw(&signed("latest"));
    let of = |arch: &str| {
        index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["platform"]["architecture"] == arch)
            .unwrap()["digest"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for (tag, names) in [
        ("wrong-digest", of("ppc64le")),
        ("copied-signature", manifest_digest("latest")),
    ] {
        let (code, v) = verify(&signed(tag), Some(&key("p256")), "none");
        assert_eq!(code, Some(1), "{v}");
        assert_eq!(v["verdict"], "invalid");
        for s in v["signatures"].as_array().unwrap() {
            assert_eq!(s["verdict"], "invalid", "{s}");
            assert_eq!(codes(&s["findings"]), ["signature-wrong-image"]);
            assert_ne!(s["signedDigest"], s["subject"]);
            assert_eq!(s["signedDigest"], names.as_str(), "{tag}: the image the payload names");
        }
    }
}

#[test]
fn an_unsigned_image_fails_only_when_a_key_asks_for_a_signature() {
    let (code, v) = verify(&signed("unsigned"), Some(&key("rsa")), "none");
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["verdict"], "unsigned");
    assert_eq!(codes(&v["findings"]), ["signature-missing"]);
    let (code, v) = verify(&signed("unsigned"), None, "none");
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["verdict"], "unsigned");
    let (code, v) = verify(&signed("latest"), None, "none");
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["verdict"], "unverified");
    assert_eq!(v["signatures"].as_array().unwrap().len(), 3);
}

#[test]
fn another_signer_s_key_verifies_nothing() {
    let other = common::repo_root().join("tests/data/signatures/p256.pub");
    let (code, v) = verify(&signed("latest"), Some(&other), "linux/amd64");
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(codes(&v["findings"]), ["signature-invalid"]);
    assert!(v["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["verdict"] == "not-this-key"));
}

#[test]
fn a_signature_manifest_inspects_as_an_artifact_without_errors() {
    // cosign's config names no platform (`"architecture": ""`): not an image missing one.
    let subject = manifest_digest("latest");
    let tag = format!("sha256-{}.sig", subject.trim_start_matches("sha256:"));
    let out = fathom(&["inspect", &signed(&tag), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["platforms"][0]["kind"], "artifact");
    assert_eq!(report["platforms"][0]["image"]["layers"].as_array().unwrap().len(), 3);
}

const IDENTITY: &str = "https://github.com/org/repo/.github/workflows/release.yaml@refs/heads/main";

/// `fathom verify demo/signed:latest` under a keyless policy: `root`, [`IDENTITY`], GitHub's
/// issuer, then `extra`.
fn verify_keyless(root: &Path, extra: &[&str]) -> std::process::Output {
    let latest = signed("latest");
    let mut args = vec!["verify", latest.as_str(), "--trusted-root", root.to_str().unwrap()];
    args.extend(["--certificate-identity", IDENTITY]);
    args.extend([
        "--certificate-oidc-issuer",
        "https://token.actions.githubusercontent.com",
    ]);
    args.extend(extra);
    fathom(&args)
}

#[test]
fn a_keyless_policy_verifies_none_of_the_keyed_signatures_and_names_its_identity() {
    // demo/signed holds signatures made with keys: a keyless policy (the public-good trusted
    // root, an identity) finds none of its own. The keyless checks themselves are the core's
    // tests, on a real public-good signature.
    let root = common::repo_root().join("tests/data/signatures/sigstore-trusted-root.public-good.json");
    let out = verify_keyless(&root, &["--platform", "none", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "invalid");
    assert_eq!(codes(&v["findings"]), ["signature-invalid"]);
    assert!(v["key"].as_str().unwrap().contains(IDENTITY), "{v}");
    assert_eq!(v["keyId"], Value::Null);
    // A trusted root needs the identity it must vouch for, and is no key.
    let out = fathom(&["verify", &signed("latest"), "--trusted-root", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = verify_keyless(&root, &["--key", key("p256").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // A file that is no trusted root is named.
    let out = verify_keyless(&key("p256"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a Sigstore trusted root"), "{}", stderr(&out));
}

#[test]
fn keys_that_cannot_be_used_are_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let private = dir.path().join("cosign.key");
    std::fs::write(
        &private,
        "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
    )
    .unwrap();
    let out = fathom(&["verify", &signed("latest"), "--key", private.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("this is a private key"), "{}", stderr(&out));
    let missing = dir.path().join("nope.pub");
    let out = fathom(&["verify", &signed("latest"), "--key", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
}

/// DSSE's pre-authentication encoding, written out here from the DSSE protocol (not the core's),
/// for OpenSSL to verify the bundle's signature over.
fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), payload.len()).into_bytes();
    out.extend_from_slice(payload);
    out
}

#[test]
fn cosign_v3_bundle_referrers_verify_as_openssl_says_and_a_copied_one_is_the_wrong_image() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    for name in KEYS {
        let (code, v) = verify(&signed("bundle"), Some(&key(name)), "none");
        let s = &v["signatures"][0];
        assert_eq!(v["signatures"].as_array().unwrap().len(), 1, "{v}");
        assert_eq!(s["source"], "referrer");
        assert_eq!(
            s["payload"]["mediaType"],
            "application/vnd.dev.sigstore.bundle.v0.3+json"
        );
        assert_eq!(s["predicateType"], "https://sigstore.dev/cosign/sign/v1");
        assert_eq!(s["signedDigest"], v["subjects"][0], "the statement names the image");
        // OpenSSL checks the envelope's signature over its pre-authentication encoding.
        let bundle: Value = serde_json::from_slice(&blob(s["payload"]["digest"].as_str().unwrap())).unwrap();
        let envelope = &bundle["dsseEnvelope"];
        let payload = b64.decode(envelope["payload"].as_str().unwrap()).unwrap();
        let signed_bytes = pae(envelope["payloadType"].as_str().unwrap(), &payload);
        let openssl = openssl_verifies(name, &signed_bytes, envelope["signatures"][0]["sig"].as_str().unwrap());
        assert_eq!(openssl, name == "p256", "signed with the P-256 key");
        let expected = if openssl {
            ("verified", Some(0))
        } else {
            ("not-this-key", Some(1))
        };
        assert_eq!((s["verdict"].as_str().unwrap(), code), expected, "{name}: {v}");
    }
    // A valid bundle of arm/v7 attached to arm/v5: it verifies with the key, and proves nothing.
    let (code, v) = verify(&signed("bundle-copied"), Some(&key("p256")), "none");
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(codes(&v["signatures"][0]["findings"]), ["signature-wrong-image"], "{v}");
    assert_eq!(v["signatures"][0]["signedDigest"], manifest_digest("bundle"));
}

#[test]
fn a_cosign_attestation_is_checked_with_the_key_and_does_not_sign_the_image() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let (code, v) = verify(&signed("attested"), Some(&key("p256")), "none");
    assert_eq!((code, v["verdict"].as_str()), (Some(0), Some("verified")), "{v}");
    let rows = v["signatures"].as_array().unwrap();
    let attestation = rows
        .iter()
        .find(|s| s["payload"]["mediaType"] == "application/vnd.dsse.envelope.v1+json")
        .expect("the .att layer");
    assert_eq!(rows.len(), 2, "the .sig signature and the .att attestation: {v}");
    assert_eq!(attestation["predicateType"], "https://slsa.dev/provenance/v1");
    assert_eq!(attestation["verdict"], "verified");
    assert_eq!(attestation["signedDigest"], v["subjects"][0]);
    // OpenSSL agrees on the envelope's signature over its pre-authentication encoding, for
    // every key.
    let envelope: Value = serde_json::from_slice(&blob(attestation["payload"]["digest"].as_str().unwrap())).unwrap();
    let payload = b64.decode(envelope["payload"].as_str().unwrap()).unwrap();
    let signed_bytes = pae(envelope["payloadType"].as_str().unwrap(), &payload);
    for name in KEYS {
        let openssl = openssl_verifies(name, &signed_bytes, envelope["signatures"][0]["sig"].as_str().unwrap());
        let (_, v) = verify(&signed("attested"), Some(&key(name)), "none");
        let fathom = v["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["predicateType"].is_string() && s["verdict"] == "verified");
        assert_eq!(fathom, openssl, "{name}");
    }
    // The provenance it carries is read by `fathom provenance`, checked against the image.
    let out = fathom(&[
        "provenance",
        &signed("attested"),
        "--platform",
        "linux/ppc64le",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let read: Value = serde_json::from_slice(&out.stdout).unwrap();
    let attestations = read["attestations"].as_array().unwrap();
    assert_eq!(attestations.len(), 1, "{read}");
    assert_eq!(attestations[0]["layer"], attestation["payload"]["digest"]);
    assert!(attestations[0]["enveloped"].as_bool().unwrap());
    assert!(attestations[0]["findings"].as_array().unwrap().is_empty());
    assert_eq!(attestations[0]["provenance"]["slsaVersion"], "v1", "{read}");
}

/// `demo/notation:<tag>`.
fn notation(tag: &str) -> String {
    format!("{}/demo/notation:{tag}", demo().plain)
}

/// An ECDSA signature as JWS writes it (`r ‖ s`) in ASN.1 DER, as OpenSSL reads it.
fn der_of_raw(raw: &[u8]) -> Vec<u8> {
    let integer = |half: &[u8]| {
        let trimmed: Vec<u8> = half.iter().copied().skip_while(|b| *b == 0).collect();
        let mut bytes = if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
            vec![0]
        } else {
            vec![]
        };
        bytes.extend(trimmed);
        let mut out = vec![0x02, bytes.len() as u8];
        out.extend(bytes);
        out
    };
    let (r, s) = raw.split_at(raw.len() / 2);
    let body: Vec<u8> = integer(r).into_iter().chain(integer(s)).collect();
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

#[test]
fn a_notation_signature_verifies_with_its_trust_store_certificate_as_openssl_says() {
    use base64::Engine as _;
    let ca = demo().keys.join("notation-ca.crt");
    let (code, v) = verify(&notation("signed"), Some(&ca), "none");
    assert_eq!((code, v["verdict"].as_str()), (Some(0), Some("verified")), "{v}");
    let s = &v["signatures"][0];
    assert_eq!(s["payload"]["mediaType"], "application/jose+json");
    assert_eq!(s["signer"]["subject"], "CN=demo signer,O=Fathom demo");
    assert!(
        v["key"]
            .as_str()
            .unwrap()
            .starts_with("certificate CN=Fathom demo notation CA"),
        "{v}"
    );
    // OpenSSL: the leaf chains to the CA, and the JWS signature verifies with the leaf's key.
    let envelope: Value =
        serde_json::from_slice(&blob_of("notation", s["payload"]["digest"].as_str().unwrap())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let leaf_der = b64.decode(envelope["header"]["x5c"][0].as_str().unwrap()).unwrap();
    let leaf = dir.path().join("leaf.der");
    std::fs::write(&leaf, &leaf_der).unwrap();
    let leaf_pem = dir.path().join("leaf.pem");
    let converted = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-in"])
        .arg(&leaf)
        .arg("-out")
        .arg(&leaf_pem)
        .status()
        .unwrap();
    assert!(converted.success());
    let chained = Command::new("openssl")
        .arg("verify")
        .arg("-CAfile")
        .arg(&ca)
        .arg(&leaf_pem)
        .output()
        .unwrap();
    assert!(chained.status.success(), "{}", stderr(&chained));
    let leaf_key = dir.path().join("leaf.pub");
    let extracted = Command::new("openssl")
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(&leaf_pem)
        .output()
        .unwrap();
    std::fs::write(&leaf_key, extracted.stdout).unwrap();
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let signing_input = format!(
        "{}.{}",
        envelope["protected"].as_str().unwrap(),
        envelope["payload"].as_str().unwrap()
    );
    let raw = url.decode(envelope["signature"].as_str().unwrap()).unwrap();
    let (input, sig) = (dir.path().join("input"), dir.path().join("sig"));
    std::fs::write(&input, signing_input).unwrap();
    std::fs::write(&sig, der_of_raw(&raw)).unwrap();
    let signed = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(&leaf_key)
        .arg("-signature")
        .arg(&sig)
        .arg(&input)
        .output()
        .unwrap();
    assert!(signed.status.success(), "{}", stderr(&signed));
    // Another key: not this signer's. No key: read, not checked.
    let (code, v) = verify(&notation("signed"), Some(&key("ed25519")), "none");
    assert_eq!(
        (code, v["signatures"][0]["verdict"].as_str()),
        (Some(1), Some("not-this-key")),
        "{v}"
    );
    let (code, v) = verify(&notation("signed"), None, "none");
    assert_eq!((code, v["verdict"].as_str()), (Some(0), Some("unverified")), "{v}");
    // notation-go's real signature of another artifact, attached here: the wrong image.
    let alpine =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/signatures/notation/alpine.crt");
    let (code, v) = verify(&notation("copied"), Some(&alpine), "none");
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(codes(&v["signatures"][0]["findings"]), ["signature-wrong-image"], "{v}");
}
