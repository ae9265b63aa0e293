package cocaine.proxy;

import cocaine.admin.ProxyMetrics;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * How each request ended, said once: its line in the access log ({@code cocaine.proxy.access-log},
 * buffered by {@link AccessLogBuffer}), its request metric, for an answer of the app's the proxy's
 * span, and the body bytes it held given back to the {@link BodyBudget}.
 */
final class AccessLog implements AutoCloseable {
  private static final int LINE_KEPT = 1024;
  private static final ThreadLocal<StringBuilder> LINE = ThreadLocal.withInitial(() -> new StringBuilder(256));
  private final ProxyMetrics metrics;
  private final BodyBudget budget;
  /** Null when the access log is off. */
  private final AccessLogBuffer lines;

  AccessLog(ProxyMetrics metrics, BodyBudget budget, ProxyConfig.AccessLogSettings settings) {
    this.metrics = metrics;
    this.budget = budget;
    this.lines = settings.enabled()
        ? new AccessLogBuffer(settings.path(), settings.bufferBytes(), settings.flush().toMillis()) : null;
  }

  /** The app's response has ended: in full, cut short, or with no body to send. */
  void answered(Call call, int status) {
    long nanos = System.nanoTime() - call.startNanos();
    budget.give(call.bodyHeld().getAndSet(0));
    metrics.request(call.app(), status, nanos);
    RequestSpans.proxy(call.trace(), call.app(), call.route().event(), status, call.startNanos(), null);
    if (lines != null) {
      lines.append(line(call.request(), status, call.app(), call.trace().requestId(), nanos)
          .append(" event=").append(call.route().event()));
      done();
    }
  }

  /** The app's response was cut after its head went out; {@code reason} names why in the metric. */
  void cut(Call call, int status, String reason) {
    metrics.aborted(call.app(), reason);
    answered(call, status);
  }

  /**
   * The proxy answered with an error of its own.
   *
   * @param call null when the request was refused before it was routed
   * @param requestId null when the request was refused before its trace was known
   * @param app null when the request was refused before its route was known
   * @param metricApp the app the metric counts the request for: {@link ProxyMetrics#NO_APP} unless a pool took it
   */
  void refused(HttpRequest request, Call call, ProxyError e, String requestId, String app, long startNanos,
      String metricApp) {
    long nanos = System.nanoTime() - startNanos;
    if (call != null) {
      budget.give(call.bodyHeld().getAndSet(0));
    }
    metrics.request(metricApp, e.status(), nanos);
    if (lines != null) {
      lines.append(line(request, e.status(), app, requestId, nanos).append(" error=").append(e.getMessage()));
      done();
    }
  }

  /** This thread's line, reused: the buffer copies it at once. */
  private static StringBuilder line(HttpRequest request, int status, String app, String requestId, long nanos) {
    StringBuilder line = LINE.get();
    line.setLength(0);
    return line.append(request.method().value()).append(' ').append(request.getUri().path())
        .append(" -> ").append(status).append(" app=").append(app).append(" id=").append(requestId)
        .append(" ms=").append(nanos / 1_000_000);
  }

  /** A line made long by an error's text is not kept. */
  private static void done() {
    if (LINE.get().capacity() > LINE_KEPT) {
      LINE.remove();
    }
  }

  @Override
  public void close() {
    if (lines != null) {
      lines.close();
    }
  }
}
