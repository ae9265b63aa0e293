# Shared by bench/http/*.sh (sourced, not run): the runtime helpers of scripts/lib/runtime.sh, plus
# installing wrk/nginx when missing and waiting for an answer through the proxy.
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK_PREFIX=cocaine-http-bench
source "$BENCH_DIR/../../scripts/lib/runtime.sh"

# Installs the Debian packages named when their command is missing ($1 command, $2 package, ...).
need() {
  local missing=()
  while [ $# -gt 1 ]; do
    command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || missing+=("$2")
    shift 2
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# Installs Debian package $2 when file $1 is missing (a module rather than a command).
need_file() {
  if [ ! -e "$1" ]; then
    log "installing $2"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null
  fi
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
