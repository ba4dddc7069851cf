#!/usr/bin/env bash
# The web app's size and speed: bytes a first load transfers (HTML + JS + wasm + CSS, gzip -9),
# and submit → full table for the 8-platform demo image in headless Chromium (median of RUNS, from
# the page's performance marks), read from the demo registry that sends CORS headers (directly)
# and from the token-auth one that sends none (through the worker's proxy, anonymous token).
# Kinds (scripts/bench/web_speed.py): cold = first visit, reload = page loaded anew with the HTTP
# cache warm, again = the same page asked again.
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

row() { printf '| %s%*s | %12s | %-8s |\n' "$1" $((52 - ${#1})) '' "$2" "${3:-}"; }
printf '| %-52s | %12s | %-8s |\n' measure value goal
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" -------------- ----------
for kind in html js wasm css; do
  bytes=0
  for file in web/dist/*."$kind"; do
    [ -e "$file" ] && bytes=$((bytes + $(gzip -9c "$file" | wc -c)))
  done
  row "first load: $kind (gzip)" "$bytes B"
  total=$(( ${total:-0} + bytes ))
done
row "first load: total (gzip)" "$total B" "≤ 350 KB"
for route in direct proxied; do
  case $route in
    direct) reference=127.0.0.1:5555/demo/busybox:oci ;;
    proxied) reference=127.0.0.1:5557/demo/busybox:oci ;;
  esac
  "$E2E_VENV/bin/python" scripts/bench/web_speed.py "http://127.0.0.1:$port" "$reference" "$runs" |
    while read -r kind median fastest; do
      goal=
      [[ $route/$kind == direct/reload ]] && goal="≤ 150 ms"
      row "submit → table, $route, $kind: median of $runs" "$median ms" "$goal"
      row "submit → table, $route, $kind: fastest" "$fastest ms"
    done
done
"$E2E_VENV/bin/python" scripts/bench/web_speed.py "http://127.0.0.1:$port" --compare \
  127.0.0.1:5555/demo/busybox:oci 127.0.0.1:5555/demo/busybox:docker "$runs" |
  while read -r kind median fastest; do
    row "compare 8 + 8 platforms, $kind: median of $runs" "$median ms"
    row "compare 8 + 8 platforms, $kind: fastest" "$fastest ms"
  done
