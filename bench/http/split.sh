#!/usr/bin/env bash
# Routing-group split through the HTTP proxy: http-echo uploaded as echo_v1 and echo_v2, group
# echo = {echo_v1: 80, echo_v2: 20}; N requests (default 10000) over 4 kept-alive connections,
# counted by the member the proxy names in X-Cocaine-Version-App (client: bench/http/Split.java).
# Then weights 50/50 + refresh on the same runtime and 2000 more. Prints the shares next to the
# ring's own shares (what per-request picks converge to).
# Usage: bench/http/split.sh   (env: REQUESTS=10000 CONNECTIONS=4)
source "$(dirname "$0")/lib.sh"
REQUESTS="${REQUESTS:-10000}"
CONNECTIONS="${CONNECTIONS:-4}"

# a request without an answer ("lost", which fails the run) costs 5 s, not 30
start_runtime "cocaine.proxy.timeout = 5s"
PROFILE='{"pool-limit": 2, "concurrency": 16, "queue-limit": 1000, "heartbeat-timeout": 30, "handshake-timeout": 20, "terminate-timeout": 5}'
deploy_app echo_v1 "$APPS/http-echo" "$PROFILE" '{"slave": "run.sh", "environment": {"VERSION": "v1"}}'
deploy_app echo_v2 "$APPS/http-echo" "$PROFILE" '{"slave": "run.sh", "environment": {"VERSION": "v2"}}'
cli group create -n echo -c '{"echo_v1": 80, "echo_v2": 20}' >/dev/null
cli group refresh -n echo >/dev/null
URL="http://127.0.0.1:$PROXY_PORT/echo/echo"
await_http -d hi "$URL"
await_http -d hi "http://127.0.0.1:$PROXY_PORT/echo_v1/echo"
await_http -d hi "http://127.0.0.1:$PROXY_PORT/echo_v2/echo"

# ring share of echo_v1 for weights $1:$2, from the runtime's own Continuum
ring_share() {
  cat >"$WORK/Ring.java" <<JAVA
import cocaine.routing.Continuum;
import cocaine.routing.RoutingGroup;
import java.util.Map;
public class Ring {
  public static void main(String[] a) {
    var points = Continuum.of(new RoutingGroup(Map.of("echo_v1", $1L, "echo_v2", $2L))).points();
    long previous = points.get(points.size() - 1).getKey() - (1L << 32), owned = 0;
    for (var p : points) { if (p.getValue().equals("echo_v1")) owned += p.getKey() - previous; previous = p.getKey(); }
    System.out.printf("%.2f%n", 100.0 * owned / (1L << 32));
  }
}
JAVA
  java -cp "$ROOT/runtime/target/lib/*" "$WORK/Ring.java"
}

# measure WEIGHT1 WEIGHT2 N
measure() {
  log "group echo = {echo_v1: $1, echo_v2: $2}: $3 requests over $CONNECTIONS connections"
  java "$BENCH_DIR/Split.java" "$URL" "$3" "$CONNECTIONS" >"$WORK/split-$1.out"
  awk -v w1="$1" -v w2="$2" -v ring="$(ring_share "$1" "$2")" '
    $1 == "total" { ms = $3; next }
    { c[$1] = $2; if ($1 !~ /^\(/) answered += $2 }
    END {
      v1 = 100 * c["echo_v1"] / answered
      printf "%-6s %8s %8s %8s %10s %10s %8s %6s\n", w1 "/" w2, "echo_v1", "echo_v2", "lost", "v1 share", "ring share", "off by", "s"
      printf "%-6s %8d %8d %8d %9.2f%% %9.2f%% %7.2fpt %6.1f\n", "", c["echo_v1"], c["echo_v2"], c["(lost)"], v1, ring, v1 - w1, ms / 1000
    }' "$WORK/split-$1.out"
  # every request must be answered
  if awk '$1 == "(lost)" && $2 > 0 { found = 1 } END { exit !found }' "$WORK/split-$1.out"; then
    echo "requests got no answer: $(grep -F '(lost)' "$WORK/split-$1.out")" >&2
    exit 1
  fi
}

echo
measure 80 20 "$REQUESTS"
cli group push -n echo --app echo_v1 -w 50 >/dev/null
cli group push -n echo --app echo_v2 -w 50 >/dev/null
cli group refresh -n echo >/dev/null
measure 50 50 2000
echo
runtime_report
BENCH_OK=1
