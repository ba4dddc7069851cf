//! The edge API: `/api/v1/inspect`, `/api/v1/match`, `/api/v1/compare`, `/api/v1/tags`,
//! `/api/v1/verify` and the OpenAPI document (`/api/v1/attestations` is [`crate::attestations`]'s,
//! the supply chain `inspect` adds when asked [`crate::supply_chain`]'s).
//! Each runs the same core walk as the CLI, through [`Upstream`], and answers JSON or a problem.

use fathom_core::compare::diff;
use fathom_core::finding::Code;
use fathom_core::inspect::cached::{self, Cached, Lookup, ReportKey, TagPolicy, WalkKind};
use fathom_core::registry::remote::DEFAULT_FANOUT;
use fathom_core::registry::session::Failure;
use fathom_core::registry::tags::{Page, TagList};
use fathom_core::registry::Remote;
use fathom_core::report::{MatchResult, Report};
use fathom_core::signature::{self, Identity, Policy, PublicKey, Trust, TrustedRoot, Verification};
use fathom_core::{Platform, Reference};
use serde::Serialize;
use std::time::Duration;
use worker::{Context, Date, Headers, Response, Result, Url};

use crate::coalesce::{self, Turn};
use crate::edge_cache::{EdgeCache, EdgeReports, IMMUTABLE};
use crate::later::Later;
use crate::problem::Problem;
use crate::settings::Settings;
use crate::supply_chain;
use crate::upstream::Upstream;

/// The OpenAPI 3.1 description of every route, as kept in the repository.
const OPENAPI: &str = include_str!("../openapi.json");
/// The Report's JSON Schema, which the OpenAPI document refers to.
const REPORT_SCHEMA: &str = include_str!("../../schema/report.schema.json");

/// The OpenAPI document as served: the Report schema inlined under `components.schemas.Report`
/// (its `#/$defs/…` references rewritten to point there), so the document stands alone.
pub fn openapi_document() -> std::result::Result<Vec<u8>, Problem> {
    let broken = |e: serde_json::Error| Problem::new(500, "misconfigured", format!("the OpenAPI document: {e}"));
    let mut doc: serde_json::Value = serde_json::from_str(OPENAPI).map_err(broken)?;
    let schema = REPORT_SCHEMA.replace("\"#/$defs/", "\"#/components/schemas/Report/$defs/");
    let mut schema: serde_json::Value = serde_json::from_str(&schema).map_err(broken)?;
    if let Some(schema) = schema.as_object_mut() {
        schema.remove("$schema");
        schema.remove("$id");
    }
    doc["components"]["schemas"]["Report"] = schema;
    serde_json::to_vec_pretty(&doc).map_err(broken)
}

/// Requests in flight at once for one walk.
const CONCURRENCY: usize = 8;
/// Tags per page when the caller does not say.
const DEFAULT_PAGE: u32 = 100;
/// Tags per page at most.
const MAX_PAGE: u32 = 1000;
/// The longest `key` parameter (a PEM RSA 4096 key is some 800 bytes).
const MAX_KEY: usize = 8192;

/// Headers every API answer carries: anyone may read the API from a page.
pub fn cors() -> Result<Headers> {
    let headers = Headers::new();
    headers.set("Access-Control-Allow-Origin", "*")?;
    headers.set(
        "Access-Control-Expose-Headers",
        "ETag, X-Fathom-Cache, Retry-After, Age",
    )?;
    Ok(headers)
}

/// Answers an API request (`GET` or `HEAD` of a path under `/api/v1/`); a tag whose kept
/// resolution is ageing is refreshed, and what a walk fetched is kept, after the answer
/// (handed to `ctx` once the answer is built, see [`Later`]).
pub async fn handle(url: &Url, if_none_match: Option<String>, settings: &Settings, ctx: &Context) -> Result<Response> {
    let later = Later::default();
    let answer = match url.path() {
        "/api/v1/inspect" => inspect(url, settings, WalkKind::Inspect, if_none_match.as_deref(), &later).await,
        "/api/v1/match" => inspect(url, settings, WalkKind::Match, if_none_match.as_deref(), &later).await,
        "/api/v1/tags" => tags(url, settings).await,
        "/api/v1/compare" => compare(url, settings, &later).await,
        "/api/v1/verify" => verify(url, settings, &later).await,
        "/api/v1/attestations" => crate::attestations::attestations(url, settings, &later).await,
        "/api/v1/openapi.json" => openapi_document().map(|doc| Answer::json(doc, "public, max-age=300")),
        path => Err(Problem::new(
            404,
            "unknown-route",
            format!(
                "{path}: the API has /api/v1/inspect, /api/v1/match, /api/v1/compare, /api/v1/tags, \
                 /api/v1/verify, /api/v1/attestations and /api/v1/openapi.json"
            ),
        )),
    };
    later.hand_to(ctx);
    match answer {
        Ok(answer) => answer.respond(if_none_match),
        Err(problem) => problem.respond(&cors()?),
    }
}

