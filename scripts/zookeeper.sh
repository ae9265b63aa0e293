#!/usr/bin/env bash
# ZooKeeper for tests and local clusters, from Debian's `zookeeper` package (apt-get install -y
# zookeeper): one server on loopback, or one member of an ensemble reachable from other hosts.
#
#   scripts/zookeeper.sh start DIR PORT           data and logs in DIR, serves 127.0.0.1:PORT; returns once it answers
#   scripts/zookeeper.sh member DIR ID SERVERS    member ID (1..n) of the ensemble SERVERS, a comma-separated list of
#                                                 HOST:CLIENT_PORT:PEER_PORT:ELECTION_PORT in id order; serves and
#                                                 talks to its peers on its own HOST (run it on that host, e.g. in its
#                                                 network namespace); returns once it answers, before a quorum forms
#   scripts/zookeeper.sh stop DIR                 graceful stop (SIGTERM) of the server started in DIR
#   scripts/zookeeper.sh kill DIR                 crash it (SIGKILL), as a power loss would
#
# Starting again with the same DIR keeps every acknowledged write (ZooKeeper fsyncs its log).
set -euo pipefail

usage() { echo "usage: $0 start DIR PORT | member DIR ID HOST:PORT:PEER:ELECTION,... | stop DIR | kill DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
dir=$(readlink -m "$2")
pidfile="$dir/zookeeper.pid"
jar=/usr/share/java/zookeeper.jar

source "$(dirname "$0")/daemon.sh"

answers() { # answers HOST PORT
  local reply
  reply=$(timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2 && printf ruok >&3 && cat <&3" 2>/dev/null || true)
  [ "$reply" = "imok" ]
}

# serve HOST PORT EXTRA_CFG: writes DIR/zoo.cfg, starts the server, waits until it answers on HOST:PORT
serve() {
  local host=$1 port=$2 extra=$3
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
clientPortAddress=$host
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,mntr,wchs
maxClientCnxns=0
$extra
CFG
  # setsid: the server outlives the shell (and the JVM) that started it; stop/kill end it.
  local logconf=()
  [ -f /etc/zookeeper/conf/log4j.properties ] && logconf=(-Dlog4j.configuration=file:/etc/zookeeper/conf/log4j.properties)
  setsid java -Xmx256m "${logconf[@]}" -Dzookeeper.log.dir="$dir" -Dzookeeper.root.logger=INFO,CONSOLE \
    -cp "$jar:/usr/share/java/*" org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" \
    >>"$dir/zookeeper.log" 2>&1 </dev/null &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if answers "$host" "$port"; then
      echo "ZooKeeper serves $host:$port (pid $(cat "$pidfile"), data in $dir/data)"
      exit 0
    fi
    if ! running; then
      echo "ZooKeeper exited during start; last lines of $dir/zookeeper.log:" >&2
      tail -20 "$dir/zookeeper.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "ZooKeeper did not answer on $host:$port within 60 s; see $dir/zookeeper.log" >&2
  kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  exit 1
}

case "$cmd" in
  start)
    [ $# -eq 3 ] || usage
    serve 127.0.0.1 "$3" ""
    ;;
  member)
    [ $# -eq 4 ] || usage
    id=$3
    IFS=, read -r -a servers <<< "$4"
    [[ "$id" =~ ^[0-9]+$ ]] && [ "$id" -ge 1 ] && [ "$id" -le "${#servers[@]}" ] \
      || { echo "member id must be 1..${#servers[@]} (one per server of '$4'), got '$id'" >&2; exit 2; }
    peers=$'initLimit=10\nsyncLimit=5'
    for i in "${!servers[@]}"; do
      IFS=: read -r h c p e <<< "${servers[$i]}"
      [ -n "$e" ] || { echo "server '${servers[$i]}' is not HOST:CLIENT_PORT:PEER_PORT:ELECTION_PORT" >&2; exit 2; }
      peers+=$'\n'"server.$((i + 1))=$h:$p:$e"
      [ $((i + 1)) -eq "$id" ] && { host=$h; port=$c; }
    done
    mkdir -p "$dir/data"
    echo "$id" > "$dir/data/myid"
    serve "$host" "$port" "$peers"
    ;;
  stop|kill)
    stop_daemon ZooKeeper "$cmd"
    ;;
  *)
    usage
    ;;
esac
