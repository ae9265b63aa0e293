package cocaine.node.engine;

import cocaine.model.Profile;
import cocaine.node.slot.Session;
import cocaine.node.slot.Slot;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * An engine's bookkeeping: the FIFO of sessions waiting for a worker, the slots with their load as
 * the engine counts it, and the counters shown by {@code info} ({@link #info}). Mutable; owned by one
 * engine actor.
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
  final Throughput throughput = new Throughput(System.nanoTime());
  /** The active count the app last heard; -1 before the first. */
  private int toldActive = -1;

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

  /** A slot crashed at {@code nowNanos}: counted, and the next spawn backs off. */
  void crashed(long nowNanos) {
    crashed++;
    backoff = backoff.crashed(nowNanos);
  }

  /** Takes the session out of the queue, if it still waits there. */
  Optional<Session> unqueue(long sessionId) {
    for (Session s : queue) {
      if (s.id() == sessionId) {
        queue.remove(s);
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  int load() {
    return slots.values().stream().mapToInt(s -> s.load).sum();
  }

  /** The active count when the app has not heard it yet (it changed, or was never told); else -1. */
  int activeToTell() {
    int active = count(SlotState.ACTIVE);
    if (active == toldActive) {
      return -1;
    }
    toldActive = active;
    return active;
  }

  /** The {@code extra} live slots to seal for a pinned size: spawning ones first, then the least loaded. */
  List<SlotView> toSeal(int extra) {
    return slots.values().stream().filter(SlotView::live)
        .sorted((a, b) -> a.state != b.state ? (a.state == SlotState.SPAWNING ? -1 : 1) : Integer.compare(a.load, b.load))
        .limit(extra).toList();
  }

  /** The {@code queue}, {@code pool} and {@code requests} parts of the app's info map (docs/protocol.md 3.6). */
  Map<String, Object> info(Profile profile, long nowNanos) {
    Map<String, Object> queueInfo = new LinkedHashMap<>();
    queueInfo.put("capacity", profile.queueLimit());
    queueInfo.put("depth", queue.size());
    queueInfo.put("oldest_event_age", queue.isEmpty() ? 0 : (nowNanos - queue.peekFirst().enqueuedNanos()) / 1_000_000);
    Map<String, Object> slaves = new LinkedHashMap<>();
    for (SlotView s : slots.values()) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("state", s.state.name().toLowerCase());
      v.put("load", s.load);
      v.put("load:total", s.load);
      v.put("accepted", s.accepted);
      v.put("uptime", s.state == SlotState.SPAWNING ? 0 : (nowNanos - s.activeSinceNanos) / 1_000_000_000);
      slaves.put(s.uuid, v);
    }
    Map<String, Object> poolInfo = new LinkedHashMap<>();
    poolInfo.put("active", count(SlotState.ACTIVE));
    poolInfo.put("idle", slots.values().stream().filter(s -> s.state == SlotState.ACTIVE && s.load == 0).count());
    poolInfo.put("capacity", profile.poolLimit());
    poolInfo.put("pinned", pinned);
    poolInfo.put("total:spawned", spawned);
    poolInfo.put("total:crashed", crashed);
    poolInfo.put("slaves", slaves);
    Map<String, Object> requests = new LinkedHashMap<>();
    requests.put("accepted", accepted);
    requests.put("rejected", rejected);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("queue", queueInfo);
    out.put("pool", poolInfo);
    out.put("requests", requests);
    out.put("load", load());
    out.putAll(throughput.info(nowNanos));
    return out;
  }
}
