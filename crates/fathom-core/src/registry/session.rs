//! A conversation with one registry repository: a queue of requests with bounded concurrency,
//! authentication (Basic, or Bearer tokens fetched once per scope and shared), and retries with
//! backoff inside a bounded budget. Walks (inspect, tag listing) enqueue requests tagged with their
//! own purpose `P` and receive each final response or failure exactly once.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::error::RegistryError;
use super::http::{ConnectCause, HttpRequest, HttpResponse, TransportError};
use super::parse_challenges;
use super::remote::Remote;
use super::request::{self, RateLimit};
use super::token::{self, AuthPlan, TokenCache};

/// Attempts for a request that fails in a way that may pass (connection, timeout, 5xx, 429),
/// unless its [`Remote`] says otherwise ([`Remote::with_attempts`]).
pub const MAX_ATTEMPTS: u32 = 4;
/// A `Retry-After` longer than this is reported instead of waited for.
pub const MAX_RETRY_AFTER_SECONDS: u64 = 30;

/// Identifies a request handed out by a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

/// What a walk's caller must do next.
#[derive(Debug)]
#[must_use]
pub enum Step<T> {
    /// Send this request (after `request.delay_ms`) and feed the outcome back under the id.
    Send(RequestId, HttpRequest),
    /// The walk is over.
    Done(Result<T, Failure>),
}

/// A walk a driver can run: poll for requests, feed responses back, until `Done`.
pub trait Walk {
    /// What the walk produces.
    type Output;
    /// The next request, the result, or `None` while waiting for responses already handed out.
    fn poll(&mut self) -> Option<Step<Self::Output>>;
    /// The outcome of request `id`.
    fn feed(&mut self, id: RequestId, outcome: Result<HttpResponse, TransportError>);
}

/// Classes of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The tag, digest or repository does not exist.
    NotFound,
    /// Credentials are needed or wrong.
    Unauthorized,
    /// The credentials may not read this.
    Denied,
    /// The registry's rate limit.
    RateLimited,
    /// The registry failed or answered something unusable.
    BadUpstream,
    /// No answer in time.
    Timeout,
    /// The host could not be reached, or the connection broke: the cause as precisely as the
    /// driver's runtime tells.
    Unreachable(ConnectCause),
    /// The body was longer than allowed (the limit, or the size a descriptor promised).
    TooLarge,
    /// The driver would not reach the address (not on an edge allowlist).
    Refused,
}

impl ErrorKind {
    /// The class of a transport failure.
    pub fn of_transport(error: &TransportError) -> ErrorKind {
        match error {
            TransportError::Timeout(_) => ErrorKind::Timeout,
            TransportError::TooLarge { .. } => ErrorKind::TooLarge,
            TransportError::Refused { .. } => ErrorKind::Refused,
            TransportError::Connect { cause, .. } => ErrorKind::Unreachable(*cause),
            TransportError::Other(_) => ErrorKind::BadUpstream,
        }
    }
}

/// Why a request did not succeed, after retries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    /// The class of failure.
    pub kind: ErrorKind,
    /// What happened.
    pub message: String,
    /// Seconds to wait, for rate limits.
    pub retry_after: Option<u64>,
}

impl Failure {
    /// The failure a transport error means, for the request to `url`, described for `what`.
    pub fn of_transport(error: &TransportError, url: &str, what: &str) -> Failure {
        Failure {
            kind: ErrorKind::of_transport(error),
            message: format!("{what}: {}", error.describe(url)),
            retry_after: None,
        }
    }

    /// The failure a non-success response means, described for `what`.
    pub fn from_response(response: &HttpResponse, what: &str) -> Failure {
        let error = RegistryError::from_response(response);
        let kind = match response.status {
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Denied,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimited,
            _ => ErrorKind::BadUpstream,
        };
        Failure {
            kind,
            message: error.describe(what),
            retry_after: error.retry_after,
        }
    }
}

/// The final outcome of one enqueued request.
#[derive(Debug)]
pub enum Outcome<P> {
    /// A response (any status other than the 401s and retryable failures the session handled).
    Response(P, HttpRequest, HttpResponse),
    /// No usable response.
    Failed(P, Failure),
}

#[derive(Debug, Clone)]
struct Job<P> {
    purpose: Option<P>,
    request: HttpRequest,
    attempts: u32,
    authenticated: bool,
    token: Option<(String, String)>,
}

