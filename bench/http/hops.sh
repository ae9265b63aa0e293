#!/usr/bin/env bash
# What a request costs the runtime in thread hand-offs and system calls, counted rather than timed
# (so it holds on a loaded machine): one runtime (--role all) proxying to http-echo (2 workers),
# access log off; after a warm-up, one wrk run (-t2 -c64, POST 1 KiB, keep-alive) with the
# runtime's context switches (/proc/PID/task/*/status) and read/write system calls (/proc/PID/io)
# before and after, divided by the requests wrk made: per thread group and in total, with the CPU
# a request. STRACE=1 adds a second run under `strace -c -f` (slow; only its counts a request hold).
# Usage: bench/http/hops.sh   (env: SECONDS_PER_RUN=10 WARMUP=15 STRACE=)
source "$(dirname "$0")/lib.sh"
need wrk wrk
wrk_settings
start_runtime "cocaine.proxy.timeout = 5s
cocaine.proxy.access-log.enabled = off"
deploy_app http-echo "$APPS/http-echo" "$PROFILE"
E="http://127.0.0.1:$PROXY_PORT/http-echo/echo"
await_http -d hi "$E"
write_post_lua
log "warm-up ${WARMUP}s"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$WORK/post.lua" "$E" >/dev/null

# tid, context switches, CPU ticks, thread name (spaces as _) of every thread of the runtime
threads() {
  local t
  for t in /proc/"$RT_PID"/task/*; do
    echo "${t##*/} $(awk '/^voluntary_ctxt/{v=$2} /^nonvoluntary_ctxt/{n=$2} END{print v+n}' "$t/status") \
$(awk '{print $14+$15}' "$t/stat") $(tr ' ' _ <"$t/comm")"
  done
}
syscalls() { awk '/^syscr|^syscw/{printf "%s ", $2}' /proc/"$RT_PID"/io; }

threads >"$WORK/before.txt"; io_before="$(syscalls)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -s "$WORK/post.lua" "$E" >"$WORK/run.wrk"
threads >"$WORK/after.txt"; io_after="$(syscalls)"
python3 - "$WORK" "$(awk '/requests in/{print $1}' "$WORK/run.wrk")" "$(getconf CLK_TCK)" \
  "$io_before" "$io_after" <<'PY'
import collections, re, sys
work, n, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
before = {l.split()[0]: l.split() for l in open(f"{work}/before.txt")}
groups = collections.defaultdict(lambda: [0, 0])
for line in open(f"{work}/after.txt"):
    tid, ctx, ticks, name = line.split()
    if tid in before:
        g = groups[re.sub(r"[-_#0-9]+$", "", name)]
        g[0] += int(ctx) - int(before[tid][1])
        g[1] += int(ticks) - int(before[tid][2])
print(f"requests {n} in one run; a request costs the runtime:")
print(f"{'threads':34s} {'switches':>9s} {'CPU us':>8s}")
for name, (ctx, ticks) in sorted(groups.items(), key=lambda kv: -kv[1][0])[:10]:
    print(f"{name:34s} {ctx / n:9.2f} {ticks * 1e6 / hz / n:8.0f}")
total = [sum(g[0] for g in groups.values()), sum(g[1] for g in groups.values())]
a, b = [int(x) for x in sys.argv[4].split()], [int(x) for x in sys.argv[5].split()]
print(f"{'all':34s} {total[0] / n:9.2f} {total[1] * 1e6 / hz / n:8.0f}   "
      f"read calls {(b[0] - a[0]) / n:.2f}, write calls {(b[1] - a[1]) / n:.2f}")
PY
if [ -n "${STRACE:-}" ]; then
  wrk -t"$THREADS" -c"$CONNECTIONS" -d6s -s "$WORK/post.lua" "$E" >"$WORK/strace.wrk" &
  wrk_pid=$!
  timeout -s INT 6 strace -c -f -p "$RT_PID" -o "$WORK/strace.txt" 2>/dev/null || true
  wait "$wrk_pid"
  n="$(awk '/requests in/{print $1}' "$WORK/strace.wrk")"
  echo "under strace ($n requests): system calls a request"
  awk -v n="$n" 'NR > 2 && $4 + 0 > 0 { printf "  %-16s %6.2f\n", $NF, $4 / n }' "$WORK/strace.txt" \
    | sort -k2 -nr | head -12
fi
BENCH_OK=1
