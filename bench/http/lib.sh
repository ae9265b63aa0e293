# Shared by bench/http/*.sh (sourced, not run): the runtime helpers of scripts/lib/runtime.sh, plus
# installing wrk/nginx when missing and waiting for an answer through the proxy.
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK_PREFIX=cocaine-http-bench
source "$BENCH_DIR/../../scripts/lib/runtime.sh"

# Installs Debian packages $@ (as root, or with sudo).
apt_install() {
  log "installing $*"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# Installs the Debian packages named when their command is missing ($1 command, $2 package, ...).
need() {
  local missing=()
  while [ $# -gt 1 ]; do
    command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || missing+=("$2")
    shift 2
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
  fi
}

# Installs Debian package $2 when file $1 is missing (a module rather than a command).
need_file() {
  [ -e "$1" ] || apt_install "$2"
}

# Waits until `curl ARGS` through the proxy succeeds (the app's first workers are up).
await_http() {
  for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null --max-time 5 "$@" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  echo "no answer from curl $* within 60 s; see $WORK/runtime.log" >&2
  exit 1
}

# Installs wrk, nginx and nginx's echo module when missing: what start_nginx_echo and wrk need.
need_nginx_echo() {
  need wrk wrk nginx nginx
  need_file /usr/lib/nginx/modules/ngx_http_echo_module.so libnginx-mod-http-echo
}

# Starts one nginx under $WORK/nginx: the echo module's backend (echo_request_body) on a free port
# (upstream `echo`, keep-alive) and the server blocks given in $1 (fronts that
# proxy_pass http://echo, or other upstreams); sets NGINX_PID and stops it with the bench.
start_nginx_echo() {
  local backend_port
  backend_port="$(free_port)"
  mkdir -p "$WORK/nginx/logs"
  local user_line=""
  [ "$(id -u)" = 0 ] && user_line="user root root;" # workers must write the temp dirs under $WORK
  cat >"$WORK/nginx/nginx.conf" <<CONF
$user_line
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  client_body_buffer_size 64k;
  upstream echo { server 127.0.0.1:$backend_port; keepalive 64; }
  server {
    listen 127.0.0.1:$backend_port;
    access_log off;
    location / { default_type text/plain; echo_read_request_body; echo_request_body; }
  }
$1
}
CONF
  nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >"$WORK/nginx.out" 2>&1 &
  NGINX_PID=$!
  BENCH_PIDS+=("$NGINX_PID")
}

# --- the wrk rounds shared by wrk.sh and ab.sh -------------------------------------------------
# Settings (env overrides): ROUNDS SECONDS_PER_RUN WARMUP CONNECTIONS THREADS BODY, and the
# http-echo profile both deploy.
wrk_settings() {
  ROUNDS="${ROUNDS:-3}"
  SECONDS_PER_RUN="${SECONDS_PER_RUN:-${SECONDS_PER_SIDE:-10}}"
  WARMUP="${WARMUP:-15}"
  CONNECTIONS="${CONNECTIONS:-64}"
  THREADS="${THREADS:-2}"
  BODY="${BODY:-1024}"
  PROFILE='{"pool-limit": 2, "concurrency": 64, "queue-limit": 1000, "heartbeat-timeout": 30,
  "handshake-timeout": 20, "terminate-timeout": 5}'
  BASE="$WORK"
  OTHER_RUNTIMES=()
  declare -gA URL PIDS_OF
  SIDES=()
}

# --- the paced runs shared by wrk.sh and ab.sh --------------------------------------------------
# PACED_RUNS (default 1) runs of Paced.java at PACED_RATE req/s for SECONDS_PER_RUN s against each
# side but the *nolog ones, interleaved in round_order; each run's last line is kept in PACED for
# paced_summary and appended to $WORK/paced.txt.
paced_runs() {
  PACED=""
  local r side line
  for r in $(seq 1 "${PACED_RUNS:-1}"); do
    round_order "$r"
    for side in "${ORDER[@]}"; do
      case "$side" in *nolog) continue ;; esac
      log "paced: $side at $PACED_RATE req/s for ${SECONDS_PER_RUN}s (load $(cut -d' ' -f1-3 /proc/loadavg))"
      java -Xmx128m "$BENCH_DIR/Paced.java" "${URL[$side]}" "$PACED_RATE" "$SECONDS_PER_RUN" "$CONNECTIONS" "$BODY" \
        >"$WORK/paced-$(side_file "$side").out" 2>&1 || true
      line="$side $(tail -n 1 "$WORK/paced-$(side_file "$side").out")"
      PACED="$PACED$line
"
      echo "$line" >>"$WORK/paced.txt"
    done
  done
}

