//! Real Sigstore bundles (sigstore-python's test assets: tests/data/signatures/PROVENANCE.md),
//! verified offline against Sigstore's staging and public-good trusted roots, and tampered with
//! one part at a time — each tampering its own finding.

use base64::Engine as _;
use serde_json::Value;

use super::bundle::{self, pae, Judged};
use super::*;
use crate::finding::Code;

fn data(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/signatures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn policy(root: &str, subject: &str, issuer: &str) -> Policy {
    Policy {
        root: TrustedRoot::from_json(&data(root)).unwrap(),
        identity: Identity {
            subject: subject.into(),
            issuer: issuer.into(),
        },
    }
}

const STAGING: &str = "sigstore-bundles/sigstore-trusted-root.staging.json";
const GITHUB: &str = "https://github.com/login/oauth";

fn staging() -> Policy {
    policy(STAGING, "william@yossarian.net", GITHUB)
}

/// `bundle_v3.txt.sigstore` as JSON, to tamper with.
fn v3() -> Value {
    serde_json::from_slice(&data("sigstore-bundles/bundle_v3.txt.sigstore")).unwrap()
}

fn v3_file() -> Digest {
    Digest::sha256(&data("sigstore-bundles/bundle_v3.txt"))
}

fn judge(bundle: &Value, subject: &Digest, policy: &Policy) -> Judged {
    bundle::check(
        &serde_json::to_vec(bundle).unwrap(),
        subject,
        Trust::Keyless(policy),
        "bundle",
    )
}

fn codes(judged: &Judged) -> Vec<Code> {
    judged.findings.iter().map(|f| f.code).collect()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text.as_str().unwrap())
        .unwrap()
}

#[test]
fn a_v3_bundle_verifies_with_its_log_entry_proof_and_checkpoint() {
    let judged = judge(&v3(), &v3_file(), &staging());
    assert_eq!(judged.verdict, Verdict::Verified, "{:?}", judged.findings);
    assert!(judged.findings.is_empty());
    let signer = judged.signer.unwrap();
    assert_eq!(signer.subject.as_deref(), Some("william@yossarian.net"));
    assert_eq!(signer.log_index, Some(25915956));
    assert_eq!(signer.signed_at, Some(1712085549));
    assert_eq!(judged.signed_digest, Some(v3_file().to_string()));
}

#[test]
fn a_public_good_v02_bundle_with_a_chain_verifies() {
    let bytes = data("sigstore-bundles/bundle_v3_github.whl.sigstore");
    let file = Digest::sha256(&data("sigstore-bundles/bundle_v3_github.whl"));
    let workflow = "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2";
    let good = policy(
        "sigstore-trusted-root.public-good.json",
        workflow,
        "https://token.actions.githubusercontent.com",
    );
    let judged = bundle::check(&bytes, &file, Trust::Keyless(&good), "bundle");
    assert_eq!(judged.verdict, Verdict::Verified, "{:?}", judged.findings);
    assert_eq!(
        judged.signer.unwrap().source_repository.as_deref(),
        Some("https://github.com/trailofbits/rfc8785.py")
    );
    // The staging root knows neither its log nor its authority.
    let judged = bundle::check(&bytes, &file, Trust::Keyless(&staging()), "bundle");
    assert_eq!(codes(&judged), [Code::SignatureTlogInvalid]);
    assert!(judged.findings[0].message.contains("not in the trusted root"));
}

#[test]
fn a_p384_certificate_key_verifies_as_sigstore_python_signs() {
    let bytes = data("sigstore-bundles/bundle.txt.sigstore");
    let file = Digest::sha256(&data("sigstore-bundles/bundle.txt"));
    let judged = bundle::check(
        &bytes,
        &file,
        Trust::Keyless(&policy(STAGING, "a@tny.town", GITHUB)),
        "b",
    );
    assert_eq!(judged.verdict, Verdict::Verified, "{:?}", judged.findings);
}

