//! The edge API: `/api/v1/inspect`, `/api/v1/match`, `/api/v1/compare`, `/api/v1/tags` and the
//! OpenAPI document.
//! Each runs the same core walk as the CLI, through [`Upstream`], and answers JSON or a problem.

use fathom_core::compare::diff;
use fathom_core::inspect::{Inspect, Options};
use fathom_core::registry::resolve::Resolve;
use fathom_core::registry::session::{Failure, SessionOptions};
use fathom_core::registry::tags::{Page, TagList};
use fathom_core::report::{MatchResult, ReferenceInfo, Report, ResolvedBy};
use fathom_core::{Digest, Platform, Reference};
use serde::Serialize;
use worker::{Date, Headers, Response, Result, Url};

use crate::edge_cache::{report_key, EdgeCache, IMMUTABLE};
use crate::problem::Problem;
use crate::settings::Settings;
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

/// Headers every API answer carries: anyone may read the API from a page.
pub fn cors() -> Result<Headers> {
    let headers = Headers::new();
    headers.set("Access-Control-Allow-Origin", "*")?;
    headers.set("Access-Control-Expose-Headers", "ETag, X-Fathom-Cache, Retry-After")?;
    Ok(headers)
}

/// Answers an API request (`GET` or `HEAD` of a path under `/api/v1/`).
pub async fn handle(url: &Url, if_none_match: Option<String>, settings: &Settings) -> Result<Response> {
    let answer = match url.path() {
        "/api/v1/inspect" => inspect(url, settings, Walk::Inspect).await,
        "/api/v1/match" => inspect(url, settings, Walk::Match).await,
        "/api/v1/tags" => tags(url, settings).await,
        "/api/v1/compare" => compare(url, settings).await,
        "/api/v1/openapi.json" => openapi_document().map(|doc| Answer::json(doc, "public, max-age=300")),
        path => Err(Problem::new(
            404,
            "unknown-route",
            format!(
                "{path}: the API has /api/v1/inspect, /api/v1/match, /api/v1/compare, /api/v1/tags and \
                 /api/v1/openapi.json"
            ),
        )),
    };
    match answer {
        Ok(answer) => answer.respond(if_none_match),
        Err(problem) => problem.respond(&cors()?),
    }
}

/// A successful answer.
struct Answer {
    body: Vec<u8>,
    cache_control: String,
    etag: Option<String>,
    cache: Option<&'static str>,
}

