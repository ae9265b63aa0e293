#!/usr/bin/env bash
# Builds the codec benchmarks against the installed cocaine-streams (which brings cocaine-wire) and runs them briefly.
# Usage: bench/jmh/run.sh [extra JMH args]   (first: ./mvnw -pl streams -am install -DskipTests)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
"$root/mvnw" -B -q -f "$here/pom.xml" package
java -jar target/benchmarks.jar CodecBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s \
  -rf json -rff target/codec.json "$@"
# ours / plain msgpack-java, per operation and payload (target: within 1.5x).
python3 - "$here/target/codec.json" <<'PY'
import json, sys
rows = {}
for r in json.load(open(sys.argv[1])):
    name = r["benchmark"].rsplit(".", 1)[1]
    size = r["params"]["payloadBytes"]
    rows[(name, size)] = r["primaryMetric"]["score"]
print()
print(f"{'operation':<8} {'payload':>8} {'ours ns':>10} {'plain ns':>10} {'ours/plain':>11}")
for op in ("decode", "encode"):
    for size in sorted({s for (_, s) in rows}, key=int):
        ours, plain = rows[(op, size)], rows[(op + "PlainMsgpack", size)]
        print(f"{op:<8} {size:>8} {ours:>10.1f} {plain:>10.1f} {ours / plain:>10.2f}x")
PY
