//! An inspect that reuses a Report kept earlier: a tag is resolved with one `HEAD`, the Report
//! of that digest is looked up where the face keeps Reports (the edge's Cache API, the page's
//! memory: a [`ReportCache`]), restamped for this request, else walked — and kept only when it
//! may be: a Report that fails a check, or whose tag moved during the walk, never is.
//! The core still does no I/O: the face's `send` and cache do.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;

use super::{Inspect, InspectError, Options};
use crate::digest::Digest;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::registry::resolve::Resolve;
use crate::registry::session::ErrorKind;
use crate::registry::{drive, HttpRequest, HttpResponse, Remote, TransportError};
use crate::report::{ReferenceInfo, Report, ResolvedBy, Stale, StaleReason, TagResolution};

/// Which walk a Report came from: the whole index, or only what a platform match needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum WalkKind {
    /// Every platform.
    #[default]
    Inspect,
    /// The entry a platform pulls.
    Match,
}

/// What a kept Report is about: the walk, the repository, the digest the reference resolved to
/// and the platform asked for — never the tag, which may move.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReportKey {
    /// The walk.
    pub walk: WalkKind,
    /// `registry/repository`.
    pub repository: String,
    /// The resolved digest.
    pub digest: Digest,
    /// The platform asked for, normalised.
    pub platform: Option<String>,
}

impl ReportKey {
    /// The key of `walk`'s Report of `reference` resolved to `digest`, for `platform`.
    pub fn of(walk: WalkKind, reference: &Reference, digest: Digest, platform: Option<&Platform>) -> ReportKey {
        ReportKey {
            walk,
            repository: reference.name(),
            digest,
            platform: platform.map(Platform::to_string),
        }
    }

    /// The key as a URL (what the Workers Cache API keys by).
    pub fn url(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("repository", &self.repository);
        query.append_pair("digest", self.digest.as_str());
        if let Some(platform) = &self.platform {
            query.append_pair("platform", platform);
        }
        let walk = match self.walk {
            WalkKind::Inspect => "inspect",
            WalkKind::Match => "match",
        };
        format!("https://report.fathom.internal/v1/{walk}?{}", query.finish())
    }
}

/// Where a face keeps Reports between requests.
#[allow(async_fn_in_trait)] // used by single-threaded executors (workerd, the browser) only
pub trait ReportCache {
    /// The Report kept under `key`, if any.
    async fn get(&self, key: &ReportKey) -> Option<Report>;
    /// Keeps `report` under `key`.
    async fn put(&self, key: &ReportKey, report: &Report);
    /// Whether this cache may hold a Report of `repository` at all. A cache that knows it holds
    /// none (the page's memory on a first visit) spares a tag the resolving `HEAD`: the walk goes
    /// straight to the manifest, and its Report is kept under the digest it proved.
    fn may_hold(&self, _repository: &str) -> bool {
        true
    }
    /// Whether this cache keeps tag resolutions ([`ReportCache::tag`]). One that does not (the
    /// page's memory: the page asks the registry every time) leaves the whole tag cache — and
    /// its code — out of its inspect.
    const KEEPS_TAGS: bool = false;
    /// What `tag` (canonical, `registry/repository:tag`) named when last asked, if kept.
    async fn tag(&self, _tag: &str) -> Option<TagEntry> {
        None
    }
    /// Keeps what `tag` names.
    async fn put_tag(&self, _tag: &str, _entry: &TagEntry) {}
}

/// Reports kept in memory, the newest [`MemoryReports::CAPACITY`] of them (the page keeps them
/// for its tab: going back to a view, or from a compare to one side, costs at most a `HEAD`).
#[derive(Debug, Default)]
pub struct MemoryReports {
    reports: RefCell<BTreeMap<ReportKey, Report>>,
    order: RefCell<VecDeque<ReportKey>>,
}

impl MemoryReports {
    /// How many Reports are kept before the oldest is dropped.
    pub const CAPACITY: usize = 64;

    /// How many Reports are kept.
    pub fn len(&self) -> usize {
        self.reports.borrow().len()
    }

    /// Whether no Report is kept.
    pub fn is_empty(&self) -> bool {
        self.reports.borrow().is_empty()
    }
}

impl ReportCache for MemoryReports {
    async fn get(&self, key: &ReportKey) -> Option<Report> {
        self.reports.borrow().get(key).cloned()
    }

    async fn put(&self, key: &ReportKey, report: &Report) {
        let mut order = self.order.borrow_mut();
        let mut reports = self.reports.borrow_mut();
        if reports.insert(key.clone(), report.clone()).is_none() {
            order.push_back(key.clone());
        }
        while order.len() > Self::CAPACITY {
            if let Some(oldest) = order.pop_front() {
                reports.remove(&oldest);
            }
        }
    }

