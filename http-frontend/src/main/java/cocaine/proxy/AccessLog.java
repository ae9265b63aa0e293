package cocaine.proxy;

import cocaine.admin.ProxyMetrics;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How each request ended, said once: its line in the access log ({@code cocaine.proxy.access}), its
 * request metric and, for an answer of the app's, the proxy's span.
 */
final class AccessLog {
  private static final Logger access = LoggerFactory.getLogger("cocaine.proxy.access");

  private final ProxyMetrics metrics;

  AccessLog(ProxyMetrics metrics) {
    this.metrics = metrics;
  }

  /** The app's response has ended: in full, cut short, or with no body to send. */
  void answered(Call call, int status) {
    long nanos = System.nanoTime() - call.startNanos();
    metrics.request(call.app(), status, nanos);
    RequestSpans.proxy(call.trace(), call.app(), call.route().event(), status, call.startNanos(), null);
    access.info("{} {} -> {} app={} event={} id={} ms={}", call.request().method().value(),
        call.request().getUri().path(), status, call.app(), call.route().event(), call.trace().requestId(),
        nanos / 1_000_000);
  }

  /** The app's response was cut after its head went out; {@code reason} names why in the metric. */
  void cut(Call call, int status, String reason) {
    metrics.aborted(call.app(), reason);
    answered(call, status);
  }

  /**
   * The proxy answered with an error of its own.
   *
   * @param requestId null when the request was refused before its trace was known
   * @param app null when the request was refused before its route was known
   * @param metricApp the app the metric counts the request for: {@link ProxyMetrics#NO_APP} unless a pool took it
   */
  void refused(HttpRequest request, ProxyError e, String requestId, String app, long startNanos, String metricApp) {
    long nanos = System.nanoTime() - startNanos;
    metrics.request(metricApp, e.status(), nanos);
    access.info("{} {} -> {} app={} id={} ms={} error={}", request.method().value(), request.getUri().path(),
        e.status(), app, requestId, nanos / 1_000_000, e.getMessage());
  }
}
