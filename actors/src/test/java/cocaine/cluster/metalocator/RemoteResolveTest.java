package cocaine.cluster.metalocator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.cluster.Announce;
import cocaine.config.ClusterSettings;
import cocaine.gateway.adhoc.AdhocGateway;
import cocaine.locator.Endpoint;
import cocaine.locator.Locator;
import cocaine.locator.ServiceInfo;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
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

/**
 * A plain node's remote resolve ({@code cocaine.locator.remote}): the node's real locator, a
 * metalocator with the adhoc table and the platform names reserved, and peers that are real
 * locators on loopback.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class RemoteResolveTest {
  static final Duration WAIT = MetalocatorTest.WAIT;

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();
  @TempDir Path dir;
  Peers peers;

  @BeforeEach
  void open() {
    peers = new Peers(testKit, dir);
  }

  @AfterEach
  void closeAll() {
    peers.close();
  }

  FakeNode node(String uuid) throws Exception {
    return peers.node(uuid);
  }

  /** {@code self}'s locator answers from its peers: discovery {@code discovery}, predefined {@code nodes}. */
  ActorRef<Metalocator.Command> remote(FakeNode self, ClusterSettings.Type discovery, Map<String, Endpoint> nodes) {
    MetalocatorSettings settings = new MetalocatorSettings(self.uuid, discovery, Duration.ofMillis(200), nodes, "",
        MetalocatorTest.FAST, ConnectionSettings.DEFAULTS, 16).reserving(ClusterStart.PLATFORM_SERVICES);
    ActorRef<Metalocator.Command> m = testKit.spawn(Metalocator.create(settings,
        new AdhocGateway(64, new SplittableRandom())));
    peers.closeFirst(() -> testKit.stop(m));
    self.locator.tell(new Locator.UseRemote(new MetalocatorResolver(m, testKit.system().scheduler(), WAIT)));
    return m;
  }

  Locator.Resolved resolve(FakeNode self, String name) {
    TestProbe<Locator.Resolved> probe = testKit.createTestProbe();
    self.locator.tell(new Locator.Resolve(name, Optional.empty(), probe.getRef()));
    return probe.receiveMessage(WAIT);
  }

  List<Endpoint> endpoints(FakeNode self, String name) {
    return assertInstanceOf(Locator.Resolved.Ok.class, resolve(self, name)).info().endpoints();
  }

  CocaineException refusal(FakeNode self, String name) {
    return assertInstanceOf(Locator.Resolved.Failed.class, resolve(self, name)).error();
  }

  @Test
  void anAppOfAPeerResolvesToThatPeersOwnEndpointsAndIsGoneAsSoonAsThePeerWithdrawsItOrStops() throws Exception {
    FakeNode self = node("self");
    FakeNode peer = node("peer");
    peer.publish("echo", 4001);
    peer.publish("web", 4002);
    remote(self, ClusterSettings.Type.PREDEFINE, Map.of("peer", peer.endpoint(), "self", self.endpoint()));

    await().atMost(WAIT).until(() -> resolve(self, "echo") instanceof Locator.Resolved.Ok);
    assertEquals(List.of(new Endpoint("127.0.0.1", 4001)), endpoints(self, "echo"), "the peer's real endpoint");

    peer.unpublish("echo");
    await().atMost(WAIT).until(() -> resolve(self, "echo") instanceof Locator.Resolved.Failed);
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, refusal(self, "echo").code());
    assertEquals(List.of(new Endpoint("127.0.0.1", 4002)), endpoints(self, "web"));

    peer.close();
    await().atMost(WAIT).until(() -> resolve(self, "web") instanceof Locator.Resolved.Failed);
    assertTrue(refusal(self, "web").getMessage().contains("'web'"), refusal(self, "web").getMessage());
  }

  @Test
  void aPeerCanShadowNeitherALocalServiceNorAPlatformName() throws Exception {
    FakeNode self = node("self");
    FakeNode peer = node("peer");
    self.publish("echo", 5001);
    for (String name : List.of("echo", "storage", "unicorn", "billing")) {
      peer.publish(name, 4001);
    }
    remote(self, ClusterSettings.Type.PREDEFINE, Map.of("peer", peer.endpoint()));
    await().atMost(WAIT).until(() -> resolve(self, "billing") instanceof Locator.Resolved.Ok);

    assertEquals(List.of(new Endpoint("127.0.0.1", 5001)), endpoints(self, "echo"), "the local echo wins");
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, refusal(self, "unicorn").code(),
        "this node runs no unicorn, and a peer may not provide one");
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, refusal(self, "storage").code());
    assertEquals(self.endpoint(), endpoints(self, "locator").get(0), "the locator is this node's own");
  }

  @Test
  void onlyPeersAdmittedByDiscoveryContributeNames() throws Exception {
    FakeNode self = node("self");
    FakeNode listed = node("listed");
    FakeNode rogue = node("rogue");
    listed.publish("echo", 4001);
    rogue.publish("echo", 4666);
    rogue.publish("billing", 4666);
    ActorRef<Metalocator.Command> m = remote(self, ClusterSettings.Type.PREDEFINE, Map.of("listed", listed.endpoint()));
    // an announce is no way in when the nodes are the configured ones
    m.tell(new Metalocator.Heard(new Announce("rogue", List.of(rogue.endpoint())), () -> { }));
    await().atMost(WAIT).until(() -> resolve(self, "echo") instanceof Locator.Resolved.Ok);

    for (int i = 0; i < 20; i++) {
      assertEquals(List.of(new Endpoint("127.0.0.1", 4001)), endpoints(self, "echo"));
    }
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, refusal(self, "billing").code());
  }
}
