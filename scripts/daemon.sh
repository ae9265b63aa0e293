# Shared by the scripts that run a test server in the background with a pid file (zookeeper.sh,
# opensearch.sh, registry.sh); sourced, not run. Each sets $pidfile before calling these.

# True while the process in $pidfile lives.
running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

# stop_daemon NAME [kill]: SIGTERM (SIGKILL with "kill"), waits up to 30 s, then SIGKILL; removes
# the pid file. A daemon that is not running is fine.
stop_daemon() {
  local name=$1 signal=${2:-term} pid
  if ! running; then
    rm -f "$pidfile"
    return 0
  fi
  pid=$(cat "$pidfile")
  if [ "$signal" = kill ]; then kill -9 "$pid"; else kill "$pid"; fi
  for _ in $(seq 1 60); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      return 0
    fi
    sleep 0.5
  done
  echo "$name (pid $pid) did not stop within 30 s: SIGKILL" >&2
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}