    fn may_hold(&self, repository: &str) -> bool {
        self.order.borrow().iter().any(|kept| kept.repository == repository)
    }
}

/// What a tag named, and when the registry said so: what a face keeps to answer a hot tag
/// without asking the registry again.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagEntry {
    /// The digest the tag named.
    pub digest: Digest,
    /// When the registry said so (Unix seconds).
    pub resolved_at: u64,
    /// Not before this time may the registry be asked again (after a 429, its `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_off_until: Option<u64>,
}

/// How long a face trusts what a tag named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TagPolicy {
    /// Seconds a kept resolution answers without asking the registry (0: always ask). It is a
    /// bound: no answer rests on an older resolution unless the registry cannot be asked (then
    /// the Report says it is stale). In its last tenth ([`TagPolicy::refresh_from`]), the face
    /// answers from what it keeps and refreshes it in the background ([`Cached::refresh`]) —
    /// stale-while-revalidate inside the bound, so a hot tag never waits for the registry and
    /// costs it about one `HEAD` per TTL.
    pub ttl_seconds: u64,
    /// Ask the registry now, whatever is kept (`?fresh=1`, the page's refresh).
    pub fresh: bool,
}

impl TagPolicy {
    /// How old `entry` is at `now`, if young enough to answer without asking the registry (and
    /// no fresh answer is asked for).
    pub fn young(&self, entry: &TagEntry, now: u64) -> Option<u64> {
        let age = now.saturating_sub(entry.resolved_at);
        (age < self.ttl_seconds && !self.fresh).then_some(age)
    }

    /// The age from which a young resolution is refreshed after the answer: its last tenth.
    /// Late, so that a hot tag is asked about once per TTL (refreshing at half of it doubled the
    /// `HEAD`s); early enough that the refresh is done before the resolution expires.
    pub fn refresh_from(&self) -> u64 {
        self.ttl_seconds - self.ttl_seconds / 10
    }
}

/// The digest `reference` names without asking the registry — its own, or what `cache` keeps for
/// the tag while [`TagPolicy::young`] — with how old that resolution is (`None` for a digest).
/// What a face needs to answer a conditional request (`If-None-Match`) without a Report.
pub async fn known_digest<C: ReportCache>(
    reference: &Reference,
    tags: TagPolicy,
    now: u64,
    cache: &C,
) -> Option<(Digest, Option<u64>)> {
    if let Some(digest) = reference.digest() {
        return Some((digest.clone(), None));
    }
    if !C::KEEPS_TAGS || tags.ttl_seconds == 0 {
        return None;
    }
    let entry = cache.tag(&reference.canonical()).await?;
    let age = tags.young(&entry, now)?;
    Some((entry.digest, Some(age)))
}

/// Seconds a 429 without `Retry-After` keeps the registry from being asked again.
pub const DEFAULT_BACK_OFF: u64 = 60;

/// What is asked of a cached inspect.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    /// The walk.
    pub walk: WalkKind,
    /// The platform asked for.
    pub platform: Option<Platform>,
    /// How long a kept tag resolution answers.
    pub tags: TagPolicy,
}

/// A Report, and whether it came from the cache.
#[derive(Debug)]
pub struct Cached {
    /// The reference as parsed.
    pub reference: Reference,
    /// The Report, stamped for this request.
    pub report: Box<Report>,
    /// Answered from the cache (the registry saw at most the tag's `HEAD`).
    pub hit: bool,
    /// The tag's kept resolution is in the last tenth of its time to live: the face should refresh it in
    /// the background (the same inspect with [`TagPolicy::fresh`]).
    pub refresh: bool,
}

/// Whether a failure means the registry could not answer now (so a last good answer may stand
/// in), rather than an answer (not found, unauthorized), which never is replaced.
fn stale_reason(kind: &ErrorKind) -> Option<StaleReason> {
    match kind {
        ErrorKind::RateLimited => Some(StaleReason::RateLimited),
        ErrorKind::BadUpstream | ErrorKind::Timeout | ErrorKind::Unreachable(_) => Some(StaleReason::Unavailable),
        _ => None,
    }
}

/// How the reference's digest is known before the walk.
struct Resolution {
    digest: Option<Digest>,
    requests: u32,
    tag: Option<TagResolution>,
    refresh: bool,
}

impl Resolution {
    /// Known before asking anyone (a reference by digest), or left to the walk (`None`).
    fn unasked(digest: Option<Digest>) -> Resolution {
        Resolution {
            digest,
            requests: 0,
            tag: None,
            refresh: false,
        }
    }
}

