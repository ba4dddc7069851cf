//! `cargo bench -p fathom-core --bench signature` — what checking a signature and reading an
//! SBOM cost, natively (the same code runs in the page's file worker and at the edge). Prints a
//! table; asserts nothing.
//!
//! - a real keyless signature from Sigstore's public-good instance (the corpus's cosign `.sig`
//!   manifest) checked against the public-good trusted root: the Rekor SET, the Fulcio chain
//!   (P-384), the signature, the identity — and reading the trusted root itself;
//! - an OpenSSL-made signature of a cosign payload verified with each key type;
//! - a real Sigstore bundle from the public-good instance checked keyless: the SET, the Merkle
//!   inclusion proof and the signed checkpoint, the chain, the signature, the identity;
//! - trivy's real SPDX document of an image with 2,238 packages, read into the package list.

use std::hint::black_box;
use std::time::Duration;

use base64::Engine as _;
use fathom_core::attestation::sbom::Sbom;
use fathom_core::descriptor::Descriptor;
use fathom_core::digest::Digest;
use fathom_core::signature::cosign::{BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, SIGNATURE_ANNOTATION};
use fathom_core::signature::{bundle, keyless, Identity, Policy, PublicKey, Trust, TrustedRoot, Verdict};

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

/// trivy's real SPDX of an image with 2,238 packages (tests/data/attestations/PROVENANCE.md).
fn real_spdx() -> Vec<u8> {
    use std::io::Read as _;
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(&data("attestations/trivy-spdx-2.2.opensearch-dashboards.json.gz")[..])
        .read_to_end(&mut json)
        .expect("gzip");
    json
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
    let bundle = data("signatures/sigstore-bundles/bundle_v3_github.whl.sigstore");
    let file = Digest::sha256(&data("signatures/sigstore-bundles/bundle_v3_github.whl"));
    let release = Policy {
        root: policy.root.clone(),
        identity: Identity {
            subject: "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2".into(),
            issuer: "https://token.actions.githubusercontent.com".into(),
        },
    };
    let judged = bundle::check(&bundle, &file, Trust::Keyless(&release), "bench");
    assert_eq!(judged.verdict, Verdict::Verified, "{:?}", judged.findings);
    row(
        "keyless: real public-good Sigstore bundle (SET, proof, checkpoint)",
        per_run(20, || {
            black_box(bundle::check(
                black_box(&bundle),
                &file,
                Trust::Keyless(&release),
                "bench",
            ));
        }),
    );
    let spdx = real_spdx();
    let sbom = Sbom::read(&spdx, "bench").expect("SBOM");
    assert_eq!(sbom.packages.len(), 2238);
    row(
        &format!(
            "SBOM: trivy's real SPDX, 2,238 packages ({} KB), read",
            spdx.len() / 1000
        ),
        per_run(5, || {
            black_box(Sbom::read(black_box(&spdx), "bench").expect("SBOM"));
        }),
    );
}
