#!/usr/bin/env bash
# Fathom's test command: formatting, lints, the wasm32 builds, every Rust test, and the
# end-to-end tests (the worker on real workerd against the real demo registry: API, proxy
# abuse, schemathesis, a bounded load; the web app in real headless Chromium). Installs what it
# needs first (scripts/setup.sh test: the same installer as the main command, plus rustfmt,
# clippy, wrk and Chromium); the compiles run beside the installs.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/lanes.sh"
cd "$FATHOM_ROOT"
LOGS=target/logs
mkdir -p "$LOGS"
output=target/test-output.txt

checks() {
  cargo fmt --all -- --check
  cargo clippy --workspace --all-targets --locked --quiet -- -D warnings
  cargo build -p fathom-core --target wasm32-unknown-unknown --locked --quiet
  cargo test --workspace --locked --no-run --quiet
}

scripts/setup.sh test rust clang
lane "packages and tools (Debian, npm, PyPI, crates.io)" scripts/setup.sh test debian npm python tools
lane "fmt, clippy -D warnings, core for wasm32, tests compiled" checks
lane "worker (cargo, wasm32)" scripts/build-worker.sh --cargo-only
lane "web app (cargo, wasm32)" scripts/build-web.sh --cargo-only
wait_lanes

say "→ cargo test (unit, corpus, CLI, against the real demo registry)"
cargo test --workspace --locked 2>&1 | tee "$output"
lane "worker (wasm-bindgen, wasm-opt)" scripts/build-worker.sh
lane "web app (trunk)" scripts/build-web.sh
wait_lanes

say "→ end-to-end tests (workerd, demo registry, Chromium, schemathesis, wrk)"
"$FATHOM_PYTHON" -m pytest tests/e2e -q -p no:cacheprovider 2>&1 | tee -a "$output"
say "→ the registry zoo (every big public registry by its real name, in a private namespace)"
scripts/zoo.sh start
trap 'scripts/zoo.sh stop' EXIT
scripts/zoo.sh run -- "$FATHOM_PYTHON" -m pytest tests/zoo -q -p no:cacheprovider 2>&1 | tee -a "$output"
passed=$(grep -oE '[0-9]+ passed' "$output" | awk '{s+=$1} END {print s+0}')
failed=$(grep -oE '[0-9]+ failed' "$output" | awk '{s+=$1} END {print s+0}')
say "$passed passed, $failed failed"
