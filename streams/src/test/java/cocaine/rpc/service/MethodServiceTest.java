package cocaine.rpc.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** One call per channel: refusals answered with their code and logged once, failed answers mapped. */
@Timeout(30)
class MethodServiceTest {
  static final int ANSWER = 0;
  static final int REFUSE = 1;
  static final int FAIL = 2;
  static final int CRASH = 3;
  static final int SLOW = 4;
  static final Duration ASK_TIMEOUT = Duration.ofMillis(250);

  /** Serves each method with one of the base's ways to answer. */
  static final class Probe extends MethodService {
    Probe() {
      super("probe", 3, Protocol.builder()
          .method(ANSWER, "answer", Graph.TERMINAL, Graph.PRIMITIVE)
          .method(REFUSE, "refuse", Graph.TERMINAL, Graph.PRIMITIVE)
          .method(FAIL, "fail", Graph.TERMINAL, Graph.PRIMITIVE)
          .method(CRASH, "crash", Graph.TERMINAL, Graph.PRIMITIVE)
          .method(SLOW, "slow", Graph.TERMINAL, Graph.PRIMITIVE)
          .build());
    }

    @Override
    protected Source<Message, NotUsed> call(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
      return switch (first.type()) {
        case ANSWER -> reply(channel, CompletableFuture.completedFuture(Message.value(Values.str("ok"))));
        case REFUSE -> throw new CocaineException(ErrorCode.UNAUTHORIZED, "probe.refuse was refused");
        case FAIL -> reply(channel, CompletableFuture.supplyAsync(() -> {
          throw new CocaineException(ErrorCode.INVALID_ARGUMENT, "probe.fail failed late");
        }));
        case CRASH -> reply(channel, CompletableFuture.supplyAsync(() -> {
          throw new IllegalStateException("broken");
        }));
        case SLOW -> replyWithin(ASK_TIMEOUT, new CompletableFuture<Message>()
            .orTimeout(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        default -> throw noMethod(first);
      };
    }
  }

  final Probe service = new Probe();
  final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  final ChannelContext channel = new ChannelContext(1, "10.0.0.7:4000", 5);

  @BeforeEach
  void listen() {
    logged.start();
    logger().addAppender(logged);
  }

  @AfterEach
  void stopListening() {
    logger().detachAppender(logged);
  }

  /** The concrete service's logger: its lines keep its name. */
  private static Logger logger() {
    return (Logger) LoggerFactory.getLogger(Probe.class);
  }

  private List<Message> call(int method) throws Exception {
    return service.open(channel, Message.of(method), Source.empty())
        .runWith(Sink.seq(), TestSystem.get()).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static CocaineException error(List<Message> replies) {
    assertEquals(1, replies.size(), replies.toString());
    assertEquals(Graph.ERROR, replies.get(0).type(), replies.toString());
    return replies.get(0).toException();
  }

  private List<String> lines(String fragment) {
    return logged.list.stream().map(ILoggingEvent::getFormattedMessage).filter(l -> l.contains(fragment)).toList();
  }

  @Test
  void nameVersionAndProtocolAreTheOnesItWasMadeWith() {
    assertEquals("probe", service.name());
    assertEquals(3, service.version());
    assertEquals("slow", service.protocol().method(SLOW).name());
  }

  @Test
  void anAnswerIsTheCallsOneReply() throws Exception {
    assertEquals(List.of(Message.value(Values.str("ok"))), call(ANSWER));
    assertEquals(List.of(), logged.list);
  }

  @Test
  void aRefusedCallIsAnsweredWithItsCodeAndLoggedOnceWithItsPeer() throws Exception {
    CocaineException e = error(call(REFUSE));
    assertEquals(ErrorCode.UNAUTHORIZED, e.code());
    assertEquals("probe.refuse was refused", e.getMessage());
    assertEquals(List.of("probe: refused a call from 10.0.0.7:4000: probe.refuse was refused"),
        lines("refused a call"));
  }

  @Test
  void aMethodItDoesNotServeIsRefusedAsSlotNotFound() throws Exception {
    CocaineException e = error(call(42));
    assertEquals(ErrorCode.SLOT_NOT_FOUND, e.code());
    assertEquals("probe has no method 42", e.getMessage());
    assertEquals(1, lines("refused a call from 10.0.0.7:4000: probe has no method 42").size());
  }

  @Test
  void anAnswerThatFailsWithACodeIsAnsweredWithThatCode() throws Exception {
    CocaineException e = error(call(FAIL));
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("probe.fail failed late", e.getMessage());
    assertEquals(List.of(), lines("unexpected failure"));
  }

  @Test
  void anyOtherFailureIsAnsweredUncaughtAndLoggedWithItsStack() throws Exception {
    CocaineException e = error(call(CRASH));
    assertEquals(ErrorCode.UNCAUGHT, e.code());
    assertEquals("probe failed: java.lang.IllegalStateException: broken", e.getMessage());
    List<ILoggingEvent> failures = logged.list.stream()
        .filter(l -> l.getFormattedMessage().equals("probe: unexpected failure serving 10.0.0.7:4000")).toList();
    assertEquals(1, failures.size(), logged.list.toString());
    assertEquals(IllegalStateException.class.getName(), failures.get(0).getThrowableProxy().getClassName());
  }

  @Test
  void anAskThatGetsNoAnswerIsATimeoutNamingTheServiceAndItsTime() throws Exception {
    CocaineException e = error(call(SLOW));
    assertEquals(ErrorCode.TIMEOUT, e.code());
    assertEquals("probe did not answer within 250 ms: " + TimeoutException.class.getName(), e.getMessage());
  }
}
