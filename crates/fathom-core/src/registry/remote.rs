//! One registry as every walk speaks to it — inspect, match, tags, resolve and push alike: the
//! endpoint with its scheme decided once, the credentials, how many requests may be in flight,
//! and the caller's clock. Faces build one; walks only read it.

use super::request::Endpoint;
use super::session::MAX_ATTEMPTS;
use super::token::Credentials;
use crate::reference::Reference;

/// Requests in flight at once unless a face says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// How wide the CLI and the edge let a walk's fan-out go ([`Remote::with_fanout`]): 128 children
/// at 50 ms RTT in 4 round trips instead of 16, while a registry sees no more than a browser
/// opening a page of images would send.
pub const DEFAULT_FANOUT: usize = 32;

/// A registry to talk to, and how.
#[derive(Debug, Clone)]
pub struct Remote {
    endpoint: Endpoint,
    registry: String,
    credentials: Option<Credentials>,
    concurrency: usize,
    fanout: usize,
    attempts: u32,
    now: u64,
}

impl Remote {
    /// The registry of `reference`: HTTPS, except plain HTTP for loopback registries
    /// (`localhost`, `127.0.0.0/8`, `[::1]`) as docker does; anonymous, [`DEFAULT_CONCURRENCY`]
    /// requests at once, the clock at 0 (tokens then never look expired: set [`Remote::at`]).
    pub fn of(reference: &Reference) -> Remote {
        Remote {
            endpoint: Endpoint::for_reference(reference, false),
            registry: reference.registry().to_owned(),
            credentials: None,
            concurrency: DEFAULT_CONCURRENCY,
            fanout: 0,
            attempts: MAX_ATTEMPTS,
            now: 0,
        }
    }

    /// The registry answered from the image archive `title` (see
    /// [`crate::archive::registry`]): its URLs read `archive://<title>/v2/…`, so what a walk
    /// says of a request names the archive, not a registry it was never sent to.
    pub fn archive(mut self, title: &str) -> Remote {
        self.endpoint = Endpoint {
            scheme: "archive",
            host: title.replace(['/', '?', '#', ' '], "_"),
        };
        self
    }

    /// Plain HTTP even for a registry that is not on this machine, when `insecure` (`--insecure`).
    pub fn insecure(mut self, insecure: bool) -> Remote {
        if insecure {
            self.endpoint.scheme = "http";
        }
        self
    }

    /// Speaks with `credentials` (Basic, or to get Bearer tokens).
    pub fn with_credentials(mut self, credentials: Option<Credentials>) -> Remote {
        self.credentials = credentials;
        self
    }

    /// At most `concurrency` requests in flight (at least one).
    pub fn with_concurrency(mut self, concurrency: usize) -> Remote {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Up to `fanout` requests in flight while a walk has more queued than its concurrency (an
    /// index's children, their configs): a walk then takes as many round trips as its fan-out
    /// needs at this width, not at the concurrency's. Never below the concurrency.
    pub fn with_fanout(mut self, fanout: usize) -> Remote {
        self.fanout = fanout;
        self
    }

    /// The most requests in flight when there is that much to send.
    pub fn fanout(&self) -> usize {
        self.fanout.max(self.concurrency)
    }

    /// At most `attempts` tries of a request that fails in a way a retry may mend (429, 5xx,
    /// a broken connection); 1: no retry, for a caller with an answer of its own to fall back on.
    pub fn with_attempts(mut self, attempts: u32) -> Remote {
        self.attempts = attempts.max(1);
        self
    }

    /// How many tries a request gets.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The caller's clock, in Unix seconds (token expiry).
    pub fn at(mut self, now: u64) -> Remote {
        self.now = now;
        self
    }

    /// Where the API lives.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The registry's name, as credentials and tokens are kept (`docker.io`, `127.0.0.1:5555`).
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The credentials, if any.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// Requests in flight at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Unix seconds now.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Whether the registry is spoken to over plain HTTP (then a plain-HTTP token realm may
    /// receive credentials too).
    pub fn plain_http(&self) -> bool {
        self.endpoint.scheme == "http"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_is_decided_once_from_the_reference() {
        let remote = |r: &str| Remote::of(&r.parse().unwrap());
        assert_eq!(remote("busybox").endpoint().base(), "https://registry-1.docker.io/v2/");
        assert_eq!(remote("busybox").registry(), "docker.io");
        assert!(remote("127.0.0.1:5557/demo/busybox").plain_http());
        assert!(remote("localhost:5000/a").plain_http());
        assert!(!remote("ghcr.io/o/a").plain_http());
        assert!(remote("registry.lan:5000/a").insecure(true).plain_http());
        assert!(!remote("registry.lan:5000/a").insecure(false).plain_http());
        assert_eq!(remote("a").with_concurrency(0).concurrency(), 1);
    }
}
