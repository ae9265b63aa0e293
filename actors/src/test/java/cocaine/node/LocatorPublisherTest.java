package cocaine.node;

import cocaine.node.app.Publisher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import cocaine.config.Settings;
import cocaine.locator.Endpoint;
import cocaine.locator.Locator;
import cocaine.locator.ServiceInfo;
import cocaine.node.app.AppService;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class LocatorPublisherTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void publishedAppsResolveUntilUnpublished() throws Exception {
    Settings settings = Settings.load("node", ConfigFactory.empty());
    ActorRef<Locator.Command> locator = testKit.spawn(Locator.create("node-1", settings.locator(), 16, new MemoryStorage()));
    Publisher publisher = new LocatorPublisher(locator, testKit.system().scheduler(), Duration.ofSeconds(5));
    ServiceInfo echo = new ServiceInfo("echo", List.of(new Endpoint("127.0.0.1", 4242)), 1, AppService.PROTOCOL);
    TestProbe<Locator.Resolved> probe = testKit.createTestProbe();

    publisher.publish(echo).toCompletableFuture().get();
    locator.tell(new Locator.Resolve("echo", Optional.empty(), probe.ref()));
    Locator.Resolved.Ok ok = assertInstanceOf(Locator.Resolved.Ok.class, probe.receiveMessage());
    assertEquals(echo.endpoints(), ok.info().endpoints());

    publisher.unpublish("echo").toCompletableFuture().get();
    locator.tell(new Locator.Resolve("echo", Optional.empty(), probe.ref()));
    assertInstanceOf(Locator.Resolved.Failed.class, probe.receiveMessage());
  }
}
