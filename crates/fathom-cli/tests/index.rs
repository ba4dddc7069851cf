//! `fathom index create | annotate | push` against the real demo registry (CNCF distribution with
//! Basic and token auth), read back by skopeo and the docker CLI.

mod common;

use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use common::{demo, drafts_dir, fathom, fathom_with_stdin, image_rows, platform_string, stderr};
use serde_json::Value;

/// A repository no earlier run pushed to.
fn fresh(name: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("scratch/{name}-{}-{nanos}", std::process::id())
}

/// `fathom ARGS --username USER --password-stdin`, the password on stdin.
fn as_user(args: &[&str], user: &str, password: &str) -> Output {
    let mut all = args.to_vec();
    all.extend(["--username", user, "--password-stdin"]);
    fathom_with_stdin(&all, &format!("{password}\n"))
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sha256(bytes: &[u8]) -> String {
    fathom_core::Digest::sha256(bytes).to_string()
}

/// The digest `fathom inspect` reports for a single-platform source.
fn digest_of(reference: &str) -> String {
    let out = as_user(&["inspect", reference, "--format", "json"], "fathom", "fathom-demo");
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["digest"].as_str().unwrap().to_owned()
}

/// Whether `reference` exists, asked as the user who may read everything.
fn exists(reference: &str) -> bool {
    let out = as_user(&["inspect", reference, "--no-referrers"], "fathom", "fathom-demo");
    if !out.status.success() {
        assert!(stderr(&out).contains("not found"), "{}", stderr(&out));
    }
    out.status.success()
}

#[test]
fn the_seed_scenario_create_annotate_push_inspect_and_read_back() {
    let registry = &demo().basic;
    let target = format!("{registry}/{}:8", fresh("app"));
    let amd64 = format!("{registry}/demo/app:8-amd64");
    let arm64 = format!("{registry}/demo/app:8-arm64");

    // 1. The draft: each entry's platform from its child's config.
    let created = as_user(&["index", "create", &target, &amd64, &arm64], "fathom", "fathom-demo");
    assert!(created.status.success(), "{}{}", stdout(&created), stderr(&created));
    assert!(stdout(&created).contains("linux/arm64/v8"), "{}", stdout(&created));
    assert!(stdout(&created).contains("draft kept in"), "{}", stdout(&created));

    // 2. The classic mistake: the amd64 image annotated as arm64 — refused before any push.
    let wrong = fathom(&[
        "index",
        "annotate",
        &target,
        &amd64,
        "--arch",
        "arm64",
        "--variant",
        "v8",
    ]);
    assert_eq!(wrong.status.code(), Some(1), "{}", stderr(&wrong));
    for code in ["platform-config-mismatch", "duplicate-platform"] {
        assert!(stdout(&wrong).contains(code), "{code}: {}", stdout(&wrong));
    }
    let refused = as_user(&["index", "push", &target], "fathom", "fathom-demo");
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("nothing was sent"), "{}", stderr(&refused));
    assert!(!exists(&target), "a refused push wrote the tag");

    // 3. Fixed; then bad credentials: a clear 401, the tag untouched.
    let fixed = fathom(&["index", "annotate", &target, &amd64, "--arch", "amd64", "--variant", ""]);
    assert!(fixed.status.success(), "{}", stdout(&fixed));
    let bad = as_user(&["index", "push", &target], "fathom", "wrong-password");
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("authentication required"), "{}", stderr(&bad));
    assert!(!exists(&target));

    // 4. The push: children copied into the new repository (blobs mounted), the tag last,
    //    read back by digest.
    let pushed = as_user(&["index", "push", &target, "-o", "json"], "fathom", "fathom-demo");
    assert!(pushed.status.success(), "{}", stderr(&pushed));
    let report: Value = serde_json::from_slice(&pushed.stdout).unwrap();
    assert_eq!(report["verified"], true);
    assert_eq!(report["childrenCopied"], 2);
    assert!(report["blobsMounted"].as_u64().unwrap() >= 2, "{report:#}");
    assert_eq!(report["blobsCopied"], 0);
    let digest = report["digest"].as_str().unwrap().to_owned();
    assert!(
        std::fs::read_dir(drafts_dir()).map_or(true, |d| d.flatten().all(|f| !f
            .file_name()
            .to_string_lossy()
            .contains(&target.replace(['/', ':'], "_")))),
        "the draft is forgotten once pushed"
    );

    // 5. Fathom reads it back: both platforms verified; arm64/v8 resolves to the arm64 child.
    let out = as_user(&["inspect", &target, "--format", "json"], "fathom", "fathom-demo");
    let inspected: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(inspected["digest"], digest.as_str());
    let rows = image_rows(&inspected);
    assert_eq!(
        rows.iter().map(|r| platform_string(r)).collect::<Vec<_>>(),
        ["linux/amd64", "linux/arm64/v8"]
    );
    assert!(rows.iter().all(|r| r["verified"] == true));
    let matched = as_user(
        &["match", &target, "--platform", "linux/arm64/v8", "--format", "json"],
        "fathom",
        "fathom-demo",
    );
    let matched: Value = serde_json::from_slice(&matched.stdout).unwrap();
    assert_eq!(matched["digest"], digest_of(&arm64).as_str(), "{matched:#}");

    // 6. Independent clients agree: skopeo's raw bytes hash to the digest; docker lists the same.
    let skopeo = Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            "--creds",
            "fathom:fathom-demo",
        ])
        .arg(format!("docker://{target}"))
        .output()
        .expect("skopeo runs");
    assert!(skopeo.status.success(), "{}", stderr(&skopeo));
    assert_eq!(sha256(&skopeo.stdout), digest);
    let config = std::env::temp_dir().join(format!("fathom-docker-config-{}", std::process::id()));
    std::fs::create_dir_all(&config).unwrap();
    let auth = base64_basic("fathom", "fathom-demo");
    std::fs::write(
        config.join("config.json"),
        format!(r#"{{"auths":{{"{registry}":{{"auth":"{auth}"}}}}}}"#),
    )
    .unwrap();
    let docker = Command::new("docker")
        .args(["manifest", "inspect", "--insecure", &target])
        .env("DOCKER_CONFIG", &config)
        .output()
        .expect("the docker CLI runs");
    assert!(docker.status.success(), "{}", stderr(&docker));
    let listed: Value = serde_json::from_slice(&docker.stdout).unwrap();
    let pushed_index: Value = serde_json::from_slice(&skopeo.stdout).unwrap();
    assert_eq!(listed["manifests"], pushed_index["manifests"]);
}

