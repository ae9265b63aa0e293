package cocaine.node.app;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hides the values of a manifest's {@code environment} in an app's info report: they often hold
 * passwords, so they leave the node only to a caller with the access token ({@code node.info}), and
 * never through the app's own {@code info} method, which anyone who reaches the app's port may call.
 */
public final class EnvironmentMask {
  /** What is shown instead of each environment value. */
  public static final String HIDDEN = "<hidden: send the access token to see>";

  private EnvironmentMask() {}

  /** The report with every manifest environment value replaced by {@link #HIDDEN}; others as they are. */
  public static Map<String, Object> hide(Map<String, Object> report) {
    if (!(report.get("manifest") instanceof Map<?, ?> manifest) || !(manifest.get("environment") instanceof Map<?, ?> env)) {
      return report;
    }
    Map<String, Object> hidden = new LinkedHashMap<>();
    env.keySet().forEach(k -> hidden.put(String.valueOf(k), HIDDEN));
    Map<String, Object> m = new LinkedHashMap<>();
    manifest.forEach((k, v) -> m.put(String.valueOf(k), v));
    m.put("environment", hidden);
    Map<String, Object> out = new LinkedHashMap<>(report);
    out.put("manifest", m);
    return out;
  }
}
