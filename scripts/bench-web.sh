#!/usr/bin/env bash
# The web app's size and speed: bytes a first load transfers (HTML + JS + wasm + CSS, gzip -9;
# the page's wasm chunks, fetched when a view first needs them, apart),
# and submit → full table for the 8-platform demo image in headless Chromium (median of RUNS, from
# the page's performance marks), read from the demo registry that sends CORS headers (directly)
# and from the token-auth one that sends none (through the worker's proxy, anonymous token).
# Kinds (scripts/bench/web_speed.py): cold = first visit, reload = page loaded anew with the HTTP
# cache warm, again = the same page asked again.
#   scripts/bench-web.sh [RUNS=7]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/worker.sh"
cd "$FATHOM_ROOT"
runs=${1:-7}
port=8791
require chromium "chromium (Debian)"
scripts/demo-registry.sh start >/dev/null
state=$(mktemp -d)
trap 'stop_worker; rm -rf "$state"' EXIT
start_worker "$port" "$state/worker.log" --state "$state" --log-level error

row() { printf '| %s%*s | %12s | %-8s |\n' "$1" $((52 - ${#1})) '' "$2" "${3:-}"; }
printf '| %-52s | %12s | %-8s |\n' measure value goal
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" -------------- ----------
read -r total inspect chunks < <(web_sizes)
row "first load: HTML + JS + wasm + CSS (gzip)" "$total B" "≤ 300 KB"
row "a first inspect: that and its chunks (gzip)" "$inspect B"
row "the page's chunks, all (gzip; fetched when needed)" "$chunks B"
for route in direct proxied; do
  case $route in
    direct) reference=127.0.0.1:5555/demo/busybox:oci ;;
    proxied) reference=127.0.0.1:5557/demo/busybox:oci ;;
  esac
  "$FATHOM_PYTHON" scripts/bench/web_speed.py "http://127.0.0.1:$port" "$reference" "$runs" |
    while read -r kind median fastest; do
      goal=
      [[ $route/$kind == direct/reload ]] && goal="≤ 150 ms"
      row "submit → table, $route, $kind: median of $runs" "$median ms" "$goal"
      row "submit → table, $route, $kind: fastest" "$fastest ms"
    done
done
"$FATHOM_PYTHON" scripts/bench/web_speed.py "http://127.0.0.1:$port" --compare \
  127.0.0.1:5555/demo/busybox:oci 127.0.0.1:5555/demo/busybox:docker "$runs" |
  while read -r kind median fastest; do
    row "compare 8 + 8 platforms, $kind: median of $runs" "$median ms"
    row "compare 8 + 8 platforms, $kind: fastest" "$fastest ms"
  done
