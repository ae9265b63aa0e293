#!/usr/bin/env bash
# A Docker daemon for the docker isolate's tests and the quick start, from Debian's `docker.io`
# (installed with apt-get when missing).
#
#   scripts/docker.sh start [DIR]   start dockerd in the background (log and pidfile in DIR, default
#                                   /var/tmp/cocaine-docker) unless a daemon already answers on
#                                   /var/run/docker.sock; returns once `docker info` answers
#   scripts/docker.sh stop [DIR]    stop the dockerd this script started in DIR (a daemon started by
#                                   anything else is left alone)
#   scripts/docker.sh status        exit 0 when a daemon answers
#
# By default dockerd runs with --iptables=false: it then leaves the host's FORWARD chain alone (its
# own rules set the policy to DROP, which silently breaks the network-namespace tests that share this
# machine). Containers still reach the host, and the unix sockets the isolate bind-mounts need no
# network at all; only outbound NAT and published ports are off. DOCKERD_IPTABLES=true turns them on.
# Extra daemon flags: DOCKERD_ARGS. Exit codes: 0 ok, 1 failed, 2 usage, 3 dockerd cannot run here.
set -euo pipefail

usage() { echo "usage: $0 start [DIR] | stop [DIR] | status" >&2; exit 2; }
[ $# -ge 1 ] || usage
cmd=$1
dir=$(readlink -m "${2:-/var/tmp/cocaine-docker}")
pidfile="$dir/dockerd.pid"
logfile="$dir/dockerd.log"
sock=/var/run/docker.sock
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"

answers() { $sudo_cmd docker -H "unix://$sock" info >/dev/null 2>&1; }
ours() { [ -f "$pidfile" ] && $sudo_cmd kill -0 "$(cat "$pidfile")" 2>/dev/null; }

install() {
  if command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1; then
    return 0
  fi
  echo "installing docker.io" >&2
  if ! { $sudo_cmd apt-get update -q >/dev/null \
      && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends docker.io >&2; }; then
    echo "cannot install docker.io with apt-get" >&2
    exit 3
  fi
}

case "$cmd" in
  start)
    install
    if answers; then
      echo "a Docker daemon already answers on $sock"
      exit 0
    fi
    mkdir -p "$dir"
    iptables_flag=(--iptables=false --ip-masq=false)
    [ "${DOCKERD_IPTABLES:-false}" = true ] && iptables_flag=()
    # setsid: the daemon outlives the shell (and the JVM) that started it; stop ends it.
    # shellcheck disable=SC2086
    $sudo_cmd setsid dockerd --host "unix://$sock" --pidfile "$pidfile" "${iptables_flag[@]}" ${DOCKERD_ARGS:-} \
      >>"$logfile" 2>&1 </dev/null &
    launched=$!
    for _ in $(seq 1 120); do
      if answers; then
        echo "dockerd answers on $sock (pid $(cat "$pidfile" 2>/dev/null || echo '?'), log $logfile)"
        exit 0
      fi
      if ! kill -0 "$launched" 2>/dev/null; then
        break
      fi
      sleep 0.5
    done
    echo "dockerd did not start; last lines of $logfile:" >&2
    tail -20 "$logfile" >&2 || true
    if ours; then
      $sudo_cmd kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    fi
    exit 3
    ;;
  stop)
    if ! ours; then
      rm -f "$pidfile"
      exit 0
    fi
    pid=$(cat "$pidfile")
    $sudo_cmd kill "$pid"
    # dockerd stops its containers (10 s each at most) and its containerd before it exits
    for _ in $(seq 1 120); do
      if ! $sudo_cmd kill -0 "$pid" 2>/dev/null; then
        rm -f "$pidfile"
        echo "dockerd stopped"
        exit 0
      fi
      sleep 0.5
    done
    echo "dockerd (pid $pid) did not stop within 60 s: SIGKILL" >&2
    $sudo_cmd kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
    ;;
  status)
    answers
    ;;
  *)
    usage
    ;;
esac
