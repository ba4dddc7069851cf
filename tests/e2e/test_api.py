"""The edge API on real workerd against the real demo registry: the same Report as the CLI,
problem+json errors with stable codes, and the edge cache by digest."""

import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import jsonschema
import pytest

from conftest import CLOSED_PORT, ROOT, UNRESOLVABLE, fetch_manifest, push_manifest

DEMO_TAGS = [
    t["ref"] for t in json.loads((ROOT / "scripts/demo-registry/expected.json").read_text())["tags"]
]


def get(base, path, **params):
    """(status, headers, body) of a GET; errors are answers too."""
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def problem(base, path, status, code, **params):
    got, headers, body = get(base, path, **params)
    assert got == status, f"{path} {params}: {got} {body[:400]!r}"
    assert headers["Content-Type"] == "application/problem+json"
    doc = json.loads(body)
    assert doc["code"] == code, doc
    assert doc["status"] == status and doc["type"] == f"urn:fathom:problem:{code}"
    assert doc["detail"], doc
    return doc


def cli_json(fathom, *args):
    out = subprocess.run([fathom, *args, "--format", "json"], capture_output=True)
    return out.returncode, out.stdout


def strip(text: bytes) -> bytes:
    """A Report's text without the lines `without_requests` leaves out."""
    text = re.sub(rb'\n  "tagResolution": \{\n(    .*\n)*  \},', b"", text)
    return b"\n".join(l for l in text.split(b"\n") if b'"requests"' not in l)


def without_requests(text):
    """The Report's `requests` counts what this face sent (the edge adds a HEAD, or answers from
    its cache), and only the edge keeps tag resolutions (`tagResolution`, how old it is): everything
    else must be byte for byte the same."""
    report = json.loads(text)
    report.pop("requests")
    report.pop("tagResolution", None)
    return report


@pytest.mark.parametrize("tag", DEMO_TAGS)
def test_the_api_report_is_the_cli_report(worker, fathom, report_schema, tag):
    reference = f"127.0.0.1:5555/{tag}"
    code, cli = cli_json(fathom, "inspect", reference)
    assert code == 0, cli
    status, headers, api = get(worker, "/api/v1/inspect", ref=reference)
    assert status == 200, api
    jsonschema.validate(json.loads(api), report_schema)
    assert without_requests(api) == without_requests(cli)
    # Same serialisation as the CLI: key order and layout (pretty, final newline).
    assert strip(api) == strip(cli)
    assert headers["ETag"] == f'"{json.loads(api)["digest"]}"'
    assert headers["Cache-Control"] == "public, max-age=60", "a tag may move"


def test_a_digest_reference_is_immutable_and_revalidates(worker):
    status, _, body = get(worker, "/api/v1/inspect", ref="127.0.0.1:5555/demo/busybox:oci")
    digest = json.loads(body)["digest"]
    reference = f"127.0.0.1:5555/demo/busybox@{digest}"
    status, headers, body = get(worker, "/api/v1/inspect", ref=reference)
    assert status == 200
    assert json.loads(body)["resolvedBy"] == "digest"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    request = urllib.request.Request(
        f"{worker}/api/v1/inspect?ref={urllib.parse.quote(reference)}", headers={"If-None-Match": headers["ETag"]}
    )
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(request, timeout=30)
    assert not_modified.value.code == 304


def test_match_is_the_cli_match(worker, fathom):
    # "arm64" alone means linux/arm64 at the edge as in the CLI (it once meant "unknown/arm64":
    # the OS came from the wasm32 build target).
    for platform in ["linux/arm64/v8", "linux/arm/v7", "linux/riscv64", "arm64"]:
        code, cli = cli_json(fathom, "match", "127.0.0.1:5555/demo/busybox:oci", "--platform", platform)
        status, _, api = get(worker, "/api/v1/match", ref="127.0.0.1:5555/demo/busybox:oci", platform=platform)
        assert status == 200, api
        assert json.loads(api) == json.loads(cli)
        assert (json.loads(api)["chosen"] is not None) == (code == 0)
    arm64 = json.loads(get(worker, "/api/v1/match", ref="127.0.0.1:5555/demo/busybox:oci", platform="arm64")[2])
    assert arm64["chosen"] is not None and arm64["platform"] == "linux/arm64", arm64
    none = json.loads(get(worker, "/api/v1/match", ref="127.0.0.1:5555/demo/busybox:oci", platform="linux/riscv64")[2])
    assert none["chosen"] is None and none["explanation"]["remedies"], none


