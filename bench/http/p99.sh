#!/usr/bin/env bash
# What the paced run's slow requests line up with: one runtime (--role all) proxying to http-echo (2
# workers); every JVM (runtime, workers, the paced client) logs its GC pauses, safepoints and JIT
# compiles on the monotonic clock, and the client prints each request slower than SLOW ms with its due
# time on the same clock. Slow requests less than 20 ms apart make one episode; each episode is listed
# with the pauses (over 0.1 ms) that began from 10 ms before it to its end and the compiles of each JVM
# from 50 ms before it, and a summary counts the slow requests whose episode had a pause of the
# runtime, of a worker, or neither. Printing the slow requests costs the client too: the p99 of this
# script is not the benchmark's (wrk.sh's paced run prints nothing). Session 12 in README.md.
# Usage: bench/http/p99.sh   (env: WARMUP=15 of wrk, PACED_WARMUP=5, SECONDS_PER_RUN=10, PACED_RATE=2000, SLOW=2)
source "$(dirname "$0")/lib.sh"
need wrk wrk
wrk_settings
PACED_WARMUP="${PACED_WARMUP:-5}"
PACED_RATE="${PACED_RATE:-2000}"
SLOW="${SLOW:-2}"
logs() { echo "-Xlog:gc,safepoint:file=$WORK/$1-gc%p.log:timenanos -Xlog:jit+compilation=debug:file=$WORK/$1-jit%p.log:timenanos"; }
export COCAINE_JAVA_OPTS="${COCAINE_JAVA_OPTS:--Xmx512m} $(logs runtime)"
mkdir -p "$WORK/apps"
cp -r "$APPS/http-echo" "$WORK/apps/"
sed -i "s|exec java |exec java $(logs worker) |" "$WORK/apps/http-echo/run.sh"
start_runtime "cocaine.proxy.timeout = 5s"
deploy_app http-echo "$WORK/apps/http-echo" "$PROFILE"
E="http://127.0.0.1:$PROXY_PORT/http-echo/echo"
await_http -d hi "$E"
write_post_lua
log "warm-up ${WARMUP}s (wrk), then paced at $PACED_RATE req/s: ${PACED_WARMUP}s not counted, ${SECONDS_PER_RUN}s counted"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$WORK/post.lua" "$E" >/dev/null
javac -d "$WORK/paced" "$BENCH_DIR/Paced.java"
# shellcheck disable=SC2046
java -Xmx128m $(logs client) -cp "$WORK/paced" -Dwarmup="$PACED_WARMUP" -Dslow="$SLOW" Paced "$E" "$PACED_RATE" \
  "$SECONDS_PER_RUN" "$CONNECTIONS" "$BODY" >"$WORK/paced.out" 2>&1
tail -n 1 "$WORK/paced.out"
python3 - "$WORK" <<'PY'
import bisect, collections, glob, re, sys
work = sys.argv[1]
slow = sorted((float(m.group(2)), float(m.group(1))) for m in
              (re.search(r"slow: ([\d.]+) ms .*monotonic ([\d.]+) s", l) for l in open(f"{work}/paced.out")) if m)
episodes = []  # [first due, last due, requests, slowest ms]
for t, ms in slow:
    if episodes and t - episodes[-1][1] < 0.02:
        e = episodes[-1]; e[1] = t; e[2] += 1; e[3] = max(e[3], ms)
    else:
        episodes.append([t, t, 1, ms])
pauses, compiles = [], collections.defaultdict(list)
for jvm in ("runtime", "worker", "client"):
    for f in glob.glob(f"{work}/{jvm}-gc*.log"):
        for l in open(f):
            m = re.match(r"\[(\d+)ns\] Safepoint \"(\w+)\".*Total: (\d+) ns", l)
            if m and int(m.group(3)) > 100_000:
                total = int(m.group(3)) / 1e9
                pauses.append((int(m.group(1)) / 1e9 - total, jvm, m.group(2), total * 1e3))
    for f in glob.glob(f"{work}/{jvm}-jit*.log"):
        compiles[jvm] += [int(m.group(1)) / 1e9 for m in (re.match(r"\[(\d+)ns\]", l) for l in open(f)) if m]
    compiles[jvm].sort()
def count(jvm, a, b):
    return bisect.bisect(compiles[jvm], b) - bisect.bisect(compiles[jvm], a)
print("logs read: " + ", ".join(f"{j} {sum(1 for p in pauses if p[1] == j)} pauses over 0.1 ms and {len(compiles[j])} compiles"
                             for j in ("runtime", "worker", "client")))
print(f"{len(slow)} requests over the threshold in {len(episodes)} episodes (less than 20 ms apart)")
print(f"{'episode (s)':>24} {'slow':>5} {'max ms':>7}  compiles runtime/worker/client  pauses (ms after the start)")
causes = collections.Counter()
for a, b, n, mx in episodes:
    near = [p for p in pauses if a - 0.01 <= p[0] <= b]
    kinds = {p[1] for p in near}
    causes["runtime pause" if "runtime" in kinds else "worker pause" if "worker" in kinds
           else "client pause" if "client" in kinds else "no pause"] += n
    if n >= 3:
        listed = ", ".join(f"{(p[0] - a) * 1e3:+.1f} {p[1]} {p[2]} {p[3]:.2f}" for p in near)
        print(f"{a:12.3f}-{b:11.3f} {n:5d} {mx:7.1f}  {count('runtime', a - .05, b):7d} {count('worker', a - .05, b):6d}"
              f" {count('client', a - .05, b):6d}   {listed}")
print("slow requests by their episode:", ", ".join(f"{k} {v}" for k, v in causes.most_common()))
PY
BENCH_OK=1
