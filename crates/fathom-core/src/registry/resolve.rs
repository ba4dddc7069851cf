//! Resolving a tag to the digest it points to with one `HEAD`, as an I/O-free walk.
//!
//! A `HEAD` of a manifest costs no pull quota on Docker Hub and carries no body; the digest it
//! answers with is on the registry's word until the bytes are fetched and hashed. The edge uses
//! it to find a Report it already holds for that digest. A `HEAD` that fails (but for a rate
//! limit) resolves to nothing: the walk that follows asks again with a `GET`, whose body says why.

use super::http::{HttpResponse, Method, TransportError};
use super::remote::Remote;
use super::request;
use super::session::{Failure, Outcome, RequestId, Session, Step, Walk};
use crate::digest::Digest;
use crate::reference::Reference;

/// What a `HEAD` of a manifest said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// `Docker-Content-Digest`, when the registry sent a well-formed one.
    pub digest: Option<Digest>,
    /// `Content-Type`, as sent.
    pub media_type: Option<String>,
    /// HTTP requests it took (the `HEAD`, and any token requests).
    pub requests: u32,
}

/// The one-`HEAD` walk (plus whatever authentication the registry asks for).
#[derive(Debug)]
pub struct Resolve {
    session: Session<()>,
    what: String,
    result: Option<Resolved>,
    failed: Option<Failure>,
    finished: bool,
}

impl Resolve {
    /// Resolves `reference` (a tag; a digest reference resolves to itself after the `HEAD`).
    pub fn new(reference: &Reference, remote: &Remote) -> Resolve {
        let endpoint = remote.endpoint();
        let scope = format!("repository:{}:pull", reference.repository());
        let what = reference.canonical();
        let mut session = Session::new(remote, &scope, &what);
        session.enqueue(
            (),
            request::manifest(
                endpoint,
                reference.repository(),
                reference.manifest_reference(),
                Method::Head,
            ),
        );
        Resolve {
            session,
            what,
            result: None,
            failed: None,
            finished: false,
        }
    }

    fn on_response(&mut self, response: &HttpResponse) {
        if response.status == 429 {
            self.failed = Some(Failure::from_response(response, &self.what));
            return;
        }
        if !response.is_success() {
            // A HEAD carries no body, so no error code or message of the registry's own: the
            // tag resolves to nothing, and the walk that follows asks with a GET, whose answer
            // says what the registry has to say (404 MANIFEST_UNKNOWN, a 5xx's code…).
            self.result = Some(Resolved {
                digest: None,
                media_type: None,
                requests: 0,
            });
            return;
        }
        self.result = Some(Resolved {
            digest: response
                .header("docker-content-digest")
                .and_then(|d| d.trim().parse::<Digest>().ok()),
            media_type: response.header("content-type").map(str::to_owned),
            requests: 0,
        });
    }
}

impl Walk for Resolve {
    type Output = Resolved;

    fn poll(&mut self) -> Option<Step<Resolved>> {
        let result = &self.result;
        self.session
            .poll_walk(&mut self.finished, &mut self.failed, |session| Resolved {
                requests: session.requests(),
                ..result.clone().unwrap_or(Resolved {
                    digest: None,
                    media_type: None,
                    requests: 0,
                })
            })
    }

    fn feed(&mut self, id: RequestId, outcome: Result<HttpResponse, TransportError>) {
        for outcome in self.session.feed(id, outcome) {
            match outcome {
                Outcome::Response((), _, response) => self.on_response(&response),
                Outcome::Failed((), failure) => self.failed = Some(failure),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::session::ErrorKind;
    use crate::registry::HttpRequest;

    fn run(reference: &str, mut answer: impl FnMut(&HttpRequest) -> HttpResponse) -> Result<Resolved, Failure> {
        let reference: Reference = reference.parse().unwrap();
        let walk = Resolve::new(&reference, &Remote::of(&reference));
        crate::testing::run(walk, 1, |request| Ok(answer(request)))
    }

    #[test]
    fn a_head_answers_with_the_digest() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let mut seen = Vec::new();
        let resolved = run("localhost:5000/app:1", |r| {
            seen.push(format!("{} {}", r.method.as_str(), r.url));
            assert!(r.header("accept").is_some_and(|a| a.contains("image.index")));
            HttpResponse::new(200, Vec::new())
                .with_header("Docker-Content-Digest", digest.clone())
                .with_header("Content-Type", crate::media_type::OCI_INDEX)
        })
        .unwrap();
        assert_eq!(seen, ["HEAD http://localhost:5000/v2/app/manifests/1"]);
        assert_eq!(resolved.digest.unwrap().to_string(), digest);
        assert_eq!(resolved.media_type.as_deref(), Some(crate::media_type::OCI_INDEX));
        assert_eq!(resolved.requests, 1);
    }

    #[test]
    fn a_malformed_or_missing_digest_resolves_to_none() {
        for header in [Some("sha256:nothex"), None] {
            let resolved = run("localhost:5000/app:1", |_| {
                let response = HttpResponse::new(200, Vec::new());
                match header {
                    Some(h) => response.with_header("Docker-Content-Digest", h),
                    None => response,
                }
            })
            .unwrap();
            assert_eq!(resolved.digest, None);
        }
    }

    #[test]
    fn an_error_resolves_to_nothing_so_that_a_get_can_tell_why_but_a_rate_limit_stops() {
        for status in [404, 500, 403] {
            let resolved = run("localhost:5000/app:gone", |_| HttpResponse::new(status, Vec::new())).unwrap();
            assert_eq!(resolved.digest, None, "{status}");
        }
        let failure = run("localhost:5000/app:1", |_| {
            HttpResponse::new(429, Vec::new()).with_header("Retry-After", "3600")
        })
        .unwrap_err();
        assert_eq!(failure.kind, ErrorKind::RateLimited);
        assert_eq!(failure.retry_after, Some(3600));
        assert!(failure.message.contains("localhost:5000/app:1"), "{}", failure.message);
    }
}
