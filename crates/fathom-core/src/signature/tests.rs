//! Signatures made by OpenSSL 3.0 over a cosign simple signing payload, and cosign's own
//! signature manifest from the corpus (tests/data/signatures/PROVENANCE.md).

use std::collections::BTreeMap;

use super::cosign::{self, Signature, Source};
use super::lookup::{Fetched, Found, SignatureLookup};
use super::*;
use crate::descriptor::Descriptor;
use crate::finding::Code;
use crate::media_type::MediaType;
use crate::registry::http::{HttpRequest, HttpResponse, Method};
use crate::registry::Remote;
use crate::Reference;

fn data(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/signatures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn key(name: &str) -> PublicKey {
    PublicKey::from_pem(&String::from_utf8(data(name)).unwrap()).unwrap()
}

/// The image the payload signs: the demo registry's `demo/busybox:oci`.
const SIGNED: &str = "sha256:9f047a4c969f2b6f0bb90b226cc0a2c318561ee8ec7d343be37498b6da13eb97";

/// A signature layer as cosign writes it: the payload's descriptor, the signature annotated.
fn signature_of(payload: &[u8], signature: &str, subject: &str) -> Signature {
    let mut annotations = BTreeMap::new();
    annotations.insert(cosign::SIGNATURE_ANNOTATION.to_owned(), signature.to_owned());
    Signature {
        subject: subject.to_owned(),
        manifest: Digest::sha256(b"the signature manifest").to_string(),
        source: Source::Tag,
        payload: Descriptor {
            media_type: Some(MediaType::new(crate::media_type::COSIGN_SIMPLESIGNING)),
            digest: Digest::sha256(payload).to_string(),
            size: Some(payload.len() as i64),
            annotations: Some(annotations),
            ..Descriptor::default()
        },
    }
}

fn signature_file(algorithm: &str) -> String {
    String::from_utf8(data(&format!("payload.{algorithm}.sig"))).unwrap()
}

#[test]
fn keys_of_every_algorithm_cosign_signs_with_are_read() {
    assert_eq!(key("p256.pub").algorithm(), KeyAlgorithm::EcdsaP256);
    assert_eq!(key("p384.pub").algorithm(), KeyAlgorithm::EcdsaP384);
    assert_eq!(key("ed25519.pub").algorithm(), KeyAlgorithm::Ed25519);
    let rsa = key("rsa.pub");
    assert_eq!(rsa.algorithm(), KeyAlgorithm::Rsa);
    assert!(rsa.describe().starts_with("RSA 3072-bit key "), "{}", rsa.describe());
    // PKCS #1 (`RSA PUBLIC KEY`) is the same key, with the same id.
    assert_eq!(key("rsa-pkcs1.pub").key_id(), rsa.key_id());
    // The key id is the sha256 of the DER SubjectPublicKeyInfo.
    let pem = String::from_utf8(data("ed25519.pub")).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
    assert_eq!(key("ed25519.pub").key_id(), Digest::sha256(&der).hex());
}

#[test]
fn keys_that_cannot_check_a_cosign_signature_are_refused_by_name() {
    let k1 = PublicKey::from_pem(&String::from_utf8(data("secp256k1.pub")).unwrap()).unwrap_err();
    assert!(k1.to_string().contains("neither P-256 nor P-384"), "{k1}");
    let private = PublicKey::from_pem(
        "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
    );
    assert!(matches!(private, Err(KeyError::Private(_))), "{private:?}");
    assert_eq!(PublicKey::from_pem("ssh-ed25519 AAAA").unwrap_err(), KeyError::NotPem);
    let cert = PublicKey::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").unwrap_err();
    assert!(
        matches!(cert, KeyError::Unsupported(_)),
        "a certificate that cannot be read: {cert:?}"
    );
    let csr = PublicKey::from_pem("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n");
    assert_eq!(csr.unwrap_err(), KeyError::OtherPem("CERTIFICATE REQUEST".into()));
    let garbage = PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").unwrap_err();
    assert!(matches!(garbage, KeyError::Unsupported(_)), "{garbage:?}");
}

#[test]
fn openssl_signatures_of_a_payload_verify_with_their_key_and_no_other() {
    let payload = data("payload.json");
    let keys = ["p256", "p384", "ed25519", "rsa"];
    for signer in keys {
        let signature = signature_of(&payload, &signature_file(signer), SIGNED);
        for checker in keys {
            let checked = cosign::check(&signature, Ok(&payload), Trust::Key(&key(&format!("{checker}.pub"))));
            let expected = if signer == checker {
                Verdict::Verified
            } else {
                Verdict::NotThisKey
            };
            assert_eq!(checked.judged.verdict, expected, "{signer} checked with {checker}");
            assert!(checked.judged.findings.is_empty(), "{:?}", checked.judged.findings);
        }
        let unchecked = cosign::check(&signature, Ok(&payload), Trust::Nothing);
        assert_eq!(unchecked.judged.verdict, Verdict::Unverified);
        assert_eq!(unchecked.judged.signed_digest.as_deref(), Some(SIGNED));
        assert_eq!(
            unchecked.docker_reference.as_deref(),
            Some("127.0.0.1:5000/demo/busybox")
        );
        assert_eq!(unchecked.claims["signed-by"], "openssl 3.0");
    }
}

#[test]
fn a_payload_changed_after_signing_does_not_verify() {
    let payload = data("payload.json");
    let edited = String::from_utf8(payload.clone())
        .unwrap()
        .replace("openssl 3.0", "openssl 3.1")
        .into_bytes();
    for signer in ["p256", "ed25519", "rsa"] {
        // The layer re-pointed at the edited payload (its digest is right), the signature kept.
        let signature = signature_of(&edited, &signature_file(signer), SIGNED);
        let checked = cosign::check(&signature, Ok(&edited), Trust::Key(&key(&format!("{signer}.pub"))));
        assert_eq!(checked.judged.verdict, Verdict::NotThisKey, "{signer}");
        let found = Found {
            signatures: vec![Fetched {
                signature,
                payload: Ok(edited.clone()),
            }],
            findings: vec![],
        };
        let subject: Digest = SIGNED.parse().unwrap();
        let v = Verification::of(&[subject], &found, Trust::Key(&key(&format!("{signer}.pub"))));
        assert_eq!(v.verdict, ImageVerdict::Invalid);
        assert!(v.failed());
        assert_eq!(v.findings[0].code, Code::SignatureInvalid);
    }
}

#[test]
fn payload_bytes_that_are_not_the_layer_s_are_a_digest_mismatch() {
    let payload = data("payload.json");
    let signature = signature_of(&payload, &signature_file("p256"), SIGNED);
    let mut served = payload.clone();
    served[10] ^= 1;
    let checked = cosign::check(&signature, Ok(&served), Trust::Key(&key("p256.pub")));
    assert_eq!(checked.judged.verdict, Verdict::Invalid);
    assert_eq!(checked.judged.findings[0].code, Code::DigestMismatch);
    assert!(checked.judged.findings[0]
        .message
        .contains("not what its layer promised"));
    let missing = cosign::check(
        &signature,
        Err("its payload blob is not in the registry"),
        Trust::Nothing,
    );
    assert_eq!(missing.judged.findings[0].code, Code::SignatureUnreadable);
}

#[test]
fn a_valid_signature_of_another_image_is_the_wrong_image() {
    let payload = data("payload.json");
    let other = format!("sha256:{}", "ab".repeat(32));
    let signature = signature_of(&payload, &signature_file("ed25519"), &other);
    let checked = cosign::check(&signature, Ok(&payload), Trust::Key(&key("ed25519.pub")));
    assert_eq!(checked.judged.verdict, Verdict::Invalid);
    assert_eq!(checked.judged.findings[0].code, Code::SignatureWrongImage);
    assert!(
        checked.judged.findings[0].message.contains(SIGNED),
        "{}",
        checked.judged.findings[0].message
    );
}

#[test]
fn missing_or_garbled_signature_annotations_are_unreadable() {
    let payload = data("payload.json");
    for (annotation, says) in [("", "has no"), ("not base64!", "not base64")] {
        let signature = signature_of(&payload, annotation, SIGNED);
        let checked = cosign::check(&signature, Ok(&payload), Trust::Nothing);
        assert_eq!(checked.judged.verdict, Verdict::Invalid);
        assert_eq!(checked.judged.findings[0].code, Code::SignatureUnreadable);
        assert!(
            checked.judged.findings[0].message.contains(says),
            "{}",
            checked.judged.findings[0].message
        );
    }
    let not_cosign = br#"{"critical":{"identity":{"docker-reference":"x"},"image":{"docker-manifest-digest":"sha256:9f047a4c969f2b6f0bb90b226cc0a2c318561ee8ec7d343be37498b6da13eb97"},"type":"atomic container signature"}}"#;
    let signature = signature_of(not_cosign, &signature_file("p256"), SIGNED);
    let checked = cosign::check(&signature, Ok(not_cosign), Trust::Nothing);
    assert_eq!(checked.judged.findings[0].code, Code::SignatureUnreadable);
    assert!(checked.judged.findings[0]
        .message
        .contains("atomic container signature"));
}

#[test]
fn an_unsigned_image_is_an_error_only_when_a_key_asks_for_a_signature() {
    let subject: Digest = SIGNED.parse().unwrap();
    let unasked = Verification::of(std::slice::from_ref(&subject), &Found::default(), Trust::Nothing);
    assert_eq!(unasked.verdict, ImageVerdict::Unsigned);
    assert!(!unasked.failed());
    let asked = Verification::of(&[subject], &Found::default(), Trust::Key(&key("p256.pub")));
    assert_eq!(asked.verdict, ImageVerdict::Unsigned);
    assert!(asked.failed());
    assert_eq!(asked.findings[0].code, Code::SignatureMissing);
    assert!(asked.findings[0].message.contains("sha256-9f047a4c"));
}

#[test]
fn cosign_s_keyless_signature_manifest_is_read() {
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/corpus/cosign-signature-manifest.keyless-with-bundle-cert-chain.json"),
    )
    .unwrap();
    let subject: Digest = SIGNED.parse().unwrap();
    let manifest = Digest::sha256(&bytes);
    let signatures = cosign::signatures_in(&subject, &manifest, Source::Tag, &bytes).unwrap();
    assert_eq!(signatures.len(), 1);
    let checked = cosign::check(&signatures[0], Err("not fetched"), Trust::Nothing);
    assert!(checked.judged.keyless && checked.judged.transparency_log);
    let config = cosign::signatures_in(&subject, &manifest, Source::Tag, br#"{"layers":[]}"#).unwrap_err();
    assert_eq!(config.code, Code::SignatureUnreadable);
}

/// A distribution 2.8 registry, as Debian packages it: no referrers API (404), the signature
/// tag and the referrers fallback tag served as manifests, blobs by digest.
fn distribution(
    tags: &BTreeMap<String, Vec<u8>>,
    blobs: &BTreeMap<String, Vec<u8>>,
    request: &HttpRequest,
) -> HttpResponse {
    let path = request.url.split_once("/v2/demo/signed/").map_or("", |(_, p)| p);
    let path = path.split('?').next().unwrap_or_default();
    let body = if let Some(tag) = path.strip_prefix("manifests/") {
        tags.get(tag).cloned()
    } else if let Some(digest) = path.strip_prefix("blobs/") {
        blobs.get(digest).cloned()
    } else {
        None
    };
    assert_eq!(request.method, Method::Get);
    match body {
        Some(body) => HttpResponse::new(200, body),
        None => HttpResponse::new(404, br#"{"errors":[{"code":"MANIFEST_UNKNOWN"}]}"#.to_vec()),
    }
}

/// cosign's signature referrer of the demo index: the P-256 signature of `payload`.
fn p256_referrer(payload: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": cosign::SIGNATURE_ARTIFACT_TYPE,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": Digest::sha256(b"{}").to_string(), "size": 2},
        "layers": [signature_of(payload, &signature_file("p256"), SIGNED).payload],
        "subject": {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": SIGNED, "size": 1},
    }))
    .unwrap()
}

