package cocaine.admin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.AdminSettings;
import cocaine.tls.Listeners;
import cocaine.tracing.Tracing;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dashboard of one process shows the cluster: what its peers' /api/node and /api/history say. */
class DashboardClusterTest {
  static ActorTestKit kit;
  static HttpServer peer;
  static String down;
  static Listeners admin;
  static final List<String> asked = new CopyOnWriteArrayList<>();
  static final AtomicInteger polls = new AtomicInteger();
  static final HttpClient http = HttpClient.newHttpClient();
  static final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    Tracing.configure(true, 64, "node-a");
    peer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    peer.createContext("/api/node", exchange -> {
      asked.add(exchange.getRequestURI().getQuery() + " " + exchange.getRequestHeaders().getFirst("Authorization"));
      // from its second answer on, a request each time (the viewer may connect late)
      int n = polls.incrementAndGet();
      String spans = n < 2 ? "[]" : "[{\"trace\":\"00000000000000b2\",\"span\":\"0000000000000001\",\"parent\":\"\","
          + "\"name\":\"proxy\",\"node\":\"node-b\",\"app\":\"echo\",\"slot\":\"\",\"start\":5,\"duration\":7,"
          + "\"error\":null,\"attributes\":{\"status\":200}}]";
      answer(exchange, "{\"node\":\"node-b\",\"next\":" + (10 + Math.min(n, 2)) + ",\"spans\":" + spans
          + ",\"apps\":{\"echo\":{\"requests\":3,\"errors\":1,\"micros\":30,\"queue_depth\":2,\"nodes\":[\"node-b\"],"
          + "\"slots\":[\"s\"]}},\"routing\":{\"g\":{\"echo\":3}},\"latest\":{\"echo\":[1000,3,1,10,20,2]}}");
    });
    peer.createContext("/api/history", exchange -> answer(exchange,
        "{\"nodes\":{\"node-b\":{\"echo\":[[1000,3,1,10,20,2]]}}}"));
    peer.start();
    try (ServerSocket s = new ServerSocket(0)) {
      down = "http://127.0.0.1:" + s.getLocalPort();
    }
    kit = ActorTestKit.create(ConfigFactory.parseString("cocaine.tracing.dashboard { peers = [\"http://127.0.0.1:"
        + peer.getAddress().getPort() + "\", \"" + down + "\"], peer-timeout = 2s, stats-interval = 200ms }")
        .withFallback(ConfigFactory.load()));
    admin = AdminApi.start(kit.system(), new AdminSettings("127.0.0.1", 0, "tok"), ProxyMetrics.create())
        .toCompletableFuture().join();
  }

  static void answer(HttpExchange exchange, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
    peer.stop(0);
    Tracing.configure(true, 4096, "local");
  }

  static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.localAddress().getPort() + path))
        .header("Authorization", "Bearer tok");
  }

  @Test
  void theHistoryHasEveryNodesSamplesAndNamesThePeerThatDidNotAnswer() throws Exception {
    HttpResponse<String> r = http.send(request("/api/history").build(), HttpResponse.BodyHandlers.ofString());
    JsonNode h = json.readTree(r.body());
    assertTrue(h.get("nodes").has("node-a") && h.get("nodes").has("node-b"), r.body());
    assertEquals(3, h.get("nodes").get("node-b").get("echo").get(0).get(1).asInt(), r.body());
    assertTrue(h.get("unreachable").has(down), r.body());
  }

  @Test
  void theLiveFeedCarriesThePeersSpansAndTotalsFollowingItsCursor() throws Exception {
    polls.set(0);
    HttpResponse<InputStream> events = http.send(request("/api/events").build(), HttpResponse.BodyHandlers.ofInputStream());
    boolean sawSpan = false;
    boolean sawNode = false;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      String event = "";
      while (!(sawSpan && sawNode) && System.nanoTime() < deadline) {
        String line = in.readLine();
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          JsonNode data = json.readTree(line.substring(6));
          sawSpan |= event.equals("spans") && data.toString().contains("\"node\":\"node-b\"");
          if (event.equals("stats") && data.path("nodes").has("node-b")) {
            JsonNode b = data.get("nodes").get("node-b");
            assertEquals(3, b.get("apps").get("echo").get("requests").asInt(), b.toString());
            assertEquals(3, b.get("routing").get("g").get("echo").asInt(), b.toString());
            assertTrue(data.get("nodes").has("node-a"), "this node too: " + data);
            // the silent peer is named once its poll has failed, which may be a stats event or two later
            sawNode = data.get("unreachable").has(down);
          }
        }
      }
    } finally {
      events.body().close();
    }
    assertTrue(sawSpan, "the peer's new span came as a spans event");
    assertTrue(sawNode, "a stats event has the peer's totals and names the silent peer");
    await().atMost(Duration.ofSeconds(5)).until(() -> asked.size() >= 3);
    assertEquals("after=-1 Bearer tok", asked.get(0), "first only the cursor, with the admin token");
    // until an answer arrives (a slow first connection may time out) it asks for the cursor again
    List<String> later = asked.stream().dropWhile(a -> a.startsWith("after=-1")).toList();
    assertTrue(!later.isEmpty() && later.stream().allMatch(a -> a.startsWith("after=1")),
        "then from the cursor it said: " + asked);
  }
}
