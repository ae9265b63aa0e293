package cocaine.cluster.desired;

import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One immutable version of an app (storage {@code versions/<app>@<number>}, a msgpack map): what
 * ran (the archive's SHA-256 or the image), its manifest, the profile, the source commit when known,
 * when and by whom it was made. A rollback makes an earlier version current again from this record
 * and the archive copy {@code apps/<app>@<number>}.
 *
 * @param source  {@code sha256:<hex>} of the archive, or the image ({@code registry/app:tag}), or {@code manifest only}
 * @param commit  the source commit, or empty
 * @param time    ISO-8601 instant
 * @param by      token fingerprint or key of who made it
 * @param status  empty, or {@code failed} when a deploy saw it fail on a node and rolled back
 * @param reason  why it failed (the node and its words), else empty
 */
public record AppVersion(String app, long number, String source, Map<String, Object> manifest, String profile,
    String commit, String time, String by, String status, String reason) {
  public static final String COLLECTION = "versions";
  /** The status of a version a deploy rolled back from. */
  public static final String FAILED = "failed";

  /** A version nobody judged yet. */
  public AppVersion(String app, long number, String source, Map<String, Object> manifest, String profile,
      String commit, String time, String by) {
    this(app, number, source, manifest, profile, commit, time, by, "", "");
  }

  /** The same version, marked failed with {@code why}. */
  public AppVersion failed(String why) {
    return new AppVersion(app, number, source, manifest, profile, commit, time, by, FAILED, why);
  }

  public boolean isFailed() {
    return FAILED.equals(status);
  }

  public AppVersion {
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
    manifest = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(manifest));
    if (number < 1) {
      throw new IllegalArgumentException("version of '" + app + "' must be 1 or more, got " + number);
    }
  }

  /** The storage key: {@code <app>@<number>}. */
  public static String key(String app, long number) {
    return app + "@" + number;
  }

  /** The tag every version of {@code app} carries, so {@code find} lists them. */
  public static List<String> tags(String app) {
    return List.of("app:" + app);
  }

  public String key() {
    return key(app, number);
  }

  public byte[] pack() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("version", number);
    map.put("source", source);
    map.put("manifest", manifest);
    map.put("profile", profile);
    map.put("commit", commit);
    map.put("time", time);
    map.put("by", by);
    if (!status.isEmpty()) {
      map.put("status", status);
      map.put("reason", reason);
    }
    return FrameEncoder.encodeValue(Values.fromJava(map));
  }

  /**
   * Reads {@code versions/<key>} of {@code app}.
   *
   * @throws IllegalArgumentException naming the key and what is wrong
   */
  @SuppressWarnings("unchecked")
  public static AppVersion unpack(String app, String key, byte[] blob) {
    Map<?, ?> map = StoredMap.read("version record " + key, blob);
    if (!(map.get("version") instanceof Number n)) {
      throw new IllegalArgumentException("version record " + key + ": 'version' must be a number");
    }
    if (!(map.get("manifest") instanceof Map<?, ?> manifest)) {
      throw new IllegalArgumentException("version record " + key + ": 'manifest' must be a map");
    }
    return new AppVersion(app, n.longValue(), text(map, "source"), (Map<String, Object>) manifest,
        required(key, map, "profile"), text(map, "commit"), text(map, "time"), text(map, "by"), text(map, "status"),
        text(map, "reason"));
  }

  private static String required(String key, Map<?, ?> map, String field) {
    String v = text(map, field);
    if (v.isEmpty()) {
      throw new IllegalArgumentException("version record " + key + ": '" + field + "' must be a non-empty string");
    }
    return v;
  }

  private static String text(Map<?, ?> map, String field) {
    Object v = map.get(field);
    return v == null ? "" : String.valueOf(v);
  }
}
