#!/usr/bin/env bash
# Sets up and runs every test: unit tests of each module and the multi-process it-tests, against the
# real components (ZooKeeper, nftables in network namespaces, IPVS in a booted kernel, dockerd and a
# registry, git over ssh, OpenSearch, Elasticsearch, Chromium).
#
#   scripts/test.sh [--allow-skips] [MAVEN_ARGS...]
#
# Strict by default: a test that is skipped or aborted (a missing component, an assumption) fails the
# run, as does a real component that no passing test used. --allow-skips accepts skips and ends with
# the list of what was skipped and why. MAVEN_ARGS go to `./mvnw -B verify` (e.g. -pl streams -am
# -Dtest=ClientConnectionTest); with them, the component check is off. The run ends with a summary:
# tests per module and, for each real component, how many passing tests used it
# (scripts/test-summary.py).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
summary_args=()
maven_args=()
for arg in "$@"; do
  case $arg in
    --allow-skips) summary_args+=(--allow-skips) ;;
    *) maven_args+=("$arg") ;;
  esac
done
[ "${#maven_args[@]}" -gt 0 ] && summary_args+=(--no-component-check)

started=$SECONDS
bash scripts/setup-debian.sh
bash scripts/setup-test-deps.sh
if ! bash scripts/docker.sh start; then
  if [[ " ${summary_args[*]:-} " == *" --allow-skips "* ]]; then
    echo "dockerd cannot run here: the docker tests will be skipped (listed at the end)"
  else
    echo "dockerd cannot run here, so the docker tests cannot run: fix that, or accept the skips with" \
      "scripts/test.sh --allow-skips" >&2
    exit 1
  fi
fi
trap 'bash scripts/docker.sh stop || true' EXIT
rm -rf ./*/target/test-events
set +e
./mvnw -B --fail-at-end verify "${maven_args[@]}"
status=$?
set -e
python3 scripts/test-summary.py "${summary_args[@]}" . || status=$((status == 0 ? 1 : status))
elapsed=$((SECONDS - started))
echo "scripts/test.sh: $([ $status = 0 ] && echo passed || echo FAILED) in $((elapsed / 60)) min $((elapsed % 60)) s" \
  "(load average $(cut -d' ' -f1-3 /proc/loadavg))"
exit $status
