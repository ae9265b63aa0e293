package cocaine.proxy;

import cocaine.proxy.pool.Leases;
import cocaine.proxy.pool.Pool;
import cocaine.routing.Rings;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a request needs to take a connection without asking the {@code http-proxy} actor: the
 * routing rings it last received and the {@link Leases} of each app's pool, both published by the
 * actor. A request that finds no pool, or no usable connection in one, asks the actor as before
 * ({@link HttpProxy.Lease}), which makes the pool or waits for its first connection.
 */
final class PoolDirectory {
  private final ConcurrentHashMap<String, Leases> pools = new ConcurrentHashMap<>();
  /** Null until the first rings came or the proxy stopped waiting for them. */
  private volatile Rings rings;

  /**
   * A connection to the app (or the member of a routing group) at once, or null: ask the actor.
   * {@code retry}: see {@link Leases#tryLease}.
   */
  Pool.Granted tryLease(String app, Optional<String> sticky, boolean retry) {
    Rings r = rings;
    if (r == null) {
      return null;
    }
    Leases leases = pools.get(r.member(app, sticky).orElse(app));
    return leases == null ? null : leases.tryLease(retry);
  }

  void rings(Rings rings) {
    this.rings = rings;
  }

  void add(String app, Leases leases) {
    pools.put(app, leases);
  }

  void remove(String app) {
    pools.remove(app);
  }
}
