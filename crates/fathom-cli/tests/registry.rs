//! `fathom inspect`, `match` and `tags` against the real demo registry (CNCF distribution, started
//! by `scripts/demo-registry.sh` with real busybox images built by buildah).

mod common;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::{
    demo, fathom, fathom_with_stdin, image_rows, inspect_json, platform_string, repo_root, report, skopeo_raw, stderr,
};
use serde_json::Value;

const BUSYBOX_PLATFORMS: [&str; 8] = [
    "linux/amd64",
    "linux/arm64/v8",
    "linux/arm/v7",
    "linux/arm/v5",
    "linux/386",
    "linux/ppc64le",
    "linux/s390x",
    "linux/mips64le",
];

#[test]
fn the_eight_platform_oci_index_is_walked_and_verified() {
    let demo = demo();
    let reference = format!("{}/demo/busybox:oci", demo.plain);
    let r = inspect_json(&reference);
    assert_eq!(r["mediaType"], "application/vnd.oci.image.index.v1+json");
    assert_eq!(r["resolvedBy"], "tag");
    let rows = image_rows(&r);
    let mut platforms: Vec<String> = rows.iter().map(|p| platform_string(p)).collect();
    platforms.sort();
    let mut expected = BUSYBOX_PLATFORMS.map(str::to_owned).to_vec();
    expected.sort();
    assert_eq!(platforms, expected);
    // Per-platform digests are exactly what the registry serves (read by skopeo).
    let raw = skopeo_raw(&reference);
    let registry_digests = common::strings_of(&raw["manifests"], "digest");
    for row in &rows {
        assert!(registry_digests.contains(&row["descriptor"]["digest"].as_str().unwrap()));
        assert_eq!(row["verified"], true, "{row}");
        let image = &row["image"];
        assert_eq!(image["configVerified"], true);
        assert_eq!(image["layers"].as_array().unwrap().len(), 1, "one busybox layer");
        assert!(image["totalSize"].as_u64().unwrap() > 100_000, "a real busybox binary");
        assert_eq!(image["cmd"], serde_json::json!(["/bin/sh"]));
    }
    // The referrers fallback tag (distribution 2.8 has no referrers API) is found.
    let referrers = r["referrers"].as_array().unwrap();
    assert!(!referrers.is_empty(), "referrers: {r:#}");
    assert!(referrers.iter().all(|x| x["source"] == "tag-fallback"));
    assert!(
        !r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["severity"] == "error"),
        "{:#}",
        r["findings"]
    );
    // 1 index + 8 children + 8 configs + referrers API, and with it a HEAD of the fallback
    // tag, which exists here and is then read.
    assert_eq!(r["requests"], 20);
}

#[test]
fn the_docker_list_and_single_platform_images() {
    let demo = demo();
    let list = report(&[
        "inspect",
        &format!("{}/demo/busybox:docker", demo.plain),
        "--format",
        "json",
    ]);
    assert_eq!(
        list["mediaType"],
        "application/vnd.docker.distribution.manifest.list.v2+json"
    );
    assert_eq!(image_rows(&list).len(), 8);
    for (tag, media_type) in [
        ("amd64-oci", "application/vnd.oci.image.manifest.v1+json"),
        ("amd64-docker", "application/vnd.docker.distribution.manifest.v2+json"),
    ] {
        let r = report(&[
            "inspect",
            &format!("{}/demo/busybox:{tag}", demo.plain),
            "--format",
            "json",
        ]);
        assert_eq!(r["mediaType"], media_type, "{tag}");
        let rows = image_rows(&r);
        assert_eq!(rows.len(), 1);
        assert_eq!(platform_string(rows[0]), "linux/amd64", "platform read from the config");
        assert_eq!(rows[0]["verified"], true);
    }
}

#[test]
fn nested_indexes_and_attestations() {
    let demo = demo();
    let nested = report(&[
        "inspect",
        &format!("{}/demo/nested:latest", demo.plain),
        "--format",
        "json",
    ]);
    let rows = nested["platforms"].as_array().unwrap();
    let index = rows
        .iter()
        .find(|p| p["kind"] == "index")
        .expect("the nested index row");
    let inner = index["descriptor"]["digest"].as_str().unwrap();
    assert!(
        rows.iter().filter(|p| p["parent"] == inner).count() >= 8,
        "children of the nested index, flattened"
    );

    let attested = report(&[
        "inspect",
        &format!("{}/demo/attested:latest", demo.plain),
        "--format",
        "json",
    ]);
    let rows = attested["platforms"].as_array().unwrap();
    let attestation = rows
        .iter()
        .find(|p| p["kind"] == "attestation")
        .expect("attestation row");
    let image = rows.iter().find(|p| p["kind"] == "image").expect("image row");
    assert_eq!(
        image["attestations"],
        serde_json::json!([attestation["descriptor"]["digest"]])
    );
    assert_eq!(attestation["verified"], true);
}

