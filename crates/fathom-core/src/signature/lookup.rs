//! Finding an image's cosign signatures, as an I/O-free walk: for each subject digest, the
//! `sha256-<hex>.sig` tag (cosign's default), the `sha256-<hex>.att` tag (its attestations,
//! DSSE envelopes) and its referrers of cosign's signature artifact
//! type or Sigstore bundles (cosign v3) — by the referrers API, or its `sha256-<hex>` fallback
//! tag where the registry has no API;
//! then each signature's payload blob. What was found is checked by [`super::cosign::check`].

use super::bundle;
use super::cosign::{self, Signature, Source, MAX_PAYLOAD_BYTES};
use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::finding::{Code, Finding};
use crate::reference::Reference;
use crate::registry::http::{HttpResponse, Method, TransportError};
use crate::registry::remote::Remote;
use crate::registry::request::{self, Endpoint};
use crate::registry::session::{Failure, Outcome, RequestId, Session, Step, Walk};

/// The most pages of one subject's referrers list read (the API pages with `Link` headers).
pub const MAX_REFERRER_PAGES: usize = 8;

/// The most payload bytes one lookup reads, all told: an attestation may carry a whole SBOM, and
/// a registry must not make a lookup hold gigabytes.
pub const MAX_LOOKUP_BYTES: u64 = 128 << 20;

/// The most signatures read, and signature referrers followed, per lookup: a registry cannot
/// make a lookup fetch without end.
pub const MAX_SIGNATURES: usize = 64;

/// A signature and its payload's bytes, or why they could not be fetched.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The signature.
    pub signature: Signature,
    /// The payload, unchecked (the check is [`cosign::check`]'s).
    pub payload: Result<Vec<u8>, String>,
}

/// What the lookup found.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Every signature, in the order found.
    pub signatures: Vec<Fetched>,
    /// Signature manifests that could not be read or do not match their digest.
    pub findings: Vec<Finding>,
}

/// Whether a referrer of this artifact type is a signature: a cosign signature manifest, a
/// Sigstore bundle (cosign v3), or a notation signature.
fn is_signature(artifact_type: &str) -> bool {
    artifact_type == cosign::SIGNATURE_ARTIFACT_TYPE
        || artifact_type == super::notation::ARTIFACT_TYPE
        || bundle::is_bundle(artifact_type)
}

/// A referrers list (the API's answer, or the fallback tag's index): its entries alone.
#[derive(serde::Deserialize)]
struct Listed {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Debug, Clone)]
enum Purpose {
    /// `sha256-<hex>.sig` of subject `n`.
    SignatureTag(usize),
    /// `sha256-<hex>.att` of subject `n` (cosign's attestations).
    AttestationTag(usize),
    /// The referrers API for subject `n`: its first page, or a later one (`page` > 0).
    Referrers(usize, usize),
    /// The referrers fallback tag of subject `n`.
    ReferrersTag(usize),
    /// A referrer manifest of subject `n`.
    Referrer(usize, Digest),
    /// The payload of signature `n`.
    Payload(usize),
}

/// How a signature manifest was asked for.
enum Asked {
    /// By tag (`sha256-<hex>.sig`, `.att`).
    Tag(String),
    /// By digest (a referrer).
    Digest(Digest),
}

/// The walk.
#[derive(Debug)]
pub struct SignatureLookup {
    session: Session<Purpose>,
    endpoint: Endpoint,
    repository: String,
    name: String,
    subjects: Vec<Digest>,
    found: Found,
    /// Signature manifests read, by subject: one found both ways is read once.
    seen: Vec<(usize, String)>,
    failed: Option<Failure>,
    finished: bool,
    /// Payload bytes asked for so far (see [`MAX_LOOKUP_BYTES`]).
    asked_bytes: u64,
}

impl SignatureLookup {
    /// Looks up the signatures of `subjects` in `reference`'s repository.
    pub fn new(reference: &Reference, remote: &Remote, subjects: &[Digest]) -> SignatureLookup {
        let scope = format!("repository:{}:pull", reference.repository());
        let mut session = Session::new(remote, &scope, &reference.name());
        let endpoint = remote.endpoint().clone();
        let repository = reference.repository().to_owned();
        for (n, subject) in subjects.iter().enumerate() {
            let tag = cosign::signature_tag(subject);
            session.enqueue(
                Purpose::SignatureTag(n),
                request::manifest(&endpoint, &repository, &tag, Method::Get),
            );
            session.enqueue(
                Purpose::AttestationTag(n),
                request::manifest(&endpoint, &repository, &cosign::attestation_tag(subject), Method::Get),
            );
            // Unfiltered: two artifact types are wanted (cosign's signature manifests and
            // Sigstore bundles), and the API filters by one; the list is filtered here.
            let referrers = request::referrers(&endpoint, &repository, subject);
            session.enqueue(Purpose::Referrers(n, 0), referrers);
        }
        SignatureLookup {
            session,
            endpoint,
            repository,
            name: reference.name(),
            subjects: subjects.to_vec(),
            found: Found::default(),
            seen: Vec::new(),
            failed: None,
            finished: false,
            asked_bytes: 0,
        }
    }

