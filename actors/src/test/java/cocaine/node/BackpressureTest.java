package cocaine.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import cocaine.node.app.AppService;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A client that does not read slows the worker down: nothing between them buffers without bound. */
class BackpressureTest extends FreshNodeTest {
  static final int CHUNKS = 1000;
  static final int CHUNK_BYTES = 64 * 1024;

  @Test
  void slowClientStallsTheWorkerAndThenGetsEveryChunk() throws Exception {
    Path progress = node.dir.resolve("progress");
    node.app("app", Map.of("TEST_WORKER_PROGRESS_FILE", progress.toString(), "TEST_WORKER_DISOWN_MS", "600000"),
        NodeFixture.profile("pool-limit", 1));
    assertEquals(0, node.startApp("app", "app").type());

    try (WireClient client = node.appClient("app")) {
      long ch = client.open(Message.of(AppService.ENQUEUE, Values.str("stream")));
      client.send(Message.write(Values.str(CHUNKS + ":" + CHUNK_BYTES)).on(ch));
      client.send(Message.close().on(ch));

      // 64 MB to send; while the client reads nothing the worker must stall after a few MB of buffers
      await().atMost(Duration.ofSeconds(30)).until(() -> written(progress) > 0);
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(30)).until(() -> written(progress) < CHUNKS / 4);

      int received = 0;
      Frame f;
      while ((f = client.next(ch, Duration.ofSeconds(30))).type() == 0) {
        assertEquals(CHUNK_BYTES, Values.asBytes(f.args().get(0)).length);
        received++;
      }
      assertEquals(2, f.type(), f.toString());
      assertEquals(CHUNKS, received);
      assertEquals(CHUNKS, written(progress));
    }
  }

  private static int written(Path progress) throws Exception {
    if (!Files.exists(progress)) {
      return 0;
    }
    String s = Files.readString(progress).trim();
    return s.isEmpty() ? 0 : Integer.parseInt(s);
  }
}
