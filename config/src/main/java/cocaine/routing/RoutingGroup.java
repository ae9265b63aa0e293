package cocaine.routing;

import cocaine.model.Fields;
import cocaine.model.InvalidModelException;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * App versions behind one name, with weights: {@code resolve("echo")} answers with
 * {@code echo_v1} or {@code echo_v2} in proportion. Stored in {@code groups/<name>}
 * (docs/protocol.md 4.5); the ring built from it is {@code cocaine.routing.Continuum}.
 *
 * @param weights app name -> weight; weights are uint32 and sum to more than 0
 */
public record RoutingGroup(Map<String, Long> weights) {
  private static final String SUBJECT = "routing group";
  private static final long MAX_WEIGHT = 0xFFFF_FFFFL; // the original keeps weights as unsigned int
  private static final String WEIGHT_RULE = "must be a non-negative integer up to " + MAX_WEIGHT;

  public RoutingGroup {
    Fields f = new Fields(SUBJECT);
    long total = 0;
    for (Map.Entry<String, Long> entry : weights.entrySet()) {
      if (entry.getKey() == null || entry.getKey().isEmpty()) {
        throw f.bad("app names must be non-empty strings, got " + Fields.show(entry.getKey()));
      }
      Long weight = entry.getValue();
      if (weight == null || weight < 0 || weight > MAX_WEIGHT) {
        throw f.bad(entry.getKey(), WEIGHT_RULE, weight);
      }
      total += weight;
    }
    if (total <= 0) {
      throw f.bad("weights must sum to more than 0, got " + total + " over " + weights.size() + " apps");
    }
    weights = Collections.unmodifiableMap(new TreeMap<>(weights));
  }

  /** Reads a decoded group; errors name it, e.g. {@code routing group 'echo': ...}. */
  public static RoutingGroup fromMap(String name, Map<String, ?> map) {
    try {
      return fromMap(map);
    } catch (InvalidModelException e) {
      throw e.about(SUBJECT + " '" + name + "'");
    }
  }

  /** Reads a decoded group whose name is not known here. */
  public static RoutingGroup fromMap(Map<String, ?> map) {
    Fields f = new Fields(SUBJECT);
    f.root(map);
    Map<String, Long> weights = new TreeMap<>();
    map.forEach((app, weight) -> {
      if (app == null || app.isEmpty()) {
        throw f.bad("app names must be non-empty strings, got " + Fields.show(app));
      }
      weights.put(app, f.wholeNumber(app, weight, WEIGHT_RULE));
    });
    return new RoutingGroup(weights);
  }

  /** Sum of all weights. */
  public long totalWeight() {
    return weights.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The map to encode for storage: app -> weight. */
  public Map<String, Object> toMap() {
    return Collections.unmodifiableMap(new TreeMap<>(weights));
  }
}
