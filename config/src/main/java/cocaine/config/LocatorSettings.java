package cocaine.config;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The locator service ({@code cocaine.locator}; docs/protocol.md 5.1-5.3).
 *
 * @param cluster  discovery of other nodes
 * @param restrict service names this node does not announce
 * @param extra    free-form map sent with every announce as {@code x-cocaine-locator-extra};
 *                 values are Strings, Numbers, Booleans, Lists and Maps
 */
public record LocatorSettings(ClusterSettings cluster, List<String> restrict, Map<String, Object> extra) {
  public LocatorSettings {
    Objects.requireNonNull(cluster, "cluster");
    restrict = List.copyOf(restrict);
    extra = Collections.unmodifiableMap(new TreeMap<>(extra));
  }

  static LocatorSettings from(SettingsReader r) {
    return new LocatorSettings(ClusterSettings.from(r.section("cluster")), r.strings("restrict"),
        r.object("extra").unwrapped());
  }
}
