#!/usr/bin/env bash
# Runs the README's two commands the way a newcomer meets them: a brand-new Debian 12 container that
# has only a JDK 17, git and curl, a fresh clone of this repository's committed HEAD, then
#   scripts/quickstart.sh   (and `curl -d hi .../http-echo/echo` must answer `hi`)
#   scripts/test.sh         (strict: a skipped test fails it)
# and nothing else.
#
#   scripts/fresh-machine-check.sh [--runs N] [--keep] [--timeout SECS] [-- TEST_ARGS...]
#
# --runs N      N runs one after the other, each in a new container (default 1); stops at the first
#               failure
# --keep        leave the last container running for a look inside (docker exec -it NAME bash -l)
# --timeout     limit of one run in seconds (default 3600)
# TEST_ARGS     passed to scripts/test.sh
#
# The host needs debootstrap (installed when missing) and a Docker daemon whose containers reach the
# network (started with DOCKERD_IPTABLES=true scripts/docker.sh when none answers; note that its
# iptables rules set the host's FORWARD policy to DROP, so stop it before running the netns tests on
# the host itself: scripts/docker.sh stop; iptables -P FORWARD ACCEPT). No image registry is used: the root filesystem is made with
# `debootstrap --variant=minbase` from the host's Debian mirror and `docker import`ed, then the JDK is
# added; both images are cached (remove them with `docker rmi cocaine-fresh:12-jdk cocaine-fresh:12`).
# The container may run its own dockerd, network namespaces and nftables (all capabilities but
# CAP_SYS_RESOURCE, which this host refuses). Each run's output goes to target/fresh-machine/run-N.log;
# the script ends with each run's duration and the test summary of the last run.
set -euo pipefail
home="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
runs=1 keep=0 limit=3600 test_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --timeout) limit=$2; shift 2 ;;
    --) shift; test_args=("$@"); break ;;
    *) sed -n '2,22p' "$0" >&2; exit 2 ;;
  esac
done
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
git -C "$home" diff --quiet HEAD 2>/dev/null || echo "note: uncommitted changes are not part of the check (it clones HEAD)" >&2
# The containers reach the Debian mirror and Maven Central through the daemon's NAT (iptables on).
docker info >/dev/null 2>&1 || DOCKERD_IPTABLES=true bash "$home/scripts/docker.sh" start >/dev/null

# The Debian mirror and suites the host's apt uses, so the container reaches what the host reaches.
mirror=$( (grep -h -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
  grep -h -E '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}') | head -1) || true
[ -n "$mirror" ] || { echo "no Debian mirror found in the host's apt sources" >&2; exit 1; }

if ! docker image inspect cocaine-fresh:12 >/dev/null 2>&1; then
  echo "=== building cocaine-fresh:12 (debootstrap --variant=minbase bookworm)"
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q debootstrap >/dev/null
  rootfs=$(mktemp -d /tmp/cocaine-fresh-rootfs.XXXXXX)
  trap '$sudo_cmd rm -rf "$rootfs"' EXIT
  $sudo_cmd debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/tmp/cocaine-fresh-debootstrap.log 2>&1 ||
    { tail -20 /tmp/cocaine-fresh-debootstrap.log >&2; exit 1; }
  $sudo_cmd rm -f "$rootfs/etc/apt/sources.list"
  $sudo_cmd cp /etc/apt/sources.list.d/*.sources "$rootfs/etc/apt/sources.list.d/" 2>/dev/null || true
  [ -f /etc/apt/sources.list ] && $sudo_cmd cp /etc/apt/sources.list "$rootfs/etc/apt/sources.list"
  $sudo_cmd tar -C "$rootfs" -c . | docker import -c 'CMD ["/bin/bash"]' -c 'ENV LANG=C.UTF-8' - cocaine-fresh:12 >/dev/null
  $sudo_cmd rm -rf "$rootfs"
  trap - EXIT
fi
if ! docker image inspect cocaine-fresh:12-jdk >/dev/null 2>&1; then
  echo "=== building cocaine-fresh:12-jdk (openjdk-17-jdk-headless git curl)"
  printf 'FROM cocaine-fresh:12\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y openjdk-17-jdk-headless git curl\n' |
    docker build -t cocaine-fresh:12-jdk - >/tmp/cocaine-fresh-build.log 2>&1 || { tail -20 /tmp/cocaine-fresh-build.log >&2; exit 1; }
fi

logs="$home/target/fresh-machine"
mkdir -p "$logs"
# What the newcomer types, in order; the curl line is the README's own check of the quick start.
commands='scripts/quickstart.sh && test "$(curl -sS -d hi http://127.0.0.1:8080/http-echo/echo)" = hi && echo "=== quick start answers hi" && scripts/test.sh'
for arg in "${test_args[@]}"; do commands+=" $(printf '%q' "$arg")"; done

# One clone for every run, so that all of them check the same commit even if HEAD moves meanwhile.
clone=$(mktemp -d /tmp/cocaine-fresh-clone.XXXXXX)
git clone -q --no-hardlinks "$home" "$clone/cocaine"
commit=$(git -C "$clone/cocaine" rev-parse --short HEAD)
durations=()
for run in $(seq 1 "$runs"); do
  name="cocaine-fresh-$$-$run"
  docker run -d --init --name "$name" --hostname fresh \
    --cap-add=ALL --cap-drop=SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --security-opt systempaths=unconfined -v /sys/fs/cgroup:/sys/fs/cgroup -v /var/lib/docker \
    -e NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt cocaine-fresh:12-jdk sleep infinity >/dev/null
  if [ "$keep" = 1 ] && [ "$run" = "$runs" ]; then
    trap 'rm -rf "$clone"; echo "=== container kept: docker exec -it -w /root/cocaine $name bash -l ; docker rm -f -v $name"' EXIT
  else
    trap 'rm -rf "$clone"; docker rm -f -v "$name" >/dev/null 2>&1' EXIT
  fi
  # A TLS-intercepting proxy's CA (a public certificate) on the host is trusted inside as well.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    docker cp /usr/local/share/ca-certificates/. "$name":/usr/local/share/ca-certificates/
    docker exec "$name" update-ca-certificates >/dev/null 2>&1 || true
  fi
  docker cp "$clone/cocaine" "$name":/root/cocaine
  echo "=== run $run/$runs in $name ($commit): $commands"
  start=$SECONDS
  set +e
  docker exec -w /root/cocaine "$name" timeout -k 10 "$limit" bash -lc "$commands" 2>&1 | tee "$logs/run-$run.log"
  rc=${PIPESTATUS[0]}
  set -e
  durations+=("run $run: exit $rc after $((SECONDS - start)) s")
  echo "=== ${durations[-1]}"
  if [ "$keep" != 1 ] || [ "$run" != "$runs" ]; then
    docker rm -f -v "$name" >/dev/null 2>&1
    trap 'rm -rf "$clone"' EXIT
  fi
  [ "$rc" = 0 ] || break
done
echo "=== fresh-machine check of $commit, load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %s\n' "${durations[@]}"
[ "$rc" = 0 ]
