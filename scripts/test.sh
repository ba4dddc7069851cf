#!/usr/bin/env bash
# Fathom's test command: formatting, lints, the wasm32 builds, every Rust test, and the
# end-to-end tests (the worker on real workerd against the real demo registry: API, proxy
# abuse, schemathesis, a bounded load; the web app in real headless Chromium). Installs what it
# needs — rustfmt, clippy, the wasm32 target, wasm-bindgen-cli, trunk, npm tooling, wrk,
# Chromium, a Python venv — and skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
installed_components=$(rustup component list --installed)
for component in rustfmt clippy; do
  grep -q "^$component" <<<"$installed_components" || rustup component add "$component"
done
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
cargo --version

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "fathom-core for wasm32-unknown-unknown"
cargo build -p fathom-core --target wasm32-unknown-unknown --locked

step "cargo test"
cargo test --workspace --locked 2>&1 | tee target/test-output.txt

step "worker build (wasm32, wasm-bindgen, wasm-opt)"
scripts/build-worker.sh

step "web app build (Trunk)"
scripts/build-web.sh

step "end-to-end tests (workerd, demo registry, Chromium, schemathesis, wrk)"
ensure_debian_packages wrk chromium
ensure_e2e_venv
"$E2E_VENV/bin/python" -m pytest tests/e2e -q -p no:cacheprovider 2>&1 | tee -a target/test-output.txt
passed=$(grep -oE '[0-9]+ passed' target/test-output.txt | awk '{s+=$1} END {print s+0}')
failed=$(grep -oE '[0-9]+ failed' target/test-output.txt | awk '{s+=$1} END {print s+0}')
printf '\n%s passed, %s failed\n' "$passed" "$failed"
