package cocaine.node.engine;

import cocaine.node.slot.Session;
import cocaine.node.slot.Slot;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * An engine's bookkeeping: the FIFO of sessions waiting for a worker, the slots with their load as
 * the engine counts it, and the counters shown by {@code info}. Mutable; owned by one engine actor.
 */
final class Ledger {
  enum SlotState { SPAWNING, ACTIVE, SEALING, TERMINATING }

  /** One slot as the engine sees it. */
  static final class SlotView {
    final String uuid;
    final ActorRef<Slot.Command> ref;
    final long createdNanos;
    SlotState state = SlotState.SPAWNING;
    long activeSinceNanos;
    int load;
    long accepted;

    SlotView(String uuid, ActorRef<Slot.Command> ref, long createdNanos) {
      this.uuid = uuid;
      this.ref = ref;
      this.createdNanos = createdNanos;
    }

    /** Counts towards the pool size: not on its way out. */
    boolean live() {
      return state == SlotState.SPAWNING || state == SlotState.ACTIVE;
    }
  }

  final ArrayDeque<Session> queue = new ArrayDeque<>();
  final Map<String, SlotView> slots = new LinkedHashMap<>();
  int pinned;
  long accepted;
  long rejected;
  long spawned;
  long crashed;
  Backoff backoff = Backoff.NONE;

  /** The active slot with the lowest load below {@code concurrency}; ties go to the oldest. */
  Optional<SlotView> leastLoaded(int concurrency) {
    return slots.values().stream()
        .filter(s -> s.state == SlotState.ACTIVE && s.load < concurrency)
        .min(Comparator.comparingInt(s -> s.load));
  }

  int live() {
    return (int) slots.values().stream().filter(SlotView::live).count();
  }

  int count(SlotState state) {
    return (int) slots.values().stream().filter(s -> s.state == state).count();
  }

  int load() {
    return slots.values().stream().mapToInt(s -> s.load).sum();
  }
}
