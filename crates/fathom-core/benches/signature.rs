//! `cargo bench -p fathom-core --bench signature` — what checking a signature and reading an
//! SBOM cost, natively (the same code runs in the page's file worker and at the edge). Prints a
//! table; asserts nothing.
//!
//! - a real keyless signature from Sigstore's public-good instance (the corpus's cosign `.sig`
//!   manifest) checked against the public-good trusted root: the Rekor SET, the Fulcio chain
//!   (P-384), the signature, the identity — and reading the trusted root itself;
//! - an OpenSSL-made signature of a cosign payload verified with each key type;
//! - syft's real SPDX document of alpine 3.10, its packages repeated to 2,000 (each its own
//!   SPDXID), read into the package list.

use std::hint::black_box;
use std::time::Duration;

use base64::Engine as _;
use fathom_core::attestation::sbom::Sbom;
use fathom_core::descriptor::Descriptor;
use fathom_core::signature::cosign::{BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, SIGNATURE_ANNOTATION};
use fathom_core::signature::{keyless, Identity, Policy, PublicKey, TrustedRoot};

mod support;

fn data(path: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Best of 15 timings of `iterations` runs of `work`, per run.
fn per_run(iterations: u32, mut work: impl FnMut()) -> Duration {
    support::best(15, || (0..iterations).for_each(|_| work())) / iterations
}

fn row(what: &str, took: Duration) {
    println!("| {what:<66} | {:>9.3} ms |", took.as_secs_f64() * 1000.0);
}

/// syft's alpine SPDX with its packages repeated to `count`.
fn grown_spdx(count: usize) -> Vec<u8> {
    let mut doc: serde_json::Value =
        serde_json::from_slice(&data("attestations/syft-spdx-2.2.alpine-3.10.json")).expect("SPDX");
    let packages = doc["packages"].as_array().expect("packages").clone();
    let grown: Vec<serde_json::Value> = packages
        .iter()
        .cycle()
        .take(count)
        .enumerate()
        .map(|(n, p)| {
            let mut p = p.clone();
            p["SPDXID"] = format!("SPDXRef-Package-{n}").into();
            p
        })
        .collect();
    doc["packages"] = grown.into();
    serde_json::to_vec(&doc).expect("JSON")
}

fn main() {
    let root_json = data("signatures/sigstore-trusted-root.public-good.json");
    let root = TrustedRoot::from_json(&root_json).expect("trusted root");
    let manifest: serde_json::Value = serde_json::from_slice(&data(
        "corpus/cosign-signature-manifest.keyless-with-bundle-cert-chain.json",
    ))
    .expect("manifest");
    let layer: Descriptor = serde_json::from_value(manifest["layers"][0].clone()).expect("layer");
    let signature = base64::engine::general_purpose::STANDARD
        .decode(layer.annotation(SIGNATURE_ANNOTATION).expect("signature"))
        .expect("base64");
    let policy = Policy {
        root,
        identity: Identity {
            subject: "https://github.com/chainguard-images/images/.github/workflows/release.yaml@refs/heads/main"
                .into(),
            issuer: "https://token.actions.githubusercontent.com".into(),
        },
    };
    let digest = layer.digest().expect("digest");
    let (certificate, bundle) = (
        layer.annotation(CERTIFICATE_ANNOTATION).expect("certificate"),
        layer.annotation(BUNDLE_ANNOTATION),
    );
    let (_, outcome) = keyless::check(&signature, &digest, certificate, bundle, &policy, "bench");
    assert!(outcome.is_ok(), "the benchmark's signature verifies: {outcome:?}");

    println!("| {:<66} | {:>12} |", "signature check (native, best of 15)", "per run");
    println!("|{}|{}|", "-".repeat(68), "-".repeat(14));
    row(
        "keyless: real public-good signature (SET, P-384 chain, identity)",
        per_run(20, || {
            let (signer, outcome) = keyless::check(&signature, &digest, certificate, bundle, &policy, "bench");
            black_box((signer, outcome.is_ok()));
        }),
    );
    row(
        "read the public-good trusted_root.json",
        per_run(20, || {
            black_box(TrustedRoot::from_json(black_box(&root_json)).expect("root"));
        }),
    );
    let payload = data("signatures/payload.json");
    for algorithm in ["p256", "ed25519", "rsa"] {
        let key = PublicKey::from_pem(&String::from_utf8(data(&format!("signatures/{algorithm}.pub"))).expect("UTF-8"))
            .expect("key");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(data(&format!("signatures/payload.{algorithm}.sig")))
            .expect("base64");
        assert!(key.verifies(&payload, &raw));
        row(
            &format!("key: {} signature of a cosign payload", key.algorithm()),
            per_run(50, || {
                black_box(key.verifies(black_box(&payload), black_box(&raw)));
            }),
        );
    }
    let spdx = grown_spdx(2000);
    let sbom = Sbom::read(&spdx, "bench").expect("SBOM");
    assert_eq!(sbom.packages.len(), 2000);
    row(
        &format!("SBOM: SPDX of 2,000 packages ({} KB) read", spdx.len() / 1000),
        per_run(5, || {
            black_box(Sbom::read(black_box(&spdx), "bench").expect("SBOM"));
        }),
    );
}
