"""The browser's registry proxy on real workerd: what it serves, and every abuse it refuses,
each with a problem+json reason. Requests are sent raw (http.client), so that nothing on the
client side normalises the path the way a browser or urllib would."""

import http.client
import json

import pytest

from conftest import WORKER_PORT, push_blob

INDEX = "application/vnd.oci.image.index.v1+json"


def send(method, target, headers=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", WORKER_PORT, timeout=60)
    connection.putrequest(method, target, skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    if body is not None:
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, payload


def refused(method, target, status, code, headers=None, body=None):
    got, response_headers, payload = send(method, target, headers, body)
    assert got == status, f"{method} {target!r}: {got} {payload[:300]!r}"
    if method != "HEAD":
        assert response_headers["content-type"] == "application/problem+json", payload
        doc = json.loads(payload)
        assert doc["code"] == code, f"{target!r}: {doc}"
        assert doc["detail"]
    assert "set-cookie" not in response_headers
    return response_headers


def test_registry_api_through_the_proxy(worker, demo):
    status, headers, body = send("GET", "/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/oci", {"Accept": INDEX})
    assert status == 200
    assert headers["content-type"] == INDEX
    digest = headers["docker-content-digest"]
    assert headers["cache-control"] == "no-store", "a tag may move"
    # By digest: cacheable for a year, and the second time it comes from the edge cache.
    status, headers, again = send("GET", f"/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/{digest}", {"Accept": INDEX})
    assert (status, again) == (200, body)
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    _, headers, _ = send("GET", f"/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/{digest}", {"Accept": INDEX})
    assert headers["x-fathom-cache"] == "hit"
    status, headers, _ = send("HEAD", "/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/oci", {"Accept": INDEX})
    assert status == 200 and headers["docker-content-digest"] == digest
    status, _, body = send("GET", "/proxy/127.0.0.1:5555/v2/demo/busybox/tags/list?n=2")
    assert status == 200 and "oci" in json.loads(body)["tags"]
    status, _, _ = send("GET", "/proxy/127.0.0.1:5555/v2/")
    assert status == 200


def test_auth_challenges_tokens_and_the_callers_authorization(worker, demo):
    status, headers, _ = send("GET", "/proxy/127.0.0.1:5557/v2/demo/busybox/manifests/oci", {"Accept": INDEX})
    # Renamed, so that a Basic challenge does not make the browser pop up its login dialog.
    assert "www-authenticate" not in headers
    assert status == 401 and 'realm="http://127.0.0.1:5558/token"' in headers["x-registry-www-authenticate"]
    status, headers, _ = send("GET", "/proxy/127.0.0.1:5556/v2/demo/busybox/manifests/oci", {"Accept": INDEX})
    assert status == 401 and headers["x-registry-www-authenticate"].startswith("Basic")
    assert "www-authenticate" not in headers
    scope = "repository:demo/busybox:pull"
    status, _, body = send(
        "GET",
        f"/proxy/127.0.0.1:5558/token?service=fathom-demo&scope={scope}",
        {"Authorization": "Basic " + __import__("base64").b64encode(b"fathom:fathom-demo").decode()},
    )
    assert status == 200, body
    token = json.loads(body).get("token") or json.loads(body)["access_token"]
    status, _, _ = send(
        "GET", "/proxy/127.0.0.1:5557/v2/demo/busybox/manifests/oci", {"Accept": INDEX, "Authorization": f"Bearer {token}"}
    )
    assert status == 200


def test_cors_only_for_the_apps_own_origin(worker):
    own = f"http://127.0.0.1:{WORKER_PORT}"
    _, headers, _ = send("GET", "/proxy/127.0.0.1:5555/v2/", {"Origin": own})
    assert headers["access-control-allow-origin"] == own
    assert "docker-content-digest" in headers["access-control-expose-headers"].lower()
    _, headers, _ = send("GET", "/proxy/127.0.0.1:5555/v2/", {"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in headers
    status, headers, _ = send("OPTIONS", "/proxy/127.0.0.1:5555/v2/", {"Origin": own, "Access-Control-Request-Method": "GET"})
    assert status == 204 and "GET" in headers["access-control-allow-methods"]
    refused("OPTIONS", "/proxy/127.0.0.1:5555/v2/", 403, "origin-not-allowed", {"Origin": "https://evil.example"})


def test_no_cookies_either_way(worker, demo):
    status, headers, _ = send("GET", "/proxy/127.0.0.1:5555/v2/", {"Cookie": "session=secret"})
    assert status == 200 and "set-cookie" not in headers


# Every abuse: (method, target, status, code). At least 30, as the edge's contract says.
ABUSE = [
    # Hosts that are not on the allowlist.
    ("GET", "/proxy/evil.example/v2/", 403, "host-not-allowed"),
    ("GET", "/proxy/quay.io.evil.example/v2/", 403, "host-not-allowed"),
    ("GET", "/proxy/127.0.0.1.evil.example/v2/", 403, "host-not-allowed"),
    ("GET", "/proxy/127.0.0.1:5555.evil.example/v2/", 400, "bad-url"),
    # Loopback, private, link-local and metadata addresses, in every spelling.
    ("GET", "/proxy/127.0.0.1/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/127.0.0.1:6379/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/127.1:5556/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/2130706433/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/0x7f000001/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/0177.0.0.1/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/[::1]/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/[::ffff:127.0.0.1]:5555/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/[::ffff:7f00:1]/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/localhost:6379/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/10.0.0.1/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/167772161/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/0xa.0.0.1/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/192.168.1.1/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/172.16.0.1/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/169.254.169.254/latest/meta-data/", 403, "forbidden-address"),
    ("GET", "/proxy/2852039166/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/0xa9fea9fe/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/0251.0376.0251.0376/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/[::ffff:169.254.169.254]/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/[fd00::1]/v2/", 403, "forbidden-address"),
    ("GET", "/proxy/metadata.google.internal/v2/", 403, "forbidden-address"),
    # User-info tricks.
    ("GET", "/proxy/127.0.0.1:5555@evil.example/v2/", 403, "userinfo"),
    ("GET", "/proxy/user:pass@127.0.0.1:5555/v2/", 403, "userinfo"),
    # Dot segments, encoded slashes and dots, back slashes, empty segments.
    ("GET", "/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/..%2f..%2f_catalog", 400, "bad-path"),
    ("GET", "/proxy/127.0.0.1:5555/v2/demo%2fbusybox/tags/list", 400, "bad-path"),
    # (workerd's URL parser has already resolved an encoded `..`: what is left is no API path)
    ("GET", "/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/%2e%2e", 400, "not-registry-path"),
    ("GET", "/proxy/127.0.0.1:5555/v2//demo/tags/list", 400, "bad-path"),
    # (and has turned a back slash into a slash, as browsers do)
    ("GET", "/proxy/127.0.0.1:5555\\@evil.example/v2/", 400, "not-registry-path"),
    # CRLF and other control characters in parameters, and parameters no endpoint defines.
    ("GET", "/proxy/127.0.0.1:5555/v2/demo/busybox/tags/list?last=a%0d%0aX-Injected:%201", 400, "bad-query"),
    ("GET", "/proxy/127.0.0.1:5555/v2/demo/busybox/tags/list?n=1&url=http://evil.example", 400, "bad-query"),
    ("GET", "/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/oci?redirect=1", 400, "bad-query"),
    ("GET", "/proxy/127.0.0.1:5558/token?service=fathom-demo&scope=repository:demo/busybox:push", 400, "bad-scope"),
    ("GET", "/proxy/127.0.0.1:5558/token?scope=registry:catalog:*", 400, "bad-scope"),
    # Paths that are not the registry API this proxy serves.
    ("GET", "/proxy/127.0.0.1:5555/", 400, "not-registry-path"),
    ("GET", "/proxy/127.0.0.1:5555/v2/_catalog", 400, "not-registry-path"),
    ("GET", "/proxy/127.0.0.1:5555/v2/demo/busybox/blobs/uploads/", 400, "not-registry-path"),
    ("GET", "/proxy/127.0.0.1:5555/debug/vars", 400, "not-registry-path"),
    ("GET", "/proxy/127.0.0.1:5558/healthz", 400, "not-registry-path"),
    # Methods other than GET and HEAD.
    ("POST", "/proxy/127.0.0.1:5555/v2/demo/busybox/blobs/uploads/", 405, "method-not-allowed"),
    ("PUT", "/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/oci", 405, "method-not-allowed"),
    ("DELETE", "/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/oci", 405, "method-not-allowed"),
    ("PATCH", "/proxy/127.0.0.1:5555/v2/demo/busybox/blobs/uploads/x", 405, "method-not-allowed"),
    ("QUERY", "/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/oci", 405, "method-not-allowed"),
    ("TRACE", "/proxy/127.0.0.1:5555/v2/", 405, "method-not-allowed"),
]


@pytest.mark.parametrize("method,target,status,code", ABUSE, ids=[f"{m} {t}" for m, t, _, _ in ABUSE])
def test_abuse_is_refused_with_its_reason(worker, method, target, status, code):
    refused(method, target, status, code)


def test_a_body_is_refused(worker):
    refused("GET", "/proxy/127.0.0.1:5555/v2/", 400, "body-not-allowed", body=b"x" * 1024)


def test_redirects_are_checked_at_every_hop(worker, fault_proxy):
    base = f"/proxy/{fault_proxy}/v2"
    status, _, body = send("GET", f"{base}/fault-redirect-same/demo/busybox/manifests/oci", {"Accept": INDEX})
    assert status == 200 and json.loads(body)["mediaType"] == INDEX, "an allowed redirect is followed"
    refused("GET", f"{base}/fault-redirect-metadata/demo/busybox/manifests/oci", 403, "forbidden-address")
    refused("GET", f"{base}/fault-redirect-loopback/demo/busybox/manifests/oci", 403, "forbidden-address")
    offlist = f"{base}/fault-redirect-offlist/demo/busybox/manifests/oci"
    refused("GET", offlist, 403, "redirect-refused")
    _, _, payload = send("GET", offlist, {"Accept": INDEX})
    assert "REDIRECT_HOSTS" in json.loads(payload)["detail"], "says how to allow the host when self-hosting"


def test_oversized_bodies_are_refused(worker, fault_proxy, demo):
    index = json.loads(send("GET", "/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/oci", {"Accept": INDEX})[2])
    manifest = json.loads(send("GET", f"/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/{index['manifests'][0]['digest']}",
                               {"Accept": index["manifests"][0]["mediaType"]})[2])
    layer = manifest["layers"][0]["digest"]
    refused("GET", f"/proxy/{fault_proxy}/v2/fault-big/demo/busybox/manifests/oci", 502, "upstream-too-large",
            {"Accept": INDEX})
    # A layer streams through (below), but not one past the cap, by what it declares.
    refused("GET", f"/proxy/{fault_proxy}/v2/fault-bigblob/demo/busybox/blobs/{layer}", 502, "upstream-too-large")


def test_a_layer_streams_through_whole_and_small_blobs_are_kept_at_the_edge(worker, demo):
    """A blob over 8 MiB (a layer) is relayed as it arrives, never held whole by the edge; the
    bytes that come out hash to the digest the page asked for. A small one (a config) is read,
    relayed and kept at the edge by digest."""
    import hashlib
    import os

    big = os.urandom(12 << 20)
    digest = push_blob("127.0.0.1:5555", "test-proxy/stream", big)
    status, headers, body = send("GET", f"/proxy/127.0.0.1:5555/v2/test-proxy/stream/blobs/{digest}")
    assert status == 200 and len(body) == len(big)
    assert "sha256:" + hashlib.sha256(body).hexdigest() == digest
    assert headers["x-fathom-cache"] == "stream" and "immutable" in headers["cache-control"]
    small = os.urandom(4096)
    digest = push_blob("127.0.0.1:5555", "test-proxy/stream", small)
    first = send("GET", f"/proxy/127.0.0.1:5555/v2/test-proxy/stream/blobs/{digest}")
    assert first[0] == 200 and first[2] == small and first[1]["x-fathom-cache"] == "miss"
