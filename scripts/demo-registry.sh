#!/usr/bin/env bash
# Fathom's demo registry: real CNCF distribution 2.8 registries on 127.0.0.1, filled with real
# multi-platform images built by buildah from Debian's busybox-static, for tests and demos.
#
#   scripts/demo-registry.sh start  [--dir DIR] [--rebuild]   start (building images the first time)
#   scripts/demo-registry.sh stop   [--dir DIR]               stop exactly the processes start started
#   scripts/demo-registry.sh status [--dir DIR]               what runs, on which port
#   scripts/demo-registry.sh env    [--dir DIR]               `eval "$(scripts/demo-registry.sh env)"`
#   scripts/demo-registry.sh expected [--dir DIR]             rewrite demo-registry/expected.json from
#                                                             the running registry (after a change)
#
# Ports (environment):  FATHOM_REGISTRY_PORT        5555  no auth
#                       FATHOM_REGISTRY_BASIC_PORT  5556  Basic (htpasswd): fathom / fathom-demo
#                       FATHOM_REGISTRY_TOKEN_PORT  5557  Bearer tokens from the issuer below
#                       FATHOM_TOKEN_PORT           5558  test-only token issuer (fathom/fathom-demo:
#                                                         everything; puller/puller-pass: pull only;
#                                                         anonymous: pull only; wrong password: 401)
# State: ${FATHOM_DEMO_DIR:-$HOME/.cache/fathom/demo-registry} (or --dir): debs, buildah's store,
# registry storage, key and certificate, logs and PID files. Delete it (after `stop`) to start over;
# the next `start` rebuilds and must reproduce the digests in demo-registry/expected.json.
#
# The three registries serve the same content: images are pushed into the no-auth one, whose
# storage directory is then copied for the Basic and token ones (each registry owns its own storage:
# distribution does not coordinate writers sharing a filesystem root, and tests may push).
# Tags and digests: demo-registry/expected.json; details: demo-registry/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LIB=$HERE/demo-registry
EXPECTED=$LIB/expected.json

STATE=${FATHOM_DEMO_DIR:-$HOME/.cache/fathom/demo-registry}
PORT_PLAIN=${FATHOM_REGISTRY_PORT:-5555}
PORT_BASIC=${FATHOM_REGISTRY_BASIC_PORT:-5556}
PORT_TOKEN=${FATHOM_REGISTRY_TOKEN_PORT:-5557}
PORT_ISSUER=${FATHOM_TOKEN_PORT:-5558}
BUSYBOX_VERSION=${FATHOM_BUSYBOX_VERSION:-1:1.35.0-4+deb12u1+b1}

BASIC_USER=fathom BASIC_PASSWORD=fathom-demo
PULLER_USER=puller PULLER_PASSWORD=puller-pass
TOKEN_SERVICE=fathom-demo TOKEN_ISSUER=fathom-demo-issuer

REGISTRIES=(plain basic token)
declare -A PORT=([plain]=$PORT_PLAIN [basic]=$PORT_BASIC [token]=$PORT_TOKEN [issuer]=$PORT_ISSUER)

# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
log() { say "demo registry: $*"; }
die() {
  say "demo registry: error: $*"
  exit 1
}

# ---------------------------------------------------------------------------------------------------
# what it needs (scripts/setup.sh installs it; this script installs nothing)

PYTHON=$FATHOM_PYTHON
check_tools() {
  local tool
  for tool in docker-registry buildah skopeo htpasswd jq curl flock setsid zstd; do
    require "$tool" "$tool (Debian)"
  done
  "$PYTHON" -c 'import cryptography' 2>/dev/null ||
    die "the Python venv with cryptography (for the token issuer) is not installed: run scripts/setup.sh"
}

# ---------------------------------------------------------------------------------------------------
# configuration files (rewritten on every start: ports may have changed)

