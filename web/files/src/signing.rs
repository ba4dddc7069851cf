//! Answering [`Ask::Verify`](fathom_browser::files::Ask::Verify): the core's `SignatureLookup`
//! walk finds the image's cosign signatures (the `.sig` tag, signature referrers) through the
//! page's driver (directly, or through the edge's proxy), `Verification::of` checks them with
//! the key the user gave — in this worker, the key never leaving the page — and the verdict is
//! put in words and rows.

use fathom_browser::fetch;
use fathom_browser::files::{Row, SignedView};
use fathom_core::digest::Digest;
use fathom_core::finding::Severity;
use fathom_core::registry::{drive, Remote};
use fathom_core::report::short_digest;
use fathom_core::signature::{ImageVerdict, PublicKey, SignatureLookup, Verdict, Verification};
use fathom_core::Reference;

/// Looks up and checks the signatures of `subjects` in `reference`'s repository, with `key`
/// (PEM) when one is given.
pub async fn verify(reference: &str, subjects: &[String], key: Option<&str>) -> Result<SignedView, String> {
    let key = key
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|text| PublicKey::from_text(text).map_err(|e| format!("the key cannot be used: {e}")))
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
    Ok(view(&Verification::of(&subjects, &found, key.as_ref())))
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
        .chain(v.signatures.iter().flat_map(|s| &s.findings))
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
            let mut words = s.verdict.words().to_owned();
            if s.keyless {
                words.push_str(" · keyless");
            }
            Row {
                cells: vec![
                    subject,
                    s.signature.source.words().to_owned(),
                    short_digest(&s.signature.payload.digest),
                    s.docker_reference.clone().unwrap_or_default(),
                    words,
                ],
                class: match s.verdict {
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
