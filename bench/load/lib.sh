# Shared by bench/load/*.sh (sourced, not run): the runtime helpers of scripts/lib/runtime.sh, plus
# the bench jar (built when missing or stale), its baseline FrameServer and the hold app.
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK_PREFIX=cocaine-bench
source "$BENCH_DIR/../../scripts/lib/runtime.sh"
JAR="$BENCH_DIR/target/cocaine-load.jar"
ECHO_APP="${ECHO_APP:-$APPS/echo}"

# Builds the bench jar (offline) when missing or older than its sources.
build_bench() {
  check_built
  if [ ! -f "$JAR" ] || [ -n "$(find "$BENCH_DIR/src" "$BENCH_DIR/pom.xml" -newer "$JAR" | head -n 1)" ]; then
    log "building $JAR"
    "$ROOT/mvnw" -B -q -o -f "$BENCH_DIR/pom.xml" package
  fi
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
