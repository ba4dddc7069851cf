//! The inspect walk as an I/O-free state machine: reference → (auth) → manifest or index → all
//! children at once → all configs at once → referrers → [`Report`].
//!
//! The caller loops: [`Inspect::poll`] hands out requests to send (up to the concurrency limit),
//! [`Inspect::feed`] takes each response back, and `poll` finally returns [`Step::Done`].
//!
//! ```
//! use fathom_core::inspect::{Inspect, Options, Step};
//! use fathom_core::registry::session::Walk;
//! use fathom_core::registry::{HttpResponse, Remote};
//!
//! let reference: fathom_core::Reference = "localhost:5000/app:1".parse().unwrap();
//! let remote = Remote::of(&reference);
//! let mut walk = Inspect::new("localhost:5000/app:1", reference, &remote, Options::default());
//! let Some(Step::Send(id, request)) = walk.poll() else { panic!() };
//! assert_eq!(request.url, "http://localhost:5000/v2/app/manifests/1");
//! walk.feed(id, Ok(HttpResponse::new(404, r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#)));
//! let Some(Step::Done(Err(error))) = walk.poll() else { panic!() };
//! assert_eq!(error.kind, fathom_core::inspect::ErrorKind::NotFound);
//! ```

use std::collections::{BTreeMap, BTreeSet};

use crate::descriptor::{Descriptor, DescriptorMismatch};
use crate::digest::{Digest, Mismatch};
use crate::finding::{Code, Finding, Severity};
use crate::manifest::{Body, Document, Manifest, REFERENCE_DIGEST_ANNOTATION, REFERENCE_TYPE_ANNOTATION};
use crate::media_type::{self as mt, Kind, MediaType};
use crate::platform::{explain, MatchMode, Platform};
use crate::reference::Reference;
use crate::registry::request::{self, Endpoint, MAX_CONFIG};
use crate::registry::session::{Outcome, Session, Walk};
use crate::registry::{HttpRequest, HttpResponse, Method, RegistryError, Remote, TransportError};

pub use crate::registry::session::{ErrorKind, Failure as InspectError, RequestId, MAX_ATTEMPTS};
use crate::report::{EntryKind, ImageInfo, LayerInfo, MatchInfo, PlatformEntry, Referrer, ReferrerSource, Report};

/// Nested indexes deeper than this are not followed.
pub const MAX_INDEX_DEPTH: usize = 4;
/// Rows (index entries, nested ones included) a walk takes at most; the rest is reported.
pub const MAX_ROWS: usize = 4096;
/// Pages of the referrers API followed at most.
pub const MAX_REFERRER_PAGES: u32 = 100;

/// How to walk.
#[derive(Debug, Clone)]
pub struct Options {
    /// The platform to match (`--platform`); `None` matches nothing.
    pub platform: Option<Platform>,
    /// With a platform: fetch every child (`true`) or only the matching one.
    pub all_platforms: bool,
    /// Fetch image configs.
    pub configs: bool,
    /// Look up referrers of the top-level manifest.
    pub referrers: bool,
    /// The digest a `HEAD` already resolved the tag to ([`crate::registry::resolve`]): the
    /// manifest is then fetched by that digest and must hash to it, while the Report still says
    /// the tag was resolved on the registry's word.
    pub resolved: Option<Digest>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            platform: None,
            all_platforms: true,
            configs: true,
            referrers: true,
            resolved: None,
        }
    }
}

impl Options {
    /// What a match needs: the platform, only the entry it picks, its config, no referrers.
    pub fn for_match(platform: Platform) -> Options {
        Options {
            platform: Some(platform),
            all_platforms: false,
            configs: true,
            referrers: false,
            ..Options::default()
        }
    }
}

/// What the caller must do next.
pub type Step = crate::registry::session::Step<Box<Report>>;

#[derive(Debug, Clone)]
enum Purpose {
    Top,
    Child {
        row: usize,
        depth: usize,
    },
    /// A config blob, fetched once for every row whose descriptor names it ([`ConfigKey`]).
    Config(ConfigKey),
    ReferrersApi,
    /// `HEAD` of the referrers fallback tag, sent alongside the API request: when the registry
    /// has no referrers API, the answer is already there (and a HEAD costs no pull quota).
    ReferrersTagHead,
    ReferrersTag,
}

