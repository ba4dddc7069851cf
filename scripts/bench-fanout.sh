#!/usr/bin/env bash
# A walk bound by round trips, not by size: indexes of 1, 8, 32 and 128 platforms whose children
# share one config (scripts/bench/fanout_index.py), through a proxy that adds 25 ms each way
# (RTT 50 ms): `fathom inspect --platform all` (median of RUNS), the edge's cold
# `/api/v1/inspect` (median of RUNS, each in a worker whose isolate has run one walk of another
# image and whose edge cache is empty), and
# `docker manifest inspect -v` of the same indexes when the docker CLI is installed. Prints a
# table; asserts nothing. Bounded: RUNS runs of each tool per index.
#   scripts/bench-fanout.sh [RUNS=3]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/worker.sh"
cd "$FATHOM_ROOT"
runs=${1:-3}
port=8793
source scripts/bench/behind_latency.sh
state=$(mktemp -d)
trap 'stop_worker; stop_latency_proxy; rm -rf "$state"' EXIT
behind_latency "${FATHOM_BENCH_PROXY_PORT:-5656}"

# The edge's cold inspect of REFERENCE, median of $runs (each in a worker with an empty edge
# cache): "<seconds> <requests>".
edge_cold() {
  local count=$1 reference=$2 run times=()
  for run in $(seq "$runs"); do
    start_worker "$port" "$state/worker-$count.log" --state "$state/edge-$count-$run" --log-level error \
      --var "REGISTRIES:http://$via"
    # The isolate started and its code run once (a walk of another image, which shares no
    # content with the index): an edge isolate serves many requests, so the first request's
    # compile is not what a walk costs there.
    curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/inspect?ref=$via/demo/app:8-arm64"
    times+=("$(curl -s -o "$state/report.json" -w '%{time_total}' \
      "http://127.0.0.1:$port/api/v1/inspect?ref=$reference")")
    stop_worker
  done
  printf '%s %s' "$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}')" \
    "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["requests"])' "$state/report.json")"
}

printf '| platforms (RTT 50 ms) | fathom inspect --platform all --no-referrers (median of %s) | HTTP requests | edge, cold `/api/v1/inspect` (median of %s) | its HTTP requests | docker manifest inspect -v |\n' "$runs" "$runs"
printf '|---:|---:|---:|---:|---:|---:|\n'
for count in 1 8 32 128; do
  tag=$(python3 scripts/bench/fanout_index.py "$FATHOM_REGISTRY" demo/busybox amd64-oci "$count")
  reference="$via/bench/fanout:$tag"
  requests=$($fathom inspect "$reference" --platform all --no-referrers --format json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["requests"])')
  read -r edge_wall edge_requests <<<"$(edge_cold "$count" "$reference")"
  docker_wall="—"
  if command -v docker >/dev/null; then
    docker_wall="$(median docker manifest inspect --insecure -v "$reference") s"
  fi
  printf '| %s | %s s | %s | %s s | %s | %s |\n' "$count" \
    "$(median "$fathom" inspect "$reference" --platform all --no-referrers)" "$requests" \
    "$edge_wall" "$edge_requests" "$docker_wall"
done
