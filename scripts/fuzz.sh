#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 300 s each) and prints a table of
# executions and crashes. Needs a nightly toolchain and cargo-fuzz (`scripts/setup.sh fuzz`
# installs them; this script runs it).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(reference digest platform manifest layer)

scripts/setup.sh fuzz
source scripts/lib/common.sh

# Seed the manifest fuzzer with the real-world corpus, and the layer fuzzer with its real gzip
# layers and the same archives recompressed with zstd (each after the byte that picks the chunk
# size: 7).
mkdir -p fuzz/corpus/manifest fuzz/corpus/layer
cp tests/data/corpus/*.json fuzz/corpus/manifest/
for blob in tests/data/corpus/layouts/*/blobs/sha256/*; do
  [[ $(head -c 2 "$blob" | od -An -tx1 | tr -d ' ') == 1f8b ]] || continue
  { printf '\007'; cat "$blob"; } >"fuzz/corpus/layer/$(basename "$blob")"
  if command -v zstd >/dev/null && gzip -dc "$blob" >/dev/null 2>&1; then
    { printf '\007'; gzip -dc "$blob" | zstd -q -c; } >"fuzz/corpus/layer/$(basename "$blob").zst"
  fi
done

printf '%-10s %12s %8s %8s\n' target execs seconds crashes
for target in "${targets[@]}"; do
  log=$(mktemp)
  status=0
  (cd fuzz && cargo +nightly fuzz run -O "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048) >"$log" 2>&1 || status=$?
  execs=$(grep -oE '^#[0-9]+' "$log" | tr -d '#' | tail -1 || true)
  # Count only what this run found (older artifacts stay as evidence).
  crashes=$(find fuzz/artifacts/"$target" -newer "$log" -name '*-*' 2>/dev/null | grep -c -E '/(crash|oom|timeout|leak)-' || true)
  printf '%-10s %12s %8s %8s\n' "$target" "${execs:-?}" "$seconds" "$crashes"
  if [ "$status" -ne 0 ]; then tail -40 "$log"; fi
  rm -f "$log"
done