#[test]
fn every_tampering_is_its_own_finding() {
    let file = v3_file();
    let tlog = |f: &dyn Fn(&mut Value)| {
        let mut bundle = v3();
        f(&mut bundle["verificationMaterial"]["tlogEntries"][0]);
        bundle
    };
    let cases: Vec<(&str, Value, Code, &str)> = vec![
        (
            "another file",
            v3(),
            Code::SignatureWrongImage,
            "is about something else",
        ),
        (
            "a path hash flipped",
            tlog(&|e| {
                let mut hash = unb64(&e["inclusionProof"]["hashes"][0]);
                hash[0] ^= 1;
                e["inclusionProof"]["hashes"][0] = b64(&hash).into();
            }),
            Code::SignatureTlogInvalid,
            "does not lead to the tree head",
        ),
        (
            "the checkpoint's root edited",
            tlog(&|e| {
                let note = e["inclusionProof"]["checkpoint"]["envelope"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                let root = e["inclusionProof"]["rootHash"].as_str().unwrap().to_owned();
                let mut other = unb64(&e["inclusionProof"]["rootHash"]);
                other[0] ^= 1;
                e["inclusionProof"]["checkpoint"]["envelope"] = note.replace(&root, &b64(&other)).into();
            }),
            Code::SignatureTlogInvalid,
            "checkpoint is not signed by the log",
        ),
        (
            "no checkpoint",
            tlog(&|e| {
                e["inclusionProof"].as_object_mut().unwrap().remove("checkpoint");
            }),
            Code::SignatureTlogInvalid,
            "no signed checkpoint",
        ),
        (
            "no signed entry timestamp",
            tlog(&|e| {
                e.as_object_mut().unwrap().remove("inclusionPromise");
            }),
            Code::SignatureTlogInvalid,
            "no signed entry timestamp",
        ),
        (
            "the log time moved",
            tlog(&|e| e["integratedTime"] = "1712085550".into()),
            Code::SignatureTlogInvalid,
            "signed entry timestamp does not verify",
        ),
        (
            "no log entry",
            {
                let mut bundle = v3();
                bundle["verificationMaterial"]["tlogEntries"] = Value::Array(vec![]);
                bundle
            },
            Code::SignatureTlogMissing,
            "no transparency-log entry",
        ),
        (
            "the signature swapped",
            {
                let mut bundle = v3();
                let mut signature = unb64(&bundle["messageSignature"]["signature"]);
                let last = signature.len() - 1;
                signature[last] ^= 1;
                bundle["messageSignature"]["signature"] = b64(&signature).into();
                bundle
            },
            Code::SignatureTlogInvalid,
            "about another signature",
        ),
    ];
    for (what, bundle, code, words) in cases {
        let subject = if what == "another file" {
            Digest::sha256(b"another file")
        } else {
            file.clone()
        };
        let judged = judge(&bundle, &subject, &staging());
        assert_eq!(judged.verdict, Verdict::Invalid, "{what}: {:?}", judged.findings);
        assert_eq!(codes(&judged), [code], "{what}");
        assert!(
            judged.findings[0].message.contains(words),
            "{what}: {}",
            judged.findings[0].message
        );
    }
    // Another identity: a valid signature, not by the signer asked for.
    let judged = judge(&v3(), &file, &policy(STAGING, "someone@example.com", GITHUB));
    assert_eq!(judged.verdict, Verdict::NotThisKey);
    assert_eq!(codes(&judged), [Code::SignatureIdentityMismatch]);
}

#[test]
fn a_rekor_v2_dsse_bundle_is_read_and_its_undated_entry_said() {
    let bytes = data("../attestations/sigstore-bundle-dsse-slsa-v1.sigstore-python.json");
    // The statement's subject (an `a.txt` of other bytes than the copy beside it).
    let subject: Digest = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"
        .parse()
        .unwrap();
    let read = bundle::check(&bytes, &subject, Trust::Nothing, "b");
    assert_eq!(read.verdict, Verdict::Unverified, "{:?}", read.findings);
    assert_eq!(read.predicate_type.as_deref(), Some("https://slsa.dev/provenance/v1"));
    assert!(read.keyless && read.transparency_log);
    let beacon = read.signer.unwrap().subject.unwrap();
    // Not condemned: said, and not verified.
    let judged = bundle::check(&bytes, &subject, Trust::Keyless(&policy(STAGING, &beacon, "x")), "b");
    assert_eq!(judged.verdict, Verdict::Unverified);
    assert_eq!(codes(&judged), [Code::SignatureNotVerified]);
    assert!(
        judged.findings[0].message.contains("Rekor v2"),
        "{}",
        judged.findings[0].message
    );
}

#[test]
fn dsse_signs_the_pre_authentication_encoding() {
    // The DSSE specification's own example (secure-systems-lab/dsse `protocol.md`).
    assert_eq!(
        pae("http://example.com/HelloWorld", b"hello world"),
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    );
}

#[test]
fn what_is_not_a_bundle_is_said() {
    let subject = v3_file();
    for (bytes, words) in [
        (&b"[]"[..], "not a Sigstore bundle"),
        (
            br#"{"mediaType":"application/json","verificationMaterial":{}}"#,
            "its media type",
        ),
        (
            br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{}}"#,
            "neither one message signature nor one DSSE envelope",
        ),
    ] {
        let judged = bundle::check(bytes, &subject, Trust::Nothing, "b");
        assert_eq!(judged.verdict, Verdict::Invalid);
        assert_eq!(codes(&judged), [Code::SignatureUnreadable]);
        assert!(
            judged.findings[0].message.contains(words),
            "{}",
            judged.findings[0].message
        );
    }
}

/// The image the DSSE envelope's statement names: the demo registry's `demo/busybox:oci`.
const ATTESTED: &str = "sha256:9f047a4c969f2b6f0bb90b226cc0a2c318561ee8ec7d343be37498b6da13eb97";