write_configs() {
  mkdir -p "$STATE"/{registries,token,tmp}
  [[ -s $STATE/htpasswd ]] || htpasswd -Bbn "$BASIC_USER" "$BASIC_PASSWORD" >"$STATE/htpasswd"
  "$PYTHON" "$LIB/token_issuer.py" --generate --key "$STATE/token/key.pem" \
    --cert "$STATE/token/cert.pem" --issuer "$TOKEN_ISSUER"
  local name auth cors
  for name in "${REGISTRIES[@]}"; do
    mkdir -p "$STATE/registries/$name/data"
    cors=
    case $name in
      # The no-auth registry answers browsers as a registry that enables CORS does (pages read
      # it directly); the Basic and token ones send no CORS headers (pages go through a proxy).
      plain) auth= cors=$(printf '    %s\n' \
        'Access-Control-Allow-Origin: ["*"]' \
        'Access-Control-Allow-Methods: [GET, HEAD]' \
        'Access-Control-Allow-Headers: [Accept, Authorization]' \
        'Access-Control-Expose-Headers: [Docker-Content-Digest, Link, WWW-Authenticate, RateLimit-Limit, RateLimit-Remaining, Docker-RateLimit-Source]' \
        'Access-Control-Max-Age: ["600"]') ;;
      basic) auth=$(printf 'auth:\n  htpasswd:\n    realm: fathom-demo\n    path: "%s"\n' "$STATE/htpasswd") ;;
      token) auth=$(printf 'auth:\n  token:\n    realm: "http://127.0.0.1:%s/token"\n    service: %s\n    issuer: %s\n    rootcertbundle: "%s"\n' \
        "$PORT_ISSUER" "$TOKEN_SERVICE" "$TOKEN_ISSUER" "$STATE/token/cert.pem") ;;
    esac
    cat >"$STATE/registries/$name/config.yml" <<EOF
# written by scripts/demo-registry.sh on every start; edits are lost
version: 0.1
log:
  level: info
  fields:
    service: fathom-demo-$name
storage:
  filesystem:
    rootdirectory: "$STATE/registries/$name/data"
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${PORT[$name]}
  secret: fathom-demo-not-a-secret
  headers:
    X-Content-Type-Options: [nosniff]
$cors
health:
  storagedriver:
    enabled: false
$auth
EOF
  done
}

# ---------------------------------------------------------------------------------------------------
# processes: one PID file each, holding the process's identity (PID and start time); we only ever
# signal the very process we started

pidfile() { echo "$STATE/$1.pid"; }
logfile() { echo "$STATE/$1.log"; }

