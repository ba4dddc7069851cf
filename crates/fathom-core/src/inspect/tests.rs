//! The walk driven against an in-memory registry serving a real OCI layout from the corpus
//! (a stand-in for the network only; the real registry tests live with the CLI).

use std::collections::BTreeMap;

use super::*;
use crate::registry::Credentials;
use crate::report::ResolvedBy;
use crate::testing::{self, MemoryRegistry};

/// Drives an inspect walk to the end (see [`testing::run`]); every Report must be
/// schema-valid.
fn drive(
    walk: Inspect,
    concurrency: usize,
    answer: impl FnMut(&HttpRequest) -> Result<HttpResponse, TransportError>,
) -> Result<Box<Report>, InspectError> {
    let result = testing::run(walk, concurrency, answer);
    if let Ok(report) = &result {
        assert_schema_valid(report);
    }
    result
}

/// Every Report a test produces must validate against the published JSON Schema.
fn assert_schema_valid(report: &Report) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../../schema/report.schema.json")).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let instance = serde_json::to_value(report).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "Report does not match schema/report.schema.json:\n{}",
        errors.join("\n")
    );
}

/// Walks `reference` against the multi-platform layout served from memory.
fn against_layout(reference: &str, options: Options) -> Result<Box<Report>, InspectError> {
    let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
    drive(walk(reference, options), 8, |r| Ok(registry.answer(r)))
}

fn walk(reference: &str, options: Options) -> Inspect {
    walk_on(reference, options, |remote| remote)
}

/// A walk on the reference's registry as `remote` adjusts it (credentials, clock).
fn walk_on(reference: &str, options: Options, remote: impl FnOnce(Remote) -> Remote) -> Inspect {
    let parsed: Reference = reference.parse().unwrap();
    let remote = remote(Remote::of(&parsed));
    Inspect::new(reference, parsed, &remote, options)
}

#[test]
fn walks_an_index_children_configs_and_referrers() {
    let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
    let report = drive(walk("localhost:5000/multi:latest", Options::default()), 8, |r| {
        Ok(registry.answer(r))
    })
    .unwrap();
    assert_eq!(report.resolved_by, ResolvedBy::Tag);
    assert_eq!(report.media_type.as_deref(), Some(mt::OCI_INDEX));
    let images: Vec<&PlatformEntry> = report.platforms.iter().filter(|p| p.kind == EntryKind::Image).collect();
    assert!(images.len() >= 2, "{:#?}", report.platforms);
    for image in &images {
        assert_eq!(image.verified, Some(true));
        assert_eq!(image.parent, None);
        let info = image.image.as_ref().unwrap();
        assert_eq!(info.config_verified, Some(true));
        assert!(info.total_size > 0);
        assert!(image.platform.is_some());
    }
    assert!(report.referrers.is_empty());
    // referrers API 404 → the tag fallback was tried.
    assert!(registry.log.iter().any(|l| l.contains("/referrers/")));
    assert!(registry.log.iter().any(|l| l.contains("/manifests/sha256-")));
    assert_eq!(report.requests as usize, registry.log.len());
    assert!(
        !report.findings.iter().any(|f| f.severity == Severity::Error),
        "{:#?}",
        report.findings
    );
}

#[test]
fn a_tampered_child_is_a_digest_mismatch_and_not_shown() {
    let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
    let report = drive(walk("localhost:5000/multi:latest", Options::default()), 8, |r| {
        let mut response = registry.answer(r);
        if r.url.contains("/manifests/sha256:") && response.body.windows(6).any(|w| w == b"layers") {
            response.body.extend_from_slice(b" ");
        }
        Ok(response)
    })
    .unwrap();
    let tampered: Vec<&PlatformEntry> = report.platforms.iter().filter(|p| p.verified == Some(false)).collect();
    assert!(!tampered.is_empty());
    assert!(
        tampered.iter().all(|p| p.image.is_none()),
        "unverified bytes are not shown"
    );
    let finding = report
        .findings
        .iter()
        .find(|f| f.code == "digest-mismatch")
        .expect("digest-mismatch");
    assert_eq!(finding.severity, Severity::Error);
    assert_eq!(report.findings[0].severity, Severity::Error, "errors first");
}

