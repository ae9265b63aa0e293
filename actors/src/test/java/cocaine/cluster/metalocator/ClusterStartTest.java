package cocaine.cluster.metalocator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import cocaine.config.Settings;
import cocaine.locator.LocatorService;
import cocaine.rpc.channel.ClientConnection;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.storage.FilesStorage;
import cocaine.wire.Values;
import com.typesafe.config.ConfigFactory;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.value.Value;

/** The balancer role as the runtime starts it: a client resolves an app there and reaches it through the gateway. */
@ExtendWith(TestKitJUnit5Extension.class)
class ClusterStartTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();
  @TempDir Path dir;

  @Test
  void resolveAtTheBalancerGivesTheVirtualEndpointThatReachesTheApp() throws Exception {
    Tcp.ServerBinding app = Tcp.get(testKit.system()).bind("127.0.0.1", 0)
        .to(Sink.foreach(conn -> conn.handleWith(
            Flow.of(ByteString.class).map(b -> ByteString.fromString("app:").concat(b)), testKit.system())))
        .run(testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    try (FakeNode node = FakeNode.start(testKit, "node-a", Map.of(), dir.resolve("node"), 0);
        FilesStorage storage = FilesStorage.create(dir.resolve("balancer"), 1, 16)) {
      node.publish("echo", app.localAddress().getPort());
      Settings settings = Settings.load("balancer", ConfigFactory.parseString(
          "cocaine { uuid = balancer-1, network.locator-port = 0\n"
              + "locator.cluster { type = predefine, interval = 200ms, nodes { node-a = \"127.0.0.1:" + node.endpoint().port()
              + "\" } }\n balancer.link.backoff-base = 100ms }"));

      TestProbe<Object> started = testKit.createTestProbe();
      testKit.spawn(Behaviors.setup(ctx -> {
        ClusterStart.start(ctx, settings, storage).whenComplete((s, failure) -> started.getRef().tell(s != null ? s : failure));
        return Behaviors.empty();
      }));
      ClusterStart.Started balancer = (ClusterStart.Started) started.receiveMessage(Duration.ofSeconds(20));

      ClientConnection client = ClientConnection.connect(testKit.system(), "127.0.0.1", balancer.locatorPort(),
          ConnectionSettings.DEFAULTS).toCompletableFuture().get(10, TimeUnit.SECONDS);
      List<Value> resolved = await().atMost(Duration.ofSeconds(20)).until(() -> {
        try {
          return client.call(LocatorService.RESOLVE, Values.str("echo")).toCompletableFuture().join();
        } catch (CompletionException notYet) {
          return null;
        }
      }, r -> r != null);
      Value endpoint = resolved.get(0).asArrayValue().get(0);
      assertEquals("127.0.0.1", Values.asString(endpoint.asArrayValue().get(0)));
      assertEquals(FakeNode.APP.toValue(), resolved.get(2));
      int virtualPort = (int) Values.asLong(endpoint.asArrayValue().get(1));

      try (Socket s = new Socket("127.0.0.1", virtualPort)) {
        s.setSoTimeout(20_000);
        s.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
        InputStream in = s.getInputStream();
        byte[] reply = in.readNBytes("app:hello".length());
        assertEquals("app:hello", new String(reply, StandardCharsets.UTF_8));
      }

      List<Value> cluster = client.call(LocatorService.CLUSTER).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertEquals(Values.array(Values.str("127.0.0.1"), Values.integer(node.endpoint().port())),
          cluster.get(0).asMapValue().map().get(Values.str("node-a")));
      client.close();
    } finally {
      app.unbind();
    }
  }

  @Test
  void nodesAnnouncedOverMulticastAreLinked() throws Exception {
    int udpPort;
    try (java.net.DatagramSocket free = new java.net.DatagramSocket(0)) {
      udpPort = free.getLocalPort();
    }
    String cluster = "locator.cluster { type = multicast, group = \"239.255.77." + (1 + udpPort % 250) + "\", port = "
        + udpPort + ", interval = 200ms, loopback = true, hops = 0, interface = lo }\n";
    try (FakeNode node = FakeNode.start(testKit, "node-m", Map.of(), dir.resolve("node"), 0);
        FilesStorage storage = FilesStorage.create(dir.resolve("balancer"), 1, 16)) {
      node.publish("echo", 4001);
      Settings nodeSettings = Settings.load("node", ConfigFactory.parseString(
          "cocaine { uuid = node-m, network.locator-port = 0\n" + cluster + "}"));
      Settings balancerSettings = Settings.load("balancer", ConfigFactory.parseString(
          "cocaine { uuid = balancer-1, network.locator-port = 0\n" + cluster + "}"));
      TestProbe<Object> started = testKit.createTestProbe();
      testKit.spawn(Behaviors.setup(ctx -> {
        ClusterStart.startAnnouncer(ctx, nodeSettings, List.of(node.endpoint()));
        ClusterStart.start(ctx, balancerSettings, storage).whenComplete((s, failure) -> started.getRef().tell(s != null ? s : failure));
        return Behaviors.empty();
      }));
      ClusterStart.Started balancer = (ClusterStart.Started) started.receiveMessage(Duration.ofSeconds(20));
      TestProbe<Map<String, Map<String, cocaine.locator.ServiceInfo>>> services = testKit.createTestProbe();
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        balancer.cluster().metalocator().tell(new Metalocator.Services(services.getRef()));
        return services.receiveMessage(Duration.ofSeconds(10)).containsKey("echo");
      });
    }
  }
}
