"""An image archive opened in the web app, in real headless Chromium: skopeo's own archives of
the demo images (`oci-archive:`, and `docker-archive:`, the format `docker save` wrote before
Docker 25), chosen or dropped on the page, read and verified there — no request leaves the page
for them."""

import base64
import json
import subprocess
import tarfile

import pytest

from test_web import entries, open_view, rows, wait_for

BUSYBOX = "127.0.0.1:5555/demo/busybox:oci"


@pytest.fixture(scope="module")
def archives(tmp_path_factory, demo):
    """skopeo's archives of the demo busybox: every platform as an OCI archive; the platform
    skopeo picks for this machine as an older docker save."""
    out = tmp_path_factory.mktemp("archives")
    copies = {
        "busybox.tar": ["--all", f"oci-archive:{out / 'busybox.tar'}:busybox"],
        "busybox-docker.tar": ["--override-arch", "amd64", "--override-os", "linux",
                               f"docker-archive:{out / 'busybox-docker.tar'}:demo/busybox:oci"],
    }
    for args in copies.values():
        subprocess.run(["skopeo", "copy", "--src-tls-verify=false", *args[:-1], f"docker://{BUSYBOX}", args[-1]],
                       check=True, capture_output=True)
    return out


def member(path, predicate):
    """(offset, size) of the largest member whose name `predicate` accepts."""
    with tarfile.open(path) as tar:
        found = max((m for m in tar.getmembers() if m.isfile() and predicate(m.name)), key=lambda m: m.size)
        return found.offset_data, found.size


def with_bytes(path, target, change):
    """A copy of the archive `path` at `target`, its bytes passed through `change`."""
    target.write_bytes(change(bytearray(path.read_bytes())))
    return target


def choose(page, path):
    page.goto("/archive")
    page.set_input_files("#archive-file", str(path))


def requests_of(page):
    seen = []
    page.on("request", lambda r: seen.append(r.url))
    return seen


def test_an_oci_archive_shows_what_its_registry_shows_read_in_the_page(page, archives):
    open_view(page, BUSYBOX, platform="linux/amd64")
    from_registry = rows(page)
    seen = requests_of(page)
    choose(page, archives / "busybox.tar")
    page.wait_for_selector("#archive-images li")
    assert "indexed in" in page.inner_text("#archive-read")
    assert page.inner_text("#archive-images a").startswith("localhost/busybox:busybox@sha256:")
    page.select_option("#archive-platform", "linux/amd64")  # the tab keeps the file
    wait_for(page, "location.search.includes('platform=linux%2Famd64')")
    from_archive = rows(page)
    assert from_archive == from_registry, "the same platforms, digests and checks"
    assert all("✔" in r[1] for r in from_archive)
    assert "your pull" in page.inner_text("#platforms tr[aria-current=true]")
    assert page.query_selector("#copy-link") is None, "no link can reopen a file only this tab holds"
    # Its files, read from the archive and verified.
    page.click("#browse-files")
    page.wait_for_selector("#layers tbody tr")
    checks = page.eval_on_selector_all("#layers tbody tr", "rs => rs.map(r => r.cells[8].innerText)")
    assert checks == ["✔ digest, diff_id"]
    assert entries(page) == [["bin/", "added", "0"]]
    page.click("#entries a:text-is('bin/')")
    wait_for(page, "document.querySelector('#crumbs')?.innerText === '/bin/'")
    page.click("#entries a:text-is('busybox')")
    # An ELF binary, shown as a hex dump of its first bytes, read again from the file.
    wait_for(page, "document.querySelector('#file-content')?.textContent.startsWith('00000000  7f 45 4c 46')")
    assert "/archive?" in page.url and "files=%2Fbin%2Fbusybox" in page.url
    # Nothing of the archive went anywhere: no request left the page but for its own code.
    assert not [u for u in seen if "/v2/" in u or "/proxy/" in u], seen


def amd64_layer(path):
    """(offset, size) in the OCI archive `path` of the linux/amd64 image's layer."""
    with tarfile.open(path) as tar:
        names = {m.name.removeprefix("./"): m for m in tar.getmembers()}

        def blob(digest):
            return names["blobs/sha256/" + digest.removeprefix("sha256:")]

        def read(m):
            return json.load(tar.extractfile(m))

        index = read(blob(read(names["index.json"])["manifests"][0]["digest"]))
        amd64 = next(m for m in index["manifests"] if m.get("platform", {}).get("architecture") == "amd64")
        layer = blob(read(blob(amd64["digest"]))["layers"][0]["digest"])
        return layer.offset_data, layer.size


def test_a_changed_byte_in_an_archived_layer_is_red(page, archives, tmp_path):
    offset, size = amd64_layer(archives / "busybox.tar")

    def flip(b):
        b[offset + size // 2] ^= 0xFF
        return b

    choose(page, with_bytes(archives / "busybox.tar", tmp_path / "tampered.tar", flip))
    page.wait_for_selector("#archive-images li")
    page.select_option("#archive-platform", "linux/amd64")
    wait_for(page, "location.search.includes('platform=linux%2Famd64')")
    assert all("✔" in r[1] for r in rows(page)), "manifests and configs are intact"
    page.click("#browse-files")
    page.wait_for_selector("#files-unverified")
    assert "digest-mismatch" in page.inner_text("#files-unverified"), page.inner_text("#files-unverified")
    assert page.eval_on_selector_all("#layers tbody tr", "rs => rs.map(r => r.className)") == ["bad"]


def test_a_cut_archive_says_so_loudly(page, archives, tmp_path):
    offset, _ = member(archives / "busybox.tar", lambda n: n.startswith("blobs/sha256/"))
    cut = with_bytes(archives / "busybox.tar", tmp_path / "cut.tar", lambda b: b[:offset + 100])
    choose(page, cut)
    page.wait_for_selector("#archive-problems")
    assert "archive-truncated" in page.inner_text("#archive-problems")


def test_an_older_docker_save_dropped_on_the_page_opens_with_its_manifest_rebuilt(page, archives):
    page.goto("/")
    page.wait_for_selector("#open-archive")
    data = base64.b64encode((archives / "busybox-docker.tar").read_bytes()).decode()
    transfer = page.evaluate_handle(
        """data => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], 'busybox-docker.tar', { type: 'application/x-tar' }));
            return transfer;
        }""", data)
    page.dispatch_event("main", "drop", {"dataTransfer": transfer})
    page.wait_for_selector("#archive-notes")
    assert page.url.endswith("/archive")
    assert "archive-rebuilt" in page.inner_text("#archive-notes")
    assert page.inner_text("#archive-images a").startswith("docker.io/demo/busybox:oci@sha256:")
    [row] = rows(page)
    assert "✔" in row[1] and row[3] == "amd64"
    page.click("#browse-files")
    page.wait_for_selector("#layers tbody tr")
    checks = page.eval_on_selector_all("#layers tbody tr", "rs => rs.map(r => r.cells[8].innerText)")
    assert checks == ["✔ digest, diff_id"], "the layer file hashes to the config's diff_id"


def test_a_reload_forgets_the_file_and_says_so(page, archives):
    choose(page, archives / "busybox.tar")
    page.wait_for_selector("#archive-images li")
    page.reload()
    page.wait_for_selector("#archive-none")