/// See the module documentation.
#[derive(Debug)]
pub struct Session<P> {
    remote: Remote,
    scope: String,
    what: String,
    queue: VecDeque<Job<P>>,
    in_flight: BTreeMap<RequestId, Job<P>>,
    parked: Vec<Job<P>>,
    next_id: u64,
    tokens: TokenCache,
    use_basic: bool,
    token_pending: BTreeSet<String>,
    requests: u32,
    rate_limit: Option<RateLimit>,
}

impl<P: Clone> Session<P> {
    /// A session with `registry` for `scope` (`repository:NAME:pull`); `what` names the object in
    /// messages.
    /// A conversation with `remote` about `what` (named in failures), with `scope` for tokens.
    /// Whether the registry is spoken to over plain HTTP — and so whether a plain-HTTP token
    /// realm may receive credentials — is the remote's, decided once.
    pub fn new(remote: &Remote, scope: &str, what: &str) -> Session<P> {
        Session {
            remote: remote.clone(),
            scope: scope.to_owned(),
            what: what.to_owned(),
            queue: VecDeque::new(),
            in_flight: BTreeMap::new(),
            parked: Vec::new(),
            next_id: 0,
            tokens: TokenCache::default(),
            use_basic: false,
            token_pending: BTreeSet::new(),
            requests: 0,
            rate_limit: None,
        }
    }

    /// Queues a request for `purpose`.
    pub fn enqueue(&mut self, purpose: P, request: HttpRequest) {
        self.queue.push_back(Job {
            purpose: Some(purpose),
            request,
            attempts: 0,
            authenticated: false,
            token: None,
        });
    }

    /// The next request to send, while below the concurrency limit — which widens up to the
    /// [`Remote::fanout`] while more is waiting than the concurrency lets out.
    pub fn poll_send(&mut self) -> Option<(RequestId, HttpRequest)> {
        let waiting = self.queue.len() + self.in_flight.len();
        let limit = self.remote.concurrency().max(waiting.min(self.remote.fanout()));
        if self.in_flight.len() >= limit {
            return None;
        }
        let mut job = self.queue.pop_front()?;
        self.authorize(&mut job);
        let id = RequestId(self.next_id);
        self.next_id += 1;
        let request = job.request.clone();
        self.in_flight.insert(id, job);
        self.requests += 1;
        Some((id, request))
    }

    /// A walk's `poll`: a failure once (with what to do at this registry, see
    /// [`Failure::advised`]), else the next request, else — when nothing is left — the walk's
    /// result from `finish`. `finished` makes every later call return `None`.
    pub fn poll_walk<T>(
        &mut self,
        finished: &mut bool,
        failed: &mut Option<Failure>,
        finish: impl FnOnce(&Self) -> T,
    ) -> Option<Step<T>> {
        if *finished {
            return None;
        }
        if let Some(failure) = failed.take() {
            *finished = true;
            let with_credentials = self.remote.credentials().is_some();
            return Some(Step::Done(Err(
                failure.advised(self.remote.registry(), with_credentials)
            )));
        }
        if let Some((id, request)) = self.poll_send() {
            return Some(Step::Send(id, request));
        }
        if self.is_idle() {
            *finished = true;
            return Some(Step::Done(Ok(finish(self))));
        }
        None
    }

