#!/usr/bin/env bash
# Whole-process wall time of building and pushing a multi-platform index into a new repository
# of the demo registry, through a proxy that adds 25 ms each way (RTT 50 ms): Fathom (sources
# inspected and verified, checks, children copied with cross-repository mounts, the tag last,
# read back by digest) against the docker CLI's `manifest create` + `manifest push`. Each run
# pushes to a repository of its own (`bench/…` in the demo registry; `scripts/demo-registry.sh
# start --rebuild` clears them). Prints a table; asserts nothing. Bounded: RUNS runs each.
#   scripts/bench-index.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
source scripts/bench/behind_latency.sh
work=$(mktemp -d)
trap 'stop_latency_proxy; rm -rf "$work"' EXIT
behind_latency "${FATHOM_BENCH_PROXY_PORT:-5656}"
export FATHOM_INDEX_DIR=$work/drafts DOCKER_CONFIG=$work/docker
mkdir -p "$DOCKER_CONFIG"
stamp=$(date +%s)

# The 8 busybox images by digest (docker manifest create takes each child by reference).
mapfile -t children < <($fathom inspect "$via/demo/busybox:oci" --no-referrers --format json |
  python3 -c 'import json,sys; r=json.load(sys.stdin); [print(p["descriptor"]["digest"]) for p in r["platforms"] if p["kind"]=="image"]')
app_children=("$via/demo/app:8-amd64" "$via/demo/app:8-arm64")
busybox_children=()
for digest in "${children[@]}"; do busybox_children+=("$via/demo/busybox@$digest"); done

run=0
fathom_push() { # TARGET SOURCES...
  "$fathom" index create "$@" --push --output json >"$work/last.json"
}
docker_push() { # TARGET SOURCES...
  docker manifest create --insecure "$@" >/dev/null && docker manifest push --insecure --purge "$1" >/dev/null
}

# Median wall seconds of `TOOL NAME SOURCES...` over $runs runs, each into a fresh repository.
median() {
  local tool=$1 name=$2 times=()
  shift 2
  for _ in $(seq "$runs"); do
    run=$((run + 1))
    local target="$via/bench/$name-$stamp-$run:8" start end
    start=$(date +%s.%N)
    "$tool" "$target" "$@" || echo "($tool failed)" >&2
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | awk '{print $1 - $3}')")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'
}
requests() { python3 -c 'import json; print(json.load(open("'"$work"'/last.json"))["requests"])'; }

printf '| index into a new repository (RTT 50 ms, median of %s) | tool | wall | push HTTP requests |\n|---|---|---|---|\n' "$runs"
t=$(median fathom_push fathom-app "${app_children[@]}")
printf '| 2 images (app:8-amd64, app:8-arm64) | fathom index create --push | %s s | %s |\n' "$t" "$(requests)"
printf '| 2 images | docker manifest create + push | %s s | |\n' "$(median docker_push docker-app "${app_children[@]}")"
t=$(median fathom_push fathom-busybox "$via/demo/busybox:oci")
printf '| 8 platforms (from the busybox index) | fathom index create --push | %s s | %s |\n' "$t" "$(requests)"
printf '| 8 images by digest | docker manifest create + push | %s s | |\n' \
  "$(median docker_push docker-busybox "${busybox_children[@]}")"
