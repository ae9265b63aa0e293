package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.Server;
import cocaine.rpc.service.Service;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Values;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

/**
 * Issue 20: the original HTTP proxies' knobs on a real {@code --role all} runtime and its real proxy.
 * The app is served from this JVM and published in the runtime's locator under two names
 * ({@code parity}, and {@code sampled} whose every request is sampled), so each test sees exactly
 * what the proxy sent: the request chunk and the enqueue's v12 headers. Timeouts are changed live
 * with {@code cocaine timeouts}; {@code cocaine.network.pinned} fixes the ports of the storage and
 * of an app; two proxy-only runtimes show the fail-over between locators and {@code /ping} without a
 * locator. The JSON-RPC front calls the runtime's storage and logging services.
 */
class ProxyParityIT {
  static final int LOCATOR_RESOLVE = 0;
  static final int LOCATOR_PUBLISH = 4;

  @TempDir
  static Path dir;
  static RuntimeProcess runtime;
  static int storagePort;
  static int appPort;
  static ActorSystem<Void> system;
  static final ParityApp app = new ParityApp();
  static RawClient publisher;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    storagePort = RuntimeProcess.freePort();
    appPort = RuntimeProcess.freePort();
    runtime = RuntimeProcess.start(dir.resolve("runtime"), "all", String.join("\n",
        "cocaine.network.pinned { storage = " + storagePort + ", pinned-echo = " + appPort + " }",
        "cocaine.proxy {",
        "  timeout = 20s",
        "  request-id-header = \"X-Trace-Id\"",
        "  sticky-header = \"X-User\"",
        "  mapped-headers = [{ http = \"X-Real-IP\", header = \"x-real-ip\" }]",
        "  trace-sampling = [{ app = sampled, percent = 100 }]",
        "  json-rpc = on",
        "}"));
    // the runtime's application.conf on the class path would end this JVM with the system
    system = ActorSystem.create(Behaviors.empty(), "parity-app", ConfigFactory.parseString(
        "pekko.coordinated-shutdown.exit-jvm = off").withFallback(ConfigFactory.load()));
    int port = Server.bind(system, "127.0.0.1", 0, app, ConnectionSettings.DEFAULTS).toCompletableFuture().join()
        .localAddress().getPort();
    publisher = new RawClient(runtime.locatorPort());
    long channel = 1;
    for (String name : List.of("parity", "sampled")) {
      publisher.send(channel++, LOCATOR_PUBLISH, name, List.of(List.of("127.0.0.1", port)));
      assertEquals(0, publisher.receive().get(1).asIntegerValue().asInt(), "publish of " + name);
    }
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
        .build();
    await("the proxy serves the published app").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> get("/parity/echo").statusCode() == 200);
  }

  @AfterAll
  static void stop() throws IOException {
    if (publisher != null) {
      publisher.close();
    }
    if (system != null) {
      system.terminate();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void requestTimeoutGoesOnlyToAnAppWithATimeoutOfItsOwnAndTimeoutsChangeLive() throws Exception {
    get("/parity/echo");
    assertEquals(Optional.empty(), requestTimeout(app.last("echo")), "no timeout of its own: none sent");

    cli("set to 2000 ms", "timeouts", "set", "-n", "parity", "-e", "echo", "2s");
    cli("set to 1500 ms", "timeouts", "set", "-n", "parity", "1500ms");
    await("the proxy follows the stored timeouts").atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      get("/parity/echo");
      assertEquals(Optional.of(2000L), requestTimeout(app.last("echo")));
    });
    get("/parity/other");
    assertEquals(Optional.of(1500L), requestTimeout(app.last("other")), "the app-wide one for other events");
    String list = cli("", "timeouts", "list");
    assertTrue(list.contains("\"parity\"") && list.contains("\"echo\"") && list.contains("1.5"), list);

    // a stored timeout cuts a request that would otherwise wait for the proxy's 20 s
    long start = System.nanoTime();
    HttpResponse<String> cut = get("/parity/never");
    assertEquals(504, cut.statusCode(), cut.body());
    assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(10)) < 0);

    cli("removed", "timeouts", "remove", "-n", "parity");
    await("removed timeouts are no longer sent").atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      get("/parity/echo");
      assertEquals(Optional.empty(), requestTimeout(app.last("echo")));
    });
    RuntimeProcess.CliResult bad = runtime.cli("timeouts", "set", "-n", "parity", "0s");
    assertEquals(2, bad.exit(), bad.output());
  }

  @Test
  void traceBitFollowsTheAppsShareAndTheClientsTracingPolicy() throws Exception {
    get("/parity/traced");
    assertTrue(traceBit(app.last("traced")).isEmpty(), "parity samples 0 %");
    get("/parity/traced", "X-Cocaine-Tracing-Policy", "1");
    assertEquals(Optional.of("1"), traceBit(app.last("traced")), "the client asked for certain tracing");
    get("/parity/traced", "X-Cocaine-Tracing-Policy", "not-a-number");
    assertTrue(traceBit(app.last("traced")).isEmpty(), "an unreadable policy is Auto");
    get("/sampled/traced");
    assertEquals(Optional.of("1"), traceBit(app.last("traced")), "sampled samples 100 %");
    get("/sampled/traced", "X-Cocaine-Tracing-Policy", "0");
    assertTrue(traceBit(app.last("traced")).isEmpty(), "the client's 0 wins over the app's share");
  }

  @Test
  void storedTraceSamplingIsFollowedLiveAndARemovedOneFallsBackToTheConfig() throws Exception {
    try {
      cli("set to 100%", "tracing", "set", "-n", "parity", "100");
      await("the proxy follows the stored 100 %").atMost(Duration.ofSeconds(20))
          .until(() -> tracedOf("/parity/sampling", 1) == 1);
      assertEquals(10, tracedOf("/parity/sampling", 10), "100 %: every request carries trace_bit");
      cli("set to 0%", "tracing", "store", "-n", "parity", "0");
      cli("set to 0%", "tracing", "set", "-n", "sampled", "0");
      await("the proxy follows the stored 0 %").atMost(Duration.ofSeconds(20))
          .until(() -> tracedOf("/parity/sampling", 1) == 0 && tracedOf("/sampled/sampling", 1) == 0);
      assertEquals(0, tracedOf("/parity/sampling", 10), "0 %: none");
      assertEquals(0, tracedOf("/sampled/sampling", 10), "a stored 0 % wins over the configured 100 %");
      String list = cli("", "tracing", "view");
      assertTrue(list.contains("\"parity\" : 0") && list.contains("\"sampled\" : 0"), list);

      cli("removed", "tracing", "remove", "-n", "sampled");
      await("a removed one falls back to trace-sampling").atMost(Duration.ofSeconds(20))
          .until(() -> tracedOf("/sampled/sampling", 1) == 1);
      assertEquals(10, tracedOf("/sampled/sampling", 10), "the configured 100 % again");
      RuntimeProcess.CliResult bad = runtime.cli("tracing", "set", "-n", "parity", "150");
      assertEquals(2, bad.exit(), bad.output());
      assertTrue(bad.output().contains("got '150'"), bad.output());
    } finally {
      runtime.cli("tracing", "remove", "-n", "parity");
      runtime.cli("tracing", "remove", "-n", "sampled");
    }
  }

  /** How many of n requests to path reached the app with {@code trace_bit}. */
  static int tracedOf(String path, int n) throws Exception {
    int traced = 0;
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = get(path);
      assertEquals(200, r.statusCode(), r.body());
      traced += traceBit(app.last("sampling")).isPresent() ? 1 : 0;
    }
    return traced;
  }

  @Test
  void aHandlerThatWaitsForCloseBeforeAnsweringIsAnswered() throws Exception {
    HttpResponse<String> r = get("/parity/wait-close");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("closed", r.body());
  }

  @Test
  void theConfiguredHeadersAreReadAndMappedAndCookiesComeFirst() throws Exception {
    HttpResponse<String> r = get("/parity/headers", "X-Trace-Id", "abc", "X-Real-IP", "10.1.2.3",
        "Cookie", "a=1; b=2");
    assertEquals(Optional.of("0000000000000abc"), r.headers().firstValue("X-Request-Id"));
    Seen seen = app.last("headers");
    assertEquals(Optional.of(0xabcL), Header.find(seen.headers(), Header.TRACE_ID).flatMap(Header::asLong));
    assertEquals(Optional.of("10.1.2.3"), Header.find(seen.headers(), "x-real-ip").map(Header::asText));
    assertEquals(List.of("a", "1", "b", "2"), seen.chunkHeaders().subList(0, 4), seen.chunkHeaders().toString());
    assertEquals(400, get("/parity/headers", "X-Trace-Id", "not-hex").statusCode());
  }

  @Test
  void theConfiguredStickyHeaderKeepsAUserOnOneMemberOfAGroup() throws Exception {
    cli("", "group", "create", "-n", "split", "-c", "{\"parity\":1,\"sampled\":1}");
    cli("", "group", "refresh", "-n", "split");
    await("the group answers through the proxy").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> get("/split/echo").headers().firstValue("X-Cocaine-Version-App").isPresent());
    Set<String> members = new HashSet<>();
    for (int user = 0; user < 20; user++) {
      Set<String> forUser = new HashSet<>();
      for (int i = 0; i < 5; i++) {
        forUser.add(get("/split/echo", "X-User", "user-" + user).headers().firstValue("X-Cocaine-Version-App")
            .orElseThrow());
      }
      assertEquals(1, forUser.size(), "user-" + user + " went to " + forUser);
      members.addAll(forUser);
    }
    assertEquals(Set.of("parity", "sampled"), members, "20 users all on one member");
  }

  @Test
  void anAppNobodyPublishesGetsTheOriginalsAnswer() throws Exception {
    HttpResponse<String> r = get("/nobody/x");
    assertEquals(503, r.statusCode());
    assertEquals("current application nobody is unavailable\n", r.body());
  }

  @Test
  void aPinnedServiceAndAPinnedAppListenOnTheirFixedPorts() throws Exception {
    assertEquals(storagePort, resolvedPort("storage"));
    Path profile = dir.resolve("pinned-profile.json");
    java.nio.file.Files.writeString(profile, "{\"pool-limit\": 1}");
    cli("", "app", "upload", AppsIT.APPS.resolve("http-echo").toString(), "--name", "pinned-echo");
    cli("", "profile", "upload", "-n", "pinned-echo", "-r", profile.toString());
    cli("", "app", "start", "-n", "pinned-echo", "-r", "pinned-echo");
    await("the pinned app is published").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> resolvedPort("pinned-echo") == appPort);
    await("the proxy serves it").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> get("/pinned-echo/echo").statusCode() == 200);
  }

  static int resolvedPort(String name) throws IOException {
    try (RawClient locator = new RawClient(runtime.locatorPort())) {
      locator.send(1, LOCATOR_RESOLVE, name);
      Value endpoints = locator.receive().get(2).asArrayValue().get(0);
      return endpoints.asArrayValue().get(0).asArrayValue().get(1).asIntegerValue().asInt();
    }
  }

  @Test
  void aProxyGoesOnToTheNextLocatorAndPingSaysWhenItHasNone() throws Exception {
    int dead = RuntimeProcess.freePort();
    try (RuntimeProcess failover = RuntimeProcess.startProxy(dir.resolve("failover"), dead,
        "cocaine.proxy.locators = [\"127.0.0.1:" + dead + "\", \"127.0.0.1:" + runtime.locatorPort() + "\"]");
        RuntimeProcess orphan = RuntimeProcess.startProxy(dir.resolve("orphan"), dead, "")) {
      await("the second locator serves").atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> get(failover.proxyPort(), "/parity/echo").statusCode() == 200);
      assertEquals(200, get(failover.proxyPort(), "/ping").statusCode());
      HttpResponse<String> ping = get(orphan.proxyPort(), "/ping");
      assertEquals(503, ping.statusCode(), ping.body());
      assertEquals("locator is unavailable\n", ping.body());
    }
    assertEquals(200, get("/ping").statusCode());
  }

  @Test
  void jsonRpcCallsAServiceMethodByNameAndAnswersAsTheTornadoProxy() throws Exception {
    HttpResponse<String> wrote = rpc("{\"jsonrpc\": \"2.0\", \"method\": \"storage.write\", "
        + "\"params\": [\"rpc-test\", \"k\", \"hello\", []], \"id\": 7}");
    assertEquals(200, wrote.statusCode(), wrote.body());
    assertEquals(Optional.of("application/json-rpc; charset=UTF-8"), wrote.headers().firstValue("Content-Type"));
    HttpResponse<String> read = rpc("{\"jsonrpc\": \"2.0\", \"method\": \"storage.read\", "
        + "\"params\": [\"rpc-test\", \"k\"], \"id\": 8}");
    assertEquals(200, read.statusCode(), read.body());
    assertEquals("{\"jsonrpc\":\"2.0\",\"result\":\"hello\",\"id\":8}", read.body());
    HttpResponse<String> muted = rpc("{\"jsonrpc\": \"2.0\", \"method\": \"logging.emit\", "
        + "\"params\": [1, \"rpc-test\", \"a line from JSON-RPC\"], \"id\": 9}");
    assertEquals(200, muted.statusCode(), muted.body());

    HttpResponse<String> missing = rpc("{\"jsonrpc\": \"2.0\", \"method\": \"storage.read\", "
        + "\"params\": [\"rpc-test\", \"nope\"], \"id\": 10}");
    assertEquals(500, missing.statusCode(), missing.body());
    assertTrue(missing.body().contains("\"id\":10") && missing.body().contains("nope"), missing.body());
    assertBadRpc("{not json", -32700);
    assertBadRpc("{\"method\": \"storage.read\"}", -32600);
    assertBadRpc("{\"jsonrpc\": \"2.0\", \"method\": \"storage.nope\", \"params\": [], \"id\": 1}", -32601);
    assertBadRpc("{\"jsonrpc\": \"2.0\", \"method\": \"storage\", \"params\": [], \"id\": 1}", -32000);
    assertEquals(500, rpc("{\"jsonrpc\": \"2.0\", \"method\": \"nobody.x\", \"params\": [], \"id\": 1}")
        .statusCode());
  }

  static HttpResponse<String> rpc(String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.proxyPort() + "/"))
        .header("X-Cocaine-JSON-RPC", "1").POST(HttpRequest.BodyPublishers.ofString(body))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static void assertBadRpc(String body, int code) throws Exception {
    HttpResponse<String> r = rpc(body);
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"code\":" + code), r.body());
  }

  // ---- helpers ----

  static String cli(String expected, String... args) throws Exception {
    RuntimeProcess.CliResult r = runtime.cli(args);
    assertEquals(0, r.exit(), List.of(args) + ": " + r.output());
    assertTrue(r.output().contains(expected), List.of(args) + ": " + r.output());
    return r.output();
  }

  static HttpResponse<String> get(String path, String... headers) throws Exception {
    return get(runtime.proxyPort(), path, headers);
  }

  static HttpResponse<String> get(int port, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static Optional<Long> requestTimeout(Seen seen) {
    return Header.find(seen.headers(), Header.REQUEST_TIMEOUT).flatMap(Header::asLong);
  }

  static Optional<String> traceBit(Seen seen) {
    return Header.find(seen.headers(), "trace_bit").map(Header::asText);
  }

  /** One request as the app saw it: its event, the enqueue's headers and the request chunk's fields. */
  record Seen(String event, List<Header> headers, List<Value> fields) {
    /** The chunk's headers flattened: name, value, name, value, ... */
    List<String> chunkHeaders() {
      List<String> out = new ArrayList<>();
      for (Value h : fields.get(3).asArrayValue()) {
        out.add(Values.asString(h.asArrayValue().get(0)));
        out.add(Values.asString(h.asArrayValue().get(1)));
      }
      return out;
    }
  }

  /**
   * The app: records what it is sent; {@code never} never answers, {@code wait-close} answers once
   * the proxy closed its side, any other event answers 200 "ok".
   */
  static final class ParityApp implements Service {
    final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();

    Seen last(String event) {
      Seen last = null;
      for (Seen s : seen) {
        if (s.event().equals(event)) {
          last = s;
        }
      }
      if (last == null) {
        throw new AssertionError("the app saw no request for '" + event + "'");
      }
      return last;
    }

    @Override
    public String name() {
      return "parity";
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public Protocol protocol() {
      return Protocol.builder().method(0, "enqueue", Graph.STREAMING, Graph.STREAMING).build();
    }

    @Override
    public Source<Message, NotUsed> open(ChannelContext ctx, Message first, Source<Message, NotUsed> rest) {
      String event = Values.asString(first.args().get(0));
      return rest.prefixAndTail(1).flatMapConcat(pair -> {
        CompletableFuture<List<Message>> after = pair.second().runWith(Sink.seq(), system).toCompletableFuture();
        byte[] chunk = pair.first().get(0).args().get(0).asRawValue().asByteArray();
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(chunk)) {
          seen.add(new Seen(event, first.headers(), u.unpackValue().asArrayValue().list()));
        }
        return switch (event) {
          case "never" -> Source.<Message>never();
          case "wait-close" -> Source.completionStage(after)
              .mapConcat(m -> List.of(head(200), Message.write(Values.str("closed")), Message.close()));
          default -> Source.from(List.of(head(200), Message.write(Values.str("ok")), Message.close()));
        };
      });
    }

    static Message head(int code) {
      return Message.write(Values.bytes(FrameEncoder.encodeValue(Values.array(Values.integer(code),
          Values.array(List.of(Values.array(Values.str("Content-Type"), Values.str("text/plain"))))))));
    }
  }
}
