#!/bin/sh
# Worker launcher: the runtime runs this with --app --endpoint --locator --protocol 1 --uuid.
# One log line per record on stderr, which the runtime keeps for crashlogs.
# The JVM's default tiered JIT, unlike the other examples' C1 only (-XX:TieredStopAtLevel=1): this is
# the app that serves sustained HTTP load with few workers, where C2 lifted req/s through the proxy
# 13% for about 14 MB more RSS a worker (bench/http/README.md, session 11).
exec java -XX:+UseSerialGC -Xss512k -Xmx64m \
  '-Djava.util.logging.SimpleFormatter.format=%1$tF %1$tT %4$s %3$s: %5$s%6$s%n' \
  -cp "$(dirname "$0")/lib/*" cocaine.examples.HttpEcho "$@"
