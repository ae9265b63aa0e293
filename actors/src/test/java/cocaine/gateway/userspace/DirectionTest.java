package cocaine.gateway.userspace;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * One direction of a splice over loopback sockets: sender -> (from | Direction | to) -> receiver,
 * every socket non-blocking as on the relay's thread.
 */
class DirectionTest {
  static final Duration WAIT = Duration.ofSeconds(30);

  /** Two connected non-blocking ends. */
  record Pair(SocketChannel near, SocketChannel far) implements AutoCloseable {
    static Pair open() throws IOException {
      try (ServerSocketChannel server = ServerSocketChannel.open()) {
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        SocketChannel near = SocketChannel.open(server.getLocalAddress());
        SocketChannel far = server.accept();
        near.configureBlocking(false);
        far.configureBlocking(false);
        return new Pair(near, far);
      }
    }

    @Override
    public void close() throws IOException {
      near.close();
      far.close();
    }
  }

  /** Reads what has arrived; true at the end of stream. */
  static boolean drain(SocketChannel channel, ByteArrayOutputStream into) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(64 * 1024);
    int n;
    while ((n = channel.read(b.clear())) > 0) {
      into.write(b.array(), 0, n);
    }
    return n < 0;
  }

  @Test
  void bytesCrossInOrderThroughASmallerBufferAndTheEndComesAsAHalfCloseAfterThem() throws Exception {
    try (Pair in = Pair.open(); Pair out = Pair.open()) {
      Direction direction = new Direction(in.far(), ByteBuffer.allocate(4), out.near());
      byte[] sent = "hello through a four-byte buffer".getBytes(StandardCharsets.US_ASCII);
      in.near().write(ByteBuffer.wrap(sent));
      in.near().shutdownOutput();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      boolean[] ended = {false};
      await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> {
        direction.move();
        ended[0] |= drain(out.far(), received);
        return ended[0];
      });
      assertEquals(new String(sent, StandardCharsets.US_ASCII), received.toString(StandardCharsets.US_ASCII));
      assertTrue(direction.shut);
      assertFalse(direction.wantsRead(), "nothing is read after the end of stream");
      assertFalse(direction.move(), "the end of stream is passed on once");
    }
  }

  @Test
  void nothingToMoveIsNoProgress() throws Exception {
    try (Pair in = Pair.open(); Pair out = Pair.open()) {
      Direction direction = new Direction(in.far(), ByteBuffer.allocate(4), out.near());
      assertFalse(direction.move());
      assertTrue(direction.wantsRead());
      assertFalse(direction.wantsWrite());
    }
  }

  @Test
  void aPeerThatTakesNothingStopsTheReadingOnceTheBufferIsFull() throws Exception {
    try (Pair in = Pair.open(); Pair out = Pair.open()) {
      Direction direction = new Direction(in.far(), ByteBuffer.allocate(4), out.near());
      byte[] sent = "abcdefghijklmnopqrstuvwxyz".repeat(4).getBytes(StandardCharsets.US_ASCII);
      in.near().write(ByteBuffer.wrap(sent));
      ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
      await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> {
        // keep the kernel's buffers towards the receiver full: it reads nothing yet
        while (out.near().write(zeros.clear()) > 0) {
          // more
        }
        direction.move();
        return !direction.wantsRead();
      });
      assertTrue(direction.wantsWrite(), "a full buffer waits for the receiver");
      assertFalse(direction.eof);

      ByteArrayOutputStream received = new ByteArrayOutputStream();
      await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> {
        drain(out.far(), received);
        direction.move();
        return relayed(received).length() == sent.length;
      });
      assertEquals(new String(sent, StandardCharsets.US_ASCII), relayed(received), "every byte, in order, once");
    }
  }

  @Test
  void theEndOfStreamIsPassedOnOnlyAfterTheBytesBeforeIt() throws Exception {
    try (Pair in = Pair.open(); Pair out = Pair.open()) {
      Direction direction = new Direction(in.far(), ByteBuffer.allocate(4), out.near());
      in.near().write(ByteBuffer.wrap("xy".getBytes(StandardCharsets.US_ASCII)));
      in.near().shutdownOutput();
      ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
      await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> {
        while (out.near().write(zeros.clear()) > 0) {
          // keep the receiver's side full, so "xy" waits in the buffer
        }
        direction.move();
        return direction.eof;
      });
      assertEquals(direction.wantsWrite(), !direction.shut, "shut only once the buffer is empty");

      ByteArrayOutputStream received = new ByteArrayOutputStream();
      boolean[] ended = {false};
      await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> {
        ended[0] |= drain(out.far(), received);
        direction.move();
        return ended[0];
      });
      assertEquals("xy", relayed(received));
    }
  }

  /** What the direction relayed, without the zeros the test wrote to fill the pipe. */
  static String relayed(ByteArrayOutputStream received) {
    return received.toString(StandardCharsets.US_ASCII).replace("\0", "");
  }
}
