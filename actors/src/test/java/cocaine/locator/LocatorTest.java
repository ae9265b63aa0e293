package cocaine.locator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.ClusterSettings;
import cocaine.config.LocatorSettings;
import cocaine.storage.FilesStorage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Values;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.value.Value;

@ExtendWith(TestKitJUnit5Extension.class)
class LocatorTest {
  static final String UUID = "node-a";
  static final Protocol APP = Protocol.builder()
      .method(0, "enqueue", Graph.STREAMING, Graph.STREAMING)
      .method(1, "info", Graph.TERMINAL, Graph.PRIMITIVE)
      .build();

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();
  @TempDir Path root;
  FilesStorage storage;

  @BeforeEach
  void open() {
    storage = FilesStorage.create(root, 2, 64);
  }

  @AfterEach
  void close() {
    storage.close();
  }

  static LocatorSettings settings(List<String> restrict, Map<String, Object> extra) {
    return new LocatorSettings(new ClusterSettings(ClusterSettings.Type.NONE, "239.0.100.53", 10053,
        Duration.ofSeconds(5), false, 1, Map.of(), "/cocaine-nodes"), restrict, extra);
  }

  ActorRef<Locator.Command> locator(int buffer) {
    return locator(settings(List.of(), Map.of()), buffer);
  }

  ActorRef<Locator.Command> locator(LocatorSettings settings, int buffer) {
    return testKit.spawn(Locator.create(UUID, settings, buffer, storage));
  }

  void storeGroup(String name, Map<String, Object> weights) {
    storage.write(Locator.GROUPS, name, FrameEncoder.encodeValue(Values.fromJava(weights)), List.of("group", "active"))
        .toCompletableFuture().join();
  }

  static ServiceInfo app(String name, int port) {
    return new ServiceInfo(name, List.of(new Endpoint("127.0.0.1", port)), 1, APP);
  }

  void publish(ActorRef<Locator.Command> locator, ServiceInfo info) {
    TestProbe<Done> done = testKit.createTestProbe();
    locator.tell(new Locator.Publish(info, done.ref()));
    done.expectMessage(Done.getInstance());
  }

  void unpublish(ActorRef<Locator.Command> locator, String name) {
    TestProbe<Done> done = testKit.createTestProbe();
    locator.tell(new Locator.Unpublish(name, done.ref()));
    done.expectMessage(Done.getInstance());
  }

  Locator.Resolved resolve(ActorRef<Locator.Command> locator, String name, Optional<String> seed) {
    TestProbe<Locator.Resolved> probe = testKit.createTestProbe();
    locator.tell(new Locator.Resolve(name, seed, probe.ref()));
    return probe.receiveMessage();
  }

  String resolvedName(ActorRef<Locator.Command> locator, String name, String seed) {
    return assertInstanceOf(Locator.Resolved.Ok.class, resolve(locator, name, Optional.of(seed))).info().name();
  }

  TestSubscriber.Probe<Message> subscribe(ActorRef<Locator.Command> locator, boolean routing) {
    TestProbe<Locator.Subscribed> probe = testKit.createTestProbe();
    locator.tell(routing ? new Locator.Routing("router-1", probe.ref()) : new Locator.Subscribe("node-b", probe.ref()));
    return probe.receiveMessage().updates().runWith(TestSink.create(testKit.system()), testKit.system());
  }

  /** The {service: info} map of a connect write, after checking uuid and header. */
  static Map<Value, Value> announced(Message write) {
    assertEquals(Graph.WRITE, write.type());
    assertEquals(UUID, Values.asString(write.args().get(0)));
    assertTrue(Header.find(write.headers(), Locator.EXTRA_HEADER).isPresent(), "every write has the extra header");
    return write.args().get(1).asMapValue().map();
  }

