package cocaine.worker;

import cocaine.wire.Frame;
import cocaine.wire.FrameDecoder;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.msgpack.value.Value;

/**
 * A test double of the runtime's side of a worker socket: listens on a unix socket, accepts one
 * worker, records its frames (control channel apart), answers heartbeats unless told not to.
 */
public final class FakeRuntime implements AutoCloseable {
  private final Path dir;
  private final Path socketPath;
  private final ServerSocketChannel server;
  private final BlockingQueue<Frame> control = new ArrayBlockingQueue<>(4096);
  private final BlockingQueue<Frame> frames = new ArrayBlockingQueue<>(4096);
  private final AtomicInteger heartbeats = new AtomicInteger();
  private final CompletableFuture<Void> disconnected = new CompletableFuture<>();
  private final CompletableFuture<SocketChannel> connection = new CompletableFuture<>();
  private volatile boolean answerHeartbeats;

  private FakeRuntime(boolean answerHeartbeats) throws IOException {
    this.answerHeartbeats = answerHeartbeats;
    this.dir = Files.createTempDirectory("fake-runtime");
    this.socketPath = dir.resolve("app.sock");
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socketPath));
    Thread t = new Thread(this::acceptAndRead, "fake-runtime");
    t.setDaemon(true);
    t.start();
  }

  public static FakeRuntime start() throws IOException {
    return new FakeRuntime(true);
  }

  /** A runtime that never answers heartbeats, to see the worker disown itself. */
  public static FakeRuntime silent() throws IOException {
    return new FakeRuntime(false);
  }

  public String endpoint() {
    return socketPath.toString();
  }

  /** Worker settings aimed at this runtime, with short heartbeat timings. */
  public Worker.Settings settings(String app, String uuid) {
    return Worker.Settings.of(app, endpoint(), List.of(), uuid)
        .withHeartbeat(Duration.ofMillis(200), Duration.ofMillis(400));
  }

  public void answerHeartbeats(boolean answer) {
    this.answerHeartbeats = answer;
  }

  public int heartbeats() {
    return heartbeats.get();
  }

  public CompletableFuture<Void> disconnected() {
    return disconnected;
  }

  private void acceptAndRead() {
    try {
      SocketChannel ch = server.accept();
      connection.complete(ch);
      FrameDecoder decoder = new FrameDecoder(64 * 1024 * 1024);
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      while (true) {
        buf.clear();
        int n = ch.read(buf);
        if (n < 0) {
          break;
        }
        decoder.feed(buf.array(), 0, n);
        Frame f;
        while ((f = decoder.next()) != null) {
          if (f.channel() == 1) {
            if (f.type() == 0 && f.args().isEmpty()) {
              heartbeats.incrementAndGet();
              if (answerHeartbeats) {
                send(f);
              }
            }
            control.put(f);
          } else {
            frames.put(f);
          }
        }
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      connection.completeExceptionally(e);
    } finally {
      disconnected.complete(null);
    }
  }

  public void send(Frame frame) {
    try {
      SocketChannel ch = connection.get(10, TimeUnit.SECONDS);
      ByteBuffer b = ByteBuffer.wrap(FrameEncoder.encode(frame));
      synchronized (this) {
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot send " + frame + ": " + e, e);
    }
  }

  /** Writes raw bytes, e.g. a frame cut in pieces sent slowly. */
  public void sendBytes(byte[] bytes) {
    try {
      SocketChannel ch = connection.get(10, TimeUnit.SECONDS);
      ByteBuffer b = ByteBuffer.wrap(bytes);
      synchronized (this) {
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot send " + bytes.length + " bytes: " + e, e);
    }
  }

  public void send(long channel, Message m) {
    send(m.on(channel));
  }

  /** {@code invoke(event)} with headers on a new channel. */
  public void invoke(long channel, String event, Header... headers) {
    send(new Frame(channel, 0, List.of(Values.str(event)), List.of(headers)));
  }

  public void write(long channel, String chunk) {
    send(channel, Message.write(Values.str(chunk)));
  }

  public void write(long channel, byte[] chunk) {
    send(channel, Message.write(Values.bytes(chunk)));
  }

  public void close(long channel) {
    send(channel, Message.close());
  }

  /** The next frame the worker sent on channel 1 (handshake, heartbeats, terminate). */
  public Frame nextControl(Duration timeout) throws InterruptedException {
    Frame f = control.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (f == null) {
      throw new AssertionError("no control frame from the worker within " + timeout);
    }
    return f;
  }

  /** The next frame the worker sent on an invocation channel. */
  public Frame next(Duration timeout) throws InterruptedException {
    Frame f = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (f == null) {
      throw new AssertionError("no frame from the worker within " + timeout);
    }
    return f;
  }

  /** Frames of one channel until its close or error, in order (other channels' frames are kept aside). */
  public List<Frame> replies(long channel, Duration timeout) throws InterruptedException {
    List<Frame> out = new ArrayList<>();
    List<Frame> others = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Frame f = frames.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      if (f == null) {
        frames.addAll(others);
        throw new AssertionError("channel " + channel + " did not end within " + timeout + "; got " + out);
      }
      if (f.channel() != channel) {
        others.add(f);
        continue;
      }
      out.add(f);
      if (f.type() == 1 || f.type() == 2) {
        frames.addAll(others);
        return out;
      }
    }
  }

  /** Text of each write of a reply list (raw chunks as UTF-8). */
  public static List<String> texts(List<Frame> replies) {
    List<String> out = new ArrayList<>();
    for (Frame f : replies) {
      if (f.type() == 0) {
        Value v = f.args().get(0);
        out.add(Values.asString(v));
      }
    }
    return out;
  }

  /** Closes the runtime's end of the worker socket. */
  public void dropConnection() throws Exception {
    connection.get(10, TimeUnit.SECONDS).close();
  }

  @Override
  public void close() throws IOException {
    server.close();
    if (connection.isDone() && !connection.isCompletedExceptionally()) {
      connection.join().close();
    }
    Files.deleteIfExists(socketPath);
    Files.deleteIfExists(dir);
  }
}
