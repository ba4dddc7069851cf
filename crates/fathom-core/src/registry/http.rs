//! Plain HTTP request and response values: what the core asks for and what a driver brings back.
//! Each face converts these to and from its own client (reqwest, `worker::Fetch`, browser fetch).

/// An HTTP method the registry protocol uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Method {
    /// GET.
    Get,
    /// HEAD.
    Head,
    /// PUT.
    Put,
    /// POST.
    Post,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Put => "PUT",
            Method::Post => "POST",
        }
    }
}

/// The header a driver adds (value `hit`) to a response it answered from its content cache.
pub const FROM_CACHE: &str = "X-Fathom-Cache";

/// A request for a driver to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body (empty for GET and HEAD).
    pub body: Vec<u8>,
    /// Read at most this many body bytes; a longer body is an error the driver reports.
    pub max_body: u64,
    /// Wait this long before sending (a retry's backoff; the core reads no clock).
    pub delay_ms: u64,
    /// The content is named only by content that came from the registry during this walk,
    /// not from a cache: a driver's content cache almost certainly does not hold it either, so
    /// the driver need not ask its cache first (what it fetches it may still keep). A cold
    /// walk of a 128-platform index would otherwise wait for 128 cache misses.
    pub unseen: bool,
}

impl HttpRequest {
    /// A GET of `url` with no headers.
    pub fn get(url: impl Into<String>, max_body: u64) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            max_body,
            delay_ms: 0,
            unseen: false,
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> HttpRequest {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// What came back, or why nothing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Headers, in order (a header sent twice appears twice).
    pub headers: Vec<(String, String)>,
    /// The body as received (empty for HEAD).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> HttpResponse {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// Every value of header `name` (case-insensitive), in order.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Whether a driver answered this from its content cache (it says so with
    /// [`FROM_CACHE`]) rather than from the registry.
    pub fn from_cache(&self) -> bool {
        self.header(FROM_CACHE).is_some_and(|v| v.eq_ignore_ascii_case("hit"))
    }
}

/// A response body read up to a limit — the one rule every driver follows: a body that declares
/// (`Content-Length`) or turns out to be longer than the request's `max_body` is refused, before
/// or as soon as the limit is crossed, so nothing larger is ever held. Drivers push what
/// arrives.
#[derive(Debug)]
pub struct BodyReader {
    limit: u64,
    body: Vec<u8>,
}

impl BodyReader {
    /// Starts reading a body of at most `limit` bytes, whose response carried `headers`.
    pub fn new(limit: u64, headers: &[(String, String)]) -> Result<BodyReader, TransportError> {
        let declared = header(headers, "content-length").and_then(|n| n.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(TransportError::TooLarge { limit });
        }
        Ok(BodyReader {
            limit,
            body: Vec::with_capacity(declared.unwrap_or(0).min(limit) as usize),
        })
    }

    /// Takes the next bytes that arrived.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), TransportError> {
        if self.body.len() as u64 + chunk.len() as u64 > self.limit {
            return Err(TransportError::TooLarge { limit: self.limit });
        }
        self.body.extend_from_slice(chunk);
        Ok(())
    }

    /// The body.
    pub fn finish(self) -> Vec<u8> {
        self.body
    }
}

/// Why a connection gave no (complete) response — as precisely as the driver's runtime tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectCause {
    /// The host name does not resolve (DNS).
    Dns,
    /// Nothing accepted the connection (TCP refused).
    Refused,
    /// The TLS handshake failed: an untrusted certificate, a wrong name, a protocol error.
    Tls,
    /// The connection was reset or closed before the response was complete.
    Reset,
    /// Refused or reset: the runtime does not tell which (workerd's "Network connection lost").
    Lost,
    /// The runtime does not say why (workerd's "internal error" stands for a DNS failure, a TLS
    /// failure and a connect timeout alike).
    Unknown,
}

