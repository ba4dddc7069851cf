#!/usr/bin/env bash
# Builds the worker offline into worker/build/: the Rust crate for wasm32, wasm-bindgen's
# bindings (`--target web`, instantiated by worker/entry.mjs), and wasm-opt -Oz. wrangler then
# bundles worker/entry.mjs with the wasm module. Skipped when nothing it is built from changed
# (a fingerprint of the sources and tool versions in worker/build/.fingerprint). Prints the sizes.
#   scripts/build-worker.sh [--dev] [--cargo-only]
#     --dev         skip wasm-opt, for a faster edit loop
#     --cargo-only  only the cargo build (so that it can run before wasm-bindgen is installed)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$FATHOM_ROOT"
dev=0 cargo_only=0
for arg in "$@"; do
  case $arg in
    --dev) dev=1 ;;
    --cargo-only) cargo_only=1 ;;
    *) die "unknown argument $arg" ;;
  esac
done

out=worker/build
stamp=$(fingerprint "wasm-bindgen $WASM_BINDGEN_VERSION" "dev $dev" \
  -- Cargo.toml Cargo.lock crates/fathom-core/Cargo.toml crates/fathom-core/src worker/Cargo.toml worker/src \
  worker/openapi.json worker/sigstore schema/report.schema.json package-lock.json scripts/build-worker.sh)
if [[ -f $out/index_bg.wasm && $(cat "$out/.fingerprint" 2>/dev/null) == "$stamp" ]]; then
  ((cargo_only)) || say "worker: up to date ($out)"
  exit 0
fi

RUSTFLAGS=$(wasm_rustflags) cargo build -p fathom-worker --target wasm32-unknown-unknown --profile wasm-release --locked --quiet
((cargo_only == 0)) || exit 0
require wasm-bindgen "wasm-bindgen-cli $WASM_BINDGEN_VERSION"
[[ -x node_modules/.bin/wasm-opt ]] || die "binaryen's wasm-opt is not installed: run scripts/setup.sh"
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
wasm-bindgen --target web --no-typescript --out-dir "$out.tmp" --out-name index \
  target/wasm32-unknown-unknown/wasm-release/fathom_worker.wasm
if ((dev == 0)); then
  node_modules/.bin/wasm-opt -Oz --all-features "$out.tmp/index_bg.wasm" -o "$out.tmp/index_bg.wasm"
fi
echo "$stamp" >"$out.tmp/.fingerprint"
rm -rf "$out" && mv "$out.tmp" "$out"
say "worker: built, wasm $(stat -c %s "$out/index_bg.wasm") bytes ($(gzip -9c "$out/index_bg.wasm" | wc -c) gzip)"
