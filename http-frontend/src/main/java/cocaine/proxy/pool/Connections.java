package cocaine.proxy.pool;

import cocaine.rpc.channel.ClientConnection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * A {@link Pool}'s connections to its app, oldest first (a refresh retires from the front), and the
 * choice of the one a request goes to: the usable connection with the fewest requests in flight. A
 * retiring connection takes no new request and is closed once its last one is over. Owned by the
 * pool actor, so single-threaded.
 */
final class Connections {

  /** One connection and the requests it carries. */
  static final class Connection {
    final long id;
    final ClientConnection client;
    final String endpoint;
    int inFlight;
    boolean retiring;

    Connection(long id, ClientConnection client, String endpoint) {
      this.id = id;
      this.client = client;
      this.endpoint = endpoint;
    }
  }

  private final Map<Long, Connection> byId = new LinkedHashMap<>();

  /** Adds {@code c} as the newest. */
  void add(Connection c) {
    byId.put(c.id, c);
  }

  /** Forgets the connection (it is gone); null when it was not here. */
  Connection remove(long id) {
    return byId.remove(id);
  }

  /** A request on connection {@code id} is over: a retiring connection is closed with its last one. */
  void release(long id) {
    Connection c = byId.get(id);
    if (c != null) {
      c.inFlight--;
      if (c.retiring && c.inFlight == 0) {
        close(c);
      }
    }
  }

  /** Takes {@code c} out of the choice; it is closed now if idle, else with its last request. */
  void retire(Connection c) {
    c.retiring = true;
    if (c.inFlight == 0) {
      close(c);
    }
  }

  private void close(Connection c) {
    byId.remove(c.id);
    c.client.close();
  }

  /**
   * The connection for one more request, counted in flight on it: among those not retiring and below
   * {@code maxInFlight}, one with the fewest in flight; null when there is none.
   *
   * @param random breaks ties, so idle connections share the traffic evenly
   */
  Connection lease(int maxInFlight, RandomGenerator random) {
    Connection best = null;
    int ties = 0;
    for (Connection c : byId.values()) {
      if (c.retiring || c.inFlight >= maxInFlight) {
        continue;
      }
      if (best == null || c.inFlight < best.inFlight) {
        best = c;
        ties = 1;
      } else if (c.inFlight == best.inFlight && random.nextInt(++ties) == 0) {
        // reservoir choice among equals, so idle connections share the traffic evenly
        best = c;
      }
    }
    if (best != null) {
      best.inFlight++;
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
      n += c.inFlight;
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
  }
}