#[test]
fn the_lookup_finds_the_signature_tag_and_falls_back_from_the_referrers_api() {
    let payload = data("payload.json");
    let layer = signature_of(&payload, &signature_file("rsa"), SIGNED).payload;
    let tag_manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": Digest::sha256(b"{}").to_string(), "size": 2},
        "layers": [layer],
    }))
    .unwrap();
    let referrer_manifest = p256_referrer(&payload);
    let referrer = Digest::sha256(&referrer_manifest);
    let fallback = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": referrer.to_string(), "size": referrer_manifest.len(), "artifactType": cosign::SIGNATURE_ARTIFACT_TYPE}],
    }))
    .unwrap();
    let subject: Digest = SIGNED.parse().unwrap();
    let mut tags = BTreeMap::new();
    tags.insert(cosign::signature_tag(&subject), tag_manifest);
    tags.insert(crate::registry::request::referrers_fallback_tag(&subject), fallback);
    tags.insert(referrer.to_string(), referrer_manifest);
    let mut blobs = BTreeMap::new();
    blobs.insert(Digest::sha256(&payload).to_string(), payload.clone());
    let reference = Reference::parse("127.0.0.1:5000/demo/signed:latest").unwrap();
    let walk = SignatureLookup::new(&reference, &Remote::of(&reference), std::slice::from_ref(&subject));
    let found = crate::testing::run(walk, 4, |r| Ok(distribution(&tags, &blobs, r))).unwrap();
    let sources: Vec<Source> = found.signatures.iter().map(|f| f.signature.source).collect();
    assert_eq!(sources.len(), 2, "{found:?}");
    assert!(sources.contains(&Source::Tag) && sources.contains(&Source::Referrer));
    let v = Verification::of(&[subject], &found, Trust::Key(&key("p256.pub")));
    assert_eq!(v.verdict, ImageVerdict::Verified, "{v:?}");
    let verdicts: Vec<Verdict> = v.signatures.iter().map(|s| s.judged.verdict).collect();
    assert!(verdicts.contains(&Verdict::Verified) && verdicts.contains(&Verdict::NotThisKey));
}

