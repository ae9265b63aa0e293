package cocaine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import cocaine.worker.FakeRuntime;
import cocaine.worker.Worker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessagePack;
import org.msgpack.value.Value;

/** Each example app's events, served in-process against the framework's fake runtime. */
class ExamplesTest {
  static final Duration WAIT = Duration.ofSeconds(10);

  FakeRuntime runtime;

  @BeforeEach
  void setUp() throws IOException {
    runtime = FakeRuntime.start();
  }

  @AfterEach
  void tearDown() throws IOException {
    runtime.close();
  }

  void serve(Worker worker) {
    CompletableFuture.runAsync(() -> {
      try {
        worker.run();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }, r -> {
      Thread t = new Thread(r, "example-worker");
      t.setDaemon(true);
      t.start();
    });
  }

  Worker worker(String app) {
    return Worker.create(runtime.settings(app, "u-1"));
  }

  /** Serves {@code worker} and sends it one request on channel 2: {@code event}, each chunk (text or bytes), close. */
  void request(Worker worker, String event, Object... chunks) {
    serve(worker);
    runtime.invoke(2, event);
    for (Object chunk : chunks) {
      if (chunk instanceof byte[] bytes) {
        runtime.write(2, bytes);
      } else {
        runtime.write(2, (String) chunk);
      }
    }
    runtime.close(2);
  }

  static byte[] httpHead(String method, String uri, String body) {
    return FrameEncoder.encodeValue(Values.array(Values.str(method), Values.str(uri), Values.str("1.1"),
        Values.array(Values.array(Values.str("Host"), Values.str("localhost"))), Values.str(body)));
  }

  static Value unpack(Frame f) throws IOException {
    return MessagePack.newDefaultUnpacker(Values.asBytes(f.args().get(0))).unpackValue();
  }

  static String body(List<Frame> replies) {
    StringBuilder sb = new StringBuilder();
    for (Frame f : replies.subList(1, replies.size())) {
      if (f.type() == 0) {
        sb.append(new String(Values.asBytes(f.args().get(0)), StandardCharsets.UTF_8));
      }
    }
    return sb.toString();
  }

  @Test
  void echoPingEchoesEveryChunk() throws Exception {
    request(Echo.register(worker("echo"), Duration.ofMillis(1)), "ping", "a", "b");
    assertEquals(List.of("a", "b"), FakeRuntime.texts(runtime.replies(2, WAIT)));
  }

  @Test
  void echoRelayRefusesAnEmptyBodyAndAnUnreachableLocatorWithClearErrors() throws Exception {
    serve(Echo.register(worker("echo"), Duration.ofMillis(1)));
    runtime.invoke(2, "relay");
    runtime.close(2);
    Frame f = runtime.next(WAIT);
    assertEquals(ErrorCode.INVALID_ARGUMENT, f.message().toException().code());
    assertEquals("relay: the body must name the app to call, got nothing", f.message().toException().getMessage());

    runtime.invoke(3, "relay");
    runtime.write(3, "billing");
    runtime.close(3);
    f = runtime.next(WAIT);
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, f.message().toException().code());
    assertEquals("relay to 'billing' failed: this worker was started without --locator",
        f.message().toException().getMessage());
  }

  @Test
  void echoSlowEchoesAfterItsDelay() throws Exception {
    request(Echo.register(worker("echo"), Duration.ofMillis(20)), "slow", "x");
    long start = System.nanoTime();
    assertEquals(List.of("x"), FakeRuntime.texts(runtime.replies(2, WAIT)));
    assertEquals(true, System.nanoTime() - start >= Duration.ofMillis(20).toNanos());
  }

  @Test
  void httpEchoAnswersTheBodyAsTextPlain() throws Exception {
    request(HttpEcho.register(worker("http-echo")), "echo", httpHead("POST", "/", "hi"));
    List<Frame> replies = runtime.replies(2, WAIT);
    assertEquals(Values.array(Values.integer(200),
        Values.array(Values.array(Values.str("Content-Type"), Values.str("text/plain")))), unpack(replies.get(0)));
    assertEquals("hi", body(replies));
  }

  @Test
  void httpEchoSlowAnswersTheBodyAfterItsDelay() throws Exception {
    serve(HttpEcho.register(worker("http-echo"), Duration.ofMillis(200)));
    long start = System.nanoTime();
    runtime.invoke(2, "slow");
    runtime.write(2, httpHead("POST", "/", "late hi"));
    runtime.close(2);
    assertEquals("late hi", body(runtime.replies(2, WAIT)));
    assertTrue(System.nanoTime() - start >= Duration.ofMillis(200).toNanos(), "answered before the delay");
  }

  @Test
  void httpEchoWithoutBodyAnswersMethodAndUri() throws Exception {
    request(HttpEcho.register(worker("http-echo")), "echo", httpHead("GET", "/some/path?q=1", ""));
    assertEquals("GET /some/path?q=1", body(runtime.replies(2, WAIT)));
  }

  @Test
  void streamCountSendsNChunks() throws Exception {
    request(Stream.register(worker("stream")), "count", "5");
    assertEquals(List.of("1", "2", "3", "4", "5"), FakeRuntime.texts(runtime.replies(2, WAIT)));
  }

  @Test
  void streamCountOverHttpReadsTheQuery() throws Exception {
    request(Stream.register(worker("stream")), "count", httpHead("GET", "/?n=3", ""));
    List<Frame> replies = runtime.replies(2, WAIT);
    assertEquals(Values.integer(200), unpack(replies.get(0)).asArrayValue().get(0));
    assertEquals("1\n2\n3\n", body(replies));
  }

  @Test
  void streamCountRefusesANonNumberWithAClearError() throws Exception {
    request(Stream.register(worker("stream")), "count", "many");
    Frame f = runtime.next(WAIT);
    assertEquals(1, f.type());
    assertEquals(ErrorCode.INVALID, f.message().toException().code());
    assertEquals("count expects a whole number from 0 to 1000000, got 'many'", f.message().toException().getMessage());
  }

  @Test
  void streamSinkCountsAStreamedHttpBody() throws Exception {
    serve(Stream.register(worker("stream")));
    runtime.invoke(2, "sink");
    runtime.write(2, FrameEncoder.encodeValue(Values.array(Values.str("POST"), Values.str("/"), Values.str("1.1"),
        Values.array(Values.array(Values.str("Transfer-Encoding"), Values.str("chunked"))), Values.str(""))));
    byte[] chunk = new byte[10_000];
    for (int i = 0; i < 30; i++) {
      runtime.write(2, chunk);
    }
    runtime.close(2);
    assertEquals("300000", body(runtime.replies(2, WAIT)));
  }

  @Test
  void streamSinkCountsRawChunks() throws Exception {
    request(Stream.register(worker("stream")), "sink", "abc", "de");
    assertEquals(List.of("5"), FakeRuntime.texts(runtime.replies(2, WAIT)));
  }

  @Test
  void crashPingStillWorks() throws Exception {
    request(Crash.register(worker("crash")), "ping", "alive");
    assertEquals(List.of("alive"), FakeRuntime.texts(runtime.replies(2, WAIT)));
  }
}