#[test]
fn a_platform_selects_one_child_and_explains() {
    let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
    let options = Options {
        platform: Some("linux/s390x".parse().unwrap()),
        all_platforms: false,
        ..Options::default()
    };
    let report = drive(walk("localhost:5000/multi:latest", options), 8, |r| {
        Ok(registry.answer(r))
    })
    .unwrap();
    let m = report.platform_match.as_ref().unwrap();
    assert_eq!(m.chosen, None);
    assert!(m.explanation.summary.contains("no matching manifest for linux/s390x"));
    assert!(!m.explanation.remedies.is_empty());
    assert!(
        report
            .platforms
            .iter()
            .filter(|p| p.kind == EntryKind::Image)
            .all(|p| p.verified.is_none()),
        "nothing fetched"
    );
}

#[test]
fn bearer_challenge_fetches_a_token_once_and_retries() {
    let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
    let mut tokens = 0;
    let report = drive(
        walk_on("registry.example/multi:latest", Options::default(), |r| r.at(1000)),
        8,
        |r| {
            if r.url.starts_with("https://auth.example/token") {
                tokens += 1;
                assert!(r.url.contains("scope=repository%3Amulti%3Apull"), "{}", r.url);
                return Ok(HttpResponse::new(200, r#"{"token":"T","expires_in":300}"#));
            }
            if r.header("authorization") != Some("Bearer T") {
                return Ok(HttpResponse::new(401, "").with_header(
                "WWW-Authenticate",
                r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:multi:pull""#,
            ));
            }
            Ok(registry.answer(r))
        },
    )
    .unwrap();
    assert_eq!(tokens, 1);
    assert!(report.platforms.iter().any(|p| p.verified == Some(true)));
}

#[test]
fn wrong_password_and_missing_realm_are_clear_errors() {
    let credentials = Some(Credentials {
        username: "u".into(),
        password: "wrong".into(),
    });
    let err = drive(
        walk_on("registry.example/a:1", Options::default(), |r| {
            r.with_credentials(credentials)
        }),
        8,
        |r| {
            if r.url.starts_with("https://auth.example") {
                return Ok(HttpResponse::new(401, "bad credentials"));
            }
            Ok(HttpResponse::new(401, "")
                .with_header("WWW-Authenticate", r#"Bearer realm="https://auth.example/token""#))
        },
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unauthorized);
    assert!(err.message.contains("wrong user name or password"), "{err}");

    let err = drive(walk("registry.example/a:1", Options::default()), 8, |_| {
        Ok(HttpResponse::new(401, "").with_header("WWW-Authenticate", r#"Bearer service="x""#))
    })
    .unwrap_err();
    assert!(err.message.contains("no realm"), "{err}");
}

#[test]
fn rate_limits_and_failures_retry_within_a_budget() {
    let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
    let mut first = true;
    let mut delays = Vec::new();
    let report = drive(walk("localhost:5000/multi:latest", Options::default()), 8, |r| {
        delays.push(r.delay_ms);
        if first {
            first = false;
            return Ok(HttpResponse::new(429, "")
                .with_header("Retry-After", "2")
                .with_header("ratelimit-remaining", "0;w=60"));
        }
        Ok(registry.answer(r))
    })
    .unwrap();
    assert_eq!(delays[1], 2000, "Retry-After honoured");
    assert!(report.rate_limit.is_some());

    let mut attempts = 0;
    let err = drive(walk("localhost:5000/multi:latest", Options::default()), 8, |_| {
        attempts += 1;
        Err(TransportError::Timeout(Some(10)))
    })
    .unwrap_err();
    assert_eq!(attempts, MAX_ATTEMPTS);
    assert_eq!(err.kind, ErrorKind::Timeout);

    let err = drive(walk("localhost:5000/multi:latest", Options::default()), 8, |_| {
        Ok(HttpResponse::new(429, "").with_header("Retry-After", "3600"))
    })
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert_eq!(err.retry_after, Some(3600));
}

#[test]
fn unreachable_hosts_are_named_with_their_cause() {
    use crate::registry::ConnectCause;
    for (cause, retried, says) in [
        (ConnectCause::Dns, true, "cannot resolve localhost:5000"),
        (ConnectCause::Refused, true, "localhost:5000 refused the connection"),
        (ConnectCause::Tls, false, "TLS handshake with localhost:5000 failed"),
        (ConnectCause::Reset, true, "connection to localhost:5000 was reset"),
        (
            ConnectCause::Lost,
            true,
            "connection to localhost:5000 was refused or dropped",
        ),
        (ConnectCause::Unknown, true, "cannot reach localhost:5000"),
    ] {
        let mut attempts = 0;
        let err = drive(walk("localhost:5000/multi:latest", Options::default()), 8, |_| {
            attempts += 1;
            Err(TransportError::connect(cause, "the runtime's words"))
        })
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unreachable(cause));
        assert_eq!(attempts, if retried { MAX_ATTEMPTS } else { 1 }, "{cause:?}");
        assert!(
            err.message.starts_with("localhost:5000/multi:latest: "),
            "{}",
            err.message
        );
        assert!(err.message.contains(says), "{cause:?}: {}", err.message);
        assert!(err.message.contains("(the runtime's words)"), "{}", err.message);
    }
}

#[test]
fn unknown_tags_and_digests_name_the_reference() {
    let err = against_layout("localhost:5000/multi:nope", Options::default()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert_eq!(
        err.message,
        "localhost:5000/multi:nope: not found (registry said: manifest unknown). \
         localhost:5000: check the repository name and tag; list its tags to see what it has"
    );
}

#[test]
fn by_digest_is_proven_and_a_lying_registry_is_caught() {
    let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
    let digest = registry.tags["latest"].clone();
    let report = drive(
        walk(&format!("localhost:5000/multi@{digest}"), Options::default()),
        8,
        |r| Ok(registry.answer(r)),
    )
    .unwrap();
    assert_eq!(report.resolved_by, ResolvedBy::Digest);
    assert_eq!(report.digest.as_deref(), Some(digest.as_str()));

    let report = drive(
        walk(&format!("localhost:5000/multi@{digest}"), Options::default()),
        8,
        |r| {
            let mut response = registry.answer(r);
            if r.url.ends_with(&digest) {
                response.body.push(b'\n');
            }
            Ok(response)
        },
    )
    .unwrap();
    assert!(report
        .findings
        .iter()
        .any(|f| f.code == "digest-mismatch" && f.severity == Severity::Error));
}

#[test]
fn the_schema_rejects_what_a_report_must_not_be() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../../schema/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let report = against_layout("localhost:5000/multi:latest", Options::default()).unwrap();
    let good = serde_json::to_value(&report).unwrap();
    assert!(validator.is_valid(&good));
    for (pointer, bad) in [
        ("/schemaVersion", serde_json::json!(crate::report::SCHEMA_VERSION + 1)),
        ("/platforms/0/verified", serde_json::json!("yes")),
        (
            "/findings",
            serde_json::json!([{"severity": "fatal", "code": "x", "message": "", "path": ""}]),
        ),
        ("/resolvedBy", serde_json::json!("guess")),
    ] {
        let mut instance = good.clone();
        *instance.pointer_mut(pointer).unwrap() = bad;
        assert!(!validator.is_valid(&instance), "{pointer} should be rejected");
    }
}

#[test]
fn nested_indexes_are_followed_to_a_bounded_depth() {
    // index0 → index1 → … → index6, each the only entry of the one before.
    let mut blobs: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut child: Option<(String, usize)> = None;
    let mut top = String::new();
    for level in (0..=6).rev() {
        let manifests = match &child {
            Some((digest, size)) => format!(
                r#"[{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{digest}","size":{size}}}]"#
            ),
            None => "[]".to_owned(),
        };
        let body = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":{manifests},"annotations":{{"level":"{level}"}}}}"#
        );
        let digest = Digest::sha256(body.as_bytes()).to_string();
        child = Some((digest.clone(), body.len()));
        blobs.insert(digest.clone(), body.into_bytes());
        top = digest;
    }
    let mut registry = MemoryRegistry {
        blobs,
        tags: BTreeMap::from([("deep".to_owned(), top)]),
        log: Vec::new(),
    };
    let report = drive(walk("localhost:5000/deep:deep", Options::default()), 8, |r| {
        Ok(registry.answer(r))
    })
    .unwrap();
    let indexes = report.platforms.iter().filter(|p| p.kind == EntryKind::Index).count();
    assert_eq!(indexes, MAX_INDEX_DEPTH, "rows for the followed levels");
    assert!(
        report.findings.iter().any(|f| f.code == "index-too-deep"),
        "{:#?}",
        report.findings
    );
    assert!(report.platforms.iter().all(|p| p.verified != Some(false)));
}

#[test]
fn a_tag_resolved_by_head_is_fetched_by_its_digest_and_checked_against_it() {
    let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
    let options = Options {
        referrers: false,
        configs: false,
        ..Options::default()
    };
    let by_tag = drive(walk("localhost:5000/multi:latest", options.clone()), 8, |r| {
        Ok(registry.answer(r))
    })
    .unwrap();
    let digest: Digest = by_tag.digest.clone().unwrap().parse().unwrap();
    registry.log.clear();
    let resolved = Options {
        resolved: Some(digest.clone()),
        ..options.clone()
    };
    let pinned = drive(walk("localhost:5000/multi:latest", resolved), 8, |r| {
        Ok(registry.answer(r))
    })
    .unwrap();
    assert_eq!(registry.log[0], format!("GET multi/manifests/{digest}"));
    assert_eq!(
        pinned.resolved_by,
        ResolvedBy::Tag,
        "the tag still rests on the registry's word"
    );
    assert_eq!(pinned.reference.tag.as_deref(), Some("latest"));
    assert_eq!(
        serde_json::to_value(&pinned.platforms).unwrap(),
        serde_json::to_value(&by_tag.platforms).unwrap()
    );

    // The tag moved between the HEAD and the GET: bytes that do not hash to the HEAD's digest.
    let other = Options {
        resolved: Some(Digest::sha256(b"something else")),
        ..options
    };
    let tampered = drive(walk("localhost:5000/multi:latest", other), 8, |r| {
        let mut response = registry.answer(r);
        if r.url.contains("/manifests/sha256:") && r.url.contains(Digest::sha256(b"something else").hex()) {
            response = registry.answer(&HttpRequest::get(
                "http://localhost:5000/v2/multi/manifests/latest",
                1 << 20,
            ));
        }
        Ok(response)
    })
    .unwrap();
    assert!(
        tampered.findings.iter().any(|f| f.code == "digest-mismatch"),
        "{:#?}",
        tampered.findings
    );
}

#[test]
fn referrers_api_pages_are_followed() {
    let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
    let page = |digest: char, next: Option<&str>| {
        let body = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/example","digest":"sha256:{}","size":10}}]}}"#,
            digest.to_string().repeat(64)
        );
        let mut r = HttpResponse::new(200, body).with_header("Content-Type", mt::OCI_INDEX);
        if let Some(next) = next {
            r = r.with_header("Link", format!("<{next}>; rel=\"next\""));
        }
        r
    };
    let options = Options {
        configs: false,
        ..Options::default()
    };
    let report = drive(walk("localhost:5000/multi:latest", options), 8, |r| {
        if r.url.ends_with("/page2?last=a") {
            return Ok(page('b', Some("https://elsewhere.example/v2/page3")));
        }
        if r.url.contains("/referrers/") {
            return Ok(page('a', Some("/v2/multi/referrers/page2?last=a")));
        }
        Ok(registry.answer(r))
    })
    .unwrap();
    let sources: Vec<String> = report.referrers.iter().map(|r| r.source.to_string()).collect();
    assert_eq!(
        sources,
        ["api", "api"],
        "two pages; the off-registry link is not followed"
    );
}

#[test]
fn reports_read_back_to_the_same_bytes() {
    let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
    let options = Options {
        platform: Some("linux/arm64".parse().unwrap()),
        ..Options::default()
    };
    let report = drive(walk("localhost:5000/multi:latest", options), 8, |r| {
        Ok(registry.answer(r))
    })
    .unwrap();
    assert!(report.platform_match.is_some() && report.platforms.iter().any(|p| p.image.is_some()));
    let json = serde_json::to_string_pretty(&report).unwrap();
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string_pretty(&back).unwrap(), json);
}

#[test]
fn a_registry_whose_referrer_pages_never_end_is_cut_off() {
    let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
    let options = Options {
        configs: false,
        ..Options::default()
    };
    let report = drive(walk("localhost:5000/multi:latest", options), 8, |r| {
        if r.url.contains("/referrers/") {
            let body = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
            return Ok(HttpResponse::new(200, body)
                .with_header("Content-Type", mt::OCI_INDEX)
                .with_header("Link", r#"</v2/multi/referrers/again>; rel="next""#));
        }
        Ok(registry.answer(r))
    })
    .unwrap();
    assert!(report.findings.iter().any(|f| f.code == "referrers-truncated"));
    assert!(report.requests < MAX_REFERRER_PAGES + 10);
}

#[test]
fn the_referrers_fallback_is_found_by_head_and_read_by_digest() {
    let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
    let listing = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/spdx+json","digest":"sha256:{}","size":10}}]}}"#,
        "c".repeat(64)
    );
    let listing_digest = Digest::sha256(listing.as_bytes());
    let run = |registry: &mut MemoryRegistry, served: &str| {
        let mut sent = Vec::new();
        let options = Options {
            configs: false,
            ..Options::default()
        };
        let report = drive(walk("localhost:5000/multi:latest", options), 8, |r| {
            sent.push(format!("{} {}", r.method.as_str(), r.url.rsplit('/').next().unwrap()));
            if r.url.contains("/referrers/") {
                return Ok(HttpResponse::new(404, "404 page not found"));
            }
            if r.url.contains("/manifests/sha256-") {
                return Ok(
                    HttpResponse::new(200, Vec::new()).with_header("Docker-Content-Digest", listing_digest.as_str())
                );
            }
            if r.url.ends_with(listing_digest.as_str()) {
                return Ok(HttpResponse::new(200, served.to_owned()).with_header("Content-Type", mt::OCI_INDEX));
            }
            Ok(registry.answer(r))
        })
        .unwrap();
        (report, sent)
    };
    let (report, sent) = run(&mut registry, &listing);
    assert_eq!(report.referrers.len(), 1);
    assert_eq!(report.referrers[0].source, ReferrerSource::TagFallback);
    assert!(sent.iter().any(|s| s.starts_with("HEAD sha256-")), "{sent:?}");
    assert!(
        sent.contains(&format!("GET {listing_digest}")),
        "read by digest: {sent:?}"
    );
    assert!(!sent.iter().any(|s| s.starts_with("GET sha256-")), "{sent:?}");

    let (tampered, _) = run(&mut registry, &listing.replace("spdx", "evil"));
    assert!(tampered.referrers.is_empty());
    assert!(
        tampered
            .findings
            .iter()
            .any(|f| f.code == "digest-mismatch" && f.path == "/referrers"),
        "{:#?}",
        tampered.findings
    );
}

#[test]
fn a_fallback_read_early_is_dropped_when_the_referrers_api_answers() {
    let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
    let listing = |artifact: &str| {
        format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"{artifact}","digest":"sha256:{}","size":10}}]}}"#,
            "c".repeat(64)
        )
    };
    let (from_api, from_tag) = (listing("application/from-api"), listing("application/from-tag"));
    let tag_digest = Digest::sha256(from_tag.as_bytes());
    for fallback_status in [200, 500] {
        let options = Options {
            configs: false,
            ..Options::default()
        };
        let report = drive(walk("localhost:5000/multi:latest", options), 8, |r| {
            if r.url.contains("/referrers/") {
                return Ok(HttpResponse::new(200, from_api.clone()).with_header("Content-Type", mt::OCI_INDEX));
            }
            if r.url.contains("/manifests/sha256-") {
                return Ok(HttpResponse::new(200, Vec::new()).with_header("Docker-Content-Digest", tag_digest.as_str()));
            }
            if r.url.ends_with(tag_digest.as_str()) {
                return Ok(
                    HttpResponse::new(fallback_status, from_tag.clone()).with_header("Content-Type", mt::OCI_INDEX)
                );
            }
            Ok(registry.answer(r))
        })
        .unwrap();
        let listed: Vec<_> = report
            .referrers
            .iter()
            .map(|r| (r.descriptor.artifact_type.clone(), r.source))
            .collect();
        assert_eq!(
            listed,
            [(Some("application/from-api".to_owned()), ReferrerSource::Api)],
            "fallback answered {fallback_status}"
        );
        assert!(
            !report.findings.iter().any(|f| f.path == "/referrers"),
            "{:#?}",
            report.findings
        );
    }
}

