#!/usr/bin/env python3
"""A day at the edge in a minute: REQUESTS inspects drawn from a Zipf(s = 1.0) over REFS
references, fired by CLIENTS concurrent clients at the worker, which reads the demo registry
through a latency proxy (RTT 50 ms) that counts what reaches the registry. Some of the most asked
tags are moved while the run goes on. Prints one table; exits 1 if any answer named a digest its
tag had left more than the tag TTL (+1 s: the edge's clock counts whole seconds) before it was
asked — a wrong answer past the TTL.

    zipf.py WORKER_URL VIA REGISTRY STATS_FILE TTL [REQUESTS=10000] [REFS=1000] [CLIENTS=32]

WORKER_URL: the worker (http://127.0.0.1:PORT); VIA: host:port of the latency proxy, the registry
as the worker reads it; REGISTRY: host:port of the same registry without the proxy (where the
references are pushed and moved); STATS_FILE: the proxy's counters; TTL: the worker's
TAG_TTL_SECONDS.

The references: the demo registry's real tags, and generated indexes of 1–128 platforms
(log-uniform) in bench/zipf, over a pool of 128 image manifests that share one config (as in
fanout_index.py) — each index made distinct by an annotation. Seeded: every run asks the same.
"""

import hashlib
import http.client
import json
import math
import random
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from fanout_index import OCI_INDEX, push_children, put

REPOSITORY = "bench/zipf"  # the benchmark's own: the demo's repositories keep the tags tests expect
POOL = 128
MOVED = 20  # the most asked generated tags, moved in turn during the run
EXPECTED = Path(__file__).resolve().parents[1] / "demo-registry/expected.json"


def digest_of(body):
    return "sha256:" + hashlib.sha256(body).hexdigest()


class References:
    """The references asked, and the digest history of every tag this run generated."""

    def __init__(self, registry, count, rng):
        self.registry = registry
        self.pool = self.push_pool()
        real = [t["ref"] for t in json.loads(EXPECTED.read_text())["tags"]]
        self.sizes = {}
        self.history = {}  # tag -> [(since, until, digest)], bounds conservative
        generated = []
        for n in range(count - len(real)):
            tag = f"zipf-{n:04d}"
            self.sizes[tag] = max(1, min(POOL, round(math.exp(rng.uniform(0, math.log(POOL))))))
            self.history[tag] = [(-math.inf, math.inf, self.push_index(tag, 0))]
            generated.append(tag)
        self.names = [f"{REPOSITORY}:{tag}" for tag in generated] + real
        rng.shuffle(self.names)
        self.lock = threading.Lock()

    def push_pool(self):
        return push_children(self.registry, "demo/busybox", "amd64-oci", POOL, REPOSITORY)

    def push_index(self, tag, version):
        body = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": self.pool[: self.sizes[tag]],
                           "annotations": {"org.example.zipf": f"{tag}/{version}"}}).encode()
        put(self.registry, REPOSITORY, tag, body, OCI_INDEX)
        return digest_of(body)

    def move(self, tag):
        """Points `tag` at a new index; the old digest stays right until the push is done, the
        new one is right from when it starts."""
        with self.lock:
            version = len(self.history[tag])
        before = time.time()
        digest = self.push_index(tag, version)
        after = time.time()
        with self.lock:
            since, _, old = self.history[tag][-1]
            self.history[tag][-1] = (since, after, old)
            self.history[tag].append((before, math.inf, digest))

    def wrong_past_ttl(self, name, digest, asked, ttl):
        """Whether `digest` had left the tag more than `ttl` before the request was made."""
        tag = name.rsplit(":", 1)[1]
        with self.lock:
            history = list(self.history.get(tag, ()))
        if not history:
            return False  # a real demo tag: never moved
        return not any(d == digest and until >= asked - ttl - 1 for _, until, d in history)


def zipf_draws(count, n, rng):
    weights = [1 / rank for rank in range(1, n + 1)]
    return rng.choices(range(n), weights=weights, k=count)


