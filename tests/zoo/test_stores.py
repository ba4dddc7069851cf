"""The object stores blobs are redirected to, asked directly: a signed URL serves the blob, a
tampered one is refused, and a request that carries an `Authorization` header is refused with
that store's own answer -- the behaviour every client must meet by never forwarding credentials."""

import json
import urllib.error
import urllib.request

import pytest

import registries
from conftest import ROOT

# A manifest of the demo index (distribution keeps manifests in its blob store too).
TAGS = {t["ref"]: t for t in json.loads((ROOT / "scripts/demo-registry/expected.json").read_text())["tags"]}
BLOB = TAGS["demo/busybox:oci"]["manifests"][0]["digest"]


def status_of(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize("store", registries.STORES, ids=lambda s: s.hosts[0])
def test_a_store_serves_signed_urls_and_refuses_credentials(store, zoo):
    url = zoo.signed_url(store.hosts[0], BLOB, "library/mysql")
    assert status_of(url)[0] == 200
    status, body = status_of(url, {"Authorization": "Bearer not-for-this-host"})
    assert (status, body) == store.refusal
    if store.scheme is not None:
        tampered = url.replace(f"{store.scheme.param}=", f"{store.scheme.param}=x")
        assert status_of(tampered)[0] == 403
