#!/usr/bin/env bash
# The layer reader's speed on real layers: a tar of this machine's /usr/share (Debian's files,
# some 700 MB uncompressed) compressed by gzip -6 as docker and buildkit do, and by zstd -3 as
# they do when asked for zstd, made once into target/bench/; then `cargo bench --bench layer`
# prints one table. Then the same code as wasm, in the web app's file worker in headless
# Chromium (scripts/bench/files_speed.py: the same files pushed as one-layer images to a
# bench-only repository of the demo registry), beside the native figures; and where the wasm's
# time goes: the reader fed from memory and sha256 alone, in web/bench's layers.html
# (scripts/bench/layer_parts.py). Asserts nothing.
#   scripts/bench-layer.sh [DIRECTORY=/usr/share]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$FATHOM_ROOT"
source_dir=${1:-/usr/share}
layer=target/bench/layer-$(basename "$source_dir").tar.gz
if [[ ! -s $layer ]]; then
  mkdir -p target/bench
  say "making $layer from $source_dir (once)"
  tar -C "$(dirname "$source_dir")" -cf - "$(basename "$source_dir")" 2>/dev/null | gzip -6 >"$layer.tmp" || true
  mv "$layer.tmp" "$layer"
fi
zstd_layer=${layer%.gz}.zst
if [[ ! -s $zstd_layer ]]; then
  say "making $zstd_layer from $layer (once)"
  gzip -dc "$layer" | zstd -q -3 -c >"$zstd_layer.tmp"
  mv "$zstd_layer.tmp" "$zstd_layer"
fi
native=$(mktemp)
worker_state=$(mktemp -d)
source "$(dirname "$0")/lib/worker.sh"
trap 'stop_worker; rm -rf "$native" "$worker_state"' EXIT
cargo bench -p fathom-core --bench layer --quiet -- "$FATHOM_ROOT/$layer" "$FATHOM_ROOT/$zstd_layer" | tee "$native"

require chromium "chromium (Debian)"
scripts/demo-registry.sh start >/dev/null
port=8792
start_worker "$port" "$worker_state/worker.log" --state "$worker_state" --log-level error
echo
echo "| layer, as wasm in headless Chromium (the file worker) | MiB of tar | best of 3 | MiB/s of tar | ÷ native |"
echo "|---|---:|---:|---:|---:|"
"$FATHOM_PYTHON" scripts/bench/files_speed.py "http://127.0.0.1:$port" 127.0.0.1:5555 3 "$layer" "$zstd_layer" |
  while read -r name mib seconds rate; do
    native_rate=$(awk -F'|' -v n="$name" '$2 ~ "^ "n"," { gsub(/ /, "", $5); print $5 }' "$native")
    ratio=$(awk -v a="$rate" -v b="$native_rate" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "?" }')
    echo "| $name | $mib | $seconds s | $rate | $ratio |"
  done

# Where the wasm's time goes: the same reader fed from memory (no network, no worker messages),
# and the core's sha256 alone over the same bytes; both hashes the reader computes (the blob and
# its tar) at that rate, and the rest (decompression, tar headers, copies into wasm).
out=target/bench/wasm-layer
say "building web/bench for wasm32 (the file worker's profile)"
cargo build -p fathom-wasm-bench --target wasm32-unknown-unknown --profile files-release --quiet
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --out-dir "$out" target/wasm32-unknown-unknown/files-release/fathom_wasm_bench.wasm
cp web/bench/layers.html "$out/"
ln -s "$FATHOM_ROOT/$layer" "$out/layer.tar.gz"
ln -s "$FATHOM_ROOT/$zstd_layer" "$out/layer.tar.zst"
native_sha256=$(awk -F'|' '/sha256 alone/ { gsub(/ |MiB\/s/, "", $3); print $3 }' "$native")
echo
echo "| from memory, as wasm in headless Chromium (best of 5) | the reader, one pass | MiB/s of tar | sha256 alone | both hashes at that rate | the rest: decompression, tar, copies |"
echo "|---|---:|---:|---:|---:|---:|"
"$FATHOM_PYTHON" scripts/bench/layer_parts.py "$out" |
  while read -r name compressed tar hash read; do
    awk -v n="$name" -v c="$compressed" -v t="$tar" -v h="$hash" -v r="$read" -v s="$native_sha256" 'BEGIN {
      mib = 1048576; rate = c / mib / h; both = (c + t) / mib / rate
      printf "| %s | %.2f s | %.0f | %.0f MiB/s (natively %s) | %.2f s | %.2f s |\n", n, r, t / mib / r, rate, s, both, r - both
    }'
  done
