#!/usr/bin/env bash
# Docker worker cold start and git-push deploy time, in one run on the shared daemon and registry:
#  - deploy: `git push` of the http-echo example (Dockerfile FROM the local base image) to the
#    builder of a `--role all` runtime, timed from the push's start to the first answer of curl
#    through the HTTP proxy (build, push to the registry, store, start, container spawn, JVM start);
#  - cold: RUNS times, `app stop` + `app start` and no container of the app left, then one request
#    through the proxy (an enqueue on an empty pool) timed to its reply: the node creates and starts
#    a container, the JVM in it starts, connects and handshakes, the echo answers;
#  - bare: alternated with cold, `docker run --rm --network none IMAGE /app/run.sh` of the same image
#    without arguments (container create/start/attach/remove + the same JVM start, exit 2).
# Reports medians and the difference (target: cold within +300 ms of bare).
# Usage: bench/docker/coldstart.sh   (env: RUNS=7; needs scripts/docker.sh start, scripts/registry.sh
# start and the base image of scripts/base-image.sh in the registry)
source "$(dirname "$0")/../load/lib.sh"
APP_SRC="$ROOT/examples/target/apps/http-echo"
BASE=${BASE_IMAGE:-127.0.0.1:5000/cocaine/jre:17}
RUNS=${RUNS:-7}

docker_cleanup() {
  local rc=$?
  for id in $(docker ps -aq --filter "label=cocaine.node=$WORK/run" 2>/dev/null); do
    docker rm -f "$id" >/dev/null 2>&1
  done
  (exit $rc)
  cleanup
}
trap docker_cleanup EXIT

docker info >/dev/null 2>&1 || { echo "no Docker daemon: scripts/docker.sh start" >&2; exit 2; }
curl -fsS -o /dev/null --max-time 2 http://127.0.0.1:5000/v2/ || { echo "no registry: scripts/registry.sh start" >&2; exit 2; }
docker image inspect "$BASE" >/dev/null 2>&1 || docker pull -q "$BASE" >/dev/null \
  || { echo "no base image $BASE: scripts/base-image.sh" >&2; exit 2; }
[ -d "$APP_SRC/lib" ] || { echo "examples not built: ./mvnw -B -q -o -DskipTests install" >&2; exit 2; }

ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

mkdir -p "$WORK/builder"
ssh-keygen -q -t ecdsa -N "" -f "$WORK/key"
cp "$WORK/key.pub" "$WORK/builder/authorized_keys"
SSH_PORT=$(free_port)
RT_EXTRA_CONF="cocaine.builder { port = $SSH_PORT, data = \"$WORK/builder\" }"
start_runtime
PROXY_PORT=$(sed -n 's/.*proxy { host = "127.0.0.1", port = \([0-9]*\) }.*/\1/p' "$WORK/runtime.conf")
for _ in $(seq 1 300); do grep -q "role builder" "$WORK/runtime.log" && break; sleep 0.1; done
grep -q "role builder ready" "$WORK/runtime.log" || { grep "role builder" "$WORK/runtime.log" >&2; exit 1; }

src="$WORK/http-echo"
cp -r "$APP_SRC" "$src"
printf 'FROM %s\nWORKDIR /app\nCOPY . /app/\n' "$BASE" >"$src/Dockerfile"
echo '{"manifest": {"slave": "/app/run.sh"}, "profile": {"pool-limit": 1, "handshake-timeout": 30}}' >"$src/cocaine.json"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
export GIT_SSH_COMMAND="ssh -i $WORK/key -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
git -C "$src" init -q -b main . && git -C "$src" add -A && git -C "$src" commit -qm bench
version=$(git -C "$src" rev-parse --short=7 HEAD)
image="127.0.0.1:5000/http-echo:$version"

url="http://127.0.0.1:$PROXY_PORT/http-echo/echo"
answer() { # until the app answers (bounded), prints nothing; fails after 60 s
  for _ in $(seq 1 600); do
    [ "$(curl -s -m 30 --data-binary ping "$url")" = ping ] && return 0
    sleep 0.1
  done
  echo "http-echo did not answer through the proxy within 60 s" >&2
  return 1
}

log "deploy: git push of http-echo $version"
t0=$(ms)
git -C "$src" push -q "ssh://ape@127.0.0.1:$SSH_PORT/http-echo.git" main >"$WORK/push.out" 2>&1 \
  || { cat "$WORK/push.out" >&2; exit 1; }
t_pushed=$(ms)
answer
t_answer=$(ms)

containers() { docker ps -aq --filter "label=cocaine.node=$WORK/run" --filter "label=cocaine.app=http-echo"; }
cold=() bare=()
log "measuring ($RUNS runs each, alternated)"
for i in $(seq 1 "$RUNS"); do
  cli app stop -n http-echo >/dev/null
  for _ in $(seq 1 300); do [ -z "$(containers)" ] && break; sleep 0.1; done
  [ -z "$(containers)" ] || { echo "containers of http-echo left after stop" >&2; exit 1; }
  cli app start -n http-echo -r http-echo >/dev/null
  t=$(ms)
  out=$(curl -s -m 30 --data-binary "cold $i" "$url")
  cold+=($(( $(ms) - t )))
  [ "$out" = "cold $i" ] || { echo "cold run $i answered '$out'" >&2; exit 1; }

  t=$(ms)
  set +e
  docker run --rm --network none "$image" /app/run.sh >/dev/null 2>&1
  rc=$?
  set -e
  bare+=($(( $(ms) - t )))
  [ "$rc" = 2 ] || { echo "bare docker run exited $rc, expected 2 (no --protocol)" >&2; exit 1; }
done

cold_med=$(printf '%s\n' "${cold[@]}" | median)
bare_med=$(printf '%s\n' "${bare[@]}" | median)
echo
echo "| measure ($RUNS runs) | median ms | all ms |"
echo "|---|---:|---|"
echo "| bare \`docker run --rm --network none IMAGE /app/run.sh\` (JVM start, exit 2) | $bare_med | ${bare[*]} |"
echo "| enqueue on an empty docker pool -> first reply (curl through the proxy) | $cold_med | ${cold[*]} |"
echo "| difference of the medians (target <= +300) | **$(printf '%+d' $((cold_med - bare_med)))** | |"
echo "| deploy: \`git push\` returned | $((t_pushed - t0)) | |"
echo "| deploy: \`git push\` start -> first answer through the proxy | **$((t_answer - t0))** | |"
echo
runtime_report
BENCH_OK=1
