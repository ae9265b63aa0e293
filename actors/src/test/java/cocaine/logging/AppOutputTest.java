package cocaine.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestKitJUnit5Extension.class)
class AppOutputTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @Test
  void workerLinesBecomeInfoRecordsOfTheAppsSource() {
    TestProbe<Logging.Command> logging = testKit.createTestProbe();
    Instant now = Instant.parse("2024-01-02T03:04:05Z");
    new AppOutput(logging.ref(), Clock.fixed(now, ZoneOffset.UTC)).line("echo", "3f1c", "Traceback (most recent call last):");

    Logging.Emit emit = logging.expectMessageClass(Logging.Emit.class);
    assertEquals(new LogRecord(now, Severity.INFO, "app/echo", "Traceback (most recent call last):",
        Map.of("worker", "3f1c", "stream", "output")), emit.record());
  }
}
