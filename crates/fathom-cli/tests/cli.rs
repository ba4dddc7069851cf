//! The CLI's offline commands as scripts call them: real binary, real corpus files.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn fathom(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fathom"))
        .args(args)
        .env_remove("FATHOM_FORMAT")
        .output()
        .expect("fathom runs")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

fn corpus(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/corpus")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn ref_prints_the_stable_json_contract() {
    let out = fathom(&["ref", "busybox", "--format", "json"]);
    assert!(out.status.success());
    let v = json(&out);
    assert_eq!(v["input"], "busybox");
    assert_eq!(v["canonical"], "docker.io/library/busybox:latest");
    assert_eq!(v["familiar"], "busybox:latest");
    assert_eq!(v["registry"], "docker.io");
    assert_eq!(v["repository"], "library/busybox");
    assert_eq!(v["tag"], Value::Null);
    assert_eq!(v["digest"], Value::Null);

    let digest = "sha256:1072e499f3f655a032e88542330cf75b02e7bdf673278f701d7ba61629ee3ebe";
    let v = json(&fathom(&[
        "ref",
        &format!("localhost:5000/app:8@{digest}"),
        "--format",
        "json",
    ]));
    assert_eq!(v["canonical"], format!("localhost:5000/app:8@{digest}"));
    assert_eq!(v["tag"], "8");
    assert_eq!(v["digest"], digest);
}

#[test]
fn invalid_ref_exits_2_with_the_reason_and_no_stdout() {
    for (input, reason) in [
        ("Foo/Bar", "must be lowercase"),
        ("foo:-x", "tag"),
        ("a@sha256:zz", "digest"),
    ] {
        let out = fathom(&["ref", input, "--format", "json"]);
        assert_eq!(out.status.code(), Some(2), "{input}");
        assert!(out.stdout.is_empty(), "{input}: stdout must be empty");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(reason), "{input}: {stderr}");
    }
}

