package cocaine.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.Frame;
import cocaine.wire.Values;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Http#inline}: whole requests on the reader thread, the others on handler threads, same answers. */
class InlineHttpTest {
  static final Duration WAIT = Duration.ofSeconds(10);

  FakeRuntime runtime;
  /** The thread that served each request, by its body's first word. */
  final Map<String, String> servedOn = new ConcurrentHashMap<>();

  @BeforeEach
  void setUp() throws IOException {
    runtime = FakeRuntime.start();
    Worker worker = Worker.create(runtime.settings("http-echo", "u-1"))
        .on("echo", Http.inline((req, resp) -> {
          byte[] body = req.bodyBytes();
          String text = new String(body, java.nio.charset.StandardCharsets.ISO_8859_1);
          servedOn.put(text.isEmpty() ? req.method() : text.split(" ", 2)[0], Thread.currentThread().getName());
          resp.status(200).header("Content-Type", "text/plain");
          resp.write(req.method() + " " + req.uri() + " ");
          resp.write(body);
        }))
        .on("boom", Http.inline((req, resp) -> {
          throw new IllegalStateException("no echo for " + req.uri());
        }));
    WorkerTest.start(worker);
  }

  @AfterEach
  void tearDown() throws IOException {
    runtime.close();
  }

  @Test
  void wholeRequestsAreServedOnTheReaderThreadWithoutWaitingForClose() throws Exception {
    for (long ch = 2; ch < 6; ch++) {
      runtime.invoke(ch, "echo");
      runtime.write(ch, HttpTest.head("POST", "/x?n=" + ch, List.of(List.of("Host", "h")), "req" + ch + " body"));
    }
    for (long ch = 2; ch < 6; ch++) {
      List<Frame> replies = runtime.replies(ch, WAIT);
      assertEquals(Values.integer(200), HttpTest.unpack(replies.get(0)).asArrayValue().get(0));
      assertEquals("POST /x?n=" + ch + " req" + ch + " body", HttpTest.text(replies.subList(1, replies.size() - 1)));
      assertEquals(2, replies.get(replies.size() - 1).type());
      assertTrue(servedOn.get("req" + ch).startsWith("cocaine-worker-reader"), servedOn.toString());
    }
    for (long ch = 2; ch < 6; ch++) {
      runtime.close(ch); // the runtime's close comes after the answer: nothing more is sent
    }
    runtime.invoke(6, "echo");
    runtime.write(6, HttpTest.head("GET", "/after", List.of(), ""));
    assertEquals("GET /after ", HttpTest.text(dropHeadAndClose(runtime.replies(6, WAIT))));
  }

  @Test
  void streamedBodyIsReadOnAHandlerThread() throws Exception {
    runtime.invoke(2, "echo");
    runtime.write(2, HttpTest.head("PUT", "/s", List.of(List.of("Transfer-Encoding", "chunked")), ""));
    runtime.write(2, "streamed ");
    runtime.write(2, "body");
    runtime.close(2);
    assertEquals("PUT /s streamed body", HttpTest.text(dropHeadAndClose(runtime.replies(2, WAIT))));
    assertTrue(servedOn.get("streamed").startsWith("cocaine-handler"), servedOn.toString());
  }

  @Test
  void bigHeadIsServedOnAHandlerThread() throws Exception {
    String body = "big " + "x".repeat(InlineHttp.MAX_INLINE_BYTES);
    runtime.invoke(2, "echo");
    runtime.write(2, HttpTest.head("POST", "/b", List.of(), body));
    assertEquals("POST /b " + body, HttpTest.text(dropHeadAndClose(runtime.replies(2, WAIT))));
    assertTrue(servedOn.get("big").startsWith("cocaine-handler"), servedOn.toString());
  }

  @Test
  void malformedHeadGets400AndTheNextRequestIsServed() throws Exception {
    runtime.invoke(2, "echo");
    runtime.write(2, "this is not msgpack of a request");
    List<Frame> replies = runtime.replies(2, WAIT);
    assertEquals(Values.integer(400), HttpTest.unpack(replies.get(0)).asArrayValue().get(0));
    assertEquals(2, replies.get(replies.size() - 1).type());
    runtime.invoke(3, "echo");
    runtime.write(3, HttpTest.head("POST", "/ok", List.of(), "fine"));
    assertEquals("POST /ok fine", HttpTest.text(dropHeadAndClose(runtime.replies(3, WAIT))));
  }

  @Test
  void requestClosedBeforeItsHeadGets400() throws Exception {
    runtime.invoke(2, "echo");
    runtime.close(2);
    List<Frame> replies = runtime.replies(2, WAIT);
    assertEquals(Values.integer(400), HttpTest.unpack(replies.get(0)).asArrayValue().get(0));
    assertEquals(2, replies.get(replies.size() - 1).type());
  }

  @Test
  void handlerExceptionBecomesUncaughtErrorAndTheReaderLivesOn() throws Exception {
    runtime.invoke(2, "boom");
    runtime.write(2, HttpTest.head("GET", "/b", List.of(), ""));
    WorkerTest.assertError(runtime.next(WAIT), 2, cocaine.wire.ErrorCode.WORKER_UNCAUGHT, "no echo for /b");
    runtime.invoke(3, "echo");
    runtime.write(3, HttpTest.head("POST", "/ok", List.of(), "alive"));
    assertEquals("POST /ok alive", HttpTest.text(dropHeadAndClose(runtime.replies(3, WAIT))));
  }

  private static List<Frame> dropHeadAndClose(List<Frame> replies) {
    assertEquals(2, replies.get(replies.size() - 1).type(), "closed: " + replies);
    return replies.subList(1, replies.size() - 1);
  }
}
