package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.Locator;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any node resolves any app (issue 16, {@code cocaine.locator.remote}): two {@code --role node}
 * runtimes find each other through ZooKeeper registrations; {@code echo} runs on node1 only, yet a
 * client of node2's locator calls it, an app on node2 calls it through node2's locator, and once
 * echo stops on node1, node2 answers not-available within seconds. Each node keeps its own storage.
 * With signed multicast, a peer without the key cannot take over a name.
 */
class RemoteResolveIT {
  static final Path APPS = RuntimeProcess.HOME.resolve("examples/target/apps");
  static final Duration SEEN = Duration.ofSeconds(60);
  static final Duration GONE = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  /** ZooKeeper discovery as ZookeeperDiscoveryIT's nodes have it, and remote resolve on. */
  static String node(int zkPort, String uuid) {
    return ZookeeperDiscoveryIT.discovery(zkPort, uuid) + "\ncocaine.locator.remote.enabled = true";
  }

  @Test
  @Tag("zookeeper")
  void anAppOfOneNodeIsCalledThroughTheOthersLocatorUntilItStops() throws Exception {
    int zkPort = RuntimeProcess.freePort();
    String zk = dir.resolve("zk").toString();
    ZookeeperStorageIT.zookeeper("start", zk, String.valueOf(zkPort));
    try (RuntimeProcess node1 = RuntimeProcess.start(dir.resolve("node1"), "node", node(zkPort, "remote-n1"));
        RuntimeProcess node2 = RuntimeProcess.start(dir.resolve("node2"), "node", node(zkPort, "remote-n2"))) {
      start(node1, "echo");
      start(node2, "relay");

      await("node2's locator resolves node1's echo").atMost(SEEN).pollInterval(Duration.ofMillis(250))
          .untilAsserted(() -> {
            RuntimeProcess.CliResult call = node2.cli("call", "echo", "ping", "across");
            assertEquals(0, call.exit(), call.output());
            assertEquals("across", call.output());
          });
      try (Locator at1 = Locator.connect("127.0.0.1", node1.locatorPort());
          Locator at2 = Locator.connect("127.0.0.1", node2.locatorPort())) {
        assertEquals(at1.resolve("echo").endpoints(), at2.resolve("echo").endpoints(),
            "node2 hands out node1's own endpoints");
        assertNotEquals(at1.resolve("storage").endpoints(), at2.resolve("storage").endpoints(),
            "platform services stay each node's own");
      }

      RuntimeProcess.CliResult relayed = node2.cli("call", "relay", "relay", "echo");
      assertEquals(0, relayed.exit(), relayed.output());
      assertEquals("hello from relay", relayed.output(), "an app on node2 calls echo on node1");

      RuntimeProcess.CliResult stop = node1.cli("app", "stop", "-n", "echo");
      assertEquals(0, stop.exit(), stop.output());
      long stopped = System.nanoTime();
      awaitNotAvailable(node2, "echo");
      System.out.printf("RemoteResolveIT: echo stopped on node1 -> not available on node2 in %d ms%n",
          Duration.ofNanos(System.nanoTime() - stopped).toMillis());
      RuntimeProcess.CliResult lost = node2.cli("call", "relay", "relay", "echo");
      assertNotEquals(0, lost.exit(), lost.output());
      assertTrue(lost.output().contains("relay to 'echo' failed"), lost.output());
    } finally {
      ZookeeperStorageIT.zookeeper("stop", zk);
    }
  }

  /**
   * Multicast with the cluster key: node2 links node1 (signed announces) and never the rogue, a node
   * without the key that runs its own {@code echo}; every resolve on node2 answers node1's, and when
   * node1 stops, node2 answers not-available rather than the rogue's.
   */
  @Test
  void anUnsignedPeerCannotTakeOverANameAndALeavingPeerIsDroppedAtOnce() throws Exception {
    Path keyFile = dir.resolve("cluster.key");
    Files.writeString(keyFile, SignedAnnounceIT.KEY + "\n");
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    int port;
    try (DatagramSocket s = new DatagramSocket(0)) {
      port = s.getLocalPort();
    }
    String group = "239.255." + ThreadLocalRandom.current().nextInt(1, 255) + "." + ThreadLocalRandom.current().nextInt(1, 255);
    String multicast = "cocaine.locator.cluster { type = multicast, group = \"" + group + "\", port = " + port
        + ", interval = 1s, loopback = true, interface = lo }\ncocaine.locator.remote.enabled = true\n";
    String signed = multicast + "cocaine.locator.cluster.announce-key-file = \"" + keyFile + "\"\n";
    try (RuntimeProcess rogue = RuntimeProcess.start(dir.resolve("rogue"), "node", "cocaine.uuid = rogue\n" + multicast);
        RuntimeProcess node2 = RuntimeProcess.start(dir.resolve("node2"), "node", "cocaine.uuid = signed-n2\n" + signed)) {
      start(rogue, "echo");
      RuntimeProcess node1 = RuntimeProcess.start(dir.resolve("node1"), "node", "cocaine.uuid = signed-n1\n" + signed);
      try {
        start(node1, "echo");
        await("node2 resolves node1's echo").atMost(SEEN).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
          RuntimeProcess.CliResult call = node2.cli("call", "echo", "ping", "signed");
          assertEquals(0, call.exit(), call.output());
        });
        try (Locator at1 = Locator.connect("127.0.0.1", node1.locatorPort());
            Locator at2 = Locator.connect("127.0.0.1", node2.locatorPort())) {
          for (int i = 0; i < 20; i++) {
            assertEquals(at1.resolve("echo").endpoints(), at2.resolve("echo").endpoints(), "never the rogue's echo");
          }
        }
      } finally {
        node1.close();
      }
      long left = System.nanoTime();
      awaitNotAvailable(node2, "echo");
      System.out.printf("RemoteResolveIT: node1 stopped -> echo not available on node2 in %d ms%n",
          Duration.ofNanos(System.nanoTime() - left).toMillis());
      String out = node2.output();
      assertTrue(out.contains("unsigned announce of node 'rogue'"), out);
      assertFalse(out.contains("new node 'rogue'"), out);
    }
  }

  /** Waits until {@code node}'s locator answers {@code [10, 1]} for {@code app}, polling it directly (no CLI start-up). */
  static void awaitNotAvailable(RuntimeProcess node, String app) throws Exception {
    try (Locator locator = Locator.connect("127.0.0.1", node.locatorPort())) {
      await(node.dir().getFileName() + " stops resolving " + app).atMost(GONE).pollInterval(Duration.ofMillis(50))
          .until(() -> {
            try {
              locator.resolve(app);
              return false;
            } catch (CocaineException e) {
              assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, e.code(), e.getMessage());
              return true;
            }
          });
    }
  }

  /** Uploads the echo example as {@code name} with its profile and starts it on {@code node}. */
  static void start(RuntimeProcess node, String name) throws Exception {
    for (List<String> args : List.of(
        List.of("app", "upload", APPS.resolve("echo").toString(), "--name", name),
        List.of("profile", "upload", "-n", name, "-r", APPS.resolve("echo").resolve("profile.json").toString()),
        List.of("app", "start", "-n", name, "-r", name))) {
      RuntimeProcess.CliResult r = node.cli(args.toArray(String[]::new));
      assertEquals(0, r.exit(), args + ": " + r.output());
    }
  }
}
