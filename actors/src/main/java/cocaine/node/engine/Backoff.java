package cocaine.node.engine;

import java.time.Duration;

/**
 * When the next worker may be spawned after crashes (docs/protocol.md 3.4): 1 s after a crash, doubled
 * for each further crash within {@link #MAX} of the previous one, at most {@link #MAX}. Immutable;
 * time is a parameter. Convergence paces its retries of an app's refused start the same way.
 *
 * @param delay the wait imposed by the last crash; zero when there was none
 * @param lastCrashNanos {@link System#nanoTime()} of the last crash
 */
public record Backoff(Duration delay, long lastCrashNanos) {
  static final Duration FIRST = Duration.ofSeconds(1);
  static final Duration MAX = Duration.ofSeconds(32);
  public static final Backoff NONE = new Backoff(Duration.ZERO, 0);

  /** The back-off after a crash at {@code nowNanos}. */
  public Backoff crashed(long nowNanos) {
    boolean recent = !delay.isZero() && nowNanos - lastCrashNanos <= MAX.toNanos();
    Duration next = recent ? delay.multipliedBy(2) : FIRST;
    return new Backoff(next.compareTo(MAX) > 0 ? MAX : next, nowNanos);
  }

  /** How long a spawn must still wait at {@code nowNanos}; zero when it may go now. */
  public Duration delayAt(long nowNanos) {
    if (delay.isZero()) {
      return Duration.ZERO;
    }
    long left = lastCrashNanos + delay.toNanos() - nowNanos;
    return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
  }
}