/// What the walk knows about the referrers fallback tag while the API request is out.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fallback {
    /// The `HEAD` has not answered.
    Unknown,
    /// The tag exists, at this digest when the `HEAD` named one (or the `HEAD` failed and only a
    /// `GET` can tell).
    Exists(Option<Digest>),
    /// The tag does not exist.
    Absent,
}

/// A config as fetched: its digest, and the size its descriptors promise (rows whose
/// descriptors disagree on the size are fetched apart, each held to its own promise).
type ConfigKey = (String, Option<i64>);

/// Where the fetch of one config stands: the rows waiting for it, or its outcome for rows that
/// name it later (an index whose platforms share a config costs one request, not one per row).
#[derive(Debug)]
enum ConfigFetch {
    Waiting(Vec<(usize, Descriptor)>),
    Answered(HttpResponse),
    Failed(InspectError),
}

/// A body longer than its descriptor promised is a size mismatch (an error finding at `at`), not
/// an outage — when the promise was within `limit`, so that the read stopped at it (a body over
/// Fathom's own limit with an honest descriptor is only unavailable: `None`).
fn oversized(failure: &InspectError, descriptor: &Descriptor, limit: u64, at: &str) -> Option<Finding> {
    let promised = descriptor.size().is_some_and(|s| s <= limit);
    (failure.kind == ErrorKind::TooLarge && promised).then(|| {
        let message = format!(
            "{}: size mismatch: more than the {} bytes promised were sent — the bytes served are not what was promised",
            descriptor.digest,
            descriptor.size.unwrap_or_default()
        );
        Finding::error(Code::SizeMismatch, at, message)
    })
}

/// The inspect walk.
#[derive(Debug)]
pub struct Inspect {
    reference: Reference,
    endpoint: Endpoint,
    options: Options,
    session: Session<Purpose>,
    report: Report,
    visited: BTreeSet<String>,
    configs: BTreeMap<ConfigKey, ConfigFetch>,
    referrer_pages: u32,
    /// The referrers API said it does not exist; the fallback tag is read when it exists.
    referrers_api_missing: bool,
    fallback: Fallback,
    /// The fallback index, read by digest as soon as the `HEAD` named one and kept until the
    /// API's answer says whether it is wanted (one round trip less when the API is missing).
    /// (A failed read is kept as its message, reported only if the fallback was wanted.)
    fallback_read: Option<Result<(HttpRequest, HttpResponse), String>>,
    failed: Option<InspectError>,
    finished: bool,
    /// The top manifest came from the registry, not from a driver's cache: the manifests it
    /// names are asked for as [`HttpRequest::unseen`] (content new here is new below).
    /// Configs are not: one config is often shared by images of many indexes.
    top_from_registry: bool,
}

impl Inspect {
    /// A walk of `reference` (typed by the user as `input`) on `remote`, its registry.
    pub fn new(input: &str, reference: Reference, remote: &Remote, options: Options) -> Inspect {
        let endpoint = remote.endpoint().clone();
        let scope = format!("repository:{}:pull", reference.repository());
        let session = Session::new(remote, &scope, &reference.canonical());
        let pinned = reference.digest().or(options.resolved.as_ref());
        let top = request::manifest(
            &endpoint,
            reference.repository(),
            &pinned.map_or_else(|| reference.manifest_reference().to_owned(), Digest::to_string),
            Method::Get,
        );
        let report = Report::new(input, &reference);
        let mut walk = Inspect {
            reference,
            endpoint,
            options,
            session,
            report,
            visited: BTreeSet::new(),
            top_from_registry: false,
            configs: BTreeMap::new(),
            referrer_pages: 0,
            referrers_api_missing: false,
            fallback: Fallback::Unknown,
            fallback_read: None,
            failed: None,
            finished: false,
        };
        walk.enqueue(Purpose::Top, top);
        walk
    }
}

impl Walk for Inspect {
    type Output = Box<Report>;

    fn poll(&mut self) -> Option<Step> {
        let (report, options) = (&self.report, &self.options);
        self.session.poll_walk(&mut self.finished, &mut self.failed, |session| {
            Box::new(finish(report.clone(), options, session))
        })
    }

