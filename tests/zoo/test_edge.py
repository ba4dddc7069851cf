"""The edge API on real workerd, with worker/wrangler.toml's production settings unchanged,
against every registry of the zoo by the names users paste: each host a real pull touches is let
through (token, CDN, redirect, object-store hosts), and credentials never follow a redirect."""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

import registries
from test_cli import platform_text, source_of

FRONTS = {kind.key: kind for kind in registries.FRONTS if kind.anonymous_pull}
STORES = {host for store in registries.STORES for host in store.hosts}


def get_with_headers(base: str, path: str, **query):
    url = f"{base}{path}?{urllib.parse.urlencode(query)}"
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.headers, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.load(error)


def get(base: str, path: str, **query):
    status, _, body = get_with_headers(base, path, **query)
    return status, body


@pytest.mark.parametrize("key", sorted(FRONTS))
def test_the_edge_inspects_every_public_registry(worker, zoo, key):
    kind = FRONTS[key]
    zoo.clear()
    status, report = get(worker, "/api/v1/inspect", ref=kind.example)
    assert status == 200, report
    expected = source_of(kind.example)
    assert report["digest"] == expected["digest"]
    shown = {(platform_text(row["platform"]), row["descriptor"]["digest"]) for row in report["platforms"]}
    assert {(p["platform"], p["digest"]) for p in expected["manifests"]} <= shown
    assert all(row["verified"] for row in report["platforms"]), report["platforms"]
    # Configs are blobs: they come through each registry's redirect to its object store.
    assert all(row["image"]["configVerified"] for row in report["platforms"] if row["kind"] == "image"), report
    assert report["findings"] == [], report["findings"]
    assert [e for e in zoo.log() if e["host"] in STORES and e["authorization"]] == []


def test_a_host_off_the_production_allowlist_is_refused(worker):
    status, problem = get(worker, "/api/v1/inspect", ref="registry.example.com:5443/team/app:1")
    assert status in (400, 403), problem
    assert "REGISTRIES" in json.dumps(problem), problem


def test_a_hot_tag_costs_docker_hub_nothing(worker, zoo):
    """Within the tag's time to live (production: 60 s) the edge answers `mysql:8` without a
    single request to Docker Hub, and says how old its resolution is."""
    status, headers, first = get_with_headers(worker, "/api/v1/inspect", ref="mysql:8", fresh="1")
    assert status == 200 and first["tagResolution"]["ageSeconds"] == 0, first.get("tagResolution")
    zoo.clear()
    status, headers, hot = get_with_headers(worker, "/api/v1/inspect", ref="mysql:8")
    assert status == 200 and headers["X-Fathom-Cache"] == "hit"
    assert [e for e in zoo.log() if e["host"] == "registry-1.docker.io"] == [], zoo.log()
    assert hot["requests"] == 0 and hot["digest"] == first["digest"]
    age = int(headers["Age"])
    assert hot["tagResolution"]["ageSeconds"] == age and 0 <= age < 60
    assert headers["Cache-Control"] == f"public, max-age={60 - age}", headers["Cache-Control"]


BACKEND = "http://127.0.0.1:5000"  # the zoo's distribution, inside the namespace (scripts/zoo.sh)


def move_tag(repository: str, tag: str, to: str) -> str:
    """Points `tag` of the zoo's `repository` at what tag `to` names, in the backend (as a push
    to the registry would); returns that digest."""
    manifest = urllib.request.Request(f"{BACKEND}/v2/{repository}/manifests/{to}", headers={"Accept": ", ".join([
        "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"])})
    with urllib.request.urlopen(manifest) as response:
        body, media_type = response.read(), response.headers["Content-Type"]
        digest = response.headers["Docker-Content-Digest"]
    put = urllib.request.Request(f"{BACKEND}/v2/{repository}/manifests/{tag}", data=body, method="PUT",
                                 headers={"Content-Type": media_type})
    urllib.request.urlopen(put).close()
    return digest


def test_a_rate_limited_docker_hub_gets_the_last_good_report_served_stale(worker, zoo):
    """A tag moved to a digest the edge has no Report of, while Docker Hub's pull limit is run
    dry: Docker Hub answers the HEAD (it does not count HEADs) but refuses the manifest GET with
    429, so the edge serves the tag's last good Report, marked stale — and leaves Docker Hub alone
    until the back-off passes."""
    before = move_tag("dockerhub/library/mysql", "moving", "8")
    status, _, good = get_with_headers(worker, "/api/v1/inspect", ref="mysql:moving", fresh="1")
    assert status == 200 and good["digest"] == before, good
    move_tag("dockerhub/library/mysql", "moving", "9")
    zoo.exhaust("dockerhub")
    try:
        zoo.clear()
        status, headers, stale = get_with_headers(worker, "/api/v1/inspect", ref="mysql:moving", fresh="1")
        assert status == 200, stale
        assert headers["X-Fathom-Cache"] == "stale" and headers["Cache-Control"] == "no-cache", dict(headers)
        why = stale["tagResolution"]["stale"]
        # Docker Hub's pull-limit 429 carries no Retry-After: the edge backs off 60 s.
        assert why["reason"] == "rate-limited" and why["retryAfter"] == 60, why
        assert "rate limited" in why["message"] and "Docker Hub" in why["message"], why["message"]
        assert headers["Retry-After"] == "60" and stale["digest"] == before
        hub = [(e["method"], e["path"]) for e in zoo.log() if e["host"] == "registry-1.docker.io"]
        assert ("HEAD", "/v2/library/mysql/manifests/moving") in hub, hub
        assert all(method == "GET" for method, path in hub if "sha256:" in path), hub
        # Until the back-off passes, not even `fresh=1` asks Docker Hub again.
        zoo.clear()
        status, headers, _ = get_with_headers(worker, "/api/v1/inspect", ref="mysql:moving", fresh="1")
        assert status == 200 and headers["X-Fathom-Cache"] == "stale"
        assert [e for e in zoo.log() if e["host"] == "registry-1.docker.io"] == [], zoo.log()
    finally:
        zoo.restore("dockerhub")
