//! Pushing an index, I/O-free: every child is put in place in the target repository first (its
//! blobs mounted from the source repository, or copied when the registry refuses the mount, then
//! its manifest), the index is written under its tag last, and read back by digest to prove the
//! registry stored exactly the bytes that were sent. A failure anywhere before the last step
//! leaves the tag as it was.

use std::collections::BTreeSet;

use super::draft::IndexDraft;
use crate::descriptor::Descriptor;
use crate::digest::{self, Digest};
use crate::manifest::{Document, Manifest};
use crate::reference::Reference;
use crate::registry::http::{HttpRequest, HttpResponse, Method, TransportError};
use crate::registry::request::{self, Endpoint};
use crate::registry::session::{ErrorKind, Failure, Outcome, RequestId, Session, Step, Walk};
use crate::registry::Remote;

/// The largest blob copied when a mount is refused (it is held in memory on its way through).
pub const MAX_COPIED_BLOB: u64 = 2 << 30;

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushReport {
    /// The tag written (`registry/repository:tag`).
    pub reference: String,
    /// The index's digest, as sent and as read back.
    pub digest: String,
    /// The index's media type.
    pub media_type: String,
    /// The index's size in bytes.
    pub size: u64,
    /// Children that were already in the target repository.
    pub children_present: usize,
    /// Children whose manifest was copied into the target repository.
    pub children_copied: usize,
    /// Blobs the registry mounted from a source repository.
    pub blobs_mounted: usize,
    /// Blobs copied byte for byte (mount refused), and their bytes.
    pub blobs_copied: usize,
    /// Bytes of the copied blobs.
    pub bytes_copied: u64,
    /// Whether reading the index back by digest gave exactly the bytes sent.
    pub verified: bool,
    /// HTTP requests sent.
    pub requests: u32,
}

#[derive(Debug, Clone)]
enum Purpose {
    ChildHead(usize),
    ChildGet(usize),
    BlobHead(usize, usize),
    Mount(usize, usize),
    BlobGet { child: usize, blob: usize, upload: String },
    BlobPut(usize, usize),
    ChildPut(usize),
    IndexPut,
    IndexVerify,
}

#[derive(Debug, Default)]
struct Child {
    repository: String,
    digest: String,
    media_type: String,
    bytes: Vec<u8>,
    blobs: Vec<Descriptor>,
    blobs_pending: usize,
}

/// The push walk; see the module documentation.
#[derive(Debug)]
pub struct Push {
    target: Reference,
    endpoint: Endpoint,
    index: Vec<u8>,
    index_digest: Digest,
    media_type: String,
    session: Session<Purpose>,
    children: Vec<Child>,
    children_pending: usize,
    report: PushReport,
    failed: Option<Failure>,
    finished: bool,
    /// The tag has been written (only the read-back remains).
    index_written: bool,
}

impl Push {
    /// A push of `draft` (already checked: see [`IndexDraft::check`]) to `remote`, the
    /// registry of its target.
    pub fn new(draft: &IndexDraft, remote: &Remote) -> Push {
        let target = draft.target_reference();
        let endpoint = remote.endpoint().clone();
        let index = draft.bytes();
        let index_digest = Digest::sha256(&index);
        let sources: BTreeSet<&str> = draft
            .entries
            .iter()
            .map(|e| e.repository.as_str())
            .filter(|r| *r != target.repository())
            .collect();
        // One token for everything: push to the target, pull from each source (for mounts).
        let mut scope = format!("repository:{}:pull,push", target.repository());
        for source in sources {
            scope.push_str(&format!(" repository:{source}:pull"));
        }
        let session = Session::new(remote, &scope, &target.familiar());
        let children: Vec<Child> = draft
            .entries
            .iter()
            .map(|e| Child {
                repository: e.repository.clone(),
                digest: e.digest.clone(),
                media_type: e.media_type.clone(),
                ..Child::default()
            })
            .collect();
        let report = PushReport {
            reference: target.canonical(),
            digest: index_digest.to_string(),
            media_type: draft.format.media_type().to_owned(),
            size: index.len() as u64,
            children_present: 0,
            children_copied: 0,
            blobs_mounted: 0,
            blobs_copied: 0,
            bytes_copied: 0,
            verified: false,
            requests: 0,
        };
        let mut push = Push {
            target,
            endpoint,
            index,
            index_digest,
            media_type: draft.format.media_type().to_owned(),
            session,
            children_pending: children.len(),
            children,
            report,
            failed: None,
            finished: false,
            index_written: false,
        };
        for i in 0..push.children.len() {
            let head = push.manifest_request(&push.children[i].digest.clone(), Method::Head);
            push.session.enqueue(Purpose::ChildHead(i), head);
        }
        if push.children.is_empty() {
            push.put_index();
        }
        push
    }

