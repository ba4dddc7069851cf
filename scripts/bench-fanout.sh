#!/usr/bin/env bash
# A walk bound by round trips, not by size: `fathom inspect --platform all` of indexes of 1, 8, 32
# and 128 platforms whose children share one config (scripts/bench/fanout_index.py), through a
# proxy that adds 25 ms each way (RTT 50 ms), beside `docker manifest inspect -v` of the same
# indexes when the docker CLI is installed. Prints a table; asserts nothing. Bounded: RUNS runs of
# each tool per index.
#   scripts/bench-fanout.sh [RUNS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
source scripts/bench/behind_latency.sh
trap stop_latency_proxy EXIT
behind_latency "${FATHOM_BENCH_PROXY_PORT:-5656}"

printf '| platforms (RTT 50 ms, median of %s) | fathom inspect --platform all --no-referrers | HTTP requests | unique configs | docker manifest inspect -v |\n' "$runs"
printf '|---:|---:|---:|---:|---:|\n'
for count in 1 8 32 128; do
  tag=$(python3 scripts/bench/fanout_index.py "$FATHOM_REGISTRY" demo/busybox amd64-oci "$count")
  reference="$via/bench/fanout:$tag"
  requests=$($fathom inspect "$reference" --platform all --no-referrers --format json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["requests"])')
  docker_wall="—"
  if command -v docker >/dev/null; then
    docker_wall="$(median docker manifest inspect --insecure -v "$reference") s"
  fi
  printf '| %s | %s s | %s | 1 | %s |\n' "$count" \
    "$(median "$fathom" inspect "$reference" --platform all --no-referrers)" "$requests" "$docker_wall"
done
