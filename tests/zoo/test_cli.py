"""`fathom` against every registry of the zoo, by the names users paste: inspect, match, tags
and diff, anonymously and with credentials (config.json `auths` and a credential helper), and
each failure a message that names the registry and what to do."""

import json
import os
import stat

import pytest

from conftest import ROOT, docker_config, fathom
import registries
from registries import name_of

EXPECTED = {t["ref"]: t for t in json.loads((ROOT / "scripts/demo-registry/expected.json").read_text())["tags"]}
FRONTS = {kind.key: kind for kind in registries.FRONTS}


def repository_of(reference: str):
    """The zoo repository a reference names (registry.k8s.io's live in Artifact Registry, where
    it redirects)."""
    name = reference.rsplit(":", 1)[0] if "@" not in reference else reference.split("@")[0]
    path = name.split("/", 1)[1] if "." in name.split("/")[0] else name
    for kind in registries.FRONTS:
        for repository in kind.repositories:
            if repository.name == path or repository.name.endswith("/" + path) or repository.name == f"library/{path}":
                return repository
    raise KeyError(reference)


def source_of(reference: str) -> dict:
    """The demo image a zoo reference is a copy of (its expected digests)."""
    return EXPECTED[repository_of(reference).tags[reference.rsplit(":", 1)[1]]]


def platform_text(platform: dict) -> str:
    return "/".join(v for v in (platform.get("os"), platform.get("architecture"), platform.get("variant")) if v)


