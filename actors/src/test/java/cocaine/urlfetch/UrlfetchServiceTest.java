package cocaine.urlfetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.ServiceClient;
import cocaine.config.AddressBlock;
import cocaine.config.ServicesSettings;
import cocaine.rpc.service.Served;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.msgpack.value.Value;

/**
 * The urlfetch service against a local HTTP server: answers, redirects, bounds, timeouts, refused
 * input. Its loopback is reached through {@code allow-addresses = ["127.0.0.0/8"]}.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class UrlfetchServiceTest {
  static final int MAX_BODY = 4096;

  @JUnit5TestKit ActorTestKit kit = new JUnit5TestKitBuilder().build();
  HttpServer http;
  ServerSocket silent;
  Served served;
  ServiceClient client;
  String base;

  @BeforeEach
  void start() throws Exception {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    http.createContext("/echo", x -> {
      String seen = x.getRequestMethod() + " cookie=" + x.getRequestHeaders().getFirst("Cookie") + " x-a="
          + x.getRequestHeaders().getFirst("X-A") + " body=" + new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      x.getResponseHeaders().add("X-Served", "yes");
      reply(x, 201, seen.getBytes(StandardCharsets.UTF_8));
    });
    http.createContext("/big", x -> reply(x, 200, new byte[MAX_BODY + 1]));
    http.createContext("/chunked-big", x -> {
      x.sendResponseHeaders(200, 0); // chunked: no Content-Length to refuse early
      for (int i = 0; i < 8; i++) {
        x.getResponseBody().write(new byte[1024]);
      }
      x.close();
    });
    http.createContext("/loop", x -> redirect(x, "/loop"));
    http.createContext("/moved", x -> redirect(x, "/echo"));
    http.start();
    base = "http://127.0.0.1:" + http.getAddress().getPort();
    silent = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1")); // accepts in the kernel, never answers
    served = Served.bind(kit.system(), new UrlfetchService(
        new ServicesSettings.Urlfetch(true, 2, MAX_BODY, 3, Duration.ofSeconds(10),
            List.of(AddressBlock.parse("127.0.0.0/8").orElseThrow()), false)));
    client = served.client();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    served.close();
    silent.close();
    http.stop(0);
  }

  static void reply(HttpExchange x, int code, byte[] body) throws IOException {
    x.sendResponseHeaders(code, body.length);
    x.getResponseBody().write(body);
    x.close();
  }

  static void redirect(HttpExchange x, String to) throws IOException {
    x.getResponseHeaders().add("Location", to);
    x.sendResponseHeaders(302, -1);
    x.close();
  }

  List<Value> call(String method, Object... args) throws Exception {
    return client.call(method, args).get(20, TimeUnit.SECONDS);
  }

  CocaineException refused(String method, Object... args) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> client.call(method, args).get(20, TimeUnit.SECONDS));
    return (CocaineException) e.getCause();
  }

  @Test
  void getSendsCookiesAndHeadersAndAnswersSuccessBodyCodeAndHeaders() throws Exception {
    List<Value> r = call("get", base + "/echo", 2000, Map.of("sid", "42"), Map.of("X-A", "b"));
    assertEquals(Values.bool(true), r.get(0));
    assertEquals("GET cookie=sid=42 x-a=b body=", new String(Values.asBytes(r.get(1)), StandardCharsets.UTF_8));
    assertEquals(201L, Values.asLong(r.get(2)));
    assertEquals("yes", Values.asString(r.get(3).asMapValue().map().get(Values.str("x-served"))));
  }

  @Test
  void postSendsItsBodyAndRedirectsAreFollowedOrNotAsAsked() throws Exception {
    List<Value> r = call("post", base + "/echo", "payload");
    assertEquals("POST cookie=null x-a=null body=payload", new String(Values.asBytes(r.get(1)), StandardCharsets.UTF_8));
    // a 302 turns the post into a get of the new place
    List<Value> moved = call("post", base + "/moved", "payload");
    assertEquals(201L, Values.asLong(moved.get(2)));
    assertTrue(new String(Values.asBytes(moved.get(1)), StandardCharsets.UTF_8).startsWith("GET"));
    List<Value> notFollowed = call("get", base + "/moved", 2000, null, null, false);
    assertEquals(302L, Values.asLong(notFollowed.get(2)));
  }

  @Test
  void aRedirectLoopStopsAfterMaxRedirects() {
    CocaineException e = refused("get", base + "/loop");
    assertEquals(ErrorCode.IO_ERROR, e.code());
    assertTrue(e.getMessage().contains("after 3 redirects"), e.getMessage());
  }

  @Test
  void aBodyOverTheLimitIsAnErrorAnnouncedOrNot() {
    assertEquals(ErrorCode.TOO_BIG, refused("get", base + "/big").code());
    assertEquals(ErrorCode.TOO_BIG, refused("get", base + "/chunked-big").code());
    assertEquals(ErrorCode.TOO_BIG, refused("post", base + "/echo", "x".repeat(MAX_BODY + 1)).code());
  }

  @Test
  void aPortThatNeverAnswersTimesOutAndFetchesBeyondTheLimitAreRefused() throws Exception {
    String never = "http://127.0.0.1:" + silent.getLocalPort() + "/";
    CompletableFuture<List<Value>> first = client.call("get", never, 1500);
    CompletableFuture<List<Value>> second = client.call("get", never, 1500);
    // both of the 2 connections-limit are taken by fetches that wait for their timeout
    org.awaitility.Awaitility.await().untilAsserted(() ->
        assertEquals(ErrorCode.TRY_AGAIN, refused("get", base + "/echo").code()));
    ExecutionException e = assertThrows(ExecutionException.class, () -> first.get(20, TimeUnit.SECONDS));
    assertEquals(ErrorCode.TIMEOUT, ((CocaineException) e.getCause()).code());
    assertThrows(ExecutionException.class, () -> second.get(20, TimeUnit.SECONDS));
    assertEquals(Values.bool(true), call("get", base + "/echo").get(0), "the slots were given back");
  }

  @Test
  void wrongTypesBadUrlsAndBadHeadersAreRefused() {
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("get", 42).code());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("get").code());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("get", "ftp://example.org/").code());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("get", "not a url").code());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("get", base + "/echo", "soon").code());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("get", base + "/echo", -5).code());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("get", base + "/echo", 100, Map.of("a", 1)).code());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("get", base + "/echo", 100, null, Map.of("Bad Name", "v")).code());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("get", base + "/echo", 100, null, Map.of("X-A", "v\r\nInjected: 1")).code());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("get", base + "/echo", 100, null, Map.of("Host", "evil")).code());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused("post", base + "/echo").code());
  }

  @Test
  void rawFramesGetTheSameAnswerAndExtrasAreIgnored() throws Exception {
    try (WireClient raw = new WireClient(served.port())) {
      long ch = raw.open(Message.of(UrlfetchService.GET, Values.str(base + "/echo"), Values.integer(2000), Values.nil(),
          Values.nil(), Values.bool(true), Values.str("extra")));
      Frame reply = raw.next(ch);
      assertEquals(0, reply.type(), reply.toString());
      assertArrayEquals("GET cookie=null x-a=null body=".getBytes(StandardCharsets.UTF_8), Values.asBytes(reply.args().get(1)));
    }
  }
}
