package cocaine.proxy;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How long a request to an app's event may take: the timeouts kept in storage
 * ({@code timeouts/<app>}, changed live with {@code cocaine timeouts set}), else the app's
 * {@code cocaine.proxy.app-timeouts}, else {@code cocaine.proxy.timeout}. Like the tornado proxy's
 * {@code timeouts[app][event] or timeouts[app][""]}. Thread-safe: requests read it while the
 * {@link StoredFeed} replaces an app's entry.
 */
final class Timeouts implements LiveTable<Map<String, Duration>> {
  /** The event name that stands for every event of the app. */
  static final String ANY_EVENT = "";

  /**
   * The timeout of one request.
   *
   * @param configured the app (or its event) has a timeout of its own: the app is told it as
   *                   {@code request_timeout}; the proxy's default is not sent
   */
  record Timeout(Duration value, boolean configured) {}

  private final Duration fallback;
  private final Map<String, Duration> configured;
  private volatile Map<String, Map<String, Duration>> live = Map.of();

  /**
   * @param fallback   the proxy's timeout
   * @param configured per-app timeouts of the configuration
   */
  Timeouts(Duration fallback, Map<String, Duration> configured) {
    this.fallback = fallback;
    this.configured = Map.copyOf(configured);
  }

  Timeout of(String app, String event) {
    Map<String, Duration> stored = live.get(app);
    if (stored != null) {
      Duration d = stored.getOrDefault(event, stored.get(ANY_EVENT));
      if (d != null) {
        return new Timeout(d, true);
      }
    }
    Duration d = configured.get(app);
    return d != null ? new Timeout(d, true) : new Timeout(fallback, false);
  }

  @Override
  public String collection() {
    return StoredFeed.TIMEOUTS;
  }

  /** Replaces the stored timeouts of app (event -> timeout); null or an empty map removes them. */
  @Override
  public synchronized void put(String app, Map<String, Duration> events) {
    Map<String, Map<String, Duration>> next = new HashMap<>(live);
    if (events == null || events.isEmpty()) {
      next.remove(app);
    } else {
      next.put(app, Map.copyOf(events));
    }
    live = Map.copyOf(next);
  }

  /** The stored timeouts now, app -> event -> timeout. */
  @Override
  public Map<String, Map<String, Duration>> stored() {
    return live;
  }

  /**
   * The stored object of {@code timeouts/<app>}: a map of event name ("" = every event) to seconds
   * (integer or fraction), as the tornado proxy kept them in unicorn.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  @Override
  public Map<String, Duration> parse(String app, Object stored) {
    if (!(stored instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("timeouts/" + app + " must be a map of event to seconds, got " + stored);
    }
    Map<String, Duration> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String event) || !(e.getValue() instanceof Number seconds)
          || !(seconds.doubleValue() > 0) || seconds.doubleValue() > 86_400) {
        throw new IllegalArgumentException("timeouts/" + app + ": each entry must be \"<event>\": <seconds from 0 "
            + "to 86400, above 0>, got " + e.getKey() + " = " + e.getValue());
      }
      out.put(event, Duration.ofNanos(Math.round(seconds.doubleValue() * 1e9)));
    }
    return out;
  }
}
