package cocaine.proxy.routing;

import static cocaine.proxy.FakeCluster.chunk;
import static cocaine.proxy.FakeCluster.head;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.admin.ProxyMetrics;
import cocaine.config.Settings;
import cocaine.proxy.FakeCluster;
import cocaine.proxy.HttpProxy;
import cocaine.routing.Continuum;
import cocaine.routing.RoutingGroup;
import cocaine.wire.Message;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests for a routing group through the proxy: the member is picked per request on the ring
 * the locator streams (the fake locator cannot resolve group names at all), sticky by header, and
 * ring changes apply to the next requests.
 */
class RoutingGroupsTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static FakeCluster cluster;
  static HttpProxy.Running proxy;
  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    cluster = new FakeCluster(kit.system());
    Settings settings = Settings.load("proxy", ConfigFactory.parseString("""
        cocaine.proxy {
          host = "127.0.0.1"
          port = 0
          pool-size = 2
          locator-port = %d
          routing-backoff-min = 50ms
          routing-backoff-max = 200ms
        }
        """.formatted(cluster.locatorPort())));
    proxy = HttpProxy.start(kit.system(), settings, ProxyMetrics.create()).toCompletableFuture().join();
  }

  @AfterAll
  static void stop() {
    proxy.stop(Duration.ofSeconds(1)).toCompletableFuture().join();
    cluster.close();
    kit.shutdownTestKit();
  }

  /** A published app that answers its own name. */
  static void member(String name) {
    cluster.app(name).otherwise(r -> Source.from(List.of(head(200), chunk(name), Message.close())));
  }

  static HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.localAddress().getPort()
        + path)).timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The member that answered, checked against the proxy's header. */
  static String answeredBy(String path, String... headers) throws Exception {
    HttpResponse<String> r = get(path, headers);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(Optional.of(r.body()), r.headers().firstValue("X-Cocaine-Version-App"));
    return r.body();
  }

  static void awaitGroupServes(String group) {
    await().atMost(Duration.ofSeconds(10)).until(() -> get("/" + group + "/x").statusCode() == 200);
  }

  @Test
  void requestsToAGroupSplitByTheRingPerRequestNotPerConnection() throws Exception {
    Map<String, Long> weights = Map.of("split_a", 80L, "split_b", 20L);
    member("split_a");
    member("split_b");
    cluster.locator.group("split", weights);
    awaitGroupServes("split");

    int n = 2000;
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      counts.merge(answeredBy("/split/x"), 1, Integer::sum);
    }
    // with 2 connections per pool, picking per connection could only give 0, 50 or 100 %
    double expected = Continuum.of(new RoutingGroup(weights)).shares().get("split_a");
    double seen = counts.getOrDefault("split_a", 0) / (double) n;
    assertEquals(expected, seen, 0.04, "share of split_a in " + counts);
    HttpResponse<String> r = get("/split/x");
    assertEquals(Optional.of("split"), r.headers().firstValue("X-Cocaine-Application"));
  }

  @Test
  void theSameStickyValueAlwaysReachesTheMemberTheLocatorWouldPick() throws Exception {
    Map<String, Long> weights = Map.of("sticky_a", 1L, "sticky_b", 1L);
    member("sticky_a");
    member("sticky_b");
    cluster.locator.group("sticky", weights);
    awaitGroupServes("sticky");
    Continuum ring = Continuum.of(new RoutingGroup(weights));

    Set<String> members = new HashSet<>();
    for (int user = 0; user < 20; user++) {
      String seed = "user-" + user;
      for (int i = 0; i < 5; i++) {
        assertEquals(ring.pick(seed), answeredBy("/sticky/x", "X-Cocaine-Sticky", seed), seed);
      }
      members.add(ring.pick(seed));
    }
    assertEquals(Set.of("sticky_a", "sticky_b"), members, "the seeds spread over both members");
  }

  @Test
  void aChangedGroupAppliesToTheNextRequestsWithoutARestart() throws Exception {
    member("moving_a");
    member("moving_b");
    cluster.locator.group("moving", Map.of("moving_a", 1L));
    awaitGroupServes("moving");
    for (int i = 0; i < 20; i++) {
      assertEquals("moving_a", answeredBy("/moving/x"));
    }

    cluster.locator.group("moving", Map.of("moving_b", 1L));

    await().atMost(Duration.ofSeconds(5)).until(() -> answeredBy("/moving/x").equals("moving_b"));
    for (int i = 0; i < 20; i++) {
      assertEquals("moving_b", answeredBy("/moving/x"));
    }
  }

  @Test
  void whenTheRoutingStreamEndsTheLastRingsServeAndTheStreamIsMadeAgain() throws Exception {
    member("again_a");
    member("again_b");
    cluster.locator.group("again", Map.of("again_a", 1L));
    awaitGroupServes("again");
    int subscriptions = cluster.locator.routingSubscriptions();

    cluster.locator.endRouting();

    assertEquals("again_a", answeredBy("/again/x"));
    await().atMost(Duration.ofSeconds(5)).until(() -> cluster.locator.routingSubscriptions() > subscriptions);
    cluster.locator.group("again", Map.of("again_b", 1L));
    await().atMost(Duration.ofSeconds(5)).until(() -> answeredBy("/again/x").equals("again_b"));
  }

  @Test
  void aNameThatIsNoGroupGoesToItsAppWithoutAVersionHeader() throws Exception {
    member("plain");
    HttpResponse<String> r = get("/plain/x");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("plain", r.body());
    assertEquals(Optional.empty(), r.headers().firstValue("X-Cocaine-Version-App"));
    assertEquals(Optional.of("plain"), r.headers().firstValue("X-Cocaine-Application"));
  }
}
