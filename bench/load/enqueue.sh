#!/usr/bin/env bash
# Enqueue round trips per second against the echo example: 64 concurrent channels (one request
# outstanding each) over 4 connections, 1 KiB payload; request = enqueue("ping") + write + close,
# done when the echoed chunk and close came back. Profile: pool-limit 2, concurrency 64,
# queue-limit 1000. Baseline: the same client code against a minimal Java server speaking the
# same frames (answers write with write, close with close), in its own JVM, same run.
# A second config, 1 channel x 1 connection, gives the per-request cost without concurrency.
# Usage: bench/load/enqueue.sh   (env: CONFIGS=64x4,1x1 (channels x connections) SECONDS_PER_ROW=10 WARMUP=15
#        PAYLOAD=1024 TIMEOUT=5 CONCURRENCY=64 (profile))
source "$(dirname "$0")/lib.sh"
build_bench
start_runtime
deploy_app echo "$ECHO_APP" "{\"pool-limit\": 2, \"concurrency\": ${CONCURRENCY:-64}, \"queue-limit\": 1000,
  \"heartbeat-timeout\": 30, \"handshake-timeout\": 20, \"terminate-timeout\": 5}"
start_frame_server --mode echo
log "measuring (2 rows per config of ${WARMUP:-15}+${SECONDS_PER_ROW:-10} s)"
bench enqueue --locator-port "$LOCATOR_PORT" --baseline-port "$FRAME_PORT" --app echo --event ping \
  --configs "${CONFIGS:-64x4,1x1}" --payload "${PAYLOAD:-1024}" \
  --warmup "${WARMUP:-15}" --seconds "${SECONDS_PER_ROW:-10}" --timeout "${TIMEOUT:-5}" \
  --runtime-pid "$RT_PID" --baseline-pid "${BENCH_PIDS[-1]}"
runtime_report
BENCH_OK=1