    fn repository(&self) -> &str {
        self.target.repository()
    }

    fn manifest_request(&self, reference: &str, method: Method) -> HttpRequest {
        request::manifest(&self.endpoint, self.repository(), reference, method)
    }

    /// Ends the push with `message`, saying what became of the tag.
    fn fail(&mut self, kind: ErrorKind, message: String) {
        if self.failed.is_none() {
            let tag = if self.index_written {
                "the tag was written, but reading it back failed"
            } else {
                "the tag was not changed"
            };
            self.failed = Some(Failure {
                kind,
                message: format!("{message}; {tag}"),
                retry_after: None,
            });
        }
        self.session.abandon();
    }

    /// A read the step did not expect to fail: the registry's own words, and what was being done.
    fn fail_response(&mut self, response: &HttpResponse, doing: &str) {
        let failure = Failure::from_response(response, doing);
        self.fail(failure.kind, failure.message);
    }

    /// A write (mount, upload, manifest) the registry refused.
    fn fail_write(&mut self, response: &HttpResponse, writing: &str) {
        if matches!(response.status, 401 | 403) {
            // The session already answered the challenge: these credentials read, but may not write.
            let message = format!(
                "cannot push to {}: the registry answered {} to an authenticated push ({writing}) — the \
                 credentials may pull but not push (a pull-only user or token?)",
                self.target.name(),
                response.status
            );
            return self.fail(ErrorKind::Denied, message);
        }
        self.fail_response(response, &format!("push ({writing})"));
    }

    fn on_child_head(&mut self, child: usize, response: &HttpResponse) {
        match response.status {
            200 => {
                self.report.children_present += 1;
                self.child_ready();
            }
            404 => {
                let c = &self.children[child];
                let get = request::manifest(&self.endpoint, &c.repository, &c.digest, Method::Get);
                self.session.enqueue(Purpose::ChildGet(child), get);
            }
            _ => self.fail_response(response, &format!("checking {}", self.children[child].digest)),
        }
    }

    fn on_child_get(&mut self, child: usize, response: HttpResponse) {
        let (repository, digest) = (
            self.children[child].repository.clone(),
            self.children[child].digest.clone(),
        );
        if !response.is_success() {
            return self.fail_response(&response, &format!("reading {repository}@{digest}"));
        }
        let expected: Digest = match digest.parse() {
            Ok(d) => d,
            Err(e) => return self.fail(ErrorKind::BadUpstream, format!("{digest}: {e}")),
        };
        if let Err(mismatch) = digest::verify(&expected, None, &response.body) {
            return self.fail(ErrorKind::BadUpstream, format!("{repository}@{digest}: {mismatch}"));
        }
        let doc = match Document::parse(&response.body, Some(&self.children[child].media_type)) {
            Ok(doc) => doc,
            Err(e) => return self.fail(ErrorKind::BadUpstream, format!("{repository}@{digest}: {e}")),
        };
        let blobs: Vec<Descriptor> = match doc.manifest() {
            Some(Manifest::Image(image)) => image
                .config
                .iter()
                .chain(image.layers.iter())
                // Foreign layers (with `urls`) are not in the registry: nothing to mount.
                .filter(|d| d.urls.is_none())
                .cloned()
                .collect(),
            _ => {
                return self.fail(
                    ErrorKind::BadUpstream,
                    format!("{repository}@{digest} is not an image manifest; only images are copied into an index"),
                )
            }
        };
        let c = &mut self.children[child];
        c.bytes = response.body;
        c.blobs_pending = blobs.len();
        c.blobs = blobs;
        for blob in 0..self.children[child].blobs.len() {
            let request = self.blob_request(&self.children[child].blobs[blob].digest, Method::Head);
            self.session.enqueue(Purpose::BlobHead(child, blob), request);
        }
        if self.children[child].blobs.is_empty() {
            self.put_child(child);
        }
    }

