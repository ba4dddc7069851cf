//! Reaching blobs too large to hold — layers — as an I/O-free walk: a `HEAD` of each blob
//! through one session, which answers the registry's authentication challenge once; the
//! requests it finally sent, turned into `GET`s, are what the driver streams itself, chunk by
//! chunk, into a [`crate::layer::LayerReader`] (the walks that hold whole bodies cap them far
//! below a layer). The `HEAD`s also say, before any byte moves, that every blob is there.

use super::http::{HttpRequest, HttpResponse, Method, TransportError};
use super::remote::Remote;
use super::request;
use super::session::{Failure, Outcome, RequestId, Session, Step, Walk};
use crate::digest::Digest;
use crate::reference::Reference;

/// The walk to the authorized `GET`s of some blobs.
#[derive(Debug)]
pub struct BlobAccess {
    session: Session<usize>,
    name: String,
    digests: Vec<Digest>,
    requests: Vec<Option<HttpRequest>>,
    failed: Option<Failure>,
    finished: bool,
}

impl BlobAccess {
    /// Reaches blobs `digests` of `reference`'s repository.
    pub fn new(reference: &Reference, remote: &Remote, digests: &[Digest]) -> BlobAccess {
        let scope = format!("repository:{}:pull", reference.repository());
        let mut session = Session::new(remote, &scope, &reference.name());
        for (i, digest) in digests.iter().enumerate() {
            let head = HttpRequest {
                method: Method::Head,
                ..request::blob(remote.endpoint(), reference.repository(), digest, 0)
            };
            session.enqueue(i, head);
        }
        BlobAccess {
            session,
            name: reference.name(),
            digests: digests.to_vec(),
            requests: vec![None; digests.len()],
            failed: None,
            finished: false,
        }
    }

    fn on_response(&mut self, i: usize, request: HttpRequest, response: &HttpResponse) {
        if response.status == 401 {
            // ECR Public answers every blob HEAD with 401, a valid token or not
            // (aws/containers-roadmap#2671): the HEAD cannot decide, so the GET goes out with the
            // credentials the HEAD carried, and its own answer decides.
            self.requests[i] = Some(get_of(request));
            return;
        }
        if !response.is_success() {
            let what = format!("{}@{} (a layer)", self.name, self.digests[i]);
            self.failed.get_or_insert(Failure::from_response(response, &what));
            self.session.abandon();
            return;
        }
        self.requests[i] = Some(get_of(request));
    }
}

/// The streamed `GET` a blob `HEAD` stands for.
fn get_of(head: HttpRequest) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        max_body: u64::MAX,
        ..head
    }
}

impl Walk for BlobAccess {
    /// Each blob's `GET`, in the order the digests were given, with the headers the registry
    /// accepted.
    type Output = Vec<HttpRequest>;

    fn poll(&mut self) -> Option<Step<Vec<HttpRequest>>> {
        let requests = &self.requests;
        self.session.poll_walk(&mut self.finished, &mut self.failed, |_| {
            // The session is idle only once every HEAD has its outcome, and any failure ends
            // the walk before this: every request is there.
            requests.iter().flatten().cloned().collect()
        })
    }

    fn feed(&mut self, id: RequestId, outcome: Result<HttpResponse, TransportError>) {
        for outcome in self.session.feed(id, outcome) {
            match outcome {
                Outcome::Response(i, request, response) => self.on_response(i, request, &response),
                Outcome::Failed(_, failure) => {
                    self.failed.get_or_insert(failure);
                    self.session.abandon();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::session::ErrorKind;
    use crate::testing;

    const CHALLENGE: &str =
        r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:app:pull""#;

    /// Runs the walk for `digests` against a registry that asks for a token and has `present`
    /// (and, `heads_refused`, answers every blob HEAD 401 as ECR Public does).
    fn access(
        digests: &[Digest],
        present: &[Digest],
        heads_refused: bool,
    ) -> (Result<Vec<HttpRequest>, Failure>, Vec<String>) {
        let reference: Reference = "registry.example/app:1".parse().unwrap();
        let remote = Remote::of(&reference).at(1000);
        let mut seen = Vec::new();
        let result = testing::run(BlobAccess::new(&reference, &remote, digests), 4, |r| {
            seen.push(format!("{} {}", r.method.as_str(), r.url));
            if r.url.starts_with("https://auth.example/token") {
                return Ok(HttpResponse::new(200, r#"{"token":"T","expires_in":300}"#));
            }
            if r.header("authorization") != Some("Bearer T") || heads_refused {
                return Ok(HttpResponse::new(401, "").with_header("WWW-Authenticate", CHALLENGE));
            }
            let found = present.iter().any(|d| r.url.ends_with(&d.to_string()));
            Ok(HttpResponse::new(if found { 200 } else { 404 }, ""))
        });
        (result, seen)
    }

    #[test]
    fn each_layer_is_reached_with_the_token_the_registry_asked_for() {
        let digests = [Digest::sha256(b"layer 0"), Digest::sha256(b"layer 1")];
        let (result, seen) = access(&digests, &digests, false);
        let requests = result.unwrap();
        assert_eq!(requests.len(), 2);
        for (request, digest) in requests.iter().zip(&digests) {
            assert_eq!(request.method, Method::Get);
            assert_eq!(request.url, format!("https://registry.example/v2/app/blobs/{digest}"));
            assert_eq!(request.header("authorization"), Some("Bearer T"));
            assert_eq!(request.max_body, u64::MAX, "streamed, not held");
        }
        assert_eq!(
            seen.iter().filter(|s| s.contains("auth.example")).count(),
            1,
            "{seen:?}"
        );
        assert!(seen.iter().all(|s| !s.starts_with("GET https://registry")), "{seen:?}");
    }

    #[test]
    fn a_missing_layer_is_named() {
        let digests = [Digest::sha256(b"layer 0"), Digest::sha256(b"gone")];
        let (result, _) = access(&digests, &digests[..1], false);
        let failure = result.unwrap_err();
        assert_eq!(failure.kind, ErrorKind::NotFound);
        assert!(failure.message.contains(&digests[1].to_string()), "{}", failure.message);
    }

    #[test]
    fn a_registry_that_refuses_every_blob_head_is_asked_with_the_get() {
        let digests = [Digest::sha256(b"layer 0")];
        let (result, _) = access(&digests, &digests, true);
        let requests = result.unwrap();
        assert_eq!(requests[0].method, Method::Get);
        assert_eq!(requests[0].header("authorization"), Some("Bearer T"));
    }
}
