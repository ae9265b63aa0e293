package cocaine.logging;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Message;
import cocaine.wire.Signature;
import cocaine.wire.Values;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;

/**
 * The logging service's {@code read}: the {@link LogRing}'s lines from a position as {@code write}
 * chunks {@code [position, timestamp, level, source, message, attributes]}, a page at a time as the
 * client takes them; with {@code follow}, new lines as they come (looked for every {@code poll})
 * until the client goes away. Reads run on the blocking executor, never on the actor threads.
 */
final class RingReader {
  /** Lines read from the ring per step. */
  static final int PAGE = 256;

  private final LogRing ring;
  private final Executor blocking;
  private final Duration poll;

  RingReader(LogRing ring, Executor blocking, Duration poll) {
    this.ring = ring;
    this.blocking = blocking;
    this.poll = poll;
  }

  /** Where the next page starts, and whether to wait a poll first (the last one found nothing new). */
  private record Cursor(long position, boolean idle) {}

  Source<Message, NotUsed> lines(long from, LogQuery query, boolean follow) {
    return Source.unfoldAsync(new Cursor(from, false), cursor -> {
      Executor when = cursor.idle() ? CompletableFuture.delayedExecutor(poll.toMillis(), TimeUnit.MILLISECONDS, blocking)
          : blocking;
      return CompletableFuture.supplyAsync(() -> {
        LogRing.Page page = ring.read(cursor.position(), query, PAGE);
        boolean atEnd = page.lines().isEmpty() && page.next() >= ring.next();
        if (atEnd && !follow) {
          return Optional.<Pair<Cursor, List<LogRing.Line>>>empty();
        }
        return Optional.of(Pair.create(new Cursor(page.next(), atEnd), page.lines()));
      }, when);
    }).mapConcat(lines -> lines).map(RingReader::chunk).concat(Source.single(Message.close()));
  }

  /**
   * The query a {@code read} call's map stands for: {@code app} (str), {@code since} (epoch ms),
   * {@code level} (0-3), {@code grep} (str), each optional.
   *
   * @throws CocaineException {@code [7, 2]} naming the key of the wrong type
   */
  static LogQuery query(Value map) {
    Optional<String> app = Optional.empty();
    Instant since = Instant.EPOCH;
    Severity level = Severity.DEBUG;
    Optional<String> grep = Optional.empty();
    for (Map.Entry<Value, Value> e : map.asMapValue().entrySet()) {
      String key = e.getKey().isRawValue() ? Values.asString(e.getKey()) : String.valueOf(e.getKey());
      Value v = e.getValue();
      switch (key) {
        case "app" -> app = Optional.of(string(key, v));
        case "grep" -> grep = Optional.of(string(key, v)).filter(g -> !g.isEmpty());
        case "since" -> since = Instant.ofEpochMilli(integer(key, v, 0, Long.MAX_VALUE / 2));
        case "level" -> level = Severity.ofLevel(integer(key, v, 0, 3));
        default -> throw bad("unknown key '" + key + "'");
      }
    }
    return new LogQuery(app, since, level, grep);
  }

  private static String string(String key, Value v) {
    if (!v.isRawValue()) {
      throw bad("'" + key + "' must be a string, got " + Signature.describe(v));
    }
    return Values.asString(v);
  }

  private static long integer(String key, Value v, long min, long max) {
    if (!v.isIntegerValue() || !v.asIntegerValue().isInLongRange() || v.asIntegerValue().toLong() < min
        || v.asIntegerValue().toLong() > max) {
      throw bad("'" + key + "' must be an integer from " + min + " to " + max + ", got " + v);
    }
    return v.asIntegerValue().toLong();
  }

  private static CocaineException bad(String reason) {
    return new CocaineException(ErrorCode.INVALID_ARGUMENT,
        "logging.read: query is {app: str, since: epoch ms, level: 0-3, grep: str}: " + reason);
  }

  static Message chunk(LogRing.Line line) {
    LogRecord r = line.record();
    return Message.write(Values.integer(line.position()), Values.str(r.timestamp().toString()),
        Values.integer(r.severity().level()), Values.str(r.source()), Values.str(r.message()),
        Values.fromJava(r.attributes()));
  }
}
