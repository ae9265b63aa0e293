package cocaine.rpc.service;

import cocaine.wire.Frame;
import cocaine.wire.FrameDecoder;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Message;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/** A blocking raw-socket peer that speaks exact bytes, as a Python or Go client would. */
final class WireClient implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final FrameDecoder decoder = new FrameDecoder(64 << 20);
  private final byte[] buf = new byte[64 * 1024];

  WireClient(int port) throws IOException {
    this(port, 0);
  }

  /** With a small receive buffer, so that a client that does not read fills up quickly. */
  WireClient(int port, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.setSoTimeout(10_000);
    socket.connect(new InetSocketAddress("127.0.0.1", port));
    in = socket.getInputStream();
  }

  void send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
  }

  void send(long channel, Message message) throws IOException {
    send(FrameEncoder.encode(message.on(channel)));
  }

  /** The next frame; fails after 10 s without one or when the server closes. */
  Frame read() throws IOException {
    while (true) {
      Frame f = decoder.next();
      if (f != null) {
        return f;
      }
      int n = in.read(buf);
      if (n < 0) {
        throw new IOException("connection closed by the server");
      }
      decoder.feed(Arrays.copyOf(buf, n));
    }
  }

  /** True when the server closes the connection (within 10 s), skipping any frames before. */
  boolean closedByServer() throws IOException {
    try {
      while (in.read(buf) >= 0) {
        // frames sent before closing do not matter here
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // connection reset
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
