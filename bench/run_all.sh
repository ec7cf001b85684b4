#!/usr/bin/env bash
# Runs every performance bench against a fresh hub from this repository and a
# fresh reference hub, and writes the raw results to OUT:
#
#   bench/run_all.sh /path/to/reference/arc.py [OUT]      (OUT: /tmp/arc-perf)
#
# Each bench gets its own pair of throwaway hubs (storage under OUT/hubs), so
# one bench's rows and leftover memory do not colour the next. Hubs in a pair
# are measured one after another by the bench scripts, never at once.
#
# Needs deno, python3, curl, ss (iproute2) and wrk; chromium for the PNG.
# Environment knobs: ROUNDS (load rounds per agent count, default 3),
# AGENTS (default 1000), SKIP (space-separated: load floor throughput wrk read
# peers memory plot), PNG (where the chart goes, default docs/performance-load.png), and
# LOAD_ARGS, TP_ARGS, READ_ARGS, PEERS_ARGS, MEM_ARGS: extra options for each bench
# (e.g. LOAD_ARGS="--sweep 10,100" for a quick check).
#
# Only the hubs this script starts are stopped, by their process ids.
set -euo pipefail

REF=${1:?usage: bench/run_all.sh /path/to/reference/arc.py [OUT]}
OUT=${2:-/tmp/arc-perf}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-3}
AGENTS=${AGENTS:-1000}
SKIP=${SKIP:-}
PNG=${PNG:-docs/performance-load.png}
REF=$(cd "$(dirname "$REF")" && pwd)/$(basename "$REF")
mkdir -p "$OUT/hubs"
cd "$ROOT"

