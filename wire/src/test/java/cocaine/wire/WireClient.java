package cocaine.wire;

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

/**
 * A blocking raw-socket peer for tests, as a Python or Go client would be: sends exact bytes or
 * frames, reads frames in arrival order or per channel, each read with a deadline.
 *
 * <p>{@link #open} numbers channels from 1; a test that names channels itself ({@link #send(long,
 * Message)}) should not mix both.
 */
public final class WireClient implements AutoCloseable {
  /** How long a read waits for a frame, or for the server to close, unless told otherwise. */
  public static final Duration WAIT = Duration.ofSeconds(20);

  private static final int CONNECT_TIMEOUT_MS = 5000;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final FrameDecoder decoder = new FrameDecoder(64 << 20);
  private final byte[] buf = new byte[64 * 1024];
  /** Frames read from the socket and not yet returned, in arrival order. */
  private final ArrayDeque<Frame> received = new ArrayDeque<>();
  private long nextChannel = 1;

  /** A client of 127.0.0.1:{@code port}. */
  public WireClient(int port) throws IOException {
    this("127.0.0.1", port, 0);
  }

  /** With a small receive buffer, so that a client that does not read fills up quickly. */
  public WireClient(int port, int receiveBuffer) throws IOException {
    this("127.0.0.1", port, receiveBuffer);
  }

  public WireClient(String host, int port) throws IOException {
    this(host, port, 0);
  }

  /** @param receiveBuffer the socket's receive buffer in bytes, or 0 for the system's default */
  public WireClient(String host, int port, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer); // before connecting, so that the TCP window is sized by it
    }
    socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /** Opens the next channel of this client with its first message; returns the channel's id. */
  public long open(Message first) throws IOException {
    long channel = nextChannel++;
    send(first.on(channel));
    return channel;
  }

  public void send(Frame frame) throws IOException {
    send(FrameEncoder.encode(frame));
  }

  public void send(long channel, Message message) throws IOException {
    send(message.on(channel));
  }

  /** Sends bytes as they are, valid frames or not. */
  public void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** The next frame of any channel; fails after {@link #WAIT} without one or when the server closes. */
  public Frame read() throws IOException {
    return read(WAIT);
  }

  public Frame read(Duration wait) throws IOException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (received.isEmpty()) {
      readSome(deadline, "no frame within " + wait);
    }
    return received.poll();
  }

  /** The next frame of the channel; frames of other channels are kept for their own reads. */
  public Frame next(long channel) throws IOException {
    return next(channel, WAIT);
  }

  public Frame next(long channel, Duration wait) throws IOException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      for (Iterator<Frame> it = received.iterator(); it.hasNext(); ) {
        Frame f = it.next();
        if (f.channel() == channel) {
          it.remove();
          return f;
        }
      }
      readSome(deadline, "no frame on channel " + channel + " within " + wait);
    }
  }

  /** The reply of a primitive call on the channel. */
  public Frame reply(long channel) throws IOException {
    return next(channel);
  }

  /** Every frame of the channel up to and including its close or error. */
  public List<Frame> all(long channel) throws IOException {
    List<Frame> frames = new ArrayList<>();
    while (true) {
      Frame f = next(channel);
      frames.add(f);
      if (f.type() == Graph.ERROR || f.type() == Graph.CLOSE) {
        return frames;
      }
    }
  }

  /** True when the server closes the connection within {@link #WAIT}, skipping any frames before. */
  public boolean closedByServer() throws IOException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        socket.setSoTimeout(timeoutMillis(left));
        if (in.read(buf) < 0) {
          return true; // frames sent before closing do not matter here
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // connection reset
    }
  }

  /** Reads what the socket has, waiting until the deadline at most, and decodes whole frames. */
  private void readSome(long deadline, String timeout) throws IOException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new SocketTimeoutException(timeout);
    }
    socket.setSoTimeout(timeoutMillis(left));
    int n;
    try {
      n = in.read(buf);
    } catch (SocketTimeoutException e) {
      return; // the caller's loop throws with its own message once the deadline has passed
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

  private static int timeoutMillis(long nanos) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, nanos / 1_000_000));
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
