//! The native driver: turns the core's requests into reqwest calls; the core's `drive::run`
//! keeps every request a walk hands out in flight at once.

use std::time::Duration;

use fathom_core::registry::drive;
use fathom_core::registry::session::{Failure, Walk};
use fathom_core::registry::{HttpRequest, HttpResponse, TransportError};

/// Sends requests over HTTP(S).
#[derive(Clone)]
pub struct Transport {
    client: reqwest::Client,
    timeout: Duration,
}

impl Transport {
    /// A transport whose requests each finish (headers and body) within `timeout`.
    pub fn new(timeout: Duration) -> Result<Transport, String> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("fathom/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                // reqwest drops Authorization when the host changes, but not on https → http
                // on the same host: refuse downgrades (and long chains) outright.
                let downgrade = attempt.previous().last().is_some_and(|from| from.scheme() == "https")
                    && attempt.url().scheme() != "https";
                if downgrade {
                    attempt.error("refused a redirect from https to plain http")
                } else if attempt.previous().len() > 5 {
                    attempt.error("too many redirects")
                } else {
                    attempt.follow()
                }
            }))
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
        Ok(Transport { client, timeout })
    }

    /// Runs `walk` to the end, every request it hands out in flight at once.
    pub async fn run<W: Walk>(&self, walk: W) -> Result<W::Output, Failure> {
        drive::run(walk, |request| self.send(request)).await
    }

    /// Sends one request, reading at most `request.max_body` bytes of body.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        if request.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(request.delay_ms)).await;
        }
        let limit = self.timeout.as_secs();
        tokio::time::timeout(self.timeout, self.exchange(request))
            .await
            .unwrap_or(Err(TransportError::Timeout(limit)))
    }

    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
            .map_err(|e| TransportError::Other(e.to_string()))?;
        let mut builder = self.client.request(method, &request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if !request.body.is_empty() {
            builder = builder.body(request.body.clone());
        }
        let mut response = builder.send().await.map_err(classify)?;
        if response.content_length().is_some_and(|len| len > request.max_body) {
            return Err(TransportError::TooLarge {
                limit: request.max_body,
            });
        }
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() as u64 + chunk.len() as u64 > request.max_body {
                return Err(TransportError::TooLarge {
                    limit: request.max_body,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse { status, headers, body })
    }
}

fn classify(error: reqwest::Error) -> TransportError {
    if error.is_timeout() {
        TransportError::Timeout(0)
    } else if error.is_connect() || error.is_request() || error.is_body() {
        TransportError::Connect(error_chain(&error))
    } else {
        TransportError::Other(error_chain(&error))
    }
}

/// reqwest's message and its causes, which name what really failed (refused, reset, DNS…).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
