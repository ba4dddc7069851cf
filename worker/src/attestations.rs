//! `GET /api/v1/attestations?ref=…&platform=…`: what the image a platform pulls says of itself —
//! the statement layers of the attestation manifests that describe it (BuildKit's SLSA provenance
//! and SBOMs) and the SBOM documents attached to the top manifest as referrers — each fetched
//! whole by digest (through the edge cache) and read by the core, checked against its digest and
//! its statement's subject against the image — and cosign's `.att` attestations, found by the
//! signature lookup: the document `fathom provenance` and `fathom sbom`
//! print with `--format json`, before each keeps its own kind.

use fathom_core::attestation::{self, Attested, ImageAttestations};
use fathom_core::digest::Digest;
use fathom_core::inspect::cached::{Lookup, WalkKind};
use fathom_core::registry::blob_access::BlobAccess;
use fathom_core::registry::session::Failure;
use fathom_core::report::{LayerInfo, Report};
use fathom_core::Reference;
use worker::Url;

use crate::api::{platform_param, pretty, refresh_later, remote, report_of, required, tag_policy, Answer};
use crate::edge_cache::EdgeCache;
use crate::later::Later;
use crate::problem::Problem;
use crate::settings::Settings;
use crate::supply_chain;
use crate::upstream::Upstream;

/// The most bytes of one attestation layer or SBOM document the edge reads whole: a Worker holds
/// 128 MB, and an SBOM of a large image runs to a few MB (the CLI and the page read up to
/// `attestation::MAX_LAYER_BYTES`).
pub const MAX_EDGE_DOCUMENT: u64 = 16 << 20;

/// Answers `attestations`: a platform is required (the edge has no "local" one).
pub(crate) async fn attestations(url: &Url, settings: &Settings, later: &Later) -> Result<Answer, Problem> {
    let input = required(url, "ref")?;
    let platform = platform_param(url, true)?;
    let lookup = Lookup {
        walk: WalkKind::Inspect,
        platform,
        tags: tag_policy(url, settings),
    };
    let found = report_of(&input, lookup.clone(), settings, Some(later)).await?;
    refresh_later(&found, &input, lookup, settings, later);
    let report = &found.report;
    let Some((row, _)) = report.pulled_image() else {
        let why = report
            .platform_match
            .as_ref()
            .map_or_else(|| "no image".to_owned(), |m| m.explanation.summary.clone());
        return Err(Problem::new(404, "no-matching-manifest", format!("{input}: {why}")));
    };
    let image = image_of(report, row)?;
    // cosign's `.att` attestations of the image.
    let found_signatures = supply_chain::look_up(&found, std::slice::from_ref(&image), settings).await?;
    let read = of_report(report, row, url, settings, later, &found_signatures).await?;
    // Attached referrers may come and go; the image's own attestations do not.
    Ok(Answer::json(pretty(&read)?, "public, max-age=60"))
}

/// The attestations of the image at `row` of `report`: its attestation manifests' statements
/// and the SBOM referrers of the top manifest, fetched whole through the edge cache, and cosign's
/// `.att` attestations among what a signature lookup of the image `found`.
pub(crate) async fn of_report(
    report: &Report,
    row: usize,
    url: &Url,
    settings: &Settings,
    later: &Later,
    found: &fathom_core::signature::Found,
) -> Result<ImageAttestations, Problem> {
    let entry = &report.platforms[row];
    let image = image_of(report, row)?;
    let reference = Reference::parse(&report.reference.canonical)
        .map_err(|e| Problem::new(400, "bad-reference", format!("{e}")))?;
    let upstream = Upstream::new(
        &settings.allowlist,
        settings.upstream_timeout_seconds,
        Some(EdgeCache::default()),
    );
    let fetch = Whole {
        reference: &reference,
        upstream: &upstream,
    };
    let layers = attestation::layers_of(report, row);
    let mut read: Vec<Attested> = fetch
        .bodies(&layers)
        .await?
        .iter()
        .map(|(layer, bytes)| Attested::read(layer, bytes, &image))
        .collect();
    for referrer in attestation::sbom_referrers(report) {
        let input = format!("{}@{referrer}", reference.name());
        let lookup = Lookup {
            walk: WalkKind::Inspect,
            platform: None,
            tags: tag_policy(url, settings),
        };
        let manifest = report_of(&input, lookup, settings, Some(later)).await?;
        let documents = attestation::sbom_documents(&manifest.report);
        for (layer, bytes) in fetch.bodies(&documents).await? {
            read.push(Attested::read_document(layer, &bytes, &referrer));
        }
    }
    read.extend(attestation::of_cosign(found, &image));
    Ok(ImageAttestations {
        reference: report.reference.canonical.clone(),
        platform: entry.platform.as_ref().map_or_else(String::new, ToString::to_string),
        image: entry.descriptor.digest.clone(),
        attestations: read,
    })
}

/// The digest of the image at `row` of `report`.
fn image_of(report: &Report, row: usize) -> Result<Digest, Problem> {
    report.platforms[row]
        .descriptor
        .digest
        .parse()
        .map_err(|e| Problem::new(502, "digest-invalid", format!("{e}")))
}

/// Fetching blobs of the reference's repository whole, through its token service.
struct Whole<'a> {
    reference: &'a Reference,
    upstream: &'a Upstream<'a>,
}

impl Whole<'_> {
    /// Each of `layers`' bodies (at most [`MAX_EDGE_DOCUMENT`] each), unchecked: the core checks
    /// them.
    async fn bodies<'l>(&self, layers: &'l [LayerInfo]) -> Result<Vec<(&'l LayerInfo, Vec<u8>)>, Problem> {
        let digests = layers
            .iter()
            .map(|l| l.digest.parse::<Digest>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Problem::new(502, "digest-invalid", format!("{e}")))?;
        let requests = self
            .upstream
            .run(BlobAccess::new(self.reference, &remote(self.reference), &digests))
            .await
            .map_err(|f| Problem::from_failure(&f))?;
        let mut bodies = Vec::new();
        for (layer, mut request) in layers.iter().zip(requests) {
            request.max_body = MAX_EDGE_DOCUMENT;
            let what = format!("attestation layer {}", layer.digest);
            let url = request.url.clone();
            let response = self
                .upstream
                .send(request)
                .await
                .map_err(|e| Problem::from_failure(&Failure::of_transport(&e, &url, &what)))?;
            if !response.is_success() {
                return Err(Problem::from_failure(&Failure::from_response(&response, &what)));
            }
            bodies.push((layer, response.body));
        }
        Ok(bodies)
    }
}
