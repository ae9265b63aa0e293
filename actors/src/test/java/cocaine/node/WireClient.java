package cocaine.node;

import cocaine.wire.Frame;
import cocaine.wire.FrameDecoder;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Message;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** A blocking wire client for tests: sends frames, reads frames per channel, with deadlines. */
final class WireClient implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(20);

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final FrameDecoder decoder = new FrameDecoder(64 << 20);
  private final ArrayDeque<Frame> received = new ArrayDeque<>();
  private long nextChannel = 1;

  WireClient(String host, int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress(host, port), 5000);
    socket.setReceiveBufferSize(64 * 1024);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /** Opens a channel with a root message; returns its id. */
  long open(Message first) throws IOException {
    long ch = nextChannel++;
    send(first.on(ch));
    return ch;
  }

  void send(Frame f) throws IOException {
    out.write(FrameEncoder.encode(f));
    out.flush();
  }

  /** The next frame of the channel. */
  Frame next(long ch) throws IOException {
    return next(ch, WAIT);
  }

  Frame next(long ch, Duration wait) throws IOException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      for (Iterator<Frame> it = received.iterator(); it.hasNext(); ) {
        Frame f = it.next();
        if (f.channel() == ch) {
          it.remove();
          return f;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException("no frame on channel " + ch + " within " + wait);
      }
      readSome((int) Math.max(1, left / 1_000_000));
    }
  }

  /** Every frame of the channel up to and including its close or error. */
  List<Frame> all(long ch) throws IOException {
    List<Frame> out = new ArrayList<>();
    while (true) {
      Frame f = next(ch);
      out.add(f);
      if (f.type() == 1 || f.type() == 2) {
        return out;
      }
    }
  }

  /** Reads the reply of a primitive call. */
  Frame reply(long ch) throws IOException {
    return next(ch);
  }

  private void readSome(int timeoutMs) throws IOException {
    socket.setSoTimeout(timeoutMs);
    byte[] buf = new byte[65536];
    int n;
    try {
      n = in.read(buf);
    } catch (SocketTimeoutException e) {
      return;
    }
    if (n < 0) {
      throw new IOException("connection closed by the server");
    }
    decoder.feed(buf, 0, n);
    Frame f;
    while ((f = decoder.next()) != null) {
      received.add(f);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