def report(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(params=sorted(FRONTS))
def kind(request):
    return FRONTS[request.param]


@pytest.fixture(params=sorted(k for k, kind in FRONTS.items() if kind.private_example))
def private_kind(request):
    """A registry of the zoo with a private repository (MCR, registry.k8s.io and ECR Public serve
    public images only)."""
    return FRONTS[request.param]


@pytest.fixture(params=sorted(k for k, kind in FRONTS.items() if kind.rate_limits))
def limiting_kind(request):
    """A registry of the zoo whose rate limit is emulated."""
    return FRONTS[request.param]


def test_inspect_by_the_name_users_paste(kind, anonymous, credentials, zoo):
    zoo.clear()
    config = anonymous if kind.anonymous_pull else credentials
    got = report(fathom("inspect", kind.example, "--format", "json", config=config))
    expected = source_of(kind.example)
    assert got["digest"] == expected["digest"]
    platforms = {(p["platform"], p["digest"]) for p in expected["manifests"]}
    shown = {(platform_text(row["platform"]), row["descriptor"]["digest"]) for row in got["platforms"]}
    assert len(platforms) > 1 and platforms <= shown, (platforms, shown)
    assert all(row["verified"] for row in got["platforms"]), got["platforms"]
    assert not [f for f in got["findings"] if f["severity"] == "error"], got["findings"]
    # The rate limit is in the Report exactly where the registry sends one (Docker Hub).
    assert (got.get("rateLimit") is not None) == (kind.key == "dockerhub"), got.get("rateLimit")
    # Every request went to the registry's own hosts and the hosts it redirects to; credentials
    # never followed a redirect to another host.
    log = zoo.log()
    stores = {h for store in registries.STORES for h in store.hosts}
    assert [e for e in log if e["host"] in stores and e["authorization"]] == [], "credentials sent to a blob store"


def test_docker_hubs_rate_limit_is_shown(anonymous):
    got = report(fathom("inspect", "mysql:8", "--format", "json", config=anonymous))
    assert got["rateLimit"] == {"limit": 100, "remaining": 76, "windowSeconds": 21600, "source": "127.0.0.1"}
    shown = fathom("inspect", "mysql:8", config=anonymous, check=True).stdout
    assert "rate limit: 76 of 100 requests left" in shown, shown


def test_match_picks_the_arm64_image(kind, anonymous, credentials):
    config = anonymous if kind.anonymous_pull else credentials
    got = report(fathom("match", kind.example, "--platform", "linux/arm64", "--format", "json", config=config))
    expected = {p["platform"]: p["digest"] for p in source_of(kind.example)["manifests"]}
    assert got["digest"] == expected["linux/arm64/v8"], got


def test_layers_stream_through_each_registrys_redirects_verified(kind, anonymous, credentials, zoo):
    """`fathom layers` reaches each layer as the registry serves blobs — a HEAD through its token
    service, then a GET that most registries redirect to a blob store — and every layer hashes to
    its digest and, uncompressed, to its diff_id. Credentials never follow a redirect."""
    zoo.clear()
    config = anonymous if kind.anonymous_pull else credentials
    got = report(fathom("layers", kind.example, "--platform", "linux/arm64", "--format", "json", config=config))
    [row] = [row for row in got["platforms"] if "files" in (row.get("image") or {})]
    assert row["platform"]["architecture"] == "arm64", row["platform"]
    files = row["image"]["files"]
    assert files["layers"], got
    for layer in files["layers"]:
        assert layer["verified"] and layer["diffId"] and layer["entries"] > 0, layer
    log = zoo.log()
    stores = {h for store in registries.STORES for h in store.hosts}
    assert [e for e in log if e["host"] in stores and e["authorization"]] == [], "credentials sent to a blob store"


def test_tags_are_listed_in_full(kind, anonymous, credentials):
    config = anonymous if kind.anonymous_pull else credentials
    name = kind.example.rsplit(":", 1)[0]
    result = fathom("tags", name, "--format", "json", config=config)
    assert result.returncode == 0, result.stderr
    tags = json.loads(result.stdout)["tags"]
    assert set(repository_of(kind.example).tags) <= set(tags), tags


@pytest.mark.parametrize("key", ["ghcr", "quay"])
def test_tags_follow_the_registrys_own_pages(key, anonymous, zoo):
    """GHCR and Quay answer 100 tags at most with a `Link` to the next page: all 123 are listed,
    in two pages."""
    kind = FRONTS[key]
    name = kind.example.rsplit(":", 1)[0]
    zoo.clear()
    got = json.loads(fathom("tags", name, "--format", "json", config=anonymous, check=True).stdout)
    assert set(repository_of(kind.example).tags) <= set(got["tags"]) and len(got["tags"]) > 100, got
    pages = [e for e in zoo.log() if e["path"].endswith("/tags/list")]
    assert len(pages) == 2, pages


def test_a_private_repository_needs_credentials(private_kind, anonymous, credentials):
    kind = private_kind
    refused = fathom("inspect", kind.private_example, config=anonymous)
    assert refused.returncode == 1
    message = refused.stderr
    assert kind.private_example.split(":")[0].split("/")[-1] in message
    assert "log in" in message and f"{name_of(kind)}: to log in, run `" in message, message
    assert "password" not in message or "wrong" not in message, "no password was sent: " + message
    got = report(fathom("inspect", kind.private_example, "--format", "json", config=credentials))
    assert all(row["verified"] for row in got["platforms"])


def test_a_credential_helper_is_asked(private_kind, tmp_path, zoo):
    """config.json's `credHelpers` names a helper; fathom runs `docker-credential-<name> get` with
    the registry host on stdin, as docker does (https://github.com/docker/docker-credential-helpers)."""
    kind = private_kind
    user, password = next(iter(kind.users.items()))
    host = kind.config_key or kind.hosts[0] + ("" if kind.port == 443 else f":{kind.port}")
    asked = tmp_path / "asked"
    helper = tmp_path / "bin/docker-credential-zoo"
    helper.parent.mkdir()
    helper.write_text(
        "#!/bin/sh\n"
        f'read host; echo "$1 $host" >>{asked}\n'
        f'printf \'{{"ServerURL":"%s","Username":"{user}","Secret":"{password}"}}\' "$host"\n')
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    config = docker_config(tmp_path / "config", helpers={host: "zoo"})
    path = f"{helper.parent}:{os.environ['PATH']}"
    got = report(fathom("inspect", kind.private_example, "--format", "json", config=config, extra_env={"PATH": path}))
    assert got["digest"]
    assert asked.read_text().split()[0:2] == ["get", host], asked.read_text()


def test_diff_of_two_tags(kind, anonymous, credentials):
    config = anonymous if kind.anonymous_pull else credentials
    name = kind.example.rsplit(":", 1)[0]
    repository = repository_of(kind.example)
    tags = sorted(repository.tags, key=lambda t: repository.tags[t])
    a, b = f"{name}:{tags[0]}", f"{name}:{tags[-1]}"
    result = fathom("diff", a, b, "--format", "json", config=config)
    assert result.returncode in (0, 1), result.stderr
    diff = json.loads(result.stdout)
    assert diff["a"]["reference"].endswith(tags[0]) and diff["b"]["reference"].endswith(tags[-1])


def test_a_missing_tag_and_a_missing_repository_say_so(kind, anonymous, credentials):
    config = anonymous if kind.anonymous_pull else credentials
    name = kind.example.rsplit(":", 1)[0]
    missing_tag = fathom("inspect", f"{name}:no-such-tag", config=config)
    assert missing_tag.returncode == 1 and "no-such-tag" in missing_tag.stderr, missing_tag.stderr
    assert "not found" in missing_tag.stderr, missing_tag.stderr
    assert f"{name_of(kind)}: check the repository name and tag" in missing_tag.stderr, missing_tag.stderr
    registry = name.split("/")[0] if "." in name.split("/")[0] else "docker.io"
    missing_repository = fathom("inspect", f"{registry}/fathom-zoo/no-such-repository:1", config=config)
    assert missing_repository.returncode == 1
    assert "no-such-repository" in missing_repository.stderr, missing_repository.stderr


def test_a_rate_limit_is_named_with_what_to_do(limiting_kind, anonymous, credentials, zoo):
    kind = limiting_kind
    config = anonymous if kind.anonymous_pull else credentials
    zoo.exhaust(kind.key)
    try:
        result = fathom("inspect", kind.example, config=config)
    finally:
        zoo.restore(kind.key)
    assert result.returncode == 1
    assert "rate limit" in result.stderr and f"{name_of(kind)}: " in result.stderr, result.stderr
    if kind.key in ("dockerhub", "ecr"):
        # Where logging in raises the limit (docs.docker.com/docker-hub/usage/pulls/; ECR
        # Public's service quotas), the message says so.
        assert "higher" in result.stderr, result.stderr
