package cocaine.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.proxy.pool.Connections.Connection;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** A pool's choice of a connection, without sockets (nothing here closes one). */
class ConnectionsTest {
  /** Never replaces the first of equals. */
  static final RandomGenerator KEEP_FIRST = new RandomGenerator() {
    @Override
    public long nextLong() {
      return 1;
    }

    @Override
    public int nextInt(int bound) {
      return bound - 1;
    }
  };
  /** Always replaces: the last of equals wins. */
  static final RandomGenerator TAKE_LAST = new RandomGenerator() {
    @Override
    public long nextLong() {
      return 0;
    }

    @Override
    public int nextInt(int bound) {
      return 0;
    }
  };

  static Connections of(int... inFlight) {
    Connections connections = new Connections();
    for (int i = 0; i < inFlight.length; i++) {
      Connection c = new Connection(i + 1, null, "10.0.0." + (i + 1) + ":10054");
      c.inFlight.set(inFlight[i]);
      connections.add(c);
    }
    return connections;
  }

  @Test
  void theConnectionWithFewestInFlightIsLeasedAndCountsOneMore() {
    Connections connections = of(20, 17, 18); // 55 in flight: the window spans all three
    Connection leased = connections.lease(100, KEEP_FIRST, false);
    assertEquals(2, leased.id);
    assertEquals(18, leased.inFlight.get());
    assertEquals(56, connections.inFlight());
  }

  @Test
  void tiesAreBrokenByTheRandomSoEqualConnectionsShare() {
    assertEquals(1, of(16, 16, 16).lease(100, KEEP_FIRST, false).id);
    assertEquals(3, of(16, 16, 16).lease(100, TAKE_LAST, false).id);
    assertEquals(2, of(17, 16, 17, 16).lease(100, KEEP_FIRST, false).id, "only the fewest count as ties");
  }

  @Test
  void concurrentRequestsArePackedOntoAFewConnections() {
    Connections connections = of(new int[32]);
    Map<Long, Integer> perConnection = closedLoop(connections, 64, 32 * Connections.PACKING * 10);
    long busy = Arrays.stream(connections.snapshot()).filter(c -> c.inFlight.get() > 0).count();
    assertTrue(busy <= 6, busy + " of 32 connections carry the 64 requests in flight: their frames do not share writes");
    assertTrue(busy >= 4, "only " + busy + " connections carry the 64 requests in flight, more than 16 each");
    assertEquals(32, perConnection.size(), "the window moves over every connection");
  }

  @Test
  void requestsOneAfterAnotherGoRoundEveryConnection() {
    Connections connections = of(new int[8]);
    List<Long> seen = new java.util.ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Connection c = connections.lease(100, KEEP_FIRST, false);
      seen.add(c.id);
      c.inFlight.decrementAndGet(); // answered before the next is sent
    }
    // connections lead to nodes picked by resolve: 16 in a row on one connection reached one node only
    assertEquals(8, seen.stream().distinct().count(), "connections used: " + seen);
    assertEquals(seen.subList(0, 8), seen.subList(8, 16), "round and round: " + seen);
  }

  @Test
  void overTimeEveryConnectionCarriesTheSameShare() {
    for (int inFlight : new int[] {1, 40, 64, 200}) {
      Map<Long, Integer> perConnection = closedLoop(of(new int[32]), inFlight, 32 * Connections.PACKING * 40);
      int fewest = perConnection.values().stream().min(Integer::compare).orElseThrow();
      int most = perConnection.values().stream().max(Integer::compare).orElseThrow();
      assertTrue(perConnection.size() == 32 && fewest >= 600 && most <= 680, "with " + inFlight
          + " in flight the shares " + perConnection + " are not 640 each within 6%: a routing group's weights"
          + " would not show");
    }
  }

  /** Leases {@code total} times, each request over once {@code inFlight} later ones started; leases per connection. */
  private static Map<Long, Integer> closedLoop(Connections connections, int inFlight, int total) {
    Map<Long, Integer> perConnection = new HashMap<>();
    ArrayDeque<Connection> held = new ArrayDeque<>();
    for (int i = 0; i < total; i++) {
      Connection c = connections.lease(1024, KEEP_FIRST, false);
      perConnection.merge(c.id, 1, Integer::sum);
      held.add(c);
      if (held.size() > inFlight) {
        held.poll().inFlight.decrementAndGet();
      }
    }
    return perConnection;
  }

  @Test
  void retiringAndFullConnectionsAreNotLeased() {
    Connections connections = of(0, 2, 5);
    connections.oldestLive().orElseThrow().retiring = true;
    assertEquals(2, connections.lease(3, KEEP_FIRST, false).id);
    assertNull(connections.lease(3, KEEP_FIRST, false), "the second is full now, the third was already");
    assertEquals(2, connections.live());
    assertEquals(3, connections.size(), "a retiring connection stays until its requests are over");
  }

  @Test
  void theOldestLiveConnectionIsTheNextToReplace() {
    Connections connections = of(1, 1, 1);
    Connection first = connections.oldestLive().orElseThrow();
    assertEquals(1, first.id);
    first.retiring = true;
    assertEquals(2, connections.oldestLive().orElseThrow().id);
    assertEquals(Optional.empty(), new Connections().oldestLive());
  }

  @Test
  void aReleaseClosesOnlyARetiringIdleConnectionAndARemovedOneIsForgotten() {
    Connections connections = of(2, 1);
    connections.release(1); // not retiring: it stays
    connections.release(99); // an unknown id: a connection already gone
    assertEquals(3, connections.inFlight());
    assertEquals(2, connections.remove(2).id);
    assertNull(connections.remove(2), "removed once");
    assertEquals(List.of("10.0.0.1:10054"), connections.endpoints());
    assertEquals(1, connections.size());
    assertEquals(1, connections.snapshot().length, "requests see the same connections");
  }

  @Test
  void aFullConnectionIsNotOverbooked() {
    Connections connections = of(1, 1);
    assertEquals(2, connections.lease(2, KEEP_FIRST, false).inFlight.get());
    assertEquals(2, connections.lease(2, KEEP_FIRST, false).inFlight.get());
    assertNull(connections.lease(2, KEEP_FIRST, false), "both are at the limit");
    assertEquals(4, connections.inFlight());
  }

  @Test
  void aRetryGoesToTheLeastBusyOfAllConnectionsNotBackToTheWindow() {
    Connections connections = of(1, 0, 0, 0); // the window is the first connection alone
    assertEquals(1, connections.lease(100, KEEP_FIRST, false).id);
    assertEquals(2, connections.lease(100, KEEP_FIRST, true).id);
    assertEquals(4, connections.lease(100, TAKE_LAST, true).id, "equals share retries");
  }
}
