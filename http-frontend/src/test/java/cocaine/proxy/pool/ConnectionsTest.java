package cocaine.proxy.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import cocaine.proxy.pool.Connections.Connection;
import java.util.List;
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
    Connections connections = of(3, 1, 2);
    Connection leased = connections.lease(100, KEEP_FIRST);
    assertEquals(2, leased.id);
    assertEquals(2, leased.inFlight.get());
    assertEquals(7, connections.inFlight());
  }

  @Test
  void tiesAreBrokenByTheRandomSoEqualConnectionsShare() {
    assertEquals(1, of(0, 0, 0).lease(100, KEEP_FIRST).id);
    assertEquals(3, of(0, 0, 0).lease(100, TAKE_LAST).id);
    assertEquals(2, of(1, 0, 1, 0).lease(100, KEEP_FIRST).id, "only the fewest count as ties");
  }

  @Test
  void retiringAndFullConnectionsAreNotLeased() {
    Connections connections = of(0, 2, 5);
    connections.oldestLive().orElseThrow().retiring = true;
    assertEquals(2, connections.lease(3, KEEP_FIRST).id);
    assertNull(connections.lease(3, KEEP_FIRST), "the second is full now, the third was already");
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
  void requestsChooseFromTheSnapshotAndAFullOneIsNotOverbooked() {
    Connections connections = of(1, 1);
    Connection[] seen = connections.snapshot();
    assertEquals(2, Connections.choose(seen, 2, KEEP_FIRST).inFlight.get());
    assertEquals(2, Connections.choose(seen, 2, KEEP_FIRST).inFlight.get());
    assertNull(Connections.choose(seen, 2, KEEP_FIRST), "both are at the limit");
    assertEquals(4, connections.inFlight());
  }
}
