package cocaine.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestKitJUnit5Extension.class)
class LoggingTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  /** Records what reaches it, for the test thread to take. */
  static final class Recording implements Sink {
    final LinkedBlockingQueue<LogRecord> records = new LinkedBlockingQueue<>();
    volatile boolean closed;

    @Override
    public void accept(LogRecord record) {
      records.add(record);
    }

    @Override
    public void close() {
      closed = true;
    }

    LogRecord next() throws InterruptedException {
      LogRecord r = records.poll(5, TimeUnit.SECONDS);
      if (r == null) {
        throw new AssertionError("no record reached the sink");
      }
      return r;
    }
  }

  static LogRecord record(Severity severity, String message) {
    return new LogRecord(Instant.EPOCH, severity, "app/echo", message, Map.of());
  }

  @Test
  void recordsBelowTheVerbosityAreDroppedAndTheOthersReachEverySink() throws Exception {
    Recording a = new Recording();
    Recording b = new Recording();
    ActorRef<Logging.Command> logging = testKit.spawn(Logging.create(Severity.INFO, List.of(a, b)));

    logging.tell(new Logging.Emit(record(Severity.DEBUG, "hidden")));
    logging.tell(new Logging.Emit(record(Severity.INFO, "shown")));
    logging.tell(new Logging.Emit(record(Severity.ERROR, "also shown")));

    assertEquals("shown", a.next().message());
    assertEquals("also shown", a.next().message());
    assertEquals("shown", b.next().message());
    assertEquals("also shown", b.next().message());
    assertTrue(a.records.isEmpty());
  }

  @Test
  void setVerbosityChangesTheFilterAndIsReported() throws Exception {
    Recording sink = new Recording();
    ActorRef<Logging.Command> logging = testKit.spawn(Logging.create(Severity.ERROR, List.of(sink)));
    TestProbe<Logging.Verbosity> probe = testKit.createTestProbe();

    logging.tell(new Logging.GetVerbosity(probe.ref()));
    probe.expectMessage(new Logging.Verbosity(Severity.ERROR));
    logging.tell(new Logging.Emit(record(Severity.DEBUG, "dropped")));
    logging.tell(new Logging.SetVerbosity(Severity.DEBUG, probe.ref()));
    probe.expectMessage(new Logging.Verbosity(Severity.DEBUG));
    logging.tell(new Logging.Emit(record(Severity.DEBUG, "kept")));

    assertEquals("kept", sink.next().message());
    logging.tell(new Logging.GetVerbosity(probe.ref()));
    probe.expectMessage(new Logging.Verbosity(Severity.DEBUG));
  }

  @Test
  void stoppingTheActorClosesItsSinks() {
    Recording sink = new Recording();
    ActorRef<Logging.Command> logging = testKit.spawn(Logging.create(Severity.INFO, List.of(sink)));
    testKit.stop(logging);
    assertTrue(sink.closed);
  }

  @Test
  void consoleLineIsOneLineEvenWithNewlinesInTheMessage() {
    LogRecord r = new LogRecord(Instant.parse("2024-01-02T03:04:05Z"), Severity.WARNING, "app/echo", "two\nlines",
        new java.util.LinkedHashMap<>(Map.of("uuid", "3f1c")));
    assertEquals("2024-01-02T03:04:05Z WARNING [app/echo] two\\nlines uuid=3f1c", ConsoleSink.format(r));
  }
}
