//! The edge cache (the Workers Cache API): content by digest for a year, Reports by resolved
//! digest for a while ([`EdgeReports`], the core's [`ReportCache`]). Content goes in only after its bytes hash to the digest in its URL, and
//! is checked again on the way out.

use std::rc::Rc;

use fathom_core::inspect::cached::{ReportCache, ReportKey, TagEntry};
use fathom_core::registry::{request, HttpResponse, FROM_CACHE};
use fathom_core::report::Report;
use worker::{Cache, Response};

use crate::hot::{KeptReport, HOT_REPORTS, HOT_TAGS};

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
        response.headers.push((FROM_CACHE.into(), "hit".into()));
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
/// each tag named when last asked: the edge's side of the core's cached inspect. The isolate's
/// memory ([`crate::hot`]) answers first; the Cache API, shared by the isolates of a location,
/// next — and what it answers is remembered in memory for what is left of its time.
pub struct EdgeReports {
    cache: Cache,
    ttl_seconds: u64,
    now: u64,
}

impl EdgeReports {
    /// Reports kept for `ttl_seconds` (0: none kept), at `now` (Unix seconds).
    pub fn new(ttl_seconds: u64, now: u64) -> EdgeReports {
        EdgeReports {
            cache: Cache::default(),
            ttl_seconds,
            now,
        }
    }

    /// `value` as a Cache API entry kept for `seconds` (its end also written in `X-Fathom-Until`,
    /// so that whoever reads it back knows how long it has left).
    async fn keep<T: serde::Serialize>(&self, url: String, value: &T, seconds: u64) {
        let Ok(cached) = Response::from_json(value) else {
            return;
        };
        let _ = cached
            .headers()
            .set("Cache-Control", &format!("public, max-age={seconds}"));
        let _ = cached.headers().set(UNTIL, &(self.now + seconds).to_string());
        let _ = self.cache.put(url, cached).await;
    }

    /// The Cache API's entry at `url`, and until when it is kept.
    async fn entry<T: serde::de::DeserializeOwned>(&self, url: String) -> Option<(T, u64)> {
        let mut cached = self.cache.get(url, true).await.ok()??;
        let until = cached.headers().get(UNTIL).ok().flatten()?.parse().ok()?;
        Some((cached.json().await.ok()?, until))
    }
}

impl EdgeReports {
    /// The Report kept under `key` with its rendered JSON: from the isolate's memory, else from
    /// the Cache API (then remembered in memory, rendered once, for what is left of its time).
    pub async fn kept(&self, key: &ReportKey) -> Option<Rc<KeptReport>> {
        let url = key.url();
        if let Some(kept) = HOT_REPORTS.with(|hot| hot.borrow().get(&url, self.now)) {
            return Some(kept);
        }
        let (report, until) = self.entry::<Report>(url.clone()).await?;
        let kept = KeptReport::new(report);
        HOT_REPORTS.with(|hot| hot.borrow_mut().put(&url, Rc::clone(&kept), until));
        Some(kept)
    }
}

/// The header that says until when a Cache API entry is kept (Unix seconds).
const UNTIL: &str = "X-Fathom-Until";

impl ReportCache for EdgeReports {
    const KEEPS_TAGS: bool = true;

    async fn get(&self, key: &ReportKey) -> Option<Report> {
        self.kept(key).await.map(|kept| kept.report.clone())
    }

    async fn put(&self, key: &ReportKey, report: &Report) {
        if self.ttl_seconds == 0 {
            return;
        }
        let url = key.url();
        HOT_REPORTS.with(|hot| {
            hot.borrow_mut()
                .put(&url, KeptReport::new(report.clone()), self.now + self.ttl_seconds)
        });
        self.keep(url, report, self.ttl_seconds).await;
    }

    async fn tag(&self, tag: &str) -> Option<TagEntry> {
        if let Some(entry) = HOT_TAGS.with(|hot| hot.borrow().get(tag, self.now)) {
            return Some(entry);
        }
        let (entry, until) = self.entry::<TagEntry>(tag_url(tag)).await?;
        HOT_TAGS.with(|hot| hot.borrow_mut().put(tag, entry.clone(), until));
        Some(entry)
    }

    async fn put_tag(&self, tag: &str, entry: &TagEntry) {
        HOT_TAGS.with(|hot| hot.borrow_mut().put(tag, entry.clone(), self.now + TAG_KEEP_SECONDS));
        self.keep(tag_url(tag), entry, TAG_KEEP_SECONDS).await;
    }
}

/// Where a tag's resolution is kept (the Cache API keys by URL).
fn tag_url(tag: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("ref", tag)
        .finish();
    format!("https://report.fathom.internal/v1/tag?{query}")
}