/// The kept resolution of a tag as an answer at `now`.
fn kept_resolution(entry: &TagEntry, now: u64, stale: Option<Stale>, refresh: bool) -> Resolution {
    Resolution {
        digest: Some(entry.digest.clone()),
        requests: 0,
        tag: Some(TagResolution {
            resolved_at: entry.resolved_at,
            age_seconds: now.saturating_sub(entry.resolved_at),
            stale,
        }),
        refresh,
    }
}

/// The digest `reference` names without asking the registry: its own; the tag's `kept`
/// resolution while young (refreshed in its last tenth); or, while the registry asked not to
/// be asked again (its `Retry-After`, honoured even when a fresh answer is asked for), the kept
/// one marked stale. `None`: only the registry can say.
fn known_resolution(reference: &Reference, kept: Option<&TagEntry>, tags: TagPolicy, now: u64) -> Option<Resolution> {
    if let Some(digest) = reference.digest() {
        return Some(Resolution::unasked(Some(digest.clone())));
    }
    let entry = kept?;
    if let Some(age) = tags.young(entry, now) {
        return Some(kept_resolution(entry, now, None, age >= tags.refresh_from()));
    }
    let until = entry.back_off_until.filter(|until| now < *until)?;
    let stale = Stale {
        reason: StaleReason::RateLimited,
        message: format!(
            "{}: the registry asked not to be asked again for {} s",
            reference.canonical(),
            until - now
        ),
        retry_after: Some(until - now),
    };
    Some(kept_resolution(entry, now, Some(stale), false))
}

/// What `cache` keeps of `reference`'s tag, when the lookup may use it.
async fn kept_tag<C: ReportCache>(reference: &Reference, tags: TagPolicy, cache: &C) -> Option<TagEntry> {
    match (C::KEEPS_TAGS, reference.digest(), tags.ttl_seconds) {
        (true, None, 1..) => cache.tag(&reference.canonical()).await,
        _ => None,
    }
}

/// One cached inspect in progress.
struct Asking<'a, C, S> {
    input: &'a str,
    reference: Reference,
    remote: &'a Remote,
    walk: WalkKind,
    platform: Option<Platform>,
    tags: TagPolicy,
    cache: &'a C,
    send: S,
    /// The tag's kept resolution, if any.
    kept: Option<TagEntry>,
}

