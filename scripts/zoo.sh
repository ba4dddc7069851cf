#!/usr/bin/env bash
# The registry zoo -- TEST-ONLY: Docker Hub, GHCR, Quay, ECR Public, MCR, GCR, Artifact
# Registry, registry.k8s.io and a self-hosted registry, each under its real hostname, inside a
# private mount + network namespace, serving the demo registry's real images under the names
# users paste (mysql:8, ghcr.io/fathom-demo/app:1.2, …). Nothing outside the namespace changes.
#
#   scripts/zoo.sh start           make the namespace, the test CA, the storage; start the fronts
#   scripts/zoo.sh run -- CMD…     run CMD inside: the real hostnames resolve to the zoo, the test
#                                  CA is trusted (system bundle bind-mounted, SSL_CERT_FILE,
#                                  NODE_EXTRA_CA_CERTS for workerd)
#   scripts/zoo.sh status          what runs
#   scripts/zoo.sh stop            stop exactly what start started and delete every file it made
#
# State: ${FATHOM_ZOO_DIR:-$HOME/.cache/fathom/zoo} (beside the demo registry's storage, whose blobs
# it hard-links). Emulated behaviours and their sources: tests/zoo/README.md.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$FATHOM_ROOT"

ZOO=${FATHOM_ZOO_DIR:-$HOME/.cache/fathom/zoo}
DEMO=${FATHOM_DEMO_DIR:-$HOME/.cache/fathom/demo-registry}
BACKEND=127.0.0.1:5000 # inside the namespace only
ZOO_PY=$FATHOM_ROOT/tests/zoo/zoo.py

holder() { pid_file_alive "$ZOO/holder.pid"; }

# A PID file's process, if that very process still runs (pid_file_alive); fails otherwise.
alive() { # pid-file
  local pid
  pid=$(pid_file_alive "$1")
  [[ -n $pid ]] && echo "$pid"
}

# Runs CMD inside the namespace, in the current directory. (Not a function where its PID is
# wanted: a backgrounded function is a subshell; nsenter itself execs CMD.)
inside() { nsenter --target "$(holder)" --mount --net --wd="$PWD" -- "$@"; }

# Waits up to SECONDS for CMD to succeed; on failure shows the log that says why.
within() { # seconds what log cmd…
  local seconds=$1 what=$2 log=$3 _
  shift 3
  for _ in $(seq $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  tail -n 20 "$log" >&2 2>/dev/null || true
  die "zoo: $what did not come up within ${seconds}s (log: $log)"
}

zoo_env() {
  printf '%s\n' "SSL_CERT_FILE=$ZOO/etc/ca-certificates.crt" "NODE_EXTRA_CA_CERTS=$ZOO/pki/ca.pem" \
    "FATHOM_ZOO=$ZOO"
}

cmd_start() {
  if alive "$ZOO/holder.pid" >/dev/null; then
    say "zoo: already running (scripts/zoo.sh status)"
    return
  fi
  for tool in unshare nsenter ip docker-registry; do
    command -v "$tool" >/dev/null || die "zoo: $tool is missing: run scripts/setup.sh test"
  done
  [[ -x $FATHOM_PYTHON ]] || die "zoo: the Python environment is missing: run scripts/setup.sh test"
  unshare --mount --net true 2>/dev/null ||
    die "zoo: this machine cannot make mount + network namespaces (unshare --mount --net failed; root or user namespaces are needed): the zoo tests cannot run here"
  scripts/demo-registry.sh start >/dev/null
  rm -rf "$ZOO"
  mkdir -p "$ZOO"/{etc,pki,logs}
  "$FATHOM_PYTHON" "$ZOO_PY" pki "$ZOO/pki"
  { printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n'; "$FATHOM_PYTHON" "$ZOO_PY" hosts; } >"$ZOO/etc/hosts"
  cat /etc/ssl/certs/ca-certificates.crt "$ZOO/pki/ca.pem" >"$ZOO/etc/ca-certificates.crt" 2>/dev/null ||
    cp "$ZOO/pki/ca.pem" "$ZOO/etc/ca-certificates.crt"
  "$FATHOM_PYTHON" "$ZOO_PY" layout "$DEMO/registries/plain/data" "$ZOO/storage"
  cat >"$ZOO/backend.yml" <<EOF
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: "$ZOO/storage"}
  delete: {enabled: true}
http: {addr: "$BACKEND"}
EOF
  # The namespace lives as long as this holder; everything else joins it with nsenter.
  local bundle=""
  [[ -f /etc/ssl/certs/ca-certificates.crt ]] &&
    bundle="mount --bind '$ZOO/etc/ca-certificates.crt' /etc/ssl/certs/ca-certificates.crt &&"
  setsid unshare --mount --net --propagation private -- sh -c "ip link set lo up &&
    mount --bind '$ZOO/etc/hosts' /etc/hosts && $bundle touch '$ZOO/ready' &&
    while :; do sleep 3600; done # $ZOO" \
    </dev/null >"$ZOO/logs/holder.log" 2>&1 &
  pid_file_write $! "$ZOO/holder.pid"
  within 10 "the namespace" "$ZOO/logs/holder.log" test -f "$ZOO/ready"
  local enter=(nsenter --target "$(holder)" --mount --net --wd="$PWD" -- setsid)
  "${enter[@]}" docker-registry serve "$ZOO/backend.yml" </dev/null >"$ZOO/logs/backend.log" 2>&1 &
  pid_file_write $! "$ZOO/backend.pid"
  "${enter[@]}" "$FATHOM_PYTHON" "$ZOO_PY" serve "$ZOO" "$BACKEND" </dev/null >"$ZOO/logs/fronts.log" 2>&1 &
  pid_file_write $! "$ZOO/fronts.pid"
  within 20 "the backend" "$ZOO/logs/backend.log" inside curl -fso /dev/null "http://$BACKEND/v2/"
  within 20 "the fronts" "$ZOO/logs/fronts.log" inside curl -fso /dev/null http://127.0.0.1:5999/log
  zoo_env >"$ZOO/env"
  say "zoo: ready — $(grep -c . <("$FATHOM_PYTHON" "$ZOO_PY" hosts)) hostnames; scripts/zoo.sh run -- CMD"
}

cmd_run() {
  [[ ${1:-} == -- ]] && shift
  (($#)) || die "usage: scripts/zoo.sh run -- CMD…"
  alive "$ZOO/holder.pid" >/dev/null || die "zoo: not running (scripts/zoo.sh start)"
  local -a vars
  mapfile -t vars <"$ZOO/env"
  inside env "${vars[@]}" "$@"
}

cmd_status() {
  local name pid
  for name in holder backend fronts; do
    if pid=$(alive "$ZOO/$name.pid"); then echo "$name: running (pid $pid)"; else echo "$name: stopped"; fi
  done
  [[ -f $ZOO/etc/hosts ]] && grep -v localhost "$ZOO/etc/hosts"
  return 0
}

cmd_stop() {
  local name pid
  for name in fronts backend holder; do
    if pid=$(alive "$ZOO/$name.pid"); then
      kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true # its process group (setsid)
      for _ in $(seq 50); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
    fi
  done
  rm -rf "$ZOO"
  say "zoo: stopped; nothing left behind"
}

case ${1:-} in
  start) cmd_start ;;
  run) shift; cmd_run "$@" ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  *) sed -n '2,16p' "$0" >&2; exit 2 ;;
esac
