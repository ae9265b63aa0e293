package cocaine.rpc.transport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.service.TestSystem;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** How a socket's stream ends when its reading side is cancelled while an answer is still on its way. */
class SocketStageTest {
  static SelectorLoop loop;

  @BeforeAll
  static void start() throws IOException {
    loop = new SelectorLoop("socket-stage-test");
  }

  @AfterAll
  static void stop() {
    loop.close();
  }

  /** What the peer reads, to the end, when the stream cancels its reads at once and answers 200 ms later. */
  private static String peerReads(boolean writingDecides) throws IOException {
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      try (Socket peer = new Socket()) {
        peer.connect(server.getLocalAddress());
        peer.setSoTimeout(10_000);
        SocketChannel accepted = server.accept();
        Flow<ByteString, ByteString, ?> app = Flow.fromSinkAndSource(Sink.cancelled(),
            Source.single(ByteString.fromString("last answer")).initialDelay(Duration.ofMillis(200)));
        app.join(Flow.fromGraph(new SocketStage(accepted, loop, "test peer", 1024, 1024, writingDecides)))
            .run(TestSystem.get());
        InputStream in = peer.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      }
    }
  }

  @Test
  void whenTheWritingSideDecidesTheLastAnswerIsWrittenThenTheSocketCloses() throws IOException {
    assertEquals("last answer", peerReads(true));
  }

  @Test
  void otherwiseACancelledReadingSideClosesTheSocketAtOnce() throws IOException {
    assertEquals("", peerReads(false));
  }

  /**
   * A peer that takes nothing: the answer is far larger than the sockets' buffers and the stream
   * has ended, so no stage above is left to time the connection out; the linger closes it.
   */
  @Test
  void whenTheWritingSideDecidesAPeerThatDoesNotReadIsClosedAfterTheLinger() throws IOException {
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      try (Socket peer = new Socket()) {
        peer.setReceiveBufferSize(4096);
        peer.connect(server.getLocalAddress());
        SocketChannel accepted = server.accept();
        Flow<ByteString, ByteString, ?> app = Flow.fromSinkAndSource(Sink.cancelled(),
            Source.single(ByteString.fromArray(new byte[32 << 20])));
        app.join(Flow.fromGraph(new SocketStage(accepted, loop, "test peer", 1024, 1024, true,
            Duration.ofMillis(300)))).run(TestSystem.get());
        await("the socket of a peer that does not read closed").atMost(Duration.ofSeconds(10))
            .until(() -> !accepted.isOpen());
        assertTrue(peer.getInputStream().available() < (32 << 20), "the peer did not take the answer");
      }
    }
  }
}
