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

  /** The record as the file sink and the ring write it: {@code @timestamp, level, source, message, attributes}. */
  public Map<String, Object> document() {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("@timestamp", timestamp.toString());
    line.put("level", severity.label());
    line.put("source", source);
    line.put("message", message);
    line.put("attributes", attributes);
    return line;
  }

  /**
   * The record a {@link #document()} was made of.
   *
   * @throws IllegalArgumentException when a field is missing or malformed
   */
  public static LogRecord of(Map<?, ?> document) {
    try {
      Severity severity = Severity.valueOf(String.valueOf(document.get("level")).toUpperCase(java.util.Locale.ROOT));
      Map<String, Object> attributes = new LinkedHashMap<>();
      if (document.get("attributes") instanceof Map<?, ?> a) {
        // JSON gives small numbers back as Integer: a record's are Long (and Double)
        a.forEach((k, v) -> attributes.put(String.valueOf(k), v instanceof Integer i ? Long.valueOf(i)
            : v instanceof Float f ? Double.valueOf(f) : v));
      }
      return new LogRecord(Instant.parse(String.valueOf(document.get("@timestamp"))), severity,
          (String) Objects.requireNonNull(document.get("source"), "source"),
          (String) Objects.requireNonNull(document.get("message"), "message"), attributes);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a log record: " + e.getMessage(), e);
    }
  }
}
