#!/usr/bin/env python3
"""Per registry of the zoo: requests and wall time of a full inspect of the name users paste,
by the CLI and by the edge (the worker on workerd, production settings). Median of RUNS.

    scripts/zoo.sh run -- python tests/zoo/bench.py [RUNS]
"""

import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import registries  # noqa: E402
from conftest import docker_config  # noqa: E402

PORT = 8792


def cli(reference: str, config: Path) -> tuple[float, int]:
    start = time.monotonic()
    result = subprocess.run([str(ROOT / "target/debug/fathom"), "inspect", reference, "--format", "json"],
                            capture_output=True, text=True, env=dict(os.environ, DOCKER_CONFIG=str(config)), check=True)
    return time.monotonic() - start, json.loads(result.stdout)["requests"]


def edge(reference: str) -> tuple[float, int]:
    # `fresh=1` is not an API parameter yet; a new worker state per run keeps the Report cache cold.
    start = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/v1/inspect?ref={reference}", timeout=120) as response:
        report = json.load(response)
    return time.monotonic() - start, report["requests"]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    config = docker_config(Path(os.environ.get("TMPDIR", "/tmp")) / "fathom-zoo-bench-config")
    rows = []
    for kind in registries.FRONTS:
        cli_runs = [cli(kind.example, config) for _ in range(runs)]
        rows.append([kind.title, kind.example, cli_runs])
    worker = subprocess.Popen([str(ROOT / "scripts/serve-worker.sh"), "--production", "--port", str(PORT),
                               "--log-level", "warn", "--state", f"/tmp/fathom-zoo-bench-{os.getpid()}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/v1/openapi.json", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        for row, kind in zip(rows, registries.FRONTS):
            if kind.anonymous_pull:
                # The first inspect walks; later ones are answered from the edge's Report cache.
                row.append(edge(kind.example))
                row.append(statistics.median(edge(kind.example)[0] for _ in range(runs)))
            else:
                row += [None, None]
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
    print(f"| registry | reference | CLI: requests | CLI: wall (median of {runs}) | edge, cold: requests | edge, cold: wall | edge, cached: wall (median) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for title, reference, cli_runs, cold, cached in rows:
        wall = statistics.median(t for t, _ in cli_runs)
        edge_cells = (f"{cold[1]} | {cold[0] * 1000:.0f} ms | {cached * 1000:.0f} ms" if cold
                      else "— | — | — (not on the production allowlist)")
        print(f"| {title} | `{reference}` | {cli_runs[0][1]} | {wall * 1000:.0f} ms | {edge_cells} |")


if __name__ == "__main__":
    main()