// Keyless: a real signature from Sigstore's public-good instance (cosign's `.sig` manifest in
// the corpus: a Fulcio certificate for a GitHub Actions workflow, Rekor's signed entry
// timestamp), checked against the public-good trusted root (sigstore-python's test copy).

const WORKFLOW: &str = "https://github.com/chainguard-images/images/.github/workflows/release.yaml@refs/heads/main";
const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn public_good() -> TrustedRoot {
    TrustedRoot::from_json(&data("sigstore-trusted-root.public-good.json")).unwrap()
}

fn policy(root: TrustedRoot, subject: &str, issuer: &str) -> Policy {
    Policy {
        root,
        identity: Identity {
            subject: subject.into(),
            issuer: issuer.into(),
        },
    }
}

/// The corpus's keyless signature layer: its signature, payload digest, certificate and bundle.
fn keyless_layer() -> Descriptor {
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/corpus/cosign-signature-manifest.keyless-with-bundle-cert-chain.json"),
    )
    .unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    serde_json::from_value(manifest["layers"][0].clone()).unwrap()
}

fn check_keyless(layer: &Descriptor, policy: &Policy) -> (Signer, Result<(), crate::Finding>) {
    use base64::Engine as _;
    let signature = base64::engine::general_purpose::STANDARD
        .decode(layer.annotation(cosign::SIGNATURE_ANNOTATION).unwrap())
        .unwrap();
    keyless::check(
        &signature,
        &layer.digest().unwrap(),
        layer.annotation(cosign::CERTIFICATE_ANNOTATION).unwrap(),
        layer.annotation(cosign::BUNDLE_ANNOTATION),
        policy,
        "signature",
    )
}

