#!/usr/bin/env bash
# Load on the edge worker running on workerd (wrangler dev), next to a hello-world Worker on the
# same workerd (the ceiling on this machine). Bounded: each scenario is wrk with C connections
# for D seconds, one server at a time. Prints a table.
#   scripts/bench-edge.sh [CONNECTIONS=32] [SECONDS=20]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/worker.sh"
cd "$FATHOM_ROOT"
connections=${1:-32}
seconds=${2:-20}
port=8790
require wrk "wrk (Debian)"
scripts/demo-registry.sh start >/dev/null

state=$(mktemp -d)
trap 'stop_worker; rm -rf "$state"' EXIT
start_server() { # name [serve-worker.sh args…]
  local name=$1
  shift
  start_worker "$port" "$state/$name.log" --state "$state/$name" --log-level error "$@"
}

# run NAME URL [wrk args…]: one bounded wrk run, one table row.
run() {
  local name=$1 url=$2
  shift 2
  curl -s -o /dev/null "$url" # warm
  local out
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@" "$url")
  local rps p50 p99 total errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  errors=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {for (i = 4; i <= NF; i += 2) {gsub(",", "", $i); n += $i}} END {print n + 0}' <<<"$out")
  printf '| %-44s | %9s | %8s | %8s | %8s | %6s |\n' "$name" "$rps" "$p50" "$p99" "$total" "$errors"
}

demo=127.0.0.1:5555/demo/busybox:oci
api="http://127.0.0.1:$port/api/v1/inspect?ref=$demo"
echo "wrk: $connections connections, ${seconds} s per scenario, 2 threads; worker and wrk share 2 cores"
printf '| %-44s | %9s | %8s | %8s | %8s | %6s |\n' scenario 'req/s' p50 p99 requests errors
printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" ----------- ---------- ---------- ---------- --------

start_server hello --dir scripts/bench/hello-worker
run "hello-world Worker (the ceiling)" "http://127.0.0.1:$port/"
stop_worker

start_server worker
run "inspect, tag cache hit (nothing upstream)" "$api"
run "inspect, Report cached, fresh=1 (1 HEAD upstream)" "$api&fresh=1"
digest=$(curl -s "$api" | python3 -c 'import json, sys; print(json.load(sys.stdin)["digest"])')
run "inspect, If-None-Match the digest (304, no Report)" "$api" -H "If-None-Match: \"$digest\""
run "proxy, manifest by digest (edge cache hit)" \
  "http://127.0.0.1:$port/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/sha256:a9ad22270797a20301c52f3b324e07aa509b074ce7b67c810685115847d1d596" \
  -H "Accept: application/vnd.oci.image.manifest.v1+json"
stop_worker

# Misses: no Report cache, so every request walks the index, 8 manifests and 8 configs (those
# from the edge content cache) plus the tag's HEAD and the referrers lookup upstream.
start_server worker-uncached --var REPORT_TTL_SECONDS:0
run "inspect, Report not cached (full walk)" "$api"
stop_worker
