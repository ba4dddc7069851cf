#!/usr/bin/env bash
# Whole-process wall time of the full inspect job — index + all 8 manifests + all 8 configs of the
# demo busybox image — through a proxy that adds 25 ms each way (RTT 50 ms), against the baselines
# users compare Fathom with. Prints a table; asserts nothing. Bounded: 5 runs of each tool.
#   scripts/bench-inspect.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
source scripts/bench/behind_latency.sh
trap stop_latency_proxy EXIT
behind_latency "${FATHOM_BENCH_PROXY_PORT:-5655}"

skopeo_loop() {
  for arch in amd64 arm64 arm 386 ppc64le s390x mips64le; do
    skopeo inspect --tls-verify=false --override-os linux --override-arch "$arch" "docker://$via/demo/busybox:oci" >/dev/null
  done
}

requests=$($fathom inspect "$via/demo/busybox:oci" --platform all --no-referrers --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["requests"])')
requests_ref=$($fathom inspect "$via/demo/busybox:oci" --platform all --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["requests"])')

printf '| work (RTT 50 ms, median of %s) | tool | wall | HTTP requests |\n|---|---|---|---|\n' "$runs"
printf '| index + 8 manifests + 8 configs | fathom inspect --platform all --no-referrers | %s s | %s |\n' \
  "$(median $fathom inspect "$via/demo/busybox:oci" --platform all --no-referrers)" "$requests"
printf '| … plus referrers (API + tag fallback) | fathom inspect --platform all | %s s | %s |\n' \
  "$(median $fathom inspect "$via/demo/busybox:oci" --platform all)" "$requests_ref"
printf '| index + 8 manifests (no configs) | docker manifest inspect --insecure -v | %s s | |\n' \
  "$(median docker manifest inspect --insecure -v "$via/demo/busybox:docker")"
printf '| one platform: index + manifest + config | skopeo inspect | %s s | |\n' \
  "$(median skopeo inspect --tls-verify=false "docker://$via/demo/busybox:oci")"
printf '| 7 platforms, one skopeo inspect each | skopeo, sequential | %s s | |\n' "$(median skopeo_loop)"
