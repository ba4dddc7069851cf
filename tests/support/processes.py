"""What the end-to-end suites share: starting the worker on workerd through the one starter
(scripts/serve-worker.sh), Chromium, and stopping exactly the processes a suite started."""

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def stop(process):
    """Stops a process this suite started (and the children in its own process group)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_worker(port: int, state: str, args: list[str]) -> tuple[subprocess.Popen, str]:
    """The worker on workerd at http://127.0.0.1:PORT, its Cache API state in `state` — started
    by scripts/serve-worker.sh, which first brings the worker and the web app up to date with
    their sources (so a Rust edit is never tested as stale wasm). Returns the process and its base
    URL once it answers."""
    command = [str(ROOT / "scripts/serve-worker.sh"), "--port", str(port), "--state", state,
               "--log-level", "warn", *args]
    log_path = Path(state) / "wrangler.out"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log, env=dict(os.environ, CI="1"),
                                   start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900  # generous: a first run may build the worker and the web app
    while True:
        try:
            urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2).read()
            return process, base
        except (urllib.error.URLError, ConnectionError, OSError):
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                raise RuntimeError("the worker did not start:\n" + log_path.read_text())
            time.sleep(0.2)


CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium():
    """Debian's Chromium driven by Playwright (which downloads no browser), for a session: a
    generator a pytest fixture yields from."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