    fn feed(&mut self, id: RequestId, outcome: Result<HttpResponse, TransportError>) {
        for outcome in self.session.feed(id, outcome) {
            if self.failed.is_some() {
                return;
            }
            match outcome {
                Outcome::Response(purpose, request, response) => match purpose {
                    Purpose::Top => self.on_top(&request, response),
                    Purpose::Child { row, depth } => self.on_child(row, depth, response),
                    Purpose::Config(key) => self.on_config_fetched(key, Ok(response)),
                    Purpose::ReferrersApi => self.on_referrers(response, ReferrerSource::Api),
                    Purpose::ReferrersTagHead => self.on_fallback_head(&response),
                    Purpose::ReferrersTag => {
                        self.fallback_read = Some(Ok((request, response)));
                        self.use_fallback_if_wanted();
                    }
                },
                Outcome::Failed(purpose, failure) => self.on_failure(purpose, failure),
            }
        }
    }
}

impl Inspect {
    fn enqueue(&mut self, purpose: Purpose, request: HttpRequest) {
        self.session.enqueue(purpose, request);
    }

    fn what(&self) -> String {
        self.reference.canonical()
    }

    fn fail(&mut self, failure: InspectError) {
        self.failed = Some(failure);
        self.session.abandon();
    }

    fn on_failure(&mut self, purpose: Purpose, failure: InspectError) {
        match purpose {
            Purpose::Top => self.fail(failure),
            Purpose::Child { row, .. } => self.on_child_failure(row, failure),
            Purpose::Config(key) => self.on_config_fetched(key, Err(failure)),
            Purpose::ReferrersTagHead => {
                self.fallback = Fallback::Exists(None);
                self.read_fallback_if_needed();
            }
            Purpose::ReferrersTag => {
                self.fallback_read = Some(Err(failure.message));
                self.use_fallback_if_wanted();
            }
            Purpose::ReferrersApi => self.report.findings.push(Finding::warning(
                Code::ReferrersUnavailable,
                "/referrers",
                failure.message,
            )),
        }
    }

    /// A child manifest that could not be read: a size mismatch ([`oversized`]) or unavailable.
    fn on_child_failure(&mut self, row: usize, failure: InspectError) {
        let at = format!("/platforms/{row}");
        let descriptor = &self.report.platforms[row].descriptor;
        let finding = match oversized(&failure, descriptor, request::MAX_MANIFEST, &at) {
            Some(mismatch) => {
                self.report.platforms[row].verified = Some(false);
                mismatch
            }
            None => Finding::error(Code::ChildUnavailable, at, failure.message),
        };
        self.report.findings.push(finding);
    }

    fn on_top(&mut self, request: &HttpRequest, response: HttpResponse) {
        if !response.is_success() {
            return self.fail(InspectError::from_response(&response, &self.what()));
        }
        let content_type = response.header("content-type").map(str::to_owned);
        let doc = match Document::parse(&response.body, content_type.as_deref()) {
            Ok(doc) => doc,
            Err(e) => {
                return self.fail(InspectError {
                    kind: ErrorKind::BadUpstream,
                    message: format!("{}: the registry sent an unreadable manifest: {e}", self.what()),
                    retry_after: None,
                });
            }
        };
        let requested = self.reference.digest().or(self.options.resolved.as_ref()).cloned();
        let check =
            request::check_manifest_body(requested.as_ref(), &response, |algorithm| doc.content_digest(algorithm));
        let (digest, mismatch) = match check {
            Ok(check) => (check.digest, None),
            Err(mismatch) => (doc.content_digest(mismatch_algorithm(&mismatch)), Some(mismatch)),
        };
        self.report.digest = Some(digest.to_string());
        self.report.media_type = doc.media_type().map(str::to_owned).or(content_type);
        self.report.size = Some(response.body.len() as u64);
        if let Some(mismatch) = mismatch {
            // Bytes that are not what was asked for are neither shown nor followed.
            self.report.findings.push(mismatch_finding("", &request.url, &mismatch));
            return;
        }
        self.visited.insert(digest.to_string());
        self.top_from_registry = !response.from_cache();
        push_findings(&mut self.report.findings, &doc, digest.as_str());
        if self.options.referrers {
            // First in the queue: the referrers lookup is the walk's longest chain.
            let request = request::referrers(&self.endpoint, self.reference.repository(), &digest);
            self.enqueue(Purpose::ReferrersApi, request);
            let head = request::manifest(
                &self.endpoint,
                self.reference.repository(),
                &request::referrers_fallback_tag(&digest),
                Method::Head,
            );
            self.enqueue(Purpose::ReferrersTagHead, head);
        }
        self.expand(&doc, &digest, None, 0);
    }