# Prints the paced runs and, per side, the median of its p99s and its ratio to nginx's.
paced_summary() {
  [ -n "${PACED:-}" ] || return 0
  echo "paced at $PACED_RATE req/s (Paced.java, latency from each request's scheduled start; load now $(cut -d' ' -f1-3 /proc/loadavg)):"
  printf '%s' "$PACED"
  awk 'function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { for (i = 2; i <= NF; i++) if ($i == "p99") { n[$1]++; v[$1, n[$1]] = $(i + 1) } }
    END { if (!n["nginx"]) exit
      for (k = 1; k <= n["nginx"]; k++) g[k] = v["nginx", k]; base = med(g, n["nginx"])
      for (s in n) if (s != "nginx") { for (k = 1; k <= n[s]; k++) x[k] = v[s, k]; m = med(x, n[s])
        printf "ratio paced p99 %s/nginx = %.2fx (target <= 2.00x; medians of %d runs: %.2f / %.2f ms)\n", s, m / base, n[s], m, base } }' <<<"$PACED"
}

# Starts a runtime (--role all) with the settings $2 and http-echo on it, as side $1 of the rounds
# (URL, PIDS_OF, SIDES); the runtime started before it, if any, is kept in OTHER_RUNTIMES to stop.
add_proxy_side() {
  local side="$1"
  [ -n "$RT_PID" ] && OTHER_RUNTIMES+=("$RT_PID")
  start_runtime "$2"
  deploy_app http-echo "$APPS/http-echo" "$PROFILE"
  URL[$side]="http://127.0.0.1:$PROXY_PORT/http-echo/echo"
  PIDS_OF[$side]="$RT_PID"
  await_http -d hi "${URL[$side]}"
  SIDES+=("$side")
}

# Starts nginx -> nginx echo module, its access log buffered, as side `nginx` of the rounds.
add_nginx_side() {
  local port
  port="$(free_port)"
  start_nginx_echo "  server {
    listen 127.0.0.1:$port;
    access_log $WORK/nginx/logs/access.log combined buffer=64k flush=1s;
    location / { proxy_pass http://echo; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }"
  URL[nginx]="http://127.0.0.1:$port/echo"
  PIDS_OF[nginx]="$NGINX_PID"
  await_http -d hi "${URL[nginx]}"
  SIDES+=(nginx)
}

# lib.sh stops the runtime started last; the ones before it (OTHER_RUNTIMES) are stopped here, by pid.
stop_other_runtimes() {
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

# The wrk script of every run: POST with a BODY-byte body.
write_post_lua() {
  cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = string.rep("x", $BODY)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA
}

# CPU ticks (user + system) of the server behind side $1 (PIDS_OF): the process and its children.
side_ticks() {
  local root="${PIDS_OF[$1]}" p sum=0
  for p in $root $(pgrep -P "$root" || true); do
    [ -r "/proc/$p/stat" ] || continue
    sum=$((sum + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
  done
  echo "$sum"
}

# run_wrk SIDE NAME SECONDS: one wrk run against URL[SIDE]; $WORK/NAME.wrk and $WORK/NAME.ticks.
run_wrk() {
  local before after
  before="$(side_ticks "$1")"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${3}s" --timeout 10s --latency -s "$WORK/post.lua" "${URL[$1]}" \
    >"$WORK/$2.wrk"
  after="$(side_ticks "$1")"
  echo $((after - before)) >"$WORK/$2.ticks"
}

# ORDER: SIDES in round $1's order, reversed in even rounds (a side that always follows another
# inherits its leftovers).
round_order() {
  local k
  ORDER=("${SIDES[@]}")
  if [ $(($1 % 2)) = 0 ]; then
    ORDER=()
    for ((k = ${#SIDES[@]} - 1; k >= 0; k--)); do ORDER+=("${SIDES[$k]}"); done
  fi
}

# A side's name in file names.
side_file() { echo "${1//:/_}"; }

# A warm-up of every side in SIDES, then ROUNDS rounds that run every side once, in an order that
# alternates round by round, so load from elsewhere on the machine hits all sides alike.
interleaved_rounds() {
  local side r
  for side in "${SIDES[@]}"; do
    log "$side: warm-up ${WARMUP}s"
    run_wrk "$side" "warmup-$(side_file "$side")" "$WARMUP"
  done
  for r in $(seq 1 "$ROUNDS"); do
    round_order "$r"
    for side in "${ORDER[@]}"; do
      log "round $r/$ROUNDS: $side, ${SECONDS_PER_RUN}s, $CONNECTIONS connections, ${BODY}-byte POST body"
      run_wrk "$side" "$(side_file "$side")-$r" "$SECONDS_PER_RUN"
    done
  done
}

# The table of the rounds (bench/http/rounds.py): per side the medians and, against side nginx, the ratio.
rounds_table() {
  local names=() side
  for side in "${SIDES[@]}"; do names+=("$(side_file "$side")"); done
  python3 "$BENCH_DIR/rounds.py" "$WORK" "$(getconf CLK_TCK)" "$ROUNDS" "${names[@]}"
}
