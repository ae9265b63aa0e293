package cocaine.deploy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Which {@code count} nodes an app placed by number runs on ({@code cocaine app start --cluster
 * --count N}): rendezvous hashing of the app's and each node's name, so the same set of nodes gives
 * the same choice on every run, different apps spread over different nodes, and a node joining or
 * leaving moves only the apps that ranked it among their first.
 */
public final class Placement {
  private Placement() {
  }

  /**
   * @param nodes the nodes to choose from (those that report to the cluster)
   * @return {@code count} of them, sorted by name
   * @throws IllegalArgumentException when {@code count} is below 1 or above the nodes there are
   */
  public static List<String> pick(String app, Collection<String> nodes, int count) {
    TreeSet<String> distinct = new TreeSet<>(nodes);
    if (count < 1) {
      throw new IllegalArgumentException("--count must be at least 1, got " + count);
    }
    if (count > distinct.size()) {
      throw new IllegalArgumentException("--count " + count + ": only " + distinct.size() + " node"
          + (distinct.size() == 1 ? "" : "s") + " report to the cluster" + (distinct.isEmpty() ? "" : " ("
          + String.join(", ", distinct) + ")") + "; cocaine status lists them");
    }
    return distinct.stream()
        .sorted(Comparator.comparingLong((String node) -> weight(app, node)).reversed().thenComparing(n -> n))
        .limit(count)
        .sorted()
        .toList();
  }

  private static long weight(String app, String node) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256")
          .digest((app + '\0' + node).getBytes(StandardCharsets.UTF_8));
      long w = 0;
      for (int i = 0; i < 8; i++) {
        w = (w << 8) | (h[i] & 0xff);
      }
      return w;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e); // every JDK has it
    }
  }
}
