//! Which request to send: URLs, `Accept` lists and body limits for every registry operation,
//! plus reading what comes back (pagination links, rate-limit headers, digests).

use super::http::{HttpRequest, HttpResponse, Method};
use crate::digest::{Digest, Mismatch};
use crate::media_type as mt;
use crate::reference::Reference;

/// distribution's limit on a manifest body.
pub const MAX_MANIFEST: u64 = 4 << 20;
/// Largest config blob read.
pub const MAX_CONFIG: u64 = 8 << 20;
/// Largest tag list page read.
pub const MAX_TAG_PAGE: u64 = 4 << 20;

/// Every manifest type Fathom reads, preferred first; schema1 last so registries that convert
/// (distribution 2.x) only do so when nothing else exists.
pub const MANIFEST_ACCEPT: &[&str] = &[
    mt::OCI_INDEX,
    mt::OCI_MANIFEST,
    mt::DOCKER_MANIFEST_LIST,
    mt::DOCKER_MANIFEST,
    mt::OCI_ARTIFACT_MANIFEST,
    mt::DOCKER_SCHEMA1_SIGNED,
    mt::DOCKER_SCHEMA1,
];

/// Where a registry's API lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https` or `http`.
    pub scheme: &'static str,
    /// `host[:port]`.
    pub host: String,
}

impl Endpoint {
    /// The endpoint for a reference: HTTPS, except plain HTTP for loopback registries
    /// (`localhost`, `127.0.0.0/8`, `[::1]`) as docker does, or when `insecure` is set.
    pub fn for_reference(reference: &Reference, insecure: bool) -> Endpoint {
        let host = reference.api_host().to_owned();
        let plain = insecure || is_loopback(&host);
        Endpoint {
            scheme: if plain { "http" } else { "https" },
            host,
        }
    }

    /// `scheme://host/v2/`.
    pub fn base(&self) -> String {
        format!("{}://{}/v2/", self.scheme, self.host)
    }
}

/// Whether `host[:port]` names the local machine.
pub fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host
            }
        }),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `GET /v2/` — tells whether and how to authenticate.
pub fn ping(endpoint: &Endpoint) -> HttpRequest {
    HttpRequest::get(endpoint.base(), 64 << 10)
}

/// A manifest by tag or digest, with the full `Accept` list.
pub fn manifest(endpoint: &Endpoint, repository: &str, reference: &str, method: Method) -> HttpRequest {
    HttpRequest {
        method,
        ..HttpRequest::get(
            format!("{}{repository}/manifests/{reference}", endpoint.base()),
            MAX_MANIFEST,
        )
    }
    .with_header("Accept", MANIFEST_ACCEPT.join(", "))
}

/// The digest a URL addresses (`…/manifests/<digest>` or `…/blobs/<digest>`), whose response
/// never changes — what a driver may keep in a content cache, and must verify before it does.
pub fn content_digest(url: &str) -> Option<Digest> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let (rest, last) = path.rsplit_once('/')?;
    let kind = rest.rsplit('/').next()?;
    if kind != "manifests" && kind != "blobs" {
        return None;
    }
    last.parse().ok()
}

/// A blob by digest, read up to `max_body` bytes.
pub fn blob(endpoint: &Endpoint, repository: &str, digest: &Digest, max_body: u64) -> HttpRequest {
    HttpRequest::get(format!("{}{repository}/blobs/{digest}", endpoint.base()), max_body)
}

/// A page of a repository's tags: the first, or the one after tag `last` (the `last` parameter
/// of the distribution spec's pagination).
pub fn tags(endpoint: &Endpoint, repository: &str, page_size: Option<u32>, last: Option<&str>) -> HttpRequest {
    let query: Vec<String> = page_size
        .map(|n| format!("n={n}"))
        .into_iter()
        .chain(last.map(|l| {
            form_urlencoded::Serializer::new(String::new())
                .append_pair("last", l)
                .finish()
        }))
        .collect();
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    HttpRequest::get(
        format!("{}{repository}/tags/list{query}", endpoint.base()),
        MAX_TAG_PAGE,
    )
}

/// The OCI referrers API for a subject.
pub fn referrers(endpoint: &Endpoint, repository: &str, subject: &Digest) -> HttpRequest {
    HttpRequest::get(
        format!("{}{repository}/referrers/{subject}", endpoint.base()),
        MAX_MANIFEST,
    )
    .with_header("Accept", mt::OCI_INDEX)
}

/// The tag under which the referrers tag schema stores a subject's referrers (`sha256-<hex>`).
pub fn referrers_fallback_tag(subject: &Digest) -> String {
    format!("{}-{}", subject.algorithm(), subject.hex())
}

