//! Answering [`Ask::Verify`](fathom_browser::files::Ask::Verify): the core's `SignatureLookup`
//! walk finds the image's cosign signatures (the `.sig` tag, signature referrers) through the
//! page's driver (directly, or through the edge's proxy), `Verification::of` checks them with
//! the key the user gave — in this worker, the key never leaving the page — and the verdict is
//! put in words and rows.

use fathom_browser::fetch;
use fathom_browser::files::{Keyless, Row, SignedView};
use fathom_core::digest::Digest;
use fathom_core::finding::Severity;
use fathom_core::registry::{drive, Remote};
use fathom_core::report::short_digest;
use fathom_core::signature::{
    bundle, Checked, Identity, ImageVerdict, Policy, PublicKey, SignatureLookup, Trust, TrustedRoot, Verdict,
    Verification,
};
use fathom_core::Reference;

/// Looks up and checks the signatures of `subjects` in `reference`'s repository, with `key`
/// (PEM) when one is given, else under `keyless` (a trusted root and the identity expected)
/// when that is.
pub async fn verify(
    reference: &str,
    subjects: &[String],
    key: Option<&str>,
    keyless: Option<&Keyless>,
) -> Result<SignedView, String> {
    let key = key
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|text| PublicKey::from_text(text).map_err(|e| format!("the key cannot be used: {e}")))
        .transpose()?;
    let policy = keyless
        .map(|k| {
            let root = TrustedRoot::from_json(k.trusted_root.as_bytes())
                .map_err(|e| format!("the trusted root cannot be used: {e}"))?;
            if k.identity.trim().is_empty() || k.issuer.trim().is_empty() {
                return Err("a keyless check needs the identity and the OIDC issuer expected".to_owned());
            }
            Ok(Policy {
                root,
                identity: Identity {
                    subject: k.identity.trim().to_owned(),
                    issuer: k.issuer.trim().to_owned(),
                },
            })
        })
        .transpose()?;
    let reference = Reference::parse(reference).map_err(|e| format!("invalid reference {reference:?}: {e}"))?;
    let subjects = subjects
        .iter()
        .map(|s| s.parse::<Digest>().map_err(|e| format!("{s}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let remote = Remote::of(&reference).at((js_sys::Date::now() / 1000.0) as u64);
    let found = drive::run(SignatureLookup::new(&reference, &remote, &subjects), fetch::send)
        .await
        .map_err(|f| f.message)?;
    let trust = Trust::of(key.as_ref(), policy.as_ref());
    Ok(view(&Verification::of(&subjects, &found, trust)))
}

/// How a signature was found, whether it is a Sigstore bundle (cosign v3), and what an
/// attestation attests (it does not sign the image).
fn found_words(s: &Checked) -> String {
    let mut words = s.signature.source.words().to_owned();
    if bundle::is_bundle(s.signature.payload.media_type_str()) {
        words.push_str(" · Sigstore bundle");
    }
    if let Some(predicate) = s.judged.predicate_type.as_deref().filter(|_| !s.signs_image()) {
        words.push_str(&format!(" · attestation ({predicate})"));
    }
    words
}

/// The verification in words and rows: the badge, every failed check, a row per signature.
fn view(v: &Verification) -> SignedView {
    let verdict = match v.verdict {
        ImageVerdict::Verified => "verified",
        ImageVerdict::Unverified => "unverified",
        ImageVerdict::Unsigned => "unsigned",
        ImageVerdict::Invalid => "invalid",
    };
    let problems = v
        .findings
        .iter()
        .chain(v.signatures.iter().flat_map(|s| &s.judged.findings))
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{}: {}", f.code, f.message))
        .collect();
    let signatures = v
        .signatures
        .iter()
        .map(|s| {
            let subject = if v.subjects.first() == Some(&s.signature.subject) {
                format!("{} (the reference)", short_digest(&s.signature.subject))
            } else {
                format!("{} (the image)", short_digest(&s.signature.subject))
            };
            let mut words = s.judged.verdict.words().to_owned();
            if let Some(signer) = v.signer_words(s) {
                words.push_str(&format!(" · {signer}"));
            }
            Row {
                cells: vec![
                    subject,
                    found_words(s),
                    short_digest(&s.signature.payload.digest),
                    s.docker_reference.clone().unwrap_or_default(),
                    words,
                ],
                class: match s.judged.verdict {
                    Verdict::Invalid => "bad",
                    Verdict::Verified => "added",
                    _ => "",
                }
                .to_owned(),
                opens: None,
            }
        })
        .collect();
    SignedView {
        verdict: verdict.to_owned(),
        headline: v.headline(),
        problems,
        signatures,
    }
}
