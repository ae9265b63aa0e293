package cocaine.node.isolate.docker;

import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The {@code --locator} a worker in a container can reach. On a bridge network a container's
 * 127.0.0.1 is its own, so a loopback locator host (the default {@code network.hostname}) is
 * replaced by the network's gateway, the host's address on that bridge; host networking shares the
 * node's loopback and keeps it. The locator must listen there ({@code cocaine.network.host} 0.0.0.0
 * or the gateway's address).
 */
final class LocatorRoute {
  private LocatorRoute() {}

  /**
   * The worker's argv with each loopback host of {@code --locator} replaced by {@code reachableHost};
   * the argv as it is when {@code reachableHost} is null (host networking, or no gateway known).
   */
  static SortedMap<String, String> forContainer(SortedMap<String, String> args, String reachableHost) {
    String locator = args.get("locator");
    if (reachableHost == null || locator == null || locator.isBlank()) {
      return args;
    }
    TreeMap<String, String> out = new TreeMap<>(args);
    out.put("locator", Arrays.stream(locator.split(",")).map(e -> reroute(e.trim(), reachableHost))
        .collect(Collectors.joining(",")));
    return out;
  }

  private static String reroute(String endpoint, String reachableHost) {
    int colon = endpoint.lastIndexOf(':');
    if (colon <= 0) {
      return endpoint;
    }
    String host = endpoint.substring(0, colon);
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (!isLoopback(bare)) {
      return endpoint;
    }
    String to = reachableHost.contains(":") ? "[" + reachableHost + "]" : reachableHost;
    return to + endpoint.substring(colon);
  }

  /**
   * The node's IPv4 address on a network from its IPAM entry: the gateway when the daemon reports
   * one, else the subnet's first host address, which is where Docker puts a bridge's gateway (some
   * daemons, e.g. Debian's 20.10 in a nested container, leave {@code Gateway} empty); null when
   * neither is an IPv4 value.
   */
  static String gatewayOf(String gateway, String subnet) {
    if (gateway != null && !gateway.isBlank() && !gateway.contains(":")) {
      return gateway;
    }
    if (subnet == null || !subnet.matches("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}")) {
      return null;
    }
    String[] parts = subnet.split("/");
    int bits = Integer.parseInt(parts[1]);
    long address = 0;
    for (String octet : parts[0].split("\\.")) {
      int v = Integer.parseInt(octet);
      if (v > 255) {
        return null;
      }
      address = address << 8 | v;
    }
    if (bits > 30) {
      return null; // no room for a gateway and a container
    }
    long first = (address & (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL) + 1;
    return (first >> 24 & 255) + "." + (first >> 16 & 255) + "." + (first >> 8 & 255) + "." + (first & 255);
  }

  static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }
}
