"""A short, bounded load on the worker (wrk: 8 connections for 3 s) on a cached Report: every
answer must be a 200. The figures worth quoting come from scripts/bench-edge.sh, not from here."""

import re
import shutil
import subprocess
import urllib.request

import pytest


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk (Debian package) is installed by scripts/test.sh")
def test_a_bounded_load_has_no_errors(worker):
    url = f"{worker}/api/v1/inspect?ref=127.0.0.1:5555/demo/busybox:docker"
    urllib.request.urlopen(url, timeout=60).read()  # warm the edge cache
    run = subprocess.run(["wrk", "-t1", "-c8", "-d3s", url], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    completed = int(re.search(r"(\d+) requests in", run.stdout).group(1))
    assert completed > 0, run.stdout
    assert "Non-2xx" not in run.stdout and "Socket errors" not in run.stdout, run.stdout
