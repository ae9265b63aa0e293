package cocaine.tracing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The spans this process recorded: a fixed-size ring of the most recent ones (older ones are
 * overwritten, so memory stays bounded whatever the traffic) and the listeners that want each new
 * span (the dashboard's live viewers, the OTLP export), which must not block. One per process,
 * configured at start from {@code cocaine.tracing}; off means every hop skips its span entirely.
 */
public final class Tracing {
  private static volatile Tracing process = new Tracing(true, 4096, "local");

  private final boolean enabled;
  private final String node;
  private final SpanRing ring;
  private final AtomicLong written = new AtomicLong();
  private final List<Consumer<Span>> listeners = new CopyOnWriteArrayList<>();
  /** Maps System.nanoTime to epoch time once, so spans of one process never go back in time. */
  private final long baseNanos = System.nanoTime();
  private final long baseMicros = System.currentTimeMillis() * 1000;

  private Tracing(boolean enabled, int capacity, String node) {
    if (capacity < 1) {
      throw new IllegalArgumentException("cocaine.tracing.buffer must be at least 1, got " + capacity);
    }
    this.enabled = enabled;
    this.node = node;
    this.ring = new SpanRing(capacity);
  }

  /** This process's recorder. */
  public static Tracing process() {
    return process;
  }

  /**
   * Replaces this process's recorder (at start, from {@code cocaine.tracing}); spans of the old one
   * are dropped, its listeners are not carried over.
   *
   * @param capacity spans kept for the dashboard
   * @param node     the name spans of this process carry
   */
  public static Tracing configure(boolean enabled, int capacity, String node) {
    process = new Tracing(enabled, capacity, node);
    return process;
  }

  public boolean enabled() {
    return enabled;
  }

  public String node() {
    return node;
  }

  public int capacity() {
    return ring.capacity();
  }

  /** A new span id, like the C++ runtime's: 1 to 2^63 - 2, never 0 ("none"). */
  public static long newId() {
    return ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE - 1);
  }

  /** Epoch microseconds of a {@link System#nanoTime()} reading of this process. */
  public long micros(long nanos) {
    return baseMicros + (nanos - baseNanos) / 1000;
  }

  /**
   * Records the span of a hop that ran from startNanos until now ({@link System#nanoTime()}).
   * Does nothing when tracing is off.
   */
  public void record(long traceId, long spanId, long parentId, String name, String app, String slot, long startNanos,
      String error, Map<String, Object> attributes) {
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    String a = app == null ? "" : app;
    String s = slot == null ? "" : slot;
    long start = micros(startNanos);
    long duration = Math.max(0, (now - startNanos) / 1000);
    if (listeners.isEmpty()) {
      ring.put(written.getAndIncrement(), traceId, spanId, parentId, name, node, a, s, start, duration, error,
          attributes);
      return;
    }
    record(new Span(traceId, spanId, parentId, name, node, a, s, start, duration, error, attributes));
  }

  /** Keeps span in the ring and hands it to the listeners. */
  public void record(Span span) {
    if (!enabled) {
      return;
    }
    ring.put(written.getAndIncrement(), span.traceId(), span.spanId(), span.parentId(), span.name(), span.node(),
        span.app(), span.slot(), span.startMicros(), span.durationMicros(), span.error(), span.attributes());
    for (Consumer<Span> l : listeners) {
      l.accept(span);
    }
  }

  /** Spans recorded so far, counting those the ring no longer holds. */
  public long recorded() {
    return written.get();
  }

  /** The latest spans still in the ring, oldest first, at most limit. */
  public List<Span> recent(int limit) {
    return since(0, limit).spans();
  }

  /**
   * The spans recorded from number cursor on ({@link #recorded()} before them) still in the ring,
   * oldest first, at most the latest limit; and the cursor of the next call. A cursor below 0 asks
   * for none, only the cursor: where a reader that wants only new spans starts.
   */
  public Batch since(long cursor, int limit) {
    long end = written.get();
    if (cursor < 0) {
      return new Batch(List.of(), end);
    }
    long start = Math.max(cursor, Math.max(end - ring.capacity(), end - limit));
    List<Span> out = new ArrayList<>((int) Math.max(0, end - start));
    for (long i = start; i < end; i++) {
      Span s = ring.get(i);
      if (s != null) {
        out.add(s);
      }
    }
    return new Batch(out, end);
  }

  /** Spans read by {@link #since}, and the cursor that reads on after them. */
  public record Batch(List<Span> spans, long next) {}

  /** The spans of one trace still in the ring, by start time. */
  public List<Span> trace(long traceId) {
    List<Span> out = new ArrayList<>();
    long end = written.get();
    for (long n = Math.max(0, end - ring.capacity()); n < end; n++) {
      Span s = ring.holds(n, traceId) ? ring.get(n) : null;
      if (s != null && s.traceId() == traceId) {
        out.add(s);
      }
    }
    out.sort((a, b) -> Long.compare(a.startMicros(), b.startMicros()));
    return out;
  }

  /** Calls listener with every later span, on the recording thread: it must be quick and never block. */
  public Runnable subscribe(Consumer<Span> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }
}
