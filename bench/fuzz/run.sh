#!/usr/bin/env bash
# Long fuzzing run of every @FuzzTest target (the normal test suite only replays their inputs).
#   bench/fuzz/run.sh [seconds-per-target] [filter]
# e.g. bench/fuzz/run.sh 300; MVN_ARGS="-o -Dmaven.repo.local=/some/m2" bench/fuzz/run.sh 60 Model
# Needs an installed build (./mvnw install -DskipTests). Per target it prints executions, the
# coverage reached and findings; a finding is saved by Jazzer as crash-<sha1> in the target's
# src/test/resources/<package>/<Class>Inputs/<method>/ directory, so the regression run replays it:
# rename it after what it shows, fix the code, commit both.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_TARGET=${1:-60}
FILTER=${2:-}
MVN_ARGS=${MVN_ARGS:--o}

TARGETS=(
  "wire cocaine.wire.FrameDecoderFuzzTest junkBytesGiveFramesOrWireException"
  "actors cocaine.storage.StorageServiceFuzzTest anyArgumentsGetAReplyNotAnException"
  "actors cocaine.locator.LocatorServiceFuzzTest anyArgumentsGetAReplyNotAnException"
  "actors cocaine.cluster.AnnounceFuzzTest datagramIsAnAnnounceOrRefusedClearly"
  "framework cocaine.worker.HttpRequestFuzzTest headChunkIsARequestOrA400"
  "http-frontend cocaine.proxy.RequestChunkFuzzTest packedRequestReadsBackUnchanged"
  "config cocaine.model.ModelFuzzTest manifestIsReadOrRefusedClearly"
  "config cocaine.model.ModelFuzzTest profileIsReadOrRefusedClearly"
  "config cocaine.model.ModelFuzzTest routingGroupIsReadOrRefusedClearly"
  "config cocaine.model.ModelFuzzTest runlistIsReadOrRefusedClearly"
)

printf '%-58s %10s %8s %6s %s\n' target executions cov exec/s findings
status=0
for t in "${TARGETS[@]}"; do
  read -r module class method <<<"$t"
  [[ -n "$FILTER" && "$class#$method" != *"$FILTER"* ]] && continue
  inputs="$module/src/test/resources/${class%.*}"; inputs="${inputs//.//}/${class##*.}Inputs/$method"
  log="${TMPDIR:-/tmp}/fuzz-${class##*.}-$method.log"
  before=$(ls "$inputs" 2>/dev/null | grep -c '^crash-' || true)
  # Jazzer fuzzes one test per JVM; -max_total_time after the annotation's maxDuration wins.
  JAZZER_FUZZ=1 ./mvnw -B -q $MVN_ARGS -pl "$module" test -Dtest="$class#$method" \
      -Dsurefire.failIfNoSpecifiedTests=false \
      "-DargLine=-Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time=$SECONDS_PER_TARGET" \
      >"$log" 2>&1 || status=1
  out="$module/target/surefire-reports/$class.txt"
  done_line=$(grep -E '^#[0-9]+\s+DONE' "$log" | tail -1 || true)
  last_line=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  line=${done_line:-$last_line}
  execs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$line")
  cov=$(grep -oE 'cov: [0-9]+' <<<"$line" | cut -d' ' -f2 || true)
  rate=$(grep -oE 'exec/s: [0-9]+' <<<"$line" | cut -d' ' -f2 || true)
  after=$(ls "$inputs" 2>/dev/null | grep -c '^crash-' || true)
  printf '%-58s %10s %8s %6s %s\n' "${class##*.}#$method" "${execs:-?}" "${cov:-?}" "${rate:-?}" "$((after - before))"
  if ((after > before)); then
    grep -m1 -A2 'FuzzTestFindingException' "$out" | sed 's/^/    /' || true
    echo "    log: $log"
  fi
done
exit $status
