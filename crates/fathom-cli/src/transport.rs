//! The native driver: turns the core's requests into reqwest calls; the core's `drive::run`
//! keeps every request a walk hands out in flight at once.

use std::time::Duration;

use fathom_core::registry::drive;
use fathom_core::registry::session::{Failure, Walk};
use fathom_core::registry::{BodyReader, ConnectCause, HttpRequest, HttpResponse, Method, TransportError};

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
            .connect_timeout(connect_timeout(timeout))
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
            .unwrap_or(Err(TransportError::Timeout(Some(limit))))
    }

    /// Streams the body of `request` — a `GET` of a blob too large to hold, a layer — into
    /// `feed`, chunk by chunk. The response must start within the time limit, and each chunk
    /// arrive within it: a layer may take longer than that in all. A status other than 200 is
    /// an error.
    pub async fn stream(&self, request: HttpRequest, mut feed: impl FnMut(&[u8])) -> Result<(), TransportError> {
        let limit = TransportError::Timeout(Some(self.timeout.as_secs()));
        let mut response = tokio::time::timeout(self.timeout, self.begin(&request))
            .await
            .map_err(|_| limit.clone())??;
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            return Err(TransportError::Other(format!(
                "the registry answered {status} for {}",
                request.url
            )));
        }
        let failed = |e| classify(e, connect_timeout(self.timeout));
        loop {
            let chunk = tokio::time::timeout(self.timeout, response.chunk())
                .await
                .map_err(|_| limit.clone())?
                .map_err(failed)?;
            match chunk {
                Some(chunk) => feed(&chunk),
                None => return Ok(()),
            }
        }
    }

    /// Sends `request` and waits for the response's headers.
    async fn begin(&self, request: &HttpRequest) -> Result<reqwest::Response, TransportError> {
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
            .map_err(|e| TransportError::Other(e.to_string()))?;
        let mut builder = self.client.request(method, &request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if !request.body.is_empty() {
            builder = builder.body(request.body.clone());
        }
        builder
            .send()
            .await
            .map_err(|e| classify(e, connect_timeout(self.timeout)))
    }

    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let failed = |e| classify(e, connect_timeout(self.timeout));
        let mut response = self.begin(&request).await?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        // A HEAD's Content-Length describes the body a GET would bring, not this one.
        let declared: &[(String, String)] = if request.method == Method::Head { &[] } else { &headers };
        let mut body = BodyReader::new(request.max_body, declared)?;
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            body.push(&chunk)?;
        }
        Ok(HttpResponse {
            status,
            headers,
            body: body.finish(),
        })
    }
}

/// A reqwest failure as the core's transport error: the cause as precisely as the chain of
/// sources tells (reqwest → hyper-util → the connector's own error), and the whole chain in
/// reqwest's words beside it.
fn classify(error: reqwest::Error, connect_limit: Duration) -> TransportError {
    if error.is_timeout() {
        // The only time limit reqwest keeps is the connect timeout; the whole exchange's is ours.
        return TransportError::Timeout(Some(connect_limit.as_secs()));
    }
    let detail = error_chain(&error);
    match connect_cause(&error) {
        Some(cause) => TransportError::connect(cause, detail),
        None if error.is_connect() => TransportError::connect(ConnectCause::Unknown, detail),
        None if error.is_request() || error.is_body() || error.is_decode() => {
            TransportError::connect(ConnectCause::Reset, detail)
        }
        None => TransportError::Other(detail),
    }
}

/// How long a connection may take to open: the request's limit, at most 10 s.
fn connect_timeout(timeout: Duration) -> Duration {
    timeout.min(Duration::from_secs(10))
}

/// Walks the sources of a reqwest error for what really failed.
fn connect_cause(error: &(dyn std::error::Error + 'static)) -> Option<ConnectCause> {
    let mut next = Some(error);
    while let Some(e) = next {
        // hyper-util's resolver error is a private type whose Display is exactly this
        // (hyper-util src/client/legacy/connect/http.rs, `ConnectError::dns`).
        if e.to_string() == "dns error" {
            return Some(ConnectCause::Dns);
        }
        if let Some(hyper) = e.downcast_ref::<hyper::Error>() {
            if hyper.is_incomplete_message() {
                return Some(ConnectCause::Reset);
            }
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(cause) = io_cause(io) {
                return Some(cause);
            }
        }
        next = e.source();
    }
    None
}

/// An I/O error's cause. `io::Error::source()` skips the error it wraps, so the wrapped errors
/// are reached through `get_ref()` (that is where rustls puts its own).
fn io_cause(io: &std::io::Error) -> Option<ConnectCause> {
    use std::io::ErrorKind;
    let mut inner: Option<&(dyn std::error::Error + Send + Sync + 'static)> = io.get_ref();
    while let Some(e) = inner {
        if e.downcast_ref::<rustls::Error>().is_some() {
            return Some(ConnectCause::Tls);
        }
        inner = e.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref);
    }
    match io.kind() {
        ErrorKind::ConnectionRefused => Some(ConnectCause::Refused),
        ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::BrokenPipe
        | ErrorKind::UnexpectedEof => Some(ConnectCause::Reset),
        _ => None,
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

#[cfg(test)]
mod tests {
    //! Each cause from a real socket on 127.0.0.1 (or a name that does not resolve), classified
    //! from reqwest's own error.
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::thread;

    use super::*;

    fn send(url: &str) -> TransportError {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let transport = Transport::new(Duration::from_secs(5)).unwrap();
        runtime
            .block_on(transport.send(HttpRequest::get(url, 1024)))
            .expect_err("the request must fail")
    }

    fn cause(error: &TransportError) -> ConnectCause {
        match error {
            TransportError::Connect { cause, .. } => *cause,
            other => panic!("not a connection failure: {other:?}"),
        }
    }

    /// A listener on 127.0.0.1 whose one connection is answered by `answer`; its port.
    fn serve_once(answer: impl FnOnce(std::net::TcpStream) + Send + 'static) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        thread::spawn(move || {
            if let Ok((stream, _)) = listener.accept() {
                answer(stream);
            }
        });
        port
    }

    #[test]
    fn a_name_that_does_not_resolve_is_dns() {
        let error = send("https://registry.fathom-test.invalid/v2/");
        assert_eq!(cause(&error), ConnectCause::Dns, "{error:?}");
        assert!(error
            .describe("https://registry.fathom-test.invalid/v2/")
            .starts_with("cannot resolve registry.fathom-test.invalid"));
    }

    #[test]
    fn a_closed_port_is_refused() {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let error = send(&format!("http://127.0.0.1:{port}/v2/"));
        assert_eq!(cause(&error), ConnectCause::Refused, "{error:?}");
    }

    #[test]
    fn a_server_that_does_not_speak_tls_is_a_tls_failure() {
        let port = serve_once(|mut stream| {
            let mut hello = [0u8; 512];
            let _ = stream.read(&mut hello);
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        });
        let error = send(&format!("https://127.0.0.1:{port}/v2/"));
        assert_eq!(cause(&error), ConnectCause::Tls, "{error:?}");
        assert!(!error.is_retryable());
    }

    #[test]
    fn a_connection_closed_before_the_answer_is_a_reset() {
        let port = serve_once(|mut stream| {
            let mut request = [0u8; 512];
            let _ = stream.read(&mut request);
            drop(stream);
        });
        let error = send(&format!("http://127.0.0.1:{port}/v2/"));
        assert_eq!(cause(&error), ConnectCause::Reset, "{error:?}");
    }
}
