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
