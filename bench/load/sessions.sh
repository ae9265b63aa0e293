#!/usr/bin/env bash
# 10,000 concurrent open sessions: enqueue("ping") + write(1 KiB), never closed while measured, over
# 10 connections, on a pool of 2 workers (profile: pool-limit 2, concurrency 5000, queue-limit
# 10000). Reads the runtime's heap (jcmd GC.heap_info, as is and after jcmd GC.run) and RSS
# (/proc/PID/status) before and with the sessions open, then closes them all and checks each ends.
# The app is `hold` by default: the bench's echo worker with room for 8192 waiting invocations
# (the framework's default of 16 handler threads + 1024 waiting would refuse most of 10,000).
# APP=echo uses the echo example instead.
# Usage: bench/load/sessions.sh   (env: SESSIONS=10000 CONNECTIONS=10 PAYLOAD=1024 APP=hold|echo
#        HOLD_SECONDS=3 CLOSE_TIMEOUT=20 HOLD_TRACE=1 (worker logs each invocation and dropped frame))
source "$(dirname "$0")/lib.sh"
build_bench
start_runtime
profile='{"pool-limit": 2, "concurrency": 5000, "queue-limit": 10000,
  "heartbeat-timeout": 30, "handshake-timeout": 20, "terminate-timeout": 5, "log-output": true}'
if [ "${APP:-hold}" = echo ]; then
  deploy_app echo "$ECHO_APP" "$profile"
else
  make_hold_app ${HOLD_TRACE:+"\"HOLD_TRACE\": \"1\""}
  deploy_app hold "$HOLD_APP" "$profile"
fi
log "opening ${SESSIONS:-10000} sessions on app ${APP:-hold}"
bench sessions --locator-port "$LOCATOR_PORT" --runtime-pid "$RT_PID" --app "${APP:-hold}" --event ping \
  --sessions "${SESSIONS:-10000}" --connections "${CONNECTIONS:-10}" --payload "${PAYLOAD:-1024}" \
  --hold-seconds "${HOLD_SECONDS:-3}" --close-timeout "${CLOSE_TIMEOUT:-20}" | tee "$WORK/client.out"
runtime_report
BENCH_OK=1