/// A successful answer.
pub(crate) struct Answer {
    body: Vec<u8>,
    cache_control: String,
    etag: Option<String>,
    cache: Option<&'static str>,
    /// How old the tag resolutions it rests on are (`Age`), and how long until the registry
    /// may be asked again (`Retry-After`) when it is stale.
    age: Option<u64>,
    retry_after: Option<u64>,
}

impl Answer {
    pub(crate) fn json(body: Vec<u8>, cache_control: &str) -> Answer {
        Answer {
            body,
            cache_control: cache_control.to_owned(),
            etag: None,
            cache: None,
            age: None,
            retry_after: None,
        }
    }

    /// An answer built on these Reports (see [`Freshness`]).
    fn of_reports(body: Vec<u8>, etag: Option<String>, freshness: Freshness) -> Answer {
        Answer {
            body,
            cache_control: freshness.cache_control,
            etag,
            cache: Some(freshness.cache),
            age: freshness.age,
            retry_after: freshness.retry_after,
        }
    }

    fn respond(self, if_none_match: Option<String>) -> Result<Response> {
        let headers = cors()?;
        headers.set("Cache-Control", &self.cache_control)?;
        if let Some(etag) = &self.etag {
            headers.set("ETag", etag)?;
        }
        if let Some(cache) = self.cache {
            headers.set("X-Fathom-Cache", cache)?;
        }
        if let Some(age) = self.age {
            headers.set("Age", &age.to_string())?;
        }
        if let Some(seconds) = self.retry_after {
            headers.set("Retry-After", &seconds.to_string())?;
        }
        let unchanged =
            matches!((&self.etag, &if_none_match), (Some(e), Some(m)) if m.split(',').any(|m| m.trim() == e));
        if unchanged {
            return Ok(Response::empty()?.with_status(304).with_headers(headers));
        }
        headers.set("Content-Type", "application/json")?;
        Ok(Response::from_bytes(self.body)?.with_headers(headers))
    }
}

/// JSON as the CLI's `--format json` prints it: pretty, with a final newline.
pub(crate) fn pretty<T: Serialize>(value: &T) -> std::result::Result<Vec<u8>, Problem> {
    let mut body = serde_json::to_vec_pretty(value).map_err(|e| Problem::new(500, "bad-upstream", e.to_string()))?;
    body.push(b'\n');
    Ok(body)
}

fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

pub(crate) fn required(url: &Url, name: &str) -> std::result::Result<String, Problem> {
    param(url, name).filter(|v| !v.is_empty()).ok_or_else(|| {
        Problem::new(
            400,
            "missing-parameter",
            format!("the `{name}` query parameter is required"),
        )
    })
}

fn now() -> u64 {
    Date::now().as_millis() / 1000
}

/// The reference's registry as the edge speaks to it: anonymously (the API takes no
/// credentials, so everything it keeps is public), `CONCURRENCY` requests at once (up to
/// `DEFAULT_FANOUT` while an index's children wait), the clock now.
pub(crate) fn remote(reference: &Reference) -> Remote {
    Remote::of(reference)
        .with_concurrency(CONCURRENCY)
        .with_fanout(DEFAULT_FANOUT)
        .at(now())
}

/// The `platform` parameter: required for `match`, optional otherwise.
pub(crate) fn platform_param(url: &Url, required_here: bool) -> std::result::Result<Option<Platform>, Problem> {
    match param(url, "platform").filter(|p| !p.is_empty()) {
        Some(text) => text
            .parse::<Platform>()
            .map(Some)
            .map_err(|e| Problem::new(400, "bad-platform", format!("{text:?}: {e}"))),
        None if required_here => Err(required(url, "platform").unwrap_err()),
        None => Ok(None),
    }
}

