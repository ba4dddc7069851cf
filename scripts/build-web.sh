#!/usr/bin/env bash
# Builds the web app offline into web/dist/ with Trunk (release: opt-level z, LTO, wasm-opt -Oz),
# using the pinned wasm-bindgen and npm's wasm-opt 132. Prints what a first load transfers.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
ensure_wasm_bindgen
ensure_trunk
ensure_node_modules
export PATH="$FATHOM_ROOT/node_modules/.bin:$PATH" TRUNK_OFFLINE=true NO_COLOR=true
trunk build --release --config Trunk.toml 2>&1 | grep -vE '^\s*$' | tail -3
total=0
for file in web/dist/*; do
  total=$((total + $(gzip -9c "$file" | wc -c)))
done
printf 'web app first load: %s bytes gzip (%s files)\n' "$total" "$(ls web/dist | wc -l)"
