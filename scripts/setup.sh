#!/usr/bin/env bash
# Installs everything Fathom's two commands need — the only script that installs anything.
# Each part is checked first and skipped when the right version is already there; everything
# comes from rustup, crates.io, npm, PyPI and Debian, nothing from anywhere else.
#
#   scripts/setup.sh [start|test] [PART…]
#
#   start   what scripts/start.sh needs (default PARTs: rust clang debian npm python tools)
#   test    that, plus what the tests need (rustfmt, clippy; wrk and Chromium from Debian)
#   PART    rust      rustup: the wasm32-unknown-unknown target (test: also rustfmt, clippy)
#           clang     clang and llvm from Debian: the C compiler of the wasm builds (libzstd)
#           debian    docker-registry (CNCF distribution), buildah, skopeo, apache2-utils, jq,
#                     curl, python3-venv, zstd (test: also wrk, chromium, iproute2, umoci)
#           npm       wrangler + workerd, Node 22 for wrangler, binaryen's wasm-opt
#                     (package-lock.json, into node_modules/)
#           python    one venv in $FATHOM_TOOLS_DIR/venv: scripts/requirements.txt (cryptography
#                     for the demo token issuer; test: also scripts/requirements-test.txt —
#                     pytest, schemathesis, jsonschema, Playwright)
#           tools     wasm-bindgen, trunk and wasm-split (below), at once
#           wasm-bindgen  wasm-bindgen-cli from crates.io into $FATHOM_TOOLS_DIR/bin
#           trunk     trunk from crates.io into $FATHOM_TOOLS_DIR/bin
#           wasm-split  wasm-split-cli (wasm_split_cli_support) from crates.io, the same place
#           fuzz      a nightly toolchain and cargo-fuzz (only when asked: scripts/fuzz.sh)
#
# The network-bound parts (debian, npm, python) run beside the compile-bound one (tools), and
# the crates.io tools compile at once; every part prints what it did and how long it took.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

SUDO=
[[ $EUID -eq 0 ]] || SUDO=sudo

# ---------------------------------------------------------------------------------------------
# rust

