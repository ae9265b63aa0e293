package cocaine.node.app;

import cocaine.model.Manifest;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The event a new version of an app must answer without error before it takes traffic, from the
 * manifest's {@code "health": {"event": "ping", "timeout": 5}} (timeout in seconds, 5 when absent).
 */
record HealthCheck(String event, Duration timeout) {
  static final String KEY = "health";
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * The manifest's health check; empty when it names none.
   *
   * @throws CocaineException {@code [12, 22]} naming the field when it is not as above
   */
  static Optional<HealthCheck> of(String app, Manifest manifest) {
    Object v = manifest.extra().get(KEY);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof Map<?, ?> map) || !(map.get("event") instanceof String event) || event.isEmpty()) {
      throw new CocaineException(ErrorCode.INVALID, "app '" + app + "': manifest field 'health' must be"
          + " {\"event\": NAME, \"timeout\": SECONDS}, got " + v);
    }
    Object t = map.get("timeout");
    if (t != null && (!(t instanceof Number n) || n.doubleValue() <= 0)) {
      throw new CocaineException(ErrorCode.INVALID, "app '" + app + "': manifest field 'health.timeout' must be a"
          + " positive number of seconds, got " + t);
    }
    Duration timeout = t == null ? DEFAULT_TIMEOUT : Duration.ofMillis(Math.round(((Number) t).doubleValue() * 1000));
    return Optional.of(new HealthCheck(event, timeout));
  }
}