/// A yes-or-no parameter: `1` or `true` is yes.
fn flag(url: &Url, name: &str) -> bool {
    matches!(param(url, name).as_deref(), Some("1" | "true"))
}

/// `fresh=1` (or `true`): resolve the tag with the registry now, whatever the edge keeps.
fn fresh_param(url: &Url) -> bool {
    flag(url, "fresh")
}

/// `inspect` and `match`: the Report (see [`report_of`]) as the CLI prints it — or, when the
/// client already holds it (`If-None-Match` names the digest the edge knows the reference by
/// without asking the registry), a 304 that builds no Report at all.
async fn inspect(
    url: &Url,
    settings: &Settings,
    walk: WalkKind,
    if_none_match: Option<&str>,
    later: &Later,
) -> std::result::Result<Answer, Problem> {
    let input = required(url, "ref")?;
    let platform = platform_param(url, walk == WalkKind::Match)?;
    let lookup = Lookup {
        walk,
        platform,
        tags: tag_policy(url, settings),
    };
    // The supply chain (inspect only): asked for, or implied by a signer.
    let signer = match walk {
        WalkKind::Inspect => Some(signer_params(url, settings)?)
            .filter(|(key, policy)| flag(url, "supplyChain") || key.is_some() || policy.is_some()),
        WalkKind::Match => None,
    };
    if let (Some(condition), None) = (if_none_match, &signer) {
        if let Some(unchanged) = not_modified(&input, condition, lookup.tags, settings).await {
            return Ok(unchanged);
        }
    }
    let found = report_of(&input, lookup.clone(), settings, Some(later)).await?;
    let body = match (walk, &signer) {
        (WalkKind::Inspect, Some((key, policy))) => {
            let mut report = found.report.clone();
            // The supply chain of bytes that failed their check would vouch for what was
            // swapped in.
            if report.failed_check().is_none() {
                let trust = Trust::of(key.as_ref(), policy.as_ref());
                report.supply_chain = Some(supply_chain::of(&found, url, settings, later, trust).await?);
            }
            pretty(&report)?
        }
        (WalkKind::Inspect, None) => match kept_json(&found, &lookup, settings).await {
            Some(json) => json,
            None => pretty(&found.report)?,
        },
        (WalkKind::Match, _) => pretty(&MatchResult::from_report(&found.report))?,
    };
    refresh_later(&found, &input, lookup, settings, later);
    let etag = found.report.digest.as_ref().map(|d| format!("\"{d}\""));
    let answer = Answer::of_reports(body, etag, Freshness::of(&[&found], settings));
    Ok(match signer {
        // Looked up now, and more than the digest says: kept a minute, no ETag.
        Some(_) => Answer {
            cache_control: LOOKED_UP_NOW.to_owned(),
            etag: None,
            ..answer
        },
        None => answer,
    })
}

/// The JSON of a Report answered from the edge's cache, from the bytes rendered when it was
/// kept: only the members that differ per request are rendered now. `None` for a Report just
/// walked (printed once anyway).
async fn kept_json(found: &Found, lookup: &Lookup, settings: &Settings) -> Option<Vec<u8>> {
    if !found.hit {
        return None;
    }
    let digest = found.report.digest.as_deref()?.parse().ok()?;
    let key = ReportKey::of(lookup.walk, &found.reference, digest, lookup.platform.as_ref());
    let kept = EdgeReports::new(settings.report_ttl_seconds, now()).kept(&key).await?;
    Some(kept.rendered.answer(&found.report))
}

/// The 304 for a client whose `If-None-Match` names the digest `input` is known by (see
/// [`cached::known_digest`]); `None` when that takes the registry or the client's copy is old.
async fn not_modified(input: &str, condition: &str, tags: TagPolicy, settings: &Settings) -> Option<Answer> {
    let reference = Reference::parse(input).ok()?;
    settings.allowlist.check_registry(&reference).ok()?;
    let now = now();
    let reports = EdgeReports::new(settings.report_ttl_seconds, now);
    let (digest, age) = cached::known_digest(&reference, tags, now, &reports).await?;
    let etag = format!("\"{digest}\"");
    if !condition.split(',').any(|held| held.trim() == etag) {
        return None;
    }
    let cache_control = match age {
        None => IMMUTABLE.to_owned(),
        Some(age) => format!("public, max-age={}", settings.tag_ttl_seconds.saturating_sub(age)),
    };
    Some(Answer {
        body: Vec::new(),
        cache_control,
        etag: Some(etag),
        cache: Some("hit"),
        age,
        retry_after: None,
    })
}

