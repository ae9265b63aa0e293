package cocaine.cluster.desired;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.node.MemoryStorage;
import cocaine.node.Node;
import cocaine.node.app.Share;
import cocaine.storage.KeyWatch;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestKitJUnit5Extension.class)
class ConvergenceTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  /** A watch the test fires by hand, as ZooKeeper would on a change. */
  static final class FakeWatch implements KeyWatch {
    final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    volatile boolean closed;

    @Override
    public AutoCloseable watch(String collection, Consumer<String> onKey) {
      assertEquals(DesiredApp.COLLECTION, collection);
      listeners.add(onKey);
      return () -> closed = true;
    }

    void fire(String key) {
      listeners.forEach(l -> l.accept(key));
    }
  }

  final MemoryStorage storage = new MemoryStorage();
  final FakeWatch watch = new FakeWatch();

  void desire(DesiredApp d) {
    storage.write(DesiredApp.COLLECTION, d.app(), d.pack(), DesiredApp.TAGS);
  }

  ActorRef<Convergence.Command> start(TestProbe<Node.Command> node) {
    return start(node, 16);
  }

  ActorRef<Convergence.Command> start(TestProbe<Node.Command> node, int startsAtOnce) {
    return testKit.spawn(Convergence.create(storage, watch, node.ref(), "n1", Duration.ofSeconds(5),
        Duration.ofSeconds(1), startsAtOnce));
  }

  static void answerList(TestProbe<Node.Command> node, String... running) {
    node.expectMessageClass(Node.ListApps.class).replyTo().tell(List.of(running));
  }

  static Node.RollApp expectStart(TestProbe<Node.Command> node, String app) {
    Node.RollApp s = node.expectMessageClass(Node.RollApp.class);
    assertEquals(app, s.app());
    return s;
  }

  Map<String, Convergence.AppState> status(ActorRef<Convergence.Command> c) {
    TestProbe<Map<String, Convergence.AppState>> probe = testKit.createTestProbe();
    c.tell(new Convergence.Status(probe.ref()));
    return probe.receiveMessage();
  }

  @Test
  void startsWhatIsStoredAtBootAndStopsItWhenTheRecordSaysSo() {
    DesiredApp echo = new DesiredApp("echo", "1", "default", List.of(), true, 0);
    desire(echo);
    TestProbe<Node.Command> node = testKit.createTestProbe();
    ActorRef<Convergence.Command> c = start(node);
    answerList(node);
    Node.RollApp s = expectStart(node, "echo");
    assertEquals(Share.only("1", "default"), s.lineup());
    s.replyTo().tell(StatusReply.success(Done.getInstance()));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(new Convergence.AppState("1", "running", ""), status(c).get("echo")));

    desire(echo.withRunning(false));
    watch.fire("echo");
    answerList(node, "echo");
    Node.PauseApp p = node.expectMessageClass(Node.PauseApp.class);
    assertEquals("echo", p.app());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals("stopped", status(c).get("echo").state()));
  }

  @Test
  void newVersionRollsOverWithoutAStopAndUnchangedRecordDoesNothing() {
    DesiredApp echo = new DesiredApp("echo", "1", "default", List.of(), true, 0);
    desire(echo);
    TestProbe<Node.Command> node = testKit.createTestProbe();
    start(node);
    answerList(node);
    expectStart(node, "echo").replyTo().tell(StatusReply.success(Done.getInstance()));

    watch.fire("echo"); // same record written again
    answerList(node, "echo");
    node.expectNoMessage(Duration.ofMillis(200));

    desire(echo.atVersion("2", "default"));
    watch.fire("echo");
    answerList(node, "echo");
    Node.RollApp roll = expectStart(node, "echo"); // no pause: the node starts 2 beside 1
    assertEquals(Share.only("2", "default"), roll.lineup());
    assertFalse(roll.renew());

    desire(echo.atVersion("2", "default").restarted());
    watch.fire("echo");
    answerList(node, "echo");
    assertTrue(expectStart(node, "echo").renew(), "a restart --cluster is a rolling restart of the same version");
  }

  @Test
  void aCanaryAsksForBothVersionsByWeightAndAFailedHealthGateIsReportedBrokenWithTheReason() {
    DesiredApp echo = new DesiredApp("echo", "2", "default", List.of(), true, 0);
    desire(echo);
    TestProbe<Node.Command> node = testKit.createTestProbe();
    ActorRef<Convergence.Command> c = start(node);
    answerList(node);
    expectStart(node, "echo").replyTo().tell(StatusReply.success(Done.getInstance()));

    desire(echo.withCanary("3", 20, "echo@3"));
    watch.fire("echo");
    answerList(node, "echo");
    Node.RollApp roll = expectStart(node, "echo");
    assertEquals(List.of(new Share("2", "default", 80), new Share("3", "echo@3", 20)), roll.lineup());
    roll.replyTo().tell(StatusReply.error(new CocaineException(ErrorCode.NOT_HEALTHY,
        "app 'echo' version 3 is not healthy: its health event 'health' answered with an error")));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(new Convergence.AppState("2+3@20",
        "broken", "app 'echo' version 3 is not healthy: its health event 'health' answered with an error"),
        status(c).get("echo")));
    node.expectNoMessage(Duration.ofMillis(2500)); // no pause (version 2 serves on), no retry past the 1 s back-off
  }

  @Test
  void unparsableRecordMarksOnlyThatAppBroken() {
    storage.write(DesiredApp.COLLECTION, "bad", "not msgpack".getBytes(StandardCharsets.UTF_8), DesiredApp.TAGS);
    desire(new DesiredApp("good", "1", "default", List.of(), true, 0));
    TestProbe<Node.Command> node = testKit.createTestProbe();
    ActorRef<Convergence.Command> c = start(node);
    answerList(node);
    expectStart(node, "good").replyTo().tell(StatusReply.success(Done.getInstance()));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Map<String, Convergence.AppState> states = status(c);
      assertEquals("broken", states.get("bad").state());
      assertTrue(states.get("bad").reason().contains("not msgpack"), states.get("bad").reason());
      assertEquals("running", states.get("good").state());
    });
  }

  @Test
  void missingProfileMarksTheAppBrokenWithTheNodesReason() {
    desire(new DesiredApp("echo", "1", "nosuch", List.of(), true, 0));
    desire(new DesiredApp("other", "1", "default", List.of(), true, 0));
    TestProbe<Node.Command> node = testKit.createTestProbe();
    ActorRef<Convergence.Command> c = start(node);
    for (int i = 0; i < 2; i++) {
      node.expectMessageClass(Node.ListApps.class).replyTo().tell(List.of());
    }
    for (int i = 0; i < 2; i++) {
      Node.RollApp s = node.expectMessageClass(Node.RollApp.class);
      s.replyTo().tell(s.app().equals("echo")
          ? StatusReply.error(new CocaineException(ErrorCode.NOT_FOUND, "app 'echo': profile 'nosuch' is not in storage"))
          : StatusReply.success(Done.getInstance()));
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Map<String, Convergence.AppState> states = status(c);
      assertEquals(new Convergence.AppState("1", "broken", "app 'echo': profile 'nosuch' is not in storage"),
          states.get("echo"));
      assertEquals("running", states.get("other").state());
    });
    // the same, for deploys on other hosts to read: this node's report in storage
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      NodeReport r = NodeReport.unpack("n1", storage.read(NodeReport.COLLECTION, "n1").toCompletableFuture().join());
      assertEquals(new Convergence.AppState("1", "broken", "app 'echo': profile 'nosuch' is not in storage"),
          r.apps().get("echo"));
      assertEquals(new Convergence.AppState("1", "running", ""), r.apps().get("other"));
    });
  }

  @Test
  void reportIsRewrittenEveryIntervalSoADeployTellsALiveNodeFromAGoneOne() {
    TestProbe<Node.Command> node = testKit.createTestProbe();
    start(node);
    await().atMost(Duration.ofSeconds(10)).until(() -> storage.keys(NodeReport.COLLECTION).contains("n1"));
    java.time.Instant first = NodeReport.unpack("n1",
        storage.read(NodeReport.COLLECTION, "n1").toCompletableFuture().join()).time();
    await().atMost(Duration.ofSeconds(10)).until(() -> NodeReport.unpack("n1",
        storage.read(NodeReport.COLLECTION, "n1").toCompletableFuture().join()).time().isAfter(first));
  }

  @Test
  void removedRecordStopsWhatConvergenceStartedAndTheWatchClosesWithTheActor() {
    desire(new DesiredApp("echo", "1", "default", List.of("n1"), true, 0));
    TestProbe<Node.Command> node = testKit.createTestProbe();
    ActorRef<Convergence.Command> c = start(node);
    answerList(node);
    expectStart(node, "echo").replyTo().tell(StatusReply.success(Done.getInstance()));
    storage.remove(DesiredApp.COLLECTION, "echo");
    watch.fire("echo");
    answerList(node, "echo");
    assertEquals("echo", node.expectMessageClass(Node.PauseApp.class).app());
    testKit.stop(c);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertTrue(watch.closed));
  }

  @Test
  void aStartAnsweredAlreadyStartedRestartsTheAppSoTheWantedVersionRuns() {
    desire(new DesiredApp("echo", "2", "echo@v2", List.of(), true, 0));
    TestProbe<Node.Command> node = testKit.createTestProbe();
    ActorRef<Convergence.Command> c = start(node);
    answerList(node); // not in the table: its old life is leaving, a start of another version queued behind it
    expectStart(node, "echo").replyTo().tell(StatusReply.error(
        new CocaineException(ErrorCode.ALREADY_STARTED, "app 'echo' is already running")));
    assertEquals("echo", node.expectMessageClass(Node.PauseApp.class).app());
    Node.RollApp again = expectStart(node, "echo");
    assertEquals(Share.only("2", "echo@v2"), again.lineup());
    again.replyTo().tell(StatusReply.success(Done.getInstance()));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertEquals(new Convergence.AppState("2", "running", ""), status(c).get("echo")));
  }

  @Test
  void appWantedOnOtherNodesIsNotStartedHere() {
    desire(new DesiredApp("echo", "1", "default", List.of("n2"), true, 0));
    TestProbe<Node.Command> node = testKit.createTestProbe();
    ActorRef<Convergence.Command> c = start(node);
    answerList(node);
    node.expectNoMessage(Duration.ofMillis(200));
    assertEquals("elsewhere", status(c).get("echo").state());
  }

  @Test
  void atMostStartsAtOnceAreOutstandingAndTheOthersStartAsTheyAreAnswered() {
    for (int i = 0; i < 7; i++) {
      desire(new DesiredApp("app" + i, "1", "default", List.of(), true, 0));
    }
    TestProbe<Node.Command> node = testKit.createTestProbe();
    ActorRef<Convergence.Command> c = start(node, 3);
    java.util.Deque<Node.RollApp> outstanding = new java.util.ArrayDeque<>();
    java.util.Set<String> started = new java.util.TreeSet<>();
    while (started.size() < 7) {
      Node.Command m = node.receiveMessage(Duration.ofSeconds(5));
      if (m instanceof Node.ListApps l) {
        l.replyTo().tell(List.of());
      } else if (m instanceof Node.RollApp r) {
        outstanding.add(r);
        started.add(r.app());
        assertTrue(outstanding.size() <= 3, "more than 3 starts outstanding: " + outstanding.size());
        if (outstanding.size() == 3 || started.size() == 7) {
          node.expectNoMessage(Duration.ofMillis(300)); // the others wait for an answer
          outstanding.poll().replyTo().tell(StatusReply.success(Done.getInstance()));
        }
      }
    }
    outstanding.forEach(r -> r.replyTo().tell(StatusReply.success(Done.getInstance())));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Map<String, Convergence.AppState> states = status(c);
      assertEquals(7, states.size());
      states.forEach((app, s) -> assertEquals("running", s.state(), app));
    });
  }

  @Test
  void aStartRefusedBecauseTheStorageIsBusyIsTriedAgainAndThenRuns() {
    desire(new DesiredApp("echo", "1", "default", List.of(), true, 0));
    TestProbe<Node.Command> node = testKit.createTestProbe();
    ActorRef<Convergence.Command> c = start(node);
    answerList(node);
    expectStart(node, "echo").replyTo().tell(StatusReply.error(new CocaineException(ErrorCode.TRY_AGAIN,
        "app 'echo': cannot read manifests/echo: storage (ZooKeeper at x) is busy: 1024 operations waiting")));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Convergence.AppState s = status(c).get("echo");
      assertEquals("starting", s.state());
      assertTrue(s.reason().contains("is busy"), s.reason());
    });
    Node.RollApp again = node.expectMessageClass(Node.RollApp.class, Duration.ofSeconds(5)); // after ~1 s
    assertEquals(Share.only("1", "default"), again.lineup());
    again.replyTo().tell(StatusReply.error(new CocaineException(ErrorCode.IO_ERROR,
        "storage unavailable: ZooKeeper at x cannot be reached (ConnectionLossException)")));
    again = node.expectMessageClass(Node.RollApp.class, Duration.ofSeconds(8)); // after ~2 s
    again.replyTo().tell(StatusReply.success(Done.getInstance()));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertEquals(new Convergence.AppState("1", "running", ""), status(c).get("echo")));
  }

  @Test
  void aPermanentRefusalIsNotTriedAgain() {
    desire(new DesiredApp("echo", "1", "nosuch", List.of(), true, 0));
    TestProbe<Node.Command> node = testKit.createTestProbe();
    ActorRef<Convergence.Command> c = start(node);
    answerList(node);
    expectStart(node, "echo").replyTo().tell(StatusReply.error(
        new CocaineException(ErrorCode.NOT_FOUND, "app 'echo': profile 'nosuch' is not in storage")));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals("broken", status(c).get("echo").state()));
    node.expectNoMessage(Duration.ofMillis(2500)); // past the first back-off (1 s) and the second (2 s)
    assertEquals("broken", status(c).get("echo").state());
  }

  @Test
  void aTimeoutIsTriedAgainWithABackOffAndThenRuns() {
    desire(new DesiredApp("echo", "1", "default", List.of(), true, 0));
    TestProbe<Node.Command> node = testKit.createTestProbe();
    ActorRef<Convergence.Command> c = start(node);
    answerList(node);
    expectStart(node, "echo").replyTo().tell(StatusReply.error(new CocaineException(ErrorCode.TIMEOUT,
        "app 'echo': pulling registry/echo:1 took longer than 60 s")));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Convergence.AppState s = status(c).get("echo");
      assertEquals("starting", s.state(), "a deploy waits on: " + s);
      assertTrue(s.reason().contains("took longer"), s.reason());
    });
    Node.RollApp again = node.expectMessageClass(Node.RollApp.class, Duration.ofSeconds(5)); // after ~1 s
    assertEquals(Share.only("1", "default"), again.lineup());
    again.replyTo().tell(StatusReply.success(Done.getInstance()));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertEquals(new Convergence.AppState("1", "running", ""), status(c).get("echo")));
  }
}
