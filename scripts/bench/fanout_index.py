"""Pushes an index of N platforms to a registry, for the fan-out benchmark: N image manifests that
differ only in an annotation and share one config and its layers (as multi-platform builds of
scripts, or of one static binary, do), under the tag `fanout-N` of TARGET — a repository of the
benchmarks' own, so that the demo's repositories keep the tags the tests expect; the config and
layers are mounted there from SOURCE (the registry API's cross-repository mount). Prints the tag.

    python3 scripts/bench/fanout_index.py REGISTRY SOURCE SOURCE_TAG N [TARGET=bench/fanout]
"""

import hashlib
import json
import sys
import urllib.request

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
ARCHITECTURES = ["amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64", "mips64le"]


def put(registry: str, repository: str, reference: str, body: bytes, media_type: str) -> None:
    request = urllib.request.Request(f"http://{registry}/v2/{repository}/manifests/{reference}", data=body,
                                     method="PUT", headers={"Content-Type": media_type})
    urllib.request.urlopen(request, timeout=30).close()


def mount(registry: str, source: str, target: str, digest: str) -> None:
    """Mounts blob `digest` of `source` into `target` (201 Created: no bytes move)."""
    request = urllib.request.Request(f"http://{registry}/v2/{target}/blobs/uploads/?mount={digest}&from={source}",
                                     data=b"", method="POST")
    urllib.request.urlopen(request, timeout=30).close()


def push_children(registry: str, source: str, source_tag: str, count: int, repository: str) -> list[dict]:
    """Pushes to `repository` `count` image manifests made from `source:source_tag` that differ
    only in an annotation; returns their descriptors, each with a platform of its own."""
    request = urllib.request.Request(f"http://{registry}/v2/{source}/manifests/{source_tag}",
                                     headers={"Accept": OCI_MANIFEST})
    with urllib.request.urlopen(request, timeout=30) as response:
        image = json.load(response)
    for blob in [image["config"], *image["layers"]]:
        mount(registry, source, repository, blob["digest"])
    entries = []
    for n in range(count):
        child = dict(image, annotations={"org.example.fanout": str(n)})
        body = json.dumps(child, separators=(",", ":")).encode()
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        put(registry, repository, digest, body, OCI_MANIFEST)
        architecture = ARCHITECTURES[n % len(ARCHITECTURES)]
        platform = {"os": "linux", "architecture": architecture}
        if n >= len(ARCHITECTURES):
            platform["os.version"] = str(n // len(ARCHITECTURES))
        entries.append({"mediaType": OCI_MANIFEST, "digest": digest, "size": len(body), "platform": platform})
    return entries


def main() -> None:
    registry, source, source_tag, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    repository = sys.argv[5] if len(sys.argv) > 5 else "bench/fanout"
    entries = push_children(registry, source, source_tag, count, repository)
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}).encode()
    tag = f"fanout-{count}"
    put(registry, repository, tag, index, OCI_INDEX)
    print(tag)


if __name__ == "__main__":
    main()
