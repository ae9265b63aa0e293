package cocaine.storage.zookeeper;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cocaine.config.ZookeeperSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real ZooKeeper server started by scripts/zookeeper.sh (Debian package {@code zookeeper}). */
@Tag("zookeeper")
class ZookeeperStorageTest {
  static final Path SCRIPT = Path.of(System.getProperty("user.dir")).resolve("../scripts/zookeeper.sh").normalize();
  static final Duration WAIT = Duration.ofSeconds(60);
  static final AtomicInteger ROOTS = new AtomicInteger();
  /**
   * Every call of the storage is answered within its connection-timeout; under load a round trip
   * that carries a chunk took 300-450 ms here, so the tests that are not about that timeout get the
   * configured one, not a second that a few round trips use up.
   */
  static final Duration CONNECTION_TIMEOUT =
      ConfigFactory.defaultReference().getDuration("cocaine.storage.zookeeper.connection-timeout");
  /** For the tests of what a call does once ZooKeeper is gone: short, so that they wait little for it. */
  static final Duration SHORT_TIMEOUT = Duration.ofSeconds(1);

  @TempDir static Path zkDir;
  static int port;

  ZookeeperStorage storage;
  String root;

  @BeforeAll
  static void startZookeeper() throws Exception {
    assumeTrue(Files.exists(Path.of("/usr/share/java/zookeeper.jar")),
        "ZooKeeper is not installed: apt-get install -y zookeeper (scripts/setup-debian.sh); ZooKeeper tests skipped");
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    script("start", zkDir.toString(), Integer.toString(port));
  }

  @AfterAll
  static void stopZookeeper() throws Exception {
    if (port != 0) {
      script("stop", zkDir.toString());
    }
  }

  static void script(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    cmd.addAll(List.of(args));
    // output to a file, not a pipe: the server the script leaves running cannot hold the test
    Path log = Files.createTempFile("zookeeper-sh-", ".out");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean finished = p.waitFor(90, TimeUnit.SECONDS);
    if (!finished) {
      p.destroyForcibly();
    }
    String out = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    Files.delete(log);
    assertTrue(finished, "zookeeper.sh " + String.join(" ", args) + " did not finish: " + out);
    assertEquals(0, p.exitValue(), "zookeeper.sh " + String.join(" ", args) + ": " + out);
  }

  @BeforeEach
  void open() {
    root = "/cocaine-test-" + ROOTS.incrementAndGet();
    storage = open(1024, CONNECTION_TIMEOUT);
  }

  ZookeeperStorage open(int chunkBytes, Duration connectionTimeout) {
    return ZookeeperStorage.open(new ZookeeperSettings("127.0.0.1:" + port, root, Duration.ofSeconds(10)),
        connectionTimeout, 2, 64, chunkBytes);
  }

