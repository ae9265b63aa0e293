package cocaine.model;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the fields of a map decoded from msgpack or JSON (Strings, Numbers, Booleans, Lists,
 * Maps) and says which field is wrong and what it held.
 */
public final class Fields {
  private final String subject;

  /** subject names the object in messages: "profile", "manifest", ... */
  public Fields(String subject) {
    this.subject = subject;
  }

  public InvalidModelException bad(String field, String rule, Object got) {
    return new InvalidModelException(subject, "'" + field + "' " + rule + ", got " + show(got));
  }

  public InvalidModelException bad(String detail) {
    return new InvalidModelException(subject, detail);
  }

  @SuppressWarnings("unchecked")
  Map<String, ?> map(String field, Object value) {
    if (!(value instanceof Map<?, ?> map) || !map.keySet().stream().allMatch(k -> k instanceof String)) {
      throw bad(field, "must be a map with string keys", value);
    }
    return (Map<String, ?>) map;
  }

  /** The whole object must be a map; null (msgpack nil) is not one. */
  public Map<String, ?> root(Map<String, ?> map) {
    if (map == null) {
      throw bad("must be a map, got nothing");
    }
    return map;
  }

  String nonEmptyString(String field, Object value) {
    if (!(value instanceof String s) || s.isEmpty()) {
      throw bad(field, "must be a non-empty string", value);
    }
    return s;
  }

  boolean bool(String field, Object value) {
    if (!(value instanceof Boolean b)) {
      throw bad(field, "must be true or false", value);
    }
    return b;
  }

  /** A whole number that fits an int; the rule says which sign is wanted, the caller checks it. */
  int integer(String field, Object value, String rule) {
    long n = wholeNumber(field, value, rule);
    if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
      throw bad(field, rule + " (at most " + Integer.MAX_VALUE + ")", value);
    }
    return (int) n;
  }

  public long wholeNumber(String field, Object value, String rule) {
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof BigInteger b && b.bitLength() < 64) {
      return b.longValue();
    }
    // JSON tools write 10.0 for 10; a whole double is still the integer meant
    if ((value instanceof Double || value instanceof Float) && isWhole(((Number) value).doubleValue())) {
      return (long) ((Number) value).doubleValue();
    }
    throw bad(field, rule, value);
  }

  /** Seconds, floats allowed, kept as milliseconds (docs/protocol.md 4.3). */
  Duration seconds(String field, Object value) {
    if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0) {
      throw bad(field, "must be a non-negative number of seconds", value);
    }
    return Duration.ofMillis(Math.round(n.doubleValue() * 1000));
  }

  static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }

  /** A deep, unmodifiable copy that keeps map order and nils, as decoded. */
  static Object freeze(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(k, freeze(v)));
      return Collections.unmodifiableMap(copy);
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      list.forEach(v -> copy.add(freeze(v)));
      return Collections.unmodifiableList(copy);
    }
    return value;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> freezeMap(Map<String, ?> map) {
    return (Map<String, Object>) freeze(map);
  }

  public static String show(Object value) {
    if (value == null) {
      return "nothing";
    }
    if (value instanceof String s) {
      return "\"" + s + "\"";
    }
    if (value instanceof Map<?, ?>) {
      return "a map";
    }
    if (value instanceof List<?>) {
      return "a list";
    }
    return String.valueOf(value);
  }

  private static boolean isWhole(double d) {
    return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 0x1p53;
  }
}
