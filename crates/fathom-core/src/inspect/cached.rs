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
use crate::registry::{drive, HttpRequest, HttpResponse, Remote, TransportError};
use crate::report::{ReferenceInfo, Report, ResolvedBy};

/// Which walk a Report came from: the whole index, or only what a platform match needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WalkKind {
    /// Every platform.
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

/// A Report, and whether it came from the cache.
#[derive(Debug)]
pub struct Cached {
    /// The reference as parsed.
    pub reference: Reference,
    /// The Report, stamped for this request.
    pub report: Box<Report>,
    /// Answered from the cache (the registry saw at most the tag's `HEAD`).
    pub hit: bool,
}

/// Inspects `reference` (typed as `input`) on `remote`: resolve a tag with one `HEAD` (unless
/// `cache` holds nothing of the repository), answer from `cache` when it holds that digest's
/// Report, else walk (the manifest fetched by the resolved digest and checked against it) and
/// keep the Report when it may be kept.
pub async fn inspect<C, S, F>(
    input: &str,
    reference: Reference,
    remote: &Remote,
    walk: WalkKind,
    platform: Option<Platform>,
    cache: &C,
    send: S,
) -> Result<Cached, InspectError>
where
    C: ReportCache,
    S: Fn(HttpRequest) -> F,
    F: Future<Output = Result<HttpResponse, TransportError>>,
{
    let (resolved, head_requests) = match reference.digest() {
        Some(digest) => (Some(digest.clone()), 0),
        None if !cache.may_hold(&reference.name()) => (None, 0),
        None => {
            let resolved = drive::run(Resolve::new(&reference, remote), &send).await?;
            (resolved.digest, resolved.requests)
        }
    };
    let key_of = |digest: Digest| ReportKey {
        walk,
        repository: reference.name(),
        digest,
        platform: platform.as_ref().map(Platform::to_string),
    };
    if let Some(key) = resolved.clone().map(key_of) {
        if let Some(kept) = cache.get(&key).await {
            let report = restamp(kept, input, &reference, head_requests);
            return Ok(Cached {
                reference,
                report: Box::new(report),
                hit: true,
            });
        }
    }
    let options = Options {
        resolved: resolved.clone().filter(|_| reference.digest().is_none()),
        ..match (walk, platform.clone()) {
            (WalkKind::Match, Some(platform)) => Options::for_match(platform),
            (_, platform) => Options {
                platform,
                ..Options::default()
            },
        }
    };
    let mut report = drive::run(Inspect::new(input, reference.clone(), remote, options), &send).await?;
    report.requests += head_requests;
    // Kept under the digest the HEAD named, or (no HEAD sent) the one the walk proved.
    let proved = report.digest.as_deref().and_then(|d| d.parse().ok());
    if let Some(key) = resolved.or(proved).map(key_of) {
        if may_keep(&report, &key.digest) {
            cache.put(&key, &report).await;
        }
    }
    Ok(Cached {
        reference,
        report,
        hit: false,
    })
}

/// A kept Report as this request's: the reference as typed now, how it was resolved, and only
/// the requests this request made.
pub fn restamp(mut report: Report, input: &str, reference: &Reference, requests: u32) -> Report {
    report.reference = ReferenceInfo::new(input, reference);
    report.resolved_by = if reference.digest().is_some() {
        ResolvedBy::Digest
    } else {
        ResolvedBy::Tag
    };
    report.requests = requests;
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

    /// A cache that may hold anything (as the edge's): every tag is resolved first.
    #[derive(Default)]
    struct Memory(RefCell<BTreeMap<String, Report>>);

    impl ReportCache for Memory {
        async fn get(&self, key: &ReportKey) -> Option<Report> {
            self.0.borrow().get(&key.url()).cloned()
        }
        async fn put(&self, key: &ReportKey, report: &Report) {
            self.0.borrow_mut().insert(key.url(), report.clone());
        }
    }

    const INDEX: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;

    /// A registry holding one empty index under tag `1`; counts what it is asked.
    fn registry(
        asked: &RefCell<Vec<String>>,
    ) -> impl Fn(HttpRequest) -> std::future::Ready<Result<HttpResponse, TransportError>> + '_ {
        move |request: HttpRequest| {
            asked
                .borrow_mut()
                .push(format!("{} {}", request.method.as_str(), request.url));
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
        let reference: Reference = input.parse().unwrap();
        let remote = Remote::of(&reference);
        block_on(inspect(
            input,
            reference,
            &remote,
            WalkKind::Inspect,
            None,
            cache,
            registry(asked),
        ))
        .unwrap()
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
        let restamped = restamp(report, "localhost:5000/app:1", &reference, 1);
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
    fn the_pages_memory_keeps_only_the_newest_reports() {
        let cache = MemoryReports::default();
        let report = *run("localhost:5000/app:1", &cache, &RefCell::new(Vec::new())).report;
        for n in 0..MemoryReports::CAPACITY + 3 {
            let key = ReportKey {
                walk: WalkKind::Inspect,
                repository: format!("localhost:5000/app{n}"),
                digest: Digest::sha256(n.to_string().as_bytes()),
                platform: None,
            };
            block_on(cache.put(&key, &report));
        }
        assert_eq!(cache.len(), MemoryReports::CAPACITY);
        assert!(!cache.may_hold("localhost:5000/app0"), "the oldest went first");
        assert!(!cache.may_hold("localhost:5000/app"));
        assert!(cache.may_hold(&format!("localhost:5000/app{}", MemoryReports::CAPACITY + 2)));
    }
}
