package cocaine.rpc.transport;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The bytes read off the sockets of every wire connection of a process and not yet decoded into
 * frames ({@code cocaine.network.wire-budget}): memory bounded in total, where
 * {@code max-bytes-in-flight} bounds one connection. A connection reads on while the total is under
 * the ceiling; at it, its reads stop (the peer is backpressured by TCP, nothing is dropped) until
 * bytes are given back by a decoded frame or a closed connection. One connection at a time may go
 * over the ceiling to finish the frame it is in the middle of, so connections that each hold part
 * of a frame cannot stall each other for ever: the total stays within the ceiling, one frame and
 * one read per connection. Safe from any thread.
 */
public final class WireBudget {
  private static volatile WireBudget process = new WireBudget(Long.MAX_VALUE);

  private final long ceiling;
  private final AtomicLong held = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  /** The connection allowed over the ceiling to finish its frame, or null. */
  private final AtomicReference<Object> overdraft = new AtomicReference<>();
  private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();

  public WireBudget(long ceiling) {
    if (ceiling < 1) {
      throw new IllegalArgumentException("wire budget must be at least 1 byte, got " + ceiling);
    }
    this.ceiling = ceiling;
  }

  /**
   * The budget every connection of this process reads within: the runtime sets its ceiling from
   * {@code cocaine.network.wire-budget} at start-up; until then, none.
   */
  public static WireBudget process() {
    return process;
  }

  /** Sets the process's ceiling, at start-up before any connection: connections keep the budget they began with. */
  public static void useForProcess(long ceiling) {
    process = new WireBudget(ceiling);
  }

  /** Counts bytes just read. */
  void take(long bytes) {
    long now = held.addAndGet(bytes);
    if (now > peak.get()) {
      peak.accumulateAndGet(now, Math::max);
    }
  }

  /** Gives back bytes that {@link #take} counted: decoded, or dropped with their connection. */
  void give(long bytes) {
    if (bytes != 0 && held.addAndGet(-bytes) < ceiling && !waiting.isEmpty()) {
      wake();
    }
  }

  /**
   * Whether {@code reader} may read now; if not, {@code wakeUp} runs (from any thread) once it may
   * try again.
   *
   * @param midFrame whether the reader holds part of a frame: then it reads only within the ceiling
   *     or with the overdraft; a reader that holds nothing may always read
   */
  boolean mayRead(Object reader, boolean midFrame, Runnable wakeUp) {
    if (allowed(reader, midFrame)) {
      return true;
    }
    waiting.add(wakeUp);
    // bytes given back between the check and the queueing would have woken nobody
    return allowed(reader, midFrame);
  }

  private boolean allowed(Object reader, boolean midFrame) {
    if (!midFrame || held.get() < ceiling) {
      return true; // a reader that holds nothing reads one chunk: small messages (replies, heartbeats) flow
    }
    return overdraft.get() == reader || overdraft.compareAndSet(null, reader);
  }

  /** {@code reader} holds no part of a frame any more: the overdraft, if it had it, is free. */
  void frameDone(Object reader) {
    if (overdraft.get() == reader && overdraft.compareAndSet(reader, null) && !waiting.isEmpty()) {
      wake();
    }
  }

  private void wake() {
    for (Runnable r = waiting.poll(); r != null; r = waiting.poll()) {
      r.run();
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

  public long ceiling() {
    return ceiling;
  }
}