@pytest.mark.parametrize("tag, signer, verdict", [
    ("signed:latest", "ed25519.pub", "verified"), ("signed:tampered-payload", "ed25519.pub", "invalid"),
    ("signed:wrong-digest", "ed25519.pub", "invalid"), ("signed:unsigned", "ed25519.pub", "unsigned"),
    # cosign v3's Sigstore bundle referrers.
    ("signed:bundle", "p256.pub", "verified"), ("signed:bundle-copied", "p256.pub", "invalid"),
    # notation, with its trust store's certificate (PEM only: its DER is not a key's).
    ("notation:signed", "notation-ca.crt", "verified"),
])
def test_verify_is_the_cli_verify(worker, fathom, demo, tag, signer, verdict):
    """The key as PEM and as the base64 of its DER (the PEM's body on one line) alike."""
    reference = f"127.0.0.1:5555/demo/{tag}"
    key = Path(demo["FATHOM_DEMO_KEYS"], signer)
    pem = key.read_text()
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    code, cli = cli_json(fathom, "verify", reference, "--key", str(key), "--platform", "linux/amd64")
    for given in (pem, body) if signer.endswith(".pub") else (pem,):
        status, headers, api = get(worker, "/api/v1/verify", ref=reference, platform="linux/amd64", key=given)
        assert status == 200, api
        assert json.loads(api) == json.loads(cli)
        assert headers["Cache-Control"] == "public, max-age=60"
    assert json.loads(api)["verdict"] == verdict
    assert (code == 0) == (verdict == "verified")
    unchecked = json.loads(get(worker, "/api/v1/verify", ref=reference)[2])
    assert unchecked["key"] is None and unchecked["verdict"] in ("unverified", "unsigned", "invalid")


def test_keyless_verify_at_the_edge_is_the_cli_s_under_the_public_good_root(worker, fathom, demo):
    """The edge checks keyless signatures against the public-good root it was built with: the
    same answer as `fathom verify` given that root. The demo's signatures are made with keys, so
    none is this identity's: invalid, said the same way by both."""
    reference = "127.0.0.1:5555/demo/signed:latest"
    identity = "https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main"
    issuer = "https://token.actions.githubusercontent.com"
    root = Path(__file__).resolve().parents[2] / "worker/sigstore/public-good.trusted_root.json"
    code, cli = cli_json(fathom, "verify", reference, "--trusted-root", str(root), "--certificate-identity", identity,
                         "--certificate-oidc-issuer", issuer, "--platform", "linux/amd64")
    status, _, api = get(worker, "/api/v1/verify", ref=reference, platform="linux/amd64", identity=identity,
                         issuer=issuer)
    assert status == 200, api
    assert json.loads(api) == json.loads(cli)
    answer = json.loads(api)
    assert code == 1 and answer["verdict"] == "invalid" and answer["key"].startswith("keyless identity "), answer
    problem(worker, "/api/v1/verify", 400, "missing-parameter", ref=reference, identity=identity)
    both = problem(worker, "/api/v1/verify", 400, "bad-key", ref=reference, identity=identity, issuer=issuer,
                   key=Path(demo["FATHOM_DEMO_KEYS"], "p256.pub").read_text())
    assert "not both" in both["detail"], both


@pytest.mark.parametrize("tag, verdict", [("signed", "verified"), ("expired", "invalid"),
                                          ("other-identity", "invalid")])
