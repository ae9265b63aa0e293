package cocaine.locator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.Dispatched;
import cocaine.security.AccessToken;
import cocaine.storage.FilesStorage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
    return Dispatched.open(service, new ChannelContext(1, "test", 1), Message.of(method, args), Source.empty());
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
    assertEquals("locator.resolve expects (name: str, seed: str?), got (int): 'name' must be str, got int", e.getMessage());
    e = call(LocatorService.REFRESH, Values.array(Values.integer(1))).toException();
    assertEquals("locator.refresh expects (groups: [str]), got ([int]): 'groups' must be [str], got [int]", e.getMessage());
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
    TestSubscriber.Probe<Message> stream = Dispatched.open(service, new ChannelContext(1, "test", 1),
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
    TestSubscriber.Probe<Message> reply = Dispatched.open(service, new ChannelContext(7, "10.0.0.9:4000", 1),
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
    Dispatched.open(service, new ChannelContext(7, "peer", 1), Message.of(LocatorService.PUBLISH, Values.str("extern"),
            Values.array(Values.array(Values.str("10.0.0.9"), Values.integer(5000)))), client.second())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(Graph.VALUE, call(LocatorService.RESOLVE, Values.str("extern")).type());
    client.first().sendError(new CocaineException(ErrorCode.NOT_CONNECTED, "client peer disconnected"));
    await().atMost(Duration.ofSeconds(5)).until(() ->
        call(LocatorService.RESOLVE, Values.str("extern")).type() == Graph.ERROR);
    assertInstanceOf(Locator.Resolved.Failed.class, resolveDirect("extern"));
  }

  static final String TOKEN = "t0ken";
  static final Value ENDPOINTS = Values.array(Values.array(Values.str("10.0.0.9"), Values.integer(5000)));

  /** A publish from connection {@code connectionId} with these headers; the client's side is the pair's first. */
  Pair<TestPublisher.Probe<Message>, Message> publishFrom(long connectionId, List<Header> headers, String name) throws Exception {
    Pair<TestPublisher.Probe<Message>, Source<Message, NotUsed>> client = client();
    List<Message> reply = Dispatched.open(service, new ChannelContext(connectionId, "10.0.0." + connectionId + ":4000", 1),
            new Message(LocatorService.PUBLISH, List.of(Values.str(name), ENDPOINTS), headers), client.second())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(1, reply.size(), reply.toString());
    return Pair.create(client.first(), reply.get(0));
  }

  void secured() {
    service = new LocatorService(testKit.system(), locator, "node-a", Duration.ofSeconds(5), AccessToken.of(TOKEN, Set.of()));
  }

  List<Value> resolvedEndpoints(String name) throws Exception {
    Message m = call(LocatorService.RESOLVE, Values.str(name));
    assertEquals(Graph.VALUE, m.type(), m.toString());
    return m.args().get(0).asArrayValue().list();
  }

  @Test
  void withATokenPublishNeedsIt() throws Exception {
    secured();
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, publishFrom(7, List.of(), "extern").second().toException().code());
    assertEquals(ErrorCode.UNAUTHORIZED, publishFrom(7, List.of(AccessToken.header("guess")), "extern").second().toException().code());
    assertInstanceOf(Locator.Resolved.Failed.class, resolveDirect("extern"), "a refused publish publishes nothing");
    assertEquals(Message.value(), publishFrom(7, List.of(AccessToken.header(TOKEN)), "extern").second());
    assertEquals(List.of(ENDPOINTS.asArrayValue().get(0)), resolvedEndpoints("extern"));
  }

  @Test
  void thePlatformsNamesAreNeverTakenOverFromTheWireWithOrWithoutTheToken() throws Exception {
    publish(LocatorTest.app("storage", 30002));
    publish(LocatorTest.app("echo", 30003));
    for (boolean token : new boolean[] {false, true}) {
      if (token) {
        secured();
      }
      List<Header> headers = token ? List.of(AccessToken.header(TOKEN)) : List.of();
      for (String name : List.of("storage", "echo", "node")) {
        Pair<TestPublisher.Probe<Message>, Message> attempt = publishFrom(9, headers, name);
        CocaineException e = attempt.second().toException();
        assertEquals(ErrorCode.PERMISSION_DENIED, e.code(), name);
        assertTrue(e.getMessage().contains("'" + name + "' is a service of this node itself"), e.getMessage());
        attempt.first().sendComplete(); // the attacker discards: that must withdraw nothing
      }
    }
    assertEquals(30002, resolvedEndpoints("storage").get(0).asArrayValue().get(1).asIntegerValue().asInt());
    assertEquals(30003, resolvedEndpoints("echo").get(0).asArrayValue().get(1).asIntegerValue().asInt());
    assertInstanceOf(Locator.Resolved.Failed.class, resolveDirect("node"));
  }

  @Test
  void withATokenOnlyThePublishingConnectionReplacesItsName() throws Exception {
    secured();
    List<Header> token = List.of(AccessToken.header(TOKEN));
    Pair<TestPublisher.Probe<Message>, Message> alice = publishFrom(7, token, "extern");
    assertEquals(Message.value(), alice.second());
    CocaineException e = publishFrom(8, token, "extern").second().toException();
    assertEquals(ErrorCode.PERMISSION_DENIED, e.code());
    assertTrue(e.getMessage().contains("published by peer 10.0.0.7:4000 (connection 7)"), e.getMessage());
    assertEquals(Message.value(), publishFrom(7, token, "extern").second(), "the owner may publish it again");
  }

  @Test
  void withoutATokenALaterPeerReplacesAnEarlierOneAsBefore() throws Exception {
    assertEquals(Message.value(), publishFrom(7, List.of(), "extern").second());
    assertEquals(Message.value(), publishFrom(8, List.of(), "extern").second());
  }

  @Test
  void aPublisherThatLeavesWithdrawsOnlyWhatItPublished() throws Exception {
    secured();
    publish(LocatorTest.app("storage", 30002));
    List<Header> token = List.of(AccessToken.header(TOKEN));
    Pair<TestPublisher.Probe<Message>, Message> mine = publishFrom(9, token, "extern");
    Pair<TestPublisher.Probe<Message>, Message> refused = publishFrom(9, token, "storage");
    Pair<TestPublisher.Probe<Message>, Message> taken = publishFrom(9, token, "echo");
    assertEquals(ErrorCode.PERMISSION_DENIED, refused.second().toException().code());
    publish(LocatorTest.app("echo", 30003)); // the node starts its app 'echo': the platform takes the name

    CocaineException gone = new CocaineException(ErrorCode.NOT_CONNECTED, "client disconnected");
    mine.first().sendError(gone);
    refused.first().sendError(gone);
    taken.first().sendError(gone);
    await().atMost(Duration.ofSeconds(5)).until(() -> resolveDirect("extern") instanceof Locator.Resolved.Failed);
    assertEquals(30002, resolvedEndpoints("storage").get(0).asArrayValue().get(1).asIntegerValue().asInt());
    assertEquals(30003, resolvedEndpoints("echo").get(0).asArrayValue().get(1).asIntegerValue().asInt());
  }

  @Test
  void withATokenRefreshNeedsIt() throws Exception {
    secured();
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, call(LocatorService.REFRESH, Values.strings(List.of("g"))).toException().code());
    Message ok = Dispatched.open(service, new ChannelContext(1, "test", 1), new Message(LocatorService.REFRESH,
            List.of(Values.strings(List.of("g"))), List.of(AccessToken.header(TOKEN))), Source.empty())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS).get(0);
    assertEquals(Message.value(), ok);
    assertEquals(new ErrorCode(10, 1), call(LocatorService.RESOLVE, Values.str("nope")).toException().code(),
        "resolve stays open");
    assertEquals(Graph.WRITE, Dispatched.open(service, new ChannelContext(1, "test", 1), Message.of(LocatorService.ROUTING,
            Values.str("router-1")), client().second())
        .runWith(TestSink.create(testKit.system()), testKit.system()).requestNext().type(), "routing stays open");
    assertEquals(Message.value(Values.str("node-a")), call(LocatorService.UUID));
    assertEquals(Message.value(Values.fromJava(Map.of())), call(LocatorService.CLUSTER));
  }

  Locator.Resolved resolveDirect(String name) {
    TestProbe<Locator.Resolved> probe = testKit.createTestProbe();
    locator.tell(new Locator.Resolve(name, Optional.empty(), probe.ref()));
    return probe.receiveMessage();
  }
}
