package cocaine.cluster;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which signed announces are fresh: a timestamp within the window of this host's clock, and a
 * (timestamp, sequence) after the last one admitted from the same node. A copy of a node's announce
 * sent again by someone else is thus refused, whether it comes a second later or a day later. Pure
 * and single-threaded; time is passed in. Only nodes whose announces were correctly signed are
 * remembered, and each only while its last announce is inside the window.
 */
final class ReplayGuard {
  private record Seen(long timestampMillis, long sequence) {}

  private final long windowMillis;
  private final Map<String, Seen> last = new HashMap<>();
  private long prunedAt;

  ReplayGuard(Duration window) {
    if (window.isZero() || window.isNegative()) {
      throw new IllegalArgumentException("window must be positive, got " + window);
    }
    this.windowMillis = window.toMillis();
  }

  /**
   * Admits the announce of {@code uuid} signed at {@code timestampMillis} with {@code sequence},
   * or says why not.
   *
   * @return empty when admitted (and remembered), else the reason for one log line
   */
  Optional<String> admit(String uuid, long timestampMillis, long sequence, long nowMillis) {
    prune(nowMillis);
    long skew = timestampMillis - nowMillis;
    if (Math.abs(skew) > windowMillis) {
      return Optional.of("stale announce of node '" + uuid + "': signed " + Math.abs(skew) + " ms "
          + (skew < 0 ? "ago" : "ahead of this host's clock") + ", beyond cocaine.locator.cluster.announce-window ("
          + windowMillis + " ms): a replay, or clocks out of sync");
    }
    Seen before = last.get(uuid);
    if (before != null && (timestampMillis < before.timestampMillis()
        || timestampMillis == before.timestampMillis() && sequence <= before.sequence())) {
      return Optional.of("replayed announce of node '" + uuid + "': signed at " + timestampMillis + " ms, sequence "
          + sequence + ", not after the last one admitted (" + before.timestampMillis() + " ms, sequence "
          + before.sequence() + ")");
    }
    last.put(uuid, new Seen(timestampMillis, sequence));
    return Optional.empty();
  }

  /** Nodes remembered now, for tests. */
  int remembered() {
    return last.size();
  }

  /** Forgets nodes whose last announce left the window: any copy of it is stale anyway. */
  private void prune(long nowMillis) {
    if (nowMillis - prunedAt < windowMillis) {
      return;
    }
    prunedAt = nowMillis;
    last.values().removeIf(seen -> nowMillis - seen.timestampMillis() > windowMillis);
  }
}
