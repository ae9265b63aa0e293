package cocaine.locator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.service.ChannelContext;
import cocaine.storage.FilesStorage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
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

@ExtendWith(TestKitJUnit5Extension.class)
class LocatorServiceTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();
  @TempDir Path root;
  FilesStorage storage;
  ActorRef<Locator.Command> locator;
  LocatorService service;

  @BeforeEach
  void start() {
    storage = FilesStorage.create(root, 2, 64);
    locator = testKit.spawn(Locator.create("node-a", LocatorTest.settings(List.of(), Map.of()), 16, storage));
    service = new LocatorService(testKit.system(), locator, "node-a", Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    storage.close();
  }

  Source<Message, NotUsed> open(int method, Value... args) {
    return service.open(new ChannelContext(1, "test", 1), Message.of(method, args), Source.empty());
  }

  Message call(int method, Value... args) throws Exception {
    List<Message> out = open(method, args).runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(1, out.size(), "a primitive reply is one message: " + out);
    return out.get(0);
  }

  /** The client's side of a channel: what the connection layer would hand over as {@code rest}. */
  Pair<TestPublisher.Probe<Message>, Source<Message, NotUsed>> client() {
    return TestSource.<Message>create(testKit.system()).preMaterialize(testKit.system());
  }

  void publish(ServiceInfo info) {
    TestProbe<Done> done = testKit.createTestProbe();
    locator.tell(new Locator.Publish(info, done.ref()));
    done.receiveMessage();
  }

  @Test
  void graphsAndIdsAreThoseOfTheOriginal() {
    String p = "{\"0\":[\"value\",{}],\"1\":[\"error\",{}]}";
    String s = "{\"0\":[\"write\",null],\"1\":[\"error\",{}],\"2\":[\"close\",{}]}";
    String discard = "{\"0\":[\"discard\",{}]}";
    assertEquals("{\"0\":[\"resolve\",{}," + p + "],\"1\":[\"connect\",{}," + s + "],\"2\":[\"refresh\",{}," + p + "],"
        + "\"3\":[\"cluster\",{}," + p + "],\"4\":[\"publish\"," + discard + "," + p + "],"
        + "\"5\":[\"routing\"," + discard + "," + s + "],\"6\":[\"uuid\",{}," + p + "]}",
        service.protocol().toValue().toJson());
    assertEquals(3, service.version());
    assertEquals("locator", service.name());
  }

  @Test
  void resolveAnswersEndpointsVersionAndGraph() throws Exception {
    publish(LocatorTest.app("echo", 30001));
    Message reply = call(LocatorService.RESOLVE, Values.str("echo"));
    assertEquals(Graph.VALUE, reply.type());
    assertEquals(List.of(Values.array(Values.array(Values.str("127.0.0.1"), Values.integer(30001))),
        Values.integer(1), LocatorTest.APP.toValue()), reply.args());
  }

  @Test
  void resolveOfAnUnknownNameIsErrorTenOne() throws Exception {
    CocaineException e = call(LocatorService.RESOLVE, Values.str("nope")).toException();
    assertEquals(new ErrorCode(10, 1), e.code());
    assertEquals("service 'nope' is not available", e.getMessage());
  }

  @Test
  void badArgumentsAreInvalidArgumentNamingMethodAndTypes() throws Exception {
    CocaineException e = call(LocatorService.RESOLVE, Values.integer(5)).toException();
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("locator.resolve expects (name: str, seed: str?), got (int)", e.getMessage());
    e = call(LocatorService.REFRESH, Values.array(Values.integer(1))).toException();
    assertEquals("locator.refresh expects (groups: [str]), got ([int])", e.getMessage());
    e = call(LocatorService.PUBLISH, Values.str("x"), Values.array(Values.array(Values.str("h"), Values.str("port")))).toException();
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().startsWith("locator.publish expects (name: str, endpoints: [[host: str, port: int]]"), e.getMessage());
    assertEquals(ErrorCode.INVALID_ARGUMENT, call(LocatorService.CONNECT).toException().code());
  }

  @Test
  void uuidClusterAndRefreshAnswerPrimitiveValues() throws Exception {
    assertEquals(Message.value(Values.str("node-a")), call(LocatorService.UUID));
    assertEquals(Message.value(Values.fromJava(Map.of())), call(LocatorService.CLUSTER));
    assertEquals(Message.value(), call(LocatorService.REFRESH, Values.strings(List.of("missing"))));
    assertEquals(Message.value(), call(LocatorService.REFRESH, Values.str("old-style-single-name")));
  }

  @Test
  void connectStreamsTheSnapshotFirst() {
    publish(LocatorTest.app("echo", 30001));
    TestSubscriber.Probe<Message> stream = open(LocatorService.CONNECT, Values.str("node-b"))
        .runWith(TestSink.create(testKit.system()), testKit.system());
    Message first = stream.requestNext();
    assertEquals(Values.str("node-a"), first.args().get(0));
    assertEquals(List.of(Values.str("echo")), List.copyOf(first.args().get(1).asMapValue().keySet()));
    testKit.stop(locator);
    assertEquals(Message.close(), stream.requestNext(), "a stopping node closes its streams");
    stream.expectComplete();
  }

  @Test
  void routingEndsWithCloseWhenTheClientDiscards() {
    Pair<TestPublisher.Probe<Message>, Source<Message, NotUsed>> client = client();
    TestSubscriber.Probe<Message> stream = service.open(new ChannelContext(1, "test", 1),
            Message.of(LocatorService.ROUTING, Values.str("router-1")), client.second())
        .runWith(TestSink.create(testKit.system()), testKit.system());
    assertEquals(Graph.WRITE, stream.requestNext().type());
    client.first().sendNext(Message.of(0)).sendComplete(); // discard
    assertEquals(Message.close(), stream.requestNext());
    stream.expectComplete();
  }

  @Test
  void publishedServiceLastsUntilDiscard() throws Exception {
    Pair<TestPublisher.Probe<Message>, Source<Message, NotUsed>> client = client();
    Value graph = Values.fromJava(Map.of(0L, List.of("ping", Map.of(), Map.of(0L, List.of("value", Map.of()), 1L, List.of("error", Map.of())))));
    TestSubscriber.Probe<Message> reply = service.open(new ChannelContext(7, "10.0.0.9:4000", 1),
            Message.of(LocatorService.PUBLISH, Values.str("extern"),
                Values.array(Values.array(Values.str("10.0.0.9"), Values.integer(5000))),
                Values.array(Values.integer(4), graph)),
            client.second())
        .runWith(TestSink.create(testKit.system()), testKit.system());
    assertEquals(Message.value(), reply.requestNext());

    Message resolved = call(LocatorService.RESOLVE, Values.str("extern"));
    assertEquals(List.of(Values.array(Values.array(Values.str("10.0.0.9"), Values.integer(5000))), Values.integer(4), graph),
        resolved.args());

    client.first().sendNext(Message.of(0)).sendComplete();
    await().atMost(Duration.ofSeconds(5)).until(() ->
        call(LocatorService.RESOLVE, Values.str("extern")).type() == Graph.ERROR);
  }

  @Test
  void publishEndsWhenTheClientDisconnects() throws Exception {
    Pair<TestPublisher.Probe<Message>, Source<Message, NotUsed>> client = client();
    service.open(new ChannelContext(7, "peer", 1), Message.of(LocatorService.PUBLISH, Values.str("extern"),
            Values.array(Values.array(Values.str("10.0.0.9"), Values.integer(5000)))), client.second())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(Graph.VALUE, call(LocatorService.RESOLVE, Values.str("extern")).type());
    client.first().sendError(new CocaineException(ErrorCode.NOT_CONNECTED, "client peer disconnected"));
    await().atMost(Duration.ofSeconds(5)).until(() ->
        call(LocatorService.RESOLVE, Values.str("extern")).type() == Graph.ERROR);
    assertInstanceOf(Locator.Resolved.Failed.class, resolveDirect("extern"));
  }

  Locator.Resolved resolveDirect(String name) {
    TestProbe<Locator.Resolved> probe = testKit.createTestProbe();
    locator.tell(new Locator.Resolve(name, Optional.empty(), probe.ref()));
    return probe.receiveMessage();
  }
}
