use super::*;

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn list() -> Allowlist {
    Allowlist::parse(
        "registry-1.docker.io ghcr.io *.pkg.dev http://127.0.0.1:5555",
        "auth.docker.io/token ghcr.io/token http://127.0.0.1:5558/token",
        "production.cloudflare.docker.com pkg-containers.githubusercontent.com",
    )
    .unwrap()
}

fn refused(path: &str, query: Option<&str>) -> &'static str {
    match list().proxy_target(path, query) {
        Ok(target) => panic!("{path} ?{query:?} was allowed: {}", target.url),
        Err(refusal) => {
            assert!(!refusal.message().is_empty());
            refusal.code()
        }
    }
}

#[test]
fn registry_api_paths_on_allowed_hosts_pass() {
    let cases = [
        ("ghcr.io/v2/", None, "https://ghcr.io/v2/", TargetKind::Ping),
        (
            "registry-1.docker.io/v2/library/alpine/manifests/3.20",
            None,
            "https://registry-1.docker.io/v2/library/alpine/manifests/3.20",
            TargetKind::Manifest,
        ),
        (
            "us-docker.pkg.dev/v2/p/r/app/tags/list",
            Some("n=50&last=v1"),
            "https://us-docker.pkg.dev/v2/p/r/app/tags/list?n=50&last=v1",
            TargetKind::Tags,
        ),
        (
            "auth.docker.io/token",
            Some("service=registry.docker.io&scope=repository:library/alpine:pull"),
            "https://auth.docker.io/token?service=registry.docker.io&scope=repository:library/alpine:pull",
            TargetKind::Token,
        ),
        (
            "127.0.0.1:5555/v2/demo/busybox/manifests/oci",
            None,
            "http://127.0.0.1:5555/v2/demo/busybox/manifests/oci",
            TargetKind::Manifest,
        ),
    ];
    for (path, query, url, kind) in cases {
        let target = list().proxy_target(path, query).unwrap();
        assert_eq!((target.url.as_str(), target.kind), (url, kind), "{path}");
    }
    let blob = list()
        .proxy_target(&format!("ghcr.io/v2/o/a/blobs/{DIGEST}"), None)
        .unwrap();
    assert_eq!(blob.kind, TargetKind::Blob);
    assert_eq!(blob.kind.max_body(), MAX_CONFIG);
    let referrers = list()
        .proxy_target(
            &format!("ghcr.io/v2/o/a/referrers/{DIGEST}"),
            Some("artifactType=application/spdx%2Bjson"),
        )
        .unwrap();
    assert_eq!(referrers.kind, TargetKind::Referrers);
}

#[test]
fn hosts_off_the_list_are_refused() {
    assert_eq!(refused("evil.example/v2/", None), "host-not-allowed");
    assert_eq!(refused("ghcr.io.evil.example/v2/", None), "host-not-allowed");
    assert_eq!(
        refused("pkg.dev/v2/", None),
        "host-not-allowed",
        "the wildcard needs a subdomain"
    );
    assert_eq!(refused("evilpkg.dev/v2/", None), "host-not-allowed");
    assert_eq!(refused("ghcr.io./v2/", None), "host-not-allowed", "trailing dot");
    assert_eq!(refused("ghcr.io:8443/v2/", None), "host-not-allowed", "another port");
    assert_eq!(
        refused("127.0.0.1:5556/v2/", None),
        "forbidden-address",
        "only the listed dev port"
    );
    assert_eq!(refused("", None), "not-registry-path");
}

#[test]
fn loopback_private_link_local_and_metadata_in_every_spelling() {
    for host in [
        "127.0.0.1",
        "127.1",
        "2130706433",
        "0x7f000001",
        "0x7f.0x0.0x0.0x1",
        "0177.0.0.1",
        "017700000001",
        "[::1]",
        "[0:0:0:0:0:0:0:1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::127.0.0.1]",
        "10.0.0.1",
        "0xa.0.0.1",
        "167772161",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "0xa9fea9fe",
        "2852039166",
        "0251.0376.0251.0376",
        "[::ffff:169.254.169.254]",
        "[::ffff:a9fe:a9fe]",
        "[64:ff9b::a9fe:a9fe]",
        "[2002:a9fe:a9fe::]",
        "[fd00::1]",
        "[fe80::1]",
        "0.0.0.0",
        "0",
        "100.64.0.1",
        "localhost",
        "metadata.google.internal",
        "registry.localhost",
    ] {
        assert_eq!(refused(&format!("{host}/v2/"), None), "forbidden-address", "{host}");
    }
}

#[test]
fn userinfo_tricks_are_refused() {
    assert_eq!(refused("ghcr.io@evil.example/v2/", None), "userinfo");
    assert_eq!(refused("user:pass@ghcr.io/v2/", None), "userinfo");
    assert_eq!(list().check("https://user@ghcr.io/v2/").unwrap_err().code(), "userinfo");
}

#[test]
fn paths_that_a_parser_would_rewrite_are_refused() {
    for path in [
        "ghcr.io/v2/../../admin",
        "ghcr.io/v2/o/a/manifests/..",
        "ghcr.io/v2/./o/a/tags/list",
        "ghcr.io/v2/o%2fa/tags/list",
        "ghcr.io/v2/o/a/manifests/%2e%2e",
        "ghcr.io/v2//o/tags/list",
        "ghcr.io/v2/o\\a/tags/list",
        "ghcr.io/v2/o/a/manifests/1\r\nX-Injected: 1",
        "ghcr.io/v2/o/a/manifests/1 2",
    ] {
        assert_eq!(refused(path, None), "bad-path", "{path:?}");
    }
}

