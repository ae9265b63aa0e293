#!/usr/bin/env bash
# A desired state of many apps on a 3-node cluster (issue 16's figure): N apps (default 1,000; a tiny
# process-isolate worker, profile `tiny` with pool-limit 1, spawned only on a first request, so none
# runs) released into the cluster's desired state in ZooKeeper through the real Releases path
# (bench/cluster/DesiredState.java), three `--role node` runtimes on one machine following it.
# Reports:
#  - the first convergence of each node (all N apps running in its converged/<node> report);
#  - a node's restart (kill -9, start again): time from the start to its report of N apps running;
#  - ZooKeeper's watch count (four-letter words wchs and mntr) and znode count;
#  - heap used per node after a full GC (jcmd GC.heap_info), and RSS.
# Usage: bench/cluster/desired-state.sh   (env: APPS=1000; needs ZooKeeper, scripts/zookeeper.sh)
APPS_N=${APPS:-1000} # read before runtime.sh, whose APPS is the examples' folder
WORK_PREFIX=cocaine-bench-cluster
source "$(dirname "$0")/../../scripts/lib/runtime.sh"
check_built
CP="$(ls "$ROOT"/runtime/target/cocaine-runtime-*.jar | head -n 1):$ROOT/runtime/target/lib/*"
ZK_PORT=$(free_port)
NODE_PIDS=()

zk_stop() { "$ROOT/scripts/zookeeper.sh" stop "$WORK/zk" >/dev/null 2>&1 || true; }
trap 'rc=$?; set +e; zk_stop; (exit $rc); cleanup' EXIT # set +e: a failed run must still reach cleanup

fourletter() { # fourletter WORD: ZooKeeper's answer
  timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$ZK_PORT && printf $1 >&3 && cat <&3"
}

# start_node I: runtime n$I on its own ports and folders, appended to BENCH_PIDS; waits for "role node ready"
start_node() {
  local i=$1 dir="$WORK/n$1" port
  port=$(cat "$WORK/n$1.port" 2>/dev/null || free_port)
  echo "$port" > "$WORK/n$i.port"
  mkdir -p "$dir"
  cat > "$dir/runtime.conf" <<CONF
cocaine {
  uuid = n$i
  node.name = n$i
  network { host = "127.0.0.1", hostname = "127.0.0.1", locator-port = $port }
  admin.port = $(free_port)
  paths { runtime = "$dir/run", spool = "$dir/spool", storage = "$dir/storage" }
  logging.file.path = "$dir/log/cocaine.jsonl"
  services.uniresis.state-dir = "$dir/state"
  storage { backend = zookeeper, zookeeper { connect = "127.0.0.1:$ZK_PORT", root = "/bench" } }
}
CONF
  [ -f "$dir/runtime.log" ] && mv "$dir/runtime.log" "$dir/runtime.log.before-restart"
  "$ROOT/bin/cocaine-runtime" --role node --config "$dir/runtime.conf" >"$dir/runtime.log" 2>&1 &
  NODE_PIDS[$i]=$!
  BENCH_PIDS+=($!)
  for _ in $(seq 1 1200); do
    grep -q "role node ready" "$dir/runtime.log" && return 0
    kill -0 "${NODE_PIDS[$i]}" 2>/dev/null || { echo "node n$i exited:" >&2; tail -20 "$dir/runtime.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "node n$i not ready within 120 s; see $dir/runtime.log" >&2
  exit 1
}

client() { java -Xmx256m -cp "$CP" "$ROOT/bench/cluster/DesiredState.java" "$@"; }
now_ms() { date +%s%3N; }

"$ROOT/scripts/zookeeper.sh" start "$WORK/zk" "$ZK_PORT" >&2
for i in 1 2 3; do start_node "$i"; done
log "3 nodes up; releasing $APPS_N apps"
client release 127.0.0.1 "$(cat "$WORK/n1.port")" "$APPS_N"
released=$(now_ms)
for i in 1 2 3; do
  client await 127.0.0.1 "$(cat "$WORK/n1.port")" "n$i" "$APPS_N" >"$WORK/first-n$i.out"
  log "n$i: all $APPS_N apps running $(( $(cut -d' ' -f3 "$WORK/first-n$i.out") - released )) ms after the release ended"
done

log "kill -9 of n2, start again"
kill -9 "${NODE_PIDS[2]}"
wait "${NODE_PIDS[2]}" 2>/dev/null || true
restart=$(now_ms)
start_node 2
ready=$(now_ms)
client await 127.0.0.1 "$(cat "$WORK/n1.port")" n2 "$APPS_N" "$ready" >"$WORK/restart-n2.out"
converged=$(cut -d' ' -f3 "$WORK/restart-n2.out")

echo "== desired state of $APPS_N apps on 3 nodes ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "restart of n2: start -> ready $((ready - restart)) ms; ready -> all $APPS_N running (report) $((converged - ready)) ms; total $((converged - restart)) ms"
echo "zookeeper wchs: $(fourletter wchs | tr '\n' ' ')"
fourletter mntr | grep -E "zk_watch_count|zk_znode_count|zk_num_alive_connections|zk_approximate_data_size" | tr '\t' ' '
for i in 1 2 3; do
  pid=${NODE_PIDS[$i]}
  jcmd "$pid" GC.run >/dev/null 2>&1 || true
  heap=$(jcmd "$pid" GC.heap_info 2>/dev/null | grep -Eo 'used [0-9]+K' | head -n 1)
  threads=$(ls /proc/"$pid"/task | wc -l)
  echo "n$i: heap after full GC: ${heap:-unknown}; RSS $(grep VmRSS /proc/"$pid"/status | awk '{print $2 " " $3}'); threads $threads"
done
# which threads grow with the apps: names without their trailing numbers, most common first
echo "n1's threads by name: $(jcmd "${NODE_PIDS[1]}" Thread.print 2>/dev/null | sed -n 's/^"\([^"]*\)".*/\1/p' \
  | sed 's/[0-9][0-9]*/N/g' | sort | uniq -c | sort -rn | head -n 4 | awk '{c=$1; $1=""; printf "%s x%s;", $0, c}')"
BENCH_OK=1