/// The next page named by a `Link: <…>; rel="next"` header, as an absolute URL — only when it is
/// on the same registry (a path, or a URL with the endpoint's scheme and host).
pub fn next_page(endpoint: &Endpoint, response: &HttpResponse) -> Option<String> {
    let target = response
        .headers_named("link")
        .flat_map(link_values)
        .find_map(|(target, params)| {
            let is_next = params.split(';').any(|p| {
                let p = p.trim().to_ascii_lowercase();
                p == "rel=\"next\"" || p == "rel=next"
            });
            is_next.then_some(target)
        })?;
    // Only pages on the same registry: credentials go with every request of the walk.
    let origin = format!("{}://{}/", endpoint.scheme, endpoint.host);
    if target.starts_with(&origin) {
        Some(target.to_owned())
    } else if target.starts_with('/') && !target.starts_with("//") {
        Some(format!("{}://{}{target}", endpoint.scheme, endpoint.host))
    } else {
        None
    }
}

/// The `<target>; params` values of one `Link` header (RFC 8288). The target is delimited by
/// `<…>`, so commas inside it do not split it.
fn link_values(header: &str) -> Vec<(&str, &str)> {
    let mut values = Vec::new();
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|i| open + i) else {
            break;
        };
        let target = &rest[open + 1..close];
        let after = &rest[close + 1..];
        // The params end at the comma that starts the next link (one followed by `<`).
        let end = after
            .match_indices(',')
            .map(|(i, _)| i)
            .find(|&i| after[i + 1..].trim_start().starts_with('<'))
            .unwrap_or(after.len());
        values.push((target, &after[..end]));
        rest = &after[end..];
    }
    values
}

/// Docker Hub-style quota headers of one response.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: Option<u64>,
    /// Requests left.
    pub remaining: Option<u64>,
    /// Window in seconds (`;w=21600`).
    pub window_seconds: Option<u64>,
    /// Whose quota (`docker-ratelimit-source`: an IP or an account ID).
    pub source: Option<String>,
}

/// The quota headers of a response, when it sent any.
pub fn rate_limit(response: &HttpResponse) -> Option<RateLimit> {
    let parse = |value: &str| -> (Option<u64>, Option<u64>) {
        let mut parts = value.split(';');
        let count = parts.next().and_then(|c| c.trim().parse().ok());
        let window = parts.find_map(|p| p.trim().strip_prefix("w=")?.parse().ok());
        (count, window)
    };
    let (limit, window) = response.header("ratelimit-limit").map(parse).unwrap_or_default();
    let (remaining, window2) = response.header("ratelimit-remaining").map(parse).unwrap_or_default();
    let source = response.header("docker-ratelimit-source").map(str::to_owned);
    (limit.is_some() || remaining.is_some() || source.is_some()).then(|| RateLimit {
        limit,
        remaining,
        window_seconds: window.or(window2),
        source,
    })
}

/// What a manifest response proves about its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyCheck {
    /// sha256 of the body as received.
    pub digest: Digest,
    /// `Docker-Content-Digest`, when sent and well formed.
    pub header_digest: Option<Digest>,
}

