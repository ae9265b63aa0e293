package cocaine.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fixed TCP ports of single services and apps ({@code cocaine.network.pinned}, the original's
 * {@code network.pinned}): {@code storage}, {@code logging}, {@code node}, an app by its name listen
 * there instead of on an OS-assigned port, e.g. for a firewall that opens only known ports. The
 * locator's port is {@code cocaine.network.locator-port}.
 */
public record PinnedPorts(Map<String, Integer> ports) {
  static final String KEY = "cocaine.network.pinned";

  public PinnedPorts {
    ports = Map.copyOf(ports);
  }

  /** The service's fixed port, or 0: OS-assigned. */
  public int of(String service) {
    return ports.getOrDefault(service, 0);
  }

  /** Reads {@code cocaine.network.pinned}; a bad entry throws a {@link SettingsException} naming it. */
  public static PinnedPorts from(Config c) {
    Map<String, Integer> out = new LinkedHashMap<>();
    if (!c.hasPath(KEY)) {
      return new PinnedPorts(out);
    }
    for (Map.Entry<String, ConfigValue> e : c.getObject(KEY).entrySet()) {
      String where = "'" + KEY + "." + e.getKey() + "' in " + SettingsReader.where(e.getValue().origin());
      if (e.getKey().equals("locator")) {
        throw new SettingsException("bad key " + where + ": the locator's port is cocaine.network.locator-port");
      }
      if (!(e.getValue().unwrapped() instanceof Number n) || n.longValue() < 1 || n.longValue() > 65535
          || n.doubleValue() != n.longValue()) {
        throw new SettingsException("bad value for " + where + ": must be a port from 1 to 65535, got "
            + e.getValue().render());
      }
      out.put(e.getKey(), n.intValue());
    }
    return new PinnedPorts(out);
  }
}
