package cocaine.cluster.desired;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Convergence's turns: at most {@code limit} starts asked of the node at once ({@code cocaine.node.starts-at-once}),
 * the others waiting in arrival order, one per app (a later decision about a waiting app replaces it in
 * its place). Bounded by the number of apps. Not thread-safe: the actor's own.
 *
 * @param <T> what a start needs
 */
final class StartQueue<T> {
  private final int limit;
  private final LinkedHashMap<String, T> waiting = new LinkedHashMap<>();
  private int outstanding;

  StartQueue(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1: " + limit);
    }
    this.limit = limit;
  }

  /** True when {@code app}'s start may go now (it then counts as outstanding); else it waits its turn. */
  boolean admit(String app, T start) {
    if (outstanding < limit && waiting.isEmpty()) {
      outstanding++;
      return true;
    }
    waiting.put(app, start);
    return false;
  }

  /** {@code app} no longer needs its waiting start (it was stopped). */
  void drop(String app) {
    waiting.remove(app);
  }

  /** An outstanding start was answered: the next waiting one, which now counts as outstanding, if any. */
  Optional<Map.Entry<String, T>> answered() {
    outstanding = Math.max(0, outstanding - 1);
    Iterator<Map.Entry<String, T>> it = waiting.entrySet().iterator();
    if (!it.hasNext()) {
      return Optional.empty();
    }
    Map.Entry<String, T> first = it.next();
    Map.Entry<String, T> next = Map.entry(first.getKey(), first.getValue());
    it.remove();
    outstanding++;
    return Optional.of(next);
  }

  int outstanding() {
    return outstanding;
  }

  int waiting() {
    return waiting.size();
  }
}
