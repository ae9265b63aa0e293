#!/usr/bin/env bash
# Locator resolve("storage") round trips per second, over 1 and over 16 connections, one request
# outstanding per connection (closed loop, not pipelined), from a separate JVM. Baseline: the same
# raw client against a minimal blocking Java server that answers each request frame with the
# locator's captured reply bytes (the cost of one loopback round trip plus the codec).
# Usage: bench/load/resolve.sh   (env: SECONDS_PER_ROW=5 WARMUP=2 CONNECTIONS=1,16 ROLE=all)
source "$(dirname "$0")/lib.sh"
build_bench
start_runtime
start_frame_server --mode resolve --capture-port "$LOCATOR_PORT" --name storage
log "measuring (6 rows of ${WARMUP:-2}+${SECONDS_PER_ROW:-5} s)"
bench resolve --locator-port "$LOCATOR_PORT" --baseline-port "$FRAME_PORT" --name storage \
  --connections "${CONNECTIONS:-1,16}" --warmup "${WARMUP:-2}" --seconds "${SECONDS_PER_ROW:-5}"
runtime_report
BENCH_OK=1
