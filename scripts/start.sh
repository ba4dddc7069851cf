#!/usr/bin/env bash
# Fathom's main command: installs what it needs (scripts/setup.sh), starts the local demo registry
# of real multi-platform images, builds the CLI, the edge worker and the web app, and runs the
# worker on workerd (`wrangler dev`) on 127.0.0.1 — the web app, the edge API and the registry
# proxy — until Ctrl-C.
#
#   scripts/start.sh [PORT]           (default 8787)
#   scripts/start.sh --check [PORT]   smoke mode: start everything, fetch the page, one
#                                     /api/v1/inspect and one CLI inspect of a demo image, stop
#                                     what it started; exit 1 on any failure
#
# The independent steps run at once (installs from the package registries beside the compiles;
# the CLI, the worker and the web app each in a cargo profile of its own, so they do not wait on
# each other's lock); each prints when it starts and ends, with the time since the command began.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/lanes.sh"
source "$(dirname "$0")/lib/worker.sh"
cd "$FATHOM_ROOT"

check=0 port=8787
for arg in "$@"; do
  case $arg in
    --check) check=1 ;;
    [0-9]*) port=$arg ;;
    *) die "unknown argument $arg (scripts/start.sh [--check] [PORT])" ;;
  esac
done
LOGS=target/logs
mkdir -p "$LOGS"
FATHOM=target/debug/fathom
DEMO_REF=127.0.0.1:5555/demo/busybox:oci

# ---------------------------------------------------------------------------------------------

say "Fathom: setting up and building (a first run on a fresh machine takes minutes, later runs seconds)"
demo_was_running=0
[[ $(scripts/demo-registry.sh status 2>/dev/null | head -n 1) == *running* ]] && demo_was_running=1

scripts/setup.sh start rust clang
# The CLI is not on the way to the first page: it builds at the lowest priority, on what the
# other lanes leave of the two cores, and is announced when ready.
(
  nice -n 19 cargo build -p fathom-cli --locked --quiet 2>"$LOGS/cli-build.log" &&
    say "CLI ready: $FATHOM" || say "the CLI did not build (log: $LOGS/cli-build.log)"
) &
cli_pid=$!
# Each artefact's lane compiles beside the install of the tool that finishes it, and finishes as
# soon as both are there (the worker does not wait for Trunk, the longest install).
packages() {
  scripts/setup.sh start debian npm python
  scripts/demo-registry.sh start >/dev/null
}
worker() {
  scripts/setup.sh start wasm-bindgen &
  local tool=$!
  scripts/build-worker.sh --cargo-only
  wait "$tool"
  await "npm's wasm-opt" test -x node_modules/.bin/wasm-opt
  scripts/build-worker.sh
}
web_app() {
  scripts/setup.sh start trunk wasm-split &
  local tool=$!
  scripts/build-web.sh --cargo-only
  wait "$tool"
  await "wasm-bindgen-cli $WASM_BINDGEN_VERSION" has_version wasm-bindgen "$WASM_BINDGEN_VERSION"
  await "npm's wasm-opt" test -x node_modules/.bin/wasm-opt
  scripts/build-web.sh
}
lane "packages (Debian, npm, PyPI) + demo registry" packages
lane "worker: cargo beside wasm-bindgen-cli, then bindings and wasm-opt" worker
lane "web app: cargo beside trunk, then Trunk" web_app
wait_lanes

base="http://127.0.0.1:$port"
say "→ worker on workerd (wrangler dev, $base)"
trap 'stop_worker' EXIT
start_worker "$port" "$LOGS/worker.log"
say "ready: $base"

if ((check)); then
  failures=0
  fail() {
    say "✘ $*"
    failures=$((failures + 1))
  }
  page=$(curl -fsS "$base/") || fail "GET / failed"
  [[ $page == *"<title>Fathom"* ]] && say "✔ GET / serves the web app" || fail "GET / is not the web app"
  report=$(curl -fsS "$base/api/v1/inspect?ref=$DEMO_REF") || fail "GET /api/v1/inspect?ref=$DEMO_REF failed"
  if jq -e '(.platforms | length) >= 8 and all(.platforms[]; .verified == true)' <<<"$report" >/dev/null 2>&1; then
    say "✔ /api/v1/inspect?ref=$DEMO_REF: $(jq '.platforms | length' <<<"$report") platforms, all verified"
  else
    fail "/api/v1/inspect?ref=$DEMO_REF did not verify every platform: ${report:0:300}"
  fi
  wait "$cli_pid"
  if out=$("$FATHOM" inspect "$DEMO_REF" --platform linux/arm64/v8 2>&1); then
    say "✔ fathom inspect $DEMO_REF --platform linux/arm64/v8"
  else
    printf '%s\n' "$out" >&2
    fail "fathom inspect $DEMO_REF failed"
  fi
  stop_worker
  ((demo_was_running)) || scripts/demo-registry.sh stop >/dev/null 2>&1
  ((failures == 0)) || die "smoke check: $failures failure(s)"
  say "smoke check passed; stopped what it started"
  exit 0
fi

cat <<TXT

Fathom runs on $base — the web app, the edge API and the registry proxy, on workerd.

  Open        $base/?ref=$DEMO_REF
  Inspect     curl '$base/api/v1/inspect?ref=$DEMO_REF'
  Match       curl '$base/api/v1/match?ref=$DEMO_REF&platform=linux/arm64/v8'
  Tags        curl '$base/api/v1/tags?repo=127.0.0.1:5555/demo/busybox'
  OpenAPI     $base/api/v1/openapi.json
  Proxy       curl -H 'Accept: application/vnd.oci.image.index.v1+json' $base/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/oci

The demo registry runs on 127.0.0.1:5555 (no auth), 127.0.0.1:5556 (Basic: fathom /
fathom-demo) and 127.0.0.1:5557 (Bearer tokens). The CLI works on it too:

  $FATHOM inspect $DEMO_REF --platform linux/arm64/v8
  $FATHOM match   $DEMO_REF --platform linux/riscv64

Ctrl-C stops the worker (its log: $LOGS/worker.log); scripts/demo-registry.sh stop stops the
registries.

TXT
trap 'stop_worker; exit 0' INT TERM
tail -n +1 -f "$LOGS/worker.log" --pid "$WORKER_PID" &
wait "$WORKER_PID"
