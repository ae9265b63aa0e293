package cocaine.node.slot;

import cocaine.tracing.Span;
import cocaine.tracing.Tracing;
import cocaine.wire.Header;
import cocaine.wire.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The spans one session records on its node: {@code app-service} (enqueue to the client's last
 * message), {@code queue} (enqueue to a slot taking it), {@code slot} (invoke to the channel's end)
 * and {@code worker} (the invoke sent to the worker's close or error). Its trace id comes from the
 * enqueue's v12 headers (a new trace when they carry none). On the wire the node is one hop, as the
 * original relays a call (docs/protocol.md 1.5): the worker gets {@code trace_id}, its span's
 * {@code span_id} and the caller's span as {@code parent_id}; the node's own spans stay on the
 * dashboard. Owned by whoever owns the session.
 */
public final class SessionTrace {
  /** For tracing off: records nothing, changes no header. */
  public static final SessionTrace NONE = new SessionTrace(null, 0, 0, "", 0);

  private final Tracing tracing;
  private final long traceId;
  private final long parentId;
  private final long spanId;
  private final String app;
  private final long startNanos;
  private volatile String error;
  private int queueDepth;
  private String slot = "";
  private long slotSpan;
  private long slotStartNanos;
  private long workerSpan;
  private long workerStartNanos;
  private long workerEndNanos;
  private String workerError;

  private SessionTrace(Tracing tracing, long traceId, long parentId, String app, long startNanos) {
    this.tracing = tracing;
    this.traceId = traceId;
    this.parentId = parentId;
    this.spanId = tracing == null ? 0 : Tracing.newId();
    this.app = app;
    this.startNanos = startNanos;
  }

  /** The trace of an enqueue with these headers, or {@link #NONE} when this process does not trace. */
  public static SessionTrace of(List<Header> headers, String app, long startNanos) {
    Tracing tracing = Tracing.process();
    if (!tracing.enabled()) {
      return NONE;
    }
    long trace = id(headers, Header.TRACE_ID);
    if (trace == 0) {
      return new SessionTrace(tracing, Tracing.newId(), 0, app, startNanos);
    }
    return new SessionTrace(tracing, trace, id(headers, Header.SPAN_ID), app, startNanos);
  }

  private static long id(List<Header> headers, String name) {
    Optional<Long> v = Header.find(headers, name).flatMap(Header::asLong);
    return v.orElse(0L);
  }

  public long traceId() {
    return traceId;
  }

  /** The session entered the engine's queue, behind depth others. */
  public void queued(int depth) {
    queueDepth = depth;
  }

  /** A slot took the session: ends its queue wait. */
  public void assigned(String slotUuid, long enqueuedNanos) {
    if (tracing == null) {
      return;
    }
    tracing.record(traceId, Tracing.newId(), spanId, Span.QUEUE, app, slotUuid, enqueuedNanos, null,
        Map.of("depth", queueDepth));
  }

  /** The slot slotUuid took the session and sends the invoke now. */
  void invoking(String slotUuid) {
    if (tracing == null) {
      return;
    }
    slot = slotUuid;
    slotSpan = Tracing.newId();
    workerSpan = Tracing.newId();
    slotStartNanos = System.nanoTime();
    workerStartNanos = slotStartNanos;
    workerEndNanos = 0;
  }

  /**
   * The headers the worker gets with the invoke: the session's, with the trace headers replaced by
   * one hop: the same trace, a fresh span (the worker span of the dashboard when this node traces)
   * whose parent is the caller's span. A call without a trace on a node that does not trace goes out
   * as it came.
   */
  List<Header> invokeHeaders(List<Header> headers) {
    if (tracing != null && slotSpan != 0) {
      return relayed(headers, traceId, workerSpan, parentId);
    }
    long trace = id(headers, Header.TRACE_ID);
    return trace == 0 ? headers : relayed(headers, trace, Tracing.newId(), id(headers, Header.SPAN_ID));
  }

  private static List<Header> relayed(List<Header> headers, long trace, long span, long parent) {
    List<Header> out = new ArrayList<>(headers.size() + 3);
    for (Header h : headers) {
      if (!h.name().equals(Header.TRACE_ID) && !h.name().equals(Header.SPAN_ID) && !h.name().equals(Header.PARENT_ID)) {
        out.add(h);
      }
    }
    out.add(Header.ofLong(Header.TRACE_ID, trace));
    out.add(Header.ofLong(Header.SPAN_ID, span));
    out.add(Header.ofLong(Header.PARENT_ID, parent));
    return out;
  }

  /** The worker ended its side of the channel with m (close or error). */
  void workerEnded(Message m) {
    if (tracing == null || workerEndNanos != 0) {
      return;
    }
    workerEndNanos = System.nanoTime();
    workerError = errorOf(m);
  }

  /** The slot's channel is over; error says why the slot cut it, or null. */
  void slotFinished(String why) {
    if (tracing == null || slotSpan == 0) {
      return;
    }
    long now = System.nanoTime();
    String failure = why != null ? why : workerError;
    tracing.record(traceId, slotSpan, spanId, Span.SLOT, app, slot, slotStartNanos, failure, Map.of());
    long end = workerEndNanos != 0 ? workerEndNanos : now;
    tracing.record(new Span(traceId, workerSpan, slotSpan, Span.WORKER, tracing.node(), app, slot,
        tracing.micros(workerStartNanos), Math.max(0, (end - workerStartNanos) / 1000),
        workerEndNanos != 0 ? workerError : failure, Map.of()));
    slotSpan = 0;
  }

  /** The last message queued for the client. */
  void finished(Message last) {
    if (tracing != null && error == null) {
      error = errorOf(last);
    }
  }

  /** The client's upstream completed: ends the app-service span. */
  public void completed() {
    if (tracing == null) {
      return;
    }
    tracing.record(traceId, spanId, parentId, Span.APP_SERVICE, app, "", startNanos, error, Map.of());
  }

  private static String errorOf(Message m) {
    if (m.type() != cocaine.wire.Graph.ERROR) {
      return null;
    }
    try {
      var e = m.toException();
      return e.code() + " " + e.getMessage();
    } catch (RuntimeException bad) {
      return "error " + m.args();
    }
  }
}
