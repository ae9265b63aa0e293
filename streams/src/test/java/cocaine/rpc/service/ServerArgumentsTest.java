package cocaine.rpc.service;

import static cocaine.wire.Signature.Type.INT;
import static cocaine.wire.Signature.Type.STR;
import static cocaine.wire.Signature.optional;
import static cocaine.wire.Signature.required;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Signature;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.stream.testkit.javadsl.TestSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.msgpack.value.Value;
import org.slf4j.LoggerFactory;

/**
 * The connection layer decodes each call's arguments with its method's signature, as the original's
 * tuple decoder does (docs/protocol.md 2.6): extras ignored and told once per method and connection,
 * nil for an optional argument is absent, a missing or mistyped one is refused with [7, 2].
 */
@Timeout(60)
class ServerArgumentsTest {
  static final int CALL = 0;
  static final int NOTE = 1;
  static final int STREAM = 2;

  /** Answers each call with the arguments it saw; records each note's. */
  static final class ArgsService implements Service {
    final ConcurrentLinkedQueue<List<Value>> notes = new ConcurrentLinkedQueue<>();

    @Override
    public String name() {
      return "args";
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public Protocol protocol() {
      return Protocol.builder()
          .method(CALL, "call", Signature.of(required("name", STR), optional("seed", STR)), Graph.TERMINAL, Graph.PRIMITIVE)
          .method(NOTE, "note", Signature.of(required("level", INT)), Graph.TERMINAL, Graph.TERMINAL)
          .method(STREAM, "stream", Signature.of(required("event", STR)), Graph.STREAMING, Graph.STREAMING)
          .build();
    }

    @Override
    public Source<Message, NotUsed> open(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
      switch (first.type()) {
        case CALL:
          return Source.single(Message.value(Values.array(first.args())));
        case NOTE:
          notes.add(first.args());
          return Source.empty();
        default:
          return rest.filter(m -> m.type() == Graph.WRITE).map(m -> Message.write(m.args().toArray(new Value[0])))
              .concat(Source.single(Message.close()));
      }
    }
  }

  final ArgsService service = new ArgsService();
  final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  TestPublisher.Probe<Frame> client;
  TestSubscriber.Probe<Frame> replies;

  @BeforeEach
  void connect() {
    logged.start();
    logger().addAppender(logged);
    Pair<TestPublisher.Probe<Frame>, TestSubscriber.Probe<Frame>> ends = TestSource.<Frame>probe(TestSystem.classic())
        .via(Flow.fromGraph(new ServerChannels(service, new ConnectionSettings(1 << 20, 16, 64), 1, "10.0.0.7:4000")))
        .toMat(TestSink.probe(TestSystem.classic()), Keep.both())
        .run(TestSystem.get());
    client = ends.first();
    replies = ends.second();
    replies.request(100);
  }

  @AfterEach
  void disconnect() {
    client.sendComplete();
    logger().detachAppender(logged);
  }

  private static Logger logger() {
    return (Logger) LoggerFactory.getLogger(ServerConnection.class);
  }

  private Frame call(long channel, int method, Value... args) {
    client.sendNext(Message.of(method, args).on(channel));
    return replies.expectNext(Duration.ofSeconds(10));
  }

  private List<String> lines(String fragment) {
    return logged.list.stream().map(ILoggingEvent::getFormattedMessage).filter(l -> l.contains(fragment)).toList();
  }

  @Test
  void extraArgumentsAreIgnoredAndToldOncePerMethodOnAConnection() {
    assertEquals(Message.value(Values.array(Values.str("uid"), Values.str("seed"))).on(1),
        call(1, CALL, Values.str("uid"), Values.str("seed"), Values.bool(true)));
    assertEquals(Message.value(Values.array(Values.str("uid"), Values.str("seed"))).on(2),
        call(2, CALL, Values.str("uid"), Values.str("seed"), Values.bool(true), Values.integer(9)));
    List<String> told = lines("args.call from 10.0.0.7:4000 ignores");
    assertEquals(1, told.size(), "one line per method and connection, not per call: " + told);
    assertTrue(told.get(0).contains("1 argument(s) (bool) beyond (name: str, seed: str?)"), told.get(0));
  }

  @Test
  void nilForAnOptionalArgumentIsAbsent() {
    assertEquals(Message.value(Values.array(Values.str("uid"))).on(1), call(1, CALL, Values.str("uid"), Values.nil()));
    assertEquals(List.of(), lines("ignores"));
  }

  @Test
  void aMissingRequiredArgumentIsRefusedNamingItAndTheConnectionGoesOn() {
    CocaineException e = Message.of(Graph.ERROR, call(1, CALL).args().toArray(new Value[0])).toException();
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("args.call expects (name: str, seed: str?), got (): missing 'name'", e.getMessage());
    assertEquals(1, lines("refused a call from 10.0.0.7:4000").size());
    assertEquals(Message.value(Values.array(Values.str("next"))).on(2), call(2, CALL, Values.str("next")));
  }

  @Test
  void aMistypedArgumentIsRefusedNamingIt() {
    Frame reply = call(1, CALL, Values.integer(5));
    assertEquals(Graph.ERROR, reply.type());
    assertEquals("args.call expects (name: str, seed: str?), got (int): 'name' must be str, got int",
        Values.asString(reply.args().get(1)));
  }

  @Test
  void aRefusedNoReplyCallIsLoggedNotAnsweredAndTheNextOneServed() {
    client.sendNext(Message.of(NOTE, Values.str("loud")).on(1));
    client.sendNext(Message.of(NOTE, Values.integer(2), Values.str("extra")).on(2));
    assertEquals(Message.value(Values.array(Values.str("after"))).on(3), call(3, CALL, Values.str("after")));
    assertEquals(List.of(List.of(Values.integer(2))), List.copyOf(service.notes));
    assertEquals(1, lines("refused a call from 10.0.0.7:4000 on channel 1").size());
  }

  @Test
  void aRefusedStreamGetsOneErrorAndItsLaterMessagesAreDropped() {
    Frame reply = call(1, STREAM);
    assertEquals(Graph.ERROR, reply.type());
    client.sendNext(Message.write(Values.str("chunk")).on(1));
    client.sendNext(Message.close().on(1));
    client.sendNext(Message.of(STREAM, Values.str("event"), Values.str("tag")).on(2));
    client.sendNext(Message.write(Values.str("ok")).on(2));
    // the refused channel's write and close got no answer: the next frame is the new channel's
    assertEquals(Message.write(Values.str("ok")).on(2), replies.expectNext(Duration.ofSeconds(10)));
  }
}
