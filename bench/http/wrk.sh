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
source "$(dirname "$0")/lib.sh"
need_nginx_echo
ROUNDS="${ROUNDS:-3}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-${SECONDS_PER_SIDE:-10}}"
WARMUP="${WARMUP:-15}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
BODY="${BODY:-1024}"
ACCESS_LOGS="${ACCESS_LOGS:-on off}"
SECONDARY="${SECONDARY:-1}"
PACED_RATE="${PACED_RATE:-2000}"
PROFILE='{"pool-limit": 2, "concurrency": 64, "queue-limit": 1000, "heartbeat-timeout": 30,
  "handshake-timeout": 20, "terminate-timeout": 5}'

# lib.sh stops the runtime it started last; the others are stopped here, by pid
BASE="$WORK"
OTHER_RUNTIMES=()
stop_others() {
  local p
  for p in "${OTHER_RUNTIMES[@]}"; do
    pkill -TERM -P "$p" 2>/dev/null || true
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${OTHER_RUNTIMES[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  WORK="$BASE"
}
trap 'rc=$?; stop_others; (exit $rc); cleanup' EXIT

declare -A URL PIDS_OF
SIDES=()
for mode in $ACCESS_LOGS; do
  [ -n "$RT_PID" ] && OTHER_RUNTIMES+=("$RT_PID")
  WORK="$BASE/proxy-$mode"
  mkdir -p "$WORK"
  conf="cocaine.proxy.timeout = ${PROXY_TIMEOUT:-5s}"
  [ "$mode" = off ] && conf="$conf
cocaine.proxy.access-log.enabled = off"
  start_runtime "$conf"
  deploy_app http-echo "$APPS/http-echo" "$PROFILE"
  side="proxy"; [ "$mode" = off ] && side="proxy-nolog"
  URL[$side]="http://127.0.0.1:$PROXY_PORT/http-echo/echo"
  PIDS_OF[$side]="runtime:$RT_PID"
  await_http -d hi "${URL[$side]}"
  SIDES+=("$side")
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
  case "$side" in nginx*) PIDS_OF[$side]="nginx:$NGINX_PID"; await_http -d hi "${URL[$side]}" ;; esac
done
[ "$(curl -fsS -d hello "${URL[nginx]:-${URL[nginx-nolog]}}")" = hello ] || { echo "nginx echo does not echo" >&2; exit 1; }

cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = string.rep("x", $BODY)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA

# CPU ticks (user + system) of the server behind a side: the process and its children
ticks() {
  local root="${PIDS_OF[$1]#*:}" p sum=0
  for p in $root $(pgrep -P "$root" || true); do
    [ -r "/proc/$p/stat" ] || continue
    sum=$((sum + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
  done
  echo "$sum"
}
HZ="$(getconf CLK_TCK)"

# run SIDE NAME SECONDS: one wrk run; output in $WORK/NAME.wrk, CPU ticks in $WORK/NAME.ticks
run() {
  local before after
  before="$(ticks "$1")"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${3}s" --timeout 10s --latency -s "$WORK/post.lua" "${URL[$1]}" \
    >"$WORK/$2.wrk"
  after="$(ticks "$1")"
  echo $((after - before)) >"$WORK/$2.ticks"
}

for side in "${SIDES[@]}"; do
  log "$side: warm-up ${WARMUP}s"
  run "$side" "warmup-$side" "$WARMUP"
done
for r in $(seq 1 "$ROUNDS"); do
  order=("${SIDES[@]}")
  if [ $((r % 2)) = 0 ]; then
    order=()
    for ((i = ${#SIDES[@]} - 1; i >= 0; i--)); do order+=("${SIDES[$i]}"); done
  fi
  for side in "${order[@]}"; do
    log "round $r/$ROUNDS: $side, ${SECONDS_PER_RUN}s, $CONNECTIONS connections, ${BODY}-byte POST body"
    run "$side" "$side-$r" "$SECONDS_PER_RUN"
  done
done
if [ "$SECONDARY" = 1 ]; then
  log "secondary: nginx -> JDK httpserver, warm-up and one run"
  run nginx-jdk warmup-nginx-jdk 5
  run nginx-jdk nginx-jdk-1 "$SECONDS_PER_RUN"
fi

PACED=""
if [ "$PACED_RATE" != 0 ]; then
  for side in "${SIDES[@]}"; do
    case "$side" in *nolog) continue ;; esac
    log "paced: $side at $PACED_RATE req/s for ${SECONDS_PER_RUN}s"
    java -Xmx128m "$BENCH_DIR/Paced.java" "${URL[$side]}" "$PACED_RATE" "$SECONDS_PER_RUN" "$CONNECTIONS" "$BODY" \
      >"$WORK/paced-$side.out" 2>&1 || true
    PACED="$PACED$side $(tail -n 1 "$WORK/paced-$side.out")
"
  done
fi

python3 - "$WORK" "$HZ" "$ROUNDS" "$SECONDARY" "${SIDES[@]}" <<'PY' >"$WORK/table.txt"
import re, statistics, sys
work, hz, rounds, secondary, sides = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5:]
def parse(name):
    text = open(f"{work}/{name}.wrk").read()
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", text).group(1))
    n = int(re.search(r"(\d+) requests in", text).group(1))
    def pct(q):
        m = re.search(rf"^\s*{q}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        f = {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]
        return float(m.group(1)) * f
    errs = re.search(r"Socket errors:\s*(.*)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    ticks = int(open(f"{work}/{name}.ticks").read())
    return dict(rps=rps, n=n, p50=pct(50), p99=pct(99), us=ticks / hz * 1e6 / max(n, 1),
                errors=(errs.group(1) if errs else "") + (f" non-2xx {non2xx.group(1)}" if non2xx else ""))
med = {}
print(f"{'side':12} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>10}  runs (req/s)  errors")
for side in sides:
    runs = [parse(f"{side}-{r}") for r in range(1, rounds + 1)]
    m = {k: statistics.median(x[k] for x in runs) for k in ("rps", "p50", "p99", "us")}
    med[side] = m
    errors = "; ".join(x["errors"] for x in runs if x["errors"]) or "none"
    print(f"{side:12} {m['rps']:9.0f} {m['p50']:8.2f} {m['p99']:8.2f} {m['us']:10.0f}  "
          + " ".join(f"{x['rps']:.0f}" for x in runs) + f"  {errors}")
for p, n, label in (("proxy", "nginx", "access log on"), ("proxy-nolog", "nginx-nolog", "access log off")):
    if p in med and n in med:
        a, b = med[p], med[n]
        print(f"ratio ({label}): req/s proxy/nginx = {a['rps'] / b['rps']:.2f}x (target >= 0.50x)   "
              f"p99 proxy/nginx = {a['p99'] / b['p99']:.2f}x   CPU/req proxy/nginx = {a['us'] / b['us']:.1f}x")
if secondary == "1":
    x = parse("nginx-jdk-1")
    print(f"secondary, not the limit: nginx -> JDK httpserver (Echo.java), one run: {x['rps']:.0f} req/s, "
          f"p99 {x['p99']:.2f} ms; proxy/that = {med.get('proxy', med.get('proxy-nolog'))['rps'] / x['rps']:.2f}x")
PY
echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s --latency, POST ${BODY} B, keep-alive, median of $ROUNDS interleaved rounds after ${WARMUP}s warm-up ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
cat "$WORK/table.txt"
if [ -n "$PACED" ]; then
  echo "paced at $PACED_RATE req/s (Paced.java, latency from each request's scheduled start):"
  printf '%s' "$PACED"
  awk '/^proxy /{for(i=1;i<=NF;i++) if($i=="p99") pp=$(i+1)} /^nginx /{for(i=1;i<=NF;i++) if($i=="p99") np=$(i+1)}
    END { if (pp && np) printf "ratio paced p99 proxy/nginx = %.2fx (target <= 2.00x)\n", pp / np }' <<<"$PACED"
fi
echo
for mode in $ACCESS_LOGS; do
  WORK="$BASE/proxy-$mode"
  echo "runtime (access log $mode): $(runtime_report | head -n 1)"
done
WORK="$BASE"
BENCH_OK=1
