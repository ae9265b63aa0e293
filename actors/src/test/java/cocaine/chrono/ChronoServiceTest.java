package cocaine.chrono;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocaine.client.ClientChannel;
import cocaine.client.ServiceClient;
import cocaine.rpc.service.Served;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.msgpack.value.Value;

/** The chrono service over the real transport: one-shot and periodic timers, cancel, restart, bounds, refused input. */
@ExtendWith(TestKitJUnit5Extension.class)
class ChronoServiceTest {
  static final Duration WAIT = Duration.ofSeconds(10);

  @JUnit5TestKit ActorTestKit kit = new JUnit5TestKitBuilder().build();
  ActorRef<Chrono.Command> chrono;
  Served served;
  ServiceClient client;

  @BeforeEach
  void start() throws Exception {
    chrono = kit.spawn(Chrono.create(3));
    served = Served.bind(kit.system(),
        new ChronoService(kit.system(), chrono, Duration.ofMillis(10), Duration.ofSeconds(5)));
    client = served.client();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    served.close();
  }

  int timers() {
    var probe = kit.<Integer>createTestProbe();
    chrono.tell(new Chrono.GetCount(probe.ref()));
    return probe.receiveMessage();
  }

  long idOf(Message write) {
    assertEquals(Graph.WRITE, write.type(), write.toString());
    return Values.asLong(write.args().get(0));
  }

  ErrorCode refused(String method, Object... args) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> client.call(method, args).get(10, TimeUnit.SECONDS));
    return ((CocaineException) e.getCause()).code();
  }

  @Test
  void notifyAfterSendsItsIdAtOnceThenAtTheTickThenCloses() {
    ClientChannel timer = client.stream("notify_after", 0.05, true);
    long id = idOf(timer.receive(WAIT));
    assertEquals(id, idOf(timer.receive(WAIT)));
    assertEquals(Graph.CLOSE, timer.receive(WAIT).type());
    await().until(() -> timers() == 0);
  }

  @Test
  void notifyEveryTicksUntilCancelledFromAnotherChannel() throws Exception {
    ClientChannel timer = client.stream("notify_every", 0.02);
    long id = idOf(timer.receive(WAIT));
    assertEquals(id, idOf(timer.receive(WAIT)));
    assertEquals(id, idOf(timer.receive(WAIT)));
    assertEquals(List.of(), client.call("restart", id).get(10, TimeUnit.SECONDS));
    assertEquals(List.of(), client.call("cancel", id).get(10, TimeUnit.SECONDS));
    Message last;
    do {
      last = timer.receive(WAIT);
      assertNotNull(last, "the cancelled timer's channel closes");
    } while (last.type() == Graph.WRITE);
    assertEquals(Graph.CLOSE, last.type());
    assertEquals(0, timers());
    // cancelling a timer that is gone answers as the original: nothing to do
    assertEquals(List.of(), client.call("cancel", id).get(10, TimeUnit.SECONDS));
    assertEquals(ErrorCode.NOT_FOUND, refused("restart", id));
  }

  @Test
  void aTimerIsReleasedWhenItsConnectionCloses() throws Exception {
    try (ServiceClient other = served.client()) {
      ClientChannel timer = other.stream("notify_every", 60.0, true);
      idOf(timer.receive(WAIT));
      assertEquals(1, timers());
    }
    await().until(() -> timers() == 0);
  }

  @Test
  void oneConnectionHoldsAtMostItsBoundOfTimers() {
    for (int i = 0; i < 3; i++) {
      idOf(client.stream("notify_every", 60.0, true).receive(WAIT));
    }
    Message refusal = client.stream("notify_after", 60.0, true).receive(WAIT);
    assertEquals(Graph.ERROR, refusal.type(), refusal.toString());
    assertEquals(ErrorCode.TRY_AGAIN, refusal.toException().code());
    assertEquals(3, timers());
  }

  @Test
  void wrongTypesAndOutOfRangeIntervalsAreRefused() {
    assertEquals(ErrorCode.INVALID_ARGUMENT, refusedStream("notify_after", "soon"));
    assertEquals(ErrorCode.INVALID_ARGUMENT, refusedStream("notify_after"));
    assertEquals(ErrorCode.INVALID_ARGUMENT, refusedStream("notify_every", -1.0));
    assertEquals(ErrorCode.INVALID_ARGUMENT, refusedStream("notify_every", 0.001));
    assertEquals(ErrorCode.INVALID_ARGUMENT, refusedStream("notify_every", Double.NaN));
    assertEquals(ErrorCode.INVALID_ARGUMENT, refusedStream("notify_after", 1e12));
    assertEquals(ErrorCode.INVALID_ARGUMENT, refusedStream("notify_after", 1.0, "yes"));
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("cancel", "id"));
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("restart"));
    assertEquals(0, timers());
  }

  ErrorCode refusedStream(String method, Object... args) {
    Message m = client.stream(method, args).receive(WAIT);
    assertEquals(Graph.ERROR, m.type(), m.toString());
    return m.toException().code();
  }

  @Test
  void rawFramesTickWithAnIntegerIntervalAndExtrasIgnored() throws Exception {
    try (WireClient raw = new WireClient(served.port())) {
      long ch = raw.open(Message.of(ChronoService.NOTIFY_AFTER, Values.integer(0), Values.bool(true), Values.str("extra")));
      Frame refused = raw.next(ch);
      assertEquals(ErrorCode.INVALID_ARGUMENT, refused.message().toException().code(), "0 s is below min-interval");
      long timer = raw.open(Message.of(ChronoService.NOTIFY_AFTER, Values.integer(1), Values.bool(true), Values.str("extra")));
      Value id = raw.next(timer).args().get(0);
      assertEquals(Message.write(id).on(timer), raw.next(timer));
      assertEquals(Message.close().on(timer), raw.next(timer));
    }
  }
}