#[test]
fn a_trusted_root_is_read_with_its_windows() {
    let root = public_good();
    assert_eq!(root.logs.len(), 1);
    assert_eq!(root.logs[0].url, "https://rekor.sigstore.dev");
    assert_eq!(root.logs[0].key.algorithm(), KeyAlgorithm::EcdsaP256);
    // The key id is the sha256 of the log key's DER, as Sigstore defines it.
    assert_eq!(hex(&root.logs[0].key_id), root.logs[0].key.key_id());
    assert_eq!(root.authorities.len(), 2);
    assert_eq!(
        root.authorities[1].valid.start, 1_649_880_375,
        "2022-04-13T20:06:15.000Z"
    );
    assert_eq!(root.authorities[1].valid.end, None);
    assert!(root.authorities[0].valid.end.is_some());
    assert_eq!(trust::unix_seconds("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(trust::unix_seconds("2021-01-12T11:53:27+01:00"), Some(1_610_448_807));
    assert_eq!(trust::unix_seconds("2021-01-12T10:53:27.5Z"), Some(1_610_448_807));
    assert_eq!(trust::unix_seconds("2021-01-12T11:53:27 01:00"), None);
    assert!(TrustedRoot::from_json(b"{}").is_err());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_real_keyless_signature_verifies_against_the_public_good_root() {
    let (signer, outcome) = check_keyless(&keyless_layer(), &policy(public_good(), WORKFLOW, GITHUB_ISSUER));
    assert_eq!(outcome, Ok(()));
    assert_eq!(signer.subject.as_deref(), Some(WORKFLOW));
    assert_eq!(signer.issuer.as_deref(), Some(GITHUB_ISSUER));
    assert_eq!(
        signer.source_repository.as_deref(),
        Some("https://github.com/chainguard-images/images")
    );
    assert_eq!(signer.signed_at, Some(1_777_585_612));
    assert_eq!(signer.log_index, Some(1_414_014_376));
}

#[test]
fn another_identity_or_issuer_is_named_and_not_verified() {
    for (subject, issuer) in [
        (
            "https://github.com/chainguard-images/images/.github/workflows/release.yaml@refs/heads/evil",
            GITHUB_ISSUER,
        ),
        (WORKFLOW, "https://accounts.google.com"),
    ] {
        let (_, outcome) = check_keyless(&keyless_layer(), &policy(public_good(), subject, issuer));
        let finding = outcome.unwrap_err();
        assert_eq!(finding.code, Code::SignatureIdentityMismatch);
        assert!(finding.message.contains(WORKFLOW), "{}", finding.message);
    }
}

#[test]
fn a_tampered_log_entry_or_signature_is_a_tlog_finding() {
    let expect = policy(public_good(), WORKFLOW, GITHUB_ISSUER);
    // The entry's time moved: the SET no longer verifies.
    let mut layer = keyless_layer();
    let annotations = layer.annotations.as_mut().unwrap();
    let bundle = annotations[cosign::BUNDLE_ANNOTATION].replace("1777585612", "1777585613");
    annotations.insert(cosign::BUNDLE_ANNOTATION.into(), bundle);
    let (_, outcome) = check_keyless(&layer, &expect);
    let finding = outcome.unwrap_err();
    assert_eq!(finding.code, Code::SignatureTlogInvalid);
    assert!(finding.message.contains("does not verify"), "{}", finding.message);
    // Another signature under the same entry: the entry is about another signature.
    let mut layer = keyless_layer();
    let annotations = layer.annotations.as_mut().unwrap();
    annotations.insert(
        cosign::SIGNATURE_ANNOTATION.into(),
        String::from_utf8(data("payload.p256.sig")).unwrap(),
    );
    let (_, outcome) = check_keyless(&layer, &expect);
    assert_eq!(outcome.unwrap_err().code, Code::SignatureTlogInvalid);
    // No entry at all.
    let mut layer = keyless_layer();
    layer.annotations.as_mut().unwrap().remove(cosign::BUNDLE_ANNOTATION);
    let (signer, outcome) = check_keyless(&layer, &expect);
    assert_eq!(outcome.unwrap_err().code, Code::SignatureTlogMissing);
    assert_eq!(
        signer.subject.as_deref(),
        Some(WORKFLOW),
        "who claims to have signed is still shown"
    );
}

#[test]
fn a_root_without_its_certificate_authority_does_not_trust_it() {
    // The public-good log, but only the authority that stopped issuing in 2022.
    let mut json: serde_json::Value = serde_json::from_slice(&data("sigstore-trusted-root.public-good.json")).unwrap();
    json["certificateAuthorities"].as_array_mut().unwrap().truncate(1);
    let root = TrustedRoot::from_json(&serde_json::to_vec(&json).unwrap()).unwrap();
    let (_, outcome) = check_keyless(&keyless_layer(), &policy(root, WORKFLOW, GITHUB_ISSUER));
    assert_eq!(outcome.unwrap_err().code, Code::SignatureCertificateUntrusted);
    // The right authority, no longer trusted when the signature was made.
    let mut json: serde_json::Value = serde_json::from_slice(&data("sigstore-trusted-root.public-good.json")).unwrap();
    json["certificateAuthorities"][1]["validFor"]["end"] = "2026-01-01T00:00:00Z".into();
    let root = TrustedRoot::from_json(&serde_json::to_vec(&json).unwrap()).unwrap();
    let (_, outcome) = check_keyless(&keyless_layer(), &policy(root, WORKFLOW, GITHUB_ISSUER));
    assert_eq!(outcome.unwrap_err().code, Code::SignatureCertificateUntrusted);
}

#[test]
fn a_keyless_policy_does_not_verify_a_keyed_signature_nor_a_key_a_keyless_one() {
    let payload = data("payload.json");
    let keyed = signature_of(&payload, &signature_file("p256"), SIGNED);
    let expect = policy(public_good(), WORKFLOW, GITHUB_ISSUER);
    let checked = cosign::check(&keyed, Ok(&payload), Trust::Keyless(&expect));
    assert_eq!(checked.judged.verdict, Verdict::NotThisKey);
    assert!(checked.judged.signer.is_none());
}

#[test]
fn an_index_is_verified_by_its_own_signature_or_by_every_image_looked_up() {
    // The OpenSSL-signed payload names SIGNED; it is found for SIGNED, an image of the index X.
    let payload = data("payload.json");
    let found = Found {
        signatures: vec![Fetched {
            signature: signature_of(&payload, &signature_file("p256"), SIGNED),
            payload: Ok(payload),
        }],
        findings: vec![],
    };
    let (index, image, other): (Digest, Digest, Digest) = (
        Digest::sha256(b"the index"),
        SIGNED.parse().unwrap(),
        Digest::sha256(b"another image"),
    );
    let key = key("p256.pub");
    // Every image looked up (the one) is signed: verified, though the index is not.
    let v = Verification::of(&[index.clone(), image.clone()], &found, Trust::Key(&key));
    assert_eq!(v.verdict, ImageVerdict::Verified, "{v:?}");
    // `--platform all`: one of two images signed is not the image verified.
    let v = Verification::of(&[index, image, other.clone()], &found, Trust::Key(&key));
    assert_eq!(v.verdict, ImageVerdict::Invalid, "{v:?}");
    assert_eq!(v.findings[0].code, Code::SignatureInvalid);
    assert!(
        v.findings[0].message.contains(other.as_str()),
        "{}",
        v.findings[0].message
    );
}

#[test]
fn a_lookup_reads_at_most_its_byte_budget_of_payloads() {
    // An `.att` manifest declaring three 60 MiB attestations: two are asked for, the third is
    // not — and says why.
    let big = |n: u8| {
        serde_json::json!({
            "mediaType": crate::media_type::DSSE_ENVELOPE,
            "digest": Digest::sha256(&[n]).to_string(),
            "size": 60u64 << 20,
        })
    };
    let att = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": Digest::sha256(b"{}").to_string(), "size": 2},
        "layers": [big(1), big(2), big(3)],
    }))
    .unwrap();
    let subject: Digest = SIGNED.parse().unwrap();
    let mut tags = BTreeMap::new();
    tags.insert(cosign::attestation_tag(&subject), att);
    let reference = Reference::parse("127.0.0.1:5000/demo/signed:latest").unwrap();
    let walk = SignatureLookup::new(&reference, &Remote::of(&reference), std::slice::from_ref(&subject));
    let mut asked = Vec::new();
    let found = crate::testing::run(walk, 4, |r| {
        if r.url.contains("/blobs/") {
            asked.push(r.max_body);
        }
        Ok(distribution(&tags, &BTreeMap::new(), r))
    })
    .unwrap();
    assert_eq!(
        asked,
        [60 << 20, 60 << 20],
        "each read up to its declared size, two within the budget"
    );
    assert_eq!(found.signatures.len(), 3);
    let unread = found
        .signatures
        .iter()
        .filter(|f| matches!(&f.payload, Err(why) if why.contains("budget")))
        .count();
    assert_eq!(unread, 1);
    assert!(
        found.findings.iter().any(|f| f.message.contains("at most")),
        "{:?}",
        found.findings
    );
}

