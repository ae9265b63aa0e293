#!/usr/bin/env bash
# Docker worker cold start and git-push deploy time, in one run on the shared daemon and registry:
#  - deploy: `git push` of the http-echo example (Dockerfile FROM the local base image) to the
#    builder of a `--role all` runtime, timed from the push's start to the first answer of curl
#    through the HTTP proxy (build, push to the registry, store, start, container spawn, JVM start);
#  - cold (bench/load's coldstart client, --docker-node): the echo example, also deployed by git push;
#    RUNS times start_app, no container of the node left, then enqueue("ping") straight to the app
#    timed to the first reply chunk: the node creates and starts a container, the JVM in it starts,
#    connects and handshakes, the echo answers; then pause_app and wait until no container is left;
#  - bare: alternated with cold, `docker run --rm IMAGE /app/run.sh` of the same image without
#    arguments on the default bridge network, as the isolate's default (container create, start,
#    attach, remove + the same JVM start; the worker refuses the missing argv and exits 2).
# Reports medians and the difference (target: cold within +300 ms of bare).
# Usage: bench/docker/coldstart.sh   (env: RUNS=7; needs scripts/docker.sh start, scripts/registry.sh
# start and the base image of scripts/base-image.sh in the registry)
source "$(dirname "$0")/../load/lib.sh"
build_bench
APP_SRC="$ROOT/examples/target/apps/http-echo"
BASE=${BASE_IMAGE:-127.0.0.1:5000/cocaine/jre:17}
RUNS=${RUNS:-7}

docker_cleanup() {
  local rc=$?
  set +e # a failing command here must not end the trap before cleanup has stopped the runtime
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

mkdir -p "$WORK/builder"
ssh-keygen -q -t ecdsa -N "" -f "$WORK/key"
printf 'apps="http-echo,echo" %s\n' "$(cat "$WORK/key.pub")" >"$WORK/builder/authorized_keys"  # the apps it pushes
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

# the echo example as a second app (its `ping` is what the cold-start client sends)
echo_src="$WORK/echo"
cp -r "$ROOT/examples/target/apps/echo" "$echo_src"
printf 'FROM %s\nWORKDIR /app\nCOPY . /app/\n' "$BASE" >"$echo_src/Dockerfile"
echo '{"manifest": {"slave": "/app/run.sh"}, "profile": {"pool-limit": 1, "handshake-timeout": 30}}' >"$echo_src/cocaine.json"
git -C "$echo_src" init -q -b main . && git -C "$echo_src" add -A && git -C "$echo_src" commit -qm bench
git -C "$echo_src" push -q "ssh://ape@127.0.0.1:$SSH_PORT/echo.git" main >"$WORK/push-echo.out" 2>&1 \
  || { cat "$WORK/push-echo.out" >&2; exit 1; }
echo_image="127.0.0.1:5000/echo:$(git -C "$echo_src" rev-parse --short=7 HEAD)"
cli app stop -n http-echo >/dev/null # one app's containers at a time

log "measuring ($RUNS runs each, alternated)"
bench coldstart --locator-port "$LOCATOR_PORT" --app echo --profile echo --runs "$RUNS" \
  --docker-node "$WORK/run" --bare-command "docker run --rm $echo_image /app/run.sh"
echo
echo "| deploy of http-echo (one run) | ms |"
echo "|---|---:|"
echo "| \`git push\` returned (check, build, push, store, start) | $((t_pushed - t0)) |"
echo "| \`git push\` start -> first answer of curl through the proxy | **$((t_answer - t0))** |"
echo
runtime_report
BENCH_OK=1
