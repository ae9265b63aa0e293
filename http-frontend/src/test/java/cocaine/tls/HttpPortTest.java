package cocaine.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HttpPortTest {
  static ActorTestKit kit;
  static ActorSystem<?> system;
  private final List<HttpPort> ports = new ArrayList<>();
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create();
    system = kit.system();
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @AfterEach
  void close() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    for (HttpPort p : ports) {
      p.terminate(Duration.ofMillis(100)).toCompletableFuture().join();
    }
  }

  private static ServerSettings settings() {
    return ServerSettings.create(system.classicSystem());
  }

  private HttpPort bind(ServerSettings settings, Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
    HttpPort p = HttpPort.bind(system, "test port", "127.0.0.1", 0, settings, handler).toCompletableFuture().join();
    ports.add(p);
    return p;
  }

  private static CompletionStage<HttpResponse> echoPath(HttpRequest r) {
    r.discardEntityBytes(system);
    return CompletableFuture.completedFuture(HttpResponse.create().withEntity(r.getUri().path()));
  }

  private Socket connect(HttpPort p) throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.connect(p.localAddress(), 5000);
    s.setSoTimeout(10_000);
    return s;
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
  }

  private static String get(String path, String... headers) {
    return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + String.join("", headers) + "\r\n";
  }

  /** Reads until the text read contains {@code count} times {@code marker}, or the end; returns the text. */
  private static String readUntil(Socket s, String marker, int count) throws IOException {
    InputStream in = s.getInputStream();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    while (occurrences(got.toString(StandardCharsets.US_ASCII), marker) < count) {
      int n = in.read(buf);
      if (n < 0) {
        break;
      }
      got.write(buf, 0, n);
    }
    return got.toString(StandardCharsets.US_ASCII);
  }

  private static int occurrences(String text, String marker) {
    int n = 0;
    for (int i = text.indexOf(marker); i >= 0; i = text.indexOf(marker, i + 1)) {
      n++;
    }
    return n;
  }

  /** True when the server closed the connection: a read sees the end (or a reset). */
  private static boolean closedByServer(Socket s) throws IOException {
    try {
      return s.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) { // reset
      return true;
    }
  }

  /**
   * Waits until the port has read all that {@code s} sent: the receive queue of its end of the
   * connection is empty (/proc/net/tcp*, Linux). What {@code s} sends next comes in another read.
   */
  private static void awaitAllRead(HttpPort p, Socket s) {
    String ports = String.format(":%04X", p.localAddress().getPort()) + " " + String.format(":%04X", s.getLocalPort());
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 4 && f[0].endsWith(":") && (f[1].substring(f[1].indexOf(':')) + " " + f[2].substring(f[2].indexOf(':'))).equals(ports)) {
            return f[4].endsWith(":00000000");
          }
        }
      }
      return false;
    });
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws IOException {
    HttpPort p = bind(settings(), HttpPortTest::echoPath);
    Socket s = connect(p);
    send(s, get("/one") + get("/two") + get("/three"));
    String got = readUntil(s, "HTTP/1.1 200", 3);
    assertTrue(got.indexOf("/one") < got.indexOf("/two") && got.indexOf("/two") < got.indexOf("/three"), got);
    assertEquals(1, p.openConnections());
  }

  @Test
  void connectionCloseIsAnsweredThenTheConnectionCloses() throws IOException {
    HttpPort p = bind(settings(), HttpPortTest::echoPath);
    Socket s = connect(p);
    send(s, get("/last", "Connection: close\r\n"));
    String got = readUntil(s, "never there", 1); // to the end
    assertTrue(got.startsWith("HTTP/1.1 200") && got.endsWith("/last"), got);
    await().atMost(Duration.ofSeconds(10)).until(() -> p.openConnections() == 0);
  }

  @Test
  void aPeerThatHalfClosesGetsItsAnswer() throws IOException {
    HttpPort p = bind(settings(), r -> {
      r.discardEntityBytes(system);
      // answered a little later, after the end of the request side has been read
      return CompletableFuture.supplyAsync(() -> HttpResponse.create().withEntity("late"),
          CompletableFuture.delayedExecutor(1500, TimeUnit.MILLISECONDS));
    });
    Socket s = connect(p);
    send(s, get("/x"));
    s.shutdownOutput();
    String got = readUntil(s, "never there", 1);
    assertTrue(got.startsWith("HTTP/1.1 200") && got.endsWith("late"), got);
  }

  @Test
  void anIdleConnectionIsClosedAfterTheIdleTimeout() throws IOException {
    ServerSettings s = settings();
    HttpPort p = bind(s.withTimeouts(s.getTimeouts().withIdleTimeout(
        scala.concurrent.duration.Duration.create(300, TimeUnit.MILLISECONDS))), HttpPortTest::echoPath);
    Socket idle = connect(p);
    send(idle, get("/once"));
    assertTrue(readUntil(idle, "/once", 1).endsWith("/once"));
    long start = System.nanoTime();
    assertTrue(closedByServer(idle), "the idle connection is closed");
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
    await().atMost(Duration.ofSeconds(10)).until(() -> p.openConnections() == 0);
  }

  @Test
  void theConnectionOverMaxConnectionsIsClosedAndCountedAndTheOthersGoOn() throws IOException {
    HttpPort p = bind(settings().withMaxConnections(2), HttpPortTest::echoPath);
    Socket a = connect(p);
    Socket b = connect(p);
    send(a, get("/a"));
    send(b, get("/b"));
    readUntil(a, "/a", 1);
    readUntil(b, "/b", 1);
    Socket over = connect(p);
    assertTrue(closedByServer(over), "the third connection is closed at once");
    assertEquals(1, p.refusedConnections());
    send(a, get("/still"));
    assertTrue(readUntil(a, "/still", 1).endsWith("/still"), "the open ones are served");
    a.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> p.openConnections() == 1);
    Socket next = connect(p);
    send(next, get("/next"));
    assertTrue(readUntil(next, "/next", 1).endsWith("/next"), "a place freed serves the next one");
  }

  @Test
  void aPeerThatDoesNotReadIsBackpressuredWithBoundedMemory() throws IOException {
    AtomicLong produced = new AtomicLong();
    ByteString chunk = ByteString.fromArray(new byte[64 * 1024]);
    HttpPort p = bind(settings(), r -> {
      r.discardEntityBytes(system);
      Source<ByteString, ?> endless = Source.repeat(chunk).map(c -> {
        produced.addAndGet(c.size());
        return c;
      });
      return CompletableFuture.completedFuture(HttpResponse.create()
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, endless)));
    });
    Socket s = connect(p);
    s.setReceiveBufferSize(64 * 1024);
    send(s, get("/endless"));
    await().atMost(Duration.ofSeconds(10)).until(() -> produced.get() > 0);
    // the socket's buffers fill, then the response's source is no longer pulled
    long bound = 32L * 1024 * 1024;
    AtomicLong last = new AtomicLong(-1);
    await().pollInterval(Duration.ofMillis(500)).atMost(Duration.ofSeconds(30))
        .until(() -> last.getAndSet(produced.get()) == last.get());
    assertTrue(produced.get() < bound, "held at most " + bound + " bytes, produced " + produced.get());
    // reading again lets it go on
    long stalled = produced.get();
    s.getInputStream().readNBytes(4 * 1024 * 1024);
    await().atMost(Duration.ofSeconds(10)).until(() -> produced.get() > stalled);
  }

  @Test
  void theClientAddressReachesTheRequest() throws IOException {
    HttpPort p = bind(settings().withRemoteAddressAttribute(true), r -> {
      r.discardEntityBytes(system);
      String remote = r.getAttribute(AttributeKeys.remoteAddress).map(a -> a.getAddress().get().getHostAddress()
          + ":" + a.getPort()).orElse("none");
      return CompletableFuture.completedFuture(HttpResponse.create().withEntity("from " + remote));
    });
    Socket s = connect(p);
    send(s, get("/who"));
    assertTrue(readUntil(s, "from 127.0.0.1:" + s.getLocalPort(), 1).endsWith("from 127.0.0.1:" + s.getLocalPort()));
  }

  @Test
  void stopLetsTheRequestInFlightFinishAndClosesTheIdleOnes() throws IOException {
    CompletableFuture<HttpResponse> answer = new CompletableFuture<>();
    CompletableFuture<Void> asked = new CompletableFuture<>();
    HttpPort p = bind(settings(), r -> {
      r.discardEntityBytes(system);
      if (r.getUri().path().equals("/slow")) {
        asked.complete(null);
        return answer;
      }
      return echoPath(r);
    });
    Socket idle = connect(p);
    send(idle, get("/fast"));
    readUntil(idle, "/fast", 1);
    Socket busy = connect(p);
    send(busy, get("/slow"));
    await().atMost(Duration.ofSeconds(10)).until(asked::isDone);
    CompletableFuture<?> stopped = p.terminate(Duration.ofSeconds(20)).toCompletableFuture();
    assertTrue(closedByServer(idle), "an idle connection closes at once");
    assertFalse(stopped.isDone(), "the stop waits for the request in flight");
    answer.complete(HttpResponse.create().withEntity("finished"));
    String gotBusy = readUntil(busy, "finished", 1);
    assertTrue(gotBusy.endsWith("finished"), gotBusy);
    stopped.join();
    assertEquals(0, p.openConnections());
    ports.remove(p);
    Socket after = new Socket();
    sockets.add(after);
    boolean refused;
    try {
      after.connect(p.localAddress(), 2000);
      refused = closedByServer(after);
    } catch (IOException e) {
      refused = true;
    }
    assertTrue(refused, "the port no longer serves");
  }

  @Test
  void theStopCutsWhatIsStillOpenAtItsDeadline() throws IOException {
    HttpPort p = bind(settings(), r -> new CompletableFuture<>()); // never answers
    Socket s = connect(p);
    send(s, get("/never"));
    await().atMost(Duration.ofSeconds(10)).until(() -> p.openConnections() == 1);
    p.terminate(Duration.ofMillis(300)).toCompletableFuture().join();
    ports.remove(p);
    assertTrue(closedByServer(s));
  }

  @Test
  void aPortInUseFailsNamingTheAddress() {
    HttpPort p = bind(settings(), HttpPortTest::echoPath);
    InetSocketAddress taken = p.localAddress();
    CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, () ->
        HttpPort.bind(system, "test port", "127.0.0.1", taken.getPort(), settings(), HttpPortTest::echoPath)
            .toCompletableFuture().join());
    assertInstanceOf(BindException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("test port cannot listen on 127.0.0.1:" + taken.getPort()),
        e.getCause().getMessage());
  }

  @Test
  void aPeerResetMidBodyFailsOnlyThatRequestAndThePortServesOn() throws IOException {
    CompletableFuture<Throwable> bodyEnded = new CompletableFuture<>();
    HttpPort p = bind(settings(), r -> {
      if (r.getUri().path().equals("/upload")) {
        return r.entity().getDataBytes().runFold(0L, (n, b) -> n + b.size(), system).handle((n, e) -> {
          bodyEnded.complete(e);
          return HttpResponse.create().withEntity("got " + n);
        });
      }
      return echoPath(r);
    });
    Socket s = connect(p);
    send(s, "POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 1000000\r\n\r\n" + "x".repeat(100_000));
    await().atMost(Duration.ofSeconds(10)).until(() -> p.openConnections() == 1);
    s.setSoLinger(true, 0);
    s.close(); // RST
    Throwable failure = bodyEnded.orTimeout(10, TimeUnit.SECONDS).join();
    assertTrue(failure != null, "the cut body ends the handler's read with an error");
    await().atMost(Duration.ofSeconds(10)).until(() -> p.openConnections() == 0);
    Socket next = connect(p);
    send(next, get("/next"));
    assertTrue(readUntil(next, "/next", 1).endsWith("/next"));
  }

  /** The parser's body limit, with a handler that reads the body: answered as pekko-http on Pekko IO answered it. */
  @Test
  void aBodyOverTheParsersLimitIsRefusedAsOnPekkoIo() throws IOException {
    ServerSettings s = settings();
    ServerSettings limited = s.withParserSettings(s.getParserSettings().withMaxContentLength(1000));
    Function<HttpRequest, CompletionStage<HttpResponse>> reading = r -> r.entity().toStrict(5000, system)
        .thenApply(e -> HttpResponse.create().withEntity("took it"));
    var pekkoIo = org.apache.pekko.http.javadsl.Http.get(system).newServerAt("127.0.0.1", 0).withSettings(limited)
        .bind(reading).toCompletableFuture().join();
    String big = "POST /big HTTP/1.1\r\nHost: test\r\nContent-Length: 2000\r\n\r\n" + "x".repeat(2000);
    try {
      Socket old = new Socket();
      sockets.add(old);
      old.connect(pekkoIo.localAddress(), 5000);
      old.setSoTimeout(10_000);
      send(old, big);
      String before = readUntil(old, "\r\n", 1).split("\r\n")[0];
      Socket now = connect(bind(limited, reading));
      send(now, big);
      String after = readUntil(now, "\r\n", 1).split("\r\n")[0];
      assertFalse(before.contains(" 200 "), before);
      assertEquals(before, after);
    } finally {
      pekkoIo.unbind();
    }
  }
  /** A client that writes head and body apart: the handler gets the small body whole, not as a stream to run. */
  @Test
  void aSmallBodyWrittenAfterItsHeadReachesTheHandlerWhole() throws IOException {
    HttpPort p = bind(settings(), r -> {
      boolean strict = r.entity().isStrict();
      return r.entity().toStrict(5000, system).thenApply(e ->
          HttpResponse.create().withEntity((strict ? "strict " : "streamed ") + e.getData().utf8String()));
    });
    Socket s = connect(p);
    send(s, "POST /split HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\n");
    awaitAllRead(p, s);
    send(s, "hello");
    assertTrue(readUntil(s, "hello", 1).endsWith("strict hello"));
    // the connection goes on: the next request, written at once
    send(s, "POST /again HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc");
    assertTrue(readUntil(s, "abc", 1).endsWith("strict abc"));
  }
}
