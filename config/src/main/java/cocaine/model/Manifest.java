package cocaine.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How to start an app's worker, stored in {@code manifests/<app>} (docs/protocol.md 4.2).
 *
 * @param slave       executable, relative to the unpacked app or absolute (inside the image for docker)
 * @param environment extra environment of the worker
 * @param streaming   the app takes HTTP request bodies as a stream of chunks instead of whole
 * @param extra       every other key, kept so that a manifest read and written back loses nothing
 */
public record Manifest(String slave, Map<String, String> environment, boolean streaming, Map<String, Object> extra) {
  private static final String SUBJECT = "manifest";
  private static final Set<String> KEYS = Set.of("slave", "environment", "streaming");

  public Manifest {
    Fields f = new Fields(SUBJECT);
    if (slave == null || slave.isEmpty()) {
      throw f.bad("slave", "must be a non-empty string", slave);
    }
    for (Map.Entry<String, String> variable : environment.entrySet()) {
      String name = variable.getKey();
      // the worker is spawned with these; a name the OS cannot take would fail far from here
      if (name == null || name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        throw f.bad("environment", "names must be non-empty and hold no '=' or NUL", name);
      }
      if (variable.getValue() == null) {
        throw f.bad("environment." + name, "must be a string", null);
      }
    }
    for (String key : extra.keySet()) {
      if (KEYS.contains(key)) {
        throw f.bad("'" + key + "' is a field of its own and cannot be in extra");
      }
    }
    environment = Collections.unmodifiableMap(new TreeMap<>(environment));
    extra = Fields.freezeMap(extra);
  }

  /** A manifest with only the executable set. */
  public static Manifest of(String slave) {
    return new Manifest(slave, Map.of(), false, Map.of());
  }

  /** Reads a decoded manifest; errors name the app. */
  public static Manifest fromMap(String app, Map<String, ?> map) {
    try {
      return fromMap(map);
    } catch (InvalidModelException e) {
      throw e.about(SUBJECT + " '" + app + "'");
    }
  }

  /** Reads a decoded manifest whose app is not known here. */
  public static Manifest fromMap(Map<String, ?> map) {
    Fields f = new Fields(SUBJECT);
    f.root(map);
    String slave = f.nonEmptyString("slave", map.get("slave"));
    Map<String, String> environment = new TreeMap<>();
    if (map.get("environment") != null) {
      f.map("environment", map.get("environment")).forEach((name, value) -> {
        if (!(value instanceof String s)) {
          throw f.bad("environment." + name, "must be a string", value);
        }
        environment.put(name, s);
      });
    }
    boolean streaming = map.containsKey("streaming") && f.bool("streaming", map.get("streaming"));
    Map<String, Object> extra = new LinkedHashMap<>();
    map.forEach((key, value) -> {
      if (!KEYS.contains(key)) {
        extra.put(key, value);
      }
    });
    return new Manifest(slave, environment, streaming, extra);
  }

  /** The map to encode for storage; {@code fromMap(toMap())} equals this manifest. */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>(extra);
    map.put("slave", slave);
    map.put("environment", environment);
    map.put("streaming", streaming);
    return Collections.unmodifiableMap(map);
  }
}
