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


def get(base: str, path: str, **query):
    url = f"{base}{path}?{urllib.parse.urlencode(query)}"
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


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
