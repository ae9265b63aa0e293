package cocaine.proxy;

import static cocaine.proxy.FakeCluster.chunk;
import static cocaine.proxy.FakeCluster.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import cocaine.admin.ProxyMetrics;
import cocaine.config.Settings;
import cocaine.proxy.FakeCluster.App;
import cocaine.proxy.FakeCluster.Request;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HttpProxyTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static FakeCluster cluster;
  static App echo;
  static App slow;
  static App streamer;
  static ProxyMetrics metrics;
  static HttpProxy.Running proxy;
  static HttpClient http;
  static String base;

  @BeforeAll
  static void start() {
    cluster = new FakeCluster(kit.system());
    echo = cluster.app("echo");
    slow = cluster.app("slow");
    streamer = cluster.app("streamer");
    cluster.storage.manifest("streamer", Map.of("slave", "streamer.py", "streaming", true));
    cluster.storage.manifest("echo", Map.of("slave", "echo.py"));
    metrics = ProxyMetrics.create();
    Settings settings = Settings.load("proxy", ConfigFactory.parseString("""
        cocaine.proxy {
          host = "127.0.0.1"
          port = 0
          pool-size = 2
          retries = 2
          timeout = 5s
          max-body-bytes = 256KiB
          locator-port = %d
          app-timeouts = [{ app = slow, timeout = 400ms }]
          # these tests follow the app channel to its end: a client gone or a timeout reaches the app
          cancel-on-disconnect = true
          json-rpc = on
        }
        """.formatted(cluster.locatorPort())));
    proxy = HttpProxy.start(kit.system(), settings, metrics).toCompletableFuture().join();
    base = "http://127.0.0.1:" + proxy.localAddress().getPort();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    // the pool of 'slow' is made now: its 400 ms are for the tests, not for a cold start
    await().atMost(Duration.ofSeconds(10)).until(() -> get("/slow/warm-up").statusCode() == 200);
  }

  @AfterAll
  static void stop() {
    proxy.stop(Duration.ofSeconds(1)).toCompletableFuture().join();
    cluster.close();
    kit.shutdownTestKit();
  }

  static HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String path, byte[] body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  // ---- routes ----------------------------------------------------------------------------------

  @Test
  void pingAnswersOkWithoutAnyApp() throws Exception {
    HttpResponse<String> r = get("/ping");
    assertEquals(200, r.statusCode());
    assertEquals("OK\n", r.body());
    assertEquals(Optional.of("Cocaine"), r.headers().firstValue("X-Powered-By"));
  }

  @Test
  void pathNamesAppAndEventAndTheAppGetsTheRestWithQuery() throws Exception {
    HttpResponse<String> r = get("/echo/hello/a/b?x=1&y=%20");
    assertEquals(200, r.statusCode());
    assertEquals("GET /a/b?x=1&y=%20 ", r.body());
    assertEquals("hello", echo.last().event());
    assertEquals(Optional.of("echo"), r.headers().firstValue("X-Cocaine-Application"));
    // after the answer the proxy closes its side normally: no error reaches the app
    assertEquals(List.of(Graph.CLOSE), types(echo.last().rest().get(5, TimeUnit.SECONDS)));

    assertEquals("GET / ", get("/echo/hello").body());
    assertEquals("GET /?q=2 ", get("/echo/hello?q=2").body());
    assertEquals(List.of("echo"), echo.last().header("X-Cocaine-Service"));
  }

  @Test
  void headersNameAppAndEventAndTheUriGoesUnchanged() throws Exception {
    HttpResponse<String> r = get("/some/where/else?k=v", "X-Cocaine-Service", "echo", "X-Cocaine-Event", "hi");
    assertEquals(200, r.statusCode());
    assertEquals("GET /some/where/else?k=v ", r.body());
    assertEquals("hi", echo.last().event());
  }

  @Test
  void onlyOneDispatchHeaderIsABadRequest() throws Exception {
    HttpResponse<String> r = get("/echo/hello", "X-Cocaine-Service", "echo");
    assertEquals(400, r.statusCode());
    assertContains(r.body(), "X-Cocaine-Event");
    assertEquals(Optional.of("Cocaine"), r.headers().firstValue("X-Error-Generated-By"));
  }

  @Test
  void aPathThatNamesNoEventIsNotFound() throws Exception {
    HttpResponse<String> r = get("/echo");
    assertEquals(404, r.statusCode());
    assertContains(r.body(), "Invalid url");
    assertEquals(Optional.of("Cocaine"), r.headers().firstValue("X-Error-Generated-By"));
    assertTrue(r.headers().firstValue("X-Request-Id").isPresent());
  }

  // ---- the request as the app gets it ---------------------------------------------------------

  @Test
  void requestChunkIsOldStyleRawMsgpackWithTheBodyAsStr16() throws Exception {
    byte[] body = new byte[0x52];
    Arrays.fill(body, (byte) 'z');
    HttpResponse<String> r = post("/echo/announce/announce?a=1", body, "X-Custom", "v1", "x-custom", "v2");
    assertEquals(200, r.statusCode());
    byte[] payload = echo.last().payload();
    String hex = HexFormat.of().formatHex(payload);
    assertStarts("95" + "a4" + hex("POST") + "ad" + hex("/announce?a=1") + "a3" + hex("1.1") + "9", hex);
    assertEnds("da0052" + hex(new String(body, StandardCharsets.US_ASCII)), hex);
    for (byte b : payload) {
      assertTrue(b != (byte) 0xd9 && b != (byte) 0xc4 && b != (byte) 0xc5 && b != (byte) 0xc6, "str8/bin marker");
    }
    assertEquals(List.of("v1", "v2"), echo.last().header("X-Custom"));
    assertEquals(List.of("82"), echo.last().header("Content-Length"));
  }

  @Test
  void aBodyOver64KiBIsStr32() throws Exception {
    byte[] body = new byte[70_000];
    Arrays.fill(body, (byte) 'q');
    assertEquals(200, post("/echo/big", body).statusCode());
    String hex = HexFormat.of().formatHex(echo.last().payload());
    assertStarts("db00011170", hex.substring(hex.length() - 2 * body.length - 10));
  }

  @Test
  void requestIdBecomesTheTraceAndIsEchoed() throws Exception {
    HttpResponse<String> r = get("/echo/trace", "X-Request-Id", "deadbeef");
    assertEquals(Optional.of("00000000deadbeef"), r.headers().firstValue("X-Request-Id"));
    Request seen = echo.last();
    assertEquals(0xdeadbeefL, seen.traceHeader(Header.TRACE_ID));
    assertNotEquals(0L, seen.traceHeader(Header.SPAN_ID));
    // echo has no timeout of its own: the proxy's default is not sent, the app's profile decides
    assertEquals(Optional.empty(), Header.find(seen.headers(), Header.REQUEST_TIMEOUT));
    get("/slow/trace");
    assertEquals(Optional.of(400L), Header.find(slow.last().headers(), Header.REQUEST_TIMEOUT).flatMap(Header::asLong));

    HttpResponse<String> made = get("/echo/trace");
    assertTrue(made.headers().firstValue("X-Request-Id").orElseThrow().matches("[0-9a-f]{16}"), made.headers().firstValue("X-Request-Id").orElseThrow());
    assertEquals(made.headers().firstValue("X-Request-Id").orElseThrow().replaceFirst("^0+", ""),
        Long.toHexString(echo.last().traceHeader(Header.TRACE_ID)));

    assertEquals(400, get("/echo/trace", "X-Request-Id", "not-hex").statusCode());
  }

  @Test
  void w3cTraceparentGivesTraceAndParent() throws Exception {
    get("/echo/trace", "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    Request seen = echo.last();
    assertEquals(0x8448eb211c80319cL, seen.traceHeader(Header.TRACE_ID));
    assertEquals(0xb7ad6b7169203331L, seen.traceHeader(Header.PARENT_ID));
  }

  @Test
  void authorizationGoesToTheAppAsAHeader() throws Exception {
    get("/echo/auth", "Authorization", "Bearer xyz");
    assertEquals(Optional.of("Bearer xyz"), Header.find(echo.last().headers(), Header.AUTHORIZATION).map(Header::asText));
  }

  // ---- responses -------------------------------------------------------------------------------

  @Test
  void responseIsStreamedChunkedWhenTheAppGivesNoLength() throws Exception {
    CompletableFuture<Boolean> firstRead = new CompletableFuture<>();
    echo.on("stream", r -> Source.from(List.of(head(200, "Content-Type", "text/plain", "X-App", "yes"), chunk("first;")))
        .concat(Source.completionStage(firstRead).map(x -> chunk("second")))
        .concat(Source.single(Message.close())));
    HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + "/echo/stream")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertEquals(Optional.of("chunked"), r.headers().firstValue("Transfer-Encoding"));
    assertEquals(Optional.of("yes"), r.headers().firstValue("X-App"));
    assertStarts("text/plain", r.headers().firstValue("Content-Type").orElseThrow());
    try (InputStream in = r.body()) {
      // the second chunk is only made after the client has read the first: nothing is buffered whole
      assertEquals("first;", new String(in.readNBytes(6), StandardCharsets.UTF_8));
      firstRead.complete(true);
      assertEquals("second", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void noContentHasNoBodyEvenIfTheAppSendsOne() throws Exception {
    echo.on("nothing", r -> Source.from(List.of(head(204), chunk("ignored"), Message.close())));
    HttpResponse<String> r = get("/echo/nothing");
    assertEquals(204, r.statusCode());
    assertTrue(r.body().isEmpty());
    assertEquals("GET / ", get("/echo/after-204").body());
  }

  @Test
  void anEmptyChunkEndsTheBodyOfAnAppSpeakingProto11() throws Exception {
    echo.on("proto11", r -> Source.from(List.of(head(200, "X-Cocaine-HTTP-Proto-Version", "1.1"), chunk("body"),
        chunk(""))).concat(Source.completionStage(r.rest()).map(x -> Message.close())));
    HttpResponse<String> r = get("/echo/proto11");
    assertEquals("body", r.body());
    assertTrue(r.headers().firstValue("X-Cocaine-HTTP-Proto-Version").isEmpty());
    assertEquals(List.of(Graph.CLOSE), types(echo.last().rest().get(5, TimeUnit.SECONDS)));
  }

  @Test
  void contentLengthOfTheAppIsKept() throws Exception {
    echo.on("sized", r -> Source.from(List.of(head(201, "Content-Length", "5"), chunk("he"), chunk("llo"),
        Message.close())));
    HttpResponse<String> r = get("/echo/sized");
    assertEquals(201, r.statusCode());
    assertEquals(Optional.of("5"), r.headers().firstValue("Content-Length"));
    assertTrue(r.headers().firstValue("Transfer-Encoding").isEmpty());
    assertEquals("hello", r.body());
  }

  @Test
  void aBigAnswerInSeveralChunksReachesTheClientWhole() throws Exception {
    String a = "a".repeat(100_000);
    String b = "b".repeat(100_000);
    String c = "c".repeat(100_000);
    echo.on("big-answer", r -> Source.from(List.of(head(200, "Content-Type", "text/plain"), chunk(a), chunk(b),
        chunk(c), Message.close())));
    HttpResponse<String> r = get("/echo/big-answer");
    assertEquals(200, r.statusCode());
    assertEquals(a + b + c, r.body());
  }

  @Test
  void headGetsTheHeadersButNoBody() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/echo/h"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertTrue(r.body().isEmpty());
    assertEquals("HEAD", echo.last().method());
    echo.on("sized-head", req -> Source.from(List.of(head(200, "Content-Length", "5"), chunk("hello"), Message.close())));
    HttpResponse<String> sized = http.send(HttpRequest.newBuilder(URI.create(base + "/echo/sized-head"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, sized.statusCode());
    assertEquals(Optional.of("5"), sized.headers().firstValue("Content-Length"));
    assertTrue(sized.body().isEmpty());
    // the connection stays usable: nothing of the app's body leaked into it
    assertEquals("GET / ", get("/echo/after-head").body());
    await().atMost(Duration.ofSeconds(5)).until(() -> echo.last().rest().isDone());
  }

  // ---- errors ----------------------------------------------------------------------------------

  @Test
  void jsonRpcSendsAStreamingMethodItsChunksAndAnswersWithItsReplies() throws Exception {
    echo.on("rpc", r -> Source.from(List.of(chunk("got " + Values.asString(r.firstChunk().args().get(0))),
        chunk("b"), Message.close())));
    HttpResponse<String> r = post("/", ("{\"jsonrpc\": \"2.0\", \"method\": \"echo.enqueue\", \"params\": [\"rpc\"], "
        + "\"chunks\": [[\"write\", [\"x\"]], [\"close\", []]], \"id\": \"s1\"}").getBytes(StandardCharsets.UTF_8),
        "X-Cocaine-JSON-RPC", "1");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("{\"jsonrpc\":\"2.0\",\"result\":[\"got x\",\"b\"],\"id\":\"s1\"}", r.body());
    HttpResponse<String> bad = post("/", ("{\"jsonrpc\": \"2.0\", \"method\": \"echo.enqueue\", \"params\": [\"rpc\"], "
        + "\"chunks\": [[\"shout\", []]], \"id\": 2}").getBytes(StandardCharsets.UTF_8), "X-Cocaine-JSON-RPC", "1");
    assertEquals(500, bad.statusCode(), bad.body());
    assertContains(bad.body(), "each chunk must be [name, [args]]");
  }

  @Test
  void unknownAppIsUnavailableAfterRetryingEachTimeThroughTheLocator() throws Exception {
    HttpResponse<String> r = get("/ghost/x");
    assertEquals(503, r.statusCode());
    // the tornado proxy's answer for an app nobody publishes
    assertEquals("current application ghost is unavailable\n", r.body());
    assertEquals(Optional.of("Cocaine"), r.headers().firstValue("X-Error-Generated-By"));
    // each of the 3 attempts resolved anew; the app's pool may resolve once more on its own afterwards
    // (seen once in a loaded run since the pool publishes its leases), so at least 3
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertTrue(cluster.locator.resolves("ghost") >= 3,
        "resolves of ghost: " + cluster.locator.resolves("ghost")));
  }

  @Test
  void queueFullIsRetriedOnlyRetriesTimesThenUnavailable() throws Exception {
    App busy = cluster.app("busy").otherwise(r -> Source.failed(new CocaineException(ErrorCode.QUEUE_IS_FULL,
        "queue is full")));
    HttpResponse<String> r = get("/busy/x");
    assertEquals(503, r.statusCode());
    assertContains(r.body(), "[21247, 1]");
    assertEquals(3, busy.enqueues.get());
  }

  @Test
  void tooManyChannelsOnEveryConnectionIsUnavailable() throws Exception {
    App crowded = cluster.app("crowded").otherwise(r -> Source.failed(new CocaineException(
        ErrorCode.TRY_AGAIN, "too many open channels on this connection (limit 1024)")));
    HttpResponse<String> r = get("/crowded/x");
    assertEquals(503, r.statusCode());
    assertContains(r.body(), "too many open channels");
    assertEquals(3, crowded.enqueues.get());
  }

  @Test
  void queueFullOnceThenServedByTheRetry() throws Exception {
    App flaky = cluster.app("flaky");
    flaky.otherwise(r -> flaky.enqueues.get() == 1
        ? Source.failed(new CocaineException(ErrorCode.QUEUE_IS_FULL, "queue is full"))
        : App.echo(r));
    HttpResponse<String> r = post("/flaky/x", "body".getBytes(StandardCharsets.UTF_8));
    assertEquals(200, r.statusCode());
    assertEquals("POST / body", r.body());
    assertEquals(2, flaky.enqueues.get());
  }

  @Test
  void anAppThatDoesNotAnswerInItsTimeoutIs504AndItsChannelGetsAnError() throws Exception {
    slow.on("never", r -> Source.completionStage(r.rest()).map(x -> Message.close()));
    long start = System.nanoTime();
    HttpResponse<String> r = get("/slow/never");
    assertEquals(504, r.statusCode());
    assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(3)) < 0);
    assertContains(r.body(), "400 ms");
    List<Message> rest = slow.last().rest().get();
    assertEquals(1, rest.size());
    assertEquals(Graph.ERROR, rest.get(0).type());
    assertEquals(ErrorCode.TIMEOUT, rest.get(0).toException().code());
  }

  @Test
  void aMalformedFirstChunkIs502WithTheReason() throws Exception {
    echo.on("garbage", r -> Source.from(List.of(chunk("not msgpack at all"), Message.close())));
    HttpResponse<String> r = get("/echo/garbage");
    assertEquals(502, r.statusCode());
    assertContains(r.body(), "malformed response head");
    echo.on("badcode", req -> Source.from(List.of(head(42), Message.close())));
    assertEquals(502, get("/echo/badcode").statusCode());
  }

  @Test
  void anAppErrorIs500WithItsText() throws Exception {
    echo.on("boom", r -> Source.failed(new CocaineException(new ErrorCode(43, 7), "division by zero")));
    HttpResponse<String> r = get("/echo/boom");
    assertEquals(500, r.statusCode());
    assertContains(r.body(), "division by zero", "[43, 7]");
    assertEquals(Optional.of("Cocaine"), r.headers().firstValue("X-Error-Generated-By"));
  }

  @Test
  void closeWithoutAHeadIs500() throws Exception {
    echo.on("empty", r -> Source.single(Message.close()));
    HttpResponse<String> r = get("/echo/empty");
    assertEquals(500, r.statusCode());
    assertContains(r.body(), "without sending a response head");
  }

  @Test
  void aBodyOverTheLimitIs413() throws Exception {
    int before = echo.enqueues.get();
    HttpResponse<String> r = post("/echo/x", new byte[300 * 1024]);
    assertEquals(413, r.statusCode());
    assertEquals(Optional.of("Cocaine"), r.headers().firstValue("X-Error-Generated-By"));
    // the same without a declared length: the limit holds while reading
    HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(URI.create(base + "/echo/x"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(new byte[300 * 1024])))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(413, chunked.statusCode());
    assertEquals(before, echo.enqueues.get());
  }

  @Test
  void aHeaderOverTheLimitIs431() throws Exception {
    HttpResponse<String> r = get("/echo/x", "X-Big", "v".repeat(9 * 1024));
    assertEquals(431, r.statusCode());
    assertEquals(Optional.of("Cocaine"), r.headers().firstValue("X-Error-Generated-By"));
    assertContains(r.body().toLowerCase(), "header");

    String[] many = new String[2 * 70];
    for (int i = 0; i < 70; i++) {
      many[2 * i] = "X-H" + i;
      many[2 * i + 1] = "v";
    }
    HttpResponse<String> tooMany = get("/echo/x", many);
    assertEquals(431, tooMany.statusCode(), tooMany.body());
    assertEquals(Optional.of("Cocaine"), tooMany.headers().firstValue("X-Error-Generated-By"));
  }

  @Test
  void aClientThatNeverFinishesItsBodyTimesOutWithoutHoldingAWorker() throws Exception {
    int before = slow.enqueues.get();
    try (Socket s = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /slow/x HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answer = readHead(s.getInputStream());
      assertStarts("HTTP/1.1 408", answer);
    }
    assertEquals(before, slow.enqueues.get());
  }

  @Test
  void aStreamingAppGetsTheBodyAsChunksAfterAnEmptyFirstOne() throws Exception {
    streamer.otherwise(r -> Source.completionStage(r.rest()).mapConcat(rest -> {
      StringBuilder got = new StringBuilder();
      for (Message m : rest) {
        got.append(m.type() == Graph.WRITE ? "w:" + cocaine.wire.Values.asString(m.args().get(0)) + ";" : "t" + m.type());
      }
      return List.of(head(200), chunk(r.body().isEmpty() ? "empty-first|" : "FULL-first|"), chunk(got.toString()),
          Message.close());
    }));
    try (Socket s = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /streamer/up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
          + "3\r\nabc\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      await().atMost(Duration.ofSeconds(5)).until(() -> streamer.last() != null);
      out.write("2\r\nde\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertStarts("HTTP/1.1 200", all);
      assertContains(all, "empty-first|", "w:abc;w:de;t2");
    }
  }

  @Test
  void aClientThatGoesAwayMidBodyEndsTheStreamingAppsChannelWithAnError() throws Exception {
    streamer.on("upload", r -> Source.completionStage(r.rest()).mapConcat(rest -> List.of(head(200), Message.close())));
    int before = streamer.seen.size();
    try (Socket s = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /streamer/upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "3\r\nabc\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      await().atMost(Duration.ofSeconds(5)).until(() -> streamer.seen.size() > before);
    }
    Request seen = streamer.last();
    List<Message> rest = seen.rest().get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(Graph.WRITE, rest.get(0).type());
    assertEquals(Graph.ERROR, rest.get(rest.size() - 1).type(), rest.toString());
    await().atMost(Duration.ofSeconds(5)).until(() -> metrics.pools().get("streamer").inFlight() == 0);
  }

  @Test
  void aClientThatGoesAwayMidResponseClosesTheAppChannel() throws Exception {
    echo.on("forever", r -> Source.single(head(200, "Content-Type", "text/plain"))
        .concat(Source.repeat(chunk("tick\n")).throttle(1, Duration.ofMillis(20))
            .takeWhile(m -> !r.rest().isDone()))
        .concat(Source.single(Message.close())));
    try (Socket s = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write("GET /echo/forever HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String head = readHead(s.getInputStream());
      assertStarts("HTTP/1.1 200", head);
      s.getInputStream().readNBytes(10);
    }
    Request seen = echo.last();
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.rest().isDone());
    List<Message> rest = seen.rest().get();
    assertEquals(1, rest.size());
    assertEquals(Graph.ERROR, rest.get(0).type());
    await().atMost(Duration.ofSeconds(5)).until(() -> metrics.pools().get("echo").inFlight() == 0);
  }

  @Test
  void aWorkerThatCrashesMidStreamCutsTheResponse() throws Exception {
    CompletableFuture<Boolean> partialRead = new CompletableFuture<>();
    echo.on("crash", r -> Source.from(List.of(head(200), chunk("partial")))
        .concat(Source.completionStage(partialRead).flatMapConcat(x -> Source.<Message>failed(
            new CocaineException(ErrorCode.WORKER_DISCONNECTED, "worker died")))));
    try (Socket s = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write("GET /echo/crash HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      assertStarts("HTTP/1.1 200", readHead(in));
      assertEquals("7\r\npartial\r\n", new String(in.readNBytes(12), StandardCharsets.US_ASCII));
      partialRead.complete(true);
      // the connection ends (closed or reset) without the terminating zero-length chunk
      String rest = readUntilCut(in);
      assertFalse(rest.contains("0\r\n\r\n"), rest);
    }
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertContains(metrics.scrape(),
        "cocaine_proxy_responses_aborted_total{app=\"echo\",reason=\"app-error\"}"));
  }

  @Test
  void requestsAreCountedByAppAndStatus() throws Exception {
    get("/echo/count");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertContains(metrics.scrape(),
        "cocaine_proxy_requests_total{app=\"echo\",status=\"200\"}",
        "cocaine_proxy_request_duration_seconds_bucket{app=\"echo\"",
        "cocaine_proxy_pool_connections{app=\"echo\"}"));
  }

  static List<Integer> types(List<Message> messages) {
    return messages.stream().map(Message::type).toList();
  }

  static void assertContains(String text, String... parts) {
    for (String part : parts) {
      assertTrue(text.contains(part), () -> "expected <" + part + "> in:\n" + text);
    }
  }

  static void assertStarts(String prefix, String text) {
    assertTrue(text.startsWith(prefix), () -> "expected to start with <" + prefix + ">:\n" + text);
  }

  static void assertEnds(String suffix, String text) {
    assertTrue(text.endsWith(suffix), () -> "expected to end with <" + suffix + ">:\n" + text);
  }

  /** Everything until the connection ends, whether closed or reset. */
  static String readUntilCut(InputStream in) {
    java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        got.write(buf, 0, n);
      }
    } catch (IOException reset) {
      // a reset is one way a proxy cuts a response
    }
    return got.toString(StandardCharsets.US_ASCII);
  }

  static String readHead(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      b.append((char) c);
      if (b.length() >= 4 && b.substring(b.length() - 4).equals("\r\n\r\n")) {
        break;
      }
    }
    return b.toString();
  }

  static String hex(String s) {
    return HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8));
  }
}