impl Answer {
    fn json(body: Vec<u8>, cache_control: &str) -> Answer {
        Answer {
            body,
            cache_control: cache_control.to_owned(),
            etag: None,
            cache: None,
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
fn pretty<T: Serialize>(value: &T) -> std::result::Result<Vec<u8>, Problem> {
    let mut body = serde_json::to_vec_pretty(value).map_err(|e| Problem::new(500, "bad-upstream", e.to_string()))?;
    body.push(b'\n');
    Ok(body)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    Inspect,
    Match,
}

fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

fn required(url: &Url, name: &str) -> std::result::Result<String, Problem> {
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

fn session_options() -> SessionOptions {
    SessionOptions {
        concurrency: CONCURRENCY,
        now: now(),
        credentials: None,
    }
}

/// The `platform` parameter: required for `match`, optional otherwise.
fn platform_param(url: &Url, required_here: bool) -> std::result::Result<Option<Platform>, Problem> {
    match param(url, "platform").filter(|p| !p.is_empty()) {
        Some(text) => text
            .parse::<Platform>()
            .map(Some)
            .map_err(|e| Problem::new(400, "bad-platform", format!("{text:?}: {e}"))),
        None if required_here => Err(required(url, "platform").unwrap_err()),
        None => Ok(None),
    }
}

/// `inspect` and `match`: the Report (see [`report_of`]) as the CLI prints it.
async fn inspect(url: &Url, settings: &Settings, walk: Walk) -> std::result::Result<Answer, Problem> {
    let input = required(url, "ref")?;
    let platform = platform_param(url, walk == Walk::Match)?;
    let (reference, report, hit) = report_of(&input, platform, walk, settings).await?;
    let body = match walk {
        Walk::Inspect => pretty(&report)?,
        Walk::Match => pretty(&MatchResult::from_report(&report))?,
    };
    Ok(Answer {
        body,
        cache_control: cache_control(&[&reference], settings),
        etag: report.digest.as_ref().map(|d| format!("\"{d}\"")),
        cache: Some(if hit { "hit" } else { "miss" }),
    })
}

/// Immutable when every reference names a digest; a tag may move.
fn cache_control(references: &[&Reference], settings: &Settings) -> String {
    if references.iter().all(|r| r.digest().is_some()) {
        IMMUTABLE.to_owned()
    } else {
        format!("public, max-age={}", settings.tag_ttl_seconds)
    }
}

/// `compare`: both Reports at once, then the core's diff — the same as `fathom diff`.
async fn compare(url: &Url, settings: &Settings) -> std::result::Result<Answer, Problem> {
    let (input_a, input_b) = (required(url, "a")?, required(url, "b")?);
    let platform = platform_param(url, false)?;
    let (a, b) = futures_util::future::join(
        report_of(&input_a, None, Walk::Inspect, settings),
        report_of(&input_b, None, Walk::Inspect, settings),
    )
    .await;
    let ((reference_a, a, hit_a), (reference_b, b, hit_b)) = (a?, b?);
    let digests = |r: &Report| r.digest.clone().unwrap_or_default();
    Ok(Answer {
        body: pretty(&diff(&a, &b, platform.as_ref()))?,
        cache_control: cache_control(&[&reference_a, &reference_b], settings),
        etag: Some(format!("\"{}..{}\"", digests(&a), digests(&b))),
        cache: Some(if hit_a && hit_b { "hit" } else { "miss" }),
    })
}

/// A reference's Report: a tag resolved with one HEAD, answered from the Report cache when it
/// holds that digest, else walked (by-digest content from the edge cache) and kept. Bytes that
/// do not match their digest are a 502 `digest-mismatch`, never a Report that hides them.
async fn report_of(
    input: &str,
    platform: Option<Platform>,
    walk: Walk,
    settings: &Settings,
) -> std::result::Result<(Reference, Report, bool), Problem> {
    let reference =
        Reference::parse(input).map_err(|e| Problem::new(400, "bad-reference", format!("{input:?}: {e}")))?;
    settings
        .allowlist
        .check_registry(&reference)
        .map_err(|r| Problem::from_refusal(&r))?;

    let cache = EdgeCache::default();
    let upstream = Upstream::new(
        &settings.allowlist,
        settings.upstream_timeout_seconds,
        Some(EdgeCache::default()),
    );
    let (resolved, head_requests) = match reference.digest() {
        Some(digest) => (Some(digest.clone()), 0),
        None => {
            let resolve = Resolve::new(&reference, false, session_options());
            let resolved = upstream.run(resolve).await.map_err(|f| Problem::from_failure(&f))?;
            (resolved.digest, resolved.requests)
        }
    };
    let walk_name = if walk == Walk::Inspect { "inspect" } else { "match" };
    let platform_text = platform.as_ref().map(Platform::to_string);
    let key = resolved
        .as_ref()
        .map(|d| report_key(walk_name, &reference.name(), d, platform_text.as_deref()));

    let cached = match &key {
        Some(key) => cache
            .report(key)
            .await
            .and_then(|v| serde_json::from_value::<Report>(v).ok()),
        None => None,
    };
    let (mut report, hit) = match cached {
        Some(mut report) => {
            report.reference = ReferenceInfo::new(input, &reference);
            report.resolved_by = if reference.digest().is_some() {
                ResolvedBy::Digest
            } else {
                ResolvedBy::Tag
            };
            report.requests = 0;
            (report, true)
        }
        None => {
            let options = Options {
                concurrency: CONCURRENCY,
                now: now(),
                resolved: resolved.clone().filter(|_| reference.digest().is_none()),
                ..match (walk, platform.clone()) {
                    (Walk::Match, Some(platform)) => Options::for_match(platform),
                    (_, platform) => Options {
                        platform,
                        ..Options::default()
                    },
                }
            };
            let report = upstream
                .run(Inspect::new(input, reference.clone(), options))
                .await
                .map_err(|f: Failure| Problem::from_failure(&f))?;
            (*report, false)
        }
    };
    report.requests += head_requests;

    if let Some(finding) = report.failed_check() {
        // Never a 200 (nor a cached Report) that hides a failed check: the Report rides along
        // for whoever wants the detail. Bytes that do not hash to their digest keep their own
        // code, as clients match on it.
        let code = if report.findings.iter().any(|f| f.code == "digest-mismatch") {
            "digest-mismatch"
        } else {
            "failed-check"
        };
        let mut problem = Problem::new(
            502,
            code,
            format!("{}: {} {}", reference.canonical(), finding.code, finding.message),
        );
        problem.report = serde_json::to_value(&report).ok().map(Box::new);
        return Err(problem);
    }
    if !hit {
        if let (Some(key), Some(digest)) = (&key, &report.digest) {
            if resolved.as_ref().map(Digest::as_str) == Some(digest.as_str()) {
                if let Ok(value) = serde_json::to_value(&report) {
                    cache.keep_report(key, &value, settings.report_ttl_seconds).await;
                }
            }
        }
    }
    Ok((reference, report, hit))
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
        .run(TagList::new(&reference, page, 1, false, session_options()))
        .await
        .map_err(|f| Problem::from_failure(&f))?;
    // Registries that ignore `n` or `last` (distribution 2.x does) get paged here.
    let mut tags = listing.tags;
    if let Some(at) = last.as_ref().and_then(|l| tags.iter().position(|t| t == l)) {
        tags.drain(..=at);
    }
    let more = listing.next.is_some() || tags.len() > size as usize;
    tags.truncate(size as usize);
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
    Ok(Answer {
        body,
        cache_control: format!("public, max-age={}", settings.tag_ttl_seconds),
        etag: None,
        cache: None,
    })
}