#[test]
fn a_signature_on_a_later_page_of_the_referrers_list_is_found() {
    let payload = data("payload.json");
    let referrer_manifest = p256_referrer(&payload);
    let referrer = Digest::sha256(&referrer_manifest);
    let page = |entries: serde_json::Value| {
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries,
        }))
        .unwrap()
    };
    // The first page lists an SBOM; the second, the signature.
    let first = page(
        serde_json::json!([{"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": Digest::sha256(b"an sbom").to_string(), "size": 10, "artifactType": "application/spdx+json"}]),
    );
    let second = page(
        serde_json::json!([{"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": referrer.to_string(), "size": referrer_manifest.len(), "artifactType": cosign::SIGNATURE_ARTIFACT_TYPE}]),
    );
    let subject: Digest = SIGNED.parse().unwrap();
    let reference = Reference::parse("127.0.0.1:5000/demo/signed:latest").unwrap();
    let walk = SignatureLookup::new(&reference, &Remote::of(&reference), std::slice::from_ref(&subject));
    let found = crate::testing::run(walk, 4, |r| {
        let path = r.url.split_once("/v2/demo/signed/").map_or("", |(_, p)| p);
        Ok(if path.starts_with("referrers/") && path.contains("page=2") {
            HttpResponse::new(200, second.clone())
        } else if path.starts_with("referrers/") {
            HttpResponse::new(200, first.clone()).with_header(
                "Link",
                "</v2/demo/signed/referrers/".to_owned() + SIGNED + "?page=2>; rel=\"next\"",
            )
        } else if path == format!("manifests/{referrer}") {
            HttpResponse::new(200, referrer_manifest.clone())
        } else if path == format!("blobs/{}", Digest::sha256(&payload)) {
            HttpResponse::new(200, payload.clone())
        } else {
            HttpResponse::new(404, br#"{"errors":[{"code":"MANIFEST_UNKNOWN"}]}"#.to_vec())
        })
    })
    .unwrap();
    assert_eq!(found.signatures.len(), 1, "{found:?}");
    assert_eq!(found.signatures[0].signature.source, Source::Referrer);
    let v = Verification::of(&[subject], &found, Trust::Key(&key("p256.pub")));
    assert_eq!(v.verdict, ImageVerdict::Verified, "{v:?}");
}
