#!/usr/bin/env bash
# A/B of the runtime's default dispatcher, same build, same machine, interleaved (A B B A ...).
# It decided session 5's removal of the event loops (docs/design.md, "Transport"); since then A is the
# fork-join default too, so to repeat that comparison run it on c95a513, the last commit with them.
# For a new candidate, change the B block below.
#   A: the runtime's configured dispatcher (runtime/src/main/resources/application.conf)
#   B: Pekko's fork-join executor with 2 threads (the best fork-join setting measured before the event
#      loops: 8 threads cost 2.8x the CPU a request); sockets then wait on the shared selector thread
# Each round runs bench/load/enqueue.sh (64 x 4 only) and bench/http/wrk.sh once per side and prints
# one line per run; the end prints the medians.
# Usage: bench/ab/dispatcher.sh [ROUNDS]   (default 5; env as for the two benches)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rounds=${1:-5}
fork_join='pekko.actor.default-dispatcher { executor = "fork-join-executor",
  fork-join-executor { parallelism-min = 2, parallelism-factor = 1.0, parallelism-max = 2 } }'
out=$(mktemp -d /tmp/cocaine-ab.XXXXXX)
results="$out/results.tsv"
printf 'round\tside\tenqueue_rps\tenqueue_ratio\tserver_us\thttp_rps\thttp_p99_ms\n' >"$results"

one() { # one ROUND SIDE
  local conf=""
  [ "$2" = B ] && conf="$fork_join"
  RT_EXTRA_CONF="$conf" CONFIGS=64x4 WARMUP="${WARMUP:-10}" SECONDS_PER_ROW="${SECONDS_PER_ROW:-10}" \
    bash "$here/../load/enqueue.sh" >"$out/enqueue-$1-$2.out" 2>&1
  RT_EXTRA_CONF="$conf" WARMUP="${WARMUP:-10}" SECONDS_PER_SIDE="${SECONDS_PER_SIDE:-10}" \
    bash "$here/../http/wrk.sh" >"$out/wrk-$1-$2.out" 2>&1
  # enqueue's row: | runtime + echo app | 64 x 4 | req/s | p50 | p99 | ratio | server CPU us/req |
  local row http
  row=$(grep -m1 'runtime + echo app.*64 x 4' "$out/enqueue-$1-$2.out" | tr -d ',*x' | awk -F'|' '{print $4 "\t" $10 "\t" $11}')
  http=$(awk '$1 == "proxy" { print $2 "\t" $4 }' "$out/wrk-$1-$2.out")
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$row" "$http" | tr -s ' ' | tee -a "$results"
}

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
log "A = event loops, B = fork-join x2; $rounds rounds, outputs in $out; load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then one "$r" A; one "$r" B; else one "$r" B; one "$r" A; fi
done
python3 - "$results" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
for side in "AB":
    r = [x for x in rows if x["side"] == side]
    med = lambda k: statistics.median(float(x[k]) for x in r if x[k].strip())
    print(f"{side}: enqueue {med('enqueue_rps'):.0f} req/s ({med('enqueue_ratio'):.3f}x of the frame server),"
          f" server CPU {med('server_us'):.1f} us/req; HTTP proxy {med('http_rps'):.0f} req/s, p99 {med('http_p99_ms'):.1f} ms"
          f"  (medians of {len(r)})")
PY
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); outputs in $out"
