package cocaine.gateway.userspace;

import cocaine.locator.Endpoint;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One node's real of an app as the relay picks it: where it listens and how loaded it is. The
 * counters outlive a replacement of the real ({@link #replacedBy}), so connections opened before
 * still count and are released against the same numbers.
 *
 * @param addresses {@code endpoints} resolved by the gateway actor, so the relay thread never waits for DNS
 * @param active    relayed connections open to this real (connecting included)
 * @param picks     connections ever given to it: breaks ties, so equal reals take turns
 * @param downUntil {@link System#nanoTime()} until which an endpoint that refused is skipped
 */
record Real(String node, List<Endpoint> endpoints, List<InetSocketAddress> addresses, AtomicInteger active,
    AtomicLong picks, Map<Endpoint, Long> downUntil) {

  static Real of(String node, List<Endpoint> endpoints) {
    return new Real(node, List.copyOf(endpoints), resolve(endpoints), new AtomicInteger(), new AtomicLong(),
        new ConcurrentHashMap<>());
  }

  /** The same node at new endpoints: its load carries over, its refusals do not. */
  Real replacedBy(List<Endpoint> newEndpoints) {
    return new Real(node, List.copyOf(newEndpoints), resolve(newEndpoints), active, picks, new ConcurrentHashMap<>());
  }

  private static List<InetSocketAddress> resolve(List<Endpoint> endpoints) {
    return endpoints.stream().map(e -> new InetSocketAddress(e.host(), e.port())).toList();
  }
}
