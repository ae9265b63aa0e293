package cocaine.cluster.desired;

import cocaine.node.app.Share;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the cluster wants of one app (storage {@code desired/<app>}, a msgpack map): the version
 * it runs, the profile, the nodes it runs on (empty = every node), whether it runs at all, and a
 * restart count that {@code cocaine app restart --cluster} raises so every node restarts it once.
 * Keys a newer writer adds are ignored, so nodes of the previous release still converge.
 *
 * @param app     the app's name (the storage key)
 * @param version the version to run (a key of {@code versions/<app>@<version>}), never empty
 * @param profile the profile to start it with, never empty
 * @param nodes   node names it runs on; empty = all
 * @param running false = stopped on every node (kept, so {@code start --cluster} finds its version)
 * @param restart raised by a cluster-wide restart; a node restarts the app when it changes
 * @param canary  a second version that takes {@code percent} of the new channels on every node, or null
 */
public record DesiredApp(String app, String version, String profile, List<String> nodes, boolean running,
    long restart, Canary canary) {
  /**
   * A canary: {@code version} (with its {@code profile}) beside the desired one, at {@code percent} of
   * the new channels, until {@code cocaine app promote} makes it the version or {@code rollback} drops it.
   */
  public record Canary(String version, int percent, String profile) {
    public Canary {
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(profile, "profile");
      if (version.isEmpty() || percent < 1 || percent > 99) {
        throw new IllegalArgumentException("a canary needs a version and a percent of 1..99, got version '" + version
            + "' at " + percent + "%");
      }
    }
  }

  /** The storage collection; a platform collection (written and read with the access token). */
  public static final String COLLECTION = "desired";
  /** Every record carries it, so {@code find} lists them all. */
  public static final List<String> TAGS = List.of("desired");

  /** Without a canary. */
  public DesiredApp(String app, String version, String profile, List<String> nodes, boolean running, long restart) {
    this(app, version, profile, nodes, running, restart, null);
  }

  public DesiredApp {
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(profile, "profile");
    nodes = List.copyOf(nodes);
    if (version.isEmpty() || profile.isEmpty()) {
      throw new IllegalArgumentException("desired state of '" + app + "' needs a version and a profile, got version '"
          + version + "' and profile '" + profile + "'");
    }
  }

  /** Whether the node named {@code node} should run the app now. */
  public boolean wantedOn(String node) {
    return running && (nodes.isEmpty() || nodes.contains(node));
  }

  public DesiredApp withRunning(boolean value) {
    return new DesiredApp(app, version, profile, nodes, value, restart, canary);
  }

  /** Runs on the nodes named (empty = every node); the version, profile and canary stay. */
  public DesiredApp onNodes(List<String> names) {
    return new DesiredApp(app, version, profile, names, running, restart, canary);
  }

  public DesiredApp restarted() {
    return new DesiredApp(app, version, profile, nodes, true, restart + 1, canary);
  }

  /** The one version everywhere: a release, a rollback, a promote (any canary is dropped). */
  public DesiredApp atVersion(String newVersion, String newProfile) {
    return new DesiredApp(app, newVersion, newProfile, nodes, true, restart, null);
  }

  /** {@code newVersion} (with {@code newProfile}) as a canary at {@code percent} beside the desired version. */
  public DesiredApp withCanary(String newVersion, int percent, String newProfile) {
    return new DesiredApp(app, version, profile, nodes, true, restart, new Canary(newVersion, percent, newProfile));
  }

  /** The versions a node runs and their weights: the version, or it and its canary. */
  public List<Share> lineup() {
    if (canary == null) {
      return Share.only(version, profile);
    }
    return List.of(new Share(version, profile, 100 - canary.percent()),
        new Share(canary.version(), canary.profile(), canary.percent()));
  }

  /**
   * What nodes report they run of it: the version, or with a canary {@code <version>+<canary>@<percent>}
   * ({@code 2+3@20}); a deploy waits for its label on every node.
   */
  public String label() {
    return canary == null ? version : version + "+" + canary.version() + "@" + canary.percent();
  }

  /** The stored form. */
  public byte[] pack() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("version", version);
    map.put("profile", profile);
    map.put("nodes", nodes);
    map.put("running", running);
    map.put("restart", restart);
    if (canary != null) {
      map.put("canary", Map.of("version", canary.version(), "percent", canary.percent(), "profile", canary.profile()));
    }
    return FrameEncoder.encodeValue(Values.fromJava(map));
  }

  /**
   * Reads a stored record.
   *
   * @throws IllegalArgumentException naming the app and what is wrong (not msgpack, not a map, a key
   *     missing or of the wrong type)
   */
  public static DesiredApp unpack(String app, byte[] blob) {
    Map<?, ?> map = StoredMap.read("desired state of '" + app + "'", blob);
    return new DesiredApp(app, string(app, map, "version"), string(app, map, "profile"), nodes(app, map),
        bool(app, map), count(app, map), canary(app, map));
  }

  private static Canary canary(String app, Map<?, ?> map) {
    Object v = map.get("canary");
    if (v == null) {
      return null;
    }
    if (!(v instanceof Map<?, ?> c) || !(c.get("percent") instanceof Number p)) {
      throw new IllegalArgumentException("desired state of '" + app + "': 'canary' must be {version, percent}, got "
          + describe(v));
    }
    try {
      return new Canary(string(app, c, "version"), p.intValue(), c.containsKey("profile") ? string(app, c, "profile")
          : string(app, map, "profile"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("desired state of '" + app + "': " + e.getMessage(), e);
    }
  }

  private static String string(String app, Map<?, ?> map, String key) {
    Object v = map.get(key);
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Number n) {
      return String.valueOf(n.longValue()); // a version written as a number by hand
    }
    throw new IllegalArgumentException("desired state of '" + app + "': '" + key + "' must be a string, got "
        + describe(v));
  }

  private static List<String> nodes(String app, Map<?, ?> map) {
    Object v = map.get("nodes");
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List<?> list)) {
      throw new IllegalArgumentException("desired state of '" + app + "': 'nodes' must be a list of node names, got "
          + describe(v));
    }
    List<String> names = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof String s) || s.isEmpty()) {
        throw new IllegalArgumentException("desired state of '" + app + "': 'nodes' holds " + describe(o)
            + ", not a node name");
      }
      names.add(s);
    }
    return names;
  }

  private static boolean bool(String app, Map<?, ?> map) {
    Object v = map.get("running");
    if (v == null) {
      return true;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw new IllegalArgumentException("desired state of '" + app + "': 'running' must be true or false, got "
        + describe(v));
  }

  private static long count(String app, Map<?, ?> map) {
    Object v = map.get("restart");
    if (v == null) {
      return 0;
    }
    if (v instanceof Number n) {
      return n.longValue();
    }
    throw new IllegalArgumentException("desired state of '" + app + "': 'restart' must be a number, got "
        + describe(v));
  }

  private static String describe(Object v) {
    return v == null ? "nothing" : v.getClass().getSimpleName() + " " + v;
  }
}