#[test]
fn a_config_shared_by_several_platforms_is_fetched_once() {
    // Three images that differ only in an annotation, all naming one config: the index's
    // children share it, as multi-platform builds of scripts or of one binary often do.
    let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
    let image = registry
        .blobs
        .values()
        .find_map(|bytes| {
            let doc: serde_json::Value = serde_json::from_slice(bytes).ok()?;
            (doc["mediaType"] == "application/vnd.oci.image.manifest.v1+json").then_some(doc)
        })
        .expect("an image manifest in the layout");
    let config = image["config"]["digest"].as_str().unwrap().to_owned();
    let mut entries = Vec::new();
    for arch in ["amd64", "arm64", "s390x"] {
        let mut child = image.clone();
        child["annotations"] = serde_json::json!({ "org.example.arch": arch });
        let bytes = serde_json::to_vec(&child).unwrap();
        let digest = Digest::sha256(&bytes).to_string();
        entries.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": digest, "size": bytes.len(),
            "platform": { "os": "linux", "architecture": arch },
        }));
        registry.blobs.insert(digest, bytes);
    }
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries,
    }))
    .unwrap();
    let digest = Digest::sha256(&index).to_string();
    registry.blobs.insert(digest.clone(), index);
    registry.tags.insert("shared".into(), digest);
    let report = drive(walk("localhost:5000/multi:shared", Options::default()), 8, |r| {
        Ok(registry.answer(r))
    })
    .unwrap();
    let images: Vec<_> = report.platforms.iter().filter_map(|p| p.image.as_ref()).collect();
    assert_eq!(images.len(), 3);
    assert!(images.iter().all(|i| i.config_verified == Some(true)), "{images:?}");
    let fetched = registry
        .log
        .iter()
        .filter(|l| l.ends_with(&format!("/blobs/{config}")))
        .count();
    assert_eq!(fetched, 1, "{:?}", registry.log);
    // Index, three children, one config, the referrers API and its fallback tag's HEAD.
    assert_eq!(report.requests, 7, "{:?}", registry.log);
}