def test_the_dev_edge_trusts_the_demo_sigstore_besides_the_public_good_one(worker, fathom, demo, tag, verdict):
    """The dev environment's edge is given the demo registry's trusted root (SIGSTORE_TRUSTED_ROOT,
    beside the public-good root it is built with): demo/keyless's signatures are checked as
    `fathom verify` checks them under that root — the release workflow's verified, the one
    logged after its certificate expired and another repository's not."""
    reference = f"127.0.0.1:5555/demo/keyless:{tag}"
    identity = "https://github.com/fathom-demo/app/.github/workflows/release.yml@refs/tags/v1.2.0"
    issuer = "https://token.actions.githubusercontent.com"
    root = Path(demo["FATHOM_DEMO_KEYS"], "trusted_root.json")
    code, cli = cli_json(fathom, "verify", reference, "--trusted-root", str(root), "--certificate-identity", identity,
                         "--certificate-oidc-issuer", issuer)
    status, _, api = get(worker, "/api/v1/verify", ref=reference, identity=identity, issuer=issuer)
    assert status == 200, api
    assert json.loads(api) == json.loads(cli)
    answer = json.loads(api)
    assert answer["verdict"] == verdict and (code == 0) == (verdict == "verified"), answer
    assert answer["signatures"][0]["signer"]["issuer"] == issuer


