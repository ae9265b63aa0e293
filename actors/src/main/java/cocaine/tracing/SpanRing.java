package cocaine.tracing;

import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The fixed-size ring behind {@link Tracing}: the latest spans kept as columns of preallocated
 * arrays, not as one {@link Span} object each. A span's fields are copied in when it is recorded
 * and a {@link Span} is made again only when someone reads it, so the spans the ring holds cost the
 * garbage collector nothing to copy while they wait to be overwritten. Writers on any thread, each
 * owning its slot while it fills it; readers take a slot only when its sequence number is the same
 * before and after they copied it.
 */
final class SpanRing {
  private final int capacity;
  /** Per slot: 1 + the number of the span it holds, or -(1 + the number of the span a writer is filling it with). */
  private final AtomicLongArray sequence;
  private final long[] traceId;
  private final long[] spanId;
  private final long[] parentId;
  private final long[] startMicros;
  private final long[] durationMicros;
  private final String[] name;
  private final String[] node;
  private final String[] app;
  private final String[] slot;
  private final String[] error;
  private final Object[] attributes;

  SpanRing(int capacity) {
    this.capacity = capacity;
    sequence = new AtomicLongArray(capacity);
    traceId = new long[capacity];
    spanId = new long[capacity];
    parentId = new long[capacity];
    startMicros = new long[capacity];
    durationMicros = new long[capacity];
    name = new String[capacity];
    node = new String[capacity];
    app = new String[capacity];
    slot = new String[capacity];
    error = new String[capacity];
    attributes = new Object[capacity];
  }

  int capacity() {
    return capacity;
  }

  /**
   * Keeps the span numbered n (0, 1, ... in recording order) in its slot, over the one before it.
   * Two writers meet in a slot only when the ring went round while one of them was writing (a
   * thread stalled for a whole ring of spans): then the span that finds the slot being written, or
   * holding a newer span, is not kept, rather than mixing its fields with the other's.
   */
  void put(long n, long trace, long span, long parent, String spanName, String spanNode, String spanApp,
      String spanSlot, long start, long duration, String spanError, Map<String, Object> spanAttributes) {
    int i = (int) (n % capacity);
    long held;
    do {
      held = sequence.get(i);
      if (held < 0 || held > n + 1) {
        return;
      }
    } while (!sequence.compareAndSet(i, held, -(n + 1))); // a full fence: no field is written before it
    traceId[i] = trace;
    spanId[i] = span;
    parentId[i] = parent;
    startMicros[i] = start;
    durationMicros[i] = duration;
    name[i] = spanName;
    node[i] = spanNode;
    app[i] = spanApp;
    slot[i] = spanSlot;
    error[i] = spanError;
    // an empty map is a shared constant; only real attributes are kept per span
    attributes[i] = spanAttributes == null || spanAttributes.isEmpty() ? null : spanAttributes;
    sequence.setRelease(i, n + 1);
  }

  /** The span numbered n, or null when its slot holds another (overwritten, or being written). */
  @SuppressWarnings("unchecked")
  Span get(long n) {
    int i = (int) (n % capacity);
    if (sequence.getAcquire(i) != n + 1) {
      return null;
    }
    Object a = attributes[i];
    Span s = new Span(traceId[i], spanId[i], parentId[i], name[i], node[i], app[i], slot[i], startMicros[i],
        durationMicros[i], error[i], a == null ? Map.of() : (Map<String, Object>) a);
    VarHandle.loadLoadFence();
    return sequence.get(i) == n + 1 ? s : null;
  }

  /** Whether the span numbered n is still held and belongs to trace; cheaper than {@link #get}. */
  boolean holds(long n, long trace) {
    int i = (int) (n % capacity);
    return sequence.getAcquire(i) == n + 1 && traceId[i] == trace;
  }
}
