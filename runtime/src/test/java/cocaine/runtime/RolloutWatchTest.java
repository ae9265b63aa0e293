package cocaine.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.StorageClient;
import cocaine.cluster.desired.Convergence.AppState;
import cocaine.cluster.desired.NodeReport;
import cocaine.deploy.DeployFailed;
import cocaine.deploy.Releases;
import cocaine.deploy.RolloutWatch;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deploy's wait ({@link RolloutWatch}) against the storage service as a node serves it (files
 * backend, its watch of the writes through it: {@link ServedStorage}), over TCP with the Java
 * {@link StorageClient}: while no report changes the deploy reads none, and a node's report ends
 * the wait when it is written, pushed by {@code watch}; a storage that cannot watch is polled.
 */
class RolloutWatchTest {
  /** Well under the watch's 5 s safety re-read: only a pushed report is seen this soon. */
  static final Duration PUSHED = Duration.ofMillis(2500);

  @TempDir Path dir;
  ServedStorage served;
  StorageClient client;

  void serve(boolean watching) throws Exception {
    served = ServedStorage.start(dir, watching);
    client = served.client;
  }

  @AfterEach
  void stop() throws Exception {
    if (served != null) {
      served.close();
    }
  }

  void report(String node, String version, String state, String reason) {
    client.write(NodeReport.COLLECTION, node, new NodeReport(node, Instant.now(),
        Map.of("echo", new AppState(version, state, reason))).pack(), NodeReport.TAGS);
  }

  RolloutWatch watch(List<String> said, Runnable putBack) {
    return new RolloutWatch(client, new Releases(client, "test", Clock.systemUTC()), "echo", 2, "2", putBack,
        Duration.ofSeconds(30), Duration.ofSeconds(60), said::add);
  }

  CompletableFuture<List<String>> awaitInBackground(RolloutWatch watch) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return watch.await();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void theStorageClientsWatchTellsEachKeyWrittenOrRemoved() throws Exception {
    serve(true);
    try (StorageClient.Watch watch = client.watch(NodeReport.COLLECTION)) {
      assertEquals(Optional.empty(), watch.next(Duration.ofMillis(200)), "nothing changed yet");
      report("n1", "1", "running", "");
      client.write("other", "n1", new byte[] {1}, List.of());
      client.remove(NodeReport.COLLECTION, "n1");
      assertEquals(Optional.of("n1"), watch.next(Duration.ofSeconds(10)));
      assertEquals(Optional.of("n1"), watch.next(Duration.ofSeconds(10)));
      assertEquals(Optional.empty(), watch.next(Duration.ofMillis(200)), "another collection is not told");
    }
  }

  @Test
  void aNodesReportEndsTheWaitAsItIsWrittenNotAtTheNextRead() throws Exception {
    serve(true);
    report("n1", "2", "starting", "");
    List<String> said = new CopyOnWriteArrayList<>();
    CompletableFuture<List<String>> waited = awaitInBackground(watch(said, () -> { }));
    await().atMost(Duration.ofSeconds(10)).until(() -> !said.isEmpty());
    // the watch is open and the first read is done: the deploy waits for n1 now
    assertEquals(List.of("start: waiting for n1 (starting)"), said);
    int listed = served.finds(NodeReport.COLLECTION);
    await("no read of the reports while none changes").during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(4))
        .until(() -> served.finds(NodeReport.COLLECTION) == listed);
    long written = System.nanoTime();
    report("n1", "2", "running", "");
    assertEquals(List.of("n1"), waited.get(PUSHED.toMillis(), TimeUnit.MILLISECONDS));
    System.out.printf("RolloutWatchTest: report written -> deploy sees it in %d ms%n",
        (System.nanoTime() - written) / 1_000_000);
  }

  @Test
  void aNodeThatCannotRunItFailsTheWaitWithItsReasonAfterPuttingTheOldStateBack() throws Exception {
    serve(true);
    report("n1", "2", "starting", "");
    List<String> said = new CopyOnWriteArrayList<>();
    List<String> putBack = new CopyOnWriteArrayList<>();
    CompletableFuture<List<String>> waited = awaitInBackground(watch(said, () -> putBack.add("back")));
    await().atMost(Duration.ofSeconds(10)).until(() -> !said.isEmpty());
    report("n1", "2", "broken", "image not found");
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> waited.get(PUSHED.toMillis(), TimeUnit.MILLISECONDS));
    DeployFailed failed = (DeployFailed) e.getCause();
    assertEquals("node n1 cannot run version 2: image not found", failed.reason());
    assertEquals(List.of("back"), putBack);
  }

  @Test
  void aStorageThatCannotWatchIsReadAgainAndAgain() throws Exception {
    serve(false);
    report("n1", "2", "starting", "");
    List<String> said = new CopyOnWriteArrayList<>();
    CompletableFuture<List<String>> waited = awaitInBackground(watch(said, () -> { }));
    await().atMost(Duration.ofSeconds(10)).until(() -> !said.isEmpty());
    report("n1", "2", "running", "");
    assertEquals(List.of("n1"), waited.get(PUSHED.toMillis(), TimeUnit.MILLISECONDS));
    assertTrue(said.stream().allMatch(s -> s.startsWith("start: waiting for n1")), said.toString());
  }
}
