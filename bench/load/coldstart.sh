#!/usr/bin/env bash
# Cold start: time from the first enqueue on a cold pool (app just started, no worker yet) to the
# first reply chunk, N times (pause_app + start_app between runs, waiting until the old worker
# process is gone), alternated with the bare start of the same worker: `sh run.sh` of the echo
# example without arguments (JVM start with the same flags, the worker's argv check, exit 2),
# timed from process start to exit. Reports medians and their difference.
# Usage: bench/load/coldstart.sh   (env: RUNS=7)
source "$(dirname "$0")/lib.sh"
build_bench
start_runtime
deploy_app echo "$ECHO_APP" '{"pool-limit": 2, "concurrency": 10, "queue-limit": 100,
  "heartbeat-timeout": 30, "handshake-timeout": 20, "terminate-timeout": 5}'
log "measuring (${RUNS:-11} runs)"
bench coldstart --locator-port "$LOCATOR_PORT" --runtime-pid "$RT_PID" --app echo --profile echo-bench \
  --runs "${RUNS:-11}" --run-script "$ECHO_APP/run.sh"
runtime_report
BENCH_OK=1
