//! The registry proxy for the browser (registries send no CORS headers): `GET`/`HEAD` of
//! `/proxy/<host>/<registry API path>` on allowlisted hosts only, no cookies either way, the
//! caller's `Authorization` only to the host in the path, by-digest content from the edge cache.
//! The registry's `WWW-Authenticate` comes back as `X-Registry-WWW-Authenticate`.

use fathom_core::egress::Target;
use fathom_core::registry::session::{ErrorKind, Failure};
use fathom_core::registry::{request, HttpResponse, Method};
use worker::{Context, Headers, Request, Response, ResponseBody, Result};

use crate::edge_cache::{EdgeCache, IMMUTABLE};
use crate::problem::Problem;
use crate::settings::Settings;
use crate::upstream::{Upstream, UpstreamError};

/// Response headers passed back to the page; everything else (cookies first) is dropped.
const PASSED: [&str; 9] = [
    "content-type",
    "docker-content-digest",
    "link",
    "retry-after",
    "ratelimit-limit",
    "ratelimit-remaining",
    "docker-ratelimit-source",
    "docker-distribution-api-version",
    "oci-filters-applied",
];

/// The header the registry's `WWW-Authenticate` challenge is relayed under.
pub const CHALLENGE: &str = "X-Registry-WWW-Authenticate";

/// Request headers passed on to the registry.
const FORWARDED: [&str; 2] = ["accept", "authorization"];

/// CORS headers for `origin`, when it may use the proxy: the worker's own origin, or one the
/// settings name. Anything else gets no CORS headers, so the browser withholds the answer.
fn cors(origin: Option<&str>, own: &str, settings: &Settings) -> Result<Headers> {
    let headers = Headers::new();
    headers.set("Vary", "Origin")?;
    if let Some(origin) = origin.filter(|o| *o == own || settings.proxy_origins.iter().any(|a| a == o)) {
        headers.set("Access-Control-Allow-Origin", origin)?;
        headers.set(
            "Access-Control-Expose-Headers",
            "Docker-Content-Digest, X-Registry-WWW-Authenticate, Link, Retry-After, RateLimit-Limit, RateLimit-Remaining, Docker-RateLimit-Source, X-Fathom-Cache",
        )?;
    }
    Ok(headers)
}

/// Answers a CORS preflight for the proxy.
pub fn preflight(req: &Request, own: &str, settings: &Settings) -> Result<Response> {
    let origin = req.headers().get("Origin")?;
    let headers = cors(origin.as_deref(), own, settings)?;
    if headers.has("Access-Control-Allow-Origin")? {
        headers.set("Access-Control-Allow-Methods", "GET, HEAD")?;
        headers.set("Access-Control-Allow-Headers", "Accept, Authorization")?;
        headers.set("Access-Control-Max-Age", "600")?;
        return Ok(Response::empty()?.with_status(204).with_headers(headers));
    }
    Problem::new(
        403,
        "origin-not-allowed",
        format!(
            "{}: this origin may not use the proxy",
            origin.unwrap_or_else(|| "(no origin)".into())
        ),
    )
    .respond(&headers)
}

/// Answers `/proxy/<rest>` for a request sent with `method` (as it was sent).
pub async fn handle(
    req: &Request,
    ctx: &Context,
    method: &str,
    rest: &str,
    own: &str,
    settings: &Settings,
) -> Result<Response> {
    let origin = req.headers().get("Origin")?;
    let headers = cors(origin.as_deref(), own, settings)?;
    let method = match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        other => {
            headers.set("Allow", "GET, HEAD, OPTIONS")?;
            return Problem::new(
                405,
                "method-not-allowed",
                format!("{other}: the proxy only reads (GET, HEAD)"),
            )
            .respond(&headers);
        }
    };
    let declared_body = req.headers().get("Content-Length")?.is_some_and(|n| n.trim() != "0")
        || req.headers().has("Transfer-Encoding")?;
    if declared_body {
        return Problem::new(400, "body-not-allowed", "requests to the proxy carry no body").respond(&headers);
    }
    let url = req.url()?;
    let target = match settings.allowlist.proxy_target(rest, url.query()) {
        Ok(target) => target,
        Err(refusal) => return Problem::from_refusal(&refusal).respond(&headers),
    };
    let mut forwarded = Vec::new();
    for name in FORWARDED {
        if let Some(value) = req.headers().get(name)? {
            forwarded.push((name.to_owned(), value));
        }
    }
    // Only anonymous by-digest GETs are shared through the edge cache: what a credential
    // unlocked is never handed to someone without it.
    let anonymous = !forwarded.iter().any(|(k, _)| k == "authorization");
    let shared = method == Method::Get && anonymous && request::content_digest(target.url.as_str()).is_some();
    let cache = EdgeCache::default();
    if shared {
        if let Some(hit) = cache.content(target.url.as_str()).await {
            return relay(&hit, ResponseBody::Body(hit.body.clone()), &target, "hit", headers);
        }
    }
    let upstream = Upstream::new(&settings.allowlist, settings.upstream_timeout_seconds, None);
    let max_body = target.kind.max_body();
    let stream = method == Method::Get;
    match upstream
        .fetch_or_stream(target.clone(), method, &forwarded, max_body, stream)
        .await
    {
        // A layer: relayed as it arrives, never held whole nor kept here (the client hashes it;
        // its browser may keep it for good, by digest).
        Ok((response, Some(body))) => relay(&response, ResponseBody::Stream(body), &target, "stream", headers),
        Ok((response, None)) => {
            let cache_state = if shared { "miss" } else { "bypass" };
            let body = ResponseBody::Body(response.body.clone());
            let answer = relay(&response, body, &target, cache_state, headers);
            if shared {
                // Kept after the answer has gone out.
                let url = target.url.to_string();
                ctx.wait_until(async move { cache.keep_content(&url, &response).await });
            }
            answer
        }
        Err(UpstreamError::Refused(refusal)) => Problem::from_refusal(&refusal).respond(&headers),
        Err(UpstreamError::Transport(error)) => {
            let failure = Failure {
                kind: ErrorKind::of_transport(&error),
                message: format!("{}: {error}", target.authority()),
                retry_after: None,
            };
            Problem::from_failure(&failure).respond(&headers)
        }
    }
}

/// The registry's answer as the page gets it: its status and `body`, the headers a client of the
/// registry protocol needs, and how long it may be kept.
fn relay(
    response: &HttpResponse,
    body: ResponseBody,
    target: &Target,
    cache: &str,
    headers: Headers,
) -> Result<Response> {
    for (name, value) in &response.headers {
        let name = name.to_ascii_lowercase();
        if name == "www-authenticate" {
            // Renamed: a `Basic` challenge on a page's own origin makes the browser pop up its
            // login dialog; the page reads the challenge under this name instead.
            headers.append(CHALLENGE, value)?;
        } else if PASSED.contains(&name.as_str()) {
            headers.append(&name, value)?;
        }
    }
    let by_digest = request::content_digest(target.url.as_str()).is_some();
    let cache_control = if by_digest && response.status == 200 {
        IMMUTABLE
    } else {
        "no-store"
    };
    headers.set("Cache-Control", cache_control)?;
    headers.set("X-Fathom-Cache", cache)?;
    Ok(Response::from_body(body)?
        .with_status(response.status)
        .with_headers(headers))
}