# The running PID of a component we started, or nothing.
our_pid() {
  local file pid
  file=$(pidfile "$1")
  [[ -s $file ]] || return 0
  pid=$(pid_file_alive "$file")
  if [[ -n $pid ]]; then
    echo "$pid"
  else
    rm -f "$file" # stale: that process is gone (its PID may now be someone else's)
  fi
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

launch() { # name command...
  local name=$1
  shift
  [[ -n $(our_pid "$name") ]] && return 0
  port_busy "${PORT[$name]}" &&
    die "port ${PORT[$name]} (for $name) is taken by a process this script did not start; pick another with FATHOM_*_PORT"
  # setsid: a new session, so the terminal's Ctrl-C / hang-up does not reach it.
  # 9>&-: the daemon must not inherit (and so hold forever) the start/stop lock.
  setsid "$@" </dev/null >>"$(logfile "$name")" 2>&1 9>&- &
  pid_file_write $! "$(pidfile "$name")"
}

start_registry() { launch "$1" docker-registry serve "$STATE/registries/$1/config.yml"; }
start_issuer() {
  launch issuer "$PYTHON" -u "$LIB/token_issuer.py" --port "$PORT_ISSUER" --key "$STATE/token/key.pem" \
    --cert "$STATE/token/cert.pem" --issuer "$TOKEN_ISSUER" --service "$TOKEN_SERVICE"
}

# Stops our components: TERM to all at once (a registry takes ~2 s to shut down), then wait,
# then KILL what is left after 10 s.
stop_components() { # name...
  local name pid i pids=() names=()
  for name in "$@"; do
    pid=$(our_pid "$name")
    [[ -n $pid ]] || continue
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid") names+=("$name")
  done
  for ((i = 0; i < ${#pids[@]}; i++)); do
    for _ in {1..100}; do
      [[ -d /proc/${pids[i]} ]] || break
      sleep 0.1
    done
    if [[ -d /proc/${pids[i]} ]]; then kill -KILL "${pids[i]}" 2>/dev/null || true; fi
    rm -f "$(pidfile "${names[i]}")"
    log "stopped ${names[i]} (pid ${pids[i]})"
  done
}

# Waits until GET url answers one of the wanted codes; fails with the log tail otherwise.
wait_http() { # name url codes-regex
  local name=$1 url=$2 want=$3 code pid i
  pid=$(our_pid "$name")
  for ((i = 0; i < 150; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)
    [[ $code =~ ^($want)$ ]] && return 0
    if [[ -z $pid || ! -d /proc/$pid ]]; then
      tail -n 20 "$(logfile "$name")" >&2 || true
      die "$name exited during start-up (log above, full log: $(logfile "$name"))"
    fi
    sleep 0.1
  done
  tail -n 20 "$(logfile "$name")" >&2 || true
  die "$name did not answer GET $url with $want within 15 s (last: ${code:-no answer}); log: $(logfile "$name")"
}

wait_registry() { wait_http "$1" "http://127.0.0.1:${PORT[$1]}/v2/" '200|401'; }

# ---------------------------------------------------------------------------------------------------
# describing the registry's content (for expected.json and for the check at start)

ACCEPT_ALL='application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'

# One tag as JSON: media type, digest (over the bytes served, checked against the registry's
# Docker-Content-Digest) and size; for an index each entry's platform, media type, digest, size,
# artifactType and annotations.
describe_tag() { # host:port repo tag
  local body headers digest served
  body=$(mktemp "$STATE/tmp/describe.XXXXXX")
  headers=$(curl -fsS -D - -o "$body" -H "Accept: $ACCEPT_ALL" "http://$1/v2/$2/manifests/$3") ||
    { rm -f "$body"; echo "{\"ref\":\"$2:$3\",\"error\":\"GET failed\"}"; return; }
  digest="sha256:$(sha256sum <"$body" | cut -d' ' -f1)"
  served=$(tr -d '\r' <<<"$headers" | awk 'tolower($1)=="docker-content-digest:" {print $2}')
  [[ $served == "$digest" ]] || log "warning: $2:$3 served as $served but hashes to $digest"
  jq -c --arg ref "$2:$3" --arg digest "$digest" --argjson size "$(stat -c %s "$body")" '
    def platform: if . == null then null
      else ([.os, .architecture] + (if .variant then [.variant] else [] end)) | join("/") end;
    {ref: $ref, mediaType: .mediaType, digest: $digest, size: $size}
    + (if .manifests then {manifests: [.manifests[] | {platform: (.platform | platform),
         mediaType, digest, size}
         + (if .artifactType then {artifactType} else {} end)
         + (if .annotations then {annotations} else {} end)]} else {} end)' "$body"
  rm -f "$body"
}

# Every tag of every repository (catalog order, tags sorted).
describe_registry() { # host:port
  local repo tag
  for repo in $(curl -fsS "http://$1/v2/_catalog?n=1000" | jq -r '.repositories[]'); do
    for tag in $(curl -fsS "http://$1/v2/$repo/tags/list" | jq -r '.tags[]' | sort); do
      describe_tag "$1" "$repo" "$tag"
    done
  done
}

write_expected() {
  describe_registry "127.0.0.1:$PORT_PLAIN" | jq -s --arg v "$BUSYBOX_VERSION" '{
    comment: "Generated by `scripts/demo-registry.sh expected` from the running demo registry; `start` checks the registry against it. Do not edit by hand.",
    busyboxStatic: $v,
    tags: .}' >"$EXPECTED"
  log "wrote $EXPECTED ($(jq '.tags | length' "$EXPECTED") tags)"
}

# Compares the registry with expected.json for every tag listed there (tags added later by tests
# are ignored). Prints the differences; returns 1 on any.
verify_expected() { # context-message
  [[ -s $EXPECTED ]] || { log "no $EXPECTED yet: run '$0 expected' to record the digests"; return 0; }
  local ref repo tag want got bad=0
  while IFS= read -r ref; do
    repo=${ref%:*} tag=${ref##*:}
    want=$(jq -cS --arg ref "$ref" '.tags[] | select(.ref == $ref)' "$EXPECTED")
    got=$(describe_tag "127.0.0.1:$PORT_PLAIN" "$repo" "$tag" | jq -cS .)
    if [[ $want != "$got" ]]; then
      bad=1
      log "MISMATCH $ref"
      diff <(jq -S . <<<"$want") <(jq -S . <<<"$got") | sed 's/^/    /' >&2 || true
    fi
  done < <(jq -r '.tags[].ref' "$EXPECTED")
  ((bad == 0)) || { log "$1"; return 1; }
}

# A recipe ID: when the build scripts or the busybox version changes, the cached registry content
# is stale and `start` rebuilds it.
# What the images are made from: the build, the signers (keyed and keyless), the provenance predicate `demo/signed:attested`
# carries, notation-go's signature `demo/notation:copied` carries, the busybox version.
recipe_id() {
  cat "$LIB/build-images.sh" "$LIB/cosign_sign.py" "$LIB/sigstore_demo.py" "$FATHOM_ROOT/tests/data/attestations/buildkit-provenance-v1-max.buildkit-docs.json" \
    "$FATHOM_ROOT/tests/data/signatures/notation/notation-go.without-timestamp.jws.json" \
    <(echo "$BUSYBOX_VERSION") | sha256sum | cut -d' ' -f1
}

populated() { [[ $(cat "$STATE/registries/populated" 2>/dev/null) == "$(recipe_id)" ]]; }

populate() {
  local name started=$SECONDS
  log "building and pushing the demo images (first start, --rebuild, or the recipe changed)"
  stop_components "${REGISTRIES[@]}"
  rm -f "$STATE/registries/populated"
  for name in "${REGISTRIES[@]}"; do rm -rf "$STATE/registries/$name/data"; done
  mkdir -p "$STATE/registries/plain/data"
  start_registry plain
  wait_registry plain
  REG=127.0.0.1:$PORT_PLAIN
  # shellcheck source=demo-registry/build-images.sh
  source "$LIB/build-images.sh"
  build_and_push_all
  verify_expected "NOT REPRODUCIBLE: a fresh build gave other digests than $EXPECTED. Same tools and
  busybox .debs must give the same bytes; find what changed (buildah/skopeo/distribution version, the
  .debs, build-images.sh) — or, if the change is intended, run '$0 expected' and commit the new file." ||
    die "the registries stay up for inspection ('$0 stop' to end them)"
  # Same content for the authenticated registries: a copy of the no-auth storage (nothing writes
  # to it now), so each registry owns its files and a test may tamper with one of them alone.
  for name in basic token; do
    rm -rf "$STATE/registries/$name/data"
    cp -a "$STATE/registries/plain/data" "$STATE/registries/$name/data"
  done
  recipe_id >"$STATE/registries/populated"
  # The registry storage is the cache from now on; buildah's store is rebuilt from scratch anyway.
  rm -rf "$STATE/buildah" "$STATE/scratch"
  log "images built and pushed in $((SECONDS - started)) s"
}

# Quick proof that both auth flavours accept the right credentials and refuse the wrong ones.
check_auth() {
  local basic=http://127.0.0.1:$PORT_BASIC token_reg=http://127.0.0.1:$PORT_TOKEN code token
  code=$(curl -s -o /dev/null -w '%{http_code}' -u "$BASIC_USER:$BASIC_PASSWORD" "$basic/v2/")
  [[ $code == 200 ]] || die "Basic registry refused $BASIC_USER ($code)"
  code=$(curl -s -o /dev/null -w '%{http_code}' -u "$BASIC_USER:wrong" "$basic/v2/")
  [[ $code == 401 ]] || die "Basic registry accepted a wrong password ($code)"
  token=$(curl -fsS -u "$BASIC_USER:$BASIC_PASSWORD" \
    "http://127.0.0.1:$PORT_ISSUER/token?service=$TOKEN_SERVICE&scope=repository:demo/busybox:pull" |
    jq -r .token) || die "token issuer refused $BASIC_USER"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
    -H "Accept: $ACCEPT_ALL" "$token_reg/v2/demo/busybox/manifests/oci")
  [[ $code == 200 ]] || die "token registry refused the issuer's token ($code): key/cert mismatch? see $(logfile token)"
}

# ---------------------------------------------------------------------------------------------------
# commands

cmd_start() {
  local started=$SECONDS name
  check_tools
  mkdir -p "$STATE/tmp"
  write_configs
  start_issuer
  wait_http issuer "http://127.0.0.1:$PORT_ISSUER/healthz" 200
  if [[ $REBUILD == 1 ]] || ! populated; then
    populate
  else
    start_registry plain
    wait_registry plain
    verify_expected "The registry content in $STATE no longer matches $EXPECTED (a test pushed or
  tampered with something?). Run '$0 start --rebuild' to rebuild it." || die "content check failed"
  fi
  for name in "${REGISTRIES[@]}"; do start_registry "$name"; done
  for name in "${REGISTRIES[@]}"; do wait_registry "$name"; done
  check_auth
  log "ready in $((SECONDS - started)) s"
  cmd_status
}

cmd_stop() { stop_components "${REGISTRIES[@]}" issuer; }

cmd_status() {
  local name pid code url
  for name in "${REGISTRIES[@]}" issuer; do
    pid=$(our_pid "$name")
    if [[ $name == issuer ]]; then url=http://127.0.0.1:${PORT[$name]}/healthz; else url=http://127.0.0.1:${PORT[$name]}/v2/; fi
    if [[ -n $pid ]]; then
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
      printf '%-7s running  pid %-7s 127.0.0.1:%-5s GET %s -> %s\n' "$name" "$pid" "${PORT[$name]}" "${url#http://127.0.0.1:*/}" "$code"
    else
      printf '%-7s stopped\n' "$name"
    fi
  done
  printf 'state   %s (%s)\n' "$STATE" "$(populated && echo "images built" || echo "images not built yet")"
}

cmd_env() {
  cat <<EOF
export FATHOM_DEMO_DIR=$STATE
export FATHOM_REGISTRY=127.0.0.1:$PORT_PLAIN
export FATHOM_REGISTRY_BASIC=127.0.0.1:$PORT_BASIC
export FATHOM_REGISTRY_BASIC_USER=$BASIC_USER
export FATHOM_REGISTRY_BASIC_PASSWORD=$BASIC_PASSWORD
export FATHOM_REGISTRY_TOKEN=127.0.0.1:$PORT_TOKEN
export FATHOM_REGISTRY_TOKEN_USER=$BASIC_USER
export FATHOM_REGISTRY_TOKEN_PASSWORD=$BASIC_PASSWORD
export FATHOM_REGISTRY_TOKEN_PULLER_USER=$PULLER_USER
export FATHOM_REGISTRY_TOKEN_PULLER_PASSWORD=$PULLER_PASSWORD
export FATHOM_TOKEN_REALM=http://127.0.0.1:$PORT_ISSUER/token
export FATHOM_TOKEN_SERVICE=$TOKEN_SERVICE
export FATHOM_DEMO_EXPECTED=$EXPECTED
export FATHOM_DEMO_KEYS=$STATE/keys
EOF
}

cmd_expected() {
  [[ -n $(our_pid plain) ]] || die "the no-auth registry is not running: '$0 start' first"
  mkdir -p "$STATE/tmp"
  write_expected
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

main() {
  local command='' arg
  REBUILD=0
  while (($#)); do
    arg=$1
    shift
    case $arg in
      --dir) (($#)) || usage; STATE=$1; shift ;;
      --dir=*) STATE=${arg#--dir=} ;;
      --rebuild) REBUILD=1 ;;
      -h | --help) usage ;;
      start | stop | status | env | expected) [[ -z $command ]] || usage; command=$arg ;;
      *) usage ;;
    esac
  done
  [[ -n $command ]] || usage
  mkdir -p "$STATE"
  STATE=$(cd "$STATE" && pwd) # absolute: it ends up in configs and is how we recognise our PIDs
  case $command in
    env) cmd_env; return ;;
    status) cmd_status; return ;;
  esac
  # One start/stop at a time per state dir.
  exec 9>"$STATE/lock"
  flock -n 9 || { log "another $0 runs on $STATE; waiting"; flock 9; }
  "cmd_$command"
}

main "$@"
