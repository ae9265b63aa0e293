package cocaine.gateway.userspace;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.NetworkSettings;
import cocaine.gateway.Gateway;
import cocaine.locator.Endpoint;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Real TCP through the gateway to real backends on loopback. */
@ExtendWith(TestKitJUnit5Extension.class)
class UserspaceGatewayTest {
  static final Duration WAIT = Duration.ofSeconds(20);

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();
  Gateway gateway;
  final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void start() {
    gateway = UserspaceGateway.start(testKit.system(), new UserspaceSettings("127.0.0.1", "127.0.0.1",
        new NetworkSettings.PortRange(0, 0), Duration.ofSeconds(2), Duration.ofSeconds(30), 100, 3, 64 << 10));
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    gateway.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A backend that answers each chunk with "name:chunk" and counts its connections. */
  record Backend(String name, Tcp.ServerBinding binding, AtomicInteger accepted) {
    Endpoint endpoint() {
      return new Endpoint("127.0.0.1", binding.localAddress().getPort());
    }

    void die() throws Exception {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  Backend backend(String name) throws Exception {
    AtomicInteger accepted = new AtomicInteger();
    Tcp.ServerBinding b = Tcp.get(testKit.system()).bind("127.0.0.1", 0)
        .to(Sink.foreach(conn -> {
          accepted.incrementAndGet();
          conn.handleWith(Flow.of(ByteString.class).map(bytes -> ByteString.fromString(name + ":").concat(bytes)),
              testKit.system());
        }))
        .run(testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    return new Backend(name, b, accepted);
  }

  Endpoint virtual(String app) throws Exception {
    List<Endpoint> eps = gateway.resolve(app).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(1, eps.size());
    return eps.get(0);
  }

  /** A client that said hello through the gateway; its reply names the backend it reached. */
  record Client(Socket socket, String backend) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** Adds {@code real} to {@code app} as {@code node}'s, waiting until the gateway has it. */
  void addReal(String app, String node, Endpoint real) throws Exception {
    gateway.addReal(app, node, List.of(real)).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Puts {@code backend} behind {@code app}'s virtual service (as node-a's real) and returns that service. */
  Endpoint serve(String app, ServerSocket backend) throws Exception {
    addReal(app, "node-a", new Endpoint("127.0.0.1", backend.getLocalPort()));
    return virtual(app);
  }

  Client connect(Endpoint virtual) throws IOException {
    Socket s = new Socket(virtual.host(), virtual.port());
    s.setSoTimeout((int) WAIT.toMillis());
    s.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
    byte[] reply = new byte[64];
    int n = 0;
    InputStream in = s.getInputStream();
    while (n < 2 || !new String(reply, 0, n, StandardCharsets.UTF_8).endsWith("hello")) {
      int r = in.read(reply, n, reply.length - n);
      if (r < 0) {
        s.close();
        throw new IOException("closed by the gateway after " + new String(reply, 0, n, StandardCharsets.UTF_8));
      }
      n += r;
    }
    String text = new String(reply, 0, n, StandardCharsets.UTF_8);
    return new Client(s, text.substring(0, text.indexOf(':')));
  }

  @Test
  void splicesBothWaysAndSpreadsConnectionsByLeastConnections() throws Exception {
    Backend a = backend("A");
    Backend b = backend("B");
    addReal("echo", "node-a", a.endpoint());
    addReal("echo", "node-b", b.endpoint());
    Endpoint v = virtual("echo");
    assertEquals("127.0.0.1", v.host());

    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      clients.add(connect(v));
    }
    assertEquals(2, clients.stream().filter(c -> c.backend().equals("A")).count(), clients.toString());
    assertEquals(2, clients.stream().filter(c -> c.backend().equals("B")).count(), clients.toString());

    // A's two connections end: A now has the fewest, so new clients go there
    for (Client c : clients) {
      if (c.backend().equals("A")) {
        c.close();
      }
    }
    // The relay sees closed connections a moment later, so a try may still find A busy; once it has
    // noticed them, two new clients both go to A (0 then 1 connection, against B's 2).
    List<Client> more = new ArrayList<>();
    await("two new clients on A while B still holds 2").atMost(WAIT).until(() -> {
      Client first = connect(v);
      Client second = connect(v);
      if (first.backend().equals("A") && second.backend().equals("A")) {
        more.add(first);
        more.add(second);
        return true;
      }
      first.close();
      second.close();
      return false;
    });
    assertEquals(List.of("A", "A"), more.stream().map(Client::backend).toList(), "B still holds 2 connections");
    for (Client c : clients) {
      c.close();
    }
    for (Client c : more) {
      c.close();
    }
  }

  @Test
  void aBackendThatDiesIsSkippedAndItsClientsGoToTheOthers() throws Exception {
    Backend a = backend("A");
    Backend b = backend("B");
    addReal("echo", "node-a", a.endpoint());
    addReal("echo", "node-b", b.endpoint());
    Endpoint v = virtual("echo");
    b.die();
    for (int i = 0; i < 4; i++) {
      try (Client c = connect(v)) {
        assertEquals("A", c.backend());
      }
    }
    assertEquals(0, b.accepted().get());
  }

  @Test
  void anAppWithoutRealsIsNotAvailableAndItsClientsAreClosed() throws Exception {
    Backend a = backend("A");
    addReal("echo", "node-a", a.endpoint());
    Endpoint v = virtual("echo");
    gateway.removeReal("echo", "node-a").toCompletableFuture().get(10, TimeUnit.SECONDS);

    CompletionException e = assertThrows(CompletionException.class, () -> gateway.resolve("echo").toCompletableFuture().join());
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, assertInstanceOf(CocaineException.class, e.getCause()).code());
    assertTrue(e.getCause().getMessage().contains("'echo'"), e.getCause().getMessage());
    IOException closed = assertThrows(IOException.class, () -> connect(v));
    assertTrue(closed.getMessage().contains("closed by the gateway") || closed.getMessage().contains("reset"),
        closed.getMessage());

    CompletionException unknown = assertThrows(CompletionException.class,
        () -> gateway.resolve("never-seen").toCompletableFuture().join());
    assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, ((CocaineException) unknown.getCause()).code());

    // the virtual endpoint stays (as in 0.12): a real coming back serves the same port
    addReal("echo", "node-a", a.endpoint());
    assertEquals(v, virtual("echo"));
    try (Client c = connect(v)) {
      assertEquals("A", c.backend());
    }
  }

  @Test
  void aBackendThatDoesNotReadStopsTheClientInsteadOfFillingMemory() throws Exception {
    try (ServerSocket deaf = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(deaf.accept()); // and never read
          }
        } catch (IOException e) {
          // closed at the end
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      Endpoint v = serve("sink", deaf);
      long offered = 256L << 20;
      AtomicLong written = new AtomicLong();
      try (Socket client = new Socket(v.host(), v.port())) {
        Thread writer = new Thread(() -> {
          byte[] chunk = new byte[64 << 10];
          try {
            OutputStream out = client.getOutputStream();
            while (written.get() < offered) {
              out.write(chunk);
              written.addAndGet(chunk.length);
            }
          } catch (IOException e) {
            // closed at the end
          }
        });
        writer.setDaemon(true);
        writer.start();
        long[] last = {-1};
        // the writer stalls: nothing moves between two polls
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
          long now = written.get();
          boolean stalled = now == last[0] && now > 0;
          last[0] = now;
          return stalled;
        });
        assertTrue(written.get() < offered / 4, "the gateway took " + written.get() + " bytes from the client");
      }
      for (Socket s : held) {
        s.close();
      }
    }
  }

  /** A plain-socket backend: {@code serve} runs on its own thread for each accepted connection. */
  ServerSocket plainBackend(java.util.function.Consumer<Socket> serve) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    closing.add(server);
    Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          Socket s = server.accept();
          closing.add(s);
          Thread t = new Thread(() -> serve.accept(s));
          t.setDaemon(true);
          t.start();
        }
      } catch (IOException e) {
        // closed at the end
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
    return server;
  }

  @Test
  void aClientThatDoesNotReadStopsTheRealInsteadOfFillingMemory() throws Exception {
    long offered = 256L << 20;
    AtomicLong written = new AtomicLong();
    ServerSocket talker = plainBackend(s -> {
      byte[] chunk = new byte[64 << 10];
      try {
        OutputStream out = s.getOutputStream();
        while (written.get() < offered) {
          out.write(chunk);
          written.addAndGet(chunk.length);
        }
      } catch (IOException e) {
        // closed at the end
      }
    });
    Endpoint v = serve("source", talker);
    try (Socket client = new Socket(v.host(), v.port())) { // and never reads
      long[] last = {-1};
      await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
        long now = written.get();
        boolean stalled = now == last[0] && now > 0;
        last[0] = now;
        return stalled;
      });
      assertTrue(written.get() < offered / 4, "the gateway took " + written.get() + " bytes from the real");
      // and what it holds still arrives once the client reads
      client.setSoTimeout((int) WAIT.toMillis());
      byte[] buf = new byte[1 << 20];
      long read = 0;
      while (read < written.get()) {
        read += client.getInputStream().read(buf);
      }
      await().atMost(WAIT).until(() -> written.get() > last[0]);
    }
  }

  @Test
  void aClientsHalfCloseReachesTheRealAndTheAnswerStillComesBack() throws Exception {
    ServerSocket counter = plainBackend(s -> {
      try {
        byte[] all = s.getInputStream().readAllBytes(); // until the client's end of stream
        s.getOutputStream().write(("got " + all.length).getBytes(StandardCharsets.UTF_8));
        s.close();
      } catch (IOException e) {
        // the test fails on the client's side
      }
    });
    Endpoint v = serve("count", counter);
    try (Socket client = new Socket(v.host(), v.port())) {
      client.setSoTimeout((int) WAIT.toMillis());
      client.getOutputStream().write(new byte[300_000]);
      client.shutdownOutput();
      assertEquals("got 300000", new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void aRealsHalfCloseReachesTheClientWhichCanStillSend() throws Exception {
    AtomicLong received = new AtomicLong(-1);
    ServerSocket greeter = plainBackend(s -> {
      try {
        s.getOutputStream().write("bye".getBytes(StandardCharsets.UTF_8));
        s.shutdownOutput();
        received.set(s.getInputStream().readAllBytes().length);
        s.close();
      } catch (IOException e) {
        // the test fails on received
      }
    });
    Endpoint v = serve("greet", greeter);
    try (Socket client = new Socket(v.host(), v.port())) {
      client.setSoTimeout((int) WAIT.toMillis());
      assertEquals("bye", new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      client.getOutputStream().write(new byte[200_000]);
      client.shutdownOutput();
      await().atMost(WAIT).until(() -> received.get() == 200_000);
      assertEquals(-1, client.getInputStream().read(), "the gateway closes once both sides ended");
    }
  }

  @Test
  void aRemovedRealGetsNoNewClientsWhileItsOpenConnectionsRunOn() throws Exception {
    Backend a = backend("A");
    Backend b = backend("B");
    addReal("echo", "node-a", a.endpoint());
    Endpoint v = virtual("echo");
    try (Client onA = connect(v)) {
      assertEquals("A", onA.backend());
      addReal("echo", "node-b", b.endpoint());
      gateway.removeReal("echo", "node-a").toCompletableFuture().get(10, TimeUnit.SECONDS);
      for (int i = 0; i < 3; i++) {
        try (Client c = connect(v)) {
          assertEquals("B", c.backend());
        }
      }
      assertEquals(1, a.accepted().get());
      onA.socket().getOutputStream().write("again".getBytes(StandardCharsets.UTF_8));
      byte[] reply = new byte[16];
      int n = onA.socket().getInputStream().read(reply);
      assertEquals("A:again", new String(reply, 0, n, StandardCharsets.UTF_8));
    }
  }
}
