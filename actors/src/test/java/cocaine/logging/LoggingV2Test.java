package cocaine.logging;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.value.Value;

/** The logging v2 methods and {@code read}, served by the service over its actor, a ring and a storage. */
@ExtendWith(TestKitJUnit5Extension.class)
class LoggingV2Test {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();
  @TempDir Path dir;
  LoggingTest.Recording sink;
  LogRing ring;
  FilesStorage storage;
  ActorRef<Logging.Command> logging;
  LoggingService service;

  @BeforeEach
  void start() throws Exception {
    sink = new LoggingTest.Recording();
    ring = LogRing.open(dir.resolve("ring"), 4096, 4);
    storage = FilesStorage.create(dir.resolve("storage"), 1, 64);
    service = service(AccessToken.NONE);
  }

  LoggingService service(AccessToken access) {
    logging = testKit.spawn(Logging.create(Severity.INFO, List.of(sink, FileSink.ring(ring, 64, Duration.ofSeconds(60)))));
    return new LoggingService(testKit.system(), logging, Duration.ofSeconds(5), access, Optional.of(ring),
        ForkJoinPool.commonPool(), Duration.ofMillis(50),
        Optional.of(new ClusterFilters(storage, logging, testKit.system())));
  }

  @AfterEach
  void stop() throws Exception {
    storage.close();
  }

  List<Message> call(int method, Value... args) throws Exception {
    return callWith(List.of(), method, args);
  }