    /// The fallback tag's `HEAD` answered.
    fn on_fallback_head(&mut self, response: &HttpResponse) {
        self.fallback = if response.is_success() {
            Fallback::Exists(
                response
                    .header("docker-content-digest")
                    .and_then(|d| d.trim().parse().ok()),
            )
        } else {
            Fallback::Absent
        };
        self.read_fallback_if_needed();
    }

    /// Reads the fallback tag once it is known to exist: by the digest its `HEAD` named at once,
    /// without waiting for the API's answer (content that can be cached, and checked); by tag
    /// only once the API is known to be missing.
    fn read_fallback_if_needed(&mut self) {
        let Fallback::Exists(at) = &self.fallback else { return };
        let reference = match at {
            Some(digest) => digest.to_string(),
            None if !self.referrers_api_missing => return,
            None => match self.report.digest.as_ref().and_then(|d| d.parse::<Digest>().ok()) {
                Some(subject) => request::referrers_fallback_tag(&subject),
                None => return,
            },
        };
        self.fallback = Fallback::Absent; // read once
        let request = request::manifest(&self.endpoint, self.reference.repository(), &reference, Method::Get);
        self.enqueue(Purpose::ReferrersTag, request);
    }

    /// Lists the fallback's referrers once it is read and the API is known to be missing.
    fn use_fallback_if_wanted(&mut self) {
        if !self.referrers_api_missing {
            return;
        }
        let (request, response) = match self.fallback_read.take() {
            None => return,
            Some(Err(message)) => {
                let finding = Finding::warning(Code::ReferrersUnavailable, "/referrers", message);
                return self.report.findings.push(finding);
            }
            Some(Ok(read)) => read,
        };
        if let Some(mismatch) = by_digest_mismatch(&request, &response) {
            let message = format!("referrers fallback: {mismatch}");
            self.report
                .findings
                .push(Finding::error(Code::DigestMismatch, "/referrers", message));
        } else {
            self.on_referrers(response, ReferrerSource::TagFallback)
        }
    }

    /// Adds the rows of an index (or the single row of a manifest) and queues what to fetch.
    fn expand(&mut self, doc: &Document, digest: &Digest, parent: Option<&str>, depth: usize) {
        match doc.manifest() {
            Some(Manifest::Index(index)) => {
                let first = self.report.platforms.len();
                let room = MAX_ROWS.saturating_sub(first);
                if index.manifests.len() > room {
                    self.report.findings.push(Finding::warning(
                        Code::IndexTooLarge,
                        format!("{digest}#/manifests"),
                        format!(
                            "{} entries; only the first {room} are walked (at most {MAX_ROWS} rows)",
                            index.manifests.len()
                        ),
                    ));
                }
                for entry in index.manifests.iter().take(room) {
                    self.report.platforms.push(PlatformEntry {
                        platform: entry.platform.clone(),
                        descriptor: entry.clone(),
                        kind: entry_kind(entry),
                        verified: None,
                        parent: parent.map(str::to_owned),
                        image: None,
                        attestations: Vec::new(),
                    });
                }
                link_attestations(&mut self.report.platforms[first..]);
                let wanted = self.wanted_rows(first);
                for row in wanted {
                    self.queue_child(row, depth + 1);
                }
            }
            Some(manifest) if depth == 0 => {
                let descriptor = Descriptor {
                    media_type: doc.media_type().map(MediaType::from),
                    digest: digest.to_string(),
                    size: Some(doc.bytes.len() as i64),
                    ..Descriptor::default()
                };
                self.report.platforms.push(PlatformEntry {
                    platform: None,
                    descriptor,
                    kind: EntryKind::Image,
                    verified: Some(true),
                    parent: None,
                    image: None,
                    attestations: Vec::new(),
                });
                self.fill_image(0, manifest);
            }
            _ => {}
        }
    }

