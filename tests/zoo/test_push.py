"""`fathom index create … --push` to the zoo's Docker Hub and GHCR with credentials: children
copied (blobs mounted across repositories), the index read back by `skopeo` inside the same
namespace, byte for byte, and inspected by `fathom` with every platform verified."""

import hashlib
import json
import re
import subprocess

import pytest

from conftest import ROOT, fathom

EXPECTED = {t["ref"]: t for t in json.loads((ROOT / "scripts/demo-registry/expected.json").read_text())["tags"]}
TARGETS = {
    # target repository, the public image its children come from
    "dockerhub": ("docker.io/fathomzoo/pushed", "docker.io/library/mysql", "demo/busybox:docker"),
    "ghcr": ("ghcr.io/fathom-demo/pushed", "ghcr.io/fathom-demo/app", "demo/busybox:oci"),
}


@pytest.mark.parametrize("key", sorted(TARGETS))
def test_an_index_pushed_with_credentials_is_read_back_by_skopeo(key, credentials, anonymous, tmp_path):
    target, source, image = TARGETS[key]
    children = [m for m in EXPECTED[image]["manifests"] if m["platform"] in ("linux/amd64", "linux/arm64/v8")]
    sources = [f"{source}@{m['digest']}" for m in children]
    tag = f"{target}:multi-{tmp_path.name[-6:]}"
    drafts = {"FATHOM_INDEX_DIR": str(tmp_path / "drafts")}
    refused = fathom("index", "create", tag, *sources, "--push", config=anonymous, extra_env=drafts)
    assert refused.returncode != 0, "an anonymous push must be refused"
    pushed = fathom("index", "create", tag, *sources, "--push", config=credentials, extra_env=drafts, check=True)
    assert "read back by digest" in pushed.stdout, pushed.stdout
    # Children not yet in the target are copied, the blobs it lacks mounted from the source
    # repository by the registry's own names: nothing uploaded.
    copied, present = map(int, re.search(r"(\d+) copied into the repository, (\d+) already there", pushed.stdout).groups())
    mounted, uploaded = map(int, re.search(r"(\d+) mounted, (\d+) copied", pushed.stdout).groups())
    assert copied + present == 2 and (copied == 0 or mounted > 0) and uploaded == 0, pushed.stdout
    raw = subprocess.run(["skopeo", "inspect", "--raw", "--authfile", str(credentials / "config.json"),
                          f"docker://{tag}"], capture_output=True, check=True, timeout=60).stdout
    index = json.loads(raw)
    assert [m["digest"] for m in index["manifests"]] == [m["digest"] for m in children]
    report = json.loads(fathom("inspect", tag, "--format", "json", config=credentials, check=True).stdout)
    assert report["digest"] == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert all(row["verified"] for row in report["platforms"]) and len(report["platforms"]) == 2
