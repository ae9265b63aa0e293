#!/usr/bin/env bash
# The paced p99's floor on this machine: what the path's shape costs before any of its code does.
# Sides, each after a wrk warm-up, then PACED_RUNS interleaved paced runs (Paced.java, PACED_RATE req/s):
#   nginx:  nginx proxy_pass -> nginx echo module (the issue's baseline: two hops, C)
#   floor:  Floor.java (one JVM hop: an HTTP echo in one thread, no framework)
#   relay:  Relay.java -> Floor.java (two JVM hops, each one thread, no framework: the cheapest a JVM
#           front to a JVM backend can be, the shape of proxy -> Java worker)
#   proxy:  the cocaine proxy (--role all) -> node -> http-echo (Java worker), as wrk.sh runs it
# Prints each run's p50/p99 and each side's median p99 against nginx's. If relay is over the 2x
# target, no JVM front to a JVM worker meets it on this machine, whatever its design.
# Usage: bench/http/floor.sh   (env: PACED_RUNS=5 PACED_RATE=2000 SECONDS_PER_RUN=10 WARMUP=15 ROUNDS=0
#   SIDES_WANTED="nginx floor relay proxy")
source "$(dirname "$0")/lib.sh"
need_nginx_echo
ROUNDS="${ROUNDS:-0}"
wrk_settings
PACED_RATE="${PACED_RATE:-2000}"
PACED_RUNS="${PACED_RUNS:-5}"
WANTED=" ${SIDES_WANTED:-nginx floor relay proxy} "
trap 'rc=$?; set +e; stop_other_runtimes; (exit $rc); cleanup' EXIT # set +e: a failed run must still reach cleanup

[[ "$WANTED" == *" nginx "* ]] && add_nginx_side
if [[ "$WANTED" == *" floor "* || "$WANTED" == *" relay "* ]]; then
  floor_port="$(free_port)"
  java -Xmx128m "$BENCH_DIR/Floor.java" "$floor_port" >"$WORK/floor.out" 2>&1 &
  BENCH_PIDS+=($!)
  PIDS_OF[floor]=$!
  URL[floor]="http://127.0.0.1:$floor_port/echo"
  await_http -d hi "${URL[floor]}"
  [[ "$WANTED" == *" floor "* ]] && SIDES+=(floor)
fi
if [[ "$WANTED" == *" relay "* ]]; then
  relay_port="$(free_port)"
  java -Xmx128m "$BENCH_DIR/Relay.java" "$relay_port" "$floor_port" >"$WORK/relay.out" 2>&1 &
  BENCH_PIDS+=($!)
  PIDS_OF[relay]=$!
  URL[relay]="http://127.0.0.1:$relay_port/echo"
  await_http -d hi "${URL[relay]}"
  SIDES+=(relay)
fi
if [[ "$WANTED" == *" proxy "* ]]; then
  export COCAINE_JAVA_OPTS="${COCAINE_JAVA_OPTS:--Xmx512m}"
  add_proxy_side proxy "cocaine.proxy.timeout = 5s"
fi
for side in "${SIDES[@]}"; do # each answers with the body it was sent
  [ "$(curl -fsS --max-time 5 -d hello "${URL[$side]}")" = hello ] || { echo "$side does not echo" >&2; exit 1; }
done
write_post_lua
interleaved_rounds
[ "$ROUNDS" = 0 ] || rounds_table
paced_runs
paced_summary
BENCH_OK=1