#[test]
fn platform_normalises_with_oci_keys() {
    // The platform is containerd's normalised form (what it compares); the typed form is beside it.
    let v = json(&fathom(&["platform", "Linux/aarch64/v8", "--format", "json"]));
    assert_eq!(v["os"], "linux");
    assert_eq!(v["architecture"], "arm64");
    assert_eq!(v["variant"], serde_json::Value::Null);
    assert_eq!(v["string"], "linux/arm64");
    assert_eq!(v["input"], "Linux/aarch64/v8");
    assert_eq!(v["parsed"], "linux/arm64/v8");
    let v = json(&fathom(&["platform", "linux/arm", "--format", "json"]));
    assert_eq!(v["string"], "linux/arm/v7");
    assert_eq!(v["variant"], "v7");
    assert_eq!(v["parsed"], "linux/arm");
    let text = fathom(&["platform", "linux/arm64/v8"]);
    let text = String::from_utf8_lossy(&text.stdout);
    let line = |label: &str| {
        text.lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("platform:").ends_with(" linux/arm64"), "{text}");
    assert!(line("typed:").contains("linux/arm64/v8"), "{text}");
    let v = json(&fathom(&[
        "platform",
        "windows(10.0.20348+win32k)/x86_64",
        "--format",
        "json",
    ]));
    assert_eq!(v["os.version"], "10.0.20348");
    assert_eq!(v["os.features"], serde_json::json!(["win32k"]));
    assert_eq!(v["architecture"], "amd64");
    let bad = fathom(&["platform", "linux/&arm"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid component"));
}

#[test]
fn platform_matches_orders_and_explains() {
    let out = fathom(&[
        "platform",
        "linux/arm64",
        "--matches",
        "linux/amd64",
        "linux/arm/v7",
        "linux/arm64/v8",
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let v = json(&out);
    let matches: Vec<bool> = v["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["matches"].as_bool().unwrap())
        .collect();
    assert_eq!(matches, [false, true, true]);
    assert_eq!(
        v["order"],
        serde_json::json!(["linux/arm64/v8", "linux/arm/v7", "linux/amd64"])
    );
    assert_eq!(v["best"], "linux/arm64/v8");

    let strict = json(&fathom(&[
        "platform",
        "linux/arm64",
        "--matches",
        "linux/arm/v7",
        "--strict",
        "--format",
        "json",
    ]));
    assert_eq!(strict["candidates"][0]["matches"], false);

    let none = fathom(&["platform", "linux/arm64/v8", "--matches", "linux/amd64", "linux/s390x"]);
    assert_eq!(none.status.code(), Some(1));
    let text = String::from_utf8_lossy(&none.stdout);
    assert!(text.contains("no matching manifest for linux/arm64"), "{text}");
    assert!(text.contains("--platform linux/amd64"), "{text}");
}

#[test]
fn lint_reports_kind_digest_and_findings() {
    let out = fathom(&[
        "lint",
        &corpus("docker-v2-manifest.alpine-528-bytes.base64-Raw-from-docker-cli-golden.json"),
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let v = json(&out);
    assert_eq!(v["kind"], "docker-manifest");
    assert_eq!(
        v["digest"],
        "sha256:1072e499f3f655a032e88542330cf75b02e7bdf673278f701d7ba61629ee3ebe"
    );
    assert_eq!(v["size"], 528);

    let bad = fathom(&[
        "lint",
        &corpus("docker-v2-schema1.signed.mitr-busybox.json"),
        "--format",
        "json",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(json(&bad)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "schema1-signature-invalid"));

    let unreadable = fathom(&["lint", &corpus("negative.non-json-bytes.manifest.json")]);
    assert_eq!(unreadable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unreadable.stderr).contains("not valid JSON"));
    assert_eq!(fathom(&["lint", "/nonexistent/file.json"]).status.code(), Some(2));
}

#[test]
fn lint_reads_stdin_and_honours_content_type() {
    use std::io::Write;
    let bytes = std::fs::read(corpus("oci-index.missing-mediaType.json")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fathom"))
        .args([
            "lint",
            "-",
            "--content-type",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "--format",
            "json",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    let v = json(&out);
    assert_eq!(v["kind"], "docker-manifest-list");
    assert_eq!(v["detectedBy"], "content-type");
}

#[test]
fn lint_layout_verifies_blobs() {
    let out = fathom(&[
        "lint",
        "--layout",
        &corpus("layouts/cimage-multiple-images"),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "a size mismatch is an error");
    let v = json(&out);
    assert_eq!(v["blobsChecked"], v["blobsVerified"]);
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "size-mismatch"));
    let ok = fathom(&["lint", "--layout", &corpus("layouts/stereoscope-valid")]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    assert_eq!(
        fathom(&["lint", "--layout", &corpus("")]).status.code(),
        Some(2),
        "not a layout"
    );
}

/// A registry that cannot be reached is named, with the cause and what to do; exit 1, nothing on
/// stdout.
#[test]
fn unreachable_registries_name_the_host_and_the_cause() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = format!("127.0.0.1:{closed}/demo/busybox:oci");
    for (reference, says) in [
        (refused.as_str(), format!("127.0.0.1:{closed} refused the connection")),
        (
            "registry.fathom-test.invalid/demo/busybox:oci",
            "cannot resolve registry.fathom-test.invalid".to_owned(),
        ),
    ] {
        let out = fathom(&["inspect", reference, "--timeout", "5"]);
        assert_eq!(out.status.code(), Some(1), "{reference}");
        assert!(out.stdout.is_empty(), "{reference}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&says), "{reference}: {stderr}");
    }
}

/// `fathom lint --codes`: the catalogue every face matches on, with severities and meanings.
#[test]
fn lint_lists_the_finding_catalogue() {
    let codes = json(&fathom(&["lint", "--codes", "--format", "json"]));
    let codes = codes.as_array().unwrap();
    assert!(codes.len() > 80, "{}", codes.len());
    let mismatch = codes.iter().find(|c| c["code"] == "digest-mismatch").unwrap();
    assert_eq!(mismatch["severity"], "error");
    assert!(mismatch["meaning"].as_str().unwrap().contains("digest"));
    let text = fathom(&["lint", "--codes"]);
    assert!(String::from_utf8_lossy(&text.stdout)
        .lines()
        .any(|l| l.starts_with("size-mismatch ")));
    assert_eq!(fathom(&["lint"]).status.code(), Some(2), "a file, a layout or --codes");
}