impl<C, S, F> Asking<'_, C, S>
where
    C: ReportCache,
    S: Fn(HttpRequest) -> F,
    F: Future<Output = Result<HttpResponse, TransportError>>,
{
    fn key(&self, digest: Option<Digest>) -> Option<ReportKey> {
        Some(ReportKey::of(
            self.walk,
            &self.reference,
            digest?,
            self.platform.as_ref(),
        ))
    }

    /// Resolves a tag: from the kept resolution while it is young enough (or while the
    /// registry asked to be left alone), else with one `HEAD` — unless the cache holds nothing
    /// of the repository, when the walk resolves it.
    async fn resolve(&self) -> Result<Resolution, InspectError> {
        let now = self.remote.now();
        let kept = self.kept.as_ref().filter(|_| C::KEEPS_TAGS);
        if let Some(known) = known_resolution(&self.reference, kept, self.tags, now) {
            return Ok(known);
        }
        if !self.cache.may_hold(&self.reference.name()) {
            return Ok(Resolution::unasked(None));
        }
        // With a last good answer to fall back on, a refused HEAD is not waited out with retries.
        let attempts = if self.kept.is_some() { 1 } else { self.remote.attempts() };
        let remote = self.remote.clone().with_attempts(attempts);
        let resolved = drive::run(Resolve::new(&self.reference, &remote), &self.send).await?;
        Ok(Resolution {
            // Said only by a face that keeps tag resolutions: the others resolve every time.
            tag: resolved
                .digest
                .as_ref()
                .filter(|_| C::KEEPS_TAGS && self.tags.ttl_seconds > 0)
                .map(|_| TagResolution {
                    resolved_at: now,
                    age_seconds: 0,
                    stale: None,
                }),
            digest: resolved.digest,
            requests: resolved.requests,
            refresh: false,
        })
    }

    /// Keeps what the registry just said the tag names — once its Report is kept too, so that a
    /// kept resolution always has a Report to fall back on.
    async fn keep_tag(&self, resolution: &Resolution) {
        let (true, Some(digest), Some(tag)) = (C::KEEPS_TAGS, &resolution.digest, &resolution.tag) else {
            return;
        };
        if self.reference.digest().is_none() && tag.age_seconds == 0 && tag.stale.is_none() {
            let entry = TagEntry {
                digest: digest.clone(),
                resolved_at: tag.resolved_at,
                back_off_until: None,
            };
            self.cache.put_tag(&self.reference.canonical(), &entry).await;
        }
    }

    /// Resolve, then the kept Report of that digest, else the walk (kept when it may be).
    async fn answer(&self) -> Result<Cached, InspectError> {
        let resolution = self.resolve().await?;
        if let Some(key) = self.key(resolution.digest.clone()) {
            if let Some(kept) = self.cache.get(&key).await {
                self.keep_tag(&resolution).await;
                let report = restamp(kept, self.input, &self.reference, resolution.requests, resolution.tag);
                return Ok(self.cached(report, true, resolution.refresh));
            }
        }
        let options = Options {
            resolved: resolution.digest.clone().filter(|_| self.reference.digest().is_none()),
            ..match (self.walk, self.platform.clone()) {
                (WalkKind::Match, Some(platform)) => Options::for_match(platform),
                (_, platform) => Options {
                    platform,
                    ..Options::default()
                },
            }
        };
        let walk = Inspect::new(self.input, self.reference.clone(), self.remote, options);
        let mut report = drive::run(walk, &self.send).await?;
        report.requests += resolution.requests;
        report.tag_resolution = resolution.tag.clone();
        // Kept under the digest the HEAD named, or (no HEAD sent) the one the walk proved.
        let proved = report.digest.as_deref().and_then(|d| d.parse().ok());
        if let Some(key) = self.key(resolution.digest.clone().or(proved)) {
            if may_keep(&report, &key.digest) {
                self.cache.put(&key, &report).await;
                self.keep_tag(&resolution).await;
            }
        }
        Ok(self.cached(*report, false, resolution.refresh))
    }

    /// When the registry could not answer: the tag's last good Report, marked stale — if both
    /// the resolution and its Report are still kept — and after a 429 the registry left alone
    /// for its `Retry-After`. Otherwise the failure.
    async fn stale(&self, failure: InspectError) -> Result<Cached, InspectError> {
        if !C::KEEPS_TAGS {
            return Err(failure);
        }
        let (Some(reason), Some(mut entry)) = (stale_reason(&failure.kind), self.kept.clone()) else {
            return Err(failure);
        };
        let Some(kept) = self
            .cache
            .get(&self.key(Some(entry.digest.clone())).expect("a digest"))
            .await
        else {
            return Err(failure);
        };
        let retry_after = (reason == StaleReason::RateLimited).then(|| failure.retry_after.unwrap_or(DEFAULT_BACK_OFF));
        if let Some(seconds) = retry_after {
            entry.back_off_until = Some(self.remote.now().saturating_add(seconds));
            self.cache.put_tag(&self.reference.canonical(), &entry).await;
        }
        let stale = Stale {
            reason,
            message: failure.message,
            retry_after,
        };
        let resolution = kept_resolution(&entry, self.remote.now(), Some(stale), false);
        let report = restamp(kept, self.input, &self.reference, 0, resolution.tag);
        Ok(self.cached(report, true, false))
    }

    fn cached(&self, report: Report, hit: bool, refresh: bool) -> Cached {
        Cached {
            reference: self.reference.clone(),
            report: Box::new(report),
            hit,
            refresh,
        }
    }
}

/// Inspects `reference` (typed as `input`) on `remote`: resolve a tag (see [`TagPolicy`]:
/// from what `cache` keeps, else with one `HEAD`), answer from `cache` when it holds that
/// digest's Report, else walk (the manifest fetched by the resolved digest and checked against
/// it) and keep the Report when it may be kept. When the registry cannot answer (429, 5xx,
/// unreachable), the tag's last good Report is the answer, marked stale, if still kept.
pub async fn inspect<C, S, F>(
    input: &str,
    reference: Reference,
    remote: &Remote,
    lookup: Lookup,
    cache: &C,
    send: S,
) -> Result<Cached, InspectError>
where
    C: ReportCache,
    S: Fn(HttpRequest) -> F,
    F: Future<Output = Result<HttpResponse, TransportError>>,
{
    let kept = kept_tag(&reference, lookup.tags, cache).await;
    let asking = Asking {
        input,
        reference,
        remote,
        walk: lookup.walk,
        platform: lookup.platform,
        tags: lookup.tags,
        cache,
        send,
        kept,
    };
    match asking.answer().await {
        Ok(cached) => Ok(cached),
        Err(failure) => asking.stale(failure).await,
    }
}

/// Answers `reference` from `cache` alone — the digest known without asking (see
/// [`inspect`]: its own, or the tag's kept resolution while young, or while the registry asked to
/// be left alone) and the Report kept for it — or `None` when only the registry can answer.
/// A face that makes concurrent askers of one reference wait for one walk asks this first, and
/// again once that walk is done.
pub async fn from_cache<C: ReportCache>(
    input: &str,
    reference: &Reference,
    now: u64,
    lookup: &Lookup,
    cache: &C,
) -> Option<Cached> {
    let kept = kept_tag(reference, lookup.tags, cache).await;
    let resolution = known_resolution(reference, kept.as_ref(), lookup.tags, now)?;
    let key = ReportKey::of(lookup.walk, reference, resolution.digest?, lookup.platform.as_ref());
    let report = cache.get(&key).await?;
    Some(Cached {
        reference: reference.clone(),
        report: Box::new(restamp(report, input, reference, 0, resolution.tag)),
        hit: true,
        refresh: resolution.refresh,
    })
}

