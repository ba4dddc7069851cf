//! Reaching registries from the edge: every request and every redirect hop checked against the
//! allowlist, a time limit on each request, bodies read only up to their limit (or, for a layer,
//! left to stream), and content addressed by digest answered from the edge cache once verified.

use std::cell::RefCell;
use std::time::Duration;

use fathom_core::egress::{Allowlist, Refusal, Target, MAX_REDIRECTS, MAX_STREAMED_BLOB};
use fathom_core::registry::drive;
use fathom_core::registry::session::{Failure, Walk};
use fathom_core::registry::{request, BodyReader, ConnectCause, HttpRequest, HttpResponse, Method, TransportError};
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use worker::web_sys::ReadableStream;
use worker::{AbortController, Delay, Fetch, Headers, Request, RequestInit, RequestRedirect, ResponseBody};

use crate::edge_cache::EdgeCache;

/// Why an upstream request gave no response.
#[derive(Debug)]
pub enum UpstreamError {
    /// The allowlist refused the URL or a redirect.
    Refused(Refusal),
    /// Anything the transport reports.
    Transport(TransportError),
}

impl From<UpstreamError> for TransportError {
    fn from(error: UpstreamError) -> TransportError {
        match error {
            UpstreamError::Refused(refusal) => TransportError::Refused {
                code: refusal.code().to_owned(),
                message: refusal.message().to_owned(),
            },
            UpstreamError::Transport(error) => error,
        }
    }
}

/// How the edge reaches registries.
pub struct Upstream<'a> {
    allowlist: &'a Allowlist,
    timeout: Duration,
    cache: Option<EdgeCache>,
    /// Content fetched by digest, to keep in the edge cache once the answer is out (see
    /// [`Upstream::deferring`]); `None`: kept as it arrives.
    deferred: Option<RefCell<Vec<(String, HttpResponse)>>>,
}

impl<'a> Upstream<'a> {
    /// Reaches what `allowlist` allows, each request within `timeout_seconds`, answering
    /// by-digest content from the edge cache when `cache` is given.
    pub fn new(allowlist: &'a Allowlist, timeout_seconds: u64, cache: Option<EdgeCache>) -> Upstream<'a> {
        Upstream {
            allowlist,
            timeout: Duration::from_secs(timeout_seconds),
            cache,
            deferred: None,
        }
    }

    /// Keeps fetched content in the edge cache only when [`Upstream::keep_deferred`] runs —
    /// after the answer, in `waitUntil` — not between a walk's round trips: a cold walk of a
    /// 128-platform index waited for 130 cache writes.
    pub fn deferring(self) -> Upstream<'a> {
        Upstream {
            deferred: Some(RefCell::default()),
            ..self
        }
    }

