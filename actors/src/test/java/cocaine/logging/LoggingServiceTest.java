package cocaine.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.Dispatched;
import cocaine.security.AccessToken;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.msgpack.value.Value;

@ExtendWith(TestKitJUnit5Extension.class)
class LoggingServiceTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();
  LoggingTest.Recording sink;
  LoggingService service;

  @BeforeEach
  void start() {
    sink = new LoggingTest.Recording();
    ActorRef<Logging.Command> logging = testKit.spawn(Logging.create(Severity.INFO, List.of(sink)));
    service = new LoggingService(testKit.system(), logging, Duration.ofSeconds(5), AccessToken.NONE,
        java.time.Clock.fixed(Instant.parse("2024-01-02T03:04:05Z"), java.time.ZoneOffset.UTC));
  }

  List<Message> call(int method, Value... args) throws Exception {
    return Dispatched.open(service, new ChannelContext(1, "test", 1), Message.of(method, args), Source.empty())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void graphsAreThoseOfTheOriginal() {
    assertEquals("{\"0\":[\"emit\",{},{}],\"1\":[\"verbosity\",{},{\"0\":[\"value\",{}],\"1\":[\"error\",{}]}],"
        + "\"2\":[\"set_verbosity\",{},{\"0\":[\"value\",{}],\"1\":[\"error\",{}]}],"
        + "\"3\":[\"emit_ack\",{},{\"0\":[\"value\",{}],\"1\":[\"error\",{}]}],"
        + "\"5\":[\"list_loggers\",{},{\"0\":[\"value\",{}],\"1\":[\"error\",{}]}],"
        + "\"6\":[\"set_filter\",{},{\"0\":[\"value\",{}],\"1\":[\"error\",{}]}],"
        + "\"7\":[\"remove_filter\",{},{\"0\":[\"value\",{}],\"1\":[\"error\",{}]}],"
        + "\"8\":[\"list_filters\",{},{\"0\":[\"value\",{}],\"1\":[\"error\",{}]}],"
        + "\"9\":[\"set_cluster_filter\",{},{\"0\":[\"value\",{}],\"1\":[\"error\",{}]}],"
        + "\"10\":[\"read\",{},{\"0\":[\"write\",null],\"1\":[\"error\",{}],\"2\":[\"close\",{}]}]}",
        service.protocol().toValue().toJson());
    assertEquals(2, service.version());
  }

  @Test
  void emitHasNoReplyAndReachesTheSinksWithItsAttributes() throws Exception {
    assertEquals(List.of(), call(0, Values.integer(2), Values.str("app/echo"), Values.str("hello"),
        Values.array(Values.array(Values.str("uuid"), Values.str("3f1c")), Values.array(Values.str("n"), Values.integer(3)))));
    LogRecord r = sink.next();
    assertEquals(Severity.WARNING, r.severity());
    assertEquals("app/echo", r.source());
    assertEquals("hello", r.message());
    assertEquals(List.of("uuid", "n"), List.copyOf(r.attributes().keySet()));
    assertEquals(3L, r.attributes().get("n"));
    assertEquals(Instant.parse("2024-01-02T03:04:05Z"), r.timestamp());
  }

  @Test
  void emitCarriesItsTraceHeadersAsHexAttributesUnlessTheSenderSetThem() throws Exception {
    List<Value> args = List.of(Values.integer(1), Values.str("app/echo"), Values.str("traced"));
    List<Header> headers = List.of(Header.ofLong(Header.TRACE_ID, 42), Header.ofLong(Header.SPAN_ID, 7));
    Dispatched.open(service, new ChannelContext(1, "test", 1), new Message(0, args, headers), Source.empty())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(java.util.Map.of("trace_id", "000000000000002a", "span_id", "0000000000000007"), sink.next().attributes());

    List<Value> own = List.of(Values.integer(1), Values.str("app/echo"), Values.str("own"),
        Values.array(Values.array(Values.str("trace_id"), Values.str("mine"))));
    Dispatched.open(service, new ChannelContext(1, "test", 1), new Message(0, own, headers), Source.empty())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals("mine", sink.next().attributes().get("trace_id"));
  }

  @Test
  void emitBelowTheVerbosityIsDropped() throws Exception {
    call(0, Values.integer(0), Values.str("app/echo"), Values.str("debug line"));
    call(0, Values.integer(1), Values.str("app/echo"), Values.str("info line"));
    assertEquals("info line", sink.next().message());
    assertTrue(sink.records.isEmpty());
  }

  @Test
  void badEmitIsDroppedWithoutReplyAndTheServiceGoesOn() throws Exception {
    assertEquals(List.of(), call(0, Values.integer(9), Values.str("app/echo"), Values.str("bad level")));
    assertEquals(List.of(), call(0, Values.str("info"), Values.str("app/echo")));
    call(0, Values.integer(3), Values.str("app/echo"), Values.str("good"));
    assertEquals("good", sink.next().message());
  }

  @Test
  void verbosityAndSetVerbosityAnswerWithPrimitiveValues() throws Exception {
    assertEquals(List.of(Message.value(Values.integer(1))), call(1));
    assertEquals(List.of(Message.value()), call(2, Values.integer(3)));
    assertEquals(List.of(Message.value(Values.integer(3))), call(1));
  }

  @Test
  void withATokenSetVerbosityNeedsItAndEmitAndVerbosityStayOpen() throws Exception {
    service = new LoggingService(testKit.system(), testKit.spawn(Logging.create(Severity.INFO, List.of(sink))),
        Duration.ofSeconds(5), AccessToken.of("t0ken", Set.of()));
    CocaineException none = call(2, Values.integer(0)).get(0).toException();
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, none.code());
    assertTrue(none.getMessage().startsWith("logging.set_verbosity(0) needs the access token"), none.getMessage());
    assertEquals(ErrorCode.UNAUTHORIZED, callWith(List.of(AccessToken.header("guess")), 2, Values.integer(0)).get(0)
        .toException().code());
    assertEquals(List.of(Message.value(Values.integer(1))), call(1), "verbosity unchanged and readable without the token");
    call(0, Values.integer(0), Values.str("app/echo"), Values.str("debug line still dropped"));
    call(0, Values.integer(1), Values.str("app/echo"), Values.str("emit needs no token"));
    assertEquals("emit needs no token", sink.next().message());

    assertEquals(List.of(Message.value()), callWith(List.of(AccessToken.header("t0ken")), 2, Values.integer(0)));
    assertEquals(List.of(Message.value(Values.integer(0))), call(1));
  }

  List<Message> callWith(List<Header> headers, int method, Value... args) throws Exception {
    return Dispatched.open(service, new ChannelContext(1, "test", 1), new Message(method, List.of(args), headers), Source.empty())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void setVerbosityOutOfRangeIsInvalidArgument() throws Exception {
    List<Message> reply = call(2, Values.integer(7));
    assertEquals(1, reply.size());
    CocaineException e = reply.get(0).toException();
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("logging.set_verbosity expects (level: int 0-3), got (int): level must be 0 (debug) to 3 (error)", e.getMessage());
  }
}
