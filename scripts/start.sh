#!/usr/bin/env bash
# Fathom's main command: starts the local demo registry of real multi-platform images, builds the
# CLI, the edge worker and the web app, and runs the worker on workerd (`wrangler dev`) on
# 127.0.0.1 — the web app, the edge API and the registry proxy — until Ctrl-C.
#   scripts/start.sh [PORT]     (default 8787)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
port=${1:-8787}

scripts/demo-registry.sh start
eval "$(scripts/demo-registry.sh env)"
cargo build --release -p fathom-cli --quiet
scripts/build-worker.sh
scripts/build-web.sh
fathom=target/release/fathom
base="http://127.0.0.1:$port"

cat <<TXT

Fathom is starting on $base (the worker on workerd, the demo registry allowed).

  Open        $base/?ref=$FATHOM_REGISTRY/demo/busybox:oci
  Inspect     curl '$base/api/v1/inspect?ref=$FATHOM_REGISTRY/demo/busybox:oci'
  Match       curl '$base/api/v1/match?ref=$FATHOM_REGISTRY/demo/busybox:oci&platform=linux/arm64/v8'
  Tags        curl '$base/api/v1/tags?repo=$FATHOM_REGISTRY/demo/busybox'
  OpenAPI     $base/api/v1/openapi.json
  Proxy       curl -H 'Accept: application/vnd.oci.image.index.v1+json' $base/proxy/$FATHOM_REGISTRY/v2/demo/busybox/manifests/oci

The demo registry runs on $FATHOM_REGISTRY (no auth), $FATHOM_REGISTRY_BASIC (Basic:
fathom / fathom-demo) and $FATHOM_REGISTRY_TOKEN (Bearer tokens). The CLI works on it too:

  $fathom inspect $FATHOM_REGISTRY/demo/busybox:oci --platform linux/arm64/v8
  $fathom match   $FATHOM_REGISTRY/demo/busybox:oci --platform linux/riscv64

Ctrl-C stops the worker; scripts/demo-registry.sh stop stops the registries.

TXT
cd worker
exec "$WRANGLER" dev --env dev --ip 127.0.0.1 --port "$port" --show-interactive-dev-session=false
