//! What the tests against the real demo registry share: starting it once, running the `fathom`
//! binary, and reading what it and other clients print.
// Each test crate uses a part of this module.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

pub struct Demo {
    /// No-auth registry `127.0.0.1:PORT`.
    pub plain: String,
    /// htpasswd Basic registry.
    pub basic: String,
    /// Bearer token registry.
    pub token: String,
    /// The public keys `demo/signed` is signed with (`p256.pub`, `ed25519.pub`, `rsa.pub`).
    pub keys: PathBuf,
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Starts the demo registry once for all tests (idempotent; fast when already running).
pub fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let script = repo_root().join("scripts/demo-registry.sh");
        let start = Command::new(&script)
            .arg("start")
            .stdout(Stdio::null())
            .status()
            .expect("run demo-registry.sh");
        assert!(start.success(), "scripts/demo-registry.sh start failed");
        let env = Command::new(&script).arg("env").output().expect("demo-registry.sh env");
        let text = String::from_utf8_lossy(&env.stdout);
        let var = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                .map(|v| v.trim_matches(['"', '\'']).to_owned())
                .unwrap_or_else(|| panic!("demo-registry.sh env has no {name}:\n{text}"))
        };
        Demo {
            plain: var("FATHOM_REGISTRY"),
            basic: var("FATHOM_REGISTRY_BASIC"),
            token: var("FATHOM_REGISTRY_TOKEN"),
            keys: PathBuf::from(var("FATHOM_DEMO_KEYS")),
        }
    })
}

/// Where this test process's `fathom index` drafts are kept.
pub fn drafts_dir() -> PathBuf {
    std::env::temp_dir().join(format!("fathom-drafts-{}", std::process::id()))
}

pub fn fathom(args: &[&str]) -> Output {
    fathom_with_stdin(args, "")
}

pub fn fathom_with_stdin(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_fathom"))
        .args(args)
        .env("DOCKER_CONFIG", std::env::temp_dir().join("fathom-no-docker-config"))
        .env("FATHOM_INDEX_DIR", drafts_dir())
        .env_remove("FATHOM_FORMAT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fathom runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

pub fn report(args: &[&str]) -> Value {
    let out = fathom(args);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `fathom inspect <reference> --format json`, parsed.
pub fn inspect_json(reference: &str) -> Value {
    report(&["inspect", reference, "--format", "json"])
}

pub fn image_rows(report: &Value) -> Vec<&Value> {
    report["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "image")
        .collect()
}

pub fn platform_string(p: &Value) -> String {
    let p = &p["platform"];
    let mut s = format!("{}/{}", p["os"].as_str().unwrap(), p["architecture"].as_str().unwrap());
    if let Some(v) = p["variant"].as_str() {
        s.push('/');
        s.push_str(v);
    }
    s
}

/// The index as the registry itself serves it, read with skopeo (an independent client).
pub fn skopeo_raw(reference: &str) -> Value {
    skopeo_inspect(reference, &["--raw"])
}

/// The image config as the registry serves it, read with skopeo.
pub fn skopeo_config(reference: &str) -> Value {
    skopeo_inspect(reference, &["--config", "--raw"])
}

/// The codes of a JSON list of findings, in order.
pub fn codes(findings: &Value) -> Vec<&str> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect()
}

/// The digest of the manifest a reference names, as skopeo computes it.
pub fn skopeo_inspect_digest(reference: &str) -> String {
    skopeo_inspect(reference, &[])["Digest"].as_str().unwrap().to_owned()
}

fn skopeo_inspect(reference: &str, how: &[&str]) -> Value {
    let out = Command::new("skopeo")
        .arg("inspect")
        .args(how)
        .args(["--tls-verify=false", &format!("docker://{reference}")])
        .output()
        .expect("skopeo runs");
    assert!(out.status.success(), "skopeo: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `PUT`s the file at `path` to `url` with curl.
pub fn curl_put(url: &str, path: &std::path::Path, content_type: &str) {
    let put = Command::new("curl")
        .args([
            "-sf",
            "-X",
            "PUT",
            "-H",
            &format!("Content-Type: {content_type}"),
            "--data-binary",
        ])
        .arg(format!("@{}", path.display()))
        .arg(url)
        .status()
        .unwrap();
    assert!(put.success(), "PUT {url}");
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Fails unless `report` is valid against the Report's JSON schema (`schema/report.schema.json`).
pub fn assert_valid_report(report: &Value) {
    let schema: Value =
        serde_json::from_str(include_str!("../../../../schema/report.schema.json")).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "the Report breaks its schema: {errors:#?}");
}

/// The string `field` of each object in the JSON array `array`.
pub fn strings_of<'a>(array: &'a Value, field: &str) -> Vec<&'a str> {
    array
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {array}"))
        .iter()
        .map(|item| {
            item[field]
                .as_str()
                .unwrap_or_else(|| panic!("no string {field} in {item}"))
        })
        .collect()
}