  @AfterEach
  void close() {
    storage.close();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  CocaineException failure(java.util.concurrent.CompletionStage<?> stage) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(30, TimeUnit.SECONDS));
    return assertInstanceOf(CocaineException.class, e.getCause());
  }

  @Test
  void readsWritesRemovesAndFindsLikeTheFilesBackend() throws Exception {
    get(storage.write("manifests", "echo", bytes("v1"), List.of("app", "python")));
    get(storage.write("manifests", "web", bytes("w"), List.of("app")));
    assertArrayEquals(bytes("v1"), get(storage.read("manifests", "echo")));
    get(storage.write("manifests", "echo", bytes("v2"), List.of("app")));
    assertArrayEquals(bytes("v2"), get(storage.read("manifests", "echo")));

    assertEquals(List.of("echo", "web"), get(storage.find("manifests", List.of("app"))));
    assertEquals(List.of("echo"), get(storage.find("manifests", List.of("app", "python"))), "tags accumulate");
    assertEquals(List.of(), get(storage.find("manifests", List.of("app", "missing-tag"))));
    assertEquals(List.of(), get(storage.find("manifests", List.of())));
    assertEquals(List.of(), get(storage.find("nothing-here", List.of("app"))));

    get(storage.remove("manifests", "echo"));
    CocaineException missing = failure(storage.read("manifests", "echo"));
    assertEquals(ErrorCode.NOT_FOUND, missing.code());
    assertTrue(missing.getMessage().contains("manifests/echo"), missing.getMessage());
    assertEquals(List.of("web"), get(storage.find("manifests", List.of("app"))));
    assertEquals(List.of(), get(storage.find("manifests", List.of("python"))));
    get(storage.remove("manifests", "echo")); // removing a missing key succeeds

    for (String bad : List.of("", ".hidden", "a/b", "..")) {
      assertEquals(ErrorCode.INVALID, failure(storage.write("manifests", bad, bytes("x"), List.of())).code(), bad);
      assertEquals(ErrorCode.INVALID, failure(storage.write(bad, "k", bytes("x"), List.of())).code(), bad);
    }
    assertEquals(ErrorCode.INVALID, failure(storage.write("manifests", "k", bytes("x"), List.of("a/b"))).code());
  }

  @Test
  void largeValuesAreChunkedAndReplacedWithoutLeftovers() throws Exception {
    byte[] big = new byte[3 * 1024 * 1024 + 17]; // well past ZooKeeper's 1 MiB znode limit
    ThreadLocalRandom.current().nextBytes(big);
    storage.close();
    storage = open(256 * 1024, CONNECTION_TIMEOUT);
    get(storage.write("apps", "echo@1", big, List.of("archive")));
    assertArrayEquals(big, get(storage.read("apps", "echo@1")));
    byte[] bigger = new byte[2 * 1024 * 1024];
    ThreadLocalRandom.current().nextBytes(bigger);
    get(storage.write("apps", "echo@1", bigger, List.of("archive")));
    assertArrayEquals(bigger, get(storage.read("apps", "echo@1")));
    assertEquals(1, chunkSets("apps", "echo@1"), "the replaced value's chunks are deleted");
    get(storage.write("apps", "echo@1", bytes("small"), List.of()));
    assertArrayEquals(bytes("small"), get(storage.read("apps", "echo@1")));
    assertEquals(0, chunkSets("apps", "echo@1"));
    get(storage.write("apps", "echo@1", big, List.of()));
    get(storage.remove("apps", "echo@1"));
    assertEquals(0, chunkSets("apps", "echo@1"));
    assertEquals(ErrorCode.NOT_FOUND, failure(storage.read("apps", "echo@1")).code());
  }

  @Test
  void theTimeoutBoundsEachWaitForZookeeperNotTheNumberOfChunks() throws Exception {
    // 1-byte chunks: each value below is 2,500 znodes, so deleting one takes longer than the 1 s
    // connection-timeout in all, while each round trip takes a millisecond or so
    storage.close();
    storage = open(1, SHORT_TIMEOUT);
    byte[] first = new byte[2500];
    byte[] second = new byte[2500];
    ThreadLocalRandom.current().nextBytes(first);
    ThreadLocalRandom.current().nextBytes(second);
    get(storage.write("apps", "echo@1", first, List.of("archive")));
    get(storage.write("apps", "echo@1", second, List.of("archive"))); // new chunks, then the old ones deleted
    assertArrayEquals(second, get(storage.read("apps", "echo@1")));
    assertEquals(1, chunkSets("apps", "echo@1"), "the replaced value's chunks are deleted");
    long start = System.nanoTime();
    get(storage.remove("apps", "echo@1"));
    Duration removing = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(0, chunkSets("apps", "echo@1"));
    assertEquals(ErrorCode.NOT_FOUND, failure(storage.read("apps", "echo@1")).code());
    // what the test is about: deleting a value's chunks outlasts the timeout (so did the replacing write's)
    assertTrue(removing.compareTo(SHORT_TIMEOUT) > 0,
        "removing 2,500 chunks took " + removing.toMillis() + " ms, less than the timeout: use more chunks here");
  }

  @Test
  void aDamagedChunkPointerIsAClearErrorNotAHugeBuffer() throws Exception {
    get(storage.write("apps", "echo@1", new byte[3000], List.of())); // 3 chunks of 1 KiB
    try (CuratorFramework zk = CuratorFrameworkFactory.newClient("127.0.0.1:" + port, new RetryOneTime(100))) {
      zk.start();
      String path = root + "/apps/echo@1";
      String pointer = new String(zk.getData().forPath(path), StandardCharsets.US_ASCII);
      zk.setData().forPath(path, pointer.replaceAll(" 3000$", " 9000000000000").getBytes(StandardCharsets.US_ASCII));
      CocaineException huge = failure(storage.read("apps", "echo@1"));
      assertEquals(ErrorCode.IO_ERROR, huge.code());
      assertTrue(huge.getMessage().contains("damaged") && huge.getMessage().contains("9000000000000"),
          huge.getMessage());
      zk.setData().forPath(path, pointer.replaceAll(" 3000$", " lots").getBytes(StandardCharsets.US_ASCII));
      CocaineException garbled = failure(storage.read("apps", "echo@1"));
      assertEquals(ErrorCode.IO_ERROR, garbled.code());
      assertTrue(garbled.getMessage().contains("damaged chunk pointer"), garbled.getMessage());
    }
  }

  int chunkSets(String collection, String key) throws Exception {
    try (CuratorFramework zk = CuratorFrameworkFactory.newClient("127.0.0.1:" + port, new RetryOneTime(100))) {
      zk.start();
      String path = root + "/.chunks/" + collection + "/" + key;
      return zk.checkExists().forPath(path) == null ? 0 : zk.getChildren().forPath(path).size();
    }
  }

  @Test
  void concurrentWritesOfOneKeyAllSucceedAndLeaveOneOfTheirValues() throws Exception {
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      writes.add(storage.write("runlists", "default", bytes("value-" + i), List.of("tag-" + i)).toCompletableFuture());
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    String value = new String(get(storage.read("runlists", "default")), StandardCharsets.UTF_8);
    assertTrue(value.matches("value-[0-7]"), value);
    for (int i = 0; i < 8; i++) {
      assertEquals(List.of("default"), get(storage.find("runlists", List.of("tag-" + i))));
    }
  }

  @Test
  void watchersSeeEveryCreateChangeAndRemoval() throws Exception {
    get(storage.write("groups", "before", bytes("{}"), List.of("group")));
    LinkedBlockingQueue<StorageChange> changes = new LinkedBlockingQueue<>();
    try (AutoCloseable watch = storage.watch("groups", changes::add)) {
      assertEquals(new StorageChange("groups", "before", StorageChange.Kind.CREATED), changes.poll(30, TimeUnit.SECONDS));
      get(storage.write("groups", "app", bytes("{\"app-v1\":1}"), List.of("group")));
      assertEquals(new StorageChange("groups", "app", StorageChange.Kind.CREATED), changes.poll(30, TimeUnit.SECONDS));
      get(storage.write("groups", "app", bytes("{\"app-v2\":1}"), List.of("group")));
      assertEquals(new StorageChange("groups", "app", StorageChange.Kind.CHANGED), changes.poll(30, TimeUnit.SECONDS));
      get(storage.remove("groups", "app"));
      assertEquals(new StorageChange("groups", "app", StorageChange.Kind.REMOVED), changes.poll(30, TimeUnit.SECONDS));
      get(storage.write("other", "x", bytes("x"), List.of("group")));
      assertEquals(null, changes.poll(500, TimeUnit.MILLISECONDS), "other collections and tag entries are not reported");
    }
  }

  @Test
  void noAcknowledgedWriteIsLostWhenZookeeperCrashesAndComesBack() throws Exception {
    Map<String, String> acknowledged = new ConcurrentHashMap<>();
    AtomicReference<CocaineException> lastFailure = new AtomicReference<>();
    AtomicInteger failures = new AtomicInteger();
    AtomicBoolean writing = new AtomicBoolean(true);
    storage.close();
    storage = open(1024, SHORT_TIMEOUT);
    Thread writer = new Thread(() -> {
      // until told to stop, not for a number of writes: while ZooKeeper is down writes fail at once, and a
      // count ran out before it was back (seen: 100,000 failed writes in the outage, none after it)
      for (int i = 0; writing.get(); i++) {
        String key = "k" + i;
        String value = "value-" + i;
        try {
          storage.write("crashlogs", key, bytes(value), List.of("crash")).toCompletableFuture().get(60, TimeUnit.SECONDS);
          acknowledged.put(key, value);
        } catch (ExecutionException e) {
          lastFailure.set((CocaineException) e.getCause());
          failures.incrementAndGet();
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // pacing the load, not waiting for anything
        } catch (Exception e) {
          return;
        }
      }
    });
    writer.setDaemon(true);
    writer.start();
    try {
      await().atMost(WAIT).until(() -> acknowledged.size() >= 20);
      script("kill", zkDir.toString());
      await().atMost(WAIT).until(() -> failures.get() >= 2);
      CocaineException down = lastFailure.get();
      assertEquals(ErrorCode.IO_ERROR, down.code());
      assertTrue(down.getMessage().contains("cannot be reached") && down.getMessage().contains("127.0.0.1:" + port),
          down.getMessage());
      long readStart = System.nanoTime();
      CocaineException readWhileDown = failure(storage.read("crashlogs", "k0"));
      long readMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - readStart);
      assertTrue(readWhileDown.getMessage().contains("was not done"), readWhileDown.getMessage());
      // one call at a time waits for the lost connection (the writer's); the others fail at once
      // instead of waiting connection-timeout (1 s, twice with the retry) each behind it
      assertTrue(readMillis < 1000, "a read while ZooKeeper is down failed after " + readMillis + " ms");

      int beforeRestart = acknowledged.size();
      script("start", zkDir.toString(), Integer.toString(port));
      await().atMost(WAIT).until(() -> acknowledged.size() >= beforeRestart + 20);
    } finally {
      writing.set(false);
      writer.join(TimeUnit.SECONDS.toMillis(90));
    }
    for (Map.Entry<String, String> e : acknowledged.entrySet()) {
      assertArrayEquals(bytes(e.getValue()), get(storage.read("crashlogs", e.getKey())), e.getKey());
    }
    assertTrue(Set.copyOf(get(storage.find("crashlogs", List.of("crash")))).containsAll(acknowledged.keySet()));
  }

  @Test
  void everyCallIsAnsweredWithinTheConnectionTimeoutWhenZooKeeperStopsAnswering() throws Exception {
    storage.close();
    storage = open(1024, SHORT_TIMEOUT);
    get(storage.write("crashlogs", "before", bytes("x"), List.of()));
    // A frozen server keeps its connections open: the client still counts itself connected, so
    // calls wait for replies instead of failing at once, and the later ones queue behind them.
    String pid = Files.readString(zkDir.resolve("zookeeper.pid")).strip();
    signal("STOP", pid);
    try {
      List<Long> millis = new ArrayList<>();
      List<CompletableFuture<?>> calls = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 0; i < 20; i++) {
        calls.add((i % 2 == 0 ? storage.read("crashlogs", "before") : storage.write("crashlogs", "k" + i, bytes("v"),
            List.of())).toCompletableFuture().handle((v, e) -> {
              synchronized (millis) {
                millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
              }
              return e;
            }));
      }
      for (var call : calls) {
        Object failure = call.get(30, TimeUnit.SECONDS);
        assertInstanceOf(CocaineException.class, failure, "a call while ZooKeeper is frozen fails");
        assertTrue(((CocaineException) failure).getMessage().contains("cannot be reached"), failure.toString());
      }
      // connection-timeout is 1 s here; the rest is scheduling
      assertTrue(millis.stream().allMatch(ms -> ms < 2500), "answered after (ms) " + millis);
    } finally {
      signal("CONT", pid);
    }
    await().atMost(WAIT).ignoreExceptions().until(() -> {
      get(storage.write("crashlogs", "after", bytes("y"), List.of()));
      return true;
    });
    assertArrayEquals(bytes("x"), get(storage.read("crashlogs", "before")));
  }

  static void signal(String name, String pid) throws Exception {
    Process p = new ProcessBuilder("kill", "-" + name, pid).inheritIO().start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "kill -" + name + " " + pid);
  }
}
