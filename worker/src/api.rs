//! The edge API: `/api/v1/inspect`, `/api/v1/match`, `/api/v1/compare`, `/api/v1/tags` and the
//! OpenAPI document.
//! Each runs the same core walk as the CLI, through [`Upstream`], and answers JSON or a problem.

use fathom_core::compare::diff;
use fathom_core::finding::Code;
use fathom_core::inspect::cached::{self, WalkKind};
use fathom_core::registry::session::Failure;
use fathom_core::registry::tags::{Page, TagList};
use fathom_core::registry::Remote;
use fathom_core::report::{MatchResult, Report};
use fathom_core::{Platform, Reference};
use serde::Serialize;
use worker::{Date, Headers, Response, Result, Url};

use crate::edge_cache::{EdgeCache, EdgeReports, IMMUTABLE};
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
        "/api/v1/inspect" => inspect(url, settings, WalkKind::Inspect).await,
        "/api/v1/match" => inspect(url, settings, WalkKind::Match).await,
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

/// The reference's registry as the edge speaks to it: anonymously (the API takes no
/// credentials, so everything it keeps is public), `CONCURRENCY` requests at once, the clock now.
fn remote(reference: &Reference) -> Remote {
    Remote::of(reference).with_concurrency(CONCURRENCY).at(now())
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
async fn inspect(url: &Url, settings: &Settings, walk: WalkKind) -> std::result::Result<Answer, Problem> {
    let input = required(url, "ref")?;
    let platform = platform_param(url, walk == WalkKind::Match)?;
    let (reference, report, hit) = report_of(&input, platform, walk, settings).await?;
    let body = match walk {
        WalkKind::Inspect => pretty(&report)?,
        WalkKind::Match => pretty(&MatchResult::from_report(&report))?,
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
        report_of(&input_a, None, WalkKind::Inspect, settings),
        report_of(&input_b, None, WalkKind::Inspect, settings),
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

/// A reference's Report, from the core's cached inspect (a tag resolved with one HEAD, the
/// Report of that digest from the edge's Report cache, else walked with by-digest content from
/// the edge cache and kept if it may be). A Report that fails a check is a 502 — never a 200
/// that hides it, and never kept.
async fn report_of(
    input: &str,
    platform: Option<Platform>,
    walk: WalkKind,
    settings: &Settings,
) -> std::result::Result<(Reference, Report, bool), Problem> {
    let reference =
        Reference::parse(input).map_err(|e| Problem::new(400, "bad-reference", format!("{input:?}: {e}")))?;
    settings
        .allowlist
        .check_registry(&reference)
        .map_err(|r| Problem::from_refusal(&r))?;
    let upstream = Upstream::new(
        &settings.allowlist,
        settings.upstream_timeout_seconds,
        Some(EdgeCache::default()),
    );
    let upstream = &upstream;
    let reports = EdgeReports::new(settings.report_ttl_seconds);
    let remote = remote(&reference);
    let cached = cached::inspect(input, reference, &remote, walk, platform, &reports, |request| {
        upstream.send(request)
    })
    .await
    .map_err(|f: Failure| Problem::from_failure(&f))?;
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
    Ok((cached.reference, report, cached.hit))
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
    Ok(Answer {
        body,
        cache_control: format!("public, max-age={}", settings.tag_ttl_seconds),
        etag: None,
        cache: None,
    })
}

#[cfg(test)]
mod tests {
    //! The API's pure parts, natively: parameters, platforms, caching headers, the served
    //! OpenAPI document.
    use fathom_core::egress::Allowlist;

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
        }
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

    #[test]
    fn only_references_by_digest_are_immutable() {
        let tag: Reference = "ghcr.io/o/a:1".parse().unwrap();
        let digest: Reference = format!("ghcr.io/o/a@sha256:{}", "a".repeat(64)).parse().unwrap();
        assert_eq!(cache_control(&[&digest], &settings()), IMMUTABLE);
        assert_eq!(cache_control(&[&digest, &tag], &settings()), "public, max-age=60");
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