pub(crate) fn tag_policy(url: &Url, settings: &Settings) -> TagPolicy {
    TagPolicy {
        ttl_seconds: settings.tag_ttl_seconds,
        fresh: fresh_param(url),
    }
}

/// A tag whose kept resolution is in the last tenth of its time to live is asked again once the answer is
/// out, so that the next request finds it young and a hot tag never waits for the registry.
pub(crate) fn refresh_later(found: &Found, input: &str, lookup: Lookup, settings: &Settings, later: &Later) {
    if !found.refresh {
        return;
    }
    let (input, settings) = (input.to_owned(), settings.clone());
    let lookup = Lookup {
        tags: TagPolicy {
            fresh: true,
            ..lookup.tags
        },
        ..lookup
    };
    later.defer(async move {
        // Nobody waits for this answer: a failure leaves the kept resolution as it was.
        let _ = report_of(&input, lookup, &settings, None).await;
    });
}

/// How cacheable an answer built on some Reports is, and what its headers say of their age.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Freshness {
    pub(crate) cache_control: String,
    pub(crate) cache: &'static str,
    age: Option<u64>,
    retry_after: Option<u64>,
}

impl Freshness {
    /// Immutable when every reference names a digest. A tag may move: clients may keep the
    /// answer for what is left of its resolution's time to live (`Age` says how old it is), so
    /// that edge and client together never rest on a resolution older than `TAG_TTL_SECONDS`;
    /// a stale answer (the registry could not be asked) is not kept at all.
    pub(crate) fn of(found: &[&Found], settings: &Settings) -> Freshness {
        let resolutions: Vec<_> = found.iter().filter_map(|f| f.report.tag_resolution.as_ref()).collect();
        let stale = resolutions.iter().filter_map(|r| r.stale.as_ref()).collect::<Vec<_>>();
        let cache = match (stale.is_empty(), found.iter().all(|f| f.hit)) {
            (false, _) => "stale",
            (true, true) => "hit",
            (true, false) => "miss",
        };
        let age = resolutions.iter().map(|r| r.age_seconds).max();
        let cache_control = if found.iter().all(|f| f.reference.digest().is_some()) {
            IMMUTABLE.to_owned()
        } else if !stale.is_empty() {
            "no-cache".to_owned()
        } else {
            let left = settings.tag_ttl_seconds.saturating_sub(age.unwrap_or(0));
            format!("public, max-age={left}")
        };
        Freshness {
            cache_control,
            cache,
            age,
            retry_after: stale.iter().filter_map(|s| s.retry_after).max(),
        }
    }
}

/// `compare`: both Reports at once, then the core's diff — the same as `fathom diff`.
async fn compare(url: &Url, settings: &Settings, later: &Later) -> std::result::Result<Answer, Problem> {
    let (input_a, input_b) = (required(url, "a")?, required(url, "b")?);
    let platform = platform_param(url, false)?;
    let lookup = Lookup {
        tags: tag_policy(url, settings),
        ..Lookup::default()
    };
    let (a, b) = futures_util::future::join(
        report_of(&input_a, lookup.clone(), settings, Some(later)),
        report_of(&input_b, lookup.clone(), settings, Some(later)),
    )
    .await;
    let (a, b) = (a?, b?);
    refresh_later(&a, &input_a, lookup.clone(), settings, later);
    refresh_later(&b, &input_b, lookup, settings, later);
    let digests = |r: &Report| r.digest.clone().unwrap_or_default();
    let body = pretty(&diff(&a.report, &b.report, platform.as_ref()))?;
    let etag = Some(format!("\"{}..{}\"", digests(&a.report), digests(&b.report)));
    Ok(Answer::of_reports(body, etag, Freshness::of(&[&a, &b], settings)))
}

/// What `verify` answers: the reference and its signatures, checked — what `fathom verify
/// --format json` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Verified {
    reference: String,
    #[serde(flatten)]
    verification: Verification,
}

