#!/usr/bin/env bash
# The layer reader's speed on real layers: a tar of this machine's /usr/share (Debian's files,
# some 700 MB uncompressed) compressed by gzip -6 as docker and buildkit do, and by zstd -3 as
# they do when asked for zstd, made once into target/bench/; then `cargo bench --bench layer`
# prints one table. Asserts nothing.
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
cargo bench -p fathom-core --bench layer --quiet -- "$FATHOM_ROOT/$layer" "$FATHOM_ROOT/$zstd_layer"