impl ConnectCause {
    /// What happened with `host`, and what to do about it.
    pub fn describe(self, host: &str) -> String {
        match self {
            ConnectCause::Dns => format!(
                "cannot resolve {host}: the name does not resolve (DNS) — check the registry's name, and this machine's DNS and network"
            ),
            ConnectCause::Refused => format!(
                "{host} refused the connection: nothing listens there — is the registry running, and is the port right?"
            ),
            ConnectCause::Tls => format!(
                "the TLS handshake with {host} failed — a registry with a private CA, or a proxy that intercepts TLS, needs its CA trusted (SSL_CERT_FILE)"
            ),
            ConnectCause::Reset => format!(
                "the connection to {host} was reset before the answer was complete — the registry, a proxy or a firewall dropped it; try again"
            ),
            ConnectCause::Lost => format!(
                "the connection to {host} was refused or dropped — is the registry up and reachable from here? try again"
            ),
            ConnectCause::Unknown => format!(
                "cannot reach {host}: the name may not resolve, TLS may have failed or the connection timed out (the runtime does not say which) — check the name and that the registry is reachable from here"
            ),
        }
    }

    /// Whether trying again may help (a TLS failure will fail the same way).
    pub fn is_retryable(self) -> bool {
        self != ConnectCause::Tls
    }
}

/// Why a driver got no response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No connection, or it broke before the response was complete. The session names the host.
    #[error("connection failed ({cause:?}): {detail}")]
    Connect {
        /// The cause, as precisely as the runtime tells.
        cause: ConnectCause,
        /// The runtime's own words.
        detail: String,
    },
    /// No complete response within the driver's time limit, in seconds when the driver knows it
    /// (the page, told by the edge that time ran out, does not).
    #[error("timed out")]
    Timeout(Option<u64>),
    /// The body was longer than the request's `max_body`.
    #[error("response body larger than {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded.
        limit: u64,
    },
    /// The driver's egress policy would not reach the address (an edge allowlist).
    #[error("refused ({code}): {message}")]
    Refused {
        /// The policy's stable reason (`host-not-allowed`, `redirect-refused`, …).
        code: String,
        /// What was refused and why, with what to change.
        message: String,
    },
    /// Anything else the driver could not do.
    #[error("{0}")]
    Other(String),
}

impl TransportError {
    /// A connection failure.
    pub fn connect(cause: ConnectCause, detail: impl Into<String>) -> TransportError {
        TransportError::Connect {
            cause,
            detail: detail.into(),
        }
    }

    /// Whether trying again may help.
    pub fn is_retryable(&self) -> bool {
        match self {
            TransportError::Connect { cause, .. } => cause.is_retryable(),
            TransportError::Timeout(_) => true,
            _ => false,
        }
    }

    /// What happened with the request to `url`, for a person: the host and what to do.
    pub fn describe(&self, url: &str) -> String {
        let host = authority(url);
        match self {
            TransportError::Connect { cause, detail } if detail.is_empty() => cause.describe(host),
            TransportError::Connect { cause, detail } => format!("{} ({detail})", cause.describe(host)),
            TransportError::Timeout(None) => {
                format!("{host} did not answer in time — the registry or the network is slow or down; try again")
            }
            TransportError::Timeout(Some(seconds)) => format!(
                "{host} did not answer within {seconds} s — the registry or the network is slow or down; try again"
            ),
            TransportError::TooLarge { limit } => {
                format!("{host} sent a body larger than {limit} bytes, more than a registry answer should be")
            }
            TransportError::Refused { message, .. } => message.clone(),
            TransportError::Other(message) => format!("{host}: {message}"),
        }
    }
}

/// `host[:port]` of an absolute URL the core built (no user-info), or the URL itself.
fn authority(url: &str) -> &str {
    url.split_once("://")
        .map_or(url, |(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_refused_as_soon_as_they_pass_the_limit() {
        let declared = |n: &str| vec![("Content-Length".to_owned(), n.to_owned())];
        assert_eq!(
            BodyReader::new(4, &declared("5")).unwrap_err(),
            TransportError::TooLarge { limit: 4 }
        );
        let mut reader = BodyReader::new(4, &declared("4")).unwrap();
        reader.push(b"ab").unwrap();
        reader.push(b"cd").unwrap();
        assert_eq!(reader.push(b"e").unwrap_err(), TransportError::TooLarge { limit: 4 });
        // A body that declares nothing (or less than it sends) is held to the limit as it streams.
        let mut undeclared = BodyReader::new(4, &[]).unwrap();
        undeclared.push(b"abc").unwrap();
        assert!(undeclared.push(b"de").is_err());
        let mut fine = BodyReader::new(4, &declared("1")).unwrap();
        fine.push(b"abcd").unwrap();
        assert_eq!(fine.finish(), b"abcd");
    }
}