part_rust() {
  local want=() have
  have=$(rustup component list --installed 2>/dev/null)
  if [[ $PROFILE == test ]]; then
    local component
    for component in rustfmt clippy; do
      grep -q "^$component" <<<"$have" || want+=("$component")
    done
  fi
  if ((${#want[@]})); then
    rustup component add "${want[@]}" >&2
  fi
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown >&2
    want+=(wasm32-unknown-unknown)
  fi
  DONE="${want[*]:-already there}"
}

# ---------------------------------------------------------------------------------------------
# debian

debian_installed() { [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]; }

part_debian() {
  # zstd (the reference) recompresses demo/debian's layers for the demo registry, and makes the
  # zstd layers the layer reader is tested on.
  local packages=(docker-registry buildah skopeo apache2-utils jq curl python3-venv util-linux zstd)
  # The registry zoo (tests only) makes namespaces with util-linux and brings up loopback with iproute2.
  # umoci unpacks images for the merged-filesystem oracle (tests only).
  [[ $PROFILE == test ]] && packages+=(wrk chromium iproute2 umoci)
  # (Installing docker-registry may start a system service on :5000; nothing here uses it.)
  debian_install "${packages[@]}"
}

# Installs those of the Debian packages given that are missing; sets DONE.
debian_install() { # package…
  local pkg missing=()
  for pkg in "$@"; do
    debian_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    DONE="already there"
    return
  fi
  # A private archives dir keeps off the shared apt cache lock when another apt runs.
  local archives
  archives=$(mktemp -d)
  mkdir -p "$archives/partial"
  $SUDO apt-get -qq update >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -qq install -y \
    -o Dir::Cache::archives="$archives" "${missing[@]}" >/dev/null
  rm -rf "$archives"
  DONE="installed ${missing[*]}"
}

# ---------------------------------------------------------------------------------------------
# clang

# libzstd is C: clang compiles it for the wasm builds (the `zstd-sys` build script finds `clang`
# and llvm's `llvm-ar`), which then decode zstd layers with the code the native builds use.
part_clang() {
  debian_install clang llvm
}

# ---------------------------------------------------------------------------------------------
# npm

part_npm() {
  local stamp="$FATHOM_ROOT/node_modules/.fathom-lock"
  if [[ -f $stamp ]] && cmp -s "$stamp" "$FATHOM_ROOT/package-lock.json"; then
    DONE="already there"
    return
  fi
  # `npm ci`: exactly the lock (which lists every platform's workerd and esbuild build; npm
  # installs this machine's), and never a rewritten lock file.
  (cd "$FATHOM_ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$FATHOM_ROOT/package-lock.json" "$stamp"
  DONE="installed from package-lock.json"
}

# ---------------------------------------------------------------------------------------------
# python

part_python() {
  local requirements="$FATHOM_ROOT/scripts/requirements.txt"
  [[ $PROFILE == test ]] && requirements="$FATHOM_ROOT/scripts/requirements-test.txt"
  local stamp="$FATHOM_VENV/.fathom-$(basename "$requirements")"
  local wanted
  wanted=$(cat "$FATHOM_ROOT/scripts/requirements.txt" "$requirements")
  if [[ -f $stamp && $(cat "$stamp") == "$wanted" ]] && "$FATHOM_PYTHON" -c '' 2>/dev/null; then
    DONE="already there"
    return
  fi
  "$FATHOM_PYTHON" -c '' 2>/dev/null || { rm -rf "$FATHOM_VENV" && python3 -m venv "$FATHOM_VENV"; }
  "$FATHOM_VENV/bin/pip" install -q --disable-pip-version-check -r "$requirements" >&2
  printf '%s' "$wanted" >"$stamp"
  DONE="venv from scripts/$(basename "$requirements")"
}

# ---------------------------------------------------------------------------------------------
# tools from crates.io

# The tools only move files around: built without optimisation or LTO (the crates' own release
# profiles use fat LTO), they compile in a third of the time (trunk: 3.8 instead of ≈ 12 min on
# 2 cores) and run as fast as this needs.
# trunk: no default features drops its update check and TLS (it runs offline); wasm-bindgen-cli:
# no default features drops the TLS of its test runner's downloader.
cheap_install() { # crate version [cargo install args…]
  local crate=$1 version=$2
  shift 2
  CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
    CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_INCREMENTAL=false \
    cargo install "$crate" --version "$version" --root "$FATHOM_TOOLS_DIR" --no-default-features \
    --quiet "$@" >&2
}

part_wasm-bindgen() {
  if has_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
    DONE="already there"
    return
  fi
  # Not --locked: the CLI's own lockfile pins a yanked crate.
  cheap_install wasm-bindgen-cli "$WASM_BINDGEN_VERSION"
  has_version wasm-bindgen "$WASM_BINDGEN_VERSION" || die "wasm-bindgen-cli $WASM_BINDGEN_VERSION did not install"
  DONE="installed wasm-bindgen-cli $WASM_BINDGEN_VERSION"
}

part_trunk() {
  if has_version trunk "$TRUNK_VERSION"; then
    DONE="already there"
    return
  fi
  cheap_install trunk "$TRUNK_VERSION" --locked
  has_version trunk "$TRUNK_VERSION" || die "trunk $TRUNK_VERSION did not install"
  DONE="installed trunk $TRUNK_VERSION"
}

# The page's wasm splitter (scripts/build-web.sh): wasm-split-cli, the splitter cargo-leptos runs
# for Leptos's split points, which Trunk does not run.
part_wasm-split() {
  if has_wasm_split; then
    DONE="already there"
    return
  fi
  cheap_install wasm_split_cli_support "$WASM_SPLIT_VERSION" --locked --features build-binary
  has_wasm_split || die "wasm_split_cli_support $WASM_SPLIT_VERSION did not install"
  DONE="installed wasm-split-cli (wasm_split_cli_support $WASM_SPLIT_VERSION)"
}

part_fuzz() {
  local installed=()
  if ! rustup toolchain list | grep -q nightly; then
    rustup toolchain install nightly --profile minimal >&2
    installed+=(nightly)
  fi
  if ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --locked --root "$FATHOM_TOOLS_DIR" --quiet >&2
    installed+=(cargo-fuzz)
  fi
  DONE="${installed[*]:-already there}"
}

# ---------------------------------------------------------------------------------------------

# Runs one part, timing it; its output goes to a log, shown only if it fails.
run_part() { # part
  local part=$1 started log
  started=$(date +%s)
  log="$LOGS/setup-$part.log"
  DONE=
  if ("part_$part" 2>"$log" && printf '%s' "$DONE" >"$log.done"); then
    say "setup $part: $(cat "$log.done") ($(($(date +%s) - started)) s)"
  else
    tail -n 30 "$log" >&2
    die "setup $part failed (log above; full log: $log)"
  fi
}

main() {
  PROFILE=start
  local parts=() part
  for part in "$@"; do
    case $part in
      start | test) PROFILE=$part ;;
      tools) parts+=(wasm-bindgen trunk wasm-split) ;;
      rust | clang | debian | npm | python | wasm-bindgen | trunk | wasm-split | fuzz) parts+=("$part") ;;
      -h | --help)
        sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
      *) die "unknown part '$part' (scripts/setup.sh --help)" ;;
    esac
  done
  ((${#parts[@]})) || parts=(rust clang debian npm python wasm-bindgen trunk wasm-split)
  LOGS="$FATHOM_ROOT/target/logs"
  mkdir -p "$LOGS" "$FATHOM_TOOLS_DIR"
  require cargo "Rust (rustup)"
  require npm "npm"
  # rust and clang first (quick, and every wasm build needs them); then the network-bound parts
  # beside the compile-bound one.
  local pids=() names=() failed=0 i
  for part in "${parts[@]}"; do
    if [[ $part == rust || $part == clang ]]; then
      run_part "$part"
    else
      run_part "$part" &
      pids+=($!) names+=("$part")
    fi
  done
  for i in "${!pids[@]}"; do
    wait "${pids[i]}" || failed=1
  done
  ((failed == 0)) || exit 1
}

main "$@"
