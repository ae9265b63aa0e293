package cocaine.locator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.ClientChannel;
import cocaine.client.ServiceClient;
import cocaine.rpc.channel.ClientConnection;
import cocaine.rpc.service.Server;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.storage.FilesStorage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.stream.testkit.javadsl.TestSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.value.Value;

/** The locator served by the real transport, called by the real client. */
@ExtendWith(TestKitJUnit5Extension.class)
class LocatorOverTcpTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();
  @TempDir Path root;
  FilesStorage storage;
  ActorRef<Locator.Command> locator;
  Tcp.ServerBinding binding;
  ClientConnection client;

  @BeforeEach
  void start() throws Exception {
    storage = FilesStorage.create(root, 2, 64);
    storage.write(Locator.GROUPS, "app", FrameEncoder.encodeValue(Values.fromJava(Map.of("app-v1", 1, "app-v2", 3))),
        List.of("group", "active")).toCompletableFuture().join();
    locator = testKit.spawn(Locator.create("node-a", LocatorTest.settings(List.of(), Map.of("x-cocaine-cluster", "test")),
        16, storage));
    LocatorService service = new LocatorService(testKit.system(), locator, "node-a", Duration.ofSeconds(5));
    binding = Server.bind(testKit.system(), "127.0.0.1", 0, service, ConnectionSettings.DEFAULTS)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    int port = binding.localAddress().getPort();
    publish(new ServiceInfo("locator", List.of(new Endpoint("127.0.0.1", port)), service.version(), service.protocol()));
    client = ClientConnection.connect(testKit.system(), "127.0.0.1", port, ConnectionSettings.DEFAULTS)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    storage.close();
  }

  void publish(ServiceInfo info) {
    TestProbe<Done> done = testKit.createTestProbe();
    locator.tell(new Locator.Publish(info, done.ref()));
    done.receiveMessage();
  }

  List<Value> call(int method, Value... args) throws Exception {
    return client.call(method, args).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  CocaineException failure(int method, Value... args) {
    CompletionException e = assertThrows(CompletionException.class, () -> client.call(method, args).toCompletableFuture().join());
    return (CocaineException) e.getCause();
  }

  @Test
  void resolveOfTheLocatorItselfAndOfARoutedApp() throws Exception {
    List<Value> self = call(LocatorService.RESOLVE, Values.str("locator"));
    assertEquals(3, self.size());
    assertEquals(Values.integer(3), self.get(1));
    assertEquals(LocatorService.PROTOCOL.toValue(), self.get(2));

    publish(LocatorTest.app("app-v1", 30001));
    publish(LocatorTest.app("app-v2", 30002));
    assertEquals(Values.array(Values.array(Values.str("127.0.0.1"), Values.integer(30002))),
        call(LocatorService.RESOLVE, Values.str("app"), Values.str("user-1")).get(0));
    assertEquals(Values.array(Values.array(Values.str("127.0.0.1"), Values.integer(30001))),
        call(LocatorService.RESOLVE, Values.str("app"), Values.str("user-5")).get(0));
  }

  @Test
  void unknownNameAndBadArgumentsAreErrorsAndTheConnectionGoesOn() throws Exception {
    CocaineException e = failure(LocatorService.RESOLVE, Values.str("nope"));
    assertEquals(new ErrorCode(10, 1), e.code());
    e = failure(LocatorService.RESOLVE, Values.integer(1));
    assertEquals(new ErrorCode(7, 2), e.code());
    assertEquals(List.of(Values.str("node-a")), call(LocatorService.UUID));
  }

  @Test
  void connectStreamsSnapshotAndChangesWithTheExtraHeader() throws Exception {
    publish(LocatorTest.app("echo", 30001));
    TestSubscriber.Probe<Message> stream = Source.<Message>maybe()
        .mapMaterializedValue(m -> NotUsed.getInstance())
        .via(client.channel(Message.of(LocatorService.CONNECT, Values.str("node-b")), Graph.STREAMING))
        .runWith(TestSink.create(testKit.system()), testKit.system());

    Message snapshot = stream.requestNext();
    assertEquals(Graph.WRITE, snapshot.type());
    assertEquals(Values.str("node-a"), snapshot.args().get(0));
    assertEquals(List.of(Values.str("echo")), List.copyOf(snapshot.args().get(1).asMapValue().keySet()),
        "the locator itself is not announced");
    byte[] extra = Header.find(snapshot.headers(), Locator.EXTRA_HEADER).orElseThrow().value();
    assertEquals(Values.fromJava(Map.of("x-cocaine-cluster", "test")),
        org.msgpack.core.MessagePack.newDefaultUnpacker(extra).unpackValue());

    TestProbe<Done> done = testKit.createTestProbe();
    locator.tell(new Locator.Unpublish("echo", done.ref()));
    Message removal = stream.requestNext();
    assertEquals(Values.array(Values.array(List.of()), Values.integer(1), LocatorTest.APP.toValue()),
        removal.args().get(1).asMapValue().map().get(Values.str("echo")));
  }

  @Test
  void publishOverTheWireLastsUntilDiscard() throws Exception {
    Pair<TestPublisher.Probe<Message>, Source<Message, NotUsed>> requests =
        TestSource.<Message>create(testKit.system()).preMaterialize(testKit.system());
    TestSubscriber.Probe<Message> replies = requests.second()
        .via(client.channel(Message.of(LocatorService.PUBLISH, Values.str("extern"),
            Values.array(Values.array(Values.str("10.0.0.9"), Values.integer(5000)))), Graph.PRIMITIVE))
        .runWith(TestSink.create(testKit.system()), testKit.system());
    assertEquals(Message.value(), replies.requestNext());
    assertEquals(Values.array(Values.array(Values.str("10.0.0.9"), Values.integer(5000))),
        call(LocatorService.RESOLVE, Values.str("extern")).get(0));

    requests.first().sendNext(Message.of(0)).sendComplete(); // discard
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertEquals(new ErrorCode(10, 1), failure(LocatorService.RESOLVE, Values.str("extern")).code()));
  }

  @Test
  void publishedServiceGoesAwayWithItsConnection() throws Exception {
    ClientConnection other = ClientConnection.connect(testKit.system(), "127.0.0.1", binding.localAddress().getPort(),
        ConnectionSettings.DEFAULTS).toCompletableFuture().get(10, TimeUnit.SECONDS);
    TestSubscriber.Probe<Message> replies = Source.<Message>maybe().mapMaterializedValue(m -> NotUsed.getInstance())
        .via(other.channel(Message.of(LocatorService.PUBLISH, Values.str("extern"),
            Values.array(Values.array(Values.str("10.0.0.9"), Values.integer(5000)))), Graph.PRIMITIVE))
        .runWith(TestSink.create(testKit.system()), testKit.system());
    assertEquals(Message.value(), replies.requestNext());
    assertEquals(3, call(LocatorService.RESOLVE, Values.str("extern")).size());

    other.close();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertEquals(new ErrorCode(10, 1), failure(LocatorService.RESOLVE, Values.str("extern")).code()));
  }

  @Test
  void routingStreamsRingsAndClosesOnDiscard() throws Exception {
    Pair<TestPublisher.Probe<Message>, Source<Message, NotUsed>> requests =
        TestSource.<Message>create(testKit.system()).preMaterialize(testKit.system());
    TestSubscriber.Probe<Message> stream = requests.second()
        .via(client.channel(Message.of(LocatorService.ROUTING, Values.str("router-1")), Graph.STREAMING))
        .runWith(TestSink.create(testKit.system()), testKit.system());
    Message rings = stream.requestNext();
    assertEquals(Graph.WRITE, rings.type());
    assertTrue(rings.args().get(0).asMapValue().map().containsKey(Values.str("app")), rings.toString());

    assertEquals(List.of(), call(LocatorService.REFRESH, Values.strings(List.of("app"))));
    assertEquals(Graph.WRITE, stream.requestNext().type());

    requests.first().sendNext(Message.of(0)).sendComplete();
    assertEquals(Message.close(), stream.requestNext());
  }

  @Test
  void routingWithTheToolsExtraArgumentStreamsRingsOverRawFrames() throws Exception {
    // the tornado proxy and cocaine-tool send routing(uid, True): the original ignores the extra
    try (WireClient raw = new WireClient(binding.localAddress().getPort())) {
      long ch = raw.open(Message.of(LocatorService.ROUTING, Values.str("tool-uid"), Values.bool(true)));
      Frame rings = raw.next(ch);
      assertEquals(Graph.WRITE, rings.type(), rings.toString());
      assertTrue(rings.args().get(0).asMapValue().map().containsKey(Values.str("app")), rings.toString());
      raw.send(ch, Message.of(0));
      assertEquals(Message.close().on(ch), raw.next(ch));
    }
  }

  @Test
  void routingWithTheToolsExtraArgumentThroughTheJavaClient() throws Exception {
    try (cocaine.client.Locator java = cocaine.client.Locator.connect("127.0.0.1", binding.localAddress().getPort());
        ServiceClient locatorService = ServiceClient.connect(java, "locator")) {
      ClientChannel routing = locatorService.stream("routing", "tool-uid", true);
      Message rings = routing.receive(Duration.ofSeconds(10));
      assertEquals(Graph.WRITE, rings.type(), rings.toString());
      assertTrue(rings.args().get(0).asMapValue().map().containsKey(Values.str("app")), rings.toString());
      // nil for the optional seed is no seed
      assertEquals(Values.integer(3), locatorService.call("resolve", "locator", null).get(10, TimeUnit.SECONDS).get(1));
      routing.send(Message.of(0));
      assertEquals(Message.close(), routing.receive(Duration.ofSeconds(10)));
    }
  }

  @Test
  void aMissingArgumentIsRefusedNamingIt() throws Exception {
    CocaineException e = failure(LocatorService.ROUTING);
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("locator.routing expects (router_id: str), got (): missing 'router_id'", e.getMessage());
  }
}
