package cocaine.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class AccessLogBufferTest {
  private final ListAppender<ILoggingEvent> access = new ListAppender<>();
  private final ListAppender<ILoggingEvent> warnings = new ListAppender<>();

  @BeforeEach
  void listen() {
    access.start();
    warnings.start();
    ((Logger) LoggerFactory.getLogger("cocaine.proxy.access")).addAppender(access);
    ((Logger) LoggerFactory.getLogger(AccessLogBuffer.class)).addAppender(warnings);
  }

  @AfterEach
  void detach() {
    ((Logger) LoggerFactory.getLogger("cocaine.proxy.access")).detachAppender(access);
    ((Logger) LoggerFactory.getLogger(AccessLogBuffer.class)).detachAppender(warnings);
  }

  private static String line(int i) {
    return "POST /http-echo/echo -> 200 app=http-echo id=" + String.format("%016x", i) + " ms=1 event=echo";
  }

  /** What an output got, line by line. */
  private static final class Collected implements AccessLogBuffer.Output {
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void write(StringBuilder buffer) {
      String s = buffer.toString();
      assertTrue(s.endsWith("\n"), "a buffer ends with its last line's newline");
      lines.addAll(List.of(s.substring(0, s.length() - 1).split("\n", -1)));
    }
  }

  @Test
  void aBufferReachesTheRuntimeLogAsRecordsTheLogRingKeepsWhole() {
    StringBuilder buffer = new StringBuilder();
    List<String> sent = new ArrayList<>();
    for (int i = 0; buffer.length() < 64 * 1024; i++) {
      sent.add(line(i));
      buffer.append(line(i)).append('\n');
    }
    String longLine = "GET /" + "x".repeat(AccessLogBuffer.RECORD_CHARS + 10) + " -> 404 app=null id=1 ms=0 error=no";
    sent.add(longLine);
    buffer.append(longLine).append('\n');
    sent.add(line(-1));
    buffer.append(line(-1)).append('\n');

    AccessLogBuffer.toRuntimeLog(buffer);

    List<String> got = new ArrayList<>();
    for (ILoggingEvent e : access.list) {
      String record = e.getFormattedMessage();
      assertTrue(record.length() <= AccessLogBuffer.RECORD_CHARS || !record.contains("\n"),
          "a record of " + record.length() + " characters holds more than one line");
      got.addAll(List.of(record.split("\n", -1)));
    }
    assertTrue(access.list.size() >= 5, "64 KiB of lines in records of 16 KiB: " + access.list.size());
    assertEquals(sent, got);
  }

  @Test
  void aWriterBehindCostsCountedLinesNeverARequestsWait() {
    CountDownLatch stuck = new CountDownLatch(1);
    Collected collected = new Collected();
    AccessLogBuffer.Output slow = buffer -> {
      try {
        stuck.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      collected.write(buffer);
    };
    try (AccessLogBuffer buffer = new AccessLogBuffer(slow, 1000, 50)) {
      assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
        for (int i = 0; i < 2000; i++) {
          buffer.append(line(i));
        }
      });
      long dropped = buffer.dropped();
      assertTrue(dropped > 1000, "the writer holds one buffer and two wait; the rest is dropped: " + dropped);
      stuck.countDown();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertEquals(2000, collected.lines.size() + buffer.dropped(), "every line written or counted");
        assertTrue(warnings.list.stream().anyMatch(e -> e.getFormattedMessage().contains(dropped + " lines dropped")),
            "the drops are reported: " + warnings.list);
      });
    }
  }

  @Test
  void aLineWaitsAtMostTheFlushPeriod() {
    Collected collected = new Collected();
    try (AccessLogBuffer buffer = new AccessLogBuffer(collected, 64 * 1024, 100)) {
      buffer.append(line(1));
      await().atMost(Duration.ofSeconds(5)).until(() -> collected.lines.equals(List.of(line(1))));
    }
  }

  @Test
  void closingWritesWhatIsBuffered() {
    Collected collected = new Collected();
    AccessLogBuffer buffer = new AccessLogBuffer(collected, 64 * 1024, Duration.ofHours(1).toMillis());
    buffer.append(line(1));
    buffer.append(line(2));
    buffer.close();
    assertEquals(List.of(line(1), line(2)), collected.lines);
  }
}
