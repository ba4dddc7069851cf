#!/usr/bin/env bash
# Builds the worker offline into worker/build/: the Rust crate for wasm32, wasm-bindgen's
# bindings (`--target web`, instantiated by worker/entry.mjs), and wasm-opt -Oz. wrangler then
# bundles worker/entry.mjs with the wasm module. Prints the sizes.
#   scripts/build-worker.sh [--dev]    (--dev: skip wasm-opt, for a faster edit loop)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
ensure_wasm_bindgen
ensure_node_modules

cargo build -p fathom-worker --target wasm32-unknown-unknown --profile wasm-release --locked
out=worker/build
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
wasm-bindgen --target web --no-typescript --out-dir "$out.tmp" --out-name index \
  target/wasm32-unknown-unknown/wasm-release/fathom_worker.wasm
if [ "${1:-}" != "--dev" ]; then
  node_modules/.bin/wasm-opt -Oz --all-features "$out.tmp/index_bg.wasm" -o "$out.tmp/index_bg.wasm"
fi
rm -rf "$out" && mv "$out.tmp" "$out"
printf 'worker wasm: %s bytes (%s gzip)\n' "$(stat -c %s "$out/index_bg.wasm")" "$(gzip -9c "$out/index_bg.wasm" | wc -c)"