def test_verify_refuses_keys_it_cannot_use(worker):
    reference = "127.0.0.1:5555/demo/signed:latest"
    doc = problem(worker, "/api/v1/verify", 400, "bad-key", ref=reference,
                  key="-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    assert "private key" in doc["detail"], doc
    problem(worker, "/api/v1/verify", 400, "bad-key", ref=reference, key="not a key")
    problem(worker, "/api/v1/verify", 400, "bad-key", ref=reference, key="A" * 9000)
    problem(worker, "/api/v1/verify", 400, "missing-parameter")


@pytest.mark.parametrize("reference, platform, kinds", [
    # BuildKit's attestation manifest: SLSA provenance and an SPDX statement.
    ("127.0.0.1:5555/demo/attested:latest", "linux/amd64", {"provenance", "sbom"}),
    # An SBOM attached to the top manifest as a referrer.
    ("127.0.0.1:5555/demo/busybox:oci", "linux/amd64", {"sbom"}),
    # cosign's `.att`: SLSA provenance in a DSSE envelope.
    ("127.0.0.1:5555/demo/signed:attested", "linux/ppc64le", {"provenance"}),
])
def test_attestations_are_what_fathom_provenance_and_sbom_read(worker, fathom, reference, platform, kinds):
    status, headers, api = get(worker, "/api/v1/attestations", ref=reference, platform=platform)
    assert status == 200, api
    assert headers["Cache-Control"] == "public, max-age=60"
    answer = json.loads(api)
    assert answer["platform"] == platform and answer["image"].startswith("sha256:")
    assert not any(a["findings"] for a in answer["attestations"]), answer
    found = {kind for a in answer["attestations"] for kind in ("provenance", "sbom") if a[kind]}
    assert found == kinds
    # Each CLI command keeps its own kind of what the edge answers whole.
    for kind in kinds:
        code, cli = cli_json(fathom, "provenance" if kind == "provenance" else "sbom", reference,
                             "--platform", platform)
        assert code == 0, cli
        cli = json.loads(cli)
        assert cli["attestations"] == [a for a in answer["attestations"] if a[kind]], kind
        assert {k: v for k, v in cli.items() if k != "attestations"} == \
            {k: v for k, v in answer.items() if k != "attestations"}


@pytest.mark.parametrize("reference, platform, signer", [
    # cosign's `.sig` and `.att`, checked with the demo P-256 key.
    ("127.0.0.1:5555/demo/signed:attested", "linux/ppc64le", "key"),
    # BuildKit's attestations of the amd64 image; no signature.
    ("127.0.0.1:5555/demo/attested:latest", "linux/amd64", None),
    # A keyless signature logged after its certificate expired: invalid, the Report still a 200.
    ("127.0.0.1:5555/demo/keyless:expired", None, "keyless"),
])
def test_the_supply_chain_in_the_report_is_the_cli_s_and_the_other_endpoints(worker, fathom, demo, report_schema,
                                                                             reference, platform, signer):
    """`supplyChain=1` (or a signer) adds to the Report what `/api/v1/attestations` and
    `/api/v1/verify` answer of the same image — the bytes `fathom inspect --supply-chain`
    prints — looked up now: kept a minute, no ETag."""
    params, cli_args = {"supplyChain": "1"}, ["--supply-chain"]
    if platform:
        params["platform"] = platform
        cli_args += ["--platform", platform]
    if signer == "key":
        key = Path(demo["FATHOM_DEMO_KEYS"], "p256.pub")
        params["key"] = key.read_text()
        cli_args += ["--key", str(key)]
    if signer == "keyless":
        identity = "https://github.com/fathom-demo/app/.github/workflows/release.yml@refs/tags/v1.2.0"
        issuer = "https://token.actions.githubusercontent.com"
        params.update(identity=identity, issuer=issuer)
        cli_args += ["--trusted-root", str(Path(demo["FATHOM_DEMO_KEYS"], "trusted_root.json")),
                     "--certificate-identity", identity, "--certificate-oidc-issuer", issuer]
    status, headers, api = get(worker, "/api/v1/inspect", ref=reference, **params)
    assert status == 200, api
    assert headers["Cache-Control"] == "public, max-age=60" and "ETag" not in headers
    report = json.loads(api)
    jsonschema.validate(report, report_schema)
    code, cli = cli_json(fathom, "inspect", reference, *cli_args)
    assert strip(api) == strip(cli)
    supply = report["supplyChain"]
    assert (code == 0) == (supply["signatures"]["verdict"] != "invalid")
    verify_params = {k: v for k, v in params.items() if k != "supplyChain"}
    verified = json.loads(get(worker, "/api/v1/verify", ref=reference, **verify_params)[2])
    assert supply["signatures"] == {k: v for k, v in verified.items() if k != "reference"}
    if platform:
        attested = json.loads(get(worker, "/api/v1/attestations", ref=reference, platform=platform)[2])
        assert supply["attestations"] == attested
    # Without it, the Report has none, and keeps its ETag.
    status, headers, plain = get(worker, "/api/v1/inspect", ref=reference)
    assert status == 200 and "supplyChain" not in json.loads(plain) and headers["ETag"]


def test_a_supply_chain_signer_that_cannot_be_used_is_refused(worker):
    reference = "127.0.0.1:5555/demo/signed:attested"
    problem(worker, "/api/v1/inspect", 400, "bad-key", ref=reference, supplyChain="1", key="not a key")
    problem(worker, "/api/v1/inspect", 400, "missing-parameter", ref=reference, identity="someone")


def test_attestations_need_a_platform_the_reference_has(worker):
    reference = "127.0.0.1:5555/demo/attested:latest"
    problem(worker, "/api/v1/attestations", 400, "missing-parameter", ref=reference)
    problem(worker, "/api/v1/attestations", 400, "bad-platform", ref=reference, platform="linux//")
    doc = problem(worker, "/api/v1/attestations", 404, "no-matching-manifest", ref=reference,
                  platform="linux/riscv64")
    assert "riscv64" in doc["detail"], doc


@pytest.mark.parametrize("a, b", [
    ("demo/layers:base", "demo/layers:extended"),
    ("demo/busybox:oci", "demo/busybox:docker"),
    ("demo/app:8-amd64", "demo/app:8-arm64"),
])
def test_compare_is_the_cli_diff(worker, fathom, a, b):
    a, b = f"127.0.0.1:5555/{a}", f"127.0.0.1:5555/{b}"
    code, cli = cli_json(fathom, "diff", a, b)
    assert code == 0, cli
    status, headers, api = get(worker, "/api/v1/compare", a=a, b=b)
    assert status == 200, api
    assert api == cli, "the same diff, byte for byte"
    assert headers["ETag"].startswith('"sha256:') and ".." in headers["ETag"]
    diff = json.loads(api)
    if "layers" in a:
        # The extended image is the base plus one layer: every byte of the base is reused.
        (amd64,) = diff["platforms"]
        assert len(amd64["layers"]["shared"]) == 2 and amd64["layers"]["onlyABytes"] == 0
        assert amd64["layers"]["downloadBytes"] > 0
    if "app" in a:
        # Two single images of different platforms are compared with each other.
        (pair,) = diff["platforms"]
        assert pair["platform"] == "linux/amd64 → linux/arm64/v8", pair
    only = json.loads(get(worker, "/api/v1/compare", a=a, b=b, platform="linux/amd64")[2])
    assert [p["platform"] for p in only["platforms"]] in (["linux/amd64"], [])


def test_compare_errors_are_specific(worker, tamper_registry, tampered):
    problem(worker, "/api/v1/compare", 400, "missing-parameter", a="127.0.0.1:5555/demo/busybox:oci")
    problem(worker, "/api/v1/compare", 400, "bad-reference", a="127.0.0.1:5555/demo/busybox:oci", b="busybox@sha256:nope")
    problem(worker, "/api/v1/compare", 404, "not-found", a="127.0.0.1:5555/demo/busybox:oci",
            b="127.0.0.1:5555/demo/busybox:no-such-tag")
    doc = problem(worker, "/api/v1/compare", 502, "digest-mismatch", a="127.0.0.1:5555/demo/busybox:oci",
                  b=f"{tamper_registry.address}/demo/busybox:oci")
    assert tampered in doc["detail"]


def test_tags_are_paginated(worker, fathom):
    _, cli = cli_json(fathom, "tags", "127.0.0.1:5555/demo/busybox")
    everything = json.loads(cli)["tags"]
    seen, path, params = [], "/api/v1/tags", {"repo": "127.0.0.1:5555/demo/busybox", "n": "2"}
    for _ in range(10):
        status, _, body = get(worker, path, **params)
        assert status == 200, body
        page = json.loads(body)
        assert len(page["tags"]) <= 2
        seen += page["tags"]
        if "next" not in page:
            break
        path, query = page["next"].split("?", 1)
        params = dict(urllib.parse.parse_qsl(query))
    assert seen == everything


def test_bad_input_is_a_specific_problem(worker, fathom):
    doc = problem(worker, "/api/v1/inspect", 400, "bad-reference", ref="Busybox:la test")
    out = subprocess.run([fathom, "ref", "Busybox:la test"], capture_output=True, text=True)
    assert out.returncode == 2
    assert doc["detail"].split(": ", 1)[1] in out.stderr, (doc["detail"], out.stderr)
    problem(worker, "/api/v1/inspect", 400, "missing-parameter")
    problem(worker, "/api/v1/match", 400, "missing-parameter", ref="127.0.0.1:5555/demo/busybox:oci")
    problem(worker, "/api/v1/match", 400, "bad-platform", ref="127.0.0.1:5555/demo/busybox:oci", platform="linux/")
    problem(worker, "/api/v1/tags", 400, "bad-parameter", repo="127.0.0.1:5555/demo/busybox", n="0")
    problem(worker, "/api/v1/nope", 404, "unknown-route")
    off_list = problem(worker, "/api/v1/inspect", 403, "host-not-allowed", ref="quay.io/org/app:1")
    assert "quay.io" in off_list["detail"] and "REGISTRIES" in off_list["detail"], "which host, and how to allow it"
    problem(worker, "/api/v1/inspect", 403, "forbidden-address", ref="127.0.0.1:6379/x:1")
    problem(worker, "/api/v1/inspect", 403, "forbidden-address", ref="169.254.169.254/latest/meta-data")


def test_registry_failures_map_to_statuses(worker, fault_proxy):
    problem(worker, "/api/v1/inspect", 404, "not-found", ref="127.0.0.1:5555/demo/busybox:no-such-tag")
    problem(worker, "/api/v1/inspect", 404, "not-found", ref="127.0.0.1:5555/demo/no-such-repo:1")
    problem(worker, "/api/v1/inspect", 401, "upstream-unauthorized", ref="127.0.0.1:5556/demo/busybox:oci")
    limited = problem(worker, "/api/v1/inspect", 429, "rate-limited", ref=f"{fault_proxy}/fault-429-long/demo/busybox:oci")
    assert limited["retryAfter"] == 3600
    _, headers, _ = get(worker, "/api/v1/inspect", ref=f"{fault_proxy}/fault-429-long/demo/busybox:oci")
    assert headers["Retry-After"] == "3600"
    reset = problem(worker, "/api/v1/inspect", 502, "upstream-unreachable", ref=f"{fault_proxy}/fault-reset/demo/busybox:oci")
    assert reset["cause"] in ("lost", "reset") and fault_proxy in reset["detail"], reset
    failed = problem(worker, "/api/v1/inspect", 502, "bad-upstream", ref=f"{fault_proxy}/fault-500/demo/busybox:oci")
    assert "HTTP 500" in failed["detail"] and "UNKNOWN" in failed["detail"], "the status and the registry's own code"
    problem(worker, "/api/v1/inspect", 502, "upstream-too-large", ref=f"{fault_proxy}/fault-big/demo/busybox:oci")
    problem(worker, "/api/v1/inspect", 504, "upstream-timeout", ref=f"{fault_proxy}/fault-stall/demo/busybox:oci")
    # Transient faults are retried and end in the Report.
    status, _, body = get(worker, "/api/v1/inspect", ref=f"{fault_proxy}/fault-503/demo/busybox:oci")
    assert status == 200, body
    problem(worker, "/api/v1/inspect", 403, "egress-refused", ref=f"{fault_proxy}/fault-redirect-metadata/demo/busybox:oci")


def test_an_unreachable_registry_is_named_with_its_cause(worker):
    """workerd tells a refused or reset connection ("Network connection lost") from everything
    else ("internal error": DNS, TLS, connect timeout alike); the problem says which host, what
    the runtime could tell, and what to do."""
    refused = problem(worker, "/api/v1/inspect", 502, "upstream-unreachable", ref=f"{CLOSED_PORT}/demo/busybox:oci")
    assert refused["cause"] == "lost" and CLOSED_PORT in refused["detail"], refused
    dns = problem(worker, "/api/v1/inspect", 502, "upstream-unreachable", ref=f"{UNRESOLVABLE}/demo/busybox:oci")
    assert dns["cause"] == "unknown" and UNRESOLVABLE in dns["detail"], dns
    assert "does not say which" in dns["detail"], dns


def test_a_tampered_blob_is_an_error_never_a_200(worker, tamper_registry, tampered):
    reference = f"{tamper_registry.address}/demo/busybox:oci"
    for _ in range(2):  # and the failure is not cached into a success
        doc = problem(worker, "/api/v1/inspect", 502, "digest-mismatch", ref=reference)
        assert tampered in doc["detail"]
        row = next(p for p in doc["report"]["platforms"] if p["descriptor"]["digest"] == tampered)
        assert row["verified"] is False and "image" not in row


def test_any_failed_check_is_an_error_never_a_cached_200(worker, counted_registry, fathom):
    """An index whose child descriptor has the right digest and a wrong size: the CLI exits 1
    with `size-mismatch`, and the edge answers 502 `failed-check` — twice, so nothing was kept
    as good."""
    index_type = "application/vnd.oci.image.index.v1+json"
    body, _ = fetch_manifest(counted_registry.address, "demo/busybox", "oci", index_type)
    index = json.loads(body)
    index["manifests"][0]["size"] += 1
    push_manifest(counted_registry.address, "demo/busybox", "wrong-size", json.dumps(index).encode(), index_type)
    reference = f"{counted_registry.address}/demo/busybox:wrong-size"
    code, out = cli_json(fathom, "inspect", reference)
    assert code == 1
    assert any(f["code"] == "size-mismatch" and f["severity"] == "error" for f in json.loads(out)["findings"])
    for _ in range(2):
        doc = problem(worker, "/api/v1/inspect", 502, "failed-check", ref=reference)
        assert "size-mismatch" in doc["detail"], doc["detail"]
        assert any(f["code"] == "size-mismatch" for f in doc["report"]["findings"])


def test_a_repeated_inspect_costs_the_registry_nothing_until_asked_fresh(worker, counted_registry):
    reference = f"{counted_registry.address}/demo/app:8-arm64"
    status, headers, first = get(worker, "/api/v1/inspect", ref=reference, fresh="1")
    assert status == 200 and headers["X-Fathom-Cache"] == "miss", first
    before = len(counted_registry.requests())
    assert before >= 3, "HEAD, the manifest and its config"
    # Within the tag's time to live: answered from the edge, the registry not asked at all.
    status, headers, second = get(worker, "/api/v1/inspect", ref=reference)
    assert status == 200 and headers["X-Fathom-Cache"] == "hit"
    assert counted_registry.requests()[before:] == []
    # A hit is the kept Report's bytes with the per-request members written in: printed as the
    # CLI prints it (serde's pretty JSON is Python's with indent=2).
    for body in (first, second):
        assert body == (json.dumps(json.loads(body), indent=2, ensure_ascii=False) + "\n").encode()
    assert json.loads(second)["requests"] == 0
    assert without_tag_age(second) == without_tag_age(first)
    age = json.loads(second)["tagResolution"]["ageSeconds"]
    assert headers["Age"] == str(age) and headers["Cache-Control"] == f"public, max-age={60 - age}"
    # A client that holds the Report asks with its ETag: a 304, and still nothing upstream.
    etag = headers["ETag"]
    assert etag == f'"{json.loads(first)["digest"]}"'
    request = urllib.request.Request(f"{worker}/api/v1/inspect?" + urllib.parse.urlencode({"ref": reference}),
                                     headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as unchanged:
        urllib.request.urlopen(request, timeout=60)
    assert unchanged.value.code == 304 and unchanged.value.headers["ETag"] == etag
    assert unchanged.value.headers["Cache-Control"].startswith("public, max-age=")
    assert int(unchanged.value.headers["Age"]) >= age
    assert counted_registry.requests()[before:] == []
    # `fresh=1` asks which digest the tag names now: one HEAD, and the Report from the cache.
    status, headers, third = get(worker, "/api/v1/inspect", ref=reference, fresh="1")
    assert status == 200 and headers["X-Fathom-Cache"] == "hit"
    assert counted_registry.requests()[before:] == ["HEAD /v2/demo/app/manifests/8-arm64"]
    assert json.loads(third)["requests"] == 1 and json.loads(third)["tagResolution"]["ageSeconds"] == 0


def test_a_herd_on_a_new_tag_sends_the_registry_one_walk(worker, counted_registry):
    """Sixteen clients ask at once for a tag nobody asked before: one of them walks (the
    coalescer, a Durable Object, makes the others wait), the others read what it kept — the
    registry sees one HEAD of the tag and one GET of its index. A herd on a missing tag gets the
    walk's 404, also from one HEAD."""
    index_type = "application/vnd.oci.image.index.v1+json"
    body, _ = fetch_manifest(counted_registry.address, "demo/busybox", "oci", index_type)
    index = json.loads(body)
    index["annotations"] = {"org.example.herd": str(time.time())}  # a digest never seen
    tag = f"herd-{time.time_ns()}"
    digest = push_manifest(counted_registry.address, "demo/busybox", tag, json.dumps(index).encode(), index_type)
    reference = f"{counted_registry.address}/demo/busybox:{tag}"
    before = len(counted_registry.requests())
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: get(worker, "/api/v1/inspect", ref=reference), range(16)))
    assert [status for status, _, _ in answers] == [200] * 16, answers[0][2][:300]
    assert {json.loads(body)["digest"] for _, _, body in answers} == {digest}
    assert sorted(headers["X-Fathom-Cache"] for _, headers, _ in answers) == ["hit"] * 15 + ["miss"]
    asked = counted_registry.requests()[before:]
    assert asked.count(f"HEAD /v2/demo/busybox/manifests/{tag}") == 1, asked
    assert asked.count(f"GET /v2/demo/busybox/manifests/{digest}") == 1, asked

    # What one ask of a missing tag costs the registry; then a herd on another costs the same.
    def ask_missing(clients):
        tag = f"never-{time.time_ns()}"
        before = len(counted_registry.requests(errors=True))
        with ThreadPoolExecutor(clients) as pool:
            answers = list(pool.map(lambda _: get(worker, "/api/v1/inspect",
                                                  ref=f"{counted_registry.address}/demo/busybox:{tag}"), range(clients)))
        assert {(status, json.loads(body)["code"]) for status, _, body in answers} == {(404, "not-found")}
        assert len({json.loads(body)["detail"] for _, _, body in answers}) == 1, "the walk's own problem"
        return [line.replace(tag, "TAG") for line in counted_registry.requests(errors=True)[before:]]

    alone = ask_missing(1)
    assert alone and all("/manifests/TAG" in line for line in alone), alone
    assert ask_missing(8) == alone