  @Test
  void resolveFindsAPublishedService() {
    ActorRef<Locator.Command> locator = locator(16);
    ServiceInfo echo = app("echo", 30001);
    publish(locator, echo);
    assertEquals(echo, assertInstanceOf(Locator.Resolved.Ok.class, resolve(locator, "echo", Optional.empty())).info());
  }

  @Test
  void resolveOfAnUnknownNameIsServiceNotAvailable() {
    ActorRef<Locator.Command> locator = locator(16);
    CocaineException e = assertInstanceOf(Locator.Resolved.Failed.class, resolve(locator, "nope", Optional.empty())).error();
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, e.code());
    assertEquals("service 'nope' is not available", e.getMessage());
  }

  @Test
  void unpublishedServiceIsNoLongerResolved() {
    ActorRef<Locator.Command> locator = locator(16);
    publish(locator, app("echo", 30001));
    unpublish(locator, "echo");
    assertInstanceOf(Locator.Resolved.Failed.class, resolve(locator, "echo", Optional.empty()));
  }

  @Test
  void theNodesUnpublishLeavesAPeersNameAndAPeersWithdrawLeavesTheNodes() {
    ActorRef<Locator.Command> locator = locator(16);
    TestProbe<StatusReply<Done>> claimed = testKit.createTestProbe();
    ServiceInfo peers = app("extern", 30001);
    locator.tell(new Locator.Claim(peers, new Owner.Peer(7, "10.0.0.7:4000"), true, claimed.ref()));
    assertTrue(claimed.receiveMessage().isSuccess());
    unpublish(locator, "extern"); // e.g. an app of that name stopping on this node
    assertEquals(30001, assertInstanceOf(Locator.Resolved.Ok.class, resolve(locator, "extern", Optional.empty()))
        .info().endpoints().get(0).port());

    publish(locator, app("extern", 30002)); // the node's own app takes the name
    TestProbe<Done> done = testKit.createTestProbe();
    locator.tell(new Locator.Withdraw(peers, done.ref())); // the peer disconnects
    done.receiveMessage();
    assertEquals(30002, assertInstanceOf(Locator.Resolved.Ok.class, resolve(locator, "extern", Optional.empty()))
        .info().endpoints().get(0).port());
  }

  @Test
  void routingGroupResolvesToItsMembersAsTheSpecVectorsSay() {
    storeGroup("app", Map.of("app-v1", 1, "app-v2", 3));
    ActorRef<Locator.Command> locator = locator(16);
    publish(locator, app("app-v1", 30001));
    publish(locator, app("app-v2", 30002));

    assertEquals("app-v2", resolvedName(locator, "app", "user-1"));
    assertEquals("app-v1", resolvedName(locator, "app", "user-5"));
    assertEquals("app-v1", resolvedName(locator, "app", "user-6"));
    assertEquals("app-v2", resolvedName(locator, "app", "alice"));
    // no seed: a random member, never the group name itself
    for (int i = 0; i < 20; i++) {
      String picked = assertInstanceOf(Locator.Resolved.Ok.class, resolve(locator, "app", Optional.empty())).info().name();
      assertTrue(picked.equals("app-v1") || picked.equals("app-v2"), picked);
    }
  }

  @Test
  void groupMemberThatIsNotRunningIsNamedInTheError() {
    storeGroup("app", Map.of("app-v1", 1));
    ActorRef<Locator.Command> locator = locator(16);
    CocaineException e = assertInstanceOf(Locator.Resolved.Failed.class, resolve(locator, "app", Optional.of("x"))).error();
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, e.code());
    assertEquals("service 'app-v1' (chosen by routing group 'app') is not available", e.getMessage());
  }

  @Test
  void connectSendsASnapshotThenOneWritePerChangeAndRemovalWithEmptyEndpoints() throws Exception {
    ActorRef<Locator.Command> locator = locator(settings(List.of(), Map.of("x-cocaine-cluster", "prod")), 16);
    publish(locator, new ServiceInfo("locator", List.of(new Endpoint("127.0.0.1", 10053)), 3, LocatorService.PROTOCOL));
    ServiceInfo echo = app("echo", 30001);
    publish(locator, echo);

    TestSubscriber.Probe<Message> stream = subscribe(locator, false);
    Message snapshot = stream.requestNext();
    assertEquals(Map.of(Values.str("echo"), echo.toValue()), announced(snapshot), "the locator itself is not announced");
    assertEquals(Values.fromJava(Map.of("x-cocaine-cluster", "prod")),
        org.msgpack.core.MessagePack.newDefaultUnpacker(Header.find(snapshot.headers(), Locator.EXTRA_HEADER).get().value())
            .unpackValue());

    ServiceInfo other = app("other", 30002);
    publish(locator, other);
    assertEquals(Map.of(Values.str("other"), other.toValue()), announced(stream.requestNext()));

    unpublish(locator, "echo");
    Value removed = announced(stream.requestNext()).get(Values.str("echo"));
    assertEquals(Values.array(Values.array(List.of()), Values.integer(1), APP.toValue()), removed);
  }

  @Test
  void restrictedServicesAreNeverAnnounced() {
    ActorRef<Locator.Command> locator = locator(settings(List.of("secret"), Map.of()), 16);
    publish(locator, app("secret", 30001));
    TestSubscriber.Probe<Message> stream = subscribe(locator, false);
    assertEquals(Map.of(), announced(stream.requestNext()));
    publish(locator, app("secret", 30003));
    publish(locator, app("public", 30002));
    assertEquals(List.of(Values.str("public")), List.copyOf(announced(stream.requestNext()).keySet()));
    // but it is resolved locally
    assertInstanceOf(Locator.Resolved.Ok.class, resolve(locator, "secret", Optional.empty()));
  }

  @Test
  void slowSubscriberIsFailedWithAClearErrorAndOthersGoOn() {
    ActorRef<Locator.Command> locator = locator(4);
    TestSubscriber.Probe<Message> slow = subscribe(locator, false);
    TestSubscriber.Probe<Message> fast = subscribe(locator, false);
    fast.requestNext(); // snapshot; the subscriptions are attached
    slow.ensureSubscription();
    for (int i = 0; i < 10; i++) {
      publish(locator, app("svc-" + i, 31000 + i));
      fast.requestNext();
    }
    slow.request(100);
    scala.util.Either<Throwable, Message> next = slow.expectNextOrError();
    while (next.isRight()) {
      next = slow.expectNextOrError(); // what fitted in the buffer before it overflowed
    }
    CocaineException e = assertInstanceOf(CocaineException.class, next.swap().toOption().get());
    assertEquals(new ErrorCode(12, 105), e.code());
    assertTrue(e.getMessage().contains("is too slow"), e.getMessage());

    publish(locator, app("after", 32000));
    assertEquals(List.of(Values.str("after")), List.copyOf(announced(fast.requestNext()).keySet()));
  }

  @Test
  void routingSubscribersGetEveryRingNowAndAfterEachRefresh() {
    storeGroup("app", Map.of("app-v1", 1, "app-v2", 3));
    ActorRef<Locator.Command> locator = locator(16);
    TestSubscriber.Probe<Message> routing = subscribe(locator, true);

    // the first write already has the ring: routing snapshots wait for the first read of groups
    Map<Value, Value> rings = routing.requestNext().args().get(0).asMapValue().map();
    List<Value> ring = rings.get(Values.str("app")).asArrayValue().list();
    assertEquals(512, ring.size());
    assertEquals(Values.array(Values.integer(7112497L), Values.str("app-v1")), ring.get(0));
    assertEquals(Values.array(Values.integer(7142909L), Values.str("app-v2")), ring.get(1));
    assertEquals(Values.array(Values.integer(4263677776L), Values.str("app-v2")), ring.get(511));

    storeGroup("beta", Map.of("b-v1", 1));
    TestProbe<Locator.Refreshed> refreshed = testKit.createTestProbe();
    locator.tell(new Locator.Refresh(List.of("beta"), refreshed.ref()));
    assertEquals(new Locator.Refreshed(Optional.empty()), refreshed.receiveMessage());
    assertEquals(2, routing.requestNext().args().get(0).asMapValue().size());

    storage.remove(Locator.GROUPS, "app").toCompletableFuture().join();
    locator.tell(new Locator.Refresh(List.of("app"), refreshed.ref()));
    refreshed.receiveMessage();
    assertEquals(List.of(Values.str("beta")), List.copyOf(routing.requestNext().args().get(0).asMapValue().keySet()));
    publish(locator, app("app", 30009));
    assertEquals("app", resolvedName(locator, "app", "user-1"), "a removed group no longer remaps its name");
  }

  @Test
  void invalidGroupOnRefreshIsReportedAndTheOldRingKept() {
    storeGroup("app", Map.of("app-v1", 1, "app-v2", 3));
    ActorRef<Locator.Command> locator = locator(16);
    publish(locator, app("app-v1", 30001));
    publish(locator, app("app-v2", 30002));
    assertEquals("app-v2", resolvedName(locator, "app", "user-1"));

    storeGroup("app", Map.of("app-v1", -5));
    TestProbe<Locator.Refreshed> refreshed = testKit.createTestProbe();
    locator.tell(new Locator.Refresh(List.of("app"), refreshed.ref()));
    CocaineException e = refreshed.receiveMessage().error().orElseThrow();
    assertEquals(ErrorCode.ROUTING_STORAGE, e.code());
    assertTrue(e.getMessage().contains("routing group 'app'"), e.getMessage());
    assertEquals("app-v2", resolvedName(locator, "app", "user-1"));
  }

  @Test
  void namesNotServedHereGoToTheRemoteResolverAndClusterShowsItsNodes() {
    ActorRef<Locator.Command> locator = locator(16);
    TestProbe<Locator.Nodes> nodes = testKit.createTestProbe();
    locator.tell(new Locator.Cluster(nodes.ref()));
    assertEquals(Map.of(), nodes.receiveMessage().nodes());

    ServiceInfo remoteEcho = app("echo", 40001);
    locator.tell(new Locator.UseRemote(new RemoteResolver() {
      @Override
      public CompletionStage<ServiceInfo> resolve(String name) {
        return name.equals("echo") || name.equals("local") ? CompletableFuture.completedFuture(remoteEcho)
            : CompletableFuture.failedFuture(new CocaineException(ErrorCode.SERVICE_NOT_AVAILABLE, "no node has '" + name + "'"));
      }

      @Override
      public CompletionStage<Map<String, Endpoint>> cluster() {
        return CompletableFuture.completedFuture(Map.of("node-b", new Endpoint("10.0.0.2", 10053)));
      }
    }));
    ServiceInfo local = app("local", 30001);
    publish(locator, local);

    assertEquals(local, assertInstanceOf(Locator.Resolved.Ok.class, resolve(locator, "local", Optional.empty())).info(),
        "local services come first");
    assertEquals(remoteEcho, assertInstanceOf(Locator.Resolved.Ok.class, resolve(locator, "echo", Optional.empty())).info());
    CocaineException e = assertInstanceOf(Locator.Resolved.Failed.class, resolve(locator, "nope", Optional.empty())).error();
    assertEquals("no node has 'nope'", e.getMessage());
    locator.tell(new Locator.Cluster(nodes.ref()));
    assertEquals(Map.of("node-b", new Endpoint("10.0.0.2", 10053)), nodes.receiveMessage().nodes());
  }

  @Test
  void stoppingTheLocatorCompletesItsStreams() {
    ActorRef<Locator.Command> locator = locator(16);
    TestSubscriber.Probe<Message> stream = subscribe(locator, false);
    stream.requestNext();
    testKit.stop(locator);
    stream.request(1).expectComplete();
  }
}
