package cocaine.cluster.desired;

import cocaine.cluster.desired.Convergence.AppState;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one node converged to, as it tells the cluster (storage {@code converged/<node>}, a msgpack
 * map): per app the desired version it saw and its state there, and when it wrote this. A deploy
 * reads every node's report to learn whether its version runs; a report that is not refreshed (a
 * node gone) grows old and is left out.
 *
 * @param node the node's name (the storage key)
 * @param time when the node wrote it
 * @param apps per app, what {@link Convergence.Status} shows
 */
public record NodeReport(String node, Instant time, Map<String, AppState> apps) {
  /** The storage collection; a platform collection. */
  public static final String COLLECTION = "converged";
  /** Every report carries it, so {@code find} lists them all. */
  public static final List<String> TAGS = List.of("converged");

  public NodeReport {
    apps = Map.copyOf(apps);
  }

  /** The stored form. */
  public byte[] pack() {
    Map<String, Object> states = new TreeMap<>();
    apps.forEach((app, s) -> states.put(app, List.of(s.desired(), s.state(), s.reason())));
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("time", time.toString());
    map.put("apps", states);
    return FrameEncoder.encodeValue(Values.fromJava(map));
  }

  /**
   * Reads {@code converged/<node>}.
   *
   * @throws IllegalArgumentException naming the node and what is wrong
   */
  public static NodeReport unpack(String node, byte[] blob) {
    Map<?, ?> map = StoredMap.read("report of node '" + node + "'", blob);
    if (!(map.get("time") instanceof String time) || !(map.get("apps") instanceof Map<?, ?> apps)) {
      throw new IllegalArgumentException("report of node '" + node + "' needs 'time' and 'apps'");
    }
    Map<String, AppState> states = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : apps.entrySet()) {
      if (!(e.getValue() instanceof List<?> l) || l.size() != 3) {
        throw new IllegalArgumentException("report of node '" + node + "': app '" + e.getKey()
            + "' is not [desired, state, reason]");
      }
      states.put(String.valueOf(e.getKey()), new AppState(String.valueOf(l.get(0)), String.valueOf(l.get(1)),
          String.valueOf(l.get(2))));
    }
    try {
      return new NodeReport(node, Instant.parse(time), states);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("report of node '" + node + "': 'time' is not an instant: " + time, e);
    }
  }
}