def test_content_under_an_index_the_edge_holds_comes_from_its_cache(worker, counted_registry):
    """What a walk fetched by digest is kept at the edge: another walk of the same index (a match
    for one platform, a Report of its own) asks the registry for none of its manifests or configs.
    The first walk of a new index asks for each child once, straight from the registry (its index
    came from the registry, so the core marks them unseen)."""
    index_type = "application/vnd.oci.image.index.v1+json"
    body, _ = fetch_manifest(counted_registry.address, "demo/busybox", "oci", index_type)
    index = json.loads(body)
    index["annotations"] = {"org.example.kept": str(time.time_ns())}  # a digest never seen
    tag = f"kept-{time.time_ns()}"
    push_manifest(counted_registry.address, "demo/busybox", tag, json.dumps(index).encode(), index_type)
    reference = f"{counted_registry.address}/demo/busybox:{tag}"
    before = len(counted_registry.requests())
    status, headers, first = get(worker, "/api/v1/inspect", ref=reference)
    assert status == 200 and headers["X-Fathom-Cache"] == "miss", first[:300]
    asked = counted_registry.requests()[before:]
    for child in index["manifests"]:
        assert asked.count(f"GET /v2/demo/busybox/manifests/{child['digest']}") == 1, asked
    time.sleep(2)  # the content is kept after the answer (waitUntil): a few Cache API writes
    before = len(counted_registry.requests())
    status, _, matched = get(worker, "/api/v1/match", ref=reference, platform="linux/arm64")
    assert status == 200 and json.loads(matched)["digest"], matched[:300]
    asked = counted_registry.requests()[before:]
    assert not [line for line in asked if "/manifests/sha256:" in line or "/blobs/" in line], asked


