"""Schemathesis against the running worker with the OpenAPI document it serves: every response
must have a documented status, content type, headers and a body valid against its schema, and no
input may cause a server error of the worker's own making. Bounded in examples and time."""

import subprocess
import sys
from pathlib import Path

CHECKS = ",".join([
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "unsupported_method",
])


def test_the_api_keeps_its_openapi_contract(worker, tmp_path):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    run = subprocess.run(
        [
            str(schemathesis), "--config-file", str(Path(__file__).with_name("schemathesis.toml")),
            "run", f"{worker}/api/v1/openapi.json",
            "--checks", CHECKS,
            "--max-examples", "40",
            "--phases", "examples,coverage,fuzzing",
            "--request-timeout", "30",
            "--seed", "20261123",
            "--generation-deterministic",
            "--no-color",
        ],
        capture_output=True, text=True, timeout=600,
        cwd=tmp_path,  # schemathesis keeps its example cache in the working directory
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
