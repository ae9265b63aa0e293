package cocaine.proxy.pool;

import cocaine.admin.ProxyMetrics;
import cocaine.proxy.pool.Connections.Connection;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One app's pool as requests use it: a request takes a connection and gives it back from its own
 * thread, counting itself in and out of the connection's in-flight number, with no message to the
 * pool actor (which only makes, replaces and closes connections, and serves requests that find none
 * here: {@link Pool.Lease}). A retiring connection that a request leaves idle is closed by the pool,
 * told then. Thread-safe.
 */
public final class Leases {
  private final String app;
  private final Connections connections;
  private final int maxInFlight;
  private final ProxyMetrics.PoolGauges gauges;
  private volatile ActorRef<Pool.Command> pool;
  /** From the manifest; null until it was read: requests then ask the pool, which waits for it. */
  private volatile Boolean streaming;

  Leases(String app, Connections connections, int maxInFlight, ProxyMetrics.PoolGauges gauges) {
    this.app = app;
    this.connections = connections;
    this.maxInFlight = maxInFlight;
    this.gauges = gauges;
  }

  void attach(ActorRef<Pool.Command> pool) {
    this.pool = pool;
  }

  void streaming(boolean streaming) {
    this.streaming = streaming;
  }

  /**
   * A connection for one request, or null when the pool must be asked: none usable, or not ready yet.
   *
   * @param retry the request was refused on another connection: it goes to the least busy of all
   */
  public Pool.Granted tryLease(boolean retry) {
    Boolean s = streaming;
    if (s == null || pool == null) {
      return null;
    }
    Connection c = connections.lease(maxInFlight, ThreadLocalRandom.current(), retry);
    if (c == null) {
      return null;
    }
    if (c.retiring) { // retired between the choice and the count: not for new requests
      if (c.inFlight.decrementAndGet() == 0) {
        pool.tell(new Pool.Release(c.id));
      }
      return null;
    }
    return granted(c, s);
  }

  /** The grant of {@code c}, already counted in flight on it. */
  Pool.Granted granted(Connection c, boolean streaming) {
    gauges.inFlight(1);
    return new Pool.Granted(this, c, app, c.client, c.endpoint, streaming);
  }

  /** A request on {@code c} is over. */
  void release(Connection c) {
    gauges.inFlight(-1);
    if (c.inFlight.decrementAndGet() == 0 && c.retiring) {
      pool.tell(new Pool.Release(c.id));
    }
  }
}