    /// Rows of the index starting at `first` to fetch: all, or the chosen platform's.
    fn wanted_rows(&self, first: usize) -> Vec<usize> {
        let rows: Vec<usize> = (first..self.report.platforms.len()).collect();
        let Some(platform) = self.options.platform.as_ref().filter(|_| !self.options.all_platforms) else {
            return rows;
        };
        let candidates: Vec<(usize, Platform)> = rows
            .iter()
            .filter(|&&r| self.report.platforms[r].kind == EntryKind::Image)
            .filter_map(|&r| Some((r, self.report.platforms[r].platform.clone()?)))
            .collect();
        let platforms: Vec<Platform> = candidates.iter().map(|(_, p)| p.clone()).collect();
        let chosen = crate::platform::Matcher::only(platform)
            .best(&platforms)
            .map(|i| candidates[i].0);
        rows.into_iter()
            .filter(|&r| Some(r) == chosen || self.report.platforms[r].kind == EntryKind::Index)
            .collect()
    }

    fn queue_child(&mut self, row: usize, depth: usize) {
        let entry = &self.report.platforms[row];
        let Ok(digest) = entry.descriptor.digest() else { return };
        let mut request = request::manifest(
            &self.endpoint,
            self.reference.repository(),
            digest.as_str(),
            Method::Get,
        );
        // Read no more than the descriptor promised (a longer body is a size mismatch).
        if let Some(size) = entry.descriptor.size() {
            request.max_body = request.max_body.min(size);
        }
        request.unseen = self.top_from_registry;
        self.enqueue(Purpose::Child { row, depth }, request);
    }

    fn on_child(&mut self, row: usize, depth: usize, response: HttpResponse) {
        let at = format!("/platforms/{row}");
        let descriptor = self.report.platforms[row].descriptor.clone();
        if !response.is_success() {
            let error = InspectError::from_response(&response, &descriptor.digest);
            self.report
                .findings
                .push(Finding::error(Code::ChildUnavailable, at, error.message));
            return;
        }
        let expected = match descriptor.digest() {
            Ok(d) => d,
            Err(e) => {
                let message = format!("{e}; this entry cannot be verified");
                self.report
                    .findings
                    .push(Finding::warning(e.code(), format!("{at}/descriptor/digest"), message));
                return;
            }
        };
        let content_type = response.header("content-type").map(str::to_owned);
        let doc = Document::parse(&response.body, content_type.as_deref());
        if let Err(mismatch) = descriptor.verify_manifest(&expected, &response.body, doc.as_ref().ok()) {
            self.report.platforms[row].verified = Some(false);
            self.report
                .findings
                .push(mismatch_finding(&at, &descriptor.digest, &mismatch));
            return; // bytes that do not match are not shown
        }
        self.report.platforms[row].verified = Some(true);
        let doc = match doc {
            Ok(doc) => doc,
            Err(e) => {
                self.report
                    .findings
                    .push(Finding::error(e.code(), at, format!("{}: {e}", descriptor.digest)));
                return;
            }
        };
        push_findings(&mut self.report.findings, &doc, &descriptor.digest);
        if let (Some(declared), Some(actual)) = (descriptor.media_type.as_ref(), doc.media_type()) {
            if declared.as_str() != actual {
                self.report.findings.push(Finding::warning(
                    Code::DescriptorTypeMismatch,
                    format!("{at}/descriptor/mediaType"),
                    format!("the index says {declared} but {} is a {actual}", descriptor.digest),
                ));
            }
        }
        match doc.manifest() {
            Some(Manifest::Index(_)) => {
                self.report.platforms[row].kind = EntryKind::Index;
                if depth >= MAX_INDEX_DEPTH {
                    self.report.findings.push(Finding::warning(
                        Code::IndexTooDeep,
                        at,
                        format!("nested indexes deeper than {MAX_INDEX_DEPTH} are not followed"),
                    ));
                } else if !self.visited.insert(descriptor.digest.clone()) {
                    self.report.findings.push(Finding::warning(
                        Code::IndexAlreadyWalked,
                        at,
                        format!(
                            "{} was already walked (listed twice, or a loop); not following it again",
                            descriptor.digest
                        ),
                    ));
                } else if let Ok(digest) = descriptor.digest() {
                    self.expand(&doc, &digest, Some(&descriptor.digest), depth);
                }
            }
            Some(manifest) => self.fill_image(row, manifest),
            None => {}
        }
    }

