package cocaine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.StorageClient;
import cocaine.cluster.desired.DesiredApp;
import cocaine.deploy.Releases;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
}