/// Checks a manifest's content digest against what it must be: the digest it was requested by
/// (when requested by digest) and the registry's `Docker-Content-Digest` header. `content` is the
/// body's digest (for a signed schema1, its payload's), computed with the requested algorithm.
pub fn check_manifest_body(
    requested: Option<&Digest>,
    response: &HttpResponse,
    content: impl Fn(crate::digest::Algorithm) -> Digest,
) -> Result<BodyCheck, Mismatch> {
    let digest = content(requested.map_or(crate::digest::Algorithm::Sha256, Digest::algorithm));
    let header_digest = response
        .header("docker-content-digest")
        .and_then(|h| h.trim().parse::<Digest>().ok());
    if let Some(expected) = requested {
        if *expected != digest {
            return Err(Mismatch::Digest {
                expected: expected.clone(),
                actual: digest,
            });
        }
    }
    if let Some(claimed) = &header_digest {
        let actual = content(claimed.algorithm());
        if *claimed != actual {
            return Err(Mismatch::Digest {
                expected: claimed.clone(),
                actual,
            });
        }
    }
    Ok(BodyCheck { digest, header_digest })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(reference: &str) -> Endpoint {
        Endpoint::for_reference(&reference.parse().unwrap(), false)
    }

    #[test]
    fn content_addressed_urls_name_their_digest() {
        let d = format!("sha256:{}", "ab".repeat(32));
        let hub = endpoint("busybox");
        let by_digest = manifest(&hub, "library/busybox", &d, Method::Get);
        assert_eq!(content_digest(&by_digest.url).unwrap().to_string(), d);
        let config = blob(&hub, "library/busybox", &d.parse().unwrap(), 10);
        assert_eq!(content_digest(&config.url).unwrap().to_string(), d);
        for url in [
            "https://r.example/v2/a/manifests/latest".to_owned(),
            format!("https://r.example/v2/a/referrers/{d}"),
            format!("https://r.example/v2/a/tags/{d}"),
            format!("https://r.example/v2/a/manifests/{d}x"),
            "https://r.example/v2/".to_owned(),
        ] {
            assert_eq!(content_digest(&url), None, "{url}");
        }
        assert!(content_digest(&format!("https://r.example/v2/a/blobs/{d}?x=1")).is_some());
    }

    #[test]
    fn endpoints_and_urls() {
        let hub = endpoint("busybox");
        assert_eq!(hub.base(), "https://registry-1.docker.io/v2/");
        assert_eq!(endpoint("localhost:5000/a").scheme, "http");
        assert_eq!(endpoint("127.0.0.1:5555/a").scheme, "http");
        assert_eq!(endpoint("[::1]:5000/a").scheme, "http");
        assert_eq!(endpoint("ghcr.io/a/b").scheme, "https");
        assert_eq!(endpoint("127.evil.example/a").scheme, "https", "not loopback");
        assert_eq!(endpoint("127.0.0.2:80/a").scheme, "http");
        let m = manifest(&hub, "library/busybox", "latest", Method::Head);
        assert_eq!(
            m.url,
            "https://registry-1.docker.io/v2/library/busybox/manifests/latest"
        );
        assert_eq!(m.method, Method::Head);
        let accept = m.header("accept").unwrap();
        assert!(accept.starts_with(mt::OCI_INDEX) && accept.ends_with(mt::DOCKER_SCHEMA1));
        assert_eq!(m.max_body, MAX_MANIFEST);
        let d = Digest::sha256(b"x");
        assert_eq!(referrers_fallback_tag(&d), format!("sha256-{}", d.hex()));
        assert!(referrers(&hub, "r", &d).url.ends_with(&format!("/v2/r/referrers/{d}")));
        assert_eq!(
            tags(&hub, "r", Some(50), None).url,
            "https://registry-1.docker.io/v2/r/tags/list?n=50"
        );
        assert_eq!(
            tags(&hub, "r", Some(2), Some("1.0&x=y")).url,
            "https://registry-1.docker.io/v2/r/tags/list?n=2&last=1.0%26x%3Dy"
        );
        assert_eq!(
            tags(&hub, "r", None, None).url,
            "https://registry-1.docker.io/v2/r/tags/list"
        );
    }

    #[test]
    fn link_pagination() {
        let e = endpoint("localhost:5000/a");
        let r = HttpResponse::new(200, "").with_header("Link", r#"</v2/a/tags/list?last=b&n=2>; rel="next""#);
        assert_eq!(
            next_page(&e, &r).as_deref(),
            Some("http://localhost:5000/v2/a/tags/list?last=b&n=2")
        );
        let other = HttpResponse::new(200, "").with_header("Link", r#"<https://x/p2>; rel="prev""#);
        assert_eq!(next_page(&e, &other), None);
        for hostile in [
            "<https://evil.example/x>",
            "<.evil.example/x>",
            "<@evil.example/x>",
            "<//evil.example/x>",
        ] {
            let r = HttpResponse::new(200, "").with_header("Link", format!("{hostile}; rel=\"next\""));
            assert_eq!(next_page(&e, &r), None, "{hostile}");
        }
        let absolute =
            HttpResponse::new(200, "").with_header("Link", r#"<http://localhost:5000/v2/a/tags/list?n=1>; rel="next""#);
        assert!(next_page(&e, &absolute).is_some());
    }

    #[test]
    fn quota_headers() {
        let r = HttpResponse::new(200, "")
            .with_header("ratelimit-limit", "100;w=21600")
            .with_header("ratelimit-remaining", "76;w=21600")
            .with_header("docker-ratelimit-source", "192.0.2.1");
        let q = rate_limit(&r).unwrap();
        assert_eq!(
            (q.limit, q.remaining, q.window_seconds),
            (Some(100), Some(76), Some(21600))
        );
        assert_eq!(q.source.as_deref(), Some("192.0.2.1"));
        assert_eq!(rate_limit(&HttpResponse::new(200, "")), None);
    }

    #[test]
    fn manifest_bodies_are_checked() {
        let check = |requested: Option<&Digest>, r: &HttpResponse| {
            check_manifest_body(requested, r, |a| Digest::of(a, &r.body))
        };
        let body = b"{\"schemaVersion\":2}".to_vec();
        let d = Digest::sha256(&body);
        let ok = HttpResponse::new(200, body.clone()).with_header("Docker-Content-Digest", d.as_str());
        assert_eq!(check(Some(&d), &ok).unwrap().header_digest, Some(d.clone()));
        let lying = HttpResponse::new(200, b"tampered".to_vec()).with_header("Docker-Content-Digest", d.as_str());
        assert_eq!(check(None, &lying).unwrap_err().code(), "digest-mismatch");
        let wrong = HttpResponse::new(200, b"tampered".to_vec());
        assert!(check(Some(&d), &wrong).is_err());
    }
}
