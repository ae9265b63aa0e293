package cocaine.proxy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.ExecutionContextExecutor;

/**
 * The deadlines of the calls in flight (their app's first reply; a big answer's write that never
 * started, {@link ResponseBody}), checked by one periodic sweep, as
 * nginx keeps its timers in one tree, instead of a scheduler task per call: Pekko's scheduler keeps a
 * cancelled task in its wheel until its deadline, so every answered request left one behind that
 * survived young GCs for the whole timeout. A deadline taken out ({@link Entry#cancel}) leaves
 * nothing; one that passes runs its action once, at most one {@link #TICK} late, on the dispatcher.
 */
final class Deadlines implements AutoCloseable {
  /** How often the table is swept: Pekko's scheduler fired a task up to its own 10 ms tick late too. */
  static final Duration TICK = Duration.ofMillis(10);

  /** One deadline in the table. */
  final class Entry {
    private final long atNanos;
    private final Runnable onExpiry;

    private Entry(long atNanos, Runnable onExpiry) {
      this.atNanos = atNanos;
      this.onExpiry = onExpiry;
    }

    /** Takes the deadline out: its action will not run (unless it already did). */
    void cancel() {
      pending.remove(this);
    }
  }

  private static final Logger log = LoggerFactory.getLogger(Deadlines.class);
  private final Set<Entry> pending = ConcurrentHashMap.newKeySet();
  private final Cancellable sweeping;

  /** A table swept every {@link #TICK} on {@code dispatcher}. */
  Deadlines(Scheduler scheduler, ExecutionContextExecutor dispatcher) {
    this.sweeping = scheduler.scheduleWithFixedDelay(TICK, TICK, () -> sweep(System.nanoTime()), dispatcher);
  }

  /** A table swept only by its caller's {@link #sweep} (tests). */
  Deadlines() {
    this.sweeping = null;
  }

  /** Runs {@code onExpiry} once {@link System#nanoTime()} has passed {@code atNanos}, unless cancelled first. */
  Entry add(long atNanos, Runnable onExpiry) {
    Entry e = new Entry(atNanos, onExpiry);
    pending.add(e);
    return e;
  }

  /** Runs the action of every deadline that has passed at {@code nowNanos}, taking it out. */
  void sweep(long nowNanos) {
    for (Entry e : pending) {
      // removed first: of a cancel and an expiry at the same time only one wins
      if (nowNanos - e.atNanos >= 0 && pending.remove(e)) {
        try {
          e.onExpiry.run();
        } catch (RuntimeException failure) { // the sweep goes on for the others, and is not cancelled
          log.error("a deadline's action failed", failure);
        }
      }
    }
  }

  /** Deadlines in the table now. */
  int size() {
    return pending.size();
  }

  /** Stops the sweep; deadlines still in the table never fire. */
  @Override
  public void close() {
    if (sweeping != null) {
      sweeping.cancel();
    }
  }
}
