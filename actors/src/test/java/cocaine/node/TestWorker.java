package cocaine.node;

import cocaine.wire.Frame;
import cocaine.wire.FrameDecoder;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real worker process for the node's tests, speaking protocol v1 over the unix socket with JDK
 * classes only, like the Python and Go frameworks do. Its mode comes from the environment (the
 * manifest's {@code environment}):
 * <ul>
 *   <li>{@code TEST_WORKER_MODE}: normal, exit-before-handshake, no-handshake, no-heartbeat</li>
 *   <li>{@code TEST_WORKER_HEARTBEAT_MS}: heartbeat period (default 200)</li>
 *   <li>{@code TEST_WORKER_DISOWN_MS}: exit 2 when a heartbeat is not answered in time (default 5000)</li>
 *   <li>{@code TEST_WORKER_ARGS_FILE}: write argv there, one per line</li>
 *   <li>{@code TEST_WORKER_PROGRESS_FILE}: the "stream" event writes its chunk count there</li>
 * </ul>
 * Events: ping (write "pong", close), echo (each chunk back, close after the client's close), hold
 * (close after the client's close), crash (print, exit 3), flood (print a lot, then write "done"),
 * stream (write N chunks of M bytes, given as "N:M" in the first chunk), header:NAME (write the
 * header's value as a number), trace (write the invoke's trace_id, span_id and parent_id as three
 * numbers, -1 for one absent), fail (error [43, 7] "asked to fail"), env:NAME (write the environment
 * variable's value, "" when unset).
 */
public final class TestWorker {
  private final Object writeLock = new Object();
  private final java.nio.channels.SocketChannel socket;
  private final Map<Long, String> events = new HashMap<>();
  private final AtomicLong lastReplyNanos = new AtomicLong(System.nanoTime());
  private final AtomicLong pendingHeartbeatNanos = new AtomicLong(0);

  private TestWorker(java.nio.channels.SocketChannel socket) {
    this.socket = socket;
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) {
      args.put(argv[i].substring(2), argv[i + 1]);
    }
    String argsFile = System.getenv("TEST_WORKER_ARGS_FILE");
    if (argsFile != null) {
      Files.write(Path.of(argsFile), List.of(argv));
    }
    String mode = System.getenv().getOrDefault("TEST_WORKER_MODE", "normal");
    System.out.println("worker " + args.get("uuid") + " starting in mode " + mode);
    System.out.flush();
    if (mode.equals("exit-before-handshake")) {
      System.err.println("cannot start: missing configuration");
      System.exit(1);
    }
    var socket = java.nio.channels.SocketChannel.open(StandardProtocolFamily.UNIX);
    socket.connect(UnixDomainSocketAddress.of(args.get("endpoint")));
    if (mode.equals("no-handshake")) {
      new java.util.concurrent.CountDownLatch(1).await(); // hangs connected until the runtime kills it
    }
    TestWorker worker = new TestWorker(socket);
    worker.send(new Frame(1, 0, List.of(Values.str(args.get("uuid"))), List.of()));
    if (!mode.equals("no-heartbeat")) {
      worker.heartbeats(Long.parseLong(System.getenv().getOrDefault("TEST_WORKER_HEARTBEAT_MS", "200")),
          Long.parseLong(System.getenv().getOrDefault("TEST_WORKER_DISOWN_MS", "5000")));
    }
    worker.readLoop();
  }

  private void heartbeats(long periodMs, long disownMs) throws IOException {
    send(new Frame(1, 0, List.of(), List.of()));
    pendingHeartbeatNanos.set(System.nanoTime());
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "heartbeat");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(() -> {
      long pending = pendingHeartbeatNanos.get();
      if (pending != 0 && System.nanoTime() - pending > TimeUnit.MILLISECONDS.toNanos(disownMs)) {
        System.out.println("disowned: no heartbeat reply within " + disownMs + " ms");
        System.out.flush();
        Runtime.getRuntime().halt(2);
      }
      try {
        send(new Frame(1, 0, List.of(), List.of()));
        pendingHeartbeatNanos.compareAndSet(0, System.nanoTime());
      } catch (IOException e) {
        Runtime.getRuntime().halt(4);
      }
    }, periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  private void readLoop() throws IOException {
    FrameDecoder decoder = new FrameDecoder(16 << 20);
    ByteBuffer buf = ByteBuffer.allocate(65536);
    while (true) {
      buf.clear();
      int n = socket.read(buf);
      if (n < 0) {
        System.out.println("runtime closed the pipe");
        System.exit(0);
      }
      decoder.feed(buf.array(), 0, n);
      Frame f;
      while ((f = decoder.next()) != null) {
        handle(f);
      }
    }
  }

  private void handle(Frame f) throws IOException {
    if (f.channel() == 1) {
      if (f.type() == 0) {
        pendingHeartbeatNanos.set(0);
        lastReplyNanos.set(System.nanoTime());
      } else if (f.type() == 1) {
        System.out.println("terminate " + f.args());
        System.out.flush();
        send(new Frame(1, 1, f.args(), List.of()));
        System.exit(0);
      }
      return;
    }
    long ch = f.channel();
    String event = events.get(ch);
    if (event == null) {
      event = Values.asString(f.args().get(0));
      events.put(ch, event);
      onInvoke(ch, event, f.headers());
      return;
    }
    onMessage(ch, event, f.message());
  }

  private void onInvoke(long ch, String event, List<Header> headers) throws IOException {
    switch (event) {
      case "ping" -> {
        send(Message.write(Values.str("pong")).on(ch));
        send(Message.close().on(ch));
      }
      case "crash" -> {
        System.out.println("about to crash while handling " + ch);
        System.out.println("last words");
        System.out.flush();
        Runtime.getRuntime().halt(3);
      }
      case "flood" -> {
        PrintStream out = System.out;
        String line = "x".repeat(100);
        for (int i = 0; i < 100_000; i++) {
          out.println(line + " " + i);
        }
        out.print("y".repeat(1 << 20)); // one long line of 1 MiB
        out.println();
        out.println("flood finished");
        out.flush();
        send(Message.write(Values.str("done")).on(ch));
        send(Message.close().on(ch));
      }
      case "fail" -> send(Message.error(new cocaine.wire.ErrorCode(43, 7), "asked to fail").on(ch));
      case "trace" -> {
        send(Message.write(traceHeader(headers, Header.TRACE_ID), traceHeader(headers, Header.SPAN_ID),
            traceHeader(headers, Header.PARENT_ID)).on(ch));
        send(Message.close().on(ch));
      }
      default -> {
        if (event.startsWith("env:")) {
          send(Message.write(Values.str(System.getenv().getOrDefault(event.substring(4), ""))).on(ch));
          send(Message.close().on(ch));
        } else if (event.startsWith("header:")) {
          long value = Header.find(headers, event.substring(7)).flatMap(Header::asLong).orElse(-1L);
          send(Message.write(Values.integer(value)).on(ch));
          send(Message.close().on(ch));
        }
      }
    }
  }

  private static org.msgpack.value.Value traceHeader(List<Header> headers, String name) {
    return Values.integer(Header.find(headers, name).flatMap(Header::asLong).orElse(-1L));
  }

  private void onMessage(long ch, String event, Message m) throws IOException {
    boolean last = m.type() == 1 || m.type() == 2;
    switch (event) {
      case "echo" -> {
        if (m.type() == 0) {
          send(Message.write(m.args().toArray(new org.msgpack.value.Value[0])).on(ch));
        } else if (last) {
          send(Message.close().on(ch));
        }
      }
      case "hold" -> {
        if (last) {
          send(Message.close().on(ch));
        }
      }
      case "stream" -> {
        if (m.type() == 0) {
          String[] spec = Values.asString(m.args().get(0)).split(":");
          Thread t = new Thread(() -> {
            try {
              stream(ch, Integer.parseInt(spec[0]), Integer.parseInt(spec[1]));
            } catch (IOException e) {
              Runtime.getRuntime().halt(5);
            }
          }, "stream-" + ch);
          t.start();
        }
      }
      default -> {
      }
    }
  }

  private void stream(long ch, int chunks, int bytes) throws IOException {
    String progress = System.getenv("TEST_WORKER_PROGRESS_FILE");
    byte[] chunk = new byte[bytes];
    java.util.Arrays.fill(chunk, (byte) 'z');
    for (int i = 0; i < chunks; i++) {
      send(Message.write(Values.bytes(chunk)).on(ch));
      if (progress != null && i % 8 == 0) {
        Files.writeString(Path.of(progress), Integer.toString(i + 1), StandardCharsets.UTF_8);
      }
    }
    if (progress != null) {
      Files.writeString(Path.of(progress), Integer.toString(chunks), StandardCharsets.UTF_8);
    }
    send(Message.close().on(ch));
  }

  private void send(Frame f) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(FrameEncoder.encode(f));
    synchronized (writeLock) {
      while (bytes.hasRemaining()) {
        socket.write(bytes);
      }
    }
  }
}