def stats(path):
    return json.loads(Path(path).read_text())


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main():
    worker, via, registry, stats_file, ttl = sys.argv[1:6]
    ttl = int(ttl)
    requests, refs, clients = (int(a) for a in (sys.argv[6:9] + ["10000", "1000", "32"][len(sys.argv[6:9]):]))
    rng = random.Random(1)
    started = time.time()
    references = References(registry, refs, rng)
    print(f"pushed {refs} references in {time.time() - started:.1f} s", file=sys.stderr)
    draws = zipf_draws(requests, refs, rng)
    order = {}
    for i in draws:  # the most asked generated tags are the ones moved
        order[i] = order.get(i, 0) + 1
    hot = [references.names[i] for i, _ in sorted(order.items(), key=lambda kv: -kv[1])]
    moving = [n.rsplit(":", 1)[1] for n in hot if ":zipf-" in n][:MOVED]

    host = urllib.parse.urlsplit(worker)
    queue = iter(enumerate(draws))
    queue_lock = threading.Lock()
    answers = []  # (name, asked, done, status, digest, cache, requests, stale)
    deadline = time.time() + 900

    def client():
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        while time.time() < deadline:
            with queue_lock:
                item = next(queue, None)
            if item is None:
                break
            name = references.names[item[1]]
            path = "/api/v1/inspect?" + urllib.parse.urlencode({"ref": f"{via}/{name}"})
            asked = time.time()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
                answers.append((name, asked, time.time(), 0, None, "error", 0, False))
                continue
            done = time.time()
            report = json.loads(body) if response.status == 200 else {}
            stale = bool((report.get("tagResolution") or {}).get("stale"))
            answers.append((name, asked, done, response.status, report.get("digest"),
                            response.getheader("X-Fathom-Cache", "-"), report.get("requests", 0), stale))

    def mover(stop):
        turn = 0
        while not stop.wait(max(1.0, ttl / 2)):
            references.move(moving[turn % len(moving)])
            turn += 1

    before = stats(stats_file)
    stop = threading.Event()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    moving_thread = threading.Thread(target=mover, args=(stop,))
    began = time.time()
    for t in threads + [moving_thread]:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    moving_thread.join()
    wall = time.time() - began
    time.sleep(1)  # what the worker still does after its answers (refreshes in waitUntil)
    after = stats(stats_file)

    upstream = sum(after["requests"].values()) - sum(before["requests"].values())
    upstream_bytes = after["bytes_from_registry"] - before["bytes_from_registry"]
    first_done = {}
    for name, asked, done, status, *_ in answers:
        if status == 200:
            first_done[name] = min(done, first_done.get(name, math.inf))
    seen = len(first_done)
    first_walks = [a for a in answers if a[1] < first_done.get(a[0], math.inf) and a[5] == "miss"]
    rewalks = [a for a in answers if a[1] >= first_done.get(a[0], math.inf) and a[5] == "miss"]
    references.first_done = first_done
    kinds = attribute(stats_file + ".log", began, references)
    moves = sum(len(h) - 1 for h in references.history.values())
    wrong = [a for a in answers if a[3] == 200 and references.wrong_past_ttl(a[0], a[4], a[1], ttl)]
    errors = [a for a in answers if a[3] != 200]
    latencies = [(a[2] - a[1]) * 1000 for a in answers]
    per_k = lambda n: f"{n} ({1000 * n / len(answers):.1f})"  # noqa: E731
    first = sum(n for (when, _), n in kinds.items() if when == "first")
    again = sum(n for (when, _), n in kinds.items() if when == "again")

    rows = [
        ("inspects answered (errors)", f"{len(answers)} ({len(errors)})"),
        ("references seen", str(seen)),
        ("wall time; inspects/s", f"{wall:.1f} s; {len(answers) / wall:.0f}"),
        ("latency p50 / p99", f"{statistics.median(latencies):.0f} ms / {percentile(latencies, 99):.0f} ms"),
        ("upstream requests (per 1,000 inspects)", per_k(upstream)),
        ("  a reference's first sight: its tag, index, referrers", per_k(first)),
        ("  content shared by references, by digest", per_k(kinds.get(("shared", "GET"), 0))),
        ("  re-fetches for references already answered", per_k(again)),
        ("    of which HEAD (a tag checked)", str(kinds.get(("again", "HEAD"), 0))),
        ("    of which GET (a moved tag's new index, a Report evicted)", str(kinds.get(("again", "GET"), 0))),
        ("  registry pings, tokens", per_k(kinds.get(("other", "GET"), 0))),
        ("walks per reference at first sight (most for one)", f"{len(first_walks) / max(seen, 1):.2f} ({max_walks(first_walks)})"),
        ("walks of a reference already answered", str(len(rewalks))),
        ("bytes from upstream", f"{upstream_bytes / 1e6:.1f} MB"),
        ("answers marked stale", str(sum(1 for a in answers if a[7]))),
        (f"tags moved during the run (TTL {ttl} s)", str(moves)),
        ("answers with a digest wrong past the TTL", str(len(wrong))),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"| {'Zipf(1.0): ' + str(requests) + ' inspects, ' + str(refs) + ' references, ' + str(clients) + ' clients, RTT 50 ms':<{width}} | value |")
    print(f"|{'-' * (width + 2)}|------:|")
    for label, value in rows:
        print(f"| {label:<{width}} | {value} |")
    for name, asked, _, _, digest, *_ in wrong[:5]:
        print(f"wrong past the TTL: {name} answered {digest}, asked at {asked:.1f}", file=sys.stderr)
    sys.exit(1 if wrong else 0)


def attribute(log, since, references):
    """Counts the registry's requests (from the proxy's log, those from `since` on) by
    (when, method): `first` — a reference's tag, index or referrers before its first answer was
    done; `again` — the same after it; `shared` — other content by digest (the pool's manifests
    and the config, which every generated index shares); `other` — pings and tokens."""
    by_digest = {d: name for tag, history in references.history.items() for *_, d in history
                 for name in [f"{REPOSITORY}:{tag}"]}
    for t in json.loads(EXPECTED.read_text())["tags"]:
        by_digest[t["digest"]] = t["ref"]
    first_done = references.first_done
    kinds = {}
    for line in Path(log).read_text().splitlines():
        when, method, path = line.split(" ", 2)
        if float(when) < since:
            continue
        parts = path.split("?")[0].split("/")
        name = None
        if len(parts) >= 5 and parts[1] == "v2" and parts[-2] in ("manifests", "referrers"):
            repository, reference = "/".join(parts[2:-2]), parts[-1]
            name = by_digest.get(reference) if reference.startswith("sha256:") else f"{repository}:{reference}"
            if name is None:
                kind = "shared"
            else:
                kind = "first" if float(when) < first_done.get(name, math.inf) else "again"
        elif len(parts) >= 5 and parts[1] == "v2":
            kind = "shared"
        else:
            kind = "other"
        kinds[(kind, method)] = kinds.get((kind, method), 0) + 1
    return kinds


def max_walks(first_walks):
    counts = {}
    for a in first_walks:
        counts[a[0]] = counts.get(a[0], 0) + 1
    return max(counts.values(), default=0)


if __name__ == "__main__":
    main()
