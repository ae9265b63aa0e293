package cocaine.cluster.metalocator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import cocaine.cluster.Announce;
import cocaine.cluster.CapturedLog;
import cocaine.config.ClusterSettings;
import cocaine.locator.Endpoint;
import cocaine.locator.Locator;
import cocaine.locator.ServiceInfo;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The metalocator against real locators served over TCP on loopback. */
@ExtendWith(TestKitJUnit5Extension.class)
class MetalocatorTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final LinkSettings FAST = new LinkSettings(Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofMillis(400));

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();
  @TempDir Path dir;
  Peers peers;
  final RecordingGateway gateway = new RecordingGateway();

  @BeforeEach
  void open() {
    peers = new Peers(testKit, dir);
  }

  @AfterEach
  void closeAll() {
    peers.close();
  }

  CapturedLog logged() {
    return peers.closeLast(CapturedLog.capture());
  }

  FakeNode node(String uuid) throws Exception {
    return peers.node(uuid);
  }

  FakeNode node(String uuid, Map<String, Object> extra, int port) throws Exception {
    return peers.node(uuid, extra, port);
  }

  ActorRef<Metalocator.Command> metalocator(ClusterSettings.Type discovery, Duration interval, Map<String, Endpoint> nodes,
      LinkSettings link) {
    ActorRef<Metalocator.Command> m = testKit.spawn(Metalocator.create(new MetalocatorSettings("balancer", discovery,
        interval, nodes, "", link, ConnectionSettings.DEFAULTS, 16), gateway));
    peers.closeFirst(() -> testKit.stop(m));
    return m;
  }

  ActorRef<Metalocator.Command> multicast(Duration interval) {
    return metalocator(ClusterSettings.Type.MULTICAST, interval, Map.of(), FAST);
  }

  static void hear(ActorRef<Metalocator.Command> m, String uuid, Endpoint... endpoints) {
    m.tell(new Metalocator.Heard(new Announce(uuid, List.of(endpoints)), () -> { }));
  }

  Map<String, Map<String, ServiceInfo>> services(ActorRef<Metalocator.Command> m) {
    TestProbe<Map<String, Map<String, ServiceInfo>>> probe = testKit.createTestProbe();
    m.tell(new Metalocator.Services(probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  Map<String, Endpoint> cluster(ActorRef<Metalocator.Command> m) {
    TestProbe<Locator.Nodes> probe = testKit.createTestProbe();
    m.tell(new Metalocator.Cluster(probe.getRef()));
    return probe.receiveMessage(WAIT).nodes();
  }

  Locator.Resolved resolve(ActorRef<Metalocator.Command> m, String name) {
    TestProbe<Locator.Resolved> probe = testKit.createTestProbe();
    m.tell(new Metalocator.Resolve(name, probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  /** service -> the uuids publishing it. */
  Map<String, Set<String>> who(ActorRef<Metalocator.Command> m) {
    Map<String, Set<String>> out = new java.util.TreeMap<>();
    services(m).forEach((name, byNode) -> out.put(name, byNode.keySet()));
    return out;
  }

  @Test
  void seesTheServicesOfBothNodesAndWithdrawsTheOneThatStops() throws Exception {
    FakeNode a = node("node-a");
    FakeNode b = node("node-b");
    a.publish("echo", 4001);
    b.publish("echo", 4002);
    b.publish("stats", 4003);
    ActorRef<Metalocator.Command> m = multicast(Duration.ofMinutes(1));
    hear(m, "node-a", a.endpoint());
    hear(m, "node-b", b.endpoint());

    await().atMost(WAIT).until(() -> who(m).equals(Map.of("echo", Set.of("node-a", "node-b"), "stats", Set.of("node-b"))));
    assertEquals(Map.of("echo", Map.of("node-a", List.of(new Endpoint("127.0.0.1", 4001)),
        "node-b", List.of(new Endpoint("127.0.0.1", 4002))),
        "stats", Map.of("node-b", List.of(new Endpoint("127.0.0.1", 4003)))), gateway.reals());
    assertEquals(Map.of("node-a", a.endpoint(), "node-b", b.endpoint()), cluster(m));
    ServiceInfo echo = assertInstanceOf(Locator.Resolved.Ok.class, resolve(m, "echo")).info();
    assertEquals(List.of(new Endpoint("127.0.0.9", 1002)), echo.endpoints());
    assertEquals(FakeNode.APP.toValue(), echo.protocol().toValue());

    b.close();
    await().atMost(WAIT).until(() -> who(m).equals(Map.of("echo", Set.of("node-a"))));
    assertEquals(Map.of("echo", Map.of("node-a", List.of(new Endpoint("127.0.0.1", 4001)))), gateway.reals());
    assertEquals(Map.of("node-a", a.endpoint()), cluster(m));
    Locator.Resolved stats = resolve(m, "stats");
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE,
        assertInstanceOf(Locator.Resolved.Failed.class, stats).error().code());
  }

  @Test
  void followsPublishesAndUnpublishesAfterTheSnapshot() throws Exception {
    FakeNode a = node("node-a");
    ActorRef<Metalocator.Command> m = multicast(Duration.ofMinutes(1));
    hear(m, "node-a", a.endpoint());
    await().atMost(WAIT).until(() -> cluster(m).containsKey("node-a"));
    assertEquals(Map.of(), who(m), "the locator itself is not announced");

    a.publish("echo", 4001);
    await().atMost(WAIT).until(() -> who(m).equals(Map.of("echo", Set.of("node-a"))));
    a.publish("echo", 4005);
    await().atMost(WAIT).until(() -> gateway.reals().equals(
        Map.of("echo", Map.of("node-a", List.of(new Endpoint("127.0.0.1", 4005))))));
    a.unpublish("echo");
    await().atMost(WAIT).until(() -> who(m).isEmpty() && gateway.reals().isEmpty());
  }

  @Test
  void relinksWithBackoffWhenTheNodeComesBack() throws Exception {
    FakeNode a = node("node-a");
    int port = a.endpoint().port();
    a.publish("echo", 4001);
    ActorRef<Metalocator.Command> m = multicast(Duration.ofMinutes(1));
    hear(m, "node-a", a.endpoint());
    await().atMost(WAIT).until(() -> who(m).equals(Map.of("echo", Set.of("node-a"))));

    a.close();
    await().atMost(WAIT).until(() -> who(m).isEmpty() && cluster(m).isEmpty());

    FakeNode again = node("node-a", Map.of(), port);
    again.publish("echo", 4009);
    await().atMost(WAIT).until(() -> gateway.reals().equals(
        Map.of("echo", Map.of("node-a", List.of(new Endpoint("127.0.0.1", 4009))))));
    assertEquals(Map.of("node-a", again.endpoint()), cluster(m));
  }

  @Test
  void twoNodesWithOneUuidKeepTheFirst() throws Exception {
    CapturedLog log = logged();
    FakeNode first = node("dup");
    FakeNode second = node("dup");
    first.publish("from-first", 4001);
    second.publish("from-second", 4002);
    ActorRef<Metalocator.Command> m = multicast(Duration.ofMinutes(1));
    hear(m, "dup", first.endpoint());
    hear(m, "dup", second.endpoint());
    hear(m, "dup", second.endpoint());
    await().atMost(WAIT).until(() -> who(m).equals(Map.of("from-first", Set.of("dup"))));
    assertEquals(Map.of("dup", first.endpoint()), cluster(m));
    assertTrue(log.has(Level.WARN, "two nodes announce uuid 'dup'", first.endpoint().toString(),
        second.endpoint().toString()), log.lines());
  }

  @Test
  void aGatewayRuleThatFailsToApplyIsLoggedAndTheOtherAppsAndNodesAreStillServed() throws Exception {
    CapturedLog log = logged();
    gateway.refuseRealsOf("broken");
    FakeNode a = node("node-a");
    FakeNode b = node("node-b");
    a.publish("broken", 4001);
    a.publish("echo", 4002);
    b.publish("echo", 4003);
    ActorRef<Metalocator.Command> m = multicast(Duration.ofMinutes(1));
    hear(m, "node-a", a.endpoint());
    hear(m, "node-b", b.endpoint());
    await().atMost(WAIT).until(() -> who(m).equals(Map.of("broken", Set.of("node-a"), "echo", Set.of("node-a", "node-b"))));
    await().atMost(WAIT).until(() -> log.has(Level.ERROR, "gateway could not add the real of node 'node-a' to 'broken'",
        "nft refused the table"));
    assertEquals(Map.of("echo", Map.of("node-a", List.of(new Endpoint("127.0.0.1", 4002)),
        "node-b", List.of(new Endpoint("127.0.0.1", 4003)))), gateway.reals());
    assertInstanceOf(Locator.Resolved.Ok.class, resolve(m, "echo"));
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE,
        assertInstanceOf(Locator.Resolved.Failed.class, resolve(m, "broken")).error().code());
    assertEquals(Set.of("node-a", "node-b"), cluster(m).keySet());
  }

  @Test
  void anAnnouncedLocatorThatRefusesConnectionsIsRetriedAndTheOthersAreServed() throws Exception {
    CapturedLog log = logged();
    FakeNode a = node("node-a");
    a.publish("echo", 4001);
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort(); // nothing listens there once closed
    }
    ActorRef<Metalocator.Command> m = metalocator(ClusterSettings.Type.MULTICAST, Duration.ofMinutes(1), Map.of(), FAST);
    hear(m, "gone", new Endpoint("127.0.0.1", closed));
    hear(m, "node-a", a.endpoint());
    await().atMost(WAIT).until(() -> log.has(Level.INFO, "node 'gone' cannot connect to", "failures in a row"));
    assertTrue(log.has(Level.WARN, "node 'gone' cannot connect to [127.0.0.1:" + closed + "]"), log.lines());
    assertEquals(Map.of("echo", Set.of("node-a")), who(m));
    assertEquals(Set.of("node-a"), cluster(m).keySet());
    assertInstanceOf(Locator.Resolved.Ok.class, resolve(m, "echo"));
  }

  @Test
  void aConnectStreamThatStallsMidFrameIsDroppedAfterTheHandshakeTimeoutAndTheOthersAreServed() throws Exception {
    CapturedLog log = logged();
    FakeNode a = node("node-a");
    a.publish("echo", 4001);
    try (ServerSocket stalling = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread server = new Thread(() -> {
        try {
          while (true) {
            Socket s = stalling.accept();
            held.add(s);
            // the head of a 4-element frame on channel 1, then nothing more: a stream that stalls
            s.getOutputStream().write(new byte[] {(byte) 0x94, 0x01, 0x00});
            s.getOutputStream().flush();
          }
        } catch (IOException e) {
          // closed at the end of the test
        }
      });
      server.setDaemon(true);
      server.start();
      ActorRef<Metalocator.Command> m = metalocator(ClusterSettings.Type.MULTICAST, Duration.ofMinutes(1), Map.of(),
          new LinkSettings(Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofMillis(200)));
      hear(m, "stalls", new Endpoint("127.0.0.1", stalling.getLocalPort()));
      hear(m, "node-a", a.endpoint());
      await().atMost(WAIT).until(() -> log.has(Level.WARN, "node 'stalls' did not answer connect", "within " + Duration.ofMillis(500)));
      assertEquals(Map.of("echo", Set.of("node-a")), who(m));
      assertEquals(Set.of("node-a"), cluster(m).keySet());
      assertInstanceOf(Locator.Resolved.Ok.class, resolve(m, "echo"));
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void aNodeThatNeverAnswersConnectIsDroppedAndRetried() throws Exception {
    AtomicInteger accepted = new AtomicInteger();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(silent.accept()); // accept, then never answer
            accepted.incrementAndGet();
          }
        } catch (IOException e) {
          // closed at the end of the test
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      ActorRef<Metalocator.Command> m = metalocator(ClusterSettings.Type.MULTICAST, Duration.ofMinutes(1), Map.of(),
          new LinkSettings(Duration.ofMillis(300), Duration.ofMillis(100), Duration.ofMillis(200)));
      hear(m, "mute", new Endpoint("127.0.0.1", silent.getLocalPort()));
      // every attempt is given up after the handshake timeout and a new connection is made
      await().atMost(WAIT).until(() -> accepted.get() >= 3);
      assertEquals(Map.of(), cluster(m));
      assertEquals(Map.of(), services(m));
      Socket first = held.get(0);
      first.setSoTimeout((int) WAIT.toMillis());
      byte[] sent = first.getInputStream().readAllBytes(); // the connect call, then end of stream
      assertEquals((byte) 0x94, sent[0], "a connect frame came first");
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void aNodeSilentForThreeIntervalsIsDropped() throws Exception {
    FakeNode a = node("node-a");
    FakeNode b = node("node-b");
    a.publish("echo", 4001);
    b.publish("echo", 4002);
    Duration interval = Duration.ofMillis(300);
    ActorRef<Metalocator.Command> m = multicast(interval);
    hear(m, "node-a", a.endpoint());
    long silentSince = System.nanoTime(); // node-b's last announce is heard after this instant
    hear(m, "node-b", b.endpoint());
    await().atMost(WAIT).until(() -> who(m).equals(Map.of("echo", Set.of("node-a", "node-b"))));
    // node-a keeps announcing, node-b falls silent
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
      hear(m, "node-a", a.endpoint());
      return who(m).equals(Map.of("echo", Set.of("node-a")));
    });
    assertTrue(System.nanoTime() - silentSince >= interval.toNanos() * 3, "not dropped before 3 intervals");
    assertEquals(Map.of("node-a", a.endpoint()), cluster(m));
    assertEquals(Set.of("node-a"), gateway.reals().get("echo").keySet());
  }

  @Test
  void aNodeOfAnotherClusterIsSkipped() throws Exception {
    FakeNode ours = node("ours");
    FakeNode theirs = node("theirs", Map.of("x-cocaine-cluster", "other"), 0);
    ours.publish("echo", 4001);
    theirs.publish("echo", 4002);
    ActorRef<Metalocator.Command> m = multicast(Duration.ofMinutes(1));
    hear(m, "theirs", theirs.endpoint());
    hear(m, "ours", ours.endpoint());
    await().atMost(WAIT).until(() -> cluster(m).containsKey("ours"));
    assertEquals(Map.of("echo", Set.of("ours")), who(m));
    assertEquals(Set.of("ours"), cluster(m).keySet());
  }

  @Test
  void aLocatorThatIsNotTheAnnouncedNodeIsDropped() throws Exception {
    FakeNode impostor = node("actual-uuid");
    impostor.publish("echo", 4001);
    FakeNode honest = node("honest");
    ActorRef<Metalocator.Command> m = multicast(Duration.ofMinutes(1));
    hear(m, "announced-uuid", impostor.endpoint());
    hear(m, "honest", honest.endpoint());
    await().atMost(WAIT).until(() -> cluster(m).containsKey("honest"));
    assertEquals(Map.of(), who(m));
    assertEquals(Set.of("honest"), cluster(m).keySet());
  }

  @Test
  void predefinedNodesAreLinkedWithoutAnnounces() throws Exception {
    FakeNode a = node("node-a");
    a.publish("echo", 4001);
    ActorRef<Metalocator.Command> m = metalocator(ClusterSettings.Type.PREDEFINE, Duration.ofMillis(200),
        Map.of("node-a", a.endpoint(), "balancer", new Endpoint("127.0.0.1", 1)), FAST);
    await().atMost(WAIT).until(() -> who(m).equals(Map.of("echo", Set.of("node-a"))));
    assertEquals(Set.of("node-a"), cluster(m).keySet(), "its own uuid is not linked");
  }

  @Test
  void ownAnnouncesAndUnknownNamesAreNotServed() {
    ActorRef<Metalocator.Command> m = multicast(Duration.ofMinutes(1));
    hear(m, "balancer", new Endpoint("127.0.0.1", 1));
    assertEquals(Map.of(), cluster(m));
    Locator.Resolved r = resolve(m, "nothing");
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, assertInstanceOf(Locator.Resolved.Failed.class, r).error().code());
    assertTrue(((Locator.Resolved.Failed) r).error().getMessage().contains("'nothing'"));
  }

  @Test
  void backoffDoublesUpToTheCap() {
    LinkSettings s = new LinkSettings(Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(32));
    assertEquals(List.of(1L, 2L, 4L, 8L, 16L, 32L, 32L), java.util.stream.IntStream.of(1, 2, 3, 4, 5, 6, 40)
        .mapToObj(n -> s.backoff(n).toSeconds()).toList());
  }
}