    fn fill_image(&mut self, row: usize, manifest: &Manifest) {
        let entry = &mut self.report.platforms[row];
        let layers: Vec<LayerInfo> = match manifest {
            Manifest::Schema1(s) => s
                .fs_layers
                .iter()
                .map(|d| LayerInfo {
                    media_type: None,
                    digest: d.clone(),
                    size: None,
                    diff_id: None,
                })
                .collect(),
            _ => manifest
                .layers()
                .iter()
                .map(|l| LayerInfo {
                    media_type: l.media_type.as_ref().map(|m| m.to_string()),
                    digest: l.digest.clone(),
                    size: l.size,
                    diff_id: None,
                })
                .collect(),
        };
        let artifact_type = manifest.artifact_type().map(str::to_owned);
        if entry.kind == EntryKind::Image && (artifact_type.is_some() || holds_payloads(manifest)) {
            entry.kind = EntryKind::Artifact;
        }
        if let (Manifest::Schema1(s), None) = (manifest, &entry.platform) {
            entry.platform = Some(Platform::new("linux", &s.architecture, ""));
        }
        let config = manifest.config().cloned();
        entry.image = Some(ImageInfo {
            config_digest: config.as_ref().map(|c| c.digest.clone()),
            artifact_type,
            total_size: layers
                .iter()
                .filter_map(|l| l.size)
                .map(|s| s.max(0) as u64)
                .fold(0, u64::saturating_add),
            layers,
            ..ImageInfo::default()
        });
        let is_image_config = config
            .as_ref()
            .is_some_and(|c| c.media_type.as_ref().is_some_and(|m| m.kind() == Kind::Config));
        if self.options.configs && entry.kind == EntryKind::Image && is_image_config {
            if let Some(descriptor) = config {
                if let Ok(digest) = descriptor.digest() {
                    self.fetch_config(row, digest, descriptor);
                }
            }
        }
    }

    /// Asks for `row`'s config, unless the walk already has (then the row waits for that answer,
    /// or takes it at once).
    fn fetch_config(&mut self, row: usize, digest: Digest, descriptor: Descriptor) {
        let key = (descriptor.digest.clone(), descriptor.size);
        match self.configs.get_mut(&key) {
            Some(ConfigFetch::Waiting(rows)) => rows.push((row, descriptor)),
            Some(ConfigFetch::Answered(response)) => {
                let response = response.clone();
                self.on_config(row, &descriptor, response);
            }
            Some(ConfigFetch::Failed(failure)) => {
                let failure = failure.clone();
                self.on_config_failure(row, &descriptor, failure);
            }
            None => {
                let max = descriptor.size().unwrap_or(MAX_CONFIG).min(MAX_CONFIG);
                let request = request::blob(&self.endpoint, self.reference.repository(), &digest, max);
                self.configs
                    .insert(key.clone(), ConfigFetch::Waiting(vec![(row, descriptor)]));
                self.enqueue(Purpose::Config(key), request);
            }
        }
    }

    /// A config's answer, for every row waiting for it.
    fn on_config_fetched(&mut self, key: ConfigKey, outcome: Result<HttpResponse, InspectError>) {
        let done = match &outcome {
            Ok(response) => ConfigFetch::Answered(response.clone()),
            Err(failure) => ConfigFetch::Failed(failure.clone()),
        };
        let Some(ConfigFetch::Waiting(rows)) = self.configs.insert(key, done) else {
            return;
        };
        for (row, descriptor) in rows {
            match &outcome {
                Ok(response) => self.on_config(row, &descriptor, response.clone()),
                Err(failure) => self.on_config_failure(row, &descriptor, failure.clone()),
            }
        }
    }

    /// A config that could not be read: a size mismatch ([`oversized`], an error), or the row
    /// without its config (a warning).
    fn on_config_failure(&mut self, row: usize, descriptor: &Descriptor, failure: InspectError) {
        let at = format!("/platforms/{row}/image");
        let finding = match oversized(&failure, descriptor, MAX_CONFIG, &at) {
            Some(mismatch) => {
                if let Some(image) = self.report.platforms[row].image.as_mut() {
                    image.config_verified = Some(false);
                }
                mismatch
            }
            None => Finding::warning(Code::ConfigUnavailable, at, failure.message),
        };
        self.report.findings.push(finding);
    }