    fn blob_request(&self, digest: &str, method: Method) -> HttpRequest {
        HttpRequest {
            method,
            ..HttpRequest::get(
                format!("{}{}/blobs/{digest}", self.endpoint.base(), self.repository()),
                0,
            )
        }
    }

    fn on_blob_head(&mut self, child: usize, blob: usize, response: &HttpResponse) {
        match response.status {
            200 => self.blob_ready(child),
            404 => {
                let c = &self.children[child];
                let url = format!(
                    "{}{}/blobs/uploads/?mount={}&from={}",
                    self.endpoint.base(),
                    self.repository(),
                    c.blobs[blob].digest,
                    c.repository
                );
                let mount = HttpRequest {
                    method: Method::Post,
                    ..HttpRequest::get(url, 64 << 10)
                }
                .with_header("Content-Length", "0");
                self.session.enqueue(Purpose::Mount(child, blob), mount);
            }
            _ => self.fail_response(
                response,
                &format!("checking blob {}", self.children[child].blobs[blob].digest),
            ),
        }
    }

    fn on_mount(&mut self, child: usize, blob: usize, response: &HttpResponse) {
        match response.status {
            201 => {
                self.report.blobs_mounted += 1;
                self.blob_ready(child);
            }
            // The registry opened an upload instead of mounting: copy the bytes through.
            202 => {
                let Some(location) = response.header("location").map(|l| self.absolute(l)) else {
                    return self.fail(
                        ErrorKind::BadUpstream,
                        "the registry opened an upload without a Location".into(),
                    );
                };
                let c = &self.children[child];
                let descriptor = &c.blobs[blob];
                let Ok(digest) = descriptor.digest() else {
                    return self.fail(ErrorKind::BadUpstream, format!("{}: bad digest", descriptor.digest));
                };
                let size = descriptor
                    .size
                    .and_then(|s| u64::try_from(s).ok())
                    .unwrap_or(MAX_COPIED_BLOB);
                let get = request::blob(&self.endpoint, &c.repository, &digest, size.min(MAX_COPIED_BLOB));
                let purpose = Purpose::BlobGet {
                    child,
                    blob,
                    upload: location,
                };
                self.session.enqueue(purpose, get);
            }
            _ => self.fail_write(
                response,
                &format!("mount of {}", self.children[child].blobs[blob].digest),
            ),
        }
    }

    /// An upload `Location`, which may be relative to the registry.
    fn absolute(&self, location: &str) -> String {
        if location.starts_with("http://") || location.starts_with("https://") {
            location.to_owned()
        } else {
            format!("{}://{}{location}", self.endpoint.scheme, self.endpoint.host)
        }
    }

    fn on_blob_get(&mut self, child: usize, blob: usize, upload: String, response: HttpResponse) {
        let descriptor = self.children[child].blobs[blob].clone();
        if !response.is_success() {
            let what = format!("reading blob {}", descriptor.digest);
            return self.fail_response(&response, &what);
        }
        let expected_size = descriptor.size.and_then(|s| u64::try_from(s).ok());
        let check = descriptor
            .digest()
            .map_err(|e| e.to_string())
            .and_then(|d| digest::verify(&d, expected_size, &response.body).map_err(|m| m.to_string()));
        if let Err(problem) = check {
            return self.fail(ErrorKind::BadUpstream, format!("blob {}: {problem}", descriptor.digest));
        }
        let separator = if upload.contains('?') { '&' } else { '?' };
        let put = HttpRequest {
            method: Method::Put,
            body: response.body,
            ..HttpRequest::get(format!("{upload}{separator}digest={}", descriptor.digest), 64 << 10)
        }
        .with_header("Content-Type", "application/octet-stream");
        self.session.enqueue(Purpose::BlobPut(child, blob), put);
    }

