#!/usr/bin/env bash
# A/B of two commits of the runtime, same machine, interleaved (A B B A ...): a refactor's "no worse"
# check (issue 15's before/after figures came from it).
#   A, B: git revisions; each is checked out in a temp worktree and built there (package, never
#         install, so ~/.m2 keeps this checkout's jars); the bench clients are this checkout's
# Each round runs bench/load/enqueue.sh (64 x 4 only) and bench/http/wrk.sh once per side, each from
# its own tree, prints one line per run, and the end prints the medians.
# Usage: bench/ab/commits.sh A_REV B_REV [ROUNDS]   (default 5; env as for the two benches)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ $# -ge 2 ] || { sed -n '2,8p' "$0" >&2; exit 2; }
rev_a=$(git -C "$root" rev-parse --short "$1")
rev_b=$(git -C "$root" rev-parse --short "$2")
rounds=${3:-5}
out=$(mktemp -d /tmp/cocaine-ab.XXXXXX)
results="$out/results.tsv"
printf 'round\tside\tenqueue_rps\tenqueue_ratio\tserver_us\thttp_rps\thttp_p99_ms\n' >"$results"

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

cleanup() {
  for side in A B; do
    git -C "$root" worktree remove --force "$out/tree-$side" 2>/dev/null || true
  done
}
trap cleanup EXIT

for side in A B; do
  rev=$rev_a; [ "$side" = B ] && rev=$rev_b
  log "building $side = $rev in $out/tree-$side"
  git -C "$root" worktree add --detach -q "$out/tree-$side" "$rev"
  (cd "$out/tree-$side" && ./mvnw -B -q -o -DskipTests package >"$out/build-$side.log" 2>&1) \
    || { echo "build of $rev failed: $out/build-$side.log" >&2; exit 1; }
done

one() { # one ROUND SIDE
  local tree="$out/tree-$2"
  # the bench client jar is built from this checkout (it only needs the client SDK)
  mkdir -p "$tree/bench/load/target"
  cp -f "$root/bench/load/target/cocaine-load.jar" "$tree/bench/load/target/" 2>/dev/null || true
  CONFIGS=64x4 WARMUP="${WARMUP:-10}" SECONDS_PER_ROW="${SECONDS_PER_ROW:-10}" \
    bash "$tree/bench/load/enqueue.sh" >"$out/enqueue-$1-$2.out" 2>&1
  WARMUP="${WARMUP:-10}" SECONDS_PER_SIDE="${SECONDS_PER_SIDE:-10}" \
    bash "$tree/bench/http/wrk.sh" >"$out/wrk-$1-$2.out" 2>&1
  # enqueue's row: | runtime + echo app | 64 x 4 | req/s | p50 | p99 | ratio | server CPU us/req |
  local row http
  row=$(grep -m1 'runtime + echo app.*64 x 4' "$out/enqueue-$1-$2.out" | tr -d ',*x' | awk -F'|' '{print $4 "\t" $10 "\t" $11}')
  http=$(awk '$1 == "proxy" { print $2 "\t" $4 }' "$out/wrk-$1-$2.out")
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$row" "$http" | tr -s ' ' | tee -a "$results"
}

(cd "$root/bench/load" && "$root/mvnw" -B -q -o package) # the shared client jar
log "A = $rev_a, B = $rev_b; $rounds rounds, outputs in $out; load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then one "$r" A; one "$r" B; else one "$r" B; one "$r" A; fi
done
python3 - "$results" "$rev_a" "$rev_b" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
for side, rev in zip("AB", sys.argv[2:4]):
    r = [x for x in rows if x["side"] == side]
    med = lambda k: statistics.median(float(x[k]) for x in r if x[k].strip())
    print(f"{side} ({rev}): enqueue {med('enqueue_rps'):.0f} req/s ({med('enqueue_ratio'):.3f}x of the frame server),"
          f" server CPU {med('server_us'):.1f} us/req; HTTP proxy {med('http_rps'):.0f} req/s, p99 {med('http_p99_ms'):.1f} ms"
          f"  (medians of {len(r)})")
PY
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); outputs in $out"
