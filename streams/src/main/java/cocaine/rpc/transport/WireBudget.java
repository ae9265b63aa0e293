package cocaine.rpc.transport;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Bytes held across every wire connection of a process, under one ceiling: memory bounded in
 * total, where {@code max-bytes-in-flight} bounds one connection. A process has two:
 * <ul>
 *   <li>{@link #process()}, the bytes read off the sockets and not yet decoded into frames
 *       ({@code cocaine.network.wire-budget}; {@link Codec});</li>
 *   <li>{@link #messages()}, the decoded messages a server connection holds: client messages not
 *       yet taken by their service and replies not yet written to the peer
 *       ({@code cocaine.network.message-budget}; the same bytes {@code max-bytes-in-flight}
 *       counts per connection).</li>
 * </ul>
 * A connection reads on while the total is under the ceiling; at it, the reads of connections that
 * hold something stop (the peer is backpressured by TCP, nothing is dropped) until bytes are given
 * back. A connection that holds nothing may always read one more chunk or frame, so replies,
 * heartbeats and consumers that take what they are given keep flowing; writes never wait for the
 * budget. For the read budget, one connection at a time may also go over the ceiling to finish the
 * frame it is in the middle of (the overdraft), so connections that each hold part of a frame
 * cannot stall each other for ever. Safe from any thread.
 */
public final class WireBudget {
  private static volatile WireBudget process = new WireBudget(Long.MAX_VALUE);
  private static volatile WireBudget messages = forMessages(Long.MAX_VALUE);

  private final long ceiling;
  /** Whether one reader holding something may go over the ceiling until {@link #frameDone}. */
  private final boolean overdraws;
  private final AtomicLong held = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  private final AtomicLong pauses = new AtomicLong();
  /** The connection allowed over the ceiling to finish its frame, or null. */
  private final AtomicReference<Object> overdraft = new AtomicReference<>();
  /** Wake-ups of the readers that wait, each once however often its reader asked. */
  private final Set<Runnable> waiting = ConcurrentHashMap.newKeySet();

  /** A read budget: with the overdraft, for bytes that complete a frame. */
  public WireBudget(long ceiling) {
    this(ceiling, true);
  }

  private WireBudget(long ceiling, boolean overdraws) {
    if (ceiling < 1) {
      throw new IllegalArgumentException("wire budget must be at least 1 byte, got " + ceiling);
    }
    this.ceiling = ceiling;
    this.overdraws = overdraws;
  }

  /**
   * A budget of decoded messages: no overdraft, since a connection's messages wait for their
   * consumer, not for more reads; a connection holding nothing still reads.
   */
  public static WireBudget forMessages(long ceiling) {
    return new WireBudget(ceiling, false);
  }

  /**
   * The budget every connection of this process reads within: the runtime sets its ceiling from
   * {@code cocaine.network.wire-budget} at start-up; until then, none.
   */
  public static WireBudget process() {
    return process;
  }

  /**
   * The budget of decoded messages every server connection of this process holds within: the
   * runtime sets its ceiling from {@code cocaine.network.message-budget} at start-up; until then,
   * none.
   */
  public static WireBudget messages() {
    return messages;
  }

  /**
   * Sets the process's ceilings, at start-up before any connection: connections keep the budgets
   * they began with.
   */
  public static void useForProcess(long readCeiling, long messageCeiling) {
    process = new WireBudget(readCeiling);
    messages = forMessages(messageCeiling);
  }

  /** Counts bytes just read or now held. */
  public void take(long bytes) {
    long now = held.addAndGet(bytes);
    if (now > peak.get()) {
      peak.accumulateAndGet(now, Math::max);
    }
  }

  /** Gives back bytes that {@link #take} counted: decoded, taken, written, or dropped with their connection. */
  public void give(long bytes) {
    if (bytes != 0 && held.addAndGet(-bytes) < ceiling && !waiting.isEmpty()) {
      wake();
    }
  }

  /**
   * Whether {@code reader} may read now; if not, {@code wakeUp} runs (from any thread) once it may
   * try again, and the pause is counted.
   *
   * @param holding whether the reader holds bytes of this budget (part of a frame, messages): then
   *     it reads only within the ceiling or with the overdraft; a reader that holds nothing may
   *     always read
   */
  public boolean mayRead(Object reader, boolean holding, Runnable wakeUp) {
    if (allowed(reader, holding)) {
      return true;
    }
    waiting.add(wakeUp);
    // bytes given back between the check and the queueing would have woken nobody
    if (allowed(reader, holding)) {
      return true;
    }
    pauses.incrementAndGet();
    return false;
  }

  private boolean allowed(Object reader, boolean holding) {
    if (!holding || held.get() < ceiling) {
      return true; // a reader that holds nothing reads one chunk: small messages (replies, heartbeats) flow
    }
    return overdraws && (overdraft.get() == reader || overdraft.compareAndSet(null, reader));
  }

  /** {@code reader} holds no part of a frame any more: the overdraft, if it had it, is free. */
  public void frameDone(Object reader) {
    if (overdraft.get() == reader && overdraft.compareAndSet(reader, null) && !waiting.isEmpty()) {
      wake();
    }
  }

  private void wake() {
    for (Runnable r : waiting) {
      if (waiting.remove(r)) {
        r.run();
      }
    }
  }

  /** Bytes counted now. */
  public long held() {
    return held.get();
  }

  /** The most bytes counted at once so far. */
  public long peak() {
    return peak.get();
  }

  /** Times a reader holding something was told to wait: paused by this budget, not by its peer. */
  public long pauses() {
    return pauses.get();
  }

  public long ceiling() {
    return ceiling;
  }
}
