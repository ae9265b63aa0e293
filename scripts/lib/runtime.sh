# Shared by the bench scripts (sourced, not run): a runtime on free loopback ports with its state in
# a temp dir, the CLI against it, app deployment, and a cleanup that stops everything started, on
# exit, failure or Ctrl-C.
#
# Before sourcing, a script may set WORK_PREFIX (temp dir name). Afterwards it has ROOT, WORK,
# BENCH_PIDS (pids to stop at exit: append yours) and BENCH_OK (set 1 at the end of a good run to
# delete WORK; KEEP_WORK=1 keeps it anyway).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
APPS="$ROOT/examples/target/apps"
WORK="$(mktemp -d "/tmp/${WORK_PREFIX:-cocaine-bench}.XXXXXX")"
RT_PID=""
LOCATOR_PORT=""
PROXY_PORT=""
BENCH_PIDS=()
BENCH_OK=0

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# Stops the runtime (TERM, then KILL after 10 s), its workers and BENCH_PIDS (TERM, KILL after 3 s).
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

# Exits with a hint unless the runtime and the example apps are built.
check_built() {
  if [ ! -d "$ROOT/runtime/target/lib" ] || [ ! -d "$APPS/echo/lib" ]; then
    echo "runtime or examples not built: (cd $ROOT && ./mvnw -B -q -o -DskipTests install)" >&2
    exit 2
  fi
}

# Starts `cocaine-runtime --role ${ROLE:-all}` with its state under $WORK; HOCON from $RT_EXTRA_CONF
# and then $1 goes last. Waits until the node role is ready and, where the role has the proxy, the
# proxy answers /ping. Sets RT_PID, LOCATOR_PORT and PROXY_PORT.
start_runtime() {
  check_built
  LOCATOR_PORT="$(free_port)"
  PROXY_PORT="$(free_port)"
  local admin role="${ROLE:-all}"
  admin="$(free_port)"
  cat >"$WORK/runtime.conf" <<CONF
cocaine {
  network { host = "127.0.0.1", hostname = "127.0.0.1", locator-port = $LOCATOR_PORT }
  proxy { host = "127.0.0.1", port = $PROXY_PORT }
  admin { host = "127.0.0.1", port = $admin }
  paths { runtime = "$WORK/run", spool = "$WORK/spool", storage = "$WORK/storage" }
  logging { verbosity = ${RT_VERBOSITY:-info}, file.path = "$WORK/log/cocaine.jsonl" }
}
${RT_EXTRA_CONF:-}
${1:-}
CONF
  log "starting runtime (role $role, locator port $LOCATOR_PORT, proxy port $PROXY_PORT, ${COCAINE_JAVA_OPTS:--Xmx512m})"
  "$ROOT/bin/cocaine-runtime" --role "$role" --config "$WORK/runtime.conf" >"$WORK/runtime.log" 2>&1 &
  RT_PID=$!
  for _ in $(seq 1 600); do
    if grep -q "role node ready" "$WORK/runtime.log" && { [ "$role" != all ] && [ "$role" != proxy ] \
        || curl -fsS -o /dev/null "http://127.0.0.1:$PROXY_PORT/ping" 2>/dev/null; }; then
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

# Uploads app dir $2 as app $1 (manifest $4 inline JSON, default the folder's) with profile JSON
# $3 as profile $1-bench, and starts it.
deploy_app() {
  local name="$1" dir="$2" profile_json="$3" manifest="${4:-}"
  printf '%s\n' "$profile_json" >"$WORK/$name.profile.json"
  if [ -n "$manifest" ]; then
    cli app upload -n "$name" --manifest "$manifest" "$dir" >/dev/null
  else
    cli app upload -n "$name" "$dir" >/dev/null
  fi
  cli profile upload -n "$name-bench" -r "$WORK/$name.profile.json" >/dev/null
  cli app start -n "$name" -r "$name-bench" >/dev/null
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