/// `verify`: the reference's Report (its digest, the image the platform pulls), then the core's
/// signature lookup and check with the signer the request gives ([`signer_params`]) — the same
/// as `fathom verify`. The verdict is the answer (a 200, `invalid` included); the signatures are
/// looked up each time (anyone may attach one at any moment), so it is kept a minute at most.
async fn verify(url: &Url, settings: &Settings, later: &Later) -> std::result::Result<Answer, Problem> {
    let input = required(url, "ref")?;
    let (key, policy) = signer_params(url, settings)?;
    let platform = platform_param(url, false)?;
    let lookup = Lookup {
        // A platform's image is all the walk needs beside the reference's digest.
        walk: if platform.is_some() {
            WalkKind::Match
        } else {
            WalkKind::Inspect
        },
        platform,
        tags: tag_policy(url, settings),
    };
    let found = report_of(&input, lookup.clone(), settings, Some(later)).await?;
    refresh_later(&found, &input, lookup, settings, later);
    let subjects = signature::subjects_of(&found.report, false);
    let signatures = supply_chain::look_up(&found, &subjects, settings).await?;
    let body = pretty(&Verified {
        reference: found.report.reference.canonical.clone(),
        verification: Verification::of(&subjects, &signatures, Trust::of(key.as_ref(), policy.as_ref())),
    })?;
    Ok(Answer::json(body, LOOKED_UP_NOW))
}

/// How long an answer that looked signatures up may be kept.
const LOOKED_UP_NOW: &str = "public, max-age=60";

/// The signer a request gives: `key` (PEM, or the base64 of its DER SubjectPublicKeyInfo), or a
/// keyless `identity` and `issuer` ([`keyless_policy`]) — one or the other, or neither.
pub(crate) fn signer_params(
    url: &Url,
    settings: &Settings,
) -> std::result::Result<(Option<PublicKey>, Option<Policy>), Problem> {
    let key = match param(url, "key").filter(|k| !k.trim().is_empty()) {
        Some(k) if k.len() > MAX_KEY => {
            return Err(Problem::new(
                400,
                "bad-key",
                format!("key: {} bytes; a public key is at most {MAX_KEY}", k.len()),
            ))
        }
        Some(k) => Some(PublicKey::from_text(&k).map_err(|e| Problem::new(400, "bad-key", format!("key: {e}")))?),
        None => None,
    };
    let policy = keyless_policy(url, settings)?;
    if key.is_some() && policy.is_some() {
        return Err(Problem::new(
            400,
            "bad-key",
            "give a key, or a keyless identity and issuer — not both",
        ));
    }
    Ok((key, policy))
}

/// Sigstore's public-good trusted root, as the edge checks keyless signatures against it: the copy
/// sigstore-python embeds for offline use (sigstore/sigstore-python
/// `sigstore/_store/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev/trusted_root.json`, commit
/// 276c5e8f1e42d413d0aa17a0ce427ae7c8eef5dd, Apache-2.0). A newer root needs a newer build: the
/// edge does not follow Sigstore's TUF repository.
const PUBLIC_GOOD_ROOT: &str = include_str!("../sigstore/public-good.trusted_root.json");

/// `identity` and `issuer`: a keyless signer expected, under Sigstore's public-good root and the
/// operator's own, when the settings give one — both or neither.
fn keyless_policy(url: &Url, settings: &Settings) -> std::result::Result<Option<Policy>, Problem> {
    let given = |name| param(url, name).filter(|v| !v.trim().is_empty());
    let misconfigured = |what: &str, e: String| Problem::new(500, "misconfigured", format!("{what}: {e}"));
    match (given("identity"), given("issuer")) {
        (None, None) => Ok(None),
        (Some(subject), Some(issuer)) => {
            let mut root = TrustedRoot::from_json(PUBLIC_GOOD_ROOT.as_bytes())
                .map_err(|e| misconfigured("the public-good trusted root", e))?;
            if let Some(own) = &settings.sigstore_trusted_root {
                let own = TrustedRoot::from_json(own.as_bytes())
                    .map_err(|e| misconfigured("the trusted root in SIGSTORE_TRUSTED_ROOT", e))?;
                root = root.and(own);
            }
            Ok(Some(Policy {
                root,
                identity: Identity { subject, issuer },
            }))
        }
        _ => Err(Problem::new(
            400,
            "missing-parameter",
            "a keyless check needs both `identity` (the certificate's subject alternative name) and `issuer` (its OIDC issuer)",
        )),
    }
}

