#!/usr/bin/env bash
# The HTTP proxy with tracing on vs off, same run, same client: two runtimes (--role all), one with
# cocaine.tracing.enabled = on and one with off, each proxying to its own http-echo (2 workers);
# wrk, keep-alive, POST with a 1 KiB body, 64 connections. After a warm-up of each, the measured
# runs alternate on/off ROUNDS times (on first in odd rounds, off first in even ones) so that load
# from elsewhere on the machine hits both alike. Prints requests/s and p99 of each round, each side's
# median and the ratio of the medians (target: tracing on >= 0.95x tracing off).
# Usage: bench/http/tracing.sh   (env: SECONDS_PER_ROUND=10 ROUNDS=3 WARMUP=15 CONNECTIONS=64
#   THREADS=2 BODY=1024)
source "$(dirname "$0")/lib.sh"
need wrk wrk
wrk_settings
SECONDS_PER_ROUND="${SECONDS_PER_ROUND:-$SECONDS_PER_RUN}"
trap 'rc=$?; set +e; stop_other_runtimes; (exit $rc); cleanup' EXIT # set +e: a failed run must still reach cleanup

for side in on off; do
  WORK="$BASE/$side"
  mkdir -p "$WORK"
  start_runtime "cocaine.proxy.timeout = 5s
cocaine.tracing.enabled = $side"
  deploy_app http-echo "$APPS/http-echo" "$PROFILE"
  URL[$side]="http://127.0.0.1:$PROXY_PORT/http-echo/echo"
  await_http -d hi "${URL[$side]}"
  [ "$side" = on ] && OTHER_RUNTIMES+=("$RT_PID")
done
WORK="$BASE"

write_post_lua

for side in on off; do
  log "tracing $side: warm-up ${WARMUP}s"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 10s -s "$WORK/post.lua" "${URL[$side]}" >/dev/null
done
for round in $(seq 1 "$ROUNDS"); do
  order="on off"
  [ $((round % 2)) = 0 ] && order="off on" # neither side always runs first, as in ab.sh
  for side in $order; do
    log "round $round, tracing $side: ${SECONDS_PER_ROUND}s"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_ROUND}s" --timeout 10s --latency -s "$WORK/post.lua" \
      "${URL[$side]}" >"$WORK/$side.$round.wrk"
  done
done

rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$1"; }
p99() {
  awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1; printf "%.2f", v * f }' "$1"
}
echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_ROUND}s x $ROUNDS rounds, POST ${BODY} B, keep-alive ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-8s %s\n' tracing "req/s per round (p99 ms)"
declare -A MEDIAN
for side in on off; do
  line=""
  all=""
  for round in $(seq 1 "$ROUNDS"); do
    r="$(rps "$WORK/$side.$round.wrk")"
    line="$line $r ($(p99 "$WORK/$side.$round.wrk"))"
    all="$all $r"
  done
  # the median, not the mean: one round hit by something else on the machine does not decide
  MEDIAN[$side]="$(tr ' ' '\n' <<<"$all" | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 }
    END { printf "%.0f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
  printf '%-8s%s  median %s req/s\n' "$side" "$line" "${MEDIAN[$side]}"
done
awk -v on="${MEDIAN[on]}" -v off="${MEDIAN[off]}" 'BEGIN {
  printf "ratio  rps on/off = %.3fx (medians; target >= 0.95x)\n", on / off }'
echo
WORK="$BASE/off" runtime_report || true
BENCH_OK=1
