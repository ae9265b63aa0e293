package cocaine.logging;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One record emitted through the logging service: an app's or the runtime's line with its
 * attributes (values are String, Long, Double or Boolean), in the order they were sent.
 */
public record LogRecord(Instant timestamp, Severity severity, String source, String message,
    Map<String, Object> attributes) {
  public LogRecord {
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(message, "message");
    attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
  }
}
