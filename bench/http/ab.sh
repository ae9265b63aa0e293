#!/usr/bin/env bash
# The HTTP proxy of several commits against each other and against nginx -> nginx echo module, in
# one run, interleaved: each commit is built in a temp worktree (package, never install), each gets
# its own runtime (--role all, http-echo with 2 workers, access log as that commit has it by
# default), one nginx serves the baseline; after a warm-up of every side, each round runs every side
# once (wrk -t2 -c64, POST 1 KiB, keep-alive), in an order that alternates round by round. Prints the
# median of the rounds per side (req/s, p50, p99, server CPU per request from /proc) and its ratio
# to nginx. For "what did this step gain": bench/http/ab.sh main HEAD~1 HEAD
# Usage: bench/http/ab.sh REV [REV...]   (env: ROUNDS=3 SECONDS_PER_RUN=10 WARMUP=15 CONNECTIONS=64
#   THREADS=2 BODY=1024 PROXY_TIMEOUT=5s; KEEP_TREES=1 keeps the worktrees in the temp dir;
#   CONF_<n>="hocon" adds settings to the n-th side's runtime, e.g. two sides of one commit:
#   CONF_2="cocaine.proxy.pool-size = 4" bench/http/ab.sh HEAD HEAD)
source "$(dirname "$0")/lib.sh"
need_nginx_echo
[ $# -ge 1 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
ROUNDS="${ROUNDS:-3}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-10}"
WARMUP="${WARMUP:-15}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
BODY="${BODY:-1024}"
PROFILE='{"pool-limit": 2, "concurrency": 64, "queue-limit": 1000, "heartbeat-timeout": 30,
  "handshake-timeout": 20, "terminate-timeout": 5}'
HERE_ROOT="$ROOT"
BASE="$WORK"
TREES=()
OTHER_RUNTIMES=()
stop_all() {
  local p
  for p in "${OTHER_RUNTIMES[@]}"; do
    pkill -TERM -P "$p" 2>/dev/null || true
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${OTHER_RUNTIMES[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  WORK="$BASE"
  if [ -z "${KEEP_TREES:-}" ]; then
    for t in "${TREES[@]}"; do git -C "$HERE_ROOT" worktree remove --force "$t" 2>/dev/null || true; done
  fi
}
trap 'rc=$?; stop_all; (exit $rc); cleanup' EXIT

declare -A URL PIDS_OF
SIDES=()
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
  [ -n "$RT_PID" ] && OTHER_RUNTIMES+=("$RT_PID")
  ROOT="$tree"
  APPS="$tree/examples/target/apps"
  WORK="$BASE/rt-$i"
  mkdir -p "$WORK"
  conf_var="CONF_$i"
  start_runtime "cocaine.proxy.timeout = ${PROXY_TIMEOUT:-5s}
${!conf_var:-}"
  [ -n "${!conf_var:-}" ] && side="$side+conf"
  deploy_app http-echo "$APPS/http-echo" "$PROFILE"
  URL[$side]="http://127.0.0.1:$PROXY_PORT/http-echo/echo"
  PIDS_OF[$side]="$RT_PID"
  [ -n "${!conf_var:-}" ] && log "side $side: ${!conf_var}"
  await_http -d hi "${URL[$side]}"
  SIDES+=("$side")
done
ROOT="$HERE_ROOT"
WORK="$BASE"

FRONT_PORT="$(free_port)"
start_nginx_echo "  server {
    listen 127.0.0.1:$FRONT_PORT;
    access_log $WORK/nginx/logs/access.log combined buffer=64k flush=1s;
    location / { proxy_pass http://echo; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }"
URL[nginx]="http://127.0.0.1:$FRONT_PORT/echo"
PIDS_OF[nginx]="$NGINX_PID"
await_http -d hi "${URL[nginx]}"
SIDES+=(nginx)

cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = string.rep("x", $BODY)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA
ticks() {
  local root="${PIDS_OF[$1]}" p sum=0
  for p in $root $(pgrep -P "$root" || true); do
    [ -r "/proc/$p/stat" ] || continue
    sum=$((sum + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
  done
  echo "$sum"
}
run() {
  local before after
  before="$(ticks "$1")"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${3}s" --timeout 10s --latency -s "$WORK/post.lua" "${URL[$1]}" \
    >"$WORK/$2.wrk"
  after="$(ticks "$1")"
  echo $((after - before)) >"$WORK/$2.ticks"
}
name() { echo "${1//:/_}"; }

for side in "${SIDES[@]}"; do
  log "$side: warm-up ${WARMUP}s"
  run "$side" "warmup-$(name "$side")" "$WARMUP"
done
for r in $(seq 1 "$ROUNDS"); do
  order=("${SIDES[@]}")
  if [ $((r % 2)) = 0 ]; then
    order=()
    for ((k = ${#SIDES[@]} - 1; k >= 0; k--)); do order+=("${SIDES[$k]}"); done
  fi
  for side in "${order[@]}"; do
    log "round $r/$ROUNDS: $side"
    run "$side" "$(name "$side")-$r" "$SECONDS_PER_RUN"
  done
done

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s --latency, POST ${BODY} B, keep-alive, access logs on, median of $ROUNDS interleaved rounds after ${WARMUP}s warm-up ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
names=()
for side in "${SIDES[@]}"; do names+=("$(name "$side")"); done
python3 - "$WORK" "$(getconf CLK_TCK)" "$ROUNDS" "${names[@]}" <<'PY'
import re, statistics, sys
work, hz, rounds, sides = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
def parse(name):
    text = open(f"{work}/{name}.wrk").read()
    n = int(re.search(r"(\d+) requests in", text).group(1))
    def pct(q):
        m = re.search(rf"^\s*{q}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    errs = re.search(r"Socket errors:\s*(.*)", text)
    return dict(rps=float(re.search(r"Requests/sec:\s*([\d.]+)", text).group(1)), p50=pct(50), p99=pct(99),
                us=int(open(f"{work}/{name}.ticks").read()) / hz * 1e6 / max(n, 1),
                errors=(errs.group(1) if errs else "") + (f" non-2xx {bad.group(1)}" if bad else ""))
med = {}
print(f"{'side':14} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>10} {'vs nginx':>9}  runs (req/s)  errors")
runs = {s: [parse(f"{s}-{r}") for r in range(1, rounds + 1)] for s in sides}
for s in sides:
    med[s] = {k: statistics.median(x[k] for x in runs[s]) for k in ("rps", "p50", "p99", "us")}
for s in sides:
    m = med[s]
    print(f"{s:14} {m['rps']:9.0f} {m['p50']:8.2f} {m['p99']:8.2f} {m['us']:10.0f} {m['rps'] / med['nginx']['rps']:8.3f}x  "
          + " ".join(f"{x['rps']:.0f}" for x in runs[s]) + "  " + ("; ".join(x["errors"] for x in runs[s] if x["errors"]) or "none"))
PY
BENCH_OK=1
