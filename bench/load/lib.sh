# Shared by bench/load/*.sh (sourced, not run): builds the bench jar, starts a runtime on free
# loopback ports in a temp dir, and stops everything it started on exit, failure or Ctrl-C.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/../.." && pwd)"
JAR="$BENCH_DIR/target/cocaine-load.jar"
ECHO_APP="$ROOT/examples/target/apps/echo"
WORK="$(mktemp -d /tmp/cocaine-bench.XXXXXX)"
RT_PID=""
LOCATOR_PORT=""
BENCH_PIDS=()
BENCH_OK=0

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

cleanup() {
  local rc=$?
  set +e
  local kids=""
  if [ -n "$RT_PID" ] && kill -0 "$RT_PID" 2>/dev/null; then
    kids="$(pgrep -P "$RT_PID" || true)" # the runtime's workers, by their parent's pid
    kill -TERM "$RT_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$RT_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$RT_PID" 2>/dev/null
  fi
  local p alive
  for p in $kids "${BENCH_PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null
  done
  for _ in $(seq 1 30); do
    alive=0
    for p in $kids "${BENCH_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in $kids "${BENCH_PIDS[@]}"; do
    kill -KILL "$p" 2>/dev/null
  done
  wait 2>/dev/null
  if [ "$BENCH_OK" = 1 ] && [ -z "${KEEP_WORK:-}" ]; then
    rm -rf "$WORK"
  else
    log "exit status $rc; logs kept in $WORK (runtime.log, *.out)"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Builds the bench jar (offline) when missing or older than its sources.
build_bench() {
  if [ ! -d "$ROOT/runtime/target/lib" ] || [ ! -d "$ECHO_APP/lib" ]; then
    echo "runtime or examples not built: (cd $ROOT && ./mvnw -B -q -o -DskipTests install)" >&2
    exit 2
  fi
  if [ ! -f "$JAR" ] || [ -n "$(find "$BENCH_DIR/src" "$BENCH_DIR/pom.xml" -newer "$JAR" | head -n 1)" ]; then
    log "building $JAR"
    "$ROOT/mvnw" -B -q -o -f "$BENCH_DIR/pom.xml" package
  fi
}

# Starts `cocaine-runtime --role ${ROLE:-all}` with its state under $WORK (HOCON in RT_EXTRA_CONF goes
# over the generated file); waits until the node role is ready; sets RT_PID and LOCATOR_PORT.
start_runtime() {
  LOCATOR_PORT="$(free_port)"
  local proxy admin
  proxy="$(free_port)"
  admin="$(free_port)"
  cat >"$WORK/runtime.conf" <<CONF
cocaine {
  network { host = "127.0.0.1", hostname = "127.0.0.1", locator-port = $LOCATOR_PORT }
  proxy { host = "127.0.0.1", port = $proxy }
  admin { host = "127.0.0.1", port = $admin }
  paths { runtime = "$WORK/run", spool = "$WORK/spool", storage = "$WORK/storage" }
  logging { verbosity = ${RT_VERBOSITY:-info}, file.path = "$WORK/log/cocaine.jsonl" }
}
${RT_EXTRA_CONF:-}
CONF
  log "starting runtime (role ${ROLE:-all}, locator port $LOCATOR_PORT, ${COCAINE_JAVA_OPTS:--Xmx512m})"
  "$ROOT/bin/cocaine-runtime" --role "${ROLE:-all}" --config "$WORK/runtime.conf" >"$WORK/runtime.log" 2>&1 &
  RT_PID=$!
  for _ in $(seq 1 600); do
    if grep -q "role node ready" "$WORK/runtime.log"; then
      return 0
    fi
    if ! kill -0 "$RT_PID" 2>/dev/null; then
      echo "the runtime exited during start-up:" >&2
      grep -v '^\s*at ' "$WORK/runtime.log" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  echo "the runtime was not ready within 60 s; see $WORK/runtime.log" >&2
  exit 1
}

# The CLI against this runtime.
cli() {
  "$ROOT/bin/cocaine" "$@" -H 127.0.0.1 --port "$LOCATOR_PORT"
}

# Uploads app dir $2 as app $1 and a profile $1-bench with the JSON $3, then starts it.
deploy_app() {
  local name="$1" dir="$2" profile_json="$3"
  printf '%s\n' "$profile_json" >"$WORK/$name.profile.json"
  cli app upload -n "$name" "$dir" >/dev/null
  cli profile upload -n "$name-bench" -r "$WORK/$name.profile.json" >/dev/null
  cli app start -n "$name" -r "$name-bench" >/dev/null
}

# Starts a baseline FrameServer (args passed through) in its own JVM; sets FRAME_PORT.
start_frame_server() {
  java ${BENCH_JAVA_OPTS:--Xmx256m} -jar "$JAR" frame-server "$@" >"$WORK/frame-server.out" 2>&1 &
  BENCH_PIDS+=($!)
  for _ in $(seq 1 300); do
    FRAME_PORT="$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$WORK/frame-server.out")"
    [ -n "$FRAME_PORT" ] && return 0
    if ! kill -0 "${BENCH_PIDS[-1]}" 2>/dev/null; then
      echo "the baseline server exited:" >&2
      cat "$WORK/frame-server.out" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "the baseline server did not start within 30 s" >&2
  exit 1
}

# Runs a benchmark command of the jar in its own JVM (client side).
bench() {
  java ${BENCH_JAVA_OPTS:--Xmx512m} -jar "$JAR" "$@"
}

# Checks the runtime is still alive and prints its warnings/errors since start (a finding if any).
runtime_report() {
  if ! kill -0 "$RT_PID" 2>/dev/null; then
    echo "FINDING: the runtime process $RT_PID is gone; last log lines:"
    tail -n 40 "$WORK/runtime.log"
    return 1
  fi
  local n
  n="$(grep -cE ' (WARN|ERROR) ' "$WORK/runtime.log" || true)"
  echo "runtime log: $(wc -l <"$WORK/runtime.log") lines, $n WARN/ERROR"
  if [ "$n" -gt 0 ]; then
    grep -E ' (WARN|ERROR) ' "$WORK/runtime.log" | sed -E 's/^[0-9:.]+ //' | cut -c1-240 | sort | uniq -c | sort -rn | head -n 8
  fi
}

# Makes the bench app `hold` (HoldWorker: echo with a bigger invocation queue) under $WORK/apps/hold,
# with the echo example's JVM flags; $1 = extra manifest environment entries as JSON, e.g. '"HOLD_TRACE": "1"'.
make_hold_app() {
  local dir="$WORK/apps/hold"
  mkdir -p "$dir/lib"
  cp "$JAR" "$dir/lib/"
  cat >"$dir/manifest.json" <<JSON
{ "slave": "run.sh", "environment": { "HOLD_QUEUE": "${HOLD_QUEUE:-8192}"${1:+, $1} } }
JSON
  cat >"$dir/run.sh" <<'SH'
#!/bin/sh
# The bench's hold worker (cocaine.bench.load.HoldWorker), started by the runtime like echo's run.sh.
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Xmx${HOLD_XMX:-256m} \
  -cp "$(dirname "$0")/lib/*" cocaine.bench.load.HoldWorker "$@"
SH
  chmod +x "$dir/run.sh"
  HOLD_APP="$dir"
}
