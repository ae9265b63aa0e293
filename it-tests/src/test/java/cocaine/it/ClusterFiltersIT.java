package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.LoggingClient;
import cocaine.client.ServiceClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19's cluster filters on a real ZooKeeper (scripts/zookeeper.sh): two running nodes share
 * the storage; a filter one sets with {@code set_cluster_filter} reaches the other through its
 * watch, without a restart, and a removal through the other leaves both.
 */
@Tag("zookeeper")
class ClusterFiltersIT {
  @TempDir
  static Path dir;
  static int zkPort;
  static RuntimeProcess a;
  static RuntimeProcess b;

  @BeforeAll
  static void start() throws Exception {
    zkPort = RuntimeProcess.freePort();
    ZookeeperStorageIT.zookeeper("start", dir.resolve("zk").toString(), String.valueOf(zkPort));
    String storage = "cocaine.storage { backend = zookeeper, zookeeper { connect = \"127.0.0.1:" + zkPort
        + "\", root = \"/cluster-filters-it\" } }";
    a = RuntimeProcess.start(dir.resolve("a"), "node", storage);
    b = RuntimeProcess.start(dir.resolve("b"), "node", storage);
  }

  @AfterAll
  static void stop() throws Exception {
    for (RuntimeProcess node : new RuntimeProcess[] {a, b}) {
      if (node != null) {
        node.close();
      }
    }
    if (zkPort != 0) {
      ZookeeperStorageIT.zookeeper("stop", dir.resolve("zk").toString());
    }
  }

  static LoggingClient logging(RuntimeProcess node) throws Exception {
    return new LoggingClient(ServiceClient.connect("127.0.0.1", node.locatorPort(), "logging"), Duration.ofSeconds(20));
  }

  static boolean has(LoggingClient node, long id) {
    return node.listFilters().stream().anyMatch(f -> f.id() == id && f.disposition() == LoggingClient.CLUSTER);
  }

  @Test
  void aClusterFilterReachesTheOtherRunningNodeAndItsRemovalBoth() throws Exception {
    try (LoggingClient onA = logging(a); LoggingClient onB = logging(b)) {
      assertTrue(onB.emitAck(LoggingClient.WARNING, "app/zkfilter", "before the filter", Map.of()));
      long id = onA.setClusterFilter("app/zkfilter", List.of("severity", 3), 600);
      await("node b gets the filter through its watch").atMost(Duration.ofSeconds(20)).until(() -> has(onB, id));
      assertFalse(onB.emitAck(LoggingClient.WARNING, "app/zkfilter", "below the cluster filter on b", Map.of()));
      assertTrue(onB.emitAck(LoggingClient.ERROR, "app/zkfilter", "an error passes on b", Map.of()));

      assertTrue(onB.removeFilter(id));
      await("node a drops the filter through its watch").atMost(Duration.ofSeconds(20)).until(() -> !has(onA, id));
      assertTrue(onA.emitAck(LoggingClient.WARNING, "app/zkfilter", "a warning passes again on a", Map.of()));
      assertFalse(onA.removeFilter(id), "gone everywhere");
    }
  }
}
