"""An image's provenance and SBOM in the web app, in real headless Chromium: read by the file
worker from the BuildKit-style attestation manifest of the demo registry's `demo/attested`,
checked against the image in the page — and loud when an attestation describes another image."""

import hashlib
import json
import subprocess

from conftest import fetch_manifest, push_manifest
from test_web import open_view, wait_for

ATTESTED = "127.0.0.1:5555/demo/attested:latest"
INDEX = "application/vnd.oci.image.index.v1+json"


def cells(page, table):
    page.wait_for_selector(f"#{table} tbody tr", timeout=30_000)
    return page.eval_on_selector_all(
        f"#{table} tbody tr:not([hidden])", "rs => rs.map(r => [...r.cells].map(c => c.innerText))")


def test_the_provenance_and_sbom_of_the_image_you_pull_are_read_and_searchable(page):
    open_view(page, ATTESTED, platform="linux/amd64")
    page.click("#open-attestations")
    page.wait_for_selector("#provenance")
    assert "attest=1" in page.url
    provenance = dict(cells(page, "provenance"))
    assert provenance["SLSA provenance"] == "v0.2"
    assert provenance["Reproducible"].startswith("yes")
    [(material, digest)] = cells(page, "materials")
    assert material.startswith("pkg:deb/debian/busybox-static@") and digest.startswith("sha256:")
    assert page.inner_text("#sbom-summary").startswith("SPDX-2.3 by Tool: fathom-demo-registry: 1 package — deb 1")
    assert cells(page, "packages") == [["busybox-static", "1:1.35.0-4+deb12u1+b1", "deb", "GPL-2.0-only", "Debian"]]
    assert page.query_selector("#attest-problems") is None
    page.fill("#sbom-search", "npm")
    wait_for(page, "document.querySelectorAll('#packages tbody tr').length === 0")
    page.fill("#sbom-search", "GPL")
    wait_for(page, "document.querySelectorAll('#packages tbody tr').length === 1")
    # The link reopens it.
    page.reload()
    page.wait_for_selector("#provenance")


def test_an_attestation_moved_to_another_image_is_red(page, demo):
    registry = demo["FATHOM_REGISTRY"]
    target = f"{registry}/test-web/attested-moved"

    def copy(source, destination, *extra):
        subprocess.run(["skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false", *extra,
                        f"docker://{source}", f"docker://{destination}"], check=True, capture_output=True)

    copy(ATTESTED, f"{target}:latest", "--all")
    copy(f"{registry}/demo/busybox:oci", f"{target}:arm64", "--override-arch", "arm64", "--override-variant", "v8")
    arm64, arm64_type = fetch_manifest(registry, "test-web/attested-moved", "arm64",
                                       "application/vnd.oci.image.manifest.v1+json")
    arm64_digest = "sha256:" + hashlib.sha256(arm64).hexdigest()
    index = json.loads(fetch_manifest(registry, "test-web/attested-moved", "latest", INDEX)[0])
    for entry in index["manifests"]:
        if entry["platform"]["architecture"] == "amd64":
            entry.update(digest=arm64_digest, size=len(arm64), mediaType=arm64_type,
                         platform={"architecture": "arm64", "os": "linux", "variant": "v8"})
        else:
            entry["annotations"]["vnd.docker.reference.digest"] = arm64_digest
    push_manifest(registry, "test-web/attested-moved", "moved", json.dumps(index).encode(), INDEX)
    open_view(page, f"{target}:moved", platform="linux/arm64")
    page.click("#open-attestations")
    page.wait_for_selector("#attest-problems")
    problems = page.inner_text("#attest-problems")
    assert "attestation-subject-mismatch" in problems and arm64_digest in problems, problems
    # What the statement says is still shown, under the warning — but links nowhere.
    page.wait_for_selector("#provenance")
    assert page.query_selector("#provenance a") is None
    assert "not verified" in page.inner_text("#provenance") or "plain in-toto" in page.inner_text("#provenance")


def test_an_sbom_attached_as_a_referrer_is_read_too(page):
    """demo/busybox:oci has no attestation manifest, but an SPDX SBOM attached to its index as an
    OCI referrer (found through the referrers fallback tag): the panel reads that document."""
    open_view(page, "127.0.0.1:5555/demo/busybox:oci", platform="linux/amd64")
    page.click("#open-attestations")
    page.wait_for_selector("#sbom-summary")
    summary = page.inner_text("#sbom-summary")
    assert summary.startswith("referrer sha256:") and "SPDX-2.3" in summary and "1 package" in summary, summary
    assert cells(page, "packages") == [["busybox-static", "1:1.35.0-4+deb12u1+b1", "deb", "GPL-2.0-only", "Debian"]]
    assert page.query_selector("#provenance") is None
    assert page.query_selector("#attest-problems") is None


def test_a_cosign_attestation_is_read_in_the_page_and_an_image_without_any_says_so(page):
    # demo/signed:attested carries SLSA provenance v1 under cosign's `.att` tag, in a DSSE envelope.
    open_view(page, "127.0.0.1:5555/demo/signed:attested")
    page.click("#open-attestations")
    page.wait_for_selector("#provenance, #attest-none, #attest-problems", timeout=30_000)
    provenance = dict(cells(page, "provenance"))
    assert provenance["SLSA provenance"] == "v1", provenance
    assert page.query_selector("#attest-problems") is None
    # An image with no attestation of any kind: offered, and said plainly.
    open_view(page, "127.0.0.1:5555/demo/signed:unsigned")
    page.click("#open-attestations")
    page.wait_for_selector("#attest-none", timeout=30_000)
    assert page.query_selector("#provenance") is None
