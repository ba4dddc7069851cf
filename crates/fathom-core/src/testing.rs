//! What the core's tests share: a synchronous runner for any walk, a poller for futures that
//! wait on nothing outside themselves, and an in-memory registry serving a real OCI layout from
//! the corpus — a stand-in for the network only (the real registry tests live with the CLI and
//! the end-to-end suite).

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;

use crate::registry::session::{Failure, RequestId, Step, Walk};
use crate::registry::{HttpRequest, HttpResponse, TransportError};

/// Runs `walk` to its end, answering every request with `answer` — the most recent first, to
/// show that the order does not matter — and checks that no more than `limit` requests are ever
/// outstanding.
pub fn run<W: Walk>(
    mut walk: W,
    limit: usize,
    mut answer: impl FnMut(&HttpRequest) -> Result<HttpResponse, TransportError>,
) -> Result<W::Output, Failure> {
    let mut outstanding: Vec<(RequestId, HttpRequest)> = Vec::new();
    loop {
        while let Some(step) = walk.poll() {
            match step {
                Step::Send(id, request) => outstanding.push((id, request)),
                Step::Done(result) => return result,
            }
        }
        assert!(outstanding.len() <= limit, "{} requests in flight", outstanding.len());
        let (id, request) = outstanding.pop().expect("the walk waits for nothing");
        walk.feed(id, answer(&request));
    }
}

/// Polls a future that never waits on anything outside itself to its end.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

/// Serves `/v2/<repo>/manifests/<tag|digest>` and `/v2/<repo>/blobs/<digest>` from a layout.
pub struct MemoryRegistry {
    /// Blobs (manifests, configs, layers) by digest.
    pub blobs: BTreeMap<String, Vec<u8>>,
    /// Tag → digest.
    pub tags: BTreeMap<String, String>,
    /// Requests answered, by URL path.
    pub log: Vec<String>,
}

impl MemoryRegistry {
    /// The layout `tests/data/corpus/layouts/<name>`, its `ref.name` annotations as tags.
    pub fn from_layout(name: &str) -> MemoryRegistry {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/corpus/layouts")
            .join(name);
        let mut blobs = BTreeMap::new();
        for entry in std::fs::read_dir(root.join("blobs/sha256")).unwrap() {
            let entry = entry.unwrap();
            blobs.insert(
                format!("sha256:{}", entry.file_name().to_string_lossy()),
                std::fs::read(entry.path()).unwrap(),
            );
        }
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(root.join("index.json")).unwrap()).unwrap();
        let mut tags = BTreeMap::new();
        for m in index["manifests"].as_array().unwrap() {
            if let Some(name) = m["annotations"]["org.opencontainers.image.ref.name"].as_str() {
                tags.insert(name.to_owned(), m["digest"].as_str().unwrap().to_owned());
            }
        }
        MemoryRegistry {
            blobs,
            tags,
            log: Vec::new(),
        }
    }

    /// The answer to `request`, as distribution would give it.
    pub fn answer(&mut self, request: &HttpRequest) -> HttpResponse {
        let path = request
            .url
            .split_once("/v2/")
            .map(|(_, p)| p)
            .unwrap_or_default()
            .to_owned();
        self.log.push(format!("{} {path}", request.method.as_str()));
        if let Some((_, reference)) = path.split_once("/manifests/") {
            let digest = self
                .tags
                .get(reference)
                .cloned()
                .unwrap_or_else(|| reference.to_owned());
            return match self.blobs.get(&digest) {
                Some(bytes) => {
                    let media_type = serde_json::from_slice::<serde_json::Value>(bytes)
                        .ok()
                        .and_then(|v| v["mediaType"].as_str().map(str::to_owned));
                    let mut r = HttpResponse::new(200, bytes.clone()).with_header("Docker-Content-Digest", &digest);
                    if let Some(t) = media_type {
                        r = r.with_header("Content-Type", t);
                    }
                    r
                }
                None => HttpResponse::new(
                    404,
                    r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
                ),
            };
        }
        if let Some((_, digest)) = path.split_once("/blobs/") {
            if let Some(bytes) = self.blobs.get(digest) {
                return HttpResponse::new(200, bytes.clone());
            }
        }
        HttpResponse::new(404, "404 page not found\n")
    }
}
