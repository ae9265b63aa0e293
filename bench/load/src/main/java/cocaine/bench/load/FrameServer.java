package cocaine.bench.load;

import cocaine.wire.Frame;
import cocaine.wire.FrameDecoder;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Graph;
import cocaine.wire.Values;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * The baseline servers: minimal blocking Java servers speaking the same frames as the runtime,
 * one thread per connection, replies flushed once per read batch. Modes:
 * <ul>
 *   <li>{@code resolve}: answers every request frame with the reply the real locator gave to
 *   {@code resolve(NAME)} (captured once at start from {@code --capture-port}), on the request's
 *   channel: the same bytes on the wire as the runtime, with no work behind them.</li>
 *   <li>{@code echo}: an app that echoes: the first frame of a channel ({@code enqueue}) is taken
 *   silently, a {@code write} is answered with the same {@code write}, a {@code close} (or
 *   {@code error}) with {@code close}.</li>
 * </ul>
 * Prints {@code listening PORT} on stdout once it accepts connections.
 */
final class FrameServer {
  private FrameServer() {}

  public static void main(String[] args) throws Exception {
    Opts o = new Opts(args);
    String mode = o.str("mode", null);
    int maxConnections = o.integer("max-connections", 64);
    Frame reply = null;
    if (mode.equals("resolve")) {
      try (RawClient c = new RawClient("127.0.0.1", o.integer("capture-port", 0))) {
        reply = c.call(0, List.of(Values.str(o.str("name", "storage"))));
      }
      if (reply.type() != 0) {
        throw new IllegalStateException("the locator refused resolve: " + reply);
      }
    } else if (!mode.equals("echo")) {
      throw new IllegalArgumentException("--mode resolve|echo, got " + mode);
    }
    Semaphore slots = new Semaphore(maxConnections);
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), o.integer("port", 0)), 128);
      System.out.println("listening " + server.getLocalPort());
      System.out.flush();
      Frame answer = reply;
      while (true) {
        Socket s = server.accept();
        if (!slots.tryAcquire()) {
          System.err.println("refusing a connection: " + maxConnections + " are open already");
          s.close();
          continue;
        }
        Thread t = new Thread(() -> {
          try (s) {
            serve(s, answer);
          } catch (IOException e) {
            // the client went away: its benchmark is over
          } finally {
            slots.release();
          }
        }, "frame-server-" + s.getPort());
        t.setDaemon(true);
        t.start();
      }
    }
  }

  private static void serve(Socket s, Frame resolveReply) throws IOException {
    s.setTcpNoDelay(true);
    InputStream in = s.getInputStream();
    OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
    FrameDecoder decoder = new FrameDecoder(16 * 1024 * 1024);
    byte[] buf = new byte[64 * 1024];
    long highest = 0; // channel ids strictly increase: a higher one is a new channel
    int n;
    while ((n = in.read(buf)) >= 0) {
      decoder.feed(buf, 0, n);
      Frame f;
      while ((f = decoder.next()) != null) {
        if (resolveReply != null) {
          out.write(FrameEncoder.encode(new Frame(f.channel(), resolveReply.type(), resolveReply.args(), resolveReply.headers())));
        } else if (f.channel() > highest) {
          highest = f.channel();
        } else if (f.type() == Graph.WRITE) {
          out.write(FrameEncoder.encode(new Frame(f.channel(), Graph.WRITE, f.args(), List.of())));
        } else {
          out.write(FrameEncoder.encode(new Frame(f.channel(), Graph.CLOSE, List.of(), List.of())));
        }
      }
      out.flush();
    }
  }
}