STARTED=()
cleanup() {
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

skip() { [[ " $SKIP " == *" $1 "* ]]; }
log() { echo "[run_all $(date +%H:%M:%S)] $*" >&2; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

listener_pid() { # port -> pid of the process listening on it
  ss -Hltnp "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2
}

# start_ours NAME -> sets OURS_URL, OURS_PID
start_ours() {
  local dir=$OUT/hubs/$1
  rm -rf "$dir" && mkdir -p "$dir"
  # The V8 flag every launch of ours uses (arc ensure, deno task start, compile).
  deno run -A --v8-flags=--max-semi-space-size=1,--max-opt=2,--no-concurrent-recompilation main.ts serve --port 0 --storage "$dir/arc.sqlite3" \
    --spool-dir "$dir/spool" --presence-ttl 3600 --quiet --rate-limit 0 >"$dir/hub.log" 2>&1 &
  OURS_PID=$!
  STARTED+=("$OURS_PID")
  for _ in $(seq 200); do
    grep -q "listening on" "$dir/hub.log" 2>/dev/null && break
    sleep 0.1
  done
  OURS_URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/hub.log" | head -1)
  [[ -n "$OURS_URL" ]] || { cat "$dir/hub.log" >&2; exit 1; }
  log "ours: $OURS_URL pid $OURS_PID"
}

# start_ref NAME -> sets REF_URL, REF_PID
start_ref() {
  local dir=$OUT/hubs/$1 port
  rm -rf "$dir" && mkdir -p "$dir"
  port=$(free_port)
  python3 "$REF" --port "$port" --storage "$dir/arc.sqlite3" \
    --spool-dir "$dir/spool" --quiet >"$dir/hub.log" 2>&1 &
  STARTED+=("$!")
  REF_URL=http://127.0.0.1:$port
  for _ in $(seq 200); do
    curl -sf "$REF_URL/v1/hub-info" >/dev/null 2>&1 && break
    sleep 0.1
  done
  # A python3 shim may exec into the interpreter or stay as its parent.
  REF_PID=$(listener_pid "$port")
  [[ -n "$REF_PID" ]] || { cat "$dir/hub.log" >&2; exit 1; }
  [[ "$REF_PID" == "${STARTED[-1]}" ]] || STARTED+=("$REF_PID")
  log "reference: $REF_URL pid $REF_PID"
}

# start_floor NAME -> sets FLOOR_URL, FLOOR_PID (the calibration server)
start_floor() {
  local dir=$OUT/hubs/$1
  rm -rf "$dir" && mkdir -p "$dir"
  deno run --allow-net bench/floor_server.ts >"$dir/hub.log" 2>&1 &
  FLOOR_PID=$!
  STARTED+=("$FLOOR_PID")
  for _ in $(seq 100); do
    grep -q listening "$dir/hub.log" 2>/dev/null && break
    sleep 0.1
  done
  FLOOR_URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/hub.log" | head -1)
  log "floor server: $FLOOR_URL pid $FLOOR_PID"
}

stop_hubs() {
  kill "$OURS_PID" "$REF_PID" 2>/dev/null || true
  sleep 1
}

cpu_ticks() { # pid -> utime + stime in clock ticks
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

{
  echo "date: $(date -u +%FT%TZ)"
  echo "kernel: $(uname -srm)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) x $(nproc)"
  echo "memory: $(free -m | awk '/Mem:/ {print $2 " MB"}')"
  echo "deno: $(deno --version | head -1)"
  echo "python: $(python3 --version 2>&1)"
  echo "wrk: $(wrk --version 2>&1 | head -1)"
  echo "ulimit -n: $(ulimit -n)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null) ($(git status --porcelain 2>/dev/null | wc -l) paths differ from it)"
  echo "loadavg before: $(cat /proc/loadavg)"
} >"$OUT/env.txt"
cat "$OUT/env.txt" >&2

# 1. Many held agents.
if ! skip load; then
  start_ours load-ours
  start_ref load-ref
  log "load.ts (rounds $ROUNDS, agents $AGENTS)"
  deno run -A bench/load.ts --url "$OURS_URL" --pid "$OURS_PID" \
    --url "$REF_URL" --pid "$REF_PID" --agents "$AGENTS" --rounds "$ROUNDS" \
    --out "$OUT/load.json" ${LOAD_ARGS:-} 2>"$OUT/load.log" | tee "$OUT/load.txt" || true
  stop_hubs
fi

# 1b. The same load against a do-nothing Deno server: the floor that
# Deno.serve, the kernel and the bench client set on this machine.
if ! skip floor; then
  start_floor load-floor
  log "load.ts against floor_server.ts"
  deno run -A bench/load.ts --url "$FLOOR_URL" --pid "$FLOOR_PID" \
    --agents "$AGENTS" --rounds "$ROUNDS" --out "$OUT/load-floor.json" \
    ${LOAD_ARGS:-} 2>"$OUT/load-floor.log" | tee "$OUT/load-floor.txt" || true
  kill "$FLOOR_PID" 2>/dev/null || true
fi

# 2 and 3. Post throughput and wake-up latency.
if ! skip throughput; then
  start_ours tp-ours
  start_ref tp-ref
  start_floor tp-floor
  log "throughput.ts (the floor server last, for calibration)"
  deno run --allow-net bench/throughput.ts --url "$OURS_URL" --url "$REF_URL" \
    --url "$FLOOR_URL" --jitter-ms 500 ${TP_ARGS:-} 2>"$OUT/throughput.log" |
    tee "$OUT/throughput.txt" || true
  stop_hubs
  kill "$FLOOR_PID" 2>/dev/null || true
fi

# 2. The top figure with wrk, and the hub's CPU time per post.
if ! skip wrk; then
  cat >"$OUT/post.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"from_agent":"wrk","channel":"general","body":"hello from wrk"}'
EOF
  start_ours wrk-ours
  start_ref wrk-ref
  hz=$(getconf CLK_TCK)
  : >"$OUT/wrk.txt"
  for hub in ours ref; do
    if [[ $hub == ours ]]; then url=$OURS_URL pid=$OURS_PID; else url=$REF_URL pid=$REF_PID; fi
    curl -sf "$url/v1/hub-info" >/dev/null
    log "wrk -c32 -d10s against $hub"
    c0=$(cpu_ticks "$pid")
    wrk -t2 -c32 -d10s --latency -s "$OUT/post.lua" "$url/v1/messages" >"$OUT/wrk-$hub.txt" 2>&1 || true
    c1=$(cpu_ticks "$pid")
    reqs=$(grep -Eo '^ *[0-9]+ requests in' "$OUT/wrk-$hub.txt" | grep -Eo '[0-9]+' | head -1)
    non2xx=$(grep -Eo 'Non-2xx or 3xx responses: [0-9]+' "$OUT/wrk-$hub.txt" | grep -Eo '[0-9]+$' || echo 0)
    rps=$(grep -Eo 'Requests/sec: *[0-9.]+' "$OUT/wrk-$hub.txt" | grep -Eo '[0-9.]+$')
    errs=$(grep -E 'Socket errors' "$OUT/wrk-$hub.txt" || echo "Socket errors: none")
    p50=$(awk '/Latency Distribution/ {f=1} f && $1=="50%" {print $2; exit}' "$OUT/wrk-$hub.txt")
    p99=$(awk '/Latency Distribution/ {f=1} f && $1=="99%" {print $2; exit}' "$OUT/wrk-$hub.txt")
    cpu_ms=$(((c1 - c0) * 1000 / hz))
    per=$(awk -v c="$cpu_ms" -v r="${reqs:-0}" 'BEGIN { if (r > 0) printf "%.3f", c / r; else print "-" }')
    echo "$hub: $rps req/s ($reqs requests, non-2xx $non2xx, ${errs## }) p50 $p50 p99 $p99; hub CPU $cpu_ms ms = $per ms/post" | tee -a "$OUT/wrk.txt"
  done
  stop_hubs
fi

# 4. Read cost against history size.
if ! skip read; then
  start_ours read-ours
  start_ref read-ref
  log "read_cost.ts"
  deno run -A bench/read_cost.ts --url "$OURS_URL" --url "$REF_URL" \
    --out "$OUT/read_cost.json" ${READ_ARGS:-} 2>"$OUT/read_cost.log" | tee "$OUT/read_cost.txt" || true
  stop_hubs
fi

# 5. Dead, slow and silent peers.
if ! skip peers; then
  start_ours peers-ours
  start_ref peers-ref
  log "peers.ts"
  deno run -A bench/peers.ts --url "$OURS_URL" --pid "$OURS_PID" \
    --url "$REF_URL" --pid "$REF_PID" \
    --out "$OUT/peers.json" ${PEERS_ARGS:-} 2>"$OUT/peers.log" | tee "$OUT/peers.txt" || true
  stop_hubs
fi

if ! skip memory; then
  # Starts and stops its own floor server, hub and reference.
  log "memory"
  deno run -A bench/memory.ts --reference "$REF" --out "$OUT/memory.json" \
    ${MEM_ARGS:-} 2>"$OUT/memory.log" | tee "$OUT/memory.txt" || true
fi

if ! skip plot && [[ -f "$OUT/load.json" ]]; then
  floor=()
  [[ -f "$OUT/load-floor.json" ]] && floor=(--in "$OUT/load-floor.json")
  deno run -A bench/plot.ts --in "$OUT/load.json" "${floor[@]}" \
    --svg "$OUT/load.svg" --png "$PNG" --label "arc-deno=Arc (ours)" \
    --label "megastructure-arc=reference (Python)" \
    --label "floor-server=floor_server.ts (calibration)"
fi
echo "loadavg after: $(cat /proc/loadavg)" >>"$OUT/env.txt"
log "done; results in $OUT"