/// A Report as the edge found it.
pub(crate) struct Found {
    pub(crate) reference: Reference,
    pub(crate) report: Report,
    /// From the edge's cache.
    hit: bool,
    /// Its tag's resolution should be refreshed after the answer.
    refresh: bool,
}

/// A reference's Report: from what the edge keeps when that answers it without the registry
/// (`cached::from_cache`); else from the core's cached inspect (a tag resolved with one HEAD,
/// the Report of that digest from the edge's Report cache, else walked with by-digest content
/// from the edge cache and kept if it may be) — one walk at a time per reference across the
/// location, the others waiting for it ([`coalesce`]). A Report that fails a check is a 502 —
/// never a 200 that hides it, and never kept.
pub(crate) async fn report_of(
    input: &str,
    lookup: Lookup,
    settings: &Settings,
    later: Option<&Later>,
) -> std::result::Result<Found, Problem> {
    let reference =
        Reference::parse(input).map_err(|e| Problem::new(400, "bad-reference", format!("{input:?}: {e}")))?;
    settings
        .allowlist
        .check_registry(&reference)
        .map_err(|r| Problem::from_refusal(&r))?;
    let remote = remote(&reference);
    let reports = EdgeReports::new(settings.report_ttl_seconds, remote.now());
    if let Some(cached) = cached::from_cache(input, &reference, remote.now(), &lookup, &reports).await {
        return found(cached);
    }
    let Some(coalescer) = &settings.coalescer else {
        return walk(input, reference, &remote, lookup, &reports, settings, later).await;
    };
    let key = format!("{:?} {} {:?}", lookup.walk, reference.canonical(), lookup.platform);
    // Long enough for a walk: a few rounds of upstream requests, each within its time limit.
    let patience = Duration::from_secs(3 * settings.upstream_timeout_seconds + 5);
    match coalesce::turn(coalescer, &reference.name(), &key, patience).await {
        Turn::Lead(leader) => {
            let outcome = walk(input, reference, &remote, lookup, &reports, settings, later).await;
            leader.done(outcome.as_ref().err()).await;
            outcome
        }
        Turn::Follow(Some(problem)) => Err(problem),
        Turn::Follow(None) => {
            // What the leader just resolved is young: read it as kept, even for `fresh=1`.
            let settled = Lookup {
                tags: TagPolicy {
                    fresh: false,
                    ..lookup.tags
                },
                ..lookup.clone()
            };
            match cached::from_cache(input, &reference, remote.now(), &settled, &reports).await {
                Some(cached) => found(cached),
                // Not kept (Reports are not kept, or the tag moved meanwhile): walk alone.
                None => walk(input, reference, &remote, lookup, &reports, settings, later).await,
            }
        }
        Turn::Alone => walk(input, reference, &remote, lookup, &reports, settings, later).await,
    }
}

/// The core's cached inspect of `reference` with the registry's help; the content it fetched is
/// kept in the edge cache after the answer when there is a `later` to defer it to, else at once.
async fn walk(
    input: &str,
    reference: Reference,
    remote: &Remote,
    lookup: Lookup,
    reports: &EdgeReports,
    settings: &Settings,
    later: Option<&Later>,
) -> std::result::Result<Found, Problem> {
    let mut upstream = Upstream::new(
        &settings.allowlist,
        settings.upstream_timeout_seconds,
        Some(EdgeCache::default()),
    );
    if later.is_some() {
        upstream = upstream.deferring();
    }
    let upstream = &upstream;
    let cached = cached::inspect(input, reference, remote, lookup, reports, |request| {
        upstream.send(request)
    })
    .await;
    if let Some(later) = later {
        later.defer(upstream.keep_deferred());
    }
    found(cached.map_err(|f: Failure| Problem::from_failure(&f))?)
}

/// A cached inspect's Report as the edge answers it: a 502 when it fails a check.
fn found(cached: Cached) -> std::result::Result<Found, Problem> {
    let report = *cached.report;
    if let Some(finding) = report.failed_check() {
        // The Report rides along for whoever wants the detail. Bytes that do not hash to their
        // digest keep their own code, as clients match on it.
        let code = if report.findings.iter().any(|f| f.code == Code::DigestMismatch) {
            "digest-mismatch"
        } else {
            "failed-check"
        };
        let mut problem = Problem::new(
            502,
            code,
            format!("{}: {} {}", cached.reference.canonical(), finding.code, finding.message),
        );
        problem.report = serde_json::to_value(&report).ok().map(Box::new);
        return Err(problem);
    }
    Ok(Found {
        reference: cached.reference,
        report,
        hit: cached.hit,
        refresh: cached.refresh,
    })
}