    fn on_blob_put(&mut self, child: usize, blob: usize, request: &HttpRequest, response: &HttpResponse) {
        if response.status != 201 {
            let what = format!("upload of {}", self.children[child].blobs[blob].digest);
            return self.fail_write(response, &what);
        }
        self.report.blobs_copied += 1;
        self.report.bytes_copied += request.body.len() as u64;
        self.blob_ready(child);
    }

    fn blob_ready(&mut self, child: usize) {
        let c = &mut self.children[child];
        c.blobs_pending = c.blobs_pending.saturating_sub(1);
        if c.blobs_pending == 0 {
            self.put_child(child);
        }
    }

    fn put_child(&mut self, child: usize) {
        let c = &self.children[child];
        let put = HttpRequest {
            body: c.bytes.clone(),
            ..self.manifest_request(&c.digest, Method::Put)
        };
        let put = without_accept(put).with_header("Content-Type", c.media_type.clone());
        self.session.enqueue(Purpose::ChildPut(child), put);
    }

    fn on_child_put(&mut self, child: usize, response: &HttpResponse) {
        if response.status != 201 {
            let what = format!("manifest {}", self.children[child].digest);
            return self.fail_write(response, &what);
        }
        self.report.children_copied += 1;
        self.child_ready();
    }

    fn child_ready(&mut self) {
        self.children_pending = self.children_pending.saturating_sub(1);
        if self.children_pending == 0 {
            self.put_index();
        }
    }

    /// Every child is in place: the tag is written.
    fn put_index(&mut self) {
        let tag = self.target.tag().unwrap_or("latest").to_owned();
        let put = HttpRequest {
            body: self.index.clone(),
            ..self.manifest_request(&tag, Method::Put)
        };
        let put = without_accept(put).with_header("Content-Type", self.media_type.clone());
        self.session.enqueue(Purpose::IndexPut, put);
    }

    fn on_index_put(&mut self, response: &HttpResponse) {
        if response.status != 201 {
            return self.fail_write(response, "the index");
        }
        if let Some(said) = response.header("docker-content-digest") {
            if said.trim() != self.index_digest.as_str() {
                return self.fail(
                    ErrorKind::BadUpstream,
                    format!(
                        "the registry stored the index as {} but the bytes sent hash to {}",
                        said.trim(),
                        self.index_digest
                    ),
                );
            }
        }
        self.index_written = true;
        let get = self.manifest_request(&self.index_digest.to_string(), Method::Get);
        self.session.enqueue(Purpose::IndexVerify, get);
    }

    fn on_index_verify(&mut self, response: &HttpResponse) {
        if !response.is_success() {
            return self.fail_response(response, "reading the pushed index back");
        }
        if response.body != self.index {
            let actual = Digest::sha256(&response.body);
            return self.fail(
                ErrorKind::BadUpstream,
                format!(
                    "read back by digest, the index is {} bytes hashing to {actual}, not the {} bytes sent ({})",
                    response.body.len(),
                    self.index.len(),
                    self.index_digest
                ),
            );
        }
        self.report.verified = true;
    }
}

/// A request without its `Accept` header (a PUT carries a body, it asks for none).
fn without_accept(request: HttpRequest) -> HttpRequest {
    HttpRequest {
        headers: request
            .headers
            .into_iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("accept"))
            .collect(),
        ..request
    }
}

impl Walk for Push {
    type Output = PushReport;

    fn poll(&mut self) -> Option<Step<PushReport>> {
        let report = &self.report;
        self.session
            .poll_walk(&mut self.finished, &mut self.failed, |session| PushReport {
                requests: session.requests(),
                ..report.clone()
            })
    }

