package cocaine.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ZooKeeper unreachable at node start (issue 16): the node runs what it last converged to, from the
 * copy it keeps under {@code paths.storage/local-copy}, and says so in its log.
 */
@Tag("zookeeper")
class LocalCopyIT {
  @TempDir
  Path dir;

  @Test
  void aNodeStartedWhileZookeeperIsAwayServesWhatItLastConvergedTo() throws Exception {
    int zkPort = RuntimeProcess.freePort();
    String zk = dir.resolve("zk").toString();
    String storage = String.join("\n",
        "cocaine.node.name = n1",
        "cocaine.storage {",
        "  backend = zookeeper",
        "  zookeeper { connect = \"127.0.0.1:" + zkPort + "\", root = \"/local-copy-it\" }",
        "}");
    ZookeeperStorageIT.zookeeper("start", zk, String.valueOf(zkPort));
    boolean zkRunning = true;
    try {
      try (RuntimeProcess node = RuntimeProcess.start(dir.resolve("node"), "node", storage)) {
        DesiredStateIT.assertCli(node, "uploaded", "app", "upload", DesiredStateIT.APPS.resolve("echo").toString(),
            "--name", "echo");
        DesiredStateIT.assertCli(node, "uploaded", "profile", "upload", "-n", "echo", "-r",
            DesiredStateIT.APPS.resolve("echo").resolve("profile.json").toString());
        DesiredStateIT.assertCli(node, "runs on the cluster", "app", "start", "--cluster", "-n", "echo", "-r", "echo");
        DesiredStateIT.awaitServing(node, true);
      }
      ZookeeperStorageIT.zookeeper("stop", zk);
      zkRunning = false;
      try (RuntimeProcess again = RuntimeProcess.start(dir.resolve("node"), "node", storage)) {
        DesiredStateIT.awaitServing(again, true);
        assertTrue(again.output().contains("desired/echo answered from this node's local copy"), again.output());
      }
    } finally {
      if (zkRunning) {
        ZookeeperStorageIT.zookeeper("stop", zk);
      }
    }
  }
}