/// The answer of `/api/v1/tags`: one page, and where the next one starts.
#[derive(Serialize)]
struct TagPage {
    name: String,
    tags: Vec<String>,
    /// The API URL of the next page, when the registry has more.
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
}

async fn tags(url: &Url, settings: &Settings) -> std::result::Result<Answer, Problem> {
    let input = required(url, "repo")?;
    let reference =
        Reference::parse(&input).map_err(|e| Problem::new(400, "bad-reference", format!("{input:?}: {e}")))?;
    let size = match param(url, "n") {
        None => DEFAULT_PAGE,
        Some(n) => n
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| Problem::new(400, "bad-parameter", format!("n={n:?}: expected 1 to {MAX_PAGE}")))?,
    };
    let last = param(url, "last").filter(|l| !l.is_empty());
    settings
        .allowlist
        .check_registry(&reference)
        .map_err(|r| Problem::from_refusal(&r))?;
    let upstream = Upstream::new(&settings.allowlist, settings.upstream_timeout_seconds, None);
    let page = Page {
        size: Some(size),
        last: last.clone(),
    };
    let listing = upstream
        .run(TagList::new(&reference, page, 1, &remote(&reference)))
        .await
        .map_err(|f| Problem::from_failure(&f))?;
    let (tags, more) = listing.page_after(last.as_deref(), size as usize);
    let next = match (more, tags.last()) {
        (true, Some(last_tag)) => {
            let mut next = url.clone();
            next.query_pairs_mut()
                .clear()
                .append_pair("repo", &input)
                .append_pair("n", &size.to_string())
                .append_pair("last", last_tag);
            Some(format!("{}?{}", next.path(), next.query().unwrap_or_default()))
        }
        _ => None,
    };
    let body = pretty(&TagPage {
        name: listing.name,
        tags,
        next,
    })?;
    Ok(Answer::json(
        body,
        &format!("public, max-age={}", settings.tag_ttl_seconds),
    ))
}

#[cfg(test)]
mod tests {
    //! The API's pure parts, natively: parameters, platforms, caching headers, the served
    //! OpenAPI document.
    use fathom_core::egress::Allowlist;
    use fathom_core::report::{Stale, StaleReason, TagResolution};

    use super::*;

    fn url(query: &str) -> Url {
        Url::parse(&format!("http://127.0.0.1:8787/api/v1/match?{query}")).unwrap()
    }

    fn settings() -> Settings {
        Settings {
            allowlist: Allowlist::parse("https://ghcr.io", "", "").unwrap(),
            proxy_origins: Vec::new(),
            upstream_timeout_seconds: 20,
            report_ttl_seconds: 600,
            tag_ttl_seconds: 60,
            sigstore_trusted_root: None,
            coalescer: None,
        }
    }

    #[test]
    fn keyless_checks_trust_the_public_good_root_and_the_operator_s_own() {
        let identity =
            "identity=https%3A%2F%2Fgithub.com%2Fo%2Fr&issuer=https%3A%2F%2Ftoken.actions.githubusercontent.com";
        let public_good = keyless_policy(&url(identity), &settings()).unwrap().unwrap();
        assert!(keyless_policy(&url(""), &settings()).unwrap().is_none());
        let problem = keyless_policy(&url("identity=someone"), &settings()).unwrap_err();
        assert_eq!((problem.status, problem.code), (400, "missing-parameter"));
        // Sigstore's staging root, as an operator's own: trusted besides public-good.
        let own = include_str!("../../tests/data/signatures/sigstore-bundles/sigstore-trusted-root.staging.json");
        let with_own = Settings {
            sigstore_trusted_root: Some(own.to_owned()),
            ..settings()
        };
        let both = keyless_policy(&url(identity), &with_own).unwrap().unwrap();
        let staging = TrustedRoot::from_json(own.as_bytes()).unwrap();
        assert_eq!(
            both.root.authorities.len(),
            public_good.root.authorities.len() + staging.authorities.len()
        );
        assert_eq!(both.root.logs.len(), public_good.root.logs.len() + staging.logs.len());
        // A malformed one is the operator's mistake, said as such — never a silent public-good only.
        let broken = Settings {
            sigstore_trusted_root: Some("{\"tlogs\": 1}".to_owned()),
            ..settings()
        };
        let problem = keyless_policy(&url(identity), &broken).unwrap_err();
        assert_eq!((problem.status, problem.code), (500, "misconfigured"));
        assert!(problem.detail.contains("SIGSTORE_TRUSTED_ROOT"), "{}", problem.detail);
    }

