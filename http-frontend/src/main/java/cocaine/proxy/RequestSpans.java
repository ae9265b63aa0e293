package cocaine.proxy;

import cocaine.proxy.pool.Pool;
import cocaine.tracing.Span;
import cocaine.tracing.Tracing;
import cocaine.wire.CocaineException;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * The proxy's spans of one request: {@code proxy} (the whole exchange, the trace's span the
 * enqueue names), {@code pool} (waiting for a lease) and {@code connection} (the app channel on
 * the leased connection), the latter two children of the first.
 */
final class RequestSpans {
  private RequestSpans() {}

  static void proxy(Trace trace, String app, String event, int status, long startNanos, String error) {
    Tracing t = Tracing.process();
    if (!t.enabled()) {
      return;
    }
    t.record(trace.traceId(), trace.spanId(), trace.parentId(), Span.PROXY, app, "", startNanos,
        error != null ? error : status >= 500 ? "HTTP " + status : null, Map.of("status", status, "event", event));
  }

  static void leased(Trace trace, String app, long startNanos, Pool.Leased leased, Throwable failure) {
    Tracing t = Tracing.process();
    if (!t.enabled()) {
      return;
    }
    String error = null;
    Map<String, Object> attributes = Map.of();
    if (failure != null) {
      error = cause(failure).toString();
    } else if (leased instanceof Pool.Refused r) {
      error = r.cause().code() + " " + r.cause().getMessage();
    } else if (leased instanceof Pool.Granted g) {
      // a routing group's member, for the dashboard's split of the group
      attributes = g.app().equals(app) ? Map.of("endpoint", g.endpoint())
          : Map.of("endpoint", g.endpoint(), "member", g.app());
    }
    t.record(trace.traceId(), Tracing.newId(), trace.spanId(), Span.POOL, app, "", startNanos, error, attributes);
  }

  static void channel(Trace trace, String app, String endpoint, long startNanos, Throwable failure) {
    Tracing t = Tracing.process();
    if (!t.enabled()) {
      return;
    }
    String error = null;
    if (failure != null) {
      Throwable c = cause(failure);
      error = c instanceof CocaineException e ? e.code() + " " + e.getMessage() : c.toString();
    }
    t.record(trace.traceId(), Tracing.newId(), trace.spanId(), Span.CONNECTION, app, "", startNanos, error,
        Map.of("endpoint", endpoint));
  }

  private static Throwable cause(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
