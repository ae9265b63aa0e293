package cocaine.tracing;

import java.util.Map;

/**
 * One hop of one request, as the dashboard and the OTLP export see it.
 *
 * @param traceId   the request's trace, shared by all its hops (never 0)
 * @param spanId    this hop's id
 * @param parentId  the hop that caused it; 0 for the root (the proxy, or the first service a client called)
 * @param name      what the hop is: proxy, pool, connection, app-service, queue, slot, worker
 * @param node      the process that recorded it (its hostname and uuid prefix)
 * @param app       the app the request was for; empty when unknown
 * @param slot      the worker slot's uuid, for slot and worker spans; empty otherwise
 * @param startMicros microseconds since the epoch when the hop began
 * @param durationMicros how long it took
 * @param error     why it failed; null when it did not
 * @param attributes a few hop-specific facts (status, endpoint, queue depth)
 */
public record Span(long traceId, long spanId, long parentId, String name, String node, String app, String slot,
    long startMicros, long durationMicros, String error, Map<String, Object> attributes) {
  public static final String PROXY = "proxy";
  public static final String POOL = "pool";
  public static final String CONNECTION = "connection";
  public static final String APP_SERVICE = "app-service";
  public static final String QUEUE = "queue";
  public static final String SLOT = "slot";
  public static final String WORKER = "worker";

  public boolean failed() {
    return error != null;
  }

  /** The trace id as the proxy shows it to clients (X-Request-Id): 16 lowercase hex digits. */
  public static String hex(long id) {
    String s = Long.toHexString(id);
    return "0000000000000000".substring(s.length()) + s;
  }
}
