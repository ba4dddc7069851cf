"""Times the web app's file worker in headless Chromium: the same layer files `cargo bench --bench
layer` reads, pushed as one-layer images to a bench-only repository of the demo registry, then
read by the page's file worker — streamed, hashed (digest and diff_id), decompressed and listed
— from the moment the blobs are reachable to the last byte (the page's `#files-read`). Each run
is a fresh browser context (nothing cached). Prints one line per layer:
`<name> <MiB of tar> <best seconds> <MiB/s of tar>`.

    files_speed.py BASE_URL REGISTRY RUNS LAYER_FILE…
"""
import hashlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MEDIA_TYPES = {".gz": "application/vnd.oci.image.layer.v1.tar+gzip",
               ".zst": "application/vnd.oci.image.layer.v1.tar+zstd"}
DECOMPRESS = {".gz": ["gzip", "-dc"], ".zst": ["zstd", "-dc"]}


def put_blob(registry, repository, path=None, data=None):
    """Uploads a blob (monolithic, streamed from `path` or from `data`); returns its descriptor."""
    sha = hashlib.sha256()
    if path:
        with open(path, "rb") as f:
            for piece in iter(lambda: f.read(1 << 20), b""):
                sha.update(piece)
        size = Path(path).stat().st_size
    else:
        sha.update(data)
        size = len(data)
    digest = "sha256:" + sha.hexdigest()
    start = urllib.request.Request(f"http://{registry}/v2/{repository}/blobs/uploads/", method="POST", data=b"")
    with urllib.request.urlopen(start, timeout=60) as response:
        location = response.headers["Location"]
    if location.startswith("/"):
        location = f"http://{registry}{location}"
    body = open(path, "rb") if path else data
    put = urllib.request.Request(f"{location}{'&' if '?' in location else '?'}digest={digest}", method="PUT",
                                 data=body, headers={"Content-Length": str(size),
                                                     "Content-Type": "application/octet-stream"})
    with urllib.request.urlopen(put, timeout=600):
        pass
    return {"digest": digest, "size": size}


def push_image(registry, repository, tag, layer):
    suffix = Path(layer).suffix
    tar = subprocess.run(DECOMPRESS[suffix] + [layer], capture_output=True, check=True).stdout
    diff_id = "sha256:" + hashlib.sha256(tar).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   **put_blob(registry, repository, data=config)},
        "layers": [{"mediaType": MEDIA_TYPES[suffix], **put_blob(registry, repository, path=layer)}],
    }).encode()
    put = urllib.request.Request(f"http://{registry}/v2/{repository}/manifests/{tag}", method="PUT", data=manifest,
                                 headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    urllib.request.urlopen(put, timeout=60).close()
    return f"{registry}/{repository}:{tag}", len(tar)


def read_in_page(browser, base, reference):
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto(f"/?ref={reference}&files=%2F")
    page.wait_for_selector("#files-read", timeout=600_000)
    unpacked, ms = page.eval_on_selector(
        "#files-read", "e => [Number(e.dataset.unpacked), Number(e.dataset.ms)]")
    assert page.query_selector("#files-unverified") is None, page.inner_text("#files-unverified")
    context.close()
    return unpacked, ms / 1000


def main():
    base, registry, runs, layers = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        for layer in layers:
            name = "zstd" if layer.endswith(".zst") else "gzip"
            reference, tar_bytes = push_image(registry, "bench/files", name, layer)
            best = min(read_in_page(browser, base, reference)[1] for _ in range(runs))
            mib = tar_bytes / (1 << 20)
            print(f"{name} {mib:.0f} {best:.2f} {mib / best:.0f}", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