    /// Keeps the content deferred so far; a future that owns what it needs (for `waitUntil`).
    pub fn keep_deferred(&self) -> impl std::future::Future<Output = ()> + 'static {
        let kept = self.deferred.as_ref().map(|d| d.take()).unwrap_or_default();
        let cache = self.cache.as_ref().map(|_| EdgeCache::default());
        async move {
            if let Some(cache) = cache {
                for (url, response) in kept {
                    cache.keep_content(&url, &response).await;
                }
            }
        }
    }

    /// Runs `walk` to its end with every request it hands out in flight at once.
    pub async fn run<W: Walk>(&self, walk: W) -> Result<W::Output, Failure> {
        drive::run(walk, |request| self.send(request)).await
    }

    /// Sends one request the core planned: the `send` of a walk's driver loop.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.send_checked(request).await.map_err(TransportError::from)
    }

    async fn send_checked(&self, request: HttpRequest) -> Result<HttpResponse, UpstreamError> {
        if request.delay_ms > 0 {
            Delay::from(Duration::from_millis(request.delay_ms)).await;
        }
        let target = self.allowlist.check(&request.url).map_err(UpstreamError::Refused)?;
        let cacheable = request.method == Method::Get && request::content_digest(&request.url).is_some();
        if cacheable && !request.unseen {
            if let Some(cache) = &self.cache {
                if let Some(hit) = cache.content(&request.url).await {
                    return Ok(hit);
                }
            }
        }
        let response = self
            .fetch(target, request.method, &request.headers, request.max_body)
            .await?;
        if cacheable {
            match (&self.cache, &self.deferred) {
                (Some(_), Some(deferred)) => deferred.borrow_mut().push((request.url, response.clone())),
                (Some(cache), None) => cache.keep_content(&request.url, &response).await,
                (None, _) => {}
            }
        }
        Ok(response)
    }

    /// Fetches an allowed target, following at most [`MAX_REDIRECTS`] redirects, each checked
    /// again; `Authorization` goes only to the host it was given for.
    pub async fn fetch(
        &self,
        target: Target,
        method: Method,
        headers: &[(String, String)],
        max_body: u64,
    ) -> Result<HttpResponse, UpstreamError> {
        self.fetch_or_stream(target, method, headers, max_body, false)
            .await
            .map(|(response, _)| response)
    }

    /// Like [`Upstream::fetch`], except that a successful blob declaring more bytes than it may
    /// read whole (a layer) comes back with its body left to stream — up to
    /// [`MAX_STREAMED_BLOB`], and the time limit then only covers the wait for its headers.
    pub async fn fetch_or_stream(
        &self,
        target: Target,
        method: Method,
        headers: &[(String, String)],
        max_body: u64,
        stream: bool,
    ) -> Result<(HttpResponse, Option<ReadableStream>), UpstreamError> {
        let origin = target.url.origin();
        let mut target = target;
        for _ in 0..=MAX_REDIRECTS {
            let same_origin = target.url.origin() == origin;
            let limit = max_body.min(target.kind.max_body());
            let streams = stream && target.kind.streams();
            let (response, body) = self
                .fetch_once(&target, method, headers, same_origin, limit, streams)
                .await?;
            let location = response.header("location").map(str::to_owned);
            match (response.status, location) {
                (301 | 302 | 303 | 307 | 308, Some(location)) => {
                    target = self
                        .allowlist
                        .check_redirect(&target.url, &location)
                        .map_err(UpstreamError::Refused)?;
                }
                _ => return Ok((response, body)),
            }
        }
        Err(UpstreamError::Transport(TransportError::Other(format!(
            "more than {MAX_REDIRECTS} redirects"
        ))))
    }

    async fn fetch_once(
        &self,
        target: &Target,
        method: Method,
        headers: &[(String, String)],
        same_origin: bool,
        max_body: u64,
        stream: bool,
    ) -> Result<(HttpResponse, Option<ReadableStream>), UpstreamError> {
        let transport = |e: worker::Error| UpstreamError::Transport(TransportError::Other(e.to_string()));
        let out = Headers::new();
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("authorization") && !same_origin {
                continue;
            }
            out.append(name, value).map_err(transport)?;
        }
        out.set("User-Agent", concat!("fathom-edge/", env!("CARGO_PKG_VERSION")))
            .map_err(transport)?;
        let mut init = RequestInit::new();
        init.with_method(match method {
            Method::Get => worker::Method::Get,
            Method::Head => worker::Method::Head,
            Method::Put => worker::Method::Put,
            Method::Post => worker::Method::Post,
        })
        .with_headers(out)
        .with_redirect(RequestRedirect::Manual);
        let request = Request::new_with_init(target.url.as_str(), &init).map_err(transport)?;
        let controller = AbortController::default();
        let signal = controller.signal();
        let outcome = {
            let exchange = Box::pin(async {
                let fetch = Fetch::Request(request);
                let mut response = fetch
                    .send_with_signal(&signal)
                    .await
                    .map_err(|e| connect_failure(&e, ConnectCause::Lost))?;
                read(&mut response, method, max_body, stream).await
            });
            match select(exchange, Box::pin(Delay::from(self.timeout))).await {
                Either::Left((result, _)) => Some(result),
                Either::Right(_) => None,
            }
        };
        outcome.unwrap_or_else(|| {
            controller.abort();
            Err(UpstreamError::Transport(TransportError::Timeout(Some(
                self.timeout.as_secs(),
            ))))
        })
    }
}

/// The response with its body read up to `max_body` bytes (a longer one is an error, whether
/// the `Content-Length` says so up front or the stream runs on) — or, when it may `stream`, a
/// success declaring more than `max_body` (up to [`MAX_STREAMED_BLOB`]) with its body unread.
async fn read(
    response: &mut worker::Response,
    method: Method,
    max_body: u64,
    stream: bool,
) -> Result<(HttpResponse, Option<ReadableStream>), UpstreamError> {
    let headers: Vec<(String, String)> = response.headers().entries().collect();
    let status = response.status_code();
    let mut body = Vec::new();
    let has_body = method != Method::Head && !matches!(status, 204 | 304) && !(300..400).contains(&status);
    let declared = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<u64>().ok());
    if let (true, true, Some(length)) = (has_body && stream, status == 200, declared) {
        if length > max_body {
            if length > MAX_STREAMED_BLOB {
                return Err(UpstreamError::Transport(TransportError::TooLarge {
                    limit: MAX_STREAMED_BLOB,
                }));
            }
            let mut out = HttpResponse::new(status, Vec::new());
            out.headers = headers;
            let body = match response.body() {
                ResponseBody::Stream(body) => Some(body.clone()),
                _ => None,
            };
            return Ok((out, body));
        }
    }
    if has_body {
        let mut reader = BodyReader::new(max_body, &headers).map_err(UpstreamError::Transport)?;
        let mut stream = response
            .stream()
            .map_err(|e| connect_failure(&e, ConnectCause::Reset))?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| connect_failure(&e, ConnectCause::Reset))?;
            reader.push(&chunk).map_err(UpstreamError::Transport)?;
        }
        body = reader.finish();
    }
    let mut out = HttpResponse::new(status, body);
    out.headers = headers;
    Ok((out, None))
}

/// A failed `fetch()` as precisely as workerd tells: "Network connection lost." is a refused or
/// reset connection (`lost`: before the response — workerd does not tell the two apart; once the
/// body streams, a reset), and "internal error; reference = …" stands for a DNS failure, a TLS
/// failure and a connect timeout alike (workerd logs the cause under that reference).
/// workerd src/workerd/jsg/util.c++ maps KJ's DISCONNECTED exceptions to the first and every
/// other one to the second; kj/debug.c++ makes ECONNREFUSED/ECONNRESET DISCONNECTED.
fn connect_failure(error: &worker::Error, lost: ConnectCause) -> UpstreamError {
    let detail = format!("workerd: {error}");
    let cause = if detail.contains("Network connection lost") {
        lost
    } else {
        ConnectCause::Unknown
    };
    UpstreamError::Transport(TransportError::connect(cause, detail))
}
