#!/usr/bin/env bash
# The runtime of this build under several JVM option sets against each other and nginx -> nginx echo,
# one run, interleaved: OPTS_1, OPTS_2, ... each start a runtime (--role all, http-echo with 2
# workers) with COCAINE_JAVA_OPTS="-Xmx512m $OPTS_n", logging its GC with survivor ages to
# $OUT/gc-n.log; then ROUNDS wrk rounds and PACED_RUNS paced runs per side at 2,000 req/s, with
# the medians and ratios of wrk.sh. For "does this GC or JIT flag change the paced p99" (session 13).
# Usage: OPTS_1=" " OPTS_2="-XX:MaxTenuringThreshold=1" PACED_RUNS=5 bench/http/jvm.sh
#   (env: OUT=temp dir of the GC logs, and wrk.sh's settings: ROUNDS=3 wrk rounds, ...)
source "$(dirname "$0")/lib.sh"
need_nginx_echo
wrk_settings
OUT="${OUT:-$WORK/gc}"; mkdir -p "$OUT"
trap 'rc=$?; set +e; stop_other_runtimes; (exit $rc); cleanup' EXIT # set +e: a failed run must still reach cleanup
i=0
while :; do
  i=$((i+1)); v="OPTS_$i"; [ -n "${!v:-}" ] || break
  WORK="$BASE/rt-$i"; mkdir -p "$WORK"
  export COCAINE_JAVA_OPTS="-Xmx512m ${!v} -Xlog:gc,gc+age=trace:file=$OUT/gc-$i.log:uptimenanos"
  add_proxy_side "$i" "cocaine.proxy.timeout = 5s"
done
WORK="$BASE"
add_nginx_side
write_post_lua

interleaved_rounds
PACED_RATE="${PACED_RATE:-2000}"
PACED_RUNS="${PACED_RUNS:-3}"
paced_runs
rounds_table
paced_summary
for s in "${SIDES[@]}"; do [ "$s" = nginx ] || { v="OPTS_$s"; echo "side $s: ${!v}"; }; done
echo "GC logs: $OUT (KEEP_WORK=1 keeps them)"
# per side: the young pauses of its last 60 s (paced load is a quarter of that per side with three
# sides and nginx) and the survivors of its last young GC by age
python3 - "$OUT" <<'PY'
import glob, re, statistics, sys
for f in sorted(glob.glob(sys.argv[1] + "/gc-*.log")):
    pauses, ages = [], {}
    for l in open(f):
        m = re.search(r"\[(\d+)ns\].*GC\((\d+)\) Pause Young.* ([\d.]+)ms", l)
        if m:
            pauses.append((int(m.group(1)) / 1e9, float(m.group(3))))
        m = re.search(r"GC\((\d+)\) - age +(\d+): +(\d+) bytes", l)
        if m:
            ages.setdefault(int(m.group(1)), {})[int(m.group(2))] = int(m.group(3))
    if not pauses:
        continue
    last = [ms for t, ms in pauses if t > pauses[-1][0] - 60]
    line = f"{f.rsplit('/', 1)[1]}: {len(last)} young pauses in the last 60 s, median {statistics.median(last):.2f} ms, max {max(last):.2f} ms"
    if ages:
        a = ages[max(ages)]
        line += f"; survivors {sum(a.values()) / 1e6:.2f} MB, of them age 1 {a.get(1, 0) / 1e6:.2f} MB"
    print(line)
PY
BENCH_OK=1
