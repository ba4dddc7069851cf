# Sourced by the scripts that run the worker in the background (start.sh, the benchmarks):
# `start_worker PORT LOG [serve-worker.sh args…]` runs scripts/serve-worker.sh — the one starter —
# in a process group of its own and waits until it answers; `stop_worker` ends that group.
# Needs lib/common.sh.

WORKER_PID=
start_worker() { # port log [args…]
  local port=$1 log=$2 _
  shift 2
  setsid "$FATHOM_ROOT/scripts/serve-worker.sh" --port "$port" "$@" >"$log" 2>&1 &
  WORKER_PID=$!
  for _ in $(seq 3000); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
    kill -0 "$WORKER_PID" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 30 "$log" >&2
  die "the worker did not start on 127.0.0.1:$port (log: $log)"
}

stop_worker() {
  [[ -n $WORKER_PID ]] || return 0
  kill -TERM -- "-$WORKER_PID" 2>/dev/null || true
  wait "$WORKER_PID" 2>/dev/null || true
  WORKER_PID=
}
