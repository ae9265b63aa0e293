#!/bin/sh
# Worker launcher: the runtime runs this with --app --endpoint --locator --protocol 1 --uuid.
# One log line per record on stderr, which the runtime keeps for crashlogs.
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Xmx64m \
  '-Djava.util.logging.SimpleFormatter.format=%1$tF %1$tT %4$s %3$s: %5$s%6$s%n' \
  -cp "$(dirname "$0")/lib/*" cocaine.examples.HttpEcho "$@"
