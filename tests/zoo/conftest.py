"""The registry zoo's tests run inside the zoo's namespace (`scripts/zoo.sh run -- pytest
tests/zoo`): the real hostnames resolve to the zoo's fronts and its test CA is trusted. Run
anywhere else they fail, loudly -- they are never skipped."""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "support"))

import registries  # noqa: E402
from processes import start_worker, stop  # noqa: E402

FATHOM = ROOT / "target/debug/fathom"
CONTROL = "http://127.0.0.1:5999"
WORKER_PORT = 8790


def pytest_configure(config):
    if not os.environ.get("FATHOM_ZOO"):
        raise pytest.UsageError(
            "the zoo tests run inside the registry zoo: scripts/zoo.sh start, then "
            "scripts/zoo.sh run -- python -m pytest tests/zoo (scripts/test.sh does both)")


class Control:
    """The zoo's control port: its request log and its knobs."""

    def call(self, method: str, path: str):
        request = urllib.request.Request(CONTROL + path, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def log(self) -> list[dict]:
        return self.call("GET", "/log")

    def clear(self) -> None:
        self.call("POST", "/log/clear")

    def exhaust(self, key: str) -> None:
        self.call("POST", f"/exhaust?registry={key}")

    def restore(self, key: str) -> None:
        self.call("POST", f"/restore?registry={key}")

    def signed_url(self, store: str, digest: str, name: str) -> str:
        return self.call("GET", f"/url?store={store}&digest={digest}&name={name}")["url"]


@pytest.fixture(scope="session")
def zoo():
    control = Control()
    try:
        control.log()
    except (urllib.error.URLError, OSError) as error:
        pytest.fail(f"the zoo's control port does not answer ({error}): is scripts/zoo.sh start done?")
    return control


def docker_config(directory: Path, helpers: dict | None = None) -> Path:
    """A docker config.json with every zoo registry's test credentials (`auths`), or with
    `credHelpers` instead for the hosts named in `helpers`."""
    auths, cred_helpers = {}, {}
    for kind in registries.FRONTS:
        if not kind.users:
            continue
        user, password = next(iter(kind.users.items()))
        host = kind.config_key or kind.hosts[0] + ("" if kind.port == 443 else f":{kind.port}")
        if helpers and host in helpers:
            cred_helpers[host] = helpers[host]
        else:
            auths[host] = {"auth": base64.b64encode(f"{user}:{password}".encode()).decode()}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps({"auths": auths, "credHelpers": cred_helpers}))
    return directory


@pytest.fixture(scope="session")
def credentials(tmp_path_factory):
    """DOCKER_CONFIG with every registry's test credentials."""
    return docker_config(tmp_path_factory.mktemp("docker-config"))


@pytest.fixture(scope="session")
def anonymous(tmp_path_factory):
    """DOCKER_CONFIG with no credentials at all."""
    directory = tmp_path_factory.mktemp("docker-config-empty")
    (directory / "config.json").write_text("{}")
    return directory


def fathom(*args, config: Path, check: bool = False, extra_env: dict | None = None):
    """Runs the CLI with DOCKER_CONFIG=config; returns the completed process."""
    env = dict(os.environ, DOCKER_CONFIG=str(config), NO_COLOR="1", **(extra_env or {}))
    result = subprocess.run([str(FATHOM), *args], capture_output=True, text=True, env=env, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"fathom {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def worker():
    """The worker on workerd with worker/wrangler.toml's production settings as they are (the
    production allowlist, unchanged), inside the zoo: it meets the public registries by name."""
    state = tempfile.mkdtemp(prefix="fathom-zoo-edge-")
    process, base = start_worker(WORKER_PORT, state, ["--production"])
    yield base
    stop(process)
    shutil.rmtree(state, ignore_errors=True)
