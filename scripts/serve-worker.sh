#!/usr/bin/env bash
# The one way to run the worker locally: brings the worker and the web app it serves up to date
# (scripts/build-worker.sh, scripts/build-web.sh — seconds when nothing changed), then runs it on
# workerd with `wrangler dev` on 127.0.0.1 in the foreground (exec: the caller's PID is
# wrangler's). Used by scripts/start.sh, the end-to-end tests and the benchmarks.
#
#   scripts/serve-worker.sh [--port PORT] [--state DIR] [--var NAME:VALUE]… [--log-level LEVEL]
#                           [--production] [--dir DIR]
#
#   --port   default 8787
#   --state  where workerd keeps the Cache API's state (default worker/.wrangler/state)
#   --var    overrides a [vars] entry of worker/wrangler.toml's dev environment (which trusts the
#            demo registry's Sigstore root, once the demo registry has been built)
#   --production  the production settings of worker/wrangler.toml as they are (its allowlist:
#            the public registries only), not `--env dev`
#   --dir    another Worker's directory (the benchmarks' hello-world Worker): run as it is, no
#            builds, no `--env dev`
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$FATHOM_ROOT"

port=8787 state= dir=worker env=dev args=()
while (($#)); do
  case $1 in
    --port) port=$2; shift 2 ;;
    --state) state=$2; shift 2 ;;
    --var) args+=(--var "$2"); shift 2 ;;
    --log-level) args+=(--log-level "$2"); shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --production) env=; shift ;;
    *) die "unknown argument $1 (see the head of $0)" ;;
  esac
done
[[ -x $WRANGLER ]] || die "wrangler is not installed: run scripts/setup.sh"
[[ -n $state ]] && args+=(--persist-to "$state")

if [[ $dir == worker ]]; then
  scripts/build-worker.sh
  scripts/build-web.sh
  if [[ -n $env ]]; then args+=(--env "$env"); fi
fi
# The dev environment trusts the demo registry's Sigstore too, for its keyless signatures (a
# --var given overrides it).
demo_root="$(scripts/demo-registry.sh env | sed -n 's/^export FATHOM_DEMO_KEYS=//p')/trusted_root.json"
if [[ $dir == worker && -n $env && -s $demo_root ]]; then
  args=(--var "SIGSTORE_TRUSTED_ROOT:$(jq -c . "$demo_root")" "${args[@]}")
fi
cd "$dir"
exec "$WRANGLER" dev --ip 127.0.0.1 --port "$port" --show-interactive-dev-session=false "${args[@]}"