#[test]
fn match_picks_the_arm64_child_or_explains() {
    let demo = demo();
    let reference = format!("{}/demo/busybox:oci", demo.plain);
    let out = fathom(&["match", &reference, "--platform", "linux/arm64/v8", "--format", "json"]);
    assert!(out.status.success());
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    let raw = skopeo_raw(&reference);
    let arm64 = raw["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["platform"]["architecture"] == "arm64")
        .unwrap();
    assert_eq!(m["digest"], arm64["digest"]);

    let none = fathom(&["match", &reference, "--platform", "linux/riscv64"]);
    assert_eq!(none.status.code(), Some(1));
    let text = String::from_utf8_lossy(&none.stdout);
    assert!(text.contains("no matching manifest for linux/riscv64"), "{text}");
    assert!(text.contains("--platform linux/amd64"), "{text}");

    // inspect keeps its promise too: the table, the explanation, and exit 1 when the asked
    // platform matches nothing; 0 when it matches.
    let inspect = fathom(&["inspect", &reference, "--platform", "linux/riscv64"]);
    assert_eq!(inspect.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&inspect.stdout).contains("no matching manifest for linux/riscv64"));
    let matched = fathom(&["inspect", &reference, "--platform", "arm64"]);
    assert_eq!(
        matched.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&matched.stderr)
    );
    // diff: a platform on neither side is a failed check as well.
    let diff = fathom(&[
        "diff",
        &reference,
        &format!("{}/demo/busybox:docker", demo.plain),
        "--platform",
        "linux/riscv64",
    ]);
    assert_eq!(diff.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&diff.stderr).contains("neither side has a manifest for linux/riscv64"));
}

#[test]
fn tags_and_unknown_names() {
    let demo = demo();
    let tags: Value =
        serde_json::from_slice(&fathom(&["tags", &format!("{}/demo/busybox", demo.plain), "--format", "json"]).stdout)
            .unwrap();
    let list: Vec<&str> = tags["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    for tag in ["oci", "docker", "amd64-oci", "amd64-docker"] {
        assert!(list.contains(&tag), "{list:?}");
    }
    let missing = fathom(&["inspect", &format!("{}/demo/busybox:nope", demo.plain)]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("demo/busybox:nope: not found"));
    let repo = fathom(&["tags", &format!("{}/demo/nothing-here", demo.plain)]);
    assert_eq!(repo.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&repo.stderr).contains("repository not found"),
        "{}",
        String::from_utf8_lossy(&repo.stderr)
    );
}

