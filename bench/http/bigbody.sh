#!/usr/bin/env bash
# A 1 GiB request body streamed through the HTTP proxy to the `stream` example's `sink` event (its
# manifest says "streaming": true, so the proxy forwards the body as chunks, never whole): curl
# uploads a sparse 1 GiB file with a Content-Length, the app answers the byte count. Reports the
# throughput and the runtime's heap (jstat): used after a full GC before and after, and the most
# used while the body passed (sampled every 200 ms). Target: growth < 64 MB. The runtime runs with
# -Xmx512m, so a body held whole could not even fit.
# Usage: bench/http/bigbody.sh   (env: BYTES=1073741824)
source "$(dirname "$0")/lib.sh"
BYTES="${BYTES:-1073741824}"
export COCAINE_JAVA_OPTS="${COCAINE_JAVA_OPTS:--Xmx512m}"

start_runtime "cocaine.proxy { max-body-bytes = 2GiB, timeout = 600s }
cocaine.network.max-frame-bytes = 65MiB"
deploy_app stream "$APPS/stream" '{"pool-limit": 1, "concurrency": 4, "queue-limit": 10,
  "heartbeat-timeout": 30, "handshake-timeout": 20, "terminate-timeout": 5}'
URL="http://127.0.0.1:$PROXY_PORT/stream/sink"
await_http -d warm-up "$URL"
truncate -s "$BYTES" "$WORK/body" # sparse: the disk is not the bottleneck

# heap used in KiB (survivors + eden + old), from jstat -gc
heap_kib() { jstat -gc "$RT_PID" | awk 'NR == 2 { printf "%d", $3 + $4 + $6 + $8 }'; }
full_gc() { jcmd "$RT_PID" GC.run >/dev/null; }

full_gc
before="$(heap_kib)"
jstat -gc "$RT_PID" 200 >"$WORK/jstat.out" &
JSTAT=$!
BENCH_PIDS+=($JSTAT)
log "POST of $BYTES bytes to $URL"
curl -sS --fail -X POST -H 'Content-Type: application/octet-stream' -T "$WORK/body" \
  -w '\n%{http_code} %{time_total} %{size_upload}\n' "$URL" >"$WORK/curl.out"
kill "$JSTAT" 2>/dev/null || true
full_gc
after="$(heap_kib)"
read -r answer <"$WORK/curl.out"
read -r code seconds uploaded < <(tail -n 1 "$WORK/curl.out")
peak="$(awk '$1 ~ /^[0-9.]+$/ { u = $3 + $4 + $6 + $8; if (u > m) m = u } END { printf "%d", m }' "$WORK/jstat.out")"
old_peak="$(awk '$1 ~ /^[0-9.]+$/ { if ($8 > m) m = $8 } END { printf "%d", m }' "$WORK/jstat.out")"
old_first="$(awk '$1 ~ /^[0-9.]+$/ { printf "%d", $8; exit }' "$WORK/jstat.out")"
gcs="$(awk '$1 ~ /^[0-9.]+$/ { if (!n++) { y0 = $13; f0 = $15 } y = $13; f = $15 }
  END { printf "%d young, %d full", y - y0, f - f0 }' "$WORK/jstat.out")"

echo
echo "1 GiB POST through the proxy to stream/sink ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), runtime $COCAINE_JAVA_OPTS)"
printf '%-34s %s\n' "HTTP status / app's byte count" "$code / $answer (sent $uploaded)"
awk -v b="$BYTES" -v s="$seconds" 'BEGIN { printf "%-34s %.1f s, %.1f MiB/s\n", "time, throughput", s, b / s / 1048576 }'
awk -v a="$before" -v p="$peak" -v z="$after" 'BEGIN {
  printf "%-34s %.1f MiB\n", "heap used after full GC, before", a / 1024
  printf "%-34s %.1f MiB (+%.1f MiB; young garbage included)\n", "heap used, most during the upload", p / 1024, (p - a) / 1024
  printf "%-34s %.1f MiB (growth %+.1f MiB, target < 64 MiB)\n", "heap used after full GC, after", z / 1024, (z - a) / 1024 }'
awk -v o="$old_first" -v p="$old_peak" 'BEGIN {
  printf "%-34s %.1f MiB at start, %.1f MiB at most (+%.1f MiB)\n", "old generation during the upload", o / 1024, p / 1024, (p - o) / 1024 }'
printf '%-34s %s\n' "GCs during the upload (jstat)" "$gcs"
if [ "$answer" != "$BYTES" ]; then
  echo "FINDING: the app counted $answer bytes, not $BYTES"
fi
echo
runtime_report
BENCH_OK=1