    fn on_config(&mut self, row: usize, descriptor: &Descriptor, response: HttpResponse) {
        let at = format!("/platforms/{row}/image");
        if !response.is_success() {
            let error = InspectError::from_response(&response, &descriptor.digest);
            self.report
                .findings
                .push(Finding::error(Code::ConfigUnavailable, at, error.message));
            return;
        }
        let artifact = self.report.platforms[row].kind == EntryKind::Artifact;
        let image = self.report.platforms[row].image.get_or_insert_with(ImageInfo::default);
        if let Err(e) = descriptor.verify(&response.body) {
            image.config_verified = Some(false);
            let finding = match e {
                DescriptorMismatch::Bytes(m) => mismatch_finding(&at, &descriptor.digest, &m),
                DescriptorMismatch::Unverifiable(d) => Finding::warning(d.code(), at, d.to_string()),
            };
            self.report.findings.push(finding);
            return;
        }
        image.config_verified = Some(true);
        match Document::parse(&response.body, descriptor.media_type.as_ref().map(MediaType::as_str)) {
            Ok(doc) => {
                // An artifact's config that names no platform (cosign's) is not an image
                // missing one.
                let mut platformless = false;
                if let Body::Config(config) = &doc.body {
                    image.apply_config(config);
                    let entry = &mut self.report.platforms[row];
                    let declared = config.platform();
                    platformless = artifact && declared.os.is_empty() && declared.architecture.is_empty();
                    match &entry.platform {
                        _ if platformless => {}
                        None => entry.platform = Some(declared),
                        Some(listed) if listed.normalize().to_string() != declared.normalize().to_string() => {
                            self.report.findings.push(Finding::warning(
                                Code::PlatformConfigMismatch,
                                format!("/platforms/{row}/platform"),
                                format!("the index says {listed} but the image's config says {declared}"),
                            ));
                        }
                        Some(_) => {}
                    }
                }
                let except: &[Code] = if platformless {
                    &[Code::ConfigOsMissing, Code::ConfigArchitectureMissing]
                } else {
                    &[]
                };
                push_findings_except(&mut self.report.findings, &doc, &descriptor.digest, except);
            }
            Err(e) => self
                .report
                .findings
                .push(Finding::error(e.code(), at, format!("{}: {e}", descriptor.digest))),
        }
    }

    fn on_referrers(&mut self, response: HttpResponse, source: ReferrerSource) {
        let is_index = response
            .header("content-type")
            .map(MediaType::essence)
            .is_some_and(|t| t == mt::OCI_INDEX || t == "application/json");
        if !response.is_success() || (source == ReferrerSource::Api && !is_index) {
            if source == ReferrerSource::Api && matches!(response.status, 200 | 400 | 404 | 405) {
                // No referrers API (distribution 2.x answers 404): the tag schema fallback, read
                // when its HEAD (already sent) says it exists.
                self.referrers_api_missing = true;
                self.read_fallback_if_needed();
                self.use_fallback_if_wanted();
            } else if response.status != 404 {
                let error = RegistryError::from_response(&response);
                self.report.findings.push(Finding::warning(
                    Code::ReferrersUnavailable,
                    "/referrers",
                    error.describe("referrers"),
                ));
            }
            return;
        }
        match Document::parse(&response.body, Some(mt::OCI_INDEX)) {
            Ok(doc) => {
                for descriptor in doc.manifest().map(Manifest::manifests).unwrap_or_default() {
                    self.report.referrers.push(Referrer {
                        descriptor: descriptor.clone(),
                        source,
                    });
                }
                // The referrers API paginates with Link, like tag lists (same registry only).
                let next = request::next_page(&self.endpoint, &response);
                if let (Some(next), ReferrerSource::Api) = (next, source) {
                    // Bounded: a registry whose pages never end is cut off, with a finding.
                    self.referrer_pages += 1;
                    if self.referrer_pages < MAX_REFERRER_PAGES {
                        let request =
                            HttpRequest::get(next, request::MAX_MANIFEST).with_header("Accept", mt::OCI_INDEX);
                        self.enqueue(Purpose::ReferrersApi, request);
                    } else {
                        self.report.findings.push(Finding::warning(
                            Code::ReferrersTruncated,
                            "/referrers",
                            format!("more than {MAX_REFERRER_PAGES} pages of referrers; the rest is not listed"),
                        ));
                    }
                }
            }
            Err(e) => {
                self.report
                    .findings
                    .push(Finding::warning(Code::ReferrersUnreadable, "/referrers", e.to_string()))
            }
        }
    }
}