/// A kept Report as this request's: the reference as typed now, how it was resolved (and how
/// old that resolution is), and only the requests this request made.
pub fn restamp(
    mut report: Report,
    input: &str,
    reference: &Reference,
    requests: u32,
    tag_resolution: Option<TagResolution>,
) -> Report {
    report.reference = ReferenceInfo::new(input, reference);
    report.resolved_by = if reference.digest().is_some() {
        ResolvedBy::Digest
    } else {
        ResolvedBy::Tag
    };
    report.requests = requests;
    report.tag_resolution = tag_resolution;
    report
}

/// Whether a walked Report may be kept under `digest`: it fails no check, and it is about that
/// digest (a tag that moved between the `HEAD` and the walk gives a Report of another one).
pub fn may_keep(report: &Report, digest: &Digest) -> bool {
    report.failed_check().is_none() && report.digest.as_deref() == Some(digest.as_str())
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use super::*;
    use crate::finding::{Code, Finding};
    use crate::testing::block_on;

    /// A cache that may hold anything (as the edge's): every tag is resolved first, and tag
    /// resolutions are kept.
    #[derive(Default)]
    struct Memory(RefCell<BTreeMap<String, Report>>, RefCell<BTreeMap<String, TagEntry>>);

    impl ReportCache for Memory {
        const KEEPS_TAGS: bool = true;

        async fn get(&self, key: &ReportKey) -> Option<Report> {
            self.0.borrow().get(&key.url()).cloned()
        }
        async fn put(&self, key: &ReportKey, report: &Report) {
            self.0.borrow_mut().insert(key.url(), report.clone());
        }
        async fn tag(&self, tag: &str) -> Option<TagEntry> {
            self.1.borrow().get(tag).cloned()
        }
        async fn put_tag(&self, tag: &str, entry: &TagEntry) {
            self.1.borrow_mut().insert(tag.to_owned(), entry.clone());
        }
    }

    const INDEX: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;

    /// A registry holding one empty index under tag `1`; counts what it is asked, and answers
    /// every request with the status in `refusing` when it is not 0.
    fn refusing<'a>(
        asked: &'a RefCell<Vec<String>>,
        refusing: &'a RefCell<(u16, Option<&'static str>)>,
    ) -> impl Fn(HttpRequest) -> std::future::Ready<Result<HttpResponse, TransportError>> + 'a {
        move |request: HttpRequest| {
            asked
                .borrow_mut()
                .push(format!("{} {}", request.method.as_str(), request.url));
            if let (status @ 400.., retry_after) = *refusing.borrow() {
                let mut response = HttpResponse::new(status, "");
                if let Some(seconds) = retry_after {
                    response = response.with_header("Retry-After", seconds);
                }
                return std::future::ready(Ok(response));
            }
            let digest = Digest::sha256(INDEX.as_bytes());
            let mut response = HttpResponse::new(200, INDEX)
                .with_header("Content-Type", "application/vnd.oci.image.index.v1+json")
                .with_header("Docker-Content-Digest", digest.as_str());
            if request.url.contains("/referrers/") || request.url.contains("/manifests/sha256-") {
                response = HttpResponse::new(404, "");
            }
            std::future::ready(Ok(response))
        }
    }

    fn run(input: &str, cache: &impl ReportCache, asked: &RefCell<Vec<String>>) -> Cached {
        ask(input, cache, asked, &RefCell::new((0, None)), 0, TagPolicy::default()).unwrap()
    }

    /// An inspect at `now` with `tags`, from a registry that may be refusing.
    fn ask(
        input: &str,
        cache: &impl ReportCache,
        asked: &RefCell<Vec<String>>,
        refusal: &RefCell<(u16, Option<&'static str>)>,
        now: u64,
        tags: TagPolicy,
    ) -> Result<Cached, InspectError> {
        let reference: Reference = input.parse().unwrap();
        let remote = Remote::of(&reference).at(now);
        let lookup = Lookup {
            tags,
            ..Lookup::default()
        };
        block_on(inspect(
            input,
            reference,
            &remote,
            lookup,
            cache,
            refusing(asked, refusal),
        ))
    }

    const TTL: TagPolicy = TagPolicy {
        ttl_seconds: 60,
        fresh: false,
    };

    #[test]
    fn a_hot_tag_costs_the_registry_nothing_within_its_time_to_live() {
        let (cache, asked, open) = (Memory::default(), RefCell::new(Vec::new()), RefCell::new((0, None)));
        let first = ask("localhost:5000/app:1", &cache, &asked, &open, 1000, TTL).unwrap();
        assert!(!first.hit);
        let resolution = first.report.tag_resolution.clone().unwrap();
        assert_eq!((resolution.resolved_at, resolution.age_seconds), (1000, 0));
        // Within the first half: not a single request, the age said.
        asked.borrow_mut().clear();
        let hot = ask("localhost:5000/app:1", &cache, &asked, &open, 1020, TTL).unwrap();
        assert!(
            hot.hit && !hot.refresh && asked.borrow().is_empty(),
            "{:?}",
            asked.borrow()
        );
        assert_eq!(hot.report.requests, 0);
        assert_eq!(hot.report.tag_resolution.as_ref().unwrap().age_seconds, 20);
        // Past half of it, not yet refreshed: one HEAD per TTL is enough.
        let half = ask("localhost:5000/app:1", &cache, &asked, &open, 1045, TTL).unwrap();
        assert!(half.hit && !half.refresh && asked.borrow().is_empty());
        // In its last tenth: still nothing asked, but the face is told to refresh it.
        let ageing = ask("localhost:5000/app:1", &cache, &asked, &open, 1054, TTL).unwrap();
        assert!(ageing.hit && ageing.refresh && asked.borrow().is_empty());
        // `fresh` asks the registry whatever is kept: one HEAD, a new resolution.
        let fresh = TagPolicy { fresh: true, ..TTL };
        let refreshed = ask("localhost:5000/app:1", &cache, &asked, &open, 1055, fresh).unwrap();
        assert_eq!(asked.borrow().len(), 1);
        assert!(asked.borrow()[0].starts_with("HEAD "));
        assert_eq!(refreshed.report.tag_resolution.unwrap().age_seconds, 0);
        // Past the time to live: asked again before answering (the TTL is a bound).
        asked.borrow_mut().clear();
        let expired = ask("localhost:5000/app:1", &cache, &asked, &open, 1055 + 60, TTL).unwrap();
        assert_eq!(asked.borrow().len(), 1, "{:?}", asked.borrow());
        assert!(expired.hit && !expired.refresh);
        // A reference by digest never asks, whatever the policy.
        asked.borrow_mut().clear();
        let pinned = format!("localhost:5000/app@{}", first.report.digest.clone().unwrap());
        let by_digest = ask(&pinned, &cache, &asked, &open, 5000, TTL).unwrap();
        assert!(by_digest.hit && asked.borrow().is_empty());
        assert_eq!(by_digest.report.tag_resolution, None);
    }

    #[test]
    fn a_young_tag_or_a_digest_is_known_without_asking() {
        let (cache, asked, open) = (Memory::default(), RefCell::new(Vec::new()), RefCell::new((0, None)));
        let tag: Reference = "localhost:5000/app:1".parse().unwrap();
        assert_eq!(
            block_on(known_digest(&tag, TTL, 1000, &cache)),
            None,
            "nothing kept yet"
        );
        let digest = ask("localhost:5000/app:1", &cache, &asked, &open, 1000, TTL)
            .unwrap()
            .report
            .digest
            .unwrap();
        let known = block_on(known_digest(&tag, TTL, 1030, &cache)).unwrap();
        assert_eq!((known.0.as_str(), known.1), (digest.as_str(), Some(30)));
        assert_eq!(block_on(known_digest(&tag, TTL, 1060, &cache)), None, "too old");
        let fresh = TagPolicy { fresh: true, ..TTL };
        assert_eq!(
            block_on(known_digest(&tag, fresh, 1030, &cache)),
            None,
            "a fresh answer asked for"
        );
        let pinned: Reference = format!("localhost:5000/app@{digest}").parse().unwrap();
        assert_eq!(
            block_on(known_digest(&pinned, fresh, 0, &MemoryReports::default()))
                .unwrap()
                .1,
            None
        );
    }

    #[test]
    fn a_rate_limited_registry_gets_the_last_good_report_served_stale() {
        let (cache, asked) = (Memory::default(), RefCell::new(Vec::new()));
        let refusal = RefCell::new((0, None));
        let digest = ask("localhost:5000/app:1", &cache, &asked, &refusal, 1000, TTL)
            .unwrap()
            .report
            .digest;
        *refusal.borrow_mut() = (429, Some("120"));
        asked.borrow_mut().clear();
        let stale = ask("localhost:5000/app:1", &cache, &asked, &refusal, 2000, TTL).unwrap();
        assert_eq!(asked.borrow().len(), 1, "one HEAD, not retried: {:?}", asked.borrow());
        assert_eq!(stale.report.digest, digest);
        let resolution = stale.report.tag_resolution.clone().unwrap();
        assert_eq!(resolution.age_seconds, 1000);
        let why = resolution.stale.unwrap();
        assert_eq!((why.reason, why.retry_after), (StaleReason::RateLimited, Some(120)));
        assert!(why.message.contains("rate limited"), "{}", why.message);
        // Its Retry-After is honoured: until it passes, the registry is not asked at all.
        asked.borrow_mut().clear();
        let waiting = ask("localhost:5000/app:1", &cache, &asked, &refusal, 2060, TTL).unwrap();
        assert!(asked.borrow().is_empty(), "{:?}", asked.borrow());
        assert_eq!(
            waiting.report.tag_resolution.unwrap().stale.unwrap().retry_after,
            Some(60)
        );
        let fresh = TagPolicy { fresh: true, ..TTL };
        ask("localhost:5000/app:1", &cache, &asked, &refusal, 2061, fresh).unwrap();
        assert!(asked.borrow().is_empty(), "not even when a fresh answer is asked for");
        // After it: asked again (and still refusing: stale again, with a new back-off).
        let again = ask("localhost:5000/app:1", &cache, &asked, &refusal, 2121, TTL).unwrap();
        assert_eq!(asked.borrow().len(), 1);
        assert!(again.report.tag_resolution.unwrap().stale.is_some());
        // A failing registry: stale too, said as unavailable; no back-off.
        *refusal.borrow_mut() = (503, None);
        let failing = ask("localhost:5000/app:1", &cache, &asked, &refusal, 2300, TTL).unwrap();
        assert_eq!(
            failing.report.tag_resolution.unwrap().stale.unwrap().reason,
            StaleReason::Unavailable
        );
    }

    #[test]
    fn without_a_last_good_report_a_refusal_is_an_error() {
        let (cache, asked) = (Memory::default(), RefCell::new(Vec::new()));
        let refusal = RefCell::new((429, None));
        let failure = ask("localhost:5000/app:1", &cache, &asked, &refusal, 1000, TTL).unwrap_err();
        assert_eq!(failure.kind, ErrorKind::RateLimited);
        // A tag kept, but its Report gone: the error too, never a Report of nothing.
        *refusal.borrow_mut() = (0, None);
        ask("localhost:5000/app:1", &cache, &asked, &refusal, 1000, TTL).unwrap();
        cache.0.borrow_mut().clear();
        *refusal.borrow_mut() = (429, None);
        let failure = ask("localhost:5000/app:1", &cache, &asked, &refusal, 2000, TTL).unwrap_err();
        assert_eq!(failure.kind, ErrorKind::RateLimited);
        // Unauthorized and not-found are answers, not outages: never served stale.
        *refusal.borrow_mut() = (404, None);
        assert!(ask("localhost:5000/app:1", &cache, &asked, &refusal, 3000, TTL).is_err());
    }

    #[test]
    fn a_second_inspect_of_a_tag_costs_one_head_and_is_restamped() {
        let (cache, asked) = (Memory::default(), RefCell::new(Vec::new()));
        let first = run("localhost:5000/app:1", &cache, &asked);
        assert!(!first.hit);
        assert_eq!(cache.0.borrow().len(), 1, "kept");
        asked.borrow_mut().clear();
        let second = run("localhost:5000/app:1", &cache, &asked);
        assert!(second.hit);
        assert_eq!(asked.borrow().len(), 1, "{:?}", asked.borrow());
        assert!(asked.borrow()[0].starts_with("HEAD "));
        assert_eq!(second.report.requests, 1);
        assert_eq!(second.report.digest, first.report.digest);
        // By digest: no request at all, and the Report says the digest was proven.
        asked.borrow_mut().clear();
        let pinned = format!("localhost:5000/app@{}", first.report.digest.clone().unwrap());
        let third = run(&pinned, &cache, &asked);
        assert!(third.hit && asked.borrow().is_empty());
        assert_eq!(third.report.resolved_by, ResolvedBy::Digest);
        assert_eq!(third.report.reference.input, pinned);
    }

    #[test]
    fn failed_checks_and_moved_tags_are_never_kept() {
        let digest = Digest::sha256(INDEX.as_bytes());
        let reference: Reference = "localhost:5000/app:1".parse().unwrap();
        let (cache, asked) = (Memory::default(), RefCell::new(Vec::new()));
        let mut report = *run("localhost:5000/app:1", &cache, &asked).report;
        assert!(may_keep(&report, &digest));
        assert!(!may_keep(&report, &Digest::sha256(b"another")), "the tag moved");
        report
            .findings
            .insert(0, Finding::error(Code::SizeMismatch, "/platforms/0", "wrong size"));
        assert!(!may_keep(&report, &digest), "a failed check");
        let restamped = restamp(report, "localhost:5000/app:1", &reference, 1, None);
        assert_eq!(restamped.requests, 1);
    }

    #[test]
    fn the_pages_memory_spares_the_head_until_it_holds_the_repository() {
        let (cache, asked) = (MemoryReports::default(), RefCell::new(Vec::new()));
        let first = run("localhost:5000/app:1", &cache, &asked);
        assert!(!first.hit);
        assert!(
            asked.borrow()[0].starts_with("GET "),
            "no HEAD first: {:?}",
            asked.borrow()
        );
        assert_eq!(cache.len(), 1, "kept under the digest the walk proved");
        asked.borrow_mut().clear();
        let second = run("localhost:5000/app:1", &cache, &asked);
        assert!(second.hit);
        assert_eq!(
            *asked.borrow(),
            vec![format!("HEAD http://localhost:5000/v2/app/manifests/1")]
        );
        // Another repository of the same registry: nothing held, no HEAD.
        asked.borrow_mut().clear();
        assert!(!run("localhost:5000/other:1", &cache, &asked).hit);
        assert!(asked.borrow()[0].starts_with("GET "));
    }

    #[test]
    fn from_the_cache_alone_answers_what_needs_no_registry_and_nothing_else() {
        let (cache, asked, open) = (Memory::default(), RefCell::new(Vec::new()), RefCell::new((0, None)));
        let input = "localhost:5000/app:1";
        let tag: Reference = input.parse().unwrap();
        let lookup = Lookup {
            tags: TTL,
            ..Lookup::default()
        };
        let alone = |reference: &Reference, now, lookup: &Lookup| {
            block_on(from_cache(&reference.to_string(), reference, now, lookup, &cache))
        };
        assert!(
            alone(&tag, 1000, &lookup).is_none(),
            "nothing kept: the registry must say"
        );
        let walked = ask(input, &cache, &asked, &open, 1000, TTL).unwrap();
        let walk_asked = asked.borrow().len();
        let hit = alone(&tag, 1054, &lookup).expect("a young tag and its Report");
        assert!(hit.hit && hit.refresh, "in its last tenth: to be refreshed");
        assert_eq!(hit.report.digest, walked.report.digest);
        assert_eq!(
            (hit.report.requests, hit.report.tag_resolution.unwrap().age_seconds),
            (0, 54)
        );
        assert!(
            alone(&tag, 1060, &lookup).is_none(),
            "past the TTL: the registry must say"
        );
        let fresh = Lookup {
            tags: TagPolicy { fresh: true, ..TTL },
            ..Lookup::default()
        };
        assert!(alone(&tag, 1001, &fresh).is_none(), "a fresh answer is the registry's");
        let pinned: Reference = format!("localhost:5000/app@{}", walked.report.digest.clone().unwrap())
            .parse()
            .unwrap();
        assert!(
            alone(&pinned, 99_999, &fresh).unwrap().hit,
            "a digest never needs asking"
        );
        let other = Lookup {
            walk: WalkKind::Match,
            ..lookup
        };
        assert!(
            alone(&tag, 1001, &other).is_none(),
            "another walk's Report is not this one"
        );
        // While the registry asked to be left alone, the kept Report stands in, marked stale.
        cache.1.borrow_mut().get_mut(&tag.canonical()).unwrap().back_off_until = Some(1100);
        let stale = alone(&tag, 1070, &fresh).expect("the last good Report");
        assert_eq!(
            stale.report.tag_resolution.unwrap().stale.unwrap().retry_after,
            Some(30)
        );
        assert_eq!(asked.borrow().len(), walk_asked, "from the cache alone asks nothing");
    }

    #[test]
    fn the_pages_memory_keeps_only_the_newest_reports() {
        let cache = MemoryReports::default();
        let report = *run("localhost:5000/app:1", &cache, &RefCell::new(Vec::new())).report;
        for n in 0..MemoryReports::CAPACITY + 3 {
            let reference: Reference = format!("localhost:5000/app{n}:1").parse().unwrap();
            let key = ReportKey::of(
                WalkKind::Inspect,
                &reference,
                Digest::sha256(n.to_string().as_bytes()),
                None,
            );
            block_on(cache.put(&key, &report));
        }
        assert_eq!(cache.len(), MemoryReports::CAPACITY);
        assert!(!cache.may_hold("localhost:5000/app0"), "the oldest went first");
        assert!(!cache.may_hold("localhost:5000/app"));
        assert!(cache.may_hold(&format!("localhost:5000/app{}", MemoryReports::CAPACITY + 2)));
    }
}
