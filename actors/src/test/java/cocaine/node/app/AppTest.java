package cocaine.node.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.locator.Endpoint;
import cocaine.node.FakePublisher;
import cocaine.node.MemoryStorage;
import cocaine.node.isolate.FakeIsolate.FakeWorker;
import cocaine.node.isolate.FakeIsolate;
import cocaine.rpc.channel.Handoff;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An app's start, broken state and stop with in-memory storage, a recording publisher, a fake
 * isolate (workers that never connect) and manual time. The worker pipe and the app's service are
 * bound for real.
 */
class AppTest {
  static final ActorTestKit testKit = ActorTestKit.create(ManualTime.config().withFallback(ActorTestKit.applicationTestConfig()));
  static final ManualTime time = ManualTime.get(testKit.system());

  final MemoryStorage storage = new MemoryStorage();
  final FakePublisher publisher = new FakePublisher();
  final TestProbe<FakeWorker> spawned = testKit.createTestProbe();
  final FakeIsolate isolate = new FakeIsolate(spawned.ref());
  final TestProbe<App.Started> started = testKit.createTestProbe();
  final TestProbe<Done> done = testKit.createTestProbe();
  final RunningApps running = new RunningApps();
  Path dir;
  NodeConfig config;

  @BeforeEach
  void storeTheApp() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "app");
    config = new NodeConfig("127.0.0.1", "127.0.0.1", List.of(new Endpoint("127.0.0.1", 10053)), dir.resolve("run"),
        dir.resolve("spool"), "default", Duration.ofSeconds(10), ConnectionSettings.DEFAULTS, 64);
    storage.putMap("manifests", "app", Map.of("slave", "/bin/false"));
    storage.putMap("profiles", "p", Map.of("pool-limit", 1, "concurrency", 1, "queue-limit", 10,
        "terminate-timeout", 1));
  }

  @AfterEach
  void removeDir() throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private ActorRef<App.Command> start() {
    AppHost host = new AppHost(storage, publisher, isolate.factory(), config,
        testKit.system().dispatchers().lookup(DispatcherSelector.blocking()), running);
    return testKit.spawn(App.create(host, "app", "p", started.ref()));
  }

  private ActorRef<App.Command> running() {
    ActorRef<App.Command> app = start();
    assertEquals(new App.Running("app", app), started.receiveMessage());
    return app;
  }

  private static Map<String, Object> info(ActorRef<App.Command> app) {
    TestProbe<Map<String, Object>> reply = testKit.createTestProbe();
    app.tell(new App.Info(0, reply.ref()));
    return reply.receiveMessage();
  }

  /**
   * An event through the app's service as the node service finds it, as a client's enqueue;
   * completes with what the client gets.
   */
  private CompletionStage<List<Message>> enqueue(ActorRef<App.Command> app) {
    AppService service = running.find("app").orElseThrow(() -> new AssertionError("app is not among the running"));
    Handoff.Feed<Message> rest = new Handoff.Feed<>(1, () -> {}, cause -> {});
    rest.complete();
    return Source.fromGraph(new Handoff<>(service.enqueue("ping", List.of(), rest))).runWith(Sink.seq(), testKit.system());
  }

  private Path workerSocket() {
    return config.runtimeDir().resolve("app." + ProcessHandle.current().pid());
  }

  @Test
  void anAppWhoseArchiveCannotBeSpooledIsBrokenWithTheCauseAndReleasesWhatItHeld() {
    isolate.spoolsWith(CompletableFuture.failedFuture(
        new CocaineException(ErrorCode.SPOOL_ERROR, "app 'app': cannot unpack the archive: not a tar file")));

    ActorRef<App.Command> app = start();

    App.Broken broken = assertInstanceOf(App.Broken.class, started.receiveMessage());
    assertEquals(ErrorCode.SPOOL_ERROR, broken.cause().code());
    assertEquals("app 'app': cannot unpack the archive: not a tar file", broken.cause().getMessage());
    Map<String, Object> info = info(app);
    assertEquals("broken", info.get("state"));
    assertEquals("app 'app': cannot unpack the archive: not a tar file", info.get("error"));
    assertEquals(List.of(0x51FF, 7), info.get("cause"));
    assertTrue(publisher.published.isEmpty());
    await().until(() -> isolate.closes() == 1);
    spawned.expectNoMessage(Duration.ofMillis(50));
    assertFalse(Files.exists(workerSocket()), "the worker pipe was never opened");
    app.tell(new App.Stop(done.ref()));
    done.expectMessage(Done.getInstance());
    done.expectTerminated(app);
  }

  @Test
  void stoppingARunningAppUnpublishesItFailsItsWaitingEventsAndStopsItsWorkers() {
    ActorRef<App.Command> app = running();
    assertEquals("127.0.0.1", publisher.published.get("app").endpoints().get(0).host());
    assertTrue(Files.exists(workerSocket()));
    CompletionStage<List<Message>> event = enqueue(app);
    FakeWorker worker = spawned.receiveMessage(); // it never shakes hands: the event waits in the queue

    app.tell(new App.Stop(done.ref()));

    done.expectMessage(Done.getInstance());
    done.expectTerminated(app);
    assertTrue(publisher.published.isEmpty());
    assertEquals(1, worker.kills(), "the worker was stopped with its slot");
    List<Message> got = event.toCompletableFuture().join();
    assertEquals(1, got.size(), got.toString());
    assertEquals(ErrorCode.NOT_RUNNING, got.get(0).toException().code());
    assertEquals("app 'app' is stopping", got.get(0).toException().getMessage());
    assertFalse(Files.exists(workerSocket()), "the worker pipe is closed");
    assertEquals(1, isolate.closes());
  }

  @Test
  void aStopDuringSpoolingWaitsForTheStartToEndThenUndoesIt() {
    CompletableFuture<Void> spool = new CompletableFuture<>();
    isolate.spoolsWith(spool);
    ActorRef<App.Command> app = start();

    app.tell(new App.Stop(done.ref()));
    assertEquals("spooling", info(app).get("state"));
    done.expectNoMessage(Duration.ofMillis(100));
    spool.complete(null);

    assertEquals(new App.Running("app", app), started.receiveMessage());
    done.expectMessage(Done.getInstance());
    done.expectTerminated(app);
    assertTrue(publisher.published.isEmpty());
    assertEquals(1, isolate.closes());
  }

  @Test
  void aStopEndsAfterTerminateTimeoutAndItsMarginWhenAWorkerWillNotDie() {
    ActorRef<App.Command> app = running();
    enqueue(app);
    FakeWorker worker = spawned.receiveMessage().ignoreKills();

    app.tell(new App.Stop(done.ref()));
    await().until(() -> worker.kills() == 1); // asked to stop the engine: its ask-timeout runs from here

    time.expectNoMessageFor(Duration.ofSeconds(1 + 29), done);
    time.timePasses(Duration.ofSeconds(1));
    done.expectMessage(Done.getInstance());
    done.expectTerminated(app);
    assertTrue(publisher.published.isEmpty());
  }
}
