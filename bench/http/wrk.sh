#!/usr/bin/env bash
# The HTTP proxy against the real limit of one HTTP hop on this machine, same run, same client:
#   proxy:  wrk -> cocaine proxy (--role all) -> node -> http-echo example (Java worker, 2 workers)
#   nginx:  wrk -> nginx proxy_pass (keep-alive upstream) -> nginx echo module (echo_request_body)
# Each with its access log on (nginx: `access_log ... buffer=64k flush=1s`; the proxy: its default,
# buffered) and off, as four sides. After a warm-up of each side the measured runs interleave: each
# round runs every side once, in an order that alternates round by round, so load from elsewhere on
# the machine hits all sides alike. Prints per side the median of the rounds (req/s, p50, p99, server
# CPU per request: the runtime and its workers, or nginx's master and workers, from /proc) and the
# ratios proxy/nginx (targets: req/s >= 0.5x, aimed at 0.7x). A secondary line, labelled as such,
# gives nginx in front of bench/http/Echo.java (the JDK's httpserver), the comparison this script
# made before: that backend is slower than the proxy, so it says nothing about the proxy's cost.
# Usage: bench/http/wrk.sh
#   env: ROUNDS=3 SECONDS_PER_RUN=10 WARMUP=15 CONNECTIONS=64 THREADS=2 BODY=1024
#        ACCESS_LOGS="on off" (a runtime that has no `cocaine.proxy.access-log` key: ACCESS_LOGS=on)
#        SECONDARY=1 (0 skips the JDK-backend line) PROXY_TIMEOUT=5s
#        PACED_RATE=2000 (0 skips the paced run: p99 of proxy and nginx at a fixed rate, Paced.java)
#        ROUNDS=0: only the paced run (after one warm-up of each side), PACED_RUNS=1 of them per side, interleaved
source "$(dirname "$0")/lib.sh"
need_nginx_echo
wrk_settings
ACCESS_LOGS="${ACCESS_LOGS:-on off}"
SECONDARY="${SECONDARY:-1}"
PACED_RATE="${PACED_RATE:-2000}"
trap 'rc=$?; set +e; stop_other_runtimes; (exit $rc); cleanup' EXIT # set +e: a failed run must still reach cleanup

for mode in $ACCESS_LOGS; do
  WORK="$BASE/proxy-$mode"
  mkdir -p "$WORK"
  conf="cocaine.proxy.timeout = ${PROXY_TIMEOUT:-5s}"
  [ "$mode" = off ] && conf="$conf
cocaine.proxy.access-log.enabled = off"
  side="proxy"; [ "$mode" = off ] && side="proxy-nolog"
  add_proxy_side "$side" "$conf"
done
WORK="$BASE"

# nginx: the echo backend and one front per access-log mode, all in one nginx (worker_processes auto)
fronts=""
for mode in $ACCESS_LOGS; do
  port="$(free_port)"
  side="nginx"; [ "$mode" = off ] && side="nginx-nolog"
  log_line="access_log off;"
  [ "$mode" = on ] && log_line="access_log $WORK/nginx/logs/access.log combined buffer=64k flush=1s;"
  fronts="$fronts
  server {
    listen 127.0.0.1:$port;
    $log_line
    location / { proxy_pass http://echo; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }"
  URL[$side]="http://127.0.0.1:$port/echo"
  SIDES+=("$side")
done
jdk=""
if [ "$SECONDARY" = 1 ]; then
  ECHO_PORT="$(free_port)"
  java -Xmx256m "$BENCH_DIR/Echo.java" "$ECHO_PORT" 16 >"$WORK/echo.out" 2>&1 &
  BENCH_PIDS+=($!)
  port="$(free_port)"
  jdk="
  upstream jdk { server 127.0.0.1:$ECHO_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$port;
    access_log off;
    location / { proxy_pass http://jdk; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }"
  URL[nginx-jdk]="http://127.0.0.1:$port/echo"
fi
start_nginx_echo "$fronts
$jdk"
for side in "${!URL[@]}"; do
  case "$side" in nginx*) PIDS_OF[$side]="$NGINX_PID"; await_http -d hi "${URL[$side]}" ;; esac
done
[ "$(curl -fsS -d hello "${URL[nginx]:-${URL[nginx-nolog]}}")" = hello ] || { echo "nginx echo does not echo" >&2; exit 1; }

write_post_lua
if [ "$ROUNDS" = 0 ]; then
  for side in "${SIDES[@]}"; do
    log "$side: warm-up ${WARMUP}s"
    run_wrk "$side" "warmup-$(side_file "$side")" "$WARMUP"
  done
else
  interleaved_rounds
fi
if [ "$SECONDARY" = 1 ] && [ "$ROUNDS" != 0 ]; then
  log "secondary: nginx -> JDK httpserver, warm-up and one run"
  run_wrk nginx-jdk warmup-nginx-jdk 5
  run_wrk nginx-jdk nginx-jdk-1 "$SECONDS_PER_RUN"
fi

[ "$PACED_RATE" = 0 ] || paced_runs

[ "$ROUNDS" = 0 ] || rounds_table >"$WORK/table.txt"
echo
[ "$ROUNDS" = 0 ] || echo "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s --latency, POST ${BODY} B, keep-alive, median of $ROUNDS interleaved rounds after ${WARMUP}s warm-up ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
[ "$ROUNDS" = 0 ] || cat "$WORK/table.txt"
paced_summary
echo
for mode in $ACCESS_LOGS; do
  WORK="$BASE/proxy-$mode"
  echo "runtime (access log $mode): $(runtime_report | head -n 1)"
done
WORK="$BASE"
BENCH_OK=1
