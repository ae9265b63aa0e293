package cocaine.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplayGuardTest {
  static final long NOW = 1_800_000_000_000L;
  final ReplayGuard guard = new ReplayGuard(Duration.ofSeconds(30));

  @Test
  void eachNodesAnnouncesMustComeInOrderOnce() {
    assertEquals(Optional.empty(), guard.admit("a", NOW, 0, NOW));
    assertTrue(guard.admit("a", NOW, 0, NOW).orElseThrow().startsWith("replayed announce of node 'a'"));
    assertEquals(Optional.empty(), guard.admit("a", NOW, 1, NOW), "same millisecond, next sequence");
    assertTrue(guard.admit("a", NOW - 1, 99, NOW).isPresent(), "an earlier timestamp, whatever its sequence");
    assertEquals(Optional.empty(), guard.admit("b", NOW, 0, NOW), "another node has an order of its own");
    assertEquals(Optional.empty(), guard.admit("a", NOW + 5000, 0, NOW + 5000), "a restarted node: later, from 0");
  }

  @Test
  void timestampsBeyondTheWindowEitherWayAreStale() {
    assertTrue(guard.admit("a", NOW - 30_001, 0, NOW).orElseThrow().contains("signed 30001 ms ago"));
    assertTrue(guard.admit("a", NOW + 30_001, 0, NOW).orElseThrow().contains("ahead of this host's clock"));
    assertEquals(Optional.empty(), guard.admit("a", NOW - 30_000, 0, NOW), "the window's edge is inside");
  }

  @Test
  void nodesWhoseLastAnnounceLeftTheWindowAreForgotten() {
    for (int i = 0; i < 100; i++) {
      guard.admit("node-" + i, NOW, 0, NOW);
    }
    assertEquals(100, guard.remembered());
    guard.admit("late", NOW + 31_000, 0, NOW + 31_000);
    assertEquals(1, guard.remembered(), "only the node heard inside the window is kept");
  }
}