#[test]
fn a_cosign_attestation_envelope_verifies_with_its_key_and_names_its_image() {
    let envelope = data("envelope.dsse-p256.json");
    let image: Digest = ATTESTED.parse().unwrap();
    let key = PublicKey::from_pem(&String::from_utf8(data("dsse-p256.pub")).unwrap()).unwrap();
    let judged = bundle::check_envelope(&envelope, &image, Trust::Key(&key), "att");
    assert_eq!(judged.verdict, Verdict::Verified, "{:?}", judged.findings);
    assert_eq!(judged.predicate_type.as_deref(), Some("https://slsa.dev/provenance/v1"));
    assert_eq!(judged.signed_digest.as_deref(), Some(ATTESTED));
    // Another key: not this key's.
    let other = PublicKey::from_pem(&String::from_utf8(data("p256.pub")).unwrap()).unwrap();
    assert_eq!(
        bundle::check_envelope(&envelope, &image, Trust::Key(&other), "att").verdict,
        Verdict::NotThisKey
    );
    // Attached to another image: it proves nothing about it, whatever the key.
    let moved = bundle::check_envelope(&envelope, &Digest::sha256(b"another"), Trust::Key(&key), "att");
    assert_eq!(codes(&moved), [Code::SignatureWrongImage]);
    // The statement edited after signing: the signature no longer verifies.
    let mut edited: Value = serde_json::from_slice(&envelope).unwrap();
    let statement = String::from_utf8(unb64(&edited["payload"]))
        .unwrap()
        .replace("provenance/v1", "provenance/v9");
    edited["payload"] = b64(statement.as_bytes()).into();
    let edited = serde_json::to_vec(&edited).unwrap();
    assert_eq!(
        bundle::check_envelope(&edited, &image, Trust::Key(&key), "att").verdict,
        Verdict::NotThisKey
    );
    // Keyless: read, not checked, and said.
    let keyless = bundle::check_envelope(&envelope, &image, Trust::Keyless(&staging()), "att");
    assert_eq!(keyless.verdict, Verdict::Unverified);
    assert_eq!(codes(&keyless), [Code::SignatureNotVerified]);
    assert_eq!(
        bundle::check_envelope(b"{}", &image, Trust::Nothing, "att").findings[0].code,
        Code::SignatureUnreadable
    );
}

#[test]
fn an_attestation_alone_does_not_sign_the_image() {
    use super::cosign::{Signature, Source};
    use super::lookup::{Fetched, Found};
    let envelope = data("envelope.dsse-p256.json");
    let image: Digest = ATTESTED.parse().unwrap();
    let key = PublicKey::from_pem(&String::from_utf8(data("dsse-p256.pub")).unwrap()).unwrap();
    let signature = Signature {
        subject: ATTESTED.to_owned(),
        manifest: Digest::sha256(b"the .att manifest").to_string(),
        source: Source::Tag,
        payload: crate::descriptor::Descriptor {
            media_type: Some(crate::media_type::MediaType::new(crate::media_type::DSSE_ENVELOPE)),
            digest: Digest::sha256(&envelope).to_string(),
            size: Some(envelope.len() as i64),
            ..Default::default()
        },
    };
    let found = Found {
        signatures: vec![Fetched {
            signature,
            payload: Ok(envelope),
        }],
        findings: Vec::new(),
    };
    let v = Verification::of(&[image], &found, Trust::Key(&key));
    assert_eq!(
        v.signatures[0].judged.verdict,
        Verdict::Verified,
        "the attestation checks out"
    );
    assert!(!v.signatures[0].signs_image());
    assert_eq!(v.verdict, ImageVerdict::Unsigned, "{:?}", v.findings);
    assert_eq!(v.findings[0].code, Code::SignatureMissing);
}

#[test]
fn a_certificate_no_ct_log_of_the_root_vouches_for_is_untrusted() {
    let mut root: Value = serde_json::from_slice(&data(STAGING)).unwrap();
    let logs = root["ctlogs"].as_array().unwrap().clone();
    let judge_under = |root: &Value| {
        let policy = Policy {
            root: TrustedRoot::from_json(&serde_json::to_vec(root).unwrap()).unwrap(),
            identity: Identity {
                subject: "william@yossarian.net".into(),
                issuer: GITHUB.into(),
            },
        };
        judge(&v3(), &v3_file(), &policy)
    };
    root["ctlogs"] = Value::Array(vec![]);
    let judged = judge_under(&root);
    assert_eq!(codes(&judged), [Code::SignatureCertificateUntrusted]);
    assert!(
        judged.findings[0].message.contains("none of its SCTs"),
        "{}",
        judged.findings[0].message
    );
    // Each CT log's id given another log's key: the SCT's signature no longer verifies.
    let keys: Vec<Value> = logs.iter().map(|l| l["publicKey"].clone()).collect();
    let swapped: Vec<Value> = logs
        .iter()
        .enumerate()
        .map(|(n, l)| {
            let mut l = l.clone();
            l["publicKey"] = keys[(n + 1) % keys.len()].clone();
            l
        })
        .collect();
    root["ctlogs"] = Value::Array(swapped);
    let judged = judge_under(&root);
    assert_eq!(codes(&judged), [Code::SignatureCertificateUntrusted]);
    assert!(
        judged.findings[0].message.contains("SCT"),
        "{}",
        judged.findings[0].message
    );
}
