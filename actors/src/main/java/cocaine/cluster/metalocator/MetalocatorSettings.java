package cocaine.cluster.metalocator;

import cocaine.config.ClusterSettings;
import cocaine.config.Settings;
import cocaine.locator.ConnectionLimits;
import cocaine.locator.Endpoint;
import cocaine.rpc.transport.ConnectionSettings;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the {@link Metalocator} needs: its own uuid, how nodes are discovered, which cluster it
 * serves, how links behave and the bounds of its tables.
 *
 * @param uuid       this balancer's node id (sent in {@code connect}; its own announces are ignored)
 * @param discovery  multicast (nodes come from announces) or predefine (the {@code nodes} below)
 * @param interval   announce period; a node silent for 3 intervals is dropped (multicast only)
 * @param nodes      predefine only: uuid -> locator endpoint
 * @param cluster    this balancer's {@code x-cocaine-cluster}; nodes with another one are skipped
 * @param maxNodes   nodes tracked at once
 * @param reserved   names no node may provide through this metalocator (a plain node's own
 *                   platform services: each node serves its own); empty for a balancer
 */
public record MetalocatorSettings(String uuid, ClusterSettings.Type discovery, Duration interval,
    Map<String, Endpoint> nodes, String cluster, LinkSettings link, ConnectionSettings connection, int maxNodes,
    Set<String> reserved) {
  public MetalocatorSettings {
    reserved = Set.copyOf(reserved);
    Objects.requireNonNull(uuid, "uuid");
    Objects.requireNonNull(discovery, "discovery");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(link, "link");
    Objects.requireNonNull(connection, "connection");
    nodes = Map.copyOf(nodes);
    if (maxNodes < 1) {
      throw new IllegalArgumentException("maxNodes must be >= 1, got " + maxNodes);
    }
  }

  /** A balancer's: every name a node publishes is served. */
  public MetalocatorSettings(String uuid, ClusterSettings.Type discovery, Duration interval, Map<String, Endpoint> nodes,
      String cluster, LinkSettings link, ConnectionSettings connection, int maxNodes) {
    this(uuid, discovery, interval, nodes, cluster, link, connection, maxNodes, Set.of());
  }

  /** The same, with {@code names} never taken from a node. */
  public MetalocatorSettings reserving(Set<String> names) {
    return new MetalocatorSettings(uuid, discovery, interval, nodes, cluster, link, connection, maxNodes, names);
  }

  public static MetalocatorSettings from(Settings settings) {
    ClusterSettings cluster = settings.locator().cluster();
    Map<String, Endpoint> nodes = new TreeMap<>();
    cluster.nodes().forEach((id, a) -> nodes.put(id, new Endpoint(a.getHostString(), a.getPort())));
    Object tag = settings.locator().extra().get(ConnectWrite.CLUSTER_KEY);
    Config balancer = settings.config().getConfig("cocaine.balancer");
    var network = settings.network();
    return new MetalocatorSettings(settings.uuid(), cluster.type(), cluster.interval(), nodes,
        tag == null ? "" : tag.toString(), LinkSettings.from(balancer),
        ConnectionLimits.of(network),
        balancer.getInt("max-nodes"));
  }
}