    #[test]
    fn an_architecture_alone_is_linux_at_the_edge() {
        // The edge has no host: "arm64" is linux/arm64 as docker reads it — not "unknown/arm64",
        // which the wasm32 build target once made of it.
        let platform = platform_param(&url("platform=arm64"), true).unwrap().unwrap();
        assert_eq!(platform.to_string(), "linux/arm64");
        let problem = platform_param(&url("platform=linux"), true).unwrap_err();
        assert_eq!((problem.status, problem.code), (400, "bad-platform"));
        assert!(problem.detail.contains("linux/amd64"), "{}", problem.detail);
        assert_eq!(platform_param(&url(""), false).unwrap(), None);
        let missing = platform_param(&url("ref=x"), true).unwrap_err();
        assert_eq!(missing.code, "missing-parameter");
    }

    #[test]
    fn required_parameters_are_named() {
        assert_eq!(required(&url("ref=busybox"), "ref").unwrap(), "busybox");
        let problem = required(&url("ref="), "ref").unwrap_err();
        assert_eq!((problem.status, problem.code), (400, "missing-parameter"));
        assert!(problem.detail.contains("`ref`"));
    }

    fn found(input: &str, resolution: Option<TagResolution>, hit: bool) -> Found {
        let reference: Reference = input.parse().unwrap();
        let report = Report {
            tag_resolution: resolution,
            ..Report::new(input, &reference)
        };
        Found {
            reference,
            report,
            hit,
            refresh: false,
        }
    }

    #[test]
    fn answers_say_how_old_their_tags_are() {
        let resolved = |age_seconds, stale| TagResolution {
            resolved_at: 1000,
            age_seconds,
            stale,
        };
        let digest = found(&format!("ghcr.io/o/a@sha256:{}", "a".repeat(64)), None, true);
        let young = found("ghcr.io/o/a:1", Some(resolved(20, None)), true);
        let older = found("ghcr.io/o/b:1", Some(resolved(45, None)), false);
        let pinned = Freshness::of(&[&digest], &settings());
        assert_eq!(
            (pinned.cache_control.as_str(), pinned.cache, pinned.age),
            (IMMUTABLE, "hit", None)
        );
        // What is left of the time to live, for the oldest resolution of the answer.
        let tagged = Freshness::of(&[&digest, &young, &older], &settings());
        assert_eq!(tagged.cache_control, "public, max-age=15");
        assert_eq!((tagged.cache, tagged.age, tagged.retry_after), ("miss", Some(45), None));
        let stale = found(
            "ghcr.io/o/a:1",
            Some(resolved(
                900,
                Some(Stale {
                    reason: StaleReason::RateLimited,
                    message: "rate limited".into(),
                    retry_after: Some(30),
                }),
            )),
            true,
        );
        let limited = Freshness::of(&[&stale], &settings());
        assert_eq!(
            limited,
            Freshness {
                cache_control: "no-cache".into(),
                cache: "stale",
                age: Some(900),
                retry_after: Some(30),
            }
        );
    }

    #[test]
    fn fresh_is_asked_for_by_name() {
        assert!(fresh_param(&url("ref=a&fresh=1")) && fresh_param(&url("fresh=true")));
        assert!(!fresh_param(&url("ref=a")) && !fresh_param(&url("fresh=0")));
    }

    #[test]
    fn the_openapi_document_stands_alone() {
        let doc: serde_json::Value = serde_json::from_slice(&openapi_document().unwrap()).unwrap();
        let report = &doc["components"]["schemas"]["Report"];
        assert!(report["properties"]["platforms"].is_object());
        assert!(report.get("$id").is_none());
        let text = doc.to_string();
        assert!(
            !text.contains("\"#/$defs/"),
            "every reference rewritten to the inlined schema"
        );
        assert!(text.contains("upstream-unreachable") && text.contains("failed-check"));
    }
}
