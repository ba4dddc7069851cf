//! The edge cache (the Workers Cache API): content by digest for a year, Reports by resolved
//! digest for a while ([`EdgeReports`], the core's [`ReportCache`]). Content goes in only after its bytes hash to the digest in its URL, and
//! is checked again on the way out.

use fathom_core::inspect::cached::{ReportCache, ReportKey, TagEntry};
use fathom_core::registry::{request, HttpResponse};
use fathom_core::report::Report;
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
}

/// How long a tag's last resolution is kept: the core judges its age (fresh within
/// `TAG_TTL_SECONDS`), so keeping it longer only lets a rate-limited or failing registry be
/// answered with the tag's last good Report (while that Report is kept, `REPORT_TTL_SECONDS`).
const TAG_KEEP_SECONDS: u64 = 86_400;

/// Reports kept for a while under their [`ReportKey`] (a URL, as the Cache API wants), and what
/// each tag named when last asked: the edge's side of the core's cached inspect.
pub struct EdgeReports {
    cache: Cache,
    ttl_seconds: u64,
}

impl EdgeReports {
    /// Reports kept for `ttl_seconds` (0: none kept).
    pub fn new(ttl_seconds: u64) -> EdgeReports {
        EdgeReports {
            cache: Cache::default(),
            ttl_seconds,
        }
    }
}

impl ReportCache for EdgeReports {
    const KEEPS_TAGS: bool = true;

    async fn get(&self, key: &ReportKey) -> Option<Report> {
        let mut cached = self.cache.get(key.url(), true).await.ok()??;
        cached.json().await.ok()
    }

    async fn put(&self, key: &ReportKey, report: &Report) {
        if self.ttl_seconds == 0 {
            return;
        }
        let Ok(cached) = Response::from_json(report) else {
            return;
        };
        let _ = cached
            .headers()
            .set("Cache-Control", &format!("public, max-age={}", self.ttl_seconds));
        let _ = self.cache.put(key.url(), cached).await;
    }

    async fn tag(&self, tag: &str) -> Option<TagEntry> {
        let mut cached = self.cache.get(tag_url(tag), true).await.ok()??;
        cached.json().await.ok()
    }

    async fn put_tag(&self, tag: &str, entry: &TagEntry) {
        let Ok(cached) = Response::from_json(entry) else {
            return;
        };
        let _ = cached
            .headers()
            .set("Cache-Control", &format!("public, max-age={TAG_KEEP_SECONDS}"));
        let _ = self.cache.put(tag_url(tag), cached).await;
    }
}

/// Where a tag's resolution is kept (the Cache API keys by URL).
fn tag_url(tag: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("ref", tag)
        .finish();
    format!("https://report.fathom.internal/v1/tag?{query}")
}