def without_tag_age(body: bytes) -> dict:
    """A Report without what differs between two answers of the same Report: requests made and
    how old the tag's resolution is."""
    report = json.loads(body)
    report.pop("requests")
    report["tagResolution"].pop("ageSeconds")
    return report


def test_the_openapi_document_stands_alone(worker):
    status, _, body = get(worker, "/api/v1/openapi.json")
    doc = json.loads(body)
    assert status == 200 and doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) >= {"/api/v1/inspect", "/api/v1/match", "/api/v1/tags"}
    assert "$defs" in doc["components"]["schemas"]["Report"], "the Report schema is inlined"
    assert "../" not in body.decode()


def test_the_web_app_is_served_for_every_page_path(worker):
    for path in ["/", "/?ref=alpine", "/compare?a=x&b=y"]:
        status, headers, body = get(worker, path)
        assert status == 200 and headers["Content-Type"].startswith("text/html"), path
        assert b"fathom-web" in body and b".wasm" in body, body[:300]
    problem(worker, "/api/v1/nope", 404, "unknown-route")


def test_badges_say_what_a_reference_ships_and_cost_the_registry_nothing_when_hot(worker, counted_registry):
    reference = f"{counted_registry.address}/demo/busybox:oci"
    status, headers, body = get(worker, "/badge/platforms.json", ref=reference, fresh="1")
    assert status == 200 and headers["Content-Type"] == "application/json", body
    assert json.loads(body) == {"schemaVersion": 1, "label": "platforms", "message": "8 platforms", "color": "blue"}
    before = len(counted_registry.requests())
    status, headers, svg = get(worker, "/badge/platforms.svg", ref=reference)
    assert status == 200 and headers["Content-Type"].startswith("image/svg+xml")
    assert headers["X-Fathom-Cache"] == "hit" and counted_registry.requests()[before:] == []
    assert svg.startswith(b"<svg xmlns=") and b">8 platforms</text>" in svg
    assert headers["Content-Security-Policy"] == "default-src 'none'"
    assert headers["Cache-Control"].startswith("public, max-age=")
    # Few platforms are named (the attestation is not one).
    _, _, body = get(worker, "/badge/platforms.json", ref="127.0.0.1:5555/demo/attested:latest")
    assert json.loads(body)["message"] == "amd64"
    # A failure is a red badge, its problem named in a header.
    status, headers, body = get(worker, "/badge/platforms.json", ref="127.0.0.1:5555/demo/nope:1")
    badge = json.loads(body)
    assert status == 200 and badge["isError"] is True and badge["color"] == "red", badge
    assert badge["message"] == "not found" and headers["X-Fathom-Problem"] == "not-found"
    assert headers["Cache-Control"] == "no-cache"
    status, _, body = get(worker, "/badge/nope.svg", ref="x")
    assert status == 404 and json.loads(body)["code"] == "unknown-route"
