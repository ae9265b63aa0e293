package cocaine.proxy;

import java.util.HashMap;
import java.util.Map;

/**
 * The share of an app's requests (0..1) that carry {@code trace_bit} when the client does not choose
 * ({@code X-Cocaine-Tracing-Policy}): the percent kept in storage ({@code tracing/<app>}, changed
 * live with {@code cocaine tracing set}), else the app's {@code cocaine.proxy.trace-sampling}, else
 * its {@code *} entry. Like the original tool's {@code /zipkin_sampling} in unicorn. Thread-safe:
 * requests read it while the {@link StoredFeed} replaces an app's entry.
 */
final class TraceSampling implements LiveTable<Double> {
  private final ProxyConfig config;
  /** app -> percent 0..100 */
  private volatile Map<String, Double> live = Map.of();

  /** @param config whose {@code trace-sampling} applies to the apps with no stored percent */
  TraceSampling(ProxyConfig config) {
    this.config = config;
  }

  /** The share (0..1) of the app's requests to trace. */
  double share(String app) {
    Double percent = live.get(app);
    return percent != null ? percent / 100 : config.traceShare(app);
  }

  @Override
  public String collection() {
    return StoredFeed.TRACING;
  }

  /** The stored percent: a number from 0 to 100 (the original tool stored a float). */
  @Override
  public Double parse(String app, Object stored) {
    if (!(stored instanceof Number n) || !(n.doubleValue() >= 0 && n.doubleValue() <= 100)) {
      throw new IllegalArgumentException("tracing/" + app + " must be a percent from 0 to 100, got " + stored);
    }
    return n.doubleValue();
  }

  @Override
  public synchronized void put(String app, Double percent) {
    Map<String, Double> next = new HashMap<>(live);
    if (percent == null) {
      next.remove(app);
    } else {
      next.put(app, percent);
    }
    live = Map.copyOf(next);
  }

  @Override
  public Map<String, Double> stored() {
    return live;
  }
}
