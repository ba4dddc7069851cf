# Sourced by scripts/start.sh and scripts/test.sh: lanes are steps that run at once, each
# announced and timed (wall and CPU seconds); `wait_lanes` waits for the lanes started since the
# last wait and stops at the first failure. Needs lib/common.sh.

LANE_PIDS=() LANE_NAMES=()
LANE_TMP="${TMPDIR:-/tmp}/fathom-lane"

# Starts a lane: `lane NAME COMMAND…`.
lane() {
  local name=$1
  shift
  say "→ $name"
  (
    started=$(date +%s)
    "$@"
    # `times`' second line: the CPU time of everything this lane ran (written to a file: in a
    # pipe or $(…) the builtin would run in a fresh subshell, whose children have used nothing).
    usage="$LANE_TMP.$BASHPID"
    times >"$usage"
    cpu=$(awk 'NR == 2 { gsub(/[ms]/, " "); printf "%d", $1 * 60 + $2 + $3 * 60 + $4 }' "$usage")
    rm -f "$usage"
    say "✓ $name ($(($(date +%s) - started)) s, CPU $cpu s)"
  ) &
  LANE_PIDS+=($!) LANE_NAMES+=("$name")
}

# Waits for the lanes; says every 30 s which are still at work; stops at the first failure.
wait_lanes() {
  local i running last_tick=$SECONDS
  while :; do
    running=()
    for i in "${!LANE_PIDS[@]}"; do
      [[ -n ${LANE_PIDS[i]} ]] || continue
      if kill -0 "${LANE_PIDS[i]}" 2>/dev/null; then
        running+=("${LANE_NAMES[i]}")
      else
        if ! wait "${LANE_PIDS[i]}"; then
          stop_lanes
          die "${LANE_NAMES[i]} failed (its output is above; logs in target/logs/)"
        fi
        LANE_PIDS[i]=
      fi
    done
    ((${#running[@]})) || break
    if ((SECONDS - last_tick >= 30)); then
      say "… still at work: $(IFS=';'; echo "${running[*]}" | sed 's/;/; /g')"
      last_tick=$SECONDS
    fi
    sleep 0.5
  done
  LANE_PIDS=() LANE_NAMES=()
}

stop_lanes() {
  local pid
  for pid in "${LANE_PIDS[@]}"; do
    [[ -n $pid ]] && pkill -TERM -P "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
  done
  return 0
}