    fn fail(&mut self, failure: Failure) {
        self.failed.get_or_insert(failure);
        self.session.abandon();
    }

    /// A signature manifest's bytes, found for subject `n`: checked against the digest it was
    /// asked by (or the registry's `Docker-Content-Digest`), its signatures queued for their
    /// payloads.
    fn on_signature_manifest(&mut self, n: usize, source: Source, asked: Asked, response: &HttpResponse) {
        let requested = match &asked {
            Asked::Digest(digest) => Some(digest),
            Asked::Tag(_) => None,
        };
        let what = match &asked {
            Asked::Digest(digest) => format!("{}@{digest}", self.name),
            Asked::Tag(tag) => format!("{}:{tag}", self.name),
        };
        let checked = request::check_manifest_body(requested, response, |a| Digest::of(a, &response.body));
        let digest = match checked {
            Ok(check) => check.digest,
            Err(mismatch) => {
                self.found.findings.push(Finding::error(
                    mismatch.code(),
                    &what,
                    format!("signature manifest {what}: the bytes served are not what was promised: {mismatch}"),
                ));
                return;
            }
        };
        let key = (n, digest.to_string());
        if self.seen.contains(&key) {
            return;
        }
        self.seen.push(key);
        match cosign::signatures_in(&self.subjects[n], &digest, source, &response.body) {
            Ok(signatures) => {
                for signature in signatures {
                    if self.found.signatures.len() >= MAX_SIGNATURES {
                        self.found.findings.push(Finding::warning(
                            Code::SignatureUnreadable,
                            &what,
                            format!("more than {MAX_SIGNATURES} signatures: the rest are not read"),
                        ));
                        return;
                    }
                    let at = self.found.signatures.len();
                    match signature.payload.digest() {
                        Ok(payload) => {
                            // An attestation's statement may carry a whole SBOM; a payload is read
                            // up to the size its layer declares, within the lookup's budget.
                            let most = if signature.payload.media_type_str() == crate::media_type::DSSE_ENVELOPE {
                                crate::attestation::MAX_LAYER_BYTES
                            } else {
                                MAX_PAYLOAD_BYTES
                            };
                            let declared = signature
                                .payload
                                .size
                                .and_then(|s| u64::try_from(s).ok())
                                .map_or(most, |s| s.min(most));
                            if self.asked_bytes + declared > MAX_LOOKUP_BYTES {
                                self.found.findings.push(Finding::warning(
                                    Code::SignatureUnreadable,
                                    &what,
                                    format!(
                                        "{what}: a payload of {declared} bytes is not read: the lookup reads at most {MAX_LOOKUP_BYTES} bytes of payloads"
                                    ),
                                ));
                                self.found.signatures.push(Fetched {
                                    signature,
                                    payload: Err("not read: the lookup's byte budget is spent".into()),
                                });
                                continue;
                            }
                            self.asked_bytes += declared;
                            self.session.enqueue(
                                Purpose::Payload(at),
                                request::blob(&self.endpoint, &self.repository, &payload, declared),
                            )
                        }
                        Err(e) => self.found.findings.push(Finding::error(
                            Code::DigestInvalid,
                            &what,
                            format!(
                                "signature manifest {what}: a payload digest {:?}: {e}",
                                signature.payload.digest
                            ),
                        )),
                    }
                    self.found.signatures.push(Fetched {
                        signature,
                        payload: Err("not fetched".into()),
                    });
                }
            }
            Err(finding) => self.found.findings.push(finding),
        }
    }