/// `fathom tags` takes what `fathom inspect` takes: on the loopback Bearer registry the token
/// service is plain HTTP too, and the demo user's credentials go to it (they once did not: the
/// plain-HTTP decision was made for inspect only).
#[test]
fn tags_with_credentials_on_the_bearer_registry() {
    let demo = demo();
    let repository = format!("{}/demo/busybox", demo.token);
    let args = [
        "tags",
        &repository,
        "--username",
        "fathom",
        "--password-stdin",
        "--format",
        "json",
    ];
    let out = fathom_with_stdin(&args, "fathom-demo\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let tags: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(tags["tags"].as_array().unwrap().iter().any(|t| t == "oci"), "{tags}");
    let inspect = inspect_as_fathom(&format!("{repository}:oci"), "fathom-demo");
    assert!(inspect.status.success(), "{}", String::from_utf8_lossy(&inspect.stderr));
}

/// `fathom inspect --format json` as the demo user, the password given on stdin.
fn inspect_as_fathom(reference: &str, password: &str) -> Output {
    let args = [
        "inspect",
        reference,
        "--username",
        "fathom",
        "--password-stdin",
        "--format",
        "json",
    ];
    fathom_with_stdin(&args, &format!("{password}\n"))
}

#[test]
fn basic_auth_with_right_and_wrong_passwords() {
    let demo = demo();
    let reference = format!("{}/demo/busybox:oci", demo.basic);
    let ok = inspect_as_fathom(&reference, "fathom-demo");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let wrong = inspect_as_fathom(&reference, "nope");
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("authentication required"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    let anonymous = fathom(&["inspect", &reference]);
    assert_eq!(anonymous.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&anonymous.stderr).contains("user name and password"));
}

#[test]
fn bearer_tokens_from_a_real_issuer() {
    let demo = demo();
    let reference = format!("{}/demo/busybox:oci", demo.token);
    let ok = inspect_as_fathom(&reference, "fathom-demo");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let r: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(image_rows(&r).len(), 8);
    let wrong = inspect_as_fathom(&reference, "nope");
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("wrong user name or password"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
}

/// A private registry serving a copy of the demo content, so that tampering with its storage
/// leaves the shared demo untouched. Stopped (by PID) when dropped.
struct PrivateRegistry {
    child: std::process::Child,
    dir: PathBuf,
    address: String,
}

impl PrivateRegistry {
    fn start(name: &str, port: u16) -> PrivateRegistry {
        demo();
        let demo_dir = std::env::var("FATHOM_DEMO_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/fathom/demo-registry"));
        let dir = std::env::temp_dir().join(format!("fathom-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let copied = Command::new("cp")
            .args([
                "-a",
                &demo_dir.join("registries/plain/data").display().to_string(),
                &dir.join("data").display().to_string(),
            ])
            .status()
            .unwrap();
        assert!(copied.success());
        let address = format!("127.0.0.1:{port}");
        let config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {address}\n",
            dir.join("data").display()
        );
        std::fs::write(dir.join("config.yml"), config).unwrap();
        let child = Command::new("docker-registry")
            .args(["serve", &dir.join("config.yml").display().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry runs");
        for _ in 0..100 {
            if std::net::TcpStream::connect(&address).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        PrivateRegistry { child, dir, address }
    }

    /// The stored bytes of a blob or manifest.
    fn blob_path(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap();
        self.dir
            .join("data/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

impl Drop for PrivateRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn a_blob_overwritten_in_storage_is_a_loud_digest_mismatch() {
    let registry = PrivateRegistry::start("tamper", 5571);
    let reference = format!("{}/demo/busybox:oci", registry.address);
    let clean = inspect_json(&reference);
    let rows = image_rows(&clean);
    let victim = rows.iter().find(|r| r["platform"]["architecture"] == "s390x").unwrap();
    let digest = victim["descriptor"]["digest"].as_str().unwrap().to_owned();
    let amd64 = rows.iter().find(|r| r["platform"]["architecture"] == "amd64").unwrap();
    let config = amd64["image"]["configDigest"].as_str().unwrap().to_owned();

    let tamper = |path: PathBuf, change: &dyn Fn(&mut Vec<u8>)| {
        let mut bytes = std::fs::read(&path).unwrap();
        change(&mut bytes);
        std::fs::write(&path, &bytes).unwrap();
    };
    // Same length, different bytes: only hashing can tell.
    tamper(registry.blob_path(&digest), &|bytes| {
        let at = bytes.iter().position(|&b| b == b'3').unwrap();
        bytes[at] = b'4';
    });
    // A config one byte longer than its descriptor says.
    tamper(registry.blob_path(&config), &|bytes| bytes.push(b' '));

    let out = fathom(&["inspect", &reference, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "a mismatch fails the command");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = r["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["descriptor"]["digest"] == digest.as_str())
        .unwrap();
    assert_eq!(row["verified"], false);
    assert!(row.get("image").is_none(), "bytes that do not match are not shown");
    // Findings come in the order responses arrive; look the mismatch up by its code.
    let findings = r["findings"].as_array().unwrap();
    let mismatch = findings
        .iter()
        .find(|f| f["code"] == "digest-mismatch" && f["message"].as_str().unwrap().contains(&digest))
        .unwrap_or_else(|| panic!("no digest-mismatch for {digest}: {findings:#?}"));
    assert_eq!(mismatch["severity"], "error");

    // A tampered config (a blob, not a manifest) is caught by its digest too.
    let amd64 = r["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["image"]["configDigest"] == config.as_str())
        .unwrap();
    assert_eq!(amd64["verified"], true);
    assert_eq!(amd64["image"]["configVerified"], false);
    assert_eq!(
        findings
            .iter()
            .filter(|f| f["code"] == "digest-mismatch" || f["code"] == "size-mismatch")
            .count(),
        2
    );

    let table = fathom(&["inspect", &reference]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("DIGEST MISMATCH"));
}

/// The test-only fault proxy (`tests/support/fault_proxy.py`) in front of the no-auth registry.
struct FaultProxy {
    child: std::process::Child,
    address: String,
}

impl FaultProxy {
    fn start(port: u16) -> FaultProxy {
        let demo = demo();
        let target = demo.plain.rsplit(':').next().unwrap().to_owned();
        let child = Command::new("python3")
            .arg(repo_root().join("tests/support/fault_proxy.py"))
            .args([&port.to_string(), &target, "120"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let address = format!("127.0.0.1:{port}");
        for _ in 0..100 {
            if std::net::TcpStream::connect(&address).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        FaultProxy { child, address }
    }

    fn reference(&self, mode: &str) -> String {
        format!("{}/fault-{mode}/demo/busybox:oci", self.address)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn registry_faults_end_in_specific_errors_or_recover() {
    let proxy = FaultProxy::start(5572);
    // Recoverable: one 429 with Retry-After: 1, two 503s — retried within the budget.
    for mode in ["429", "503"] {
        let out = fathom(&["inspect", &proxy.reference(mode), "--no-referrers", "--format", "json"]);
        assert!(out.status.success(), "{mode}: {}", stderr(&out));
        let r: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(image_rows(&r).len(), 8, "{mode}");
        assert!(r["requests"].as_u64().unwrap() > 17, "{mode}: retries are counted");
    }
    // Quota headers are recorded, with whose quota it is.
    let quota = report(&[
        "inspect",
        &proxy.reference("quota"),
        "--no-referrers",
        "--format",
        "json",
    ]);
    assert_eq!(quota["rateLimit"]["remaining"], 42);
    assert_eq!(quota["rateLimit"]["limit"], 100);
    assert_eq!(quota["rateLimit"]["source"], "192.0.2.7");

    // Not recoverable: each a specific message, nothing on stdout.
    let cases: [(&str, &[&str], &str); 5] = [
        ("429-long", &[], "rate limited by the registry; retry after 3600 s"),
        (
            "500",
            &[],
            "the registry failed with HTTP 500 — an error on the registry's side (or a proxy in front of it); try again later (registry said: UNKNOWN internal error)",
        ),
        ("reset", &[], "was reset before the answer was complete"),
        ("stall", &["--timeout", "1"], "did not answer within 1 s"),
        ("big", &[], "larger than 4194304 bytes"),
    ];
    for (mode, extra, message) in cases {
        let reference = proxy.reference(mode);
        let mut args = vec!["inspect", reference.as_str()];
        args.extend_from_slice(extra);
        let out = fathom(&args);
        assert_eq!(out.status.code(), Some(1), "{mode}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{mode}: nothing half-written on stdout");
        assert!(stderr(&out).contains(message), "{mode}: {}", stderr(&out));
    }
}

#[test]
fn distribution_accept_quirks_and_its_real_schema1() {
    let demo = demo();
    let url = |path: &str| format!("http://{}/v2/demo/busybox/manifests/{path}", demo.plain);
    let curl = |accept: &str, path: &str| {
        let out = Command::new("curl")
            .args(["-s", "-D", "-", "-H", &format!("Accept: {accept}"), &url(path)])
            .output()
            .expect("curl runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // An OCI index asked for without the index type in Accept: distribution refuses it.
    let refused = curl("application/vnd.docker.distribution.manifest.v2+json", "oci");
    assert!(refused.starts_with("HTTP/1.1 404"), "{refused}");
    // With no Accept, a Docker list is converted on the fly into a signed schema1: real libtrust
    // signatures that Fathom verifies, and a digest over the payload.
    let out = Command::new("curl")
        .args(["-s", "-H", "Accept: */*", &url("docker")])
        .output()
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fathom"))
        .args([
            "lint",
            "-",
            "--content-type",
            "application/vnd.docker.distribution.manifest.v1+prettyjws",
            "--format",
            "json",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let lint: Value = serde_json::from_slice(&child.wait_with_output().unwrap().stdout).unwrap();
    assert_eq!(lint["kind"], "docker-schema1-signed");
    let codes: Vec<&str> = lint["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"schema1-deprecated"));
    assert!(
        !codes
            .iter()
            .any(|c| c.starts_with("schema1-signature") || c.starts_with("schema1-payload")),
        "{codes:?}"
    );
    // Fathom's own Accept list gets the real index.
    let r = report(&[
        "inspect",
        &format!("{}/demo/busybox:oci", demo.plain),
        "--no-config",
        "--no-referrers",
        "--format",
        "json",
    ]);
    assert_eq!(r["mediaType"], "application/vnd.oci.image.index.v1+json");
}

#[test]
fn docker_config_credentials_and_helpers() {
    let demo = demo();
    let dir = std::env::temp_dir().join(format!("fathom-docker-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |config: &str, reference: &str| {
        std::fs::write(dir.join("config.json"), config).unwrap();
        let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default());
        Command::new(env!("CARGO_BIN_EXE_fathom"))
            .args(["inspect", reference, "--no-referrers"])
            .env("DOCKER_CONFIG", &dir)
            .env("PATH", path)
            .output()
            .unwrap()
    };
    let basic = format!("{}/demo/busybox:oci", demo.basic);
    // `auths` with base64 user:password, as `docker login` writes it.
    let auths = format!(
        r#"{{"auths":{{"{}":{{"auth":"ZmF0aG9tOmZhdGhvbS1kZW1v"}}}}}}"#,
        demo.basic
    );
    let out = run(&auths, &basic);
    assert!(out.status.success(), "{}", stderr(&out));
    // A credential helper (`docker-credential-<name> get`): a real executable speaking the
    // helper protocol on stdin/stdout.
    let helper = dir.join("docker-credential-fathomtest");
    std::fs::write(&helper, "#!/bin/sh\nread server\necho '{\"ServerURL\":\"'$server'\",\"Username\":\"fathom\",\"Secret\":\"fathom-demo\"}'\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let helpers = format!(r#"{{"credHelpers":{{"{}":"fathomtest"}}}}"#, demo.basic);
    let out = run(&helpers, &basic);
    assert!(out.status.success(), "{}", stderr(&out));
    let store = r#"{"credsStore":"fathomtest"}"#;
    let out = run(store, &format!("{}/demo/busybox:oci", demo.token));
    assert!(out.status.success(), "{}", stderr(&out));
    // Wrong stored credentials: a clear 401, not a silent anonymous fallback.
    let wrong = format!(r#"{{"auths":{{"{}":{{"auth":"ZmF0aG9tOm5vcGU="}}}}}}"#, demo.basic);
    let out = run(&wrong, &basic);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("authentication required"), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diff_reports_the_shared_layers_and_bytes_exactly() {
    let demo = demo();
    let base = format!("{}/demo/layers:base", demo.plain);
    let extended = format!("{}/demo/layers:extended", demo.plain);
    let d = report(&["diff", &base, &extended, "--format", "json"]);
    assert_eq!(d["added"], serde_json::json!([]));
    assert_eq!(d["dropped"], serde_json::json!([]));
    let p = &d["platforms"][0];
    assert_eq!(p["platform"], "linux/amd64");
    assert_eq!(p["same"], false);
    // Expected from the two manifests themselves.
    let layers = |r: &str| -> Vec<(String, u64)> {
        let raw = skopeo_raw(r);
        raw["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["digest"].as_str().unwrap().to_owned(), l["size"].as_u64().unwrap()))
            .collect()
    };
    let (a, b) = (layers(&base), layers(&extended));
    let shared: Vec<&(String, u64)> = b.iter().filter(|l| a.contains(l)).collect();
    assert_eq!(shared.len(), a.len(), "extended is base plus one layer");
    assert_eq!(p["layers"]["shared"].as_array().unwrap().len(), shared.len());
    assert_eq!(p["layers"]["sharedBytes"], shared.iter().map(|l| l.1).sum::<u64>());
    assert_eq!(
        p["layers"]["downloadBytes"],
        b.iter().filter(|l| !a.contains(l)).map(|l| l.1).sum::<u64>()
    );
    assert_eq!(p["layers"]["onlyABytes"], 0);

    // The OCI index and the Docker list: the same platforms, different manifests, same layers.
    let formats = report(&[
        "diff",
        &format!("{}/demo/busybox:oci", demo.plain),
        &format!("{}/demo/busybox:docker", demo.plain),
        "--format",
        "json",
    ]);
    let platforms = formats["platforms"].as_array().unwrap();
    assert_eq!(platforms.len(), 8);
    assert!(platforms
        .iter()
        .all(|p| p["same"] == false && p["layers"]["downloadBytes"] == 0));
}
