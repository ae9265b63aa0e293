package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.ServiceClient;
import cocaine.client.StorageClient;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose storage is a real ZooKeeper server (scripts/zookeeper.sh), written through its
 * {@code storage} service by one client in a loop while the server is killed (-9) and started
 * again: every write made while it is down fails fast with a clear error, writes succeed again
 * after the restart, and every write the node acknowledged is there afterwards.
 */
@Tag("zookeeper")
class ZookeeperStorageIT {
  static final Path SCRIPT = RuntimeProcess.HOME.resolve("scripts/zookeeper.sh");
  static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(2);
  /** A write must fail within this while ZooKeeper is down: one retry of the connection timeout, plus slack. */
  static final Duration FAIL_FAST = CONNECTION_TIMEOUT.multipliedBy(2).plusSeconds(4);

  @TempDir
  static Path dir;
  static int zkPort;
  static RuntimeProcess node;

  /** What one write got: acknowledged, or the error and how long it took to come. */
  record Outcome(String key, boolean acknowledged, long millis, String error) {}

  @BeforeAll
  static void start() throws Exception {
    zkPort = RuntimeProcess.freePort();
    zookeeper("start", dir.resolve("zk").toString(), String.valueOf(zkPort));
    node = RuntimeProcess.start(dir.resolve("node"), "node", String.join("\n",
        "cocaine.storage {",
        "  backend = zookeeper",
        "  zookeeper { connect = \"127.0.0.1:" + zkPort + "\", root = \"/zookeeper-it\", connection-timeout = "
            + CONNECTION_TIMEOUT.toMillis() + "ms }",
        "}"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (zkPort != 0) {
      zookeeper("stop", dir.resolve("zk").toString());
    }
  }

  @Test
  void writesFailFastWhileZookeeperIsDownAndNoAcknowledgedWriteIsLost() throws Exception {
    List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    Map<String, String> acknowledged = new ConcurrentHashMap<>();
    AtomicBoolean writing = new AtomicBoolean(true);
    // the client waits much longer than the node should: a hang shows as a slow failure, not a client timeout
    StorageClient storage = new StorageClient(ServiceClient.connect("127.0.0.1", node.locatorPort(), "storage"),
        Duration.ofSeconds(60));
    Thread writer = new Thread(() -> {
      for (int i = 0; writing.get(); i++) {
        String key = "k" + i;
        String value = "value-" + i;
        long start = System.nanoTime();
        try {
          storage.write("crashlogs", key, value.getBytes(StandardCharsets.UTF_8), List.of("zookeeper-it"));
          acknowledged.put(key, value);
          outcomes.add(new Outcome(key, true, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), null));
        } catch (RuntimeException e) {
          String error = e instanceof CocaineException c ? c.code() + " " + c.getMessage() : e.toString();
          outcomes.add(new Outcome(key, false, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), error));
        }
      }
    }, "zookeeper-it-writer");
    writer.setDaemon(true);
    writer.start();
    try {
      await("writes acknowledged").atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 20);
      zookeeper("kill", dir.resolve("zk").toString());
      int killedAt = outcomes.size();
      await("writes fail while ZooKeeper is down").atMost(Duration.ofSeconds(60))
          .until(() -> failures(since(outcomes, killedAt)).size() >= 3);
      List<Outcome> down = failures(since(outcomes, killedAt));
      for (Outcome o : down) {
        assertTrue(o.millis() <= FAIL_FAST.toMillis(), "write " + o.key() + " took " + o.millis() + " ms to fail: " + o);
        assertTrue(o.error().startsWith(ErrorCode.IO_ERROR.toString()) && o.error().contains("ZooKeeper at 127.0.0.1:"
            + zkPort + " cannot be reached"), "a clear error: " + o.error());
      }
      zookeeper("start", dir.resolve("zk").toString(), String.valueOf(zkPort));
      int restartedAt = outcomes.size();
      await("writes succeed after the restart").atMost(Duration.ofSeconds(90))
          .until(() -> since(outcomes, restartedAt).stream().filter(Outcome::acknowledged).count() >= 20);
      System.out.println("MEASURED ZookeeperStorageIT: " + outcomes.size() + " writes, " + acknowledged.size()
          + " acknowledged, " + failures(outcomes).size() + " failed while down; slowest failure "
          + down.stream().mapToLong(Outcome::millis).max().orElse(0) + " ms");
    } finally {
      writing.set(false);
      writer.join(TimeUnit.SECONDS.toMillis(90));
    }
    for (Map.Entry<String, String> e : acknowledged.entrySet()) {
      assertArrayEquals(e.getValue().getBytes(StandardCharsets.UTF_8), storage.read("crashlogs", e.getKey()), e.getKey());
    }
    assertTrue(Set.copyOf(storage.find("crashlogs", List.of("zookeeper-it"))).containsAll(acknowledged.keySet()),
        "every acknowledged key is found by its tag");
    storage.close();
  }

  /** The outcomes from index {@code from} on, as a copy: the writer appends to the list meanwhile. */
  private static List<Outcome> since(List<Outcome> outcomes, int from) {
    List<Outcome> now = List.copyOf(outcomes);
    return now.subList(from, now.size());
  }

  private static List<Outcome> failures(List<Outcome> outcomes) {
    return outcomes.stream().filter(o -> !o.acknowledged()).toList();
  }

  static void zookeeper(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    Command.Result r = Command.run(command, Duration.ofSeconds(90));
    assertEquals(0, r.exit(), "zookeeper.sh " + String.join(" ", args) + ": " + r.output());
  }
}