#[test]
fn children_of_a_top_from_the_registry_are_asked_for_as_unseen() {
    // (child manifests asked for as unseen, configs asked for as unseen) when the top manifest
    // came from a driver's cache or from the registry.
    let asked = |top_cached: bool| {
        let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
        let (mut children, mut configs) = (Vec::new(), Vec::new());
        drive(walk("localhost:5000/multi:latest", Options::default()), 8, |r| {
            let response = registry.answer(r);
            if r.url.ends_with("/manifests/latest") {
                assert!(!r.unseen, "the top is never unseen");
                return Ok(if top_cached {
                    response.with_header(crate::registry::FROM_CACHE, "hit")
                } else {
                    response
                });
            }
            if r.url.contains("/manifests/sha256:") {
                children.push(r.unseen);
            } else if r.url.contains("/blobs/") {
                configs.push(r.unseen);
            }
            Ok(response)
        })
        .unwrap();
        assert!(!children.is_empty() && !configs.is_empty());
        (children, configs)
    };
    let (children, configs) = asked(false);
    assert!(children.iter().all(|&u| u), "{children:?}");
    assert!(configs.iter().all(|&u| !u), "{configs:?}");
    let (children, configs) = asked(true);
    assert!(children.iter().all(|&u| !u), "{children:?}");
    assert!(configs.iter().all(|&u| !u), "{configs:?}");
}
