#!/usr/bin/env bash
# The userspace gateway against direct connections to a node, same run, same client:
# connections/s (connect + one 16-byte echo + close, 8 threads) and throughput (4 kept connections,
# each request echoes 16 x 64 KiB), with the gateway/direct ratio (target >= 0.8x); then the time
# from the node's death (kill -9) to the balancer's gateway dropping the node's real.
# Two runtimes on 127.0.0.1, free ports: a node (role node, echo started, no announces) and a
# balancer (role balancer, userspace gateway) that links the node as a predefined peer, so nothing
# goes out on a multicast group that other runtimes of this host might hear.
# Usage: bench/gateway/gateway.sh   (env: THREADS=8 STREAMS=4 WARMUP=2 SECONDS_PER_ROW=5 ROUNDS=3; see bench/load/lib.sh)
source "$(dirname "$0")/../load/lib.sh"
build_bench
ROLE=node RT_EXTRA_CONF='cocaine { uuid = bench-node, locator.cluster.type = none }' start_runtime
deploy_app echo "$ECHO_APP" '{"pool-limit": 2, "concurrency": 64, "queue-limit": 1000}'

BALANCER_PORT="$(free_port)"
mkdir -p "$WORK/balancer"
cat >"$WORK/balancer.conf" <<CONF
cocaine {
  uuid = bench-balancer
  network { host = "127.0.0.1", hostname = "127.0.0.1", locator-port = $BALANCER_PORT }
  paths { runtime = "$WORK/balancer/run", spool = "$WORK/balancer/spool", storage = "$WORK/balancer/storage" }
  logging.file.path = "$WORK/balancer/cocaine.jsonl"
  locator.cluster { type = predefine, interval = 1s, nodes { bench-node = "127.0.0.1:$LOCATOR_PORT" } }
  balancer { gateway = userspace, listen-host = "127.0.0.1" }
}
CONF
log "starting balancer (locator port $BALANCER_PORT, userspace gateway)"
"$ROOT/bin/cocaine-runtime" --role balancer --config "$WORK/balancer.conf" >"$WORK/balancer.log" 2>&1 &
BENCH_PIDS+=($!)
for _ in $(seq 1 600); do
  grep -q "app 'echo' gets a real of node 'bench-node'" "$WORK/balancer.log" && break
  if ! kill -0 "${BENCH_PIDS[-1]}" 2>/dev/null; then
    echo "the balancer exited:" >&2
    cat "$WORK/balancer.log" >&2
    exit 1
  fi
  sleep 0.1
done
grep -q "app 'echo' gets a real of node 'bench-node'" "$WORK/balancer.log" \
  || { echo "the balancer's gateway got no real of echo within 60 s; see $WORK/balancer.log" >&2; exit 1; }

log "measuring (${ROUNDS:-3} rounds of 4 windows of ${WARMUP:-2}+${SECONDS_PER_ROW:-5} s, direct and gateway alternating)"
bench gateway --node-locator-port "$LOCATOR_PORT" --balancer-locator-port "$BALANCER_PORT" --app echo \
  --threads "${THREADS:-8}" --streams "${STREAMS:-4}" --warmup "${WARMUP:-2}" --seconds "${SECONDS_PER_ROW:-5}" --rounds "${ROUNDS:-3}"
runtime_report

# The node's workers outlive a kill -9 of the node for a moment: the cleanup ends them by pid.
for kid in $(pgrep -P "$RT_PID" || true); do BENCH_PIDS+=("$kid"); done
bench gateway-removal --node-pid "$RT_PID" --balancer-log "$WORK/balancer.log" --node bench-node --app echo
BENCH_OK=1
