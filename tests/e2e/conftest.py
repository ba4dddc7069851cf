"""Fixtures for the edge tests: the real demo registry, private copies of it, the fault proxy,
and the worker itself running on real workerd (`wrangler dev`), each started once per session
and stopped by the PID this suite started."""

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from processes import chromium, start_worker, stop  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
WORKER_PORT = 8788
TAMPER_PORT = 5581
FAULT_PORT = 5582
COUNTED_PORT = 5583
# Registries on the dev allowlist that cannot be reached: a port nothing listens on, and a name
# that does not resolve (`.invalid` never does, RFC 6761).
CLOSED_PORT = "127.0.0.1:5599"
UNRESOLVABLE = "registry.fathom-test.invalid:5000"


def wait_for_port(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


@pytest.fixture(scope="session")
def demo():
    """The demo registry (scripts/demo-registry.sh): started if needed, left running."""
    script = ROOT / "scripts/demo-registry.sh"
    subprocess.run([script, "start"], check=True, stdout=subprocess.DEVNULL)
    env = subprocess.run([script, "env"], check=True, capture_output=True, text=True).stdout
    values = dict(line.removeprefix("export ").split("=", 1) for line in env.splitlines() if "=" in line)
    return {k: v.strip("'\"") for k, v in values.items()}


class PrivateRegistry:
    """A registry serving a private copy of the demo storage, with its request log, so a test
    can tamper with bytes or count requests without touching the shared demo."""

    def __init__(self, demo, port, name):
        self.port = port
        self.address = f"127.0.0.1:{port}"
        self.dir = Path(tempfile.mkdtemp(prefix=f"fathom-edge-{name}-"))
        source = Path(demo.get("FATHOM_DEMO_DIR", Path.home() / ".cache/fathom/demo-registry"))
        shutil.copytree(source / "registries/plain/data", self.dir / "data", symlinks=True)
        (self.dir / "config.yml").write_text(
            "version: 0.1\nlog:\n  level: info\n  formatter: json\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.dir / 'data'}\n"
            f"http:\n  addr: {self.address}\n"
        )
        self.log_path = self.dir / "registry.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            ["docker-registry", "serve", str(self.dir / "config.yml")],
            stdout=self.log, stderr=self.log, start_new_session=True,
        )
        wait_for_port(port)

    def requests(self, errors=False):
        """`METHOD uri` of every request the registry has answered so far (with `errors`, also
        those it answered with an error: distribution logs them apart)."""
        answered = {"response completed", "response completed with error"} if errors else {"response completed"}
        seen = []
        for line in self.log_path.read_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("msg") in answered:
                seen.append(f"{entry['http.request.method']} {entry['http.request.uri']}")
        return seen

    def blob_path(self, digest):
        hex_ = digest.removeprefix("sha256:")
        return self.dir / "data/docker/registry/v2/blobs/sha256" / hex_[:2] / hex_ / "data"

    def close(self):
        stop(self.process)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def tamper_registry(demo):
    registry = PrivateRegistry(demo, TAMPER_PORT, "tamper")
    yield registry
    registry.close()


@pytest.fixture(scope="session")
def counted_registry(demo):
    registry = PrivateRegistry(demo, COUNTED_PORT, "counted")
    yield registry
    registry.close()


@pytest.fixture(scope="session")
def fault_proxy(demo):
    process = subprocess.Popen(
        ["python3", str(ROOT / "tests/support/fault_proxy.py"), str(FAULT_PORT), "5555", "900"],
        start_new_session=True,
    )
    wait_for_port(FAULT_PORT)
    yield f"127.0.0.1:{FAULT_PORT}"
    stop(process)


def worker_vars():
    """The dev allowlist narrowed to this machine's test registries (so that nothing a fuzzer
    invents is fetched from the internet) — every other setting as wrangler.toml has it."""
    local = [f"http://127.0.0.1:{p}" for p in (5555, 5556, 5557, TAMPER_PORT, FAULT_PORT, COUNTED_PORT)]
    unreachable = [f"http://{CLOSED_PORT}", f"https://{UNRESOLVABLE}"]
    return {
        "REGISTRIES": ",".join(local + ["http://localhost:5555"] + unreachable),
        "TOKEN_ENDPOINTS": "http://127.0.0.1:5558/token",
        "REDIRECT_HOSTS": "production.cloudflare.docker.com",
        "UPSTREAM_TIMEOUT_SECONDS": "2",
    }


