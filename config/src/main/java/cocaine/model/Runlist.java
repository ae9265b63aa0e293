package cocaine.model;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The apps a node starts at boot, each with its profile's name, stored in
 * {@code runlists/<name>} (docs/protocol.md 4.4). An empty runlist starts nothing.
 *
 * @param apps app name -> profile name
 */
public record Runlist(Map<String, String> apps) {
  private static final String SUBJECT = "runlist";

  public Runlist {
    Fields f = new Fields(SUBJECT);
    for (Map.Entry<String, String> entry : apps.entrySet()) {
      if (entry.getKey() == null || entry.getKey().isEmpty()) {
        throw f.bad("app names must be non-empty strings, got " + Fields.show(entry.getKey()));
      }
      if (entry.getValue() == null || entry.getValue().isEmpty()) {
        throw f.bad(entry.getKey(), "must name a profile (a non-empty string)", entry.getValue());
      }
    }
    apps = Collections.unmodifiableMap(new TreeMap<>(apps));
  }

  /** Reads a decoded runlist; errors name it, e.g. {@code runlist 'default': ...}. */
  public static Runlist fromMap(String name, Map<String, ?> map) {
    try {
      return fromMap(map);
    } catch (InvalidModelException e) {
      throw e.about(SUBJECT + " '" + name + "'");
    }
  }

  /** Reads a decoded runlist whose name is not known here. */
  public static Runlist fromMap(Map<String, ?> map) {
    Fields f = new Fields(SUBJECT);
    f.root(map);
    Map<String, String> apps = new TreeMap<>();
    map.forEach((app, profile) -> {
      if (app == null || app.isEmpty()) {
        throw f.bad("app names must be non-empty strings, got " + Fields.show(app));
      }
      if (!(profile instanceof String s) || s.isEmpty()) {
        throw f.bad(app, "must name a profile (a non-empty string)", profile);
      }
      apps.put(app, s);
    });
    return new Runlist(apps);
  }

  /** The map to encode for storage: app -> profile name. */
  public Map<String, Object> toMap() {
    return Collections.unmodifiableMap(new TreeMap<>(apps));
  }
}
