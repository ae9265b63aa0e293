#!/usr/bin/env bash
# One ZooKeeper server for tests and local clusters, from Debian's `zookeeper` package
# (apt-get install -y zookeeper).
#
#   scripts/zookeeper.sh start DIR PORT   data and logs in DIR, serves 127.0.0.1:PORT; returns once it answers
#   scripts/zookeeper.sh stop DIR         graceful stop (SIGTERM) of the server started in DIR
#   scripts/zookeeper.sh kill DIR         crash it (SIGKILL), as a power loss would
#
# Starting again with the same DIR keeps every acknowledged write (ZooKeeper fsyncs its log).
set -euo pipefail

usage() { echo "usage: $0 start DIR PORT | stop DIR | kill DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
dir=$(readlink -m "$2")
pidfile="$dir/zookeeper.pid"
jar=/usr/share/java/zookeeper.jar

source "$(dirname "$0")/daemon.sh"

answers() {
  local reply
  reply=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && printf ruok >&3 && cat <&3" 2>/dev/null || true)
  [ "$reply" = "imok" ]
}

case "$cmd" in
  start)
    [ $# -eq 3 ] || usage
    port=$3
    if [ ! -f "$jar" ]; then
      echo "ZooKeeper is not installed ($jar missing): apt-get install -y zookeeper" >&2
      exit 3
    fi
    if running; then
      echo "ZooKeeper already runs from $dir (pid $(cat "$pidfile"))" >&2
      exit 1
    fi
    mkdir -p "$dir/data"
    cat > "$dir/zoo.cfg" <<CFG
tickTime=2000
dataDir=$dir/data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr
maxClientCnxns=0
CFG
    # setsid: the server outlives the shell (and the JVM) that started it; stop/kill end it.
    logconf=()
    [ -f /etc/zookeeper/conf/log4j.properties ] && logconf=(-Dlog4j.configuration=file:/etc/zookeeper/conf/log4j.properties)
    setsid java -Xmx256m "${logconf[@]}" -Dzookeeper.log.dir="$dir" -Dzookeeper.root.logger=INFO,CONSOLE \
      -cp "$jar:/usr/share/java/*" org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" \
      >>"$dir/zookeeper.log" 2>&1 </dev/null &
    echo $! > "$pidfile"
    for _ in $(seq 1 120); do
      if answers "$port"; then
        echo "ZooKeeper serves 127.0.0.1:$port (pid $(cat "$pidfile"), data in $dir/data)"
        exit 0
      fi
      if ! running; then
        echo "ZooKeeper exited during start; last lines of $dir/zookeeper.log:" >&2
        tail -20 "$dir/zookeeper.log" >&2
        exit 1
      fi
      sleep 0.5
    done
    echo "ZooKeeper did not answer on 127.0.0.1:$port within 60 s; see $dir/zookeeper.log" >&2
    kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    exit 1
    ;;
  stop|kill)
    stop_daemon ZooKeeper "$cmd"
    ;;
  *)
    usage
    ;;
esac