/// Whether a response to a by-digest request fails to hash to that digest.
fn by_digest_mismatch(request: &HttpRequest, response: &HttpResponse) -> Option<Mismatch> {
    let digest = request::content_digest(&request.url)?;
    if !response.is_success() {
        return None;
    }
    crate::digest::verify(&digest, None, &response.body).err()
}

/// The Report at the end of the walk: request count, quota, the match for the asked platform,
/// findings sorted errors first.
fn finish(mut report: Report, options: &Options, session: &Session<Purpose>) -> Report {
    report.requests = session.requests();
    report.rate_limit = session.rate_limit().cloned();
    if let Some(host) = &options.platform {
        let rows: Vec<usize> = (0..report.platforms.len())
            .filter(|&r| report.platforms[r].kind == EntryKind::Image && report.platforms[r].platform.is_some())
            .collect();
        let candidates: Vec<Platform> = rows
            .iter()
            .filter_map(|&r| report.platforms[r].platform.clone())
            .collect();
        let explanation = explain(host, &candidates, MatchMode::Only);
        let chosen = explanation.chosen.map(|i| rows[i]);
        report.platform_match = Some(MatchInfo {
            platform: host.normalize().format_all(),
            chosen,
            digest: chosen.map(|r| report.platforms[r].descriptor.digest.clone()),
            explanation,
        });
    }
    report.findings.sort_by_key(|f| match f.severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    });
    report
}

/// The digest a registry identifies this document by, in `algorithm`: over the payload for a
/// signed schema1, over the exact bytes otherwise.
fn mismatch_algorithm(mismatch: &Mismatch) -> crate::digest::Algorithm {
    match mismatch {
        Mismatch::Digest { actual, .. } => actual.algorithm(),
        _ => crate::digest::Algorithm::Sha256,
    }
}

fn mismatch_finding(at: &str, what: &str, mismatch: &Mismatch) -> Finding {
    Finding::error(
        mismatch.code(),
        at.to_owned(),
        format!("{what}: {mismatch} — the bytes served are not what was promised"),
    )
}

/// Whether every layer of `manifest` is a signature or attestation payload — what cosign's
/// `.sig` and `.att` manifests hold under an image config that names no platform (cosign writes
/// go-containerregistry's empty image: `"architecture": ""`, `"os": ""`): an artifact, not an
/// image.
fn holds_payloads(manifest: &Manifest) -> bool {
    let layers = manifest.layers();
    !layers.is_empty()
        && layers
            .iter()
            .all(|l| l.media_type.as_ref().map(MediaType::kind) == Some(Kind::Attestation))
}

fn push_findings(findings: &mut Vec<Finding>, doc: &Document, digest: &str) {
    push_findings_except(findings, doc, digest, &[]);
}

/// [`push_findings`] without the codes `except`.
fn push_findings_except(findings: &mut Vec<Finding>, doc: &Document, digest: &str, except: &[Code]) {
    let prefix = format!("{digest}#");
    findings.extend(
        doc.findings
            .iter()
            .filter(|f| !except.contains(&f.code))
            .map(|f| f.clone().under(&prefix)),
    );
}

fn entry_kind(entry: &Descriptor) -> EntryKind {
    if entry.annotation(REFERENCE_TYPE_ANNOTATION).is_some()
        || entry.platform.as_ref().is_some_and(Platform::is_unknown)
    {
        return EntryKind::Attestation;
    }
    match entry.media_type.as_ref().map(MediaType::kind) {
        Some(Kind::Index) => EntryKind::Index,
        _ if entry.artifact_type.is_some() => EntryKind::Artifact,
        Some(Kind::Manifest | Kind::Schema1) => EntryKind::Image,
        _ => EntryKind::Unknown,
    }
}

/// BuildKit attestation manifests name the image they describe in an annotation.
fn link_attestations(rows: &mut [PlatformEntry]) {
    let links: Vec<(String, String)> = rows
        .iter()
        .filter(|r| r.kind == EntryKind::Attestation)
        .filter_map(|r| {
            Some((
                r.descriptor.annotation(REFERENCE_DIGEST_ANNOTATION)?.to_owned(),
                r.descriptor.digest.clone(),
            ))
        })
        .collect();
    for (subject, attestation) in links {
        if let Some(row) = rows.iter_mut().find(|r| r.descriptor.digest == subject) {
            row.attestations.push(attestation);
        }
    }
}

pub mod cached;

#[cfg(test)]
mod tests;
