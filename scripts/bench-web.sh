#!/usr/bin/env bash
# The web app's size and speed: bytes a first load transfers (HTML + JS + wasm + CSS, gzip -9),
# and submit → full table for the 8-platform demo image in headless Chromium against the local
# registry through the worker's proxy (median of RUNS, from the page's performance marks).
#   scripts/bench-web.sh [RUNS=7]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
runs=${1:-7}
port=8791
ensure_debian_packages chromium
ensure_e2e_venv
scripts/demo-registry.sh start >/dev/null
[ -f worker/build/index_bg.wasm ] || scripts/build-worker.sh
[ -f web/dist/index.html ] || scripts/build-web.sh
state=$(mktemp -d)
trap 'wrangler_stop; rm -rf "$state"' EXIT
wrangler_start worker "$port" "$state" --env dev

printf '| %-52s | %12s | %s |\n' measure value goal
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" -------------- ------
for kind in html js wasm css; do
  bytes=0
  for file in web/dist/*."$kind"; do
    [ -e "$file" ] && bytes=$((bytes + $(gzip -9c "$file" | wc -c)))
  done
  printf '| %-52s | %9s B | |\n' "first load: $kind (gzip)" "$bytes"
  total=$(( ${total:-0} + bytes ))
done
printf '| %-52s | %9s B | ≤ 350 KB |\n' "first load: total (gzip)" "$total"
"$E2E_VENV/bin/python" scripts/bench/web_speed.py "http://127.0.0.1:$port" 127.0.0.1:5555/demo/busybox:oci "$runs" |
  while read -r kind median fastest; do
    printf '| %-52s | %9s ms | %s |\n' "submit → table, 8 platforms, $kind (median of $runs)" "$median" \
      "$([ "$kind" = warm ] && echo '≤ 150 ms' || echo '')"
    printf '| %-52s | %9s ms | |\n' "submit → table, $kind, fastest" "$fastest"
  done
