#!/usr/bin/env bash
# The edge under a realistic load: REQUESTS inspects drawn from a Zipf(s = 1.0) over REFS
# references (the demo's real tags and generated indexes of 1–128 platforms), 32 concurrent
# clients, the worker on workerd reading the demo registry through a latency proxy (RTT 50 ms)
# that counts every request and byte reaching the registry; the most asked tags moved during the
# run. Prints one table (scripts/bench/zipf.py says what each row counts); fails if any answer
# named a digest its tag had left more than the tag TTL before it was asked. Bounded: REQUESTS
# requests, 15 minutes at most.
#   scripts/bench-zipf.sh [REQUESTS=10000] [REFS=1000] [TTL_SECONDS=10]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/worker.sh"
cd "$FATHOM_ROOT"
requests=${1:-10000}
refs=${2:-1000}
ttl=${3:-10}
port=8792
proxy_port=${FATHOM_BENCH_PROXY_PORT:-5657}
scripts/demo-registry.sh start >/dev/null
eval "$(scripts/demo-registry.sh env)"
state=$(mktemp -d)
python3 scripts/bench/latency_proxy.py "$proxy_port" "${FATHOM_REGISTRY##*:}" 25 1200 "$state/proxy.json" &
proxy_pid=$!
trap 'stop_worker; kill "$proxy_pid" 2>/dev/null || true; rm -rf "$state"' EXIT
start_worker "$port" "$state/worker.log" --state "$state/edge" --log-level error \
  --var "REGISTRIES:http://127.0.0.1:$proxy_port" --var "TAG_TTL_SECONDS:$ttl"
"$FATHOM_PYTHON" scripts/bench/zipf.py "http://127.0.0.1:$port" "127.0.0.1:$proxy_port" "$FATHOM_REGISTRY" \
  "$state/proxy.json" "$ttl" "$requests" "$refs" 32
