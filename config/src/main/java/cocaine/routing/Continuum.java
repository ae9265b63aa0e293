package cocaine.routing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Ketama ring of a routing group: which app version a resolve answers with, by weight, stable
 * for a given seed (docs/protocol.md 4.5, bit-for-bit with the original runtime). Immutable and safe to
 * share between threads.
 */
public final class Continuum {
  private static final long UINT32_MAX = 0xFFFF_FFFFL;
  private static final Comparator<String> BYTE_ORDER =
      (a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  private final long[] points; // sorted ascending, uint32 values
  private final String[] names; // names[i] owns points[i]

  private Continuum(long[] points, String[] names) {
    this.points = points;
    this.names = names;
  }

  /** Builds the ring: about 64 x (number of apps) steps shared by weight, four points per step. */
  public static Continuum of(RoutingGroup group) {
    Map<String, Long> weights = group.weights();
    long entries = weights.size();
    long total = group.totalWeight();
    List<Map.Entry<Long, String>> ring = new ArrayList<>();
    weights.keySet().stream().sorted(BYTE_ORDER).forEach(name -> {
      long steps = roundHalfUp(Math.multiplyExact(64 * entries, weights.get(name)), total);
      byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
      for (long step = 0; step < steps; step++) {
        byte[] digest = md5(nameBytes, littleEndian(step));
        for (int word = 0; word < 4; word++) {
          ring.add(new SimpleImmutableEntry<>(uint32(digest, word * 4), name));
        }
      }
    });
    // ties (equal points) are broken by name, as sorting (point, name) pairs in the original does
    ring.sort(Map.Entry.<Long, String>comparingByKey().thenComparing(Map.Entry::getValue, BYTE_ORDER));
    long[] points = new long[ring.size()];
    String[] names = new String[ring.size()];
    for (int i = 0; i < ring.size(); i++) {
      points[i] = ring.get(i).getKey();
      names[i] = ring.get(i).getValue();
    }
    return new Continuum(points, names);
  }

  /** The app for a resolve seed; a null or empty seed picks at random, like the original. */
  public String pick(String seed) {
    if (seed == null || seed.isEmpty()) {
      return pick(ThreadLocalRandom.current().nextInt() & UINT32_MAX);
    }
    return pick(seedHash(seed));
  }

  /** The app owning the first point above h, a uint32 (0 .. 2^32-1). */
  public String pick(long h) {
    return names[indexAbove(h)];
  }

  /** The point found for h and its app, wrapping to the first point past the last. */
  public Map.Entry<Long, String> lookup(long h) {
    int i = indexAbove(h);
    return new SimpleImmutableEntry<>(points[i], names[i]);
  }

  /**
   * Each member's share of the ring, 0 to 1: the fraction of random picks it gets (each point owns
   * the arc from the point before it, the first point the arc that wraps around).
   */
  public Map<String, Double> shares() {
    Map<String, Double> out = new HashMap<>();
    if (points.length == 0) {
      return out;
    }
    long previous = points[points.length - 1] - (1L << 32);
    for (int i = 0; i < points.length; i++) {
      out.merge(names[i], (points[i] - previous) / (double) (1L << 32), Double::sum);
      previous = points[i];
    }
    return out;
  }

  /** Every point and its app, ascending: the ring as the {@code routing} stream sends it. */
  public List<Map.Entry<Long, String>> points() {
    List<Map.Entry<Long, String>> out = new ArrayList<>(points.length);
    for (int i = 0; i < points.length; i++) {
      out.add(new SimpleImmutableEntry<>(points[i], names[i]));
    }
    return List.copyOf(out);
  }

  /** h of a seed: the XOR of the four little-endian uint32 words of MD5(seed as UTF-8). */
  public static long seedHash(String seed) {
    byte[] digest = md5(seed.getBytes(StandardCharsets.UTF_8));
    return uint32(digest, 0) ^ uint32(digest, 4) ^ uint32(digest, 8) ^ uint32(digest, 12);
  }

  @Override
  public String toString() {
    return "Continuum[" + points.length + " points]";
  }

  private int indexAbove(long h) {
    if (h < 0 || h > UINT32_MAX) {
      throw new IllegalArgumentException("h must be a uint32 (0.." + UINT32_MAX + "), got " + h);
    }
    int low = 0;
    int high = points.length; // first index with points[i] > h lies in [low, high]
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (points[mid] > h) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    return low == points.length ? 0 : low;
  }

  /** round(numerator / denominator), halves away from zero, for non-negative values; exact, no doubles. */
  private static long roundHalfUp(long numerator, long denominator) {
    return (2 * numerator + denominator) / (2 * denominator);
  }

  private static byte[] littleEndian(long value) {
    byte[] bytes = new byte[8];
    for (int i = 0; i < 8; i++) {
      bytes[i] = (byte) (value >>> (8 * i));
    }
    return bytes;
  }

  private static long uint32(byte[] bytes, int offset) {
    return (bytes[offset] & 0xFFL)
        | (bytes[offset + 1] & 0xFFL) << 8
        | (bytes[offset + 2] & 0xFFL) << 16
        | (bytes[offset + 3] & 0xFFL) << 24;
  }

  private static byte[] md5(byte[]... parts) {
    MessageDigest md5;
    try {
      md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has MD5", e);
    }
    for (byte[] part : parts) {
      md5.update(part);
    }
    return md5.digest();
  }
}
