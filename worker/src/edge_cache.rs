//! The edge cache (the Workers Cache API): content by digest for a year, Reports by resolved
//! digest for a while. Content goes in only after its bytes hash to the digest in its URL, and
//! is checked again on the way out.

use fathom_core::registry::{request, HttpResponse};
use fathom_core::Digest;
use worker::{Cache, Response};

/// `Cache-Control` of content addressed by digest.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Headers kept with cached content.
const KEPT: [&str; 2] = ["content-type", "docker-content-digest"];

/// The edge cache.
#[derive(Default)]
pub struct EdgeCache {
    cache: Cache,
}

impl EdgeCache {
    /// Content fetched earlier from `url` (a by-digest manifest or blob URL), verified again.
    pub async fn content(&self, url: &str) -> Option<HttpResponse> {
        let digest = request::content_digest(url)?;
        let mut cached = self.cache.get(url, true).await.ok()??;
        let body = cached.bytes().await.ok()?;
        if !digest.matches(&body) {
            return None;
        }
        let mut response = HttpResponse::new(200, body);
        response.headers = cached
            .headers()
            .entries()
            .filter(|(k, _)| KEPT.contains(&k.to_ascii_lowercase().as_str()))
            .collect();
        response.headers.push(("X-Fathom-Cache".into(), "hit".into()));
        Some(response)
    }

    /// Keeps a successful by-digest response whose bytes hash to the digest in `url`; anything
    /// else (an error, bytes that do not match) is not kept.
    pub async fn keep_content(&self, url: &str, response: &HttpResponse) {
        let Some(digest) = request::content_digest(url) else {
            return;
        };
        if response.status != 200 || !digest.matches(&response.body) {
            return;
        }
        let Ok(cached) = Response::from_bytes(response.body.clone()) else {
            return;
        };
        let headers = cached.headers();
        for (name, value) in &response.headers {
            if KEPT.contains(&name.to_ascii_lowercase().as_str()) {
                let _ = headers.set(name, value);
            }
        }
        let _ = headers.set("Cache-Control", IMMUTABLE);
        let _ = self.cache.put(url, cached).await;
    }

    /// A Report (or match) kept under `key`.
    pub async fn report(&self, key: &str) -> Option<serde_json::Value> {
        let mut cached = self.cache.get(key, true).await.ok()??;
        cached.json().await.ok()
    }

    /// Keeps a Report under `key` for `ttl_seconds`.
    pub async fn keep_report(&self, key: &str, report: &serde_json::Value, ttl_seconds: u64) {
        if ttl_seconds == 0 {
            return;
        }
        let Ok(cached) = Response::from_json(report) else {
            return;
        };
        let _ = cached
            .headers()
            .set("Cache-Control", &format!("public, max-age={ttl_seconds}"));
        let _ = self.cache.put(key, cached).await;
    }
}

/// The cache key of a Report: the walk (`inspect` or `match`), the repository and the digest the
/// reference resolved to, and the platform asked for. A URL, as the Cache API wants.
pub fn report_key(walk: &str, repository: &str, digest: &Digest, platform: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("repository", repository);
    query.append_pair("digest", digest.as_str());
    if let Some(platform) = platform {
        query.append_pair("platform", platform);
    }
    format!("https://report.fathom.internal/v1/{walk}?{}", query.finish())
}
