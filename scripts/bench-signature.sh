#!/usr/bin/env bash
# What checking a signature and reading an SBOM cost: natively (`cargo bench --bench signature`,
# one table), then the same core code as wasm in headless Chromium — web/bench, built with the
# file worker's profile, timed by its page (scripts/bench/signature_speed.py) on the same real
# documents: a public-good Sigstore bundle checked keyless, and trivy's SPDX of 2,238 packages.
# Asserts nothing.
#   scripts/bench-signature.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$FATHOM_ROOT"
require chromium "chromium (Debian)"
native=$(mktemp)
trap 'rm -f "$native"' EXIT
cargo bench -p fathom-core --bench signature --quiet | tee "$native"

out=target/bench/wasm-signature
say "building web/bench for wasm32 (the file worker's profile)"
cargo build -p fathom-wasm-bench --target wasm32-unknown-unknown --profile files-release --quiet
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --out-dir "$out" target/wasm32-unknown-unknown/files-release/fathom_wasm_bench.wasm
data=tests/data
cp web/bench/index.html "$out/"
cp "$data/signatures/sigstore-trusted-root.public-good.json" "$out/trusted-root.json"
cp "$data/signatures/sigstore-bundles/bundle_v3_github.whl.sigstore" "$out/bundle.sigstore"
gzip -dc "$data/attestations/trivy-spdx-2.2.opensearch-dashboards.json.gz" >"$out/sbom.spdx.json"
file="sha256:$(sha256sum <"$data/signatures/sigstore-bundles/bundle_v3_github.whl" | cut -d' ' -f1)"

native_ms() { awk -F'|' -v w="$1" 'index($2, w) { gsub(/ |ms/, "", $3); print $3 }' "$native"; }
echo
echo "| as wasm in headless Chromium (best of 15) | wasm | native | ÷ native |"
echo "|---|---:|---:|---:|"
"$FATHOM_PYTHON" scripts/bench/signature_speed.py "$out" "$file" |
  while read -r what ms _; do
    case $what in
      bundle) label="keyless: real public-good Sigstore bundle (SET, proof, checkpoint)" ;;
      root) label="read the public-good trusted_root.json" ;;
      sbom) label="SBOM: trivy's real SPDX, 2,238 packages" ;;
    esac
    n=$(native_ms "${label%% (*}")
    ratio=$(awk -v a="$ms" -v b="$n" 'BEGIN { if (b > 0) printf "%.1f×", a / b; else print "?" }')
    echo "| $label | $ms ms | $n ms | $ratio |"
  done
