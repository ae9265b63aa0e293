package cocaine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.StorageClient;
import cocaine.cluster.desired.DesiredApp;
import cocaine.deploy.Placement;
import cocaine.deploy.Releases;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cocaine app start --cluster --nodes}: the desired record names the nodes, written once (no
 * node sees it unplaced in between), and later starts keep or replace the placement.
 */
class PlacementTest {
  @TempDir Path dir;

  @Test
  void aFirstStartOnNamedNodesIsOneWriteAndLaterStartsKeepOrReplaceThePlacement() throws Exception {
    try (ServedStorage served = ServedStorage.start(dir, true)) {
      StorageClient storage = served.client;
      storage.write("manifests", "echo", FrameEncoder.encodeValue(Values.fromJava(Map.of("slave", "echo"))),
          List.of("app"));
      Releases releases = new Releases(storage, "test", Clock.systemUTC());
      List<DesiredApp> seen = new CopyOnWriteArrayList<>();
      try (StorageClient.Watch watch = storage.watch(DesiredApp.COLLECTION)) {
        DesiredApp placed = releases.setRunning("echo", true, "default", Optional.of(List.of("node1")));
        assertEquals(List.of("node1"), placed.nodes());
        assertTrue(placed.wantedOn("node1") && !placed.wantedOn("node3"), placed.toString());
        for (Optional<String> key = watch.next(Duration.ofSeconds(10)); key.isPresent();
            key = watch.next(Duration.ofMillis(500))) {
          seen.add(releases.desired(key.get()).orElseThrow());
        }
      }
      assertEquals(1, seen.size(), "one write of desired/echo: " + seen);
      assertEquals(List.of("node1"), seen.get(0).nodes());

      assertEquals(List.of("node1"), releases.setRunning("echo", false, null).nodes(), "a stop keeps it");
      assertEquals(List.of("node1"), releases.setRunning("echo", true, "default", Optional.empty()).nodes());
      assertEquals(List.of("node2", "node3"), releases.setRunning("echo", true, null,
          Optional.of(List.of("node2", "node3"))).nodes());
      DesiredApp everywhere = releases.setRunning("echo", true, null, Optional.of(List.of()));
      assertTrue(everywhere.nodes().isEmpty() && everywhere.wantedOn("node4"), everywhere.toString());
    }
  }

  @Test
  void aCountPicksTheSameNodesForTheSameSetSpreadsAppsAndMovesLittleWhenANodeLeaves() {
    List<String> nodes = List.of("node1", "node2", "node3", "node4", "node5");
    Map<String, Integer> load = new HashMap<>();
    int moved = 0;
    for (int i = 0; i < 1000; i++) {
      String app = "app" + i;
      List<String> two = Placement.pick(app, nodes, 2);
      assertEquals(2, two.size());
      List<String> reversed = new ArrayList<>(nodes);
      Collections.reverse(reversed);
      assertEquals(two, Placement.pick(app, reversed, 2), "the order given does not matter");
      assertEquals(two.stream().sorted().toList(), two, "written sorted by name");
      two.forEach(n -> load.merge(n, 1, Integer::sum));
      List<String> without = Placement.pick(app, nodes.subList(0, 4), 2); // node5 left
      if (!two.contains("node5")) {
        assertEquals(two, without, app + ": node5 was not among its nodes, so nothing moves");
      } else {
        moved++;
        assertTrue(without.containsAll(two.stream().filter(n -> !n.equals("node5")).toList()), app + ": " + without);
      }
    }
    // 2,000 placements over 5 nodes: 400 each if even; a hash that does not spread is far off
    load.values().forEach(n -> assertTrue(n > 300 && n < 500, "placements per node: " + load));
    assertTrue(moved > 300 && moved < 500, "apps that had node5: " + moved);
  }

  @Test
  void aCountBelowOneOrAboveTheNodesThatReportIsRefusedNamingThem() {
    IllegalArgumentException over = assertThrows(IllegalArgumentException.class,
        () -> Placement.pick("echo", List.of("node1", "node2"), 3));
    assertTrue(over.getMessage().contains("only 2 nodes report to the cluster (node1, node2)"), over.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Placement.pick("echo", List.of("node1"), 0));
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
        () -> Placement.pick("echo", List.of(), 1));
    assertTrue(none.getMessage().contains("only 0 nodes report"), none.getMessage());
  }
}
