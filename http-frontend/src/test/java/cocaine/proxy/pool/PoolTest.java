package cocaine.proxy.pool;

import static cocaine.proxy.FakeCluster.chunk;
import static cocaine.proxy.FakeCluster.head;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.admin.ProxyMetrics;
import cocaine.config.Settings;
import cocaine.proxy.FakeCluster;
import cocaine.proxy.FakeCluster.App;
import cocaine.proxy.HttpProxy;
import cocaine.wire.Message;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pools seen through the proxy: where connections lead, and how requests spread over them. */
class PoolTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static FakeCluster cluster;
  static ProxyMetrics metrics;
  static HttpProxy.Running proxy;
  static HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    cluster = new FakeCluster(kit.system());
    metrics = ProxyMetrics.create();
    Settings settings = Settings.load("proxy", ConfigFactory.parseString("""
        cocaine.proxy {
          host = "127.0.0.1"
          port = 0
          pool-size = 2
          refresh-period = 200ms
          refresh-fraction = 0.5
          locator-port = %d
        }
        """.formatted(cluster.locatorPort())));
    proxy = HttpProxy.start(kit.system(), settings, metrics).toCompletableFuture().join();
  }

  @AfterAll
  static void stop() {
    proxy.stop(Duration.ofSeconds(1)).toCompletableFuture().join();
    cluster.close();
    kit.shutdownTestKit();
  }

  static String get(String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + proxy.localAddress().getPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  static App answering(String name, String text) {
    return cluster.unpublished(name)
        .otherwise(r -> Source.from(List.of(head(200), chunk(text), Message.close())));
  }

  @Test
  void afterARefreshTheTrafficGoesWhereTheLocatorNowSends() throws Exception {
    App a = answering("moving", "A");
    App b = answering("moving", "B");
    cluster.locator.route("moving", a.address);
    assertEquals("A", get("/moving/x"));

    cluster.locator.route("moving", b.address);
    // each refresh re-resolves half of the pool; old connections close once idle
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      List<String> answers = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        answers.add(get("/moving/x"));
      }
      return answers.stream().allMatch("B"::equals);
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> metrics.pools().get("moving").endpoints().stream()
        .allMatch(e -> e.endsWith(":" + b.address.getPort())));
    assertTrue(cluster.locator.resolves("moving") > 2, "connections were re-resolved");
  }

  @Test
  void concurrentRequestsAreCountedInFlightUntilAnswered() throws Exception {
    App held = cluster.app("held");
    get("/held/warm-up");
    await().atMost(Duration.ofSeconds(5)).until(() -> metrics.pools().get("held").connections() == 2);
    CompletableFuture<Boolean> hold = new CompletableFuture<>();
    held.otherwise(r -> Source.single(head(200))
        .concat(Source.completionStage(hold).map(x -> chunk("done")))
        .concat(Source.single(Message.close())));
    int before = held.seen.size();
    String url = "http://127.0.0.1:" + proxy.localAddress().getPort() + "/held/x";
    var first = http.sendAsync(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> held.seen.size() == before + 1);
    var second = http.sendAsync(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> held.seen.size() == before + 2);
    assertEquals(2, metrics.pools().get("held").inFlight());
    // which connections they took is ConnectionsTest's: here a refresh every 200 ms retires them meanwhile
    hold.complete(true);
    assertEquals("done", first.get().body());
    assertEquals("done", second.get().body());
    await().atMost(Duration.ofSeconds(5)).until(() -> metrics.pools().get("held").inFlight() == 0);
  }
}