    fn feed(&mut self, id: RequestId, outcome: Result<HttpResponse, TransportError>) {
        for outcome in self.session.feed(id, outcome) {
            if self.failed.is_some() {
                return;
            }
            match outcome {
                Outcome::Response(purpose, request, response) => match purpose {
                    Purpose::ChildHead(c) => self.on_child_head(c, &response),
                    Purpose::ChildGet(c) => self.on_child_get(c, response),
                    Purpose::BlobHead(c, b) => self.on_blob_head(c, b, &response),
                    Purpose::Mount(c, b) => self.on_mount(c, b, &response),
                    Purpose::BlobGet { child, blob, upload } => self.on_blob_get(child, blob, upload, response),
                    Purpose::BlobPut(c, b) => self.on_blob_put(c, b, &request, &response),
                    Purpose::ChildPut(c) => self.on_child_put(c, &response),
                    Purpose::IndexPut => self.on_index_put(&response),
                    Purpose::IndexVerify => self.on_index_verify(&response),
                },
                Outcome::Failed(_, failure) => self.fail(failure.kind, failure.message),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::author::{DraftEntry, IndexFormat};
    use crate::media_type as mt;

    /// A registry in memory, just enough of the distribution API for a push: a source repository
    /// holding one image, a target repository that may hold parts of it.
    #[derive(Default)]
    struct Registry {
        blobs: BTreeMap<String, Vec<u8>>,
        manifest: (String, Vec<u8>),
        target_blobs: BTreeSet<String>,
        target_manifests: BTreeMap<String, Vec<u8>>,
        refuse_mount: bool,
        tamper_blobs: bool,
        sent: Vec<String>,
    }

    impl Registry {
        fn new() -> Registry {
            let config =
                br#"{"architecture":"arm64","variant":"v8","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#
                    .to_vec();
            let layer = b"a layer's bytes".to_vec();
            let (config_digest, layer_digest) = (Digest::sha256(&config), Digest::sha256(&layer));
            let manifest = format!(
                r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{config_digest}","size":{}}},"layers":[{{"mediaType":"{}","digest":"{layer_digest}","size":{}}}]}}"#,
                mt::OCI_MANIFEST,
                mt::OCI_CONFIG,
                config.len(),
                mt::OCI_LAYER_GZIP,
                layer.len()
            )
            .into_bytes();
            Registry {
                blobs: BTreeMap::from([(config_digest.to_string(), config), (layer_digest.to_string(), layer)]),
                manifest: (Digest::sha256(&manifest).to_string(), manifest),
                ..Registry::default()
            }
        }

        fn draft(&self) -> IndexDraft {
            IndexDraft {
                target: "localhost:5000/team/app:8".into(),
                format: IndexFormat::Oci,
                entries: vec![DraftEntry {
                    source: "localhost:5000/demo/app:8-arm64".into(),
                    repository: "demo/app".into(),
                    media_type: mt::OCI_MANIFEST.into(),
                    digest: self.manifest.0.clone(),
                    size: self.manifest.1.len() as u64,
                    platform: "linux/arm64/v8".parse().unwrap(),
                    declared: None,
                }],
                annotations: BTreeMap::new(),
            }
        }

        fn answer(&mut self, r: &HttpRequest) -> HttpResponse {
            let path = r.url.strip_prefix("http://localhost:5000/v2/").unwrap().to_owned();
            self.sent.push(format!("{} {path}", r.method.as_str()));
            let last = path.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned();
            let ok = |body: Vec<u8>| HttpResponse::new(200, body);
            match (r.method, path.as_str()) {
                (Method::Head, p) if p.starts_with("team/app/manifests/") => HttpResponse::new(
                    if self.target_manifests.contains_key(&last) {
                        200
                    } else {
                        404
                    },
                    "",
                ),
                (Method::Get, p) if p.starts_with("demo/app/manifests/") => {
                    ok(self.manifest.1.clone()).with_header("Content-Type", mt::OCI_MANIFEST)
                }
                (Method::Head, p) if p.starts_with("team/app/blobs/sha256") => {
                    HttpResponse::new(if self.target_blobs.contains(&last) { 200 } else { 404 }, "")
                }
                (Method::Post, p) if p.starts_with("team/app/blobs/uploads/?mount=") => {
                    let digest = p.split("mount=").nth(1).unwrap().split('&').next().unwrap().to_owned();
                    if self.refuse_mount {
                        HttpResponse::new(202, "").with_header("Location", "/v2/team/app/blobs/uploads/u1?_state=x")
                    } else {
                        self.target_blobs.insert(digest);
                        HttpResponse::new(201, "")
                    }
                }
                (Method::Get, p) if p.starts_with("demo/app/blobs/") => {
                    let mut body = self.blobs[&last].clone();
                    if self.tamper_blobs {
                        body[0] ^= 1;
                    }
                    ok(body)
                }
                (Method::Put, p) if p.starts_with("team/app/blobs/uploads/u1") => {
                    let digest = p.split("digest=").nth(1).unwrap().to_owned();
                    assert_eq!(
                        Digest::sha256(&r.body).to_string(),
                        digest,
                        "uploads carry their digest"
                    );
                    self.target_blobs.insert(digest);
                    HttpResponse::new(201, "")
                }
                (Method::Put, p) if p.starts_with("team/app/manifests/") => {
                    let digest = Digest::sha256(&r.body).to_string();
                    self.target_manifests.insert(last, r.body.clone());
                    self.target_manifests.insert(digest.clone(), r.body.clone());
                    HttpResponse::new(201, "").with_header("Docker-Content-Digest", digest)
                }
                (Method::Get, p) if p.starts_with("team/app/manifests/") => match self.target_manifests.get(&last) {
                    Some(body) => ok(body.clone()),
                    None => HttpResponse::new(404, ""),
                },
                _ => panic!("unexpected {} {path}", r.method.as_str()),
            }
        }
    }

    fn run(registry: &mut Registry) -> Result<PushReport, Failure> {
        let draft = registry.draft();
        let remote = Remote::of(&draft.target_reference()).with_concurrency(4);
        crate::testing::run(Push::new(&draft, &remote), 4, |request| Ok(registry.answer(request)))
    }

    #[test]
    fn blobs_are_mounted_children_put_and_the_tag_written_last() {
        let mut registry = Registry::new();
        let report = run(&mut registry).unwrap();
        assert_eq!(
            (report.children_copied, report.blobs_mounted, report.blobs_copied),
            (1, 2, 0)
        );
        assert!(report.verified);
        let tag_put = registry
            .sent
            .iter()
            .position(|s| s == "PUT team/app/manifests/8")
            .unwrap();
        let child_put = registry
            .sent
            .iter()
            .position(|s| s.starts_with("PUT team/app/manifests/sha256:"))
            .unwrap();
        assert!(child_put < tag_put, "{:?}", registry.sent);
        assert_eq!(registry.target_manifests["8"], registry.draft().bytes());
    }

    #[test]
    fn a_refused_mount_copies_the_bytes_through() {
        let mut registry = Registry {
            refuse_mount: true,
            ..Registry::new()
        };
        let report = run(&mut registry).unwrap();
        assert_eq!((report.blobs_mounted, report.blobs_copied), (0, 2));
        let bytes: usize = registry.blobs.values().map(Vec::len).sum();
        assert_eq!(report.bytes_copied, bytes as u64);
        assert!(report.verified);
    }

    #[test]
    fn copied_bytes_that_do_not_match_stop_the_push_before_the_tag() {
        let mut registry = Registry {
            refuse_mount: true,
            tamper_blobs: true,
            ..Registry::new()
        };
        let failure = run(&mut registry).unwrap_err();
        assert!(failure.message.contains("digest mismatch"), "{}", failure.message);
        assert!(
            failure.message.ends_with("the tag was not changed"),
            "{}",
            failure.message
        );
        assert!(!registry.target_manifests.contains_key("8"));
        assert!(
            !registry.sent.iter().any(|s| s.starts_with("PUT")),
            "{:?}",
            registry.sent
        );
    }

    #[test]
    fn children_already_in_place_are_not_copied() {
        let mut registry = Registry::new();
        let (digest, bytes) = registry.manifest.clone();
        registry.target_manifests.insert(digest, bytes);
        let report = run(&mut registry).unwrap();
        assert_eq!((report.children_present, report.children_copied), (1, 0));
        assert!(
            !registry.sent.iter().any(|s| s.starts_with("GET demo/app")),
            "{:?}",
            registry.sent
        );
    }
}
