package cocaine.cache;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.msgpack.value.Value;

/**
 * The memory of the {@code cache} service: string keys to values, least recently used first out,
 * within a budget of bytes (keys and values together). One actor, so gets and puts are ordered.
 */
public final class Cache {
  /** Bytes an entry costs beyond its key and value: the map's node and the value's object. */
  static final int ENTRY_OVERHEAD = 64;

  public sealed interface Command {}

  public record Get(String key, ActorRef<Found> replyTo) implements Command {}

  /** The value of a get, empty when the key is not cached. */
  public record Found(Optional<Value> value) {}

  /** @param size the value's bytes as they came, counted against the budget */
  public record Put(String key, Value value, int size, ActorRef<Stored> replyTo) implements Command {}

  /** A put's answer: null refusal when it was stored. */
  public record Stored(CocaineException refusal) {}

  /** What the cache holds now, for tests and the metrics. */
  public record GetUsage(ActorRef<Usage> replyTo) implements Command {}

  public record Usage(int entries, long bytes) {}

  private record Entry(Value value, long cost) {}

  private final long maxBytes;

  private Cache(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  public static Behavior<Command> create(long maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("cache max-bytes must be positive, got " + maxBytes);
    }
    // access order: iteration starts at the least recently used entry
    return new Cache(maxBytes).serving(new LinkedHashMap<>(16, 0.75f, true), 0);
  }

  private Behavior<Command> serving(LinkedHashMap<String, Entry> entries, long bytes) {
    return Behaviors.receive(Command.class)
        .onMessage(Get.class, get -> {
          Entry e = entries.get(get.key());
          get.replyTo().tell(new Found(Optional.ofNullable(e).map(Entry::value)));
          return Behaviors.same();
        })
        .onMessage(Put.class, put -> {
          long cost = cost(put.key(), put.size());
          if (cost > maxBytes) {
            put.replyTo().tell(new Stored(new CocaineException(ErrorCode.TOO_BIG, "cache.put('" + shortKey(put.key())
                + "'): " + cost + " bytes with its key do not fit in the cache's " + maxBytes
                + " (cocaine.services.cache.max-bytes)")));
            return Behaviors.same();
          }
          Entry old = entries.put(put.key(), new Entry(put.value(), cost));
          long held = bytes + cost - (old == null ? 0 : old.cost());
          held = evict(entries, held);
          put.replyTo().tell(new Stored(null));
          return serving(entries, held);
        })
        .onMessage(GetUsage.class, usage -> {
          usage.replyTo().tell(new Usage(entries.size(), bytes));
          return Behaviors.same();
        })
        .build();
  }

  private long evict(LinkedHashMap<String, Entry> entries, long held) {
    Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
    while (held > maxBytes && it.hasNext()) {
      held -= it.next().getValue().cost();
      it.remove();
    }
    return held;
  }

  static long cost(String key, int valueBytes) {
    return (long) key.getBytes(StandardCharsets.UTF_8).length + valueBytes + ENTRY_OVERHEAD;
  }

  private static String shortKey(String key) {
    return key.length() <= 64 ? key : key.substring(0, 64) + "...";
  }
}
