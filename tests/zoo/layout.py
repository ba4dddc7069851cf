"""The zoo's backend storage -- TEST-ONLY: the demo registry's real images, re-tagged under the
names users paste.

CNCF distribution keeps blobs by digest (`docker/registry/v2/blobs/sha256/<2>/<hex>/data`) and a
repository as links to them (`repositories/<name>/_layers`, `_manifests/revisions`,
`_manifests/tags/<tag>/current/link`). So a copy of an image under another name is a copy of its
repository's link files with new tag links, and the blobs are shared (hard links: the zoo's
storage costs no space, and the demo's is never written to).
"""

import shutil
import subprocess
from pathlib import Path

V2 = Path("docker/registry/v2")


def _tag_link(repository: Path, tag: str) -> Path:
    return repository / "_manifests/tags" / tag / "current/link"


def _set_tag(repository: Path, tag: str, digest: str) -> None:
    link = _tag_link(repository, tag)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.write_text(digest)
    algorithm, _, hex_ = digest.partition(":")
    index = repository / "_manifests/tags" / tag / "index" / algorithm / hex_ / "link"
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text(digest)


def build(source: Path, target: Path, repositories: list[tuple[str, dict]]) -> None:
    """Lays out `target` from the demo storage `source`: every `(backend name, {tag: "demo/x:tag"})`
    gets the link files of the demo repositories it copies, its tags, and their referrers
    fallback tags (`sha256-<hex>`)."""
    if target.exists():
        shutil.rmtree(target)
    (target / V2).mkdir(parents=True)
    subprocess.run(["cp", "-al", str(source / V2 / "blobs"), str(target / V2 / "blobs")], check=True)
    for backend_name, tags in repositories:
        destination = target / V2 / "repositories" / backend_name
        for tag, image in tags.items():
            demo_name, _, demo_tag = image.rpartition(":")
            demo = source / V2 / "repositories" / demo_name
            shutil.copytree(demo / "_layers", destination / "_layers", dirs_exist_ok=True)
            shutil.copytree(demo / "_manifests/revisions", destination / "_manifests/revisions", dirs_exist_ok=True)
            digest = _tag_link(demo, demo_tag).read_text().strip()
            _set_tag(destination, tag, digest)
            for fallback in (demo / "_manifests/tags").glob("sha256-*"):
                _set_tag(destination, fallback.name, _tag_link(demo, fallback.name).read_text().strip())