@pytest.fixture(scope="session")
def worker(demo, tamper_registry, counted_registry, fault_proxy):
    """The worker on workerd serving the web app, at http://127.0.0.1:8788 — started by the one
    starter, scripts/serve-worker.sh, which first brings the worker and the web app up to date
    with their sources (so a Rust edit is never tested as stale wasm)."""
    state = tempfile.mkdtemp(prefix="fathom-edge-state-")
    args = [arg for name, value in worker_vars().items() for arg in ("--var", f"{name}:{value}")]
    process, base = start_worker(WORKER_PORT, state, args)
    yield base
    stop(process)
    shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def fathom():
    """The CLI binary (built by `cargo test` before this suite runs)."""
    binary = ROOT / "target/debug/fathom"
    if not binary.exists():
        subprocess.run(["cargo", "build", "-p", "fathom-cli", "--locked"], cwd=ROOT, check=True)
    return binary


@pytest.fixture(scope="session")
def report_schema():
    return json.loads((ROOT / "schema/report.schema.json").read_text())


def push_blob(address, repository, data):
    """Uploads a blob (monolithic) to a registry without auth; returns its digest."""
    import hashlib
    import urllib.request

    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    start = urllib.request.Request(f"http://{address}/v2/{repository}/blobs/uploads/", method="POST", data=b"")
    with urllib.request.urlopen(start, timeout=30) as response:
        location = response.headers["Location"]
    if location.startswith("/"):
        location = f"http://{address}{location}"
    separator = "&" if "?" in location else "?"
    put = urllib.request.Request(f"{location}{separator}digest={digest}", method="PUT", data=data,
                                 headers={"Content-Type": "application/octet-stream"})
    urllib.request.urlopen(put, timeout=30).read()
    return digest


def push_manifest(address, repository, tag, body, media_type):
    """PUTs manifest bytes under a tag; returns the digest the registry answers with."""
    import urllib.request

    put = urllib.request.Request(f"http://{address}/v2/{repository}/manifests/{tag}", method="PUT", data=body,
                                 headers={"Content-Type": media_type})
    with urllib.request.urlopen(put, timeout=30) as response:
        return response.headers["Docker-Content-Digest"]


def fetch_manifest(address, repository, reference, accept):
    import urllib.request

    request = urllib.request.Request(f"http://{address}/v2/{repository}/manifests/{reference}",
                                     headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read(), response.headers["Content-Type"]


@pytest.fixture(scope="session")
def tampered(tamper_registry, fathom):
    """The tamper registry with its s390x busybox manifest overwritten (same length, one byte
    changed); returns that manifest's digest."""
    out = subprocess.run([fathom, "inspect", f"{tamper_registry.address}/demo/busybox:oci", "--format", "json"],
                         capture_output=True, check=True)
    victim = next(p for p in json.loads(out.stdout)["platforms"] if p["platform"]["architecture"] == "s390x")
    digest = victim["descriptor"]["digest"]
    path = tamper_registry.blob_path(digest)
    data = bytearray(path.read_bytes())
    data[data.index(b"3")] = ord("4")
    path.write_bytes(bytes(data))
    return digest


ARTIFACTS = ROOT / "target/web-artifacts"


@pytest.fixture(scope="session")
def browser():
    yield from chromium()


@pytest.fixture
def page(browser, worker, request):
    context = browser.new_context(base_url=worker, accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors, violations = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Every test also proves the Content-Security-Policy lets the app do all it does: Chromium
    # reports each refusal as a console error ("Refused to … because it violates …").
    page.on("console", lambda m: m.type == "error" and "Content Security Policy" in m.text
            and violations.append(m.text))
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not errors, errors
    assert not violations, violations