fn base64_basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

#[test]
fn a_pull_only_token_is_refused_and_the_tag_is_untouched() {
    let registry = &demo().token;
    let target = format!("{registry}/{}:8", fresh("app"));
    let source = format!("{registry}/demo/app:8-amd64");
    let out = as_user(
        &["index", "create", &target, &source, "--push"],
        "puller",
        "puller-pass",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("may pull but not push"), "{}", stderr(&out));
    assert!(stderr(&out).contains("the tag was not changed"), "{}", stderr(&out));
    assert!(!exists(&target));
    // The same with push rights: one step, a token scoped to push here and pull from the source.
    let ok = as_user(
        &["index", "create", &target, &source, "--push"],
        "fathom",
        "fathom-demo",
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(exists(&target));
}

#[test]
fn a_dry_run_prints_the_exact_bytes_and_pushes_nothing() {
    let registry = &demo().basic;
    let target = format!("{registry}/{}:1", fresh("busybox"));
    let source = format!("{registry}/demo/busybox:oci");
    let out = as_user(
        &[
            "index",
            "create",
            &target,
            &source,
            "--platform",
            "linux/arm64",
            "--platform",
            "linux/arm/v7",
            "--format",
            "docker",
            "--dry-run",
        ],
        "fathom",
        "fathom-demo",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let digest = sha256(&out.stdout);
    assert!(stderr(&out).contains(&digest), "{}", stderr(&out));
    let index: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        index["mediaType"],
        "application/vnd.docker.distribution.manifest.list.v2+json"
    );
    let platforms: Vec<String> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(platform_string)
        .collect();
    assert_eq!(platforms, ["linux/arm64/v8", "linux/arm/v7"]);
    // Docker lists hold Docker manifests: the OCI children are named, not hidden.
    assert!(stderr(&out).contains("media-type-mixed"), "{}", stderr(&out));
    assert!(!exists(&target));
}

#[test]
fn sources_elsewhere_or_missing_are_clear_errors() {
    let demo = demo();
    let target = format!("{}/{}:1", demo.basic, fresh("x"));
    let elsewhere = format!("{}/demo/app:8-amd64", demo.plain);
    let out = as_user(&["index", "create", &target, &elsewhere], "fathom", "fathom-demo");
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("sources must be on the target's registry"),
        "{}",
        stderr(&out)
    );
    let missing = format!("{}/demo/app:no-such-tag", demo.basic);
    let out = as_user(&["index", "create", &target, &missing], "fathom", "fathom-demo");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not found"), "{}", stderr(&out));
    let out = fathom(&["index", "push", &target]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no draft"), "{}", stderr(&out));
}
