package cocaine.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.AdminSettings;
import cocaine.tls.Listeners;
import cocaine.tracing.Span;
import cocaine.tracing.Tracing;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A proxy's waterfall gathers the spans its nodes recorded from their admin ports. */
class DashboardPeersTest {
  static ActorTestKit kit;
  static HttpServer node;
  static final List<String> asked = new CopyOnWriteArrayList<>();
  static String down;
  static Listeners admin;

  @BeforeAll
  static void start() throws Exception {
    Tracing.configure(true, 64, "proxy-host");
    node = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    node.createContext("/api/traces/", exchange -> {
      asked.add(exchange.getRequestURI().toString() + " " + exchange.getRequestHeaders().getFirst("Authorization"));
      byte[] body = ("{\"trace\":\"00000000000000ab\",\"spans\":[{\"trace\":\"00000000000000ab\",\"span\":\"0000000000000002\","
          + "\"parent\":\"0000000000000001\",\"name\":\"slot\",\"node\":\"node-b\",\"app\":\"echo\",\"slot\":\"s-1\","
          + "\"start\":500,\"duration\":10,\"error\":null,\"attributes\":{}}]}").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    node.start();
    try (ServerSocket s = new ServerSocket(0)) {
      down = "http://127.0.0.1:" + s.getLocalPort();
    }
    kit = ActorTestKit.create(ConfigFactory.parseString("cocaine.tracing.dashboard { peers = [\"http://127.0.0.1:"
        + node.getAddress().getPort() + "/\", \"" + down + "\"], peer-timeout = 2s }").withFallback(ConfigFactory.load()));
    admin = AdminApi.start(kit.system(), new AdminSettings("127.0.0.1", 0, "tok"), ProxyMetrics.create())
        .toCompletableFuture().join();
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
    node.stop(0);
    Tracing.configure(true, 4096, "local");
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + admin.localAddress().getPort() + path)).header("Authorization", "Bearer tok")
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aWaterfallHasTheNodesSpansAndNamesThePeerThatDidNotAnswer() throws Exception {
    Tracing.process().record(new Span(0xab, 1, 0, Span.PROXY, "proxy-host", "echo", "", 100, 1000, null, Map.of()));
    HttpResponse<String> r = get("/api/traces/ab");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode body = new ObjectMapper().readTree(r.body());
    assertEquals(2, body.get("spans").size(), r.body());
    assertEquals("proxy", body.get("spans").get(0).get("name").asText(), "sorted by start");
    assertEquals("node-b", body.get("spans").get(1).get("node").asText());
    assertTrue(body.get("unreachable").has(down), r.body());
    assertEquals(List.of("/api/traces/00000000000000ab?local=1 Bearer tok"), asked,
        "peers are asked for their own spans only (no loops), with the admin token");

    HttpResponse<String> local = get("/api/traces/ab?local=1");
    assertEquals(1, new ObjectMapper().readTree(local.body()).get("spans").size(), local.body());
    assertEquals(401, HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + admin.localAddress().getPort() + "/api/traces/ab")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode(), "the token guards gathered traces too");
  }
}
