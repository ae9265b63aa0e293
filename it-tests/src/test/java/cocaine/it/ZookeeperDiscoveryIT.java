package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discovery through ZooKeeper ({@code cocaine.locator.cluster.type = zookeeper}, issue 16): a node
 * registers an ephemeral znode, a balancer watching the path links it at once and drops it as soon
 * as the znode goes with the node, with real ZooKeeper and two runtimes.
 */
@Tag("zookeeper")
class ZookeeperDiscoveryIT {
  static final Duration SEEN = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  static String discovery(int zkPort, String uuid) {
    return String.join("\n",
        "cocaine.uuid = \"" + uuid + "\"",
        "cocaine.storage.zookeeper { connect = \"127.0.0.1:" + zkPort + "\", root = \"/discovery-it\" }",
        "cocaine.locator.cluster { type = zookeeper, path = \"/discovery-it-nodes\" }");
  }

  @Test
  void aRegisteredNodeIsLinkedAtOnceAndDroppedWhenItsZnodeGoes() throws Exception {
    int zkPort = RuntimeProcess.freePort();
    String zk = dir.resolve("zk").toString();
    ZookeeperStorageIT.zookeeper("start", zk, String.valueOf(zkPort));
    try (RuntimeProcess balancer = RuntimeProcess.start(dir.resolve("lb"), "balancer",
        discovery(zkPort, "zk-balancer"), "locator")) {
      RuntimeProcess node = RuntimeProcess.start(dir.resolve("node"), "node", discovery(zkPort, "zk-node-1"));
      try {
        await("the balancer links the registered node").atMost(SEEN).pollInterval(Duration.ofMillis(250))
            .untilAsserted(() -> {
              RuntimeProcess.CliResult cluster = balancer.cli("cluster");
              assertEquals(0, cluster.exit(), cluster.output());
              assertTrue(cluster.output().contains("zk-node-1"), cluster.output());
            });
        assertTrue(balancer.output().contains("metalocator: new node 'zk-node-1'"), balancer.output());
      } finally {
        node.close();
      }
      await("the balancer drops the node whose znode went").atMost(SEEN).pollInterval(Duration.ofMillis(250))
          .untilAsserted(() -> {
            RuntimeProcess.CliResult cluster = balancer.cli("cluster");
            assertFalse(cluster.output().contains("zk-node-1"), cluster.output());
          });
      assertTrue(balancer.output().contains("metalocator: node 'zk-node-1' at")
          && balancer.output().contains("left: its registration is gone"), balancer.output());
    } finally {
      ZookeeperStorageIT.zookeeper("stop", zk);
    }
  }
}
