package cocaine.logging;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class LostEmitsTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void everyEmitIsEitherWrittenOrCountedWhenTheQueueOverflows() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicLong written = new AtomicLong();
    Sink slow = new Sink() {
      @Override
      public void accept(LogRecord record) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        written.incrementAndGet();
      }

      @Override
      public void close() {}
    };
    ActorRef<LostEmits.Command> lost = testKit.spawn(LostEmits.create(Duration.ofMillis(100)));
    TestProbe<Long> probe = testKit.createTestProbe();
    // The event-stream subscription is asynchronous: publish marker dead letters until one is counted.
    Logging.Emit marker = new Logging.Emit(new LogRecord(Instant.now(), Severity.INFO, "test", "marker", Map.of()));
    org.apache.pekko.actor.ActorRef nobody =
        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(testKit.system()).deadLetters();
    // Each marker is counted too, some only after the loop: count them all instead of reading a total now.
    AtomicLong markers = new AtomicLong();
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      markers.incrementAndGet();
      testKit.system().eventStream().tell(new EventStream.Publish<>(
          new DeadLetter(marker, nobody, nobody)));
      lost.tell(new LostEmits.GetTotal(probe.ref()));
      return probe.receiveMessage() > 0;
    });
    ActorRef<Logging.Command> logging = testKit.spawn(Logging.create(Severity.DEBUG, List.of(slow)), "logging-under-test",
        Logging.mailbox(4));
    int sent = 200;
    for (int i = 0; i < sent; i++) {
      logging.tell(new Logging.Emit(new LogRecord(Instant.now(), Severity.INFO, "test", "line " + i, Map.of())));
    }
    release.countDown();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      lost.tell(new LostEmits.GetTotal(probe.ref()));
      long refused = probe.receiveMessage() - markers.get();
      assertEquals(sent, written.get() + refused, "written " + written.get() + " + refused " + refused);
    });
    assertTrue(written.get() < sent, "the bounded queue refused some");
  }
}
