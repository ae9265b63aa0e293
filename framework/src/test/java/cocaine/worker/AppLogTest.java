package cocaine.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.FakeService;
import cocaine.client.Locator;
import cocaine.wire.Frame;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Values;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AppLogTest {
  static final Duration WAIT = Duration.ofSeconds(5);
  static final Protocol LOGGING = Protocol.builder()
      .method(0, "emit", Graph.TERMINAL, Graph.TERMINAL)
      .method(1, "verbosity", Graph.TERMINAL, Graph.PRIMITIVE)
      .build();

  final List<AutoCloseable> closeables = new ArrayList<>();
  final BlockingQueue<String> stderr = new LinkedBlockingQueue<>();
  final AtomicLong now = new AtomicLong();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  <T extends AutoCloseable> T track(T c) {
    closeables.add(c);
    return c;
  }

  /** A locator that resolves {@code logging} to the given port on 127.0.0.1. */
  FakeService locator(int loggingPort) throws Exception {
    return track(new FakeService((f, peer) -> peer.send(f.channel(), Message.value(
        Values.array(Values.array(Values.str("127.0.0.1"), Values.integer(loggingPort))), Values.integer(1),
        LOGGING.toValue()))));
  }

  AppLog log(int locatorPort) {
    return track(new AppLog("echo", List.of(new Locator.Endpoint("127.0.0.1", locatorPort)), now::get, stderr::add));
  }

  @Test
  void aRecordReachesTheLoggingServiceAsTheAppsSourceWithItsAttributes() throws Exception {
    FakeService logging = track(new FakeService((f, peer) -> { }));
    AppLog log = log(locator(logging.port()).port());
    log.info("worker started", Map.of("version", "7"));
    log.warning("odd", Map.of("what", List.of(1, 2)));
    Frame first = logging.next(WAIT);
    assertEquals(0, first.type());
    assertEquals(List.of(Values.integer(1), Values.str("app/echo"), Values.str("worker started"),
        Values.array(Values.array(Values.str("version"), Values.str("7")))), first.args());
    // a value the service cannot take is sent as its text
    assertEquals(List.of(Values.integer(2), Values.str("app/echo"), Values.str("odd"),
        Values.array(Values.array(Values.str("what"), Values.str("[1, 2]")))), logging.next(WAIT).args());
    assertEquals("app/echo", log.source());
  }

  @Test
  void withTheLocatorUnreachableARecordGoesToTheFallback() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    log(closed).error("disk full", Map.of());
    String line = stderr.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertTrue(line != null && line.startsWith("app/echo ERROR disk full (the logging service is unreachable: locator"
        + " 127.0.0.1:" + closed), String.valueOf(line));
  }

  @Test
  void aConnectionIsTriedAgainOnlyOnceRetryHasPassed() throws Exception {
    FakeService logging = track(new FakeService((f, peer) -> { }));
    AtomicBoolean published = new AtomicBoolean();
    FakeService loc = track(new FakeService((f, peer) -> peer.send(f.channel(), published.get()
        ? Message.value(Values.array(Values.array(Values.str("127.0.0.1"), Values.integer(logging.port()))),
            Values.integer(1), LOGGING.toValue())
        : Message.error(ErrorCode.SERVICE_NOT_AVAILABLE, "service is not available"))));
    AppLog log = log(loc.port());
    log.info("a", Map.of());
    String a = stderr.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertTrue(a != null && a.startsWith("app/echo INFO a (the logging service is unreachable: locator 127.0.0.1:"
        + loc.port()) && a.contains("service is not available"), String.valueOf(a));

    published.set(true);
    log.info("b", Map.of()); // within RETRY of the failed attempt: not asked again
    String b = stderr.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertTrue(b != null && b.startsWith("app/echo INFO b (the logging service is unreachable"), String.valueOf(b));

    now.addAndGet(AppLog.RETRY.toNanos());
    log.info("c", Map.of());
    Frame c = logging.next(WAIT);
    assertEquals(List.of(Values.integer(1), Values.str("app/echo"), Values.str("c")), c.args());
    assertEquals(List.of(), new ArrayList<>(stderr));
  }

  @Test
  void whenTheQueueIsFullRecordsAreDroppedAndCountedNotBlocked() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AppLog log = track(new AppLog("echo", List.of(), now::get, line -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    log.info("blocks the sender", Map.of());
    // the sender's thread took the first; QUEUE more wait; the rest are dropped
    for (int i = 0; i < AppLog.QUEUE + 10; i++) {
      log.debug("line " + i, Map.of());
    }
    assertEquals(10, log.dropped());
    release.countDown();
  }

  @Test
  void aLevelOutsideDebugToErrorIsRefused() {
    AppLog log = track(new AppLog("echo", List.of(), now::get, stderr::add));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> log.emit(4, "x", Map.of()));
    assertEquals("level must be 0 (debug) .. 3 (error), got 4", e.getMessage());
  }
}
