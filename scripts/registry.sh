#!/usr/bin/env bash
# A Docker image registry (Docker Distribution, Debian's `docker-registry`, installed with apt-get when
# missing) for the docker isolate's tests and the quick start: filesystem storage, plain HTTP on
# 127.0.0.1, no authentication. Docker pushes to and pulls from 127.0.0.0/8 registries over plain
# HTTP without further daemon settings.
#
#   scripts/registry.sh start [DIR] [PORT]   images and log in DIR (default /var/tmp/cocaine-registry),
#                                            serves 127.0.0.1:PORT (default 5000); returns once it answers
#   scripts/registry.sh stop [DIR]           stop the registry started in DIR; the images stay in DIR
#
# Exit codes: 0 ok, 1 failed, 2 usage, 3 the package cannot be installed.
set -euo pipefail

usage() { echo "usage: $0 start [DIR] [PORT] | stop [DIR]" >&2; exit 2; }
[ $# -ge 1 ] || usage
cmd=$1
dir=$(readlink -m "${2:-/var/tmp/cocaine-registry}")
port=${3:-5000}
pidfile="$dir/registry.pid"
logfile="$dir/registry.log"
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"

source "$(dirname "$0")/daemon.sh"
answers() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/v2/" 2>/dev/null; }

case "$cmd" in
  start)
    if ! command -v docker-registry >/dev/null 2>&1; then
      echo "installing docker-registry" >&2
      if ! { $sudo_cmd apt-get update -q >/dev/null \
          && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends docker-registry >&2; }; then
        echo "cannot install docker-registry with apt-get" >&2
        exit 3
      fi
    fi
    if running; then
      echo "the registry already runs from $dir (pid $(cat "$pidfile"))"
      exit 0
    fi
    if answers "$port"; then
      echo "a registry already answers on 127.0.0.1:$port"
      exit 0
    fi
    mkdir -p "$dir/data"
    cat > "$dir/config.yml" <<CFG
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  headers:
    X-Content-Type-Options: [nosniff]
CFG
    # setsid: the registry outlives the shell (and the JVM) that started it; stop ends it.
    setsid docker-registry serve "$dir/config.yml" >>"$logfile" 2>&1 </dev/null &
    echo $! > "$pidfile"
    for _ in $(seq 1 60); do
      if answers "$port"; then
        echo "the registry serves 127.0.0.1:$port (pid $(cat "$pidfile"), images in $dir/data)"
        exit 0
      fi
      if ! running; then
        echo "the registry exited during start; last lines of $logfile:" >&2
        tail -20 "$logfile" >&2
        exit 1
      fi
      sleep 0.5
    done
    echo "the registry did not answer on 127.0.0.1:$port within 30 s; see $logfile" >&2
    kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    exit 1
    ;;
  stop)
    stop_daemon "the registry"
    ;;
  *)
    usage
    ;;
esac
