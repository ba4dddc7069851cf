//! The supply chain `/api/v1/inspect` adds to the Report when asked (`supplyChain=1`, or a
//! signer given): the attestations of the image the platform pulls (what `/api/v1/attestations`
//! answers) and the signatures of the reference and of that image, checked with the signer given
//! (what `/api/v1/verify` answers) — from one signature lookup of both digests, as `fathom inspect
//! --supply-chain` does.

use fathom_core::digest::Digest;
use fathom_core::report::SupplyChain;
use fathom_core::signature::{self, Found as Signatures, SignatureLookup, Trust, Verification};

use crate::api::{remote, Found};
use crate::attestations;
use crate::later::Later;
use crate::problem::Problem;
use crate::settings::Settings;
use crate::upstream::Upstream;

/// The signatures (cosign's `.sig` and `.att` tags, referrers) of `subjects`, looked up now:
/// anyone may attach one at any moment, so nothing of it is kept.
pub(crate) async fn look_up(found: &Found, subjects: &[Digest], settings: &Settings) -> Result<Signatures, Problem> {
    let upstream = Upstream::new(&settings.allowlist, settings.upstream_timeout_seconds, None);
    upstream
        .run(SignatureLookup::new(
            &found.reference,
            &remote(&found.reference),
            subjects,
        ))
        .await
        .map_err(|f| Problem::from_failure(&f))
}

/// The supply chain of `found`'s Report, its signatures checked with what `trust` gives.
pub(crate) async fn of(
    found: &Found,
    url: &worker::Url,
    settings: &Settings,
    later: &Later,
    trust: Trust<'_>,
) -> Result<SupplyChain, Problem> {
    let report = &found.report;
    let subjects = signature::subjects_of(report, false);
    let signatures = look_up(found, &subjects, settings).await?;
    let attestations = match report.pulled_image() {
        Some((row, _)) => Some(attestations::of_report(report, row, url, settings, later, &signatures).await?),
        None => None,
    };
    Ok(SupplyChain {
        attestations,
        signatures: Verification::of(&subjects, &signatures, trust),
    })
}
