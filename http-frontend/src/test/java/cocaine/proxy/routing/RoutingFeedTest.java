package cocaine.proxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.proxy.FakeCluster;
import cocaine.proxy.pool.LocatorClient;
import cocaine.routing.Rings;
import cocaine.rpc.transport.ConnectionSettings;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The routing feed on its own, against a fake locator on the wire. */
class RoutingFeedTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final FakeCluster cluster = new FakeCluster(kit.system());
  static final LocatorClient locator = new LocatorClient(kit.system(), "127.0.0.1", cluster.locatorPort(),
      ConnectionSettings.DEFAULTS, Duration.ofSeconds(5));
  static final RoutingFeed.Options options = new RoutingFeed.Options("test-router", Duration.ofMillis(50),
      Duration.ofMillis(400));

  @AfterAll
  static void stop() {
    locator.close();
    cluster.close();
    kit.shutdownTestKit();
  }

  static Rings updated(TestProbe<RoutingFeed.Report> probe) {
    return probe.expectMessageClass(RoutingFeed.Updated.class, Duration.ofSeconds(5)).rings();
  }

  @Test
  void theRingsComeAtOnceAndAfterEveryChange() {
    cluster.locator.group("feed-a", Map.of("a1", 1L, "a2", 3L));
    TestProbe<RoutingFeed.Report> probe = kit.createTestProbe();
    ActorRef<RoutingFeed.Command> feed = kit.spawn(RoutingFeed.create(locator, options, probe.ref()));
    assertTrue(updated(probe).groups().contains("feed-a"));

    cluster.locator.group("feed-b", Map.of("b1", 1L));
    Rings now = updated(probe);
    assertTrue(now.groups().containsAll(Set.of("feed-a", "feed-b")), now.toString());
    assertEquals(Optional.of("b1"), now.member("feed-b", Optional.empty()));
    kit.stop(feed);
  }

  @Test
  void aStreamThatEndsIsMadeAgainAfterABackoff() {
    TestProbe<RoutingFeed.Report> probe = kit.createTestProbe();
    ActorRef<RoutingFeed.Command> feed = kit.spawn(RoutingFeed.create(locator, options, probe.ref()));
    updated(probe);
    int subscriptions = cluster.locator.routingSubscriptions();

    cluster.locator.endRouting();

    RoutingFeed.Unavailable down = probe.expectMessageClass(RoutingFeed.Unavailable.class, Duration.ofSeconds(5));
    assertTrue(down.why().contains("closed"), down.why());
    updated(probe);
    assertEquals(subscriptions + 1, cluster.locator.routingSubscriptions());
    kit.stop(feed);
  }

  @Test
  void anUnreachableLocatorIsReportedAndTriedAgain() {
    LocatorClient nowhere = new LocatorClient(kit.system(), "127.0.0.1", 1, ConnectionSettings.DEFAULTS,
        Duration.ofSeconds(2));
    TestProbe<RoutingFeed.Report> probe = kit.createTestProbe();
    ActorRef<RoutingFeed.Command> feed = kit.spawn(RoutingFeed.create(nowhere, options, probe.ref()));
    RoutingFeed.Unavailable first = probe.expectMessageClass(RoutingFeed.Unavailable.class, Duration.ofSeconds(5));
    assertTrue(first.why().contains("127.0.0.1:1"), first.why());
    probe.expectMessageClass(RoutingFeed.Unavailable.class, Duration.ofSeconds(5));
    kit.stop(feed);
  }
}