    /// A referrers list of subject `n` (page `page` of the API's answer, or the fallback tag's):
    /// its signature manifests, queued — and its next page, while pages remain within
    /// [`MAX_REFERRER_PAGES`] (signatures may sit past the first page of an image with many
    /// referrers).
    fn on_referrers(&mut self, n: usize, page: Option<usize>, response: &HttpResponse) {
        if let Some(page) = page.filter(|p| p + 1 < MAX_REFERRER_PAGES) {
            if let Some(next) = request::next_page(&self.endpoint, response) {
                let mut get = request::referrers(&self.endpoint, &self.repository, &self.subjects[n]);
                get.url = next;
                self.session.enqueue(Purpose::Referrers(n, page + 1), get);
            }
        }
        let Ok(index) = serde_json::from_slice::<Listed>(&response.body) else {
            let what = format!("the referrers of {}@{}", self.name, self.subjects[n]);
            self.found.findings.push(Finding::warning(
                Code::ReferrersUnreadable,
                &what,
                format!("{what} are not an OCI index"),
            ));
            return;
        };
        let signatures = index
            .manifests
            .into_iter()
            .filter(|entry| is_signature(entry.artifact_type.as_deref().unwrap_or_default()));
        for entry in signatures.take(MAX_SIGNATURES) {
            if let Ok(digest) = entry.digest() {
                let get = request::manifest(&self.endpoint, &self.repository, digest.as_str(), Method::Get);
                self.session.enqueue(Purpose::Referrer(n, digest), get);
            }
        }
    }

    fn on_response(&mut self, purpose: Purpose, response: HttpResponse) {
        let absent = response.status == 404;
        if !response.is_success() && !absent {
            let what = match &purpose {
                Purpose::Payload(at) => format!(
                    "{}@{} (a signature payload)",
                    self.name, self.found.signatures[*at].signature.payload.digest
                ),
                _ => format!("the signatures of {}", self.name),
            };
            if let Purpose::Payload(at) = purpose {
                self.found.signatures[at].payload = Err(Failure::from_response(&response, &what).message);
            } else if matches!(purpose, Purpose::Referrers(_, 0)) && matches!(response.status, 400 | 405) {
                // Registries without the referrers API answer 404, some 400 or 405: the
                // fallback tag is where clients look next (distribution-spec, "Listing Referrers").
                self.fallback(&purpose);
            } else {
                self.fail(Failure::from_response(&response, &what));
            }
            return;
        }
        match purpose {
            Purpose::SignatureTag(n) if !absent => {
                let tag = cosign::signature_tag(&self.subjects[n]);
                self.on_signature_manifest(n, Source::Tag, Asked::Tag(tag), &response)
            }
            Purpose::AttestationTag(n) if !absent => {
                let tag = cosign::attestation_tag(&self.subjects[n]);
                self.on_signature_manifest(n, Source::Tag, Asked::Tag(tag), &response)
            }
            Purpose::Referrers(_, 0) if absent => self.fallback(&purpose),
            Purpose::Referrers(n, page) if !absent => self.on_referrers(n, Some(page), &response),
            Purpose::ReferrersTag(n) if !absent => self.on_referrers(n, None, &response),
            Purpose::Referrer(n, digest) if !absent => {
                self.on_signature_manifest(n, Source::Referrer, Asked::Digest(digest), &response);
            }
            // Listed, but deleted since (referrers fallback indexes go stale): worth knowing,
            // not a forgery.
            Purpose::Referrer(n, digest) => self.found.findings.push(Finding::warning(
                Code::SignatureUnreadable,
                digest.as_str(),
                format!(
                    "{}@{digest}, a signature referrer of {}, is not in the registry",
                    self.name, self.subjects[n]
                ),
            )),
            Purpose::Payload(at) if !absent => self.found.signatures[at].payload = Ok(response.body),
            Purpose::Payload(at) => {
                self.found.signatures[at].payload = Err("its payload blob is not in the registry".into())
            }
            Purpose::SignatureTag(_)
            | Purpose::AttestationTag(_)
            | Purpose::Referrers(..)
            | Purpose::ReferrersTag(_) => {}
        }
    }

    /// The referrers fallback tag of the subject `purpose` names.
    fn fallback(&mut self, purpose: &Purpose) {
        if let Purpose::Referrers(n, 0) = *purpose {
            let tag = request::referrers_fallback_tag(&self.subjects[n]);
            let get = request::manifest(&self.endpoint, &self.repository, &tag, Method::Get);
            self.session.enqueue(Purpose::ReferrersTag(n), get);
        }
    }
}

impl Walk for SignatureLookup {
    type Output = Found;

    fn poll(&mut self) -> Option<Step<Found>> {
        let found = &self.found;
        self.session
            .poll_walk(&mut self.finished, &mut self.failed, |_| found.clone())
    }

    fn feed(&mut self, id: RequestId, outcome: Result<HttpResponse, TransportError>) {
        for outcome in self.session.feed(id, outcome) {
            match outcome {
                Outcome::Response(purpose, _, response) => self.on_response(purpose, response),
                Outcome::Failed(Purpose::Payload(at), failure) => {
                    self.found.signatures[at].payload = Err(failure.message)
                }
                Outcome::Failed(_, failure) => self.fail(failure),
            }
        }
    }
}
