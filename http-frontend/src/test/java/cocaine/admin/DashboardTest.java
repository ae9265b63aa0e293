package cocaine.admin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.AdminSettings;
import cocaine.tls.Listeners;
import cocaine.tracing.Span;
import cocaine.tracing.Tracing;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DashboardTest {
  static ActorTestKit kit;
  static final HttpClient http = HttpClient.newHttpClient();
  static final ObjectMapper json = new ObjectMapper();
  static Tracing tracing;
  static Listeners admin;

  @BeforeAll
  static void start() {
    tracing = Tracing.configure(true, 1024, "node-a");
    kit = ActorTestKit.create(ConfigFactory.parseString("""
        cocaine.tracing.dashboard { viewer-buffer = 4, max-viewers = 2, stats-interval = 200ms, sample-interval = 200ms }
        """).withFallback(ConfigFactory.load()));
    admin = AdminApi.start(kit.system(), new AdminSettings("127.0.0.1", 0, ""), ProxyMetrics.create())
        .toCompletableFuture().join();
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
    Tracing.configure(true, 4096, "local");
  }

  static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + admin.localAddress().getPort() + path);
  }

  static HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static Span span(long trace, long id, long parent, String name, String error) {
    return new Span(trace, id, parent, name, "node-a", "echo", name.equals(Span.SLOT) ? "slot-1" : "", 1000 + id,
        10, error, Map.of("status", error == null ? 200 : 500));
  }

  @Test
  void theWaterfallOfATraceListsItsSpansWithHexIds() throws Exception {
    long trace = 0xfeedfacecafebeefL;
    tracing.record(span(trace, 1, 0, Span.PROXY, null));
    tracing.record(span(trace, 2, 1, Span.APP_SERVICE, null));
    tracing.record(span(trace, 3, 2, Span.SLOT, null));
    tracing.record(span(77, 4, 0, Span.PROXY, null));
    HttpResponse<String> r = get("/api/traces/feedfacecafebeef");
    assertEquals(200, r.statusCode());
    JsonNode spans = json.readTree(r.body()).get("spans");
    assertEquals(3, spans.size(), r.body());
    assertEquals("feedfacecafebeef", spans.get(0).get("trace").asText(), "64-bit ids stay exact as hex");
    assertEquals("0000000000000001", spans.get(1).get("parent").asText());
    assertEquals("slot-1", spans.get(2).get("slot").asText());
    assertEquals(400, get("/api/traces/not-hex").statusCode());
  }

  @Test
  void aNodesFeedHandsEachSpanOnceFromItsCursor() throws Exception {
    JsonNode start = json.readTree(get("/api/node").body());
    assertEquals(0, start.get("spans").size(), "without a cursor only where to go on from");
    long cursor = start.get("next").asLong();
    tracing.record(span(0x51, 1, 0, Span.PROXY, null));
    tracing.record(span(0x51, 2, 1, Span.SLOT, null));
    JsonNode next = json.readTree(get("/api/node?after=" + cursor).body());
    assertEquals(2, next.get("spans").size(), next.toString());
    assertEquals("node-a", next.get("node").asText());
    assertTrue(next.get("apps").has("echo"), next.toString());
    JsonNode again = json.readTree(get("/api/node?after=" + next.get("next").asLong()).body());
    assertEquals(0, again.get("spans").size(), "nothing twice: " + again);
    HttpResponse<String> bad = get("/api/node?after=soon");
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("soon"), bad.body());
  }

  @Test
  void theHistoryHasASamplePerIntervalWithRequestsAndLatency() throws Exception {
    tracing.record(new Span(0x61, 1, 0, Span.PROXY, "node-a", "charted", "", 0, 4000, null, Map.of()));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode h = json.readTree(get("/api/history").body());
      assertEquals(200, h.get("interval_ms").asLong());
      JsonNode rows = h.get("nodes").get("node-a").get("charted");
      assertTrue(rows != null && rows.size() >= 2, "samples: " + rows);
      JsonNode withRequest = null;
      for (JsonNode row : rows) {
        if (row.get(1).asLong() == 1) {
          withRequest = row;
        }
      }
      assertTrue(withRequest != null, "one sample has the request: " + rows);
      assertTrue(withRequest.get(4).asLong() >= 4000, "its p99: " + withRequest);
    });
  }

  @Test
  void thePageAndItsScriptAreServed() throws Exception {
    HttpResponse<String> page = get("/dashboard");
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("/dashboard/dashboard.js"));
    HttpResponse<String> script = get("/dashboard/dashboard.js");
    assertEquals(200, script.statusCode());
    assertTrue(script.body().contains("EventSource('/api/events')"));
    // the charts are drawn by the page itself: nothing is loaded from elsewhere at view time
    assertTrue(!page.body().contains("http:") && !page.body().contains("https:"), "the page links nothing outside");
    assertEquals(List.of("http://www.w3.org/2000/svg"), java.util.regex.Pattern.compile("https?://[^'\"\\s]+")
        .matcher(script.body()).results().map(java.util.regex.MatchResult::group).toList(),
        "the script names no URL but the SVG namespace");
  }

  @Test
  void aLiveViewerGetsNewSpansAndTotalsAsServerSentEvents() throws Exception {
    HttpResponse<InputStream> events = http.send(HttpRequest.newBuilder(uri("/api/events")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertTrue(events.headers().firstValue("Content-Type").orElseThrow().startsWith("text/event-stream"));
    try (BufferedReader in = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
      await().atMost(Duration.ofSeconds(5)).until(() -> get("/api/stats").body().contains("\"viewers\":1"));
      tracing.record(span(0xabcL, 9, 0, Span.PROXY, "HTTP 500"));
      boolean sawSpan = false;
      boolean sawStats = false;
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      String event = "";
      while (!(sawSpan && sawStats) && System.nanoTime() < deadline) {
        String line = in.readLine();
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          JsonNode data = json.readTree(line.substring(6));
          if (event.equals("spans") && data.toString().contains("\"trace\":\"0000000000000abc\"")) {
            sawSpan = true;
          }
          if (event.equals("stats") && data.path("apps").path("echo").path("errors").asLong() >= 1) {
            sawStats = true;
          }
        }
      }
      assertTrue(sawSpan, "the new span came as a spans event");
      assertTrue(sawStats, "the stats event counts the failed request of echo");
    }
  }

  @Test
  void aViewerThatFallsBehindLosesSpansCountedAndViewersAreBounded() throws Exception {
    CompletableFuture<HttpResponse<InputStream>> first = http.sendAsync(HttpRequest.newBuilder(uri("/api/events")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    CompletableFuture<HttpResponse<InputStream>> second = http.sendAsync(HttpRequest.newBuilder(uri("/api/events")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    HttpResponse<InputStream> a = first.join();
    HttpResponse<InputStream> b = second.join();
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> get("/api/stats").body().contains("\"viewers\":2"));
      HttpResponse<String> third = get("/api/events");
      assertEquals(503, third.statusCode(), "max-viewers is 2");
      assertTrue(third.body().contains("max-viewers"), third.body());
      // thousands of spans at once into queues of 4 that drain every 250 ms: the overflow is dropped
      for (int i = 0; i < 5000; i++) {
        tracing.record(span(5, 100 + i, 0, Span.QUEUE, null));
      }
      long dropped = json.readTree(get("/api/stats").body()).get("dropped_all_viewers").asLong();
      assertTrue(dropped > 0, "drops are counted: " + dropped);
    } finally {
      a.body().close();
      b.body().close();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> get("/api/stats").body().contains("\"viewers\":0"));
  }
}
