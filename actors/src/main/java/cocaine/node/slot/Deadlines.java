package cocaine.node.slot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The request deadlines of a slot's open channels, earliest first, for the slot's one deadline
 * timer. A finished channel's entry is not looked for: it is dropped when it comes up, or with all
 * the others once they outnumber the open channels, so the entries stay bounded by twice the open
 * channels (plus a few). Owned by one slot actor.
 */
final class Deadlines {
  private static final int SLACK = 64;
  /** {deadline nanos, channel} */
  private final PriorityQueue<long[]> queue = new PriorityQueue<>(Comparator.comparingLong(e -> e[0]));
  /** The instant the slot's timer is set for; {@link Long#MAX_VALUE} when it is not set. */
  private long armedFor = Long.MAX_VALUE;

  void add(long channel, long deadlineNanos) {
    queue.add(new long[] {deadlineNanos, channel});
  }

  /** The earliest deadline of an open channel, or {@link Long#MAX_VALUE} when none is open. */
  long next(Set<Long> open) {
    while (!queue.isEmpty() && !open.contains(queue.peek()[1])) {
      queue.poll();
    }
    return queue.isEmpty() ? Long.MAX_VALUE : queue.peek()[0];
  }

  /** Takes out the open channels whose deadline is {@code now} or earlier. */
  List<Long> due(long now, Set<Long> open) {
    List<Long> due = new ArrayList<>();
    while (!queue.isEmpty() && queue.peek()[0] - now <= 0) {
      long[] e = queue.poll();
      if (open.contains(e[1])) {
        due.add(e[1]);
      }
    }
    return due;
  }

  /**
   * The instant the slot's one timer must be set for now, or {@link Long#MAX_VALUE} when the timer it
   * has comes early enough or no channel is open. One timer per slot, not one per request (each cost a
   * scheduler task and its cancellation); set again only for an earlier deadline, and a timer that
   * fires early (its channel finished meanwhile) is just set for the next one.
   */
  long toArm(Set<Long> open) {
    long next = next(open);
    if (next == Long.MAX_VALUE || next >= armedFor) {
      return Long.MAX_VALUE;
    }
    armedFor = next;
    return next;
  }

  /** The slot's timer fired at {@code now}: it is no longer set; takes out the open channels now due. */
  List<Long> fired(long now, Set<Long> open) {
    armedFor = Long.MAX_VALUE;
    return due(now, open);
  }

  /** After channels finished: drops the entries of finished channels once they outnumber the open ones. */
  void forgetFinished(Set<Long> open) {
    if (queue.size() > 2 * open.size() + SLACK) {
      queue.removeIf(e -> !open.contains(e[1]));
    }
  }

  int size() {
    return queue.size();
  }
}
