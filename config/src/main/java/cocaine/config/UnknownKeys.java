package cocaine.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Refuses every key under {@code cocaine} that reference.conf does not define, so a typo stops
 * start-up instead of silently leaving a default in place.
 */
final class UnknownKeys {
  /** Sections whose keys are the user's own (node uuids, announce extras). */
  static final Set<String> FREE_MAPS = Set.of("cocaine.locator.cluster.nodes", "cocaine.locator.extra",
      "cocaine.network.pinned");

  private UnknownKeys() {}

  /** Throws one SettingsException listing every unknown key of merged, in file and line order. */
  static void reject(Config merged, ConfigObject reference) {
    Set<String> problems = new LinkedHashSet<>();
    // entrySet lists leaves only: an empty object someone added (`netwrk {}`) sets nothing and passes
    merged.withOnlyPath("cocaine").entrySet().stream()
        .sorted(Comparator.comparing((Map.Entry<String, ConfigValue> e) -> source(e.getValue()))
            .thenComparingInt(e -> e.getValue().origin().lineNumber()))
        .forEach(e -> check(merged, ConfigUtil.splitPath(e.getKey()), e.getValue(), reference)
            .ifPresent(problems::add));
    if (!problems.isEmpty()) {
      throw new SettingsException(String.join("\n", problems));
    }
  }

  private static Optional<String> check(Config merged, List<String> path, ConfigValue leaf,
      ConfigObject reference) {
    ConfigValue known = reference;
    for (int i = 1; i < path.size(); i++) {
      String parent = ConfigUtil.joinPath(path.subList(0, i));
      if (FREE_MAPS.contains(parent)) {
        return Optional.empty();
      }
      if (!(known instanceof ConfigObject object)) {
        // reference has a value here but the user wrote an object under it
        return Optional.of(badType(parent, merged.getValue(parent), known));
      }
      known = object.get(path.get(i));
      if (known == null) {
        return Optional.of("unknown key '" + ConfigUtil.joinPath(path) + "' in "
            + SettingsReader.where(leaf.origin())
            + suggestion(parent, path.get(i), object.keySet()));
      }
    }
    if (known instanceof ConfigObject) {
      return Optional.of(badType(ConfigUtil.joinPath(path), leaf, known));
    }
    return Optional.empty();
  }

  private static String badType(String key, ConfigValue given, ConfigValue expected) {
    return "bad value for '" + key + "' in " + SettingsReader.where(given.origin()) + ": must be "
        + (expected instanceof ConfigObject ? "an object { ... }" : "a " + expected.valueType().name().toLowerCase())
        + ", got " + given.render(ConfigRenderOptions.concise());
  }

  /** A close known sibling, so `netwrk` points at `network`. */
  private static String suggestion(String parent, String unknown, Set<String> known) {
    return known.stream()
        .filter(k -> distance(k, unknown) <= 2)
        .min(Comparator.comparingInt(k -> distance(k, unknown)))
        .map(k -> " (did you mean '" + parent + "." + k + "'?)")
        .orElse("");
  }

  private static int distance(String a, String b) {
    int[] row = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      row[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      int diagonal = row[0];
      row[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int above = row[j];
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        row[j] = Math.min(Math.min(row[j] + 1, row[j - 1] + 1), diagonal + cost);
        diagonal = above;
      }
    }
    return row[b.length()];
  }

  private static String source(ConfigValue v) {
    String where = SettingsReader.where(v.origin());
    int colon = where.lastIndexOf(':');
    return colon > 0 ? where.substring(0, colon) : where;
  }
}
