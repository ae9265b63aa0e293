#!/usr/bin/env bash
# The HTTP proxy of several commits against each other and against nginx -> nginx echo module, in
# one run, interleaved: each commit is built in a temp worktree (package, never install), each gets
# its own runtime (--role all, http-echo with 2 workers, access log as that commit has it by
# default), one nginx serves the baseline; after a warm-up of every side, each round runs every side
# once (wrk -t2 -c64, POST 1 KiB, keep-alive), in an order that alternates round by round. Prints the
# median of the rounds per side (req/s, p50, p99, server CPU per request from /proc) and its ratio
# to nginx. For "what did this step gain": bench/http/ab.sh main HEAD~1 HEAD
# Usage: bench/http/ab.sh REV [REV...]   (env: ROUNDS=3 SECONDS_PER_RUN=10 WARMUP=15 CONNECTIONS=64
#   THREADS=2 BODY=1024 PROXY_TIMEOUT=5s; PACED_RUNS=0 paced runs per side after the rounds, at PACED_RATE=2000; KEEP_TREES=1 keeps the worktrees in the temp dir;
#   CONF_<n>="hocon" adds settings to the n-th side's runtime, e.g. two sides of one commit:
#   CONF_2="cocaine.proxy.pool-size = 4" bench/http/ab.sh HEAD HEAD)
source "$(dirname "$0")/lib.sh"
need_nginx_echo
[ $# -ge 1 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
wrk_settings
HERE_ROOT="$ROOT"
TREES=()
stop_all() {
  stop_other_runtimes
  if [ -z "${KEEP_TREES:-}" ]; then
    for t in "${TREES[@]}"; do git -C "$HERE_ROOT" worktree remove --force "$t" 2>/dev/null || true; done
  fi
}
trap 'rc=$?; set +e; stop_all; (exit $rc); cleanup' EXIT # set +e: a failed run must still reach cleanup

i=0
for rev in "$@"; do
  i=$((i + 1))
  short="$(git -C "$HERE_ROOT" rev-parse --short "$rev")"
  side="$i:$short"
  tree="$BASE/tree-$i"
  log "building $rev ($short) in $tree"
  git -C "$HERE_ROOT" worktree add --detach -q "$tree" "$rev"
  TREES+=("$tree")
  (cd "$tree" && nice -n 5 ./mvnw -B -q -o -DskipTests package >"$BASE/build-$i.log" 2>&1) \
    || { echo "build of $rev failed: $BASE/build-$i.log" >&2; exit 1; }
  ROOT="$tree"
  APPS="$tree/examples/target/apps"
  WORK="$BASE/rt-$i"
  mkdir -p "$WORK"
  conf_var="CONF_$i"
  [ -n "${!conf_var:-}" ] && side="$side+conf"
  add_proxy_side "$side" "cocaine.proxy.timeout = ${PROXY_TIMEOUT:-5s}
${!conf_var:-}"
  [ -n "${!conf_var:-}" ] && log "side $side: ${!conf_var}"
done
ROOT="$HERE_ROOT"
WORK="$BASE"

add_nginx_side

write_post_lua
interleaved_rounds
PACED_RATE="${PACED_RATE:-2000}"
[ "${PACED_RUNS:-0}" = 0 ] || paced_runs
echo
if [ "$ROUNDS" != 0 ]; then # ROUNDS=0: the warm-ups and the paced runs only
  echo "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s --latency, POST ${BODY} B, keep-alive, access logs on, median of $ROUNDS interleaved rounds after ${WARMUP}s warm-up ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
  rounds_table
fi
paced_summary
BENCH_OK=1
