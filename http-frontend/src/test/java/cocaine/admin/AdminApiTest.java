package cocaine.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.config.AdminSettings;
import cocaine.tls.Listeners;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AdminApiTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final ProxyMetrics metrics = ProxyMetrics.create();
  static final HttpClient http = HttpClient.newHttpClient();
  static Listeners open;
  static Listeners guarded;

  @BeforeAll
  static void start() {
    open = AdminApi.start(kit.system(), new AdminSettings("127.0.0.1", 0, ""), metrics).toCompletableFuture().join();
    guarded = AdminApi.start(kit.system(), new AdminSettings("127.0.0.1", 0, "s3cret"), metrics)
        .toCompletableFuture().join();
    metrics.pool("echo").set(2, 0, List.of("127.0.0.1:4000", "127.0.0.1:4000"));
    metrics.pool("echo").inFlight(1);
    metrics.request("echo", 200, 3_000_000);
    metrics.request("echo", 503, 1_000_000);
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  static HttpResponse<String> get(Listeners b, String path, String... headers) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.localAddress().getPort() + path));
    if (headers.length > 0) {
      r.headers(headers);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void pingAnswersOk() throws Exception {
    assertEquals(200, get(open, "/ping").statusCode());
  }

  @Test
  void infoListsEveryPoolAsJson() throws Exception {
    HttpResponse<String> r = get(open, "/info");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
    JsonNode echo = new ObjectMapper().readTree(r.body()).path("pools").path("echo");
    assertEquals(2, echo.path("connections").asInt());
    assertEquals(1, echo.path("in-flight").asInt());
    assertEquals("127.0.0.1:4000", echo.path("endpoints").get(0).asText());
  }

  @Test
  void metricsArePrometheusText() throws Exception {
    HttpResponse<String> r = get(open, "/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain; version=0.0.4"));
    assertTrue(r.body().contains("cocaine_proxy_requests_total{app=\"echo\",status=\"503\"} 1.0"), r.body());
    assertTrue(r.body().contains("cocaine_proxy_request_duration_seconds_bucket{app=\"echo\""), r.body());
    assertTrue(r.body().contains("cocaine_proxy_pool_in_flight{app=\"echo\"} 1.0"), r.body());
  }

  @Test
  void withATokenEveryCallNeedsTheBearer() throws Exception {
    assertEquals(401, get(guarded, "/ping").statusCode());
    assertEquals(401, get(guarded, "/metrics", "Authorization", "Bearer wrong").statusCode());
    assertEquals(200, get(guarded, "/ping", "Authorization", "Bearer s3cret").statusCode());
    assertEquals(200, get(guarded, "/info", "Authorization", "Bearer s3cret").statusCode());
  }

  @Test
  void unknownPathsAre404() throws Exception {
    assertEquals(404, get(open, "/nope").statusCode());
  }
}
