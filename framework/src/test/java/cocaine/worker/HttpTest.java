package cocaine.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocaine.wire.Frame;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessagePack;
import org.msgpack.value.Value;

class HttpTest {
  static final Duration WAIT = Duration.ofSeconds(10);

  FakeRuntime runtime;

  @BeforeEach
  void setUp() throws IOException {
    runtime = FakeRuntime.start();
    Worker worker = Worker.create(runtime.settings("http-echo", "u-1"))
        .on("echo", Http.handler((req, resp) -> {
          byte[] body = req.bodyBytes();
          resp.status(201).header("Content-Type", "text/plain").header("X-Uri", req.uri());
          resp.write(req.method() + " " + req.path() + " " + req.query() + " " + req.header("host").orElse("-") + " ");
          resp.write(body);
        }))
        .on("stream", Http.handler((req, resp) -> {
          InputStream in = req.body();
          long total = 0;
          byte[] buf = new byte[3];
          int n;
          while ((n = in.read(buf)) >= 0) {
            total += n;
          }
          resp.write(Long.toString(total));
        }));
    WorkerTest.start(worker);
  }

  @AfterEach
  void tearDown() throws IOException {
    runtime.close();
  }

  /** The head chunk as the proxies send it: a byte string holding the packed request. */
  static byte[] head(String method, String uri, List<List<String>> headers, String body) {
    Value[] hs = headers.stream().map(h -> Values.array(Values.str(h.get(0)), Values.str(h.get(1)))).toArray(Value[]::new);
    return FrameEncoder.encodeValue(Values.array(Values.str(method), Values.str(uri), Values.str("1.1"),
        Values.array(hs), Values.str(body)));
  }

  static Value unpack(Frame f) throws IOException {
    return MessagePack.newDefaultUnpacker(Values.asBytes(f.args().get(0))).unpackValue();
  }

  @Test
  void bufferedRequestGetsHeadThenBodyThenClose() throws Exception {
    runtime.invoke(2, "echo");
    runtime.write(2, head("POST", "/x?a=1", List.of(List.of("Host", "example")), "hi"));
    runtime.close(2);
    List<Frame> replies = runtime.replies(2, WAIT);
    Value headValue = unpack(replies.get(0));
    assertEquals(Values.array(Values.integer(201), Values.array(
        Values.array(Values.str("Content-Type"), Values.str("text/plain")),
        Values.array(Values.str("X-Uri"), Values.str("/x?a=1")))), headValue);
    assertEquals("POST /x a=1 example hi", text(replies.subList(1, replies.size() - 1)));
    assertEquals(2, replies.get(replies.size() - 1).type());
  }

  @Test
  void streamedBodyIsReadFromFollowingChunks() throws Exception {
    runtime.invoke(2, "stream");
    runtime.write(2, head("PUT", "/", List.of(List.of("Transfer-Encoding", "chunked")), ""));
    runtime.write(2, "abcd");
    runtime.write(2, "efghij");
    runtime.close(2);
    List<Frame> replies = runtime.replies(2, WAIT);
    assertEquals(Values.integer(200), unpack(replies.get(0)).asArrayValue().get(0));
    assertEquals("10", text(replies.subList(1, replies.size() - 1)));
  }

  @Test
  void requestWithItsBodyInTheHeadIsAnsweredWithoutWaitingForClose() throws Exception {
    runtime.invoke(2, "echo");
    runtime.write(2, head("POST", "/x?a=1", List.of(List.of("Host", "example")), "hi"));
    List<Frame> replies = runtime.replies(2, WAIT);
    assertEquals("POST /x a=1 example hi", text(replies.subList(1, replies.size() - 1)));
  }

  @Test
  void getWithoutBodyIsAnsweredWithoutWaitingForClose() throws Exception {
    runtime.invoke(2, "echo");
    runtime.write(2, head("GET", "/y", List.of(List.of("Host", "example")), ""));
    List<Frame> replies = runtime.replies(2, WAIT);
    assertEquals(2, replies.get(replies.size() - 1).type());
  }

  @Test
  void malformedHeadGets400() throws Exception {
    runtime.invoke(2, "echo");
    runtime.write(2, "this is not msgpack of a request");
    runtime.close(2);
    List<Frame> replies = runtime.replies(2, WAIT);
    assertEquals(Values.integer(400), unpack(replies.get(0)).asArrayValue().get(0));
    assertEquals(2, replies.get(replies.size() - 1).type());
  }

  static String text(List<Frame> chunks) {
    StringBuilder sb = new StringBuilder();
    for (Frame f : chunks) {
      sb.append(new String(Values.asBytes(f.args().get(0)), StandardCharsets.UTF_8));
    }
    return sb.toString();
  }
}
