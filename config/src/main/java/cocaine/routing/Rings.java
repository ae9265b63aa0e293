package cocaine.routing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import org.msgpack.value.Value;

/**
 * The rings of every routing group as the locator's {@code routing} stream last sent them
 * (docs/protocol.md 2.6, 4.5): which member app a request for a group goes to, picked per request by a
 * sticky seed or at random, the same way the locator's {@code resolve} picks. Immutable.
 */
public final class Rings {
  /** No group known: every name is an app of its own. */
  public static final Rings NONE = new Rings(Map.of());

  private static final long UINT32_MAX = 0xFFFF_FFFFL;

  private final Map<String, Ring> groups;

  private Rings(Map<String, Ring> groups) {
    this.groups = Map.copyOf(groups);
  }

  /** One group's ring: points ascending, names[i] owns points[i]. */
  private record Ring(long[] points, String[] names) {
    String pick(long h) {
      int low = 0;
      int high = points.length; // the first point above h lies in [low, high]
      while (low < high) {
        int mid = (low + high) >>> 1;
        if (points[mid] > h) {
          high = mid;
        } else {
          low = mid + 1;
        }
      }
      return names[low == points.length ? 0 : low];
    }

    boolean sameAs(Ring other) {
      return Arrays.equals(points, other.points) && Arrays.equals(names, other.names);
    }
  }

  /**
   * Reads the arguments of one {@code routing} write: {@code [{group: [[point, app], ...]}]}. A
   * group with no points is left out (nothing to pick from: its name resolves at the locator).
   *
   * @throws IllegalArgumentException when the shape is not that, saying where
   */
  public static Rings fromWrite(List<Value> args) {
    if (args.size() != 1 || !args.get(0).isMapValue()) {
      throw new IllegalArgumentException("expected [{group: [[point, app], ...]}], got " + args);
    }
    Map<String, Ring> groups = new HashMap<>();
    for (Map.Entry<Value, Value> e : args.get(0).asMapValue().entrySet()) {
      if (!e.getKey().isRawValue() || !e.getValue().isArrayValue()) {
        throw new IllegalArgumentException("a group must be name: [[point, app], ...], got " + e.getKey() + ": "
            + e.getValue());
      }
      String group = text(e.getKey());
      List<Value> entries = e.getValue().asArrayValue().list();
      long[] points = new long[entries.size()];
      String[] names = new String[entries.size()];
      for (int i = 0; i < entries.size(); i++) {
        Value entry = entries.get(i);
        List<Value> pair = entry.isArrayValue() ? entry.asArrayValue().list() : List.of();
        if (pair.size() != 2 || !pair.get(0).isIntegerValue() || !pair.get(1).isRawValue()) {
          throw new IllegalArgumentException("group '" + group + "': a point must be [uint32, app], got " + entry);
        }
        long point = pair.get(0).asIntegerValue().asLong();
        if (point < 0 || point > UINT32_MAX || (i > 0 && point < points[i - 1])) {
          throw new IllegalArgumentException("group '" + group + "': points must be ascending uint32s, got " + point
              + " at " + i);
        }
        points[i] = point;
        names[i] = text(pair.get(1));
      }
      if (points.length > 0) {
        groups.put(group, new Ring(points, names));
      }
    }
    return new Rings(groups);
  }

  /**
   * The member app a request for name goes to, or empty when name is not a routing group. A
   * non-empty sticky seed always gives the same member for the same ring; otherwise the pick is a
   * uniform random uint32, so the split follows the ring's shares.
   */
  public Optional<String> member(String name, Optional<String> sticky) {
    Ring ring = groups.get(name);
    if (ring == null) {
      return Optional.empty();
    }
    long h = sticky.filter(s -> !s.isEmpty()).map(Continuum::seedHash)
        .orElseGet(() -> ThreadLocalRandom.current().nextLong(UINT32_MAX + 1));
    return Optional.of(ring.pick(h));
  }

  /** Names of the groups known. */
  public Set<String> groups() {
    return groups.keySet();
  }

  /** Groups that are new, gone or changed from before to this, for the log. */
  public SortedSet<String> changedFrom(Rings before) {
    SortedSet<String> out = new TreeSet<>();
    groups.forEach((name, ring) -> {
      Ring old = before.groups.get(name);
      if (old == null || !old.sameAs(ring)) {
        out.add(name);
      }
    });
    before.groups.keySet().stream().filter(name -> !groups.containsKey(name)).forEach(out::add);
    return out;
  }

  @Override
  public String toString() {
    return "Rings" + new TreeSet<>(groups.keySet());
  }

  private static String text(Value v) {
    if (!v.isRawValue()) {
      throw new IllegalArgumentException("expected a string, got " + v.getValueType());
    }
    return new String(v.asRawValue().asByteArray(), StandardCharsets.UTF_8);
  }
}
