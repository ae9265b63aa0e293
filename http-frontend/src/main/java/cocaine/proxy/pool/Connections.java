package cocaine.proxy.pool;

import cocaine.rpc.channel.ClientConnection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * A {@link Pool}'s connections to its app, oldest first (a refresh retires from the front), and the
 * choice of the one a request goes to. Requests are packed onto a window of consecutive connections,
 * one for every {@link #PACKING} requests in flight (so the frames of concurrent requests share
 * writes), the least busy of the window taking the next one; the window moves on by one connection
 * every {@link #PACKING} requests per connection it spans, so over time every connection carries the
 * same share of requests (what a balancer's virtual endpoint and a routing group's weights rely on);
 * a request that finds nothing in flight moves it on at once (requests one after another go round).
 * A retiring connection takes no new request and is closed once its last one is over. Changed by the
 * pool actor only; requests read its {@link #snapshot} and count themselves in and out of a
 * connection's {@code inFlight} from their own threads ({@link Leases}).
 */
final class Connections {

  /** One connection and the requests it carries. */
  static final class Connection {
    final long id;
    final ClientConnection client;
    final String endpoint;
    final AtomicInteger inFlight = new AtomicInteger();
    volatile boolean retiring;

    Connection(long id, ClientConnection client, String endpoint) {
      this.id = id;
      this.client = client;
      this.endpoint = endpoint;
    }
  }

  /**
   * Requests in flight per connection of the window before it takes one more connection, and
   * requests per connection of the window leased before it moves on by one.
   */
  static final int PACKING = 16;
  private static final Connection[] NONE = new Connection[0];
  /** Leases so far. */
  private final AtomicLong turn = new AtomicLong();
  /** Where the window starts (modulo the connections). */
  private final AtomicLong start = new AtomicLong();
  private final Map<Long, Connection> byId = new LinkedHashMap<>();
  private volatile Connection[] snapshot = NONE;

  /** Adds {@code c} as the newest. */
  void add(Connection c) {
    byId.put(c.id, c);
    publish();
  }

  /** Forgets the connection (it is gone); null when it was not here. */
  Connection remove(long id) {
    Connection c = byId.remove(id);
    publish();
    return c;
  }

  /** The connections as requests see them: every open one, oldest first. */
  Connection[] snapshot() {
    return snapshot;
  }

  private void publish() {
    snapshot = byId.values().toArray(NONE);
  }

  /** Connection {@code id} may have gone idle while retiring: then it is closed now. */
  void release(long id) {
    Connection c = byId.get(id);
    if (c != null && c.retiring && c.inFlight.get() == 0) {
      close(c);
    }
  }

  /** Takes {@code c} out of the choice; it is closed now if idle, else with its last request. */
  void retire(Connection c) {
    c.retiring = true;
    if (c.inFlight.get() == 0) {
      close(c);
    }
  }

  private void close(Connection c) {
    byId.remove(c.id);
    publish();
    c.client.close();
  }

  /**
   * The connection for one more request, counted in flight on it: the least busy of the window's
   * connections that are not retiring and below {@code maxInFlight}, else of all such connections;
   * null when there is none. From any thread.
   *
   * @param random breaks ties, so equal connections share the traffic evenly
   * @param spread the window spans every connection: a retry goes to the least busy of all, so most
   *               likely not back to the connection (and the node behind it) that refused it
   */
  Connection lease(int maxInFlight, RandomGenerator random, boolean spread) {
    Connection[] all = snapshot;
    int n = all.length;
    if (n == 0) {
      return null;
    }
    int busy = 0;
    for (Connection c : all) {
      busy += c.inFlight.get();
    }
    int width = spread ? n : Math.min(n, busy / PACKING + 1);
    // nothing in flight: no frames to share a write with, so the window moves on at once and requests
    // one after another go round every connection (and the nodes behind them), not 16 to one
    if (busy == 0 || turn.incrementAndGet() % ((long) PACKING * width) == 0) {
      start.incrementAndGet();
    }
    int first = (int) (start.get() % n);
    Connection best = leastBusy(all, first, width, maxInFlight, random);
    if (best == null && width < n) {
      best = leastBusy(all, first, n, maxInFlight, random);
    }
    if (best != null && best.inFlight.incrementAndGet() > maxInFlight) {
      best.inFlight.decrementAndGet(); // others took its last places meanwhile
      return null;
    }
    return best;
  }

  /** Of the {@code width} connections from {@code start} on (wrapping), a usable one with the fewest in flight. */
  private static Connection leastBusy(Connection[] all, int start, int width, int maxInFlight,
      RandomGenerator random) {
    Connection best = null;
    int bestLoad = 0;
    int ties = 0;
    for (int i = 0; i < width; i++) {
      Connection c = all[(start + i) % all.length];
      int load = c.inFlight.get();
      if (c.retiring || load >= maxInFlight) {
        continue;
      }
      if (best == null || load < bestLoad) {
        best = c;
        bestLoad = load;
        ties = 1;
      } else if (load == bestLoad && random.nextInt(++ties) == 0) {
        best = c; // reservoir choice among equals
      }
    }
    return best;
  }

  /** The oldest connection not retiring: the next a refresh replaces. */
  Optional<Connection> oldestLive() {
    return byId.values().stream().filter(c -> !c.retiring).findFirst();
  }

  /** Connections not retiring. */
  int live() {
    int n = 0;
    for (Connection c : byId.values()) {
      if (!c.retiring) {
        n++;
      }
    }
    return n;
  }

  /** Connections open, retiring ones included. */
  int size() {
    return byId.size();
  }

  boolean isEmpty() {
    return byId.isEmpty();
  }

  /** Requests in flight on every open connection. */
  int inFlight() {
    int n = 0;
    for (Connection c : byId.values()) {
      n += c.inFlight.get();
    }
    return n;
  }

  /** Where every open connection leads, oldest first. */
  List<String> endpoints() {
    List<String> endpoints = new ArrayList<>();
    for (Connection c : byId.values()) {
      endpoints.add(c.endpoint);
    }
    return endpoints;
  }

  /** Closes every connection: the pool has stopped. */
  void closeAll() {
    byId.values().forEach(c -> c.client.close());
    byId.clear();
    publish();
  }
}