    /// Whether nothing is queued, parked or in flight.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.in_flight.is_empty() && self.parked.is_empty()
    }

    /// Drops everything not yet sent (after a fatal failure).
    pub fn abandon(&mut self) {
        self.queue.clear();
        self.parked.clear();
    }

    /// HTTP requests handed out so far.
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// The last quota headers a registry response carried.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        self.rate_limit.as_ref()
    }

    /// Takes the outcome of request `id`; returns the final outcomes it settles (none while the
    /// session is still authenticating or retrying; several when a token failure ends the requests
    /// waiting for it).
    pub fn feed(&mut self, id: RequestId, outcome: Result<HttpResponse, TransportError>) -> Vec<Outcome<P>> {
        let Some(job) = self.in_flight.remove(&id) else {
            return Vec::new();
        };
        let response = match outcome {
            Ok(response) => response,
            Err(error) => return self.transport_failure(job, error),
        };
        if let Some((scope, realm)) = job.token.clone() {
            let wait = RegistryError::from_response(&response).retry_after.unwrap_or(0);
            let busy = response.status == 429 || response.status >= 500;
            if busy && job.attempts + 1 < self.remote.attempts() && wait <= MAX_RETRY_AFTER_SECONDS {
                self.retry(job, wait * 1000);
                return Vec::new();
            }
            return self.on_token(&scope, &realm, &response);
        }
        if let Some(limit) = request::rate_limit(&response) {
            self.rate_limit = Some(limit);
        }
        if response.status == 401 && !job.authenticated {
            return self.challenge(job, &response);
        }
        if response.status == 429 || response.status >= 500 {
            let wait = RegistryError::from_response(&response).retry_after.unwrap_or(0);
            if job.attempts + 1 < self.remote.attempts() && wait <= MAX_RETRY_AFTER_SECONDS {
                self.retry(job, wait * 1000);
                return Vec::new();
            }
        }
        let purpose = job.purpose.expect("registry jobs have a purpose");
        vec![Outcome::Response(purpose, job.request, response)]
    }

    fn authorize(&self, job: &mut Job<P>) {
        if job.token.is_some() {
            return;
        }
        job.request
            .headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
        if let Some(token) = self.tokens.get(self.remote.registry(), &self.scope, self.remote.now()) {
            job.request
                .headers
                .push(("Authorization".into(), format!("Bearer {}", token.value)));
        } else if self.use_basic {
            if let Some(c) = self.remote.credentials() {
                job.request.headers.push(("Authorization".into(), c.basic_header()));
            }
        }
    }

    fn retry(&mut self, mut job: Job<P>, delay_ms: u64) {
        job.attempts += 1;
        job.request.delay_ms = delay_ms.max(250 << (job.attempts - 1));
        self.queue.push_back(job);
    }

    fn fail_job(&self, job: Job<P>, failure: Failure) -> Vec<Outcome<P>> {
        job.purpose.map(|p| Outcome::Failed(p, failure)).into_iter().collect()
    }

    fn transport_failure(&mut self, job: Job<P>, error: TransportError) -> Vec<Outcome<P>> {
        if error.is_retryable() && job.attempts + 1 < self.remote.attempts() {
            self.retry(job, 0);
            return Vec::new();
        }
        let failure = Failure::of_transport(&error, &job.request.url, &self.what);
        match job.token.clone() {
            Some((scope, _)) => self.fail_parked(&scope, failure),
            None => self.fail_job(job, failure),
        }
    }

    fn challenge(&mut self, mut job: Job<P>, response: &HttpResponse) -> Vec<Outcome<P>> {
        let challenges = parse_challenges(response.headers_named("www-authenticate"));
        match token::plan(
            &challenges,
            &self.scope,
            self.remote.credentials(),
            self.remote.plain_http(),
        ) {
            Ok(AuthPlan::Basic) => {
                self.use_basic = true;
                job.authenticated = true;
                self.queue.push_front(job);
                Vec::new()
            }
            Ok(AuthPlan::Bearer { realm, service, scope }) => {
                job.authenticated = true;
                if let Some(token) = self.tokens.get(self.remote.registry(), &self.scope, self.remote.now()) {
                    let sent = format!("Bearer {}", token.value);
                    if job.request.header("authorization") == Some(sent.as_str()) {
                        // The registry no longer accepts this token (expired, revoked): fetch anew.
                        self.tokens.remove(self.remote.registry(), &self.scope);
                    } else {
                        // A token arrived while this request was out: use it.
                        self.queue.push_front(job);
                        return Vec::new();
                    }
                }
                self.parked.push(job);
                if self.token_pending.insert(scope.clone()) {
                    let request = token::token_request(&realm, service.as_deref(), &scope, self.remote.credentials());
                    self.queue.push_front(Job {
                        purpose: None,
                        request,
                        attempts: 0,
                        authenticated: true,
                        token: Some((scope, realm)),
                    });
                }
                Vec::new()
            }
            Err(error) => {
                let failure = Failure {
                    kind: ErrorKind::Unauthorized,
                    message: format!("{}: {error}", self.what),
                    retry_after: None,
                };
                self.fail_job(job, failure)
            }
        }
    }

    fn on_token(&mut self, scope: &str, realm: &str, response: &HttpResponse) -> Vec<Outcome<P>> {
        match token::read_token(realm, response, self.remote.now(), self.remote.credentials().is_some()) {
            Ok(token) => {
                self.token_pending.remove(scope);
                // The registry may name a broader scope than ours; requests look tokens up by ours.
                self.tokens.insert(self.remote.registry(), &self.scope, token);
                let parked = std::mem::take(&mut self.parked);
                self.queue.extend(parked);
                Vec::new()
            }
            Err(error) => {
                let kind = match response.status {
                    403 => ErrorKind::Denied,
                    429 => ErrorKind::RateLimited,
                    s if s >= 500 => ErrorKind::BadUpstream,
                    _ => ErrorKind::Unauthorized,
                };
                let failure = Failure {
                    kind,
                    message: format!("{}: {error}", self.what),
                    retry_after: None,
                };
                self.fail_parked(scope, failure)
            }
        }
    }

    fn fail_parked(&mut self, scope: &str, failure: Failure) -> Vec<Outcome<P>> {
        self.token_pending.remove(scope);
        std::mem::take(&mut self.parked)
            .into_iter()
            .filter_map(|job| job.purpose.map(|p| Outcome::Failed(p, failure.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    //! The session alone: token races (several requests meeting one challenge, a token that
    //! arrives while a request is out, a token the registry stops accepting) and retries.
    use super::*;
    use crate::reference::Reference;

    const CHALLENGE: &str =
        r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:app:pull""#;

    fn session() -> Session<&'static str> {
        let reference: Reference = "registry.example/app:1".parse().unwrap();
        Session::new(
            &Remote::of(&reference).at(1000),
            "repository:app:pull",
            "registry.example/app:1",
        )
    }

    fn get(path: &str) -> HttpRequest {
        HttpRequest::get(format!("https://registry.example/v2/app/{path}"), 1024)
    }

    fn challenge() -> HttpResponse {
        HttpResponse::new(401, "").with_header("WWW-Authenticate", CHALLENGE)
    }

    /// Every request the session hands out now.
    fn sent(session: &mut Session<&'static str>) -> Vec<(RequestId, HttpRequest)> {
        std::iter::from_fn(|| session.poll_send()).collect()
    }

    fn is_token(request: &HttpRequest) -> bool {
        request.url.starts_with("https://auth.example/token")
    }

    #[test]
    fn requests_that_meet_one_challenge_wait_for_one_token() {
        let mut s = session();
        for path in ["manifests/1", "blobs/sha256:a", "blobs/sha256:b"] {
            s.enqueue(path, get(path));
        }
        let first = sent(&mut s);
        assert_eq!(first.len(), 3);
        for (id, _) in &first {
            assert!(s.feed(*id, Ok(challenge())).is_empty(), "parked, not failed");
        }
        let token_requests = sent(&mut s);
        assert_eq!(token_requests.len(), 1, "one token request for three challenges");
        assert!(is_token(&token_requests[0].1));
        s.feed(
            token_requests[0].0,
            Ok(HttpResponse::new(200, r#"{"token":"T","expires_in":300}"#)),
        );
        let retried = sent(&mut s);
        assert_eq!(retried.len(), 3);
        for (id, request) in retried {
            assert_eq!(request.header("authorization"), Some("Bearer T"));
            let outcomes = s.feed(id, Ok(HttpResponse::new(200, "{}")));
            assert!(matches!(outcomes.as_slice(), [Outcome::Response(_, _, r)] if r.status == 200));
        }
        assert!(s.is_idle());
        assert_eq!(s.requests(), 7);
    }

    #[test]
    fn concurrency_widens_with_the_fan_out_up_to_its_bound() {
        let reference: Reference = "registry.example/app:1".parse().unwrap();
        let paths: Vec<String> = (0..100).map(|n| format!("manifests/sha256:{n:064}")).collect();
        let width = |remote: Remote| {
            let mut s: Session<&str> = Session::new(&remote, "repository:app:pull", "registry.example/app:1");
            for path in &paths {
                s.enqueue("child", get(path));
            }
            sent(&mut s).len()
        };
        let remote = Remote::of(&reference).with_concurrency(8);
        assert_eq!(width(remote.clone()), 8, "no fan-out asked for: the concurrency");
        assert_eq!(
            width(remote.clone().with_fanout(32)),
            32,
            "100 waiting: the fan-out's bound"
        );
        // Little waiting: no wider than the concurrency.
        let mut s: Session<&str> =
            Session::new(&remote.with_fanout(32), "repository:app:pull", "registry.example/app:1");
        for path in &paths[..5] {
            s.enqueue("child", get(path));
        }
        assert_eq!(sent(&mut s).len(), 5);
    }

    #[test]
    fn a_token_that_arrived_meanwhile_is_used_without_asking_again() {
        let mut s = session();
        s.enqueue("a", get("manifests/1"));
        let (a, _) = s.poll_send().unwrap();
        s.enqueue("b", get("manifests/2"));
        let (b, _) = s.poll_send().unwrap();
        // b meets the challenge first and gets a token; a's 401 comes back after it.
        s.feed(b, Ok(challenge()));
        let (token, _) = s.poll_send().unwrap();
        s.feed(token, Ok(HttpResponse::new(200, r#"{"token":"T"}"#)));
        s.feed(a, Ok(challenge()));
        let again = sent(&mut s);
        assert_eq!(again.len(), 2, "a and b again, no second token request");
        assert!(again.iter().all(|(_, r)| r.header("authorization") == Some("Bearer T")));
    }

    #[test]
    fn a_token_the_registry_no_longer_accepts_is_fetched_anew() {
        let mut s = session();
        s.enqueue("a", get("manifests/1"));
        let (a, _) = s.poll_send().unwrap();
        s.feed(a, Ok(challenge()));
        let (token, _) = s.poll_send().unwrap();
        s.feed(token, Ok(HttpResponse::new(200, r#"{"token":"OLD"}"#)));
        let (a, request) = s.poll_send().unwrap();
        assert_eq!(request.header("authorization"), Some("Bearer OLD"));
        // Revoked: the authenticated retry meets the challenge again and fails, as the
        // registry said; the next request asks for a fresh token.
        let outcomes = s.feed(a, Ok(challenge()));
        assert!(matches!(outcomes.as_slice(), [Outcome::Response(_, _, r)] if r.status == 401));
        s.enqueue("b", get("manifests/2"));
        let (b, request) = s.poll_send().unwrap();
        assert_eq!(request.header("authorization"), Some("Bearer OLD"));
        s.feed(b, Ok(challenge()));
        let (token, request) = s.poll_send().unwrap();
        assert!(is_token(&request), "the old token is dropped and a new one asked for");
        s.feed(token, Ok(HttpResponse::new(200, r#"{"token":"NEW"}"#)));
        let (_, request) = s.poll_send().unwrap();
        assert_eq!(request.header("authorization"), Some("Bearer NEW"));
    }

    #[test]
    fn a_refused_token_fails_every_request_that_waited_for_it() {
        let mut s = session();
        s.enqueue("a", get("manifests/1"));
        s.enqueue("b", get("manifests/2"));
        for (id, _) in sent(&mut s) {
            s.feed(id, Ok(challenge()));
        }
        let (token, _) = s.poll_send().unwrap();
        let outcomes = s.feed(token, Ok(HttpResponse::new(403, "")));
        assert_eq!(outcomes.len(), 2);
        for outcome in outcomes {
            let Outcome::Failed(_, failure) = outcome else {
                panic!("{outcome:?}")
            };
            assert_eq!(failure.kind, ErrorKind::Denied);
            assert!(
                failure.message.starts_with("registry.example/app:1: "),
                "{}",
                failure.message
            );
        }
        assert!(s.is_idle());
    }

    #[test]
    fn busy_answers_are_retried_with_growing_delays_then_reported() {
        let mut s = session();
        s.enqueue("a", get("manifests/1"));
        let mut delays = Vec::new();
        let last = loop {
            let (id, request) = s.poll_send().unwrap();
            delays.push(request.delay_ms);
            let outcomes = s.feed(id, Ok(HttpResponse::new(503, "")));
            if !outcomes.is_empty() {
                break outcomes;
            }
        };
        assert_eq!(delays, [0, 250, 500, 1000]);
        assert!(matches!(last.as_slice(), [Outcome::Response(_, _, r)] if r.status == 503));
        // A Retry-After beyond what the session waits for is reported at once.
        s.enqueue("b", get("manifests/2"));
        let (id, _) = s.poll_send().unwrap();
        let outcomes = s.feed(id, Ok(HttpResponse::new(429, "").with_header("Retry-After", "3600")));
        assert!(matches!(outcomes.as_slice(), [Outcome::Response(_, _, r)] if r.status == 429));
        // A Retry-After within it is honoured.
        s.enqueue("c", get("manifests/3"));
        let (id, _) = s.poll_send().unwrap();
        assert!(s
            .feed(id, Ok(HttpResponse::new(429, "").with_header("Retry-After", "2")))
            .is_empty());
        let (_, request) = s.poll_send().unwrap();
        assert_eq!(request.delay_ms, 2000);
    }
}
