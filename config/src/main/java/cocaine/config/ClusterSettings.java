package cocaine.config;

import com.typesafe.config.ConfigValue;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How the locator finds other nodes ({@code cocaine.locator.cluster}; docs/protocol.md 5.2).
 *
 * @param type     discovery plugin
 * @param group    multicast group the announces go to
 * @param port     UDP port of the announces
 * @param interval announce (multicast) or re-link (predefine) period; silence for 3x drops a node
 * @param loopback whether this host hears its own announces
 * @param hops     multicast TTL
 * @param nodes    predefine only: node uuid -> its locator endpoint (unresolved)
 * @param path     zookeeper only: the znode under which each node keeps its ephemeral registration
 *                 (ZooKeeper at {@code cocaine.storage.zookeeper.connect})
 */
public record ClusterSettings(Type type, String group, int port, Duration interval, boolean loopback,
    int hops, Map<String, InetSocketAddress> nodes, String path) {

  /** Discovery plugins, with the original runtime's names ("predefine", not "predefined"). */
  public enum Type { NONE, MULTICAST, PREDEFINE, ZOOKEEPER }

  public ClusterSettings {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(path, "path");
    nodes = Collections.unmodifiableMap(new TreeMap<>(nodes));
  }

  static ClusterSettings from(SettingsReader r) {
    Type type = r.oneOf("type", Type.class);
    Map<String, InetSocketAddress> nodes = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> node : r.object("nodes").entrySet()) {
      String where = r.path("nodes") + "." + node.getKey();
      nodes.put(node.getKey(), endpoint(r, where, node.getValue()));
    }
    if (type == Type.PREDEFINE && nodes.isEmpty()) {
      throw r.refuse("nodes", "must list at least one node (uuid = \"host:port\") when type = predefine");
    }
    String path = r.nonEmptyString("path");
    if (!path.startsWith("/") || path.length() < 2 || path.endsWith("/")) {
      throw r.refuse("path", "must be an absolute znode path such as /cocaine-nodes");
    }
    return new ClusterSettings(type, r.nonEmptyString("group"), r.port("port"),
        r.duration("interval"), r.bool("loopback"), (int) r.integer("hops", 0, 255), nodes, path);
  }

  /** "host:port" or "[v6-address]:port", kept unresolved so start-up does no DNS lookup. */
  private static InetSocketAddress endpoint(SettingsReader r, String where, ConfigValue v) {
    String rule = "must be \"host:port\"";
    if (!(v.unwrapped() instanceof String text)) {
      throw r.bad(where, v, rule);
    }
    int colon = text.lastIndexOf(':');
    String host = colon > 0 ? text.substring(0, colon) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw r.bad(where, v, rule);
    }
    if (host.isEmpty() || port < 1 || port > 65535) {
      throw r.bad(where, v, rule);
    }
    return InetSocketAddress.createUnresolved(host, port);
  }
}