#[test]
fn only_registry_api_paths_pass() {
    for path in [
        "ghcr.io/",
        "ghcr.io/login",
        "ghcr.io/v2",
        "ghcr.io/v2/_catalog",
        "ghcr.io/v2/o/a/blobs/uploads/",
        "ghcr.io/v2/o/a/manifests/UPPER:case",
        "ghcr.io/v2/O/a/tags/list",
        "ghcr.io/v2/o/a/blobs/latest",
        "ghcr.io/v2/o/a/referrers/latest",
        "ghcr.io/v1/o/a/tags/list",
        "ghcr.io/token/extra",
        "auth.docker.io/v2/",
        "auth.docker.io/other",
    ] {
        let code = refused(path, None);
        assert!(
            code == "not-registry-path" || code == "host-not-allowed",
            "{path}: {code}"
        );
    }
}

#[test]
fn queries_are_limited_to_what_each_endpoint_defines() {
    assert_eq!(refused("ghcr.io/v2/o/a/manifests/1", Some("x=1")), "bad-query");
    assert_eq!(
        refused("ghcr.io/v2/o/a/tags/list", Some("n=1&redirect=http://evil")),
        "bad-query"
    );
    assert_eq!(
        refused("ghcr.io/v2/o/a/tags/list", Some("last=a%0d%0aX:1")),
        "bad-query"
    );
    assert_eq!(refused("ghcr.io/v2/o/a/tags/list", Some("last=a\r\nX:1")), "bad-path");
    for scope in [
        "repository:o/a:push",
        "repository:o/a:pull,push",
        "repository:o/a:*",
        "registry:catalog:*",
        "repository:../a:pull",
    ] {
        assert_eq!(
            refused("ghcr.io/token", Some(&format!("scope={scope}"))),
            "bad-scope",
            "{scope}"
        );
    }
}

#[test]
fn redirects_are_checked_hop_by_hop() {
    let from = Url::parse(&format!("https://registry-1.docker.io/v2/library/a/blobs/{DIGEST}")).unwrap();
    let cdn = list()
        .check_redirect(
            &from,
            "https://production.cloudflare.docker.com/registry-v2/docker/x?sig=1",
        )
        .unwrap();
    assert_eq!(cdn.kind, TargetKind::Redirect);
    for (location, code) in [
        ("http://169.254.169.254/latest/meta-data/", "forbidden-address"),
        ("http://[::ffff:a9fe:a9fe]/", "forbidden-address"),
        ("https://evil.example/x", "redirect-refused"),
        ("http://production.cloudflare.docker.com/x", "redirect-refused"),
        ("https://u:p@production.cloudflare.docker.com/x", "redirect-refused"),
        ("/v2/_catalog", "not-registry-path"),
        ("http://127.0.0.1:5555/v2/", "forbidden-address"),
    ] {
        let refusal = list().check_redirect(&from, location).unwrap_err();
        assert_eq!(refusal.code(), code, "{location}");
    }
    let offlist = list().check_redirect(&from, "https://evil.example/x").unwrap_err();
    assert_eq!(
        offlist.message(),
        "registry-1.docker.io redirected to evil.example, which is not on this edge's allowlist — to allow it on an edge you host, add evil.example to REDIRECT_HOSTS in worker/wrangler.toml [vars]"
    );
    let dev = Url::parse("http://127.0.0.1:5555/v2/demo/a/manifests/1").unwrap();
    assert!(list().check_redirect(&dev, "/v2/demo/a/manifests/2").is_ok());
    // Artifact Registry's own download path, on its own host only.
    let ar = Url::parse(&format!("https://us-docker.pkg.dev/v2/p/r/i/blobs/{DIGEST}")).unwrap();
    let download = "/artifacts-downloads/namespaces/p/repositories/r/downloads/AI3WYFYe";
    assert_eq!(list().check_redirect(&ar, download).unwrap().kind, TargetKind::Redirect);
    let elsewhere = format!("https://ghcr.io{download}");
    assert_eq!(
        list().check_redirect(&ar, &elsewhere).unwrap_err().code(),
        "not-registry-path"
    );
}

#[test]
fn registries_of_references_are_checked() {
    let allowed: Reference = "ghcr.io/o/a:1".parse().unwrap();
    assert!(list().check_registry(&allowed).is_ok());
    let hub: Reference = "alpine".parse().unwrap();
    assert!(
        list().check_registry(&hub).is_ok(),
        "docker.io means registry-1.docker.io"
    );
    let dev: Reference = "127.0.0.1:5555/demo/busybox:oci".parse().unwrap();
    assert!(list().check_registry(&dev).is_ok());
    let quay: Reference = "quay.io/o/a".parse().unwrap();
    assert_eq!(list().check_registry(&quay).unwrap_err().code(), "host-not-allowed");
    let local: Reference = "localhost:6379/x".parse().unwrap();
    assert_eq!(list().check_registry(&local).unwrap_err().code(), "forbidden-address");
}

#[test]
fn bad_entries_are_reported() {
    assert!(Allowlist::parse("ftp://x", "", "").is_err());
    assert!(Allowlist::parse("*.", "", "").is_err());
    assert!(Allowlist::parse("a/b", "", "").is_err());
    assert!(Allowlist::parse("", "auth.example", "").is_err());
}
