package cocaine.client;

import cocaine.wire.Frame;
import cocaine.wire.FrameDecoder;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Message;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A test double of a Cocaine TCP service: records every frame it receives and lets the test's
 * behaviour answer on the same connection.
 */
public final class FakeService implements AutoCloseable {
  /** What the service does with each frame it receives. */
  public interface Behaviour {
    void onFrame(Frame frame, Peer peer) throws IOException;
  }

  /** One accepted client connection. */
  public static final class Peer {
    private final Socket socket;
    private final OutputStream out;

    Peer(Socket socket) throws IOException {
      this.socket = socket;
      this.out = socket.getOutputStream();
    }

    public synchronized void send(long channel, Message m) throws IOException {
      out.write(FrameEncoder.encode(m.on(channel)));
      out.flush();
    }

    public void close() throws IOException {
      socket.close();
    }
  }

  private final ServerSocket server;
  private final Behaviour behaviour;
  private final BlockingQueue<Frame> received = new ArrayBlockingQueue<>(4096);
  private final CopyOnWriteArrayList<Socket> sockets = new CopyOnWriteArrayList<>();

  public FakeService(Behaviour behaviour) throws IOException {
    this(behaviour, InetAddress.getLoopbackAddress());
  }

  /** Listening on {@code address}, e.g. one of the host's own non-loopback addresses. */
  public FakeService(Behaviour behaviour, InetAddress address) throws IOException {
    this.behaviour = behaviour;
    this.server = new ServerSocket(0, 50, address);
    Thread t = new Thread(this::acceptLoop, "fake-service-" + port());
    t.setDaemon(true);
    t.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        Thread t = new Thread(() -> serve(s), "fake-service-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      Peer peer = new Peer(s);
      InputStream in = s.getInputStream();
      FrameDecoder decoder = new FrameDecoder(1 << 20);
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) >= 0) {
        decoder.feed(buf, 0, n);
        Frame f;
        while ((f = decoder.next()) != null) {
          received.put(f);
          behaviour.onFrame(f, peer);
        }
      }
    } catch (IOException | InterruptedException e) {
      // connection gone: the test sees it on the client side
    }
  }

  /** The next frame a client sent. */
  public Frame next(Duration timeout) throws InterruptedException {
    Frame f = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (f == null) {
      throw new AssertionError("no frame from the client within " + timeout);
    }
    return f;
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
