#!/usr/bin/env bash
# Fathom's main command (for now): starts the local demo registry of real multi-platform images on
# 127.0.0.1, builds the `fathom` CLI, and inspects the 8-platform demo image with it.
# (The web app and edge API will take over this command.)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/demo-registry.sh start
eval "$(scripts/demo-registry.sh env)"
cargo build --release -p fathom-cli --quiet
fathom=target/release/fathom

echo
"$fathom" inspect "$FATHOM_REGISTRY/demo/busybox:oci" --platform linux/arm64/v8
cat <<TXT

The demo registry runs on $FATHOM_REGISTRY (no auth), $FATHOM_REGISTRY_BASIC (Basic:
fathom / fathom-demo) and $FATHOM_REGISTRY_TOKEN (Bearer tokens). Try:

  $fathom inspect $FATHOM_REGISTRY/demo/busybox:docker
  $fathom inspect $FATHOM_REGISTRY/demo/attested:latest
  $fathom inspect $FATHOM_REGISTRY/demo/nested:latest --format json
  $fathom match   $FATHOM_REGISTRY/demo/busybox:oci --platform linux/riscv64
  $fathom tags    $FATHOM_REGISTRY/demo/busybox
  echo fathom-demo | $fathom inspect $FATHOM_REGISTRY_TOKEN/demo/busybox:oci --username fathom --password-stdin

Stop the registries with: scripts/demo-registry.sh stop
TXT
