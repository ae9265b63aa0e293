package cocaine.gateway.userspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import cocaine.locator.Endpoint;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The relay's choice of a real, without sockets. */
class RelayTest {
  static final Endpoint A1 = new Endpoint("127.0.0.1", 1001);
  static final Endpoint A2 = new Endpoint("127.0.0.1", 1002);
  static final Endpoint B1 = new Endpoint("127.0.0.1", 2001);

  @Test
  void theRealWithFewestOpenConnectionsWinsAndTiesGoToTheLeastPicked() {
    Real a = Real.of("node-a", List.of(A1));
    Real b = Real.of("node-b", List.of(B1));
    a.active().set(3);
    b.active().set(2);
    assertEquals(b, Choice.leastLoaded(List.of(a, b), List.of(), System.nanoTime(), true).real());
    b.active().set(3);
    a.picks().set(10);
    b.picks().set(11);
    assertEquals(a, Choice.leastLoaded(List.of(a, b), List.of(), System.nanoTime(), true).real());
  }

  @Test
  void triedAndDownEndpointsAreSkippedAndTheRealsNextEndpointIsUsed() {
    Real a = Real.of("node-a", List.of(A1, A2));
    Real b = Real.of("node-b", List.of(B1));
    b.active().set(5);
    long now = System.nanoTime();
    Choice first = Choice.leastLoaded(List.of(a, b), List.of(A1), now, true);
    assertEquals(new Choice(a, 1), first);

    a.downUntil().put(A2, now + 1_000_000_000L);
    assertEquals(b, Choice.leastLoaded(List.of(a, b), List.of(A1), now, true).real());
    assertEquals(new Choice(a, 1), Choice.leastLoaded(List.of(a, b), List.of(A1), now, false),
        "when every endpoint is down one is tried anyway");
    assertNull(Choice.leastLoaded(List.of(a, b), List.of(A1, A2, B1), now, false));
  }

  @Test
  void aReplacedRealKeepsItsLoadButForgetsItsRefusals() {
    Real a = Real.of("node-a", List.of(A1));
    a.active().set(4);
    a.downUntil().put(A1, System.nanoTime() + 1_000_000_000L);
    Real moved = a.replacedBy(List.of(A2));
    assertEquals(4, moved.active().get());
    assertEquals(List.of(A2), moved.endpoints());
    assertEquals(0, moved.downUntil().size());
  }
}