  List<Message> callWith(List<Header> headers, int method, Value... args) throws Exception {
    return Dispatched.open(service, new ChannelContext(1, "test", 1), new Message(method, List.of(args), headers), Source.empty())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  Value one(int method, Value... args) throws Exception {
    List<Message> reply = call(method, args);
    assertEquals(1, reply.size(), reply.toString());
    if (reply.get(0).type() == Graph.ERROR) {
      throw reply.get(0).toException();
    }
    return reply.get(0).args().get(0);
  }

  CocaineException refused(int method, Value... args) throws Exception {
    List<Message> reply = call(method, args);
    assertEquals(1, reply.size(), reply.toString());
    assertEquals(Graph.ERROR, reply.get(0).type(), reply.toString());
    return reply.get(0).toException();
  }

  boolean emitAck(int level, String source, String message, String worker) throws Exception {
    return one(LoggingService.EMIT_ACK, Values.integer(level), Values.str(source), Values.str(message),
        Values.array(Values.array(Values.str("worker"), Values.str(worker)))).asBooleanValue().getBoolean();
  }

  static Value filter(Object... items) {
    return Values.fromJava(List.of(items));
  }

  @Test
  void emitAckSaysWhetherTheRecordWasWritten() throws Exception {
    assertTrue(emitAck(1, "app/echo", "kept", "w1"));
    assertEquals(false, emitAck(0, "app/echo", "below the verbosity", "w1"));
    assertEquals("kept", sink.next().message());
    assertTrue(sink.records.isEmpty(), sink.records.toString());
  }

  @Test
  void aFilterDecidesForItsSourceBeforeTheVerbosityAndIsListedAndRemoved() throws Exception {
    long id = one(LoggingService.SET_FILTER, Values.str("app/echo"), filter("==", "worker", "w1"), Values.integer(60))
        .asIntegerValue().toLong();
    assertTrue(emitAck(0, "app/echo", "debug of w1 passes the filter", "w1"));
    assertEquals(false, emitAck(3, "app/echo", "error of w2 does not", "w2"));
    assertTrue(emitAck(1, "app/other", "other sources keep the verbosity", "w2"));

    assertEquals(Values.array(Values.array(Values.str("app/echo"), filter("==", "worker", "w1"), Values.integer(id),
        Values.integer(0))), one(LoggingService.LIST_FILTERS));
    assertEquals(List.of("app/echo", "app/other"), Values.asStrings(one(LoggingService.LIST_LOGGERS)));

    assertEquals(Values.bool(true), one(LoggingService.REMOVE_FILTER, Values.integer(id)));
    assertEquals(Values.bool(false), one(LoggingService.REMOVE_FILTER, Values.integer(id)), "an unknown id is false");
    assertTrue(emitAck(3, "app/echo", "error of w2 passes again", "w2"));
    assertEquals(Values.array(), one(LoggingService.LIST_FILTERS));
  }

  @Test
  void theDefaultLoggersFiltersApplyToSourcesWithoutTheirOwnAndFiltersExpire() throws Exception {
    one(LoggingService.SET_FILTER, Values.str(FilterTable.DEFAULT), filter("severity", 3), Values.integer(1));
    assertEquals(false, emitAck(2, "app/any", "a warning is below the default filter", "w1"));
    assertTrue(emitAck(3, "app/any", "an error passes", "w1"));
    await("the 1 s filter expires").atMost(Duration.ofSeconds(10))
        .until(() -> one(LoggingService.LIST_FILTERS).asArrayValue().size() == 0);
    assertTrue(emitAck(2, "app/any", "a warning passes the verbosity again", "w1"));
  }

  @Test
  void aClusterFilterIsStoredAndANodeStartingLaterLoadsIt() throws Exception {
    long id = one(LoggingService.SET_CLUSTER_FILTER, Values.str("app/echo"), filter("severity", 2), Values.integer(600))
        .asIntegerValue().toLong();
    assertEquals(List.of(Long.toUnsignedString(id)), storage.find(ClusterFilters.COLLECTION, List.of("logging-filter"))
        .toCompletableFuture().get(5, TimeUnit.SECONDS));
    assertEquals(Values.integer(1), one(LoggingService.LIST_FILTERS).asArrayValue().get(0).asArrayValue().get(3),
        "disposition cluster");

    LoggingService first = service;
    service = service(AccessToken.NONE);
    new ClusterFilters(storage, logging, testKit.system()).follow((collection, onKey) -> () -> { });
    await("the other node loads the stored filter").atMost(Duration.ofSeconds(10))
        .until(() -> one(LoggingService.LIST_FILTERS).asArrayValue().size() == 1);
    assertEquals(false, emitAck(1, "app/echo", "info is below the cluster filter", "w1"));

    assertEquals(Values.bool(true), one(LoggingService.REMOVE_FILTER, Values.integer(id)));
    assertEquals(List.of(), storage.find(ClusterFilters.COLLECTION, List.of("logging-filter"))
        .toCompletableFuture().get(5, TimeUnit.SECONDS));
    service = first;
    assertEquals(Values.bool(true), one(LoggingService.REMOVE_FILTER, Values.integer(id)),
        "gone from the storage, but this node had its copy still (its watch would have removed it; here it has none)");
    assertEquals(Values.bool(false), one(LoggingService.REMOVE_FILTER, Values.integer(id)), "now gone everywhere");
  }

  @Test
  void badFiltersAreRefusedWithTheReasonAndTheServiceGoesOn() throws Exception {
    CocaineException notArray = refused(LoggingService.SET_FILTER, Values.str("app/echo"), Values.str("severity"),
        Values.integer(60));
    assertEquals(ErrorCode.INVALID_ARGUMENT, notArray.code());
    assertTrue(notArray.getMessage().contains("'filter' must be [op, ...]"), notArray.getMessage());

    CocaineException unknownOp = refused(LoggingService.SET_FILTER, Values.str("app/echo"), filter("~=", "a", "b"),
        Values.integer(60));
    assertEquals(ErrorCode.INVALID_ARGUMENT, unknownOp.code());
    assertTrue(unknownOp.getMessage().contains("not a filter: [\"~=\",\"a\",\"b\"]"), unknownOp.getMessage());

    CocaineException badLevel = refused(LoggingService.SET_FILTER, Values.str("app/echo"), filter("severity", 9),
        Values.integer(60));
    assertEquals(ErrorCode.INVALID_ARGUMENT, badLevel.code());

    CocaineException huge = refused(LoggingService.SET_FILTER, Values.str("app/echo"), filter("==", "a", "x".repeat(5000)),
        Values.integer(60));
    assertEquals(ErrorCode.TOO_BIG, huge.code());
    assertTrue(huge.getMessage().contains("at most " + LoggingService.MAX_FILTER_BYTES), huge.getMessage());

    Value deep = filter("empty");
    for (int i = 0; i < LogFilter.MAX_NODES; i++) {
      deep = Values.array(Values.str("&&"), deep, filter("empty"));
    }
    assertEquals(ErrorCode.TOO_BIG, refused(LoggingService.SET_FILTER, Values.str("app/echo"), deep, Values.integer(60)).code());

    assertEquals(ErrorCode.INVALID_ARGUMENT, refused(LoggingService.SET_FILTER, Values.str("app/echo"),
        filter("severity", 1), Values.integer(0)).code());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused(LoggingService.SET_FILTER, Values.str(""),
        filter("severity", 1), Values.integer(60)).code());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused(LoggingService.REMOVE_FILTER, Values.str("42")).code());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused(LoggingService.EMIT_ACK, Values.integer(9), Values.str("app/echo"),
        Values.str("bad level")).code());

    assertEquals(Values.array(), one(LoggingService.LIST_FILTERS), "nothing was set");
    assertTrue(emitAck(1, "app/echo", "still serving", "w1"));
  }

  @Test
  void withATokenTheMethodsThatChangeFiltersNeedItAndTheOthersDoNot() throws Exception {
    service = service(AccessToken.of("t0ken", Set.of()));
    CocaineException none = refused(LoggingService.SET_FILTER, Values.str("app/echo"), filter("severity", 3),
        Values.integer(60));
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, none.code());
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, refused(LoggingService.SET_CLUSTER_FILTER, Values.str("app/echo"),
        filter("severity", 3), Values.integer(60)).code());
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, refused(LoggingService.REMOVE_FILTER, Values.integer(1)).code());
    assertTrue(emitAck(1, "app/echo", "emit_ack needs no token", "w1"));
    assertEquals(Values.array(), one(LoggingService.LIST_FILTERS));
    assertEquals(ErrorCode.TOKEN_NOT_FOUND, refused(LoggingService.READ, Values.integer(0)).code(),
        "read shows workers' output, as crashlogs do");

    List<Message> set = callWith(List.of(AccessToken.header("t0ken")), LoggingService.SET_FILTER, Values.str("app/echo"),
        filter("severity", 3), Values.integer(60));
    assertEquals(Graph.VALUE, set.get(0).type(), set.toString());
  }

  @Test
  void readStreamsTheRingsMatchingLinesWithTheirPositionsThenCloses() throws Exception {
    for (int i = 0; i < 5; i++) {
      emitAck(i % 2 == 0 ? 1 : 3, "app/echo", "line " + i, "w1");
    }
    emitAck(3, "app/other", "not echo", "w1");
    Value query = Values.fromJava(Map.of("app", "echo", "level", 3));
    List<Message> lines = new ArrayList<>();
    await("the ring's writer has the lines").atMost(Duration.ofSeconds(10)).until(() -> {
      lines.clear();
      lines.addAll(call(LoggingService.READ, Values.integer(0), query));
      return lines.size() == 3;
    });
    assertEquals(Graph.WRITE, lines.get(0).type());
    assertEquals(List.of(Values.integer(1), Values.integer(3)),
        List.of(lines.get(0).args().get(0), lines.get(1).args().get(0)));
    assertEquals("line 3", Values.asString(lines.get(1).args().get(4)));
    assertEquals(Values.integer(3), lines.get(1).args().get(2));
    assertEquals("w1", Values.toJava(lines.get(1).args().get(5)) instanceof Map<?, ?> m ? m.get("worker") : null);
    assertEquals(Graph.CLOSE, lines.get(2).type());

    List<Message> from2 = call(LoggingService.READ, Values.integer(2), query);
    assertEquals(List.of(Values.integer(3)), List.of(from2.get(0).args().get(0)), "from a position on");
  }

  @Test
  void readRefusesABadQueryAndANodeWithoutARingSaysSo() throws Exception {
    CocaineException badKey = refused(LoggingService.READ, Values.integer(0), Values.fromJava(Map.of("colour", "red")));
    assertEquals(ErrorCode.INVALID_ARGUMENT, badKey.code());
    assertTrue(badKey.getMessage().contains("unknown key 'colour'"), badKey.getMessage());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused(LoggingService.READ, Values.integer(0),
        Values.fromJava(Map.of("level", "loud"))).code());

    service = new LoggingService(testKit.system(), logging, Duration.ofSeconds(5));
    CocaineException noRing = refused(LoggingService.READ, Values.integer(0));
    assertEquals(ErrorCode.NOT_FOUND, noRing.code());
    assertTrue(noRing.getMessage().contains("keeps no log ring"), noRing.getMessage());
  }

  @Test
  void aFollowingReadSendsNewLinesAsTheyCome() throws Exception {
    emitAck(1, "app/echo", "old", "w1");
    var probe = Dispatched.open(service, new ChannelContext(1, "test", 1),
            Message.of(LoggingService.READ, Values.integer(0), Values.fromJava(Map.of("app", "echo")), Values.bool(true)),
            Source.empty())
        .take(2).runWith(Sink.seq(), testKit.system()).toCompletableFuture();
    emitAck(1, "app/echo", "new", "w1");
    List<Message> got = probe.get(10, TimeUnit.SECONDS);
    assertEquals(List.of("old", "new"), got.stream().map(m -> Values.asString(m.args().get(4))).toList());
    assertEquals(List.of(Values.integer(0), Values.integer(1)), got.stream().map(m -> m.args().get(0)).toList());
  }
}
