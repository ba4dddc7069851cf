# Sourced by the benchmarks that talk to the demo registry through a 50 ms RTT: starts the demo
# registry, builds the release CLI, and starts scripts/bench/latency_proxy.py (25 ms each way) in
# front of the no-auth registry on PORT. Sets `fathom` (the binary), `via` (host:port of the
# proxy) and `proxy_pid` (stopped by the caller's EXIT trap, see `stop_latency_proxy`); defines
# `median CMD…`.
#   source scripts/bench/behind_latency.sh; behind_latency PORT

behind_latency() {
  local port=$1 registry_port
  scripts/demo-registry.sh start >/dev/null
  eval "$(scripts/demo-registry.sh env)"
  registry_port=${FATHOM_REGISTRY##*:}
  cargo build --release -p fathom-cli --quiet
  fathom=$PWD/target/release/fathom
  python3 scripts/bench/latency_proxy.py "$port" "$registry_port" 25 900 &
  proxy_pid=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
  via=127.0.0.1:$port
}

# Median wall seconds of a command over $runs runs (the caller sets `runs`).
median() {
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | awk '{print $1 - $3}')")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'
}

# Stops the proxy `behind_latency` started.
stop_latency_proxy() {
  [ -n "${proxy_pid:-}" ] && kill "$proxy_pid" 2>/dev/null || true
}
