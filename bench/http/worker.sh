#!/usr/bin/env bash
# The Java worker's own cost per request: several builds or launchers of the http-echo app behind
# ONE runtime (this tree's, --role all, access log off), each deployed as its own app (w1, w2, ...;
# pool-limit 1, so one worker process per side), in interleaved rounds: wrk -t2 -c64 POST 1 KiB
# against each side in an order that alternates round by round, then (PACED_RATE > 0) a paced run
# (Paced.java) per side. Per side the medians of: req/s, wrk p99, the worker process's CPU per
# request, the runtime's CPU per request, the worker's context switches per request (all its
# threads, from /proc), its RSS, and the paced p99. Only ratios between sides of one run count.
# Usage: bench/http/worker.sh APP_DIR [APP_DIR...]   e.g. a main build's examples/target/apps/http-echo
#   and this tree's; to compare JVM flags, copies of one app dir whose run.sh differ.
#   (env: ROUNDS=3 SECONDS_PER_RUN=10 WARMUP=10 CONNECTIONS=64 BODY=1024 PACED_RATE=2000 PACED_RUNS=1)
source "$(dirname "$0")/lib.sh"
need wrk wrk
[ $# -ge 1 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
ROUNDS="${ROUNDS:-3}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-10}"
WARMUP="${WARMUP:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
BODY="${BODY:-1024}"
PACED_RATE="${PACED_RATE:-2000}"
PROFILE='{"pool-limit": 1, "concurrency": 64, "queue-limit": 1000, "heartbeat-timeout": 30,
  "handshake-timeout": 20, "terminate-timeout": 5}'

start_runtime "cocaine.proxy.timeout = 5s
cocaine.proxy.access-log.enabled = off"
SIDES=()
i=0
for dir in "$@"; do
  i=$((i + 1))
  deploy_app "w$i" "$dir" "$PROFILE"
  await_http -d hi "http://127.0.0.1:$PROXY_PORT/w$i/echo"
  SIDES+=("w$i")
  log "side w$i: $dir ($(grep -o 'exec java.*Xmx[0-9a-z]*' "$dir/run.sh"))"
done
write_post_lua

# the worker process of app $1 (its argv names the app)
worker_pid() { pgrep -f -- "--app $1 " | head -1; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { s += $2 } END { print s }'; }

# run_wrk SIDE NAME SECONDS (lib.sh's interleaved_rounds calls it): one wrk run; one line
# "req/s p99ms worker_ticks runtime_ticks worker_switches rss_kb"
run_wrk() {
  local w wt0 rt0 ws0
  w="$(worker_pid "$1")"
  wt0="$(ticks "$w")"; rt0="$(ticks "$RT_PID")"; ws0="$(switches "$w")"
  wrk -t2 -c"$CONNECTIONS" -d"${3}s" --timeout 10s --latency -s "$WORK/post.lua" \
    "http://127.0.0.1:$PROXY_PORT/$1/echo" >"$WORK/$2.wrk"
  echo "$(awk '/^Requests\/sec/ { print $2 }' "$WORK/$2.wrk") \
$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) sub(/ms/, "", v); \
else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }; print v }' "$WORK/$2.wrk") \
$(( $(ticks "$w") - wt0 )) $(( $(ticks "$RT_PID") - rt0 )) $(( $(switches "$w") - ws0 )) \
$(awk '/VmRSS/ { print $2 }' "/proc/$w/status")" >"$WORK/$2.run"
  grep -q 'Non-2xx\|Socket errors' "$WORK/$2.wrk" && echo "errors in $2: $(grep 'Non-2xx\|Socket errors' "$WORK/$2.wrk")" >&2
  return 0
}

interleaved_rounds
if [ "$PACED_RATE" != 0 ]; then
  for r in $(seq 1 "${PACED_RUNS:-1}"); do
    for side in "${SIDES[@]}"; do
      log "paced $r: $side at $PACED_RATE req/s"
      java -Xmx128m "$BENCH_DIR/Paced.java" "http://127.0.0.1:$PROXY_PORT/$side/echo" "$PACED_RATE" \
        "$SECONDS_PER_RUN" "$CONNECTIONS" "$BODY" >"$WORK/paced-$side-$r.out" 2>&1 || true
    done
  done
fi

echo
echo "wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s POST $BODY B, one runtime, one worker per side, medians of $ROUNDS interleaved rounds ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-4s %8s %8s %12s %12s %12s %8s %10s  %s\n' side req/s p99ms worker-us/req runtime-us/req worker-cs/req rss-MB paced-p99 launcher
tck="$(getconf CLK_TCK)"
i=0
for side in "${SIDES[@]}"; do
  i=$((i + 1))
  dir="${!i}"
  paced="$(for f in "$WORK"/paced-"$side"-*.out; do [ -f "$f" ] || continue; tail -n 1 "$f" | awk '{ for (k = 1; k < NF; k++) if ($k == "p99") print $(k + 1) }'; done | sort -n | awk '{ a[NR] = $1 } END { print NR ? a[int((NR + 1) / 2)] : "-" }')"
  cat "$WORK"/"$side"-*.run | python3 -c "
import sys, statistics as st
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
rps = [r[0] for r in rows]; secs = $SECONDS_PER_RUN; tck = $tck
med = lambda xs: st.median(xs)
print('%-4s %8.0f %8.1f %12.1f %12.1f %12.2f %8.0f %10s  %s' % ('$side', med(rps), med([r[1] for r in rows]),
  med([r[2] / tck / (r[0] * secs) * 1e6 for r in rows]), med([r[3] / tck / (r[0] * secs) * 1e6 for r in rows]),
  med([r[4] / (r[0] * secs) for r in rows]), med([r[5] for r in rows]) / 1024, '$paced', '$dir'))
"
done
BENCH_OK=1
