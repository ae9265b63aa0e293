#!/usr/bin/env bash
# HTTP proxy vs nginx, same run, same client: wrk, keep-alive, POST with a 1 KiB body, 64
# connections, 15 s per side after a 15 s warm-up (the JIT needs it).
#   proxy: wrk -> cocaine proxy (--role all) -> http-echo example (2 workers)
#   nginx: wrk -> nginx proxy_pass (upstream keep-alive) -> bench/http/Echo.java (JDK httpserver)
# Prints requests/s and p99 for both and the ratios (targets: proxy >= 0.7x nginx rps, p99 <= 2x).
# Usage: bench/http/wrk.sh   (env: SECONDS_PER_SIDE=15 WARMUP=15 CONNECTIONS=64 THREADS=2 BODY=1024
#   PROXY_TIMEOUT=5s: the proxy's per-request timeout, so a request the node loses costs 5 s, not 30)
source "$(dirname "$0")/lib.sh"
need wrk wrk nginx nginx
SECONDS_PER_SIDE="${SECONDS_PER_SIDE:-15}"
WARMUP="${WARMUP:-15}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
BODY="${BODY:-1024}"

start_runtime "cocaine.proxy.timeout = ${PROXY_TIMEOUT:-5s}"
deploy_app http-echo "$APPS/http-echo" '{"pool-limit": 2, "concurrency": 64, "queue-limit": 1000,
  "heartbeat-timeout": 30, "handshake-timeout": 20, "terminate-timeout": 5}'
PROXY_URL="http://127.0.0.1:$PROXY_PORT/http-echo/echo"
await_http -d hi "$PROXY_URL"

# the baseline: the echo server and nginx in front of it
ECHO_PORT="$(free_port)"
java -Xmx256m "$BENCH_DIR/Echo.java" "$ECHO_PORT" 16 >"$WORK/echo.out" 2>&1 &
BENCH_PIDS+=($!)
NGINX_PORT="$(free_port)"
mkdir -p "$WORK/nginx/logs"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root root;" # workers must write the temp dirs under $WORK
cat >"$WORK/nginx/nginx.conf" <<CONF
$user_line
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  upstream echo { server 127.0.0.1:$ECHO_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://echo;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >"$WORK/nginx.out" 2>&1 &
BENCH_PIDS+=($!)
NGINX_URL="http://127.0.0.1:$NGINX_PORT/echo"
await_http -d hi "$NGINX_URL"

cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = string.rep("x", $BODY)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA

# run NAME URL: warm-up, then the measured run; its output in $WORK/NAME.wrk
run() {
  log "$1: warm-up ${WARMUP}s"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 10s -s "$WORK/post.lua" "$2" >/dev/null
  log "$1: ${SECONDS_PER_SIDE}s, $CONNECTIONS connections, ${BODY}-byte POST body"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_SIDE}s" --timeout 10s --latency -s "$WORK/post.lua" "$2" \
    >"$WORK/$1.wrk"
}
run proxy "$PROXY_URL"
run nginx "$NGINX_URL"

rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$WORK/$1.wrk"; }
# wrk prints latency percentiles as e.g. "99%   12.34ms"; in ms
p() {
  awk -v q="$2%" '$1 == q { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1; printf "%.2f", v * f }' \
    "$WORK/$1.wrk"
}
errors() {
  local e n
  e="$(sed -n 's/^ *Socket errors: *//p' "$WORK/$1.wrk")"
  n="$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$WORK/$1.wrk")"
  echo "${e:-none}${n:+; non-2xx $n}"
}

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_SIDE}s --latency, POST ${BODY} B, keep-alive ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-6s %10s %9s %9s %9s  %s\n' side "req/s" "p50 ms" "p99 ms" "requests" errors
for side in proxy nginx; do
  printf '%-6s %10s %9s %9s %9s  %s\n' "$side" "$(rps $side)" "$(p $side 50)" "$(p $side 99)" \
    "$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$WORK/$side.wrk")" "$(errors $side)"
done
awk -v pr="$(rps proxy)" -v nr="$(rps nginx)" -v pp="$(p proxy 99)" -v np="$(p nginx 99)" 'BEGIN {
  printf "ratio  rps proxy/nginx = %.2fx (target >= 0.70x)   p99 proxy/nginx = %.2fx (target <= 2.00x)\n", pr / nr, pp / np }'
echo
runtime_report
BENCH_OK=1
