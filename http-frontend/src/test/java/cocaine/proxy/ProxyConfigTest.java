package cocaine.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.admin.ProxyMetrics;
import cocaine.config.Settings;
import cocaine.config.SettingsException;
import cocaine.proxy.FakeCluster.App;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;

class ProxyConfigTest {
  static Settings settings(String proxyKeys) {
    return Settings.load("proxy", ConfigFactory.parseString("cocaine.proxy { " + proxyKeys + " }"));
  }

  @Test
  void defaultsComeFromTheModulesReferenceConf() {
    ProxyConfig c = ProxyConfig.from(settings(""));
    assertEquals("127.0.0.1", c.locatorHost());
    assertEquals(10053, c.locatorPort());
    assertEquals(32, c.proxy().poolSize());
    assertEquals(Duration.ofSeconds(60), c.proxy().refreshPeriod());
    assertEquals(Duration.ofSeconds(30), c.timeout("any"));
    assertFalse(c.cancelOnDisconnect());
    assertEquals(8192, c.maxHeaderValueBytes());
  }

  @Test
  void appTimeoutsOverrideTheProxyTimeout() {
    ProxyConfig c = ProxyConfig.from(settings("timeout = 10s, app-timeouts = [{ app = echo, timeout = 1500ms }]"));
    assertEquals(Duration.ofMillis(1500), c.timeout("echo"));
    assertEquals(Duration.ofSeconds(10), c.timeout("other"));
  }

  @Test
  void badValuesStopStartWithTheKeyNamed() {
    assertTrue(assertThrows(SettingsException.class, () -> ProxyConfig.from(settings("pool-size = 300")))
        .getMessage().contains("cocaine.proxy.pool-size"));
    assertTrue(assertThrows(SettingsException.class, () -> ProxyConfig.from(settings("refresh-fraction = 0")))
        .getMessage().contains("cocaine.proxy.refresh-fraction"));
    assertTrue(assertThrows(SettingsException.class,
        () -> ProxyConfig.from(settings("app-timeouts = [{ app = echo }]"))).getMessage().contains("app-timeouts"));
  }

  @Test
  void theOriginalProxiesKnobsAreRead() {
    ProxyConfig c = ProxyConfig.from(settings("locators = [\"10.0.0.1:10053\", \"[::1]:10054\"], "
        + "request-id-header = \"X-Trace\", sticky-header = \"X-User\", "
        + "mapped-headers = [{ http = \"X-Real-IP\", header = \"x-real-ip\" }], "
        + "trace-sampling = [{ app = echo, percent = 5 }, { app = \"*\", percent = 1 }]"));
    assertEquals(List.of("10.0.0.1:10053", "[::1]:10054"), c.locators());
    assertEquals(new ProxyConfig.RequestHeaders("X-Trace", "X-User", java.util.Map.of("X-Real-IP", "x-real-ip")),
        c.headers());
    assertEquals(0.05, c.traceShare("echo"), 1e-9);
    assertEquals(0.01, c.traceShare("other"), 1e-9);
    ProxyConfig single = ProxyConfig.from(settings("locator-host = \"10.0.0.9\", locator-port = 10099"));
    assertEquals(List.of("10.0.0.9:10099"), single.locators());
    assertEquals(0.0, single.traceShare("echo"));
  }

  @Test
  void badKnobsStopStartWithTheKeyNamed() {
    assertTrue(assertThrows(SettingsException.class, () -> ProxyConfig.from(settings("locators = [\"nohost\"]")))
        .getMessage().contains("cocaine.proxy.locators"));
    assertTrue(assertThrows(SettingsException.class,
        () -> ProxyConfig.from(settings("trace-sampling = [{ app = echo, percent = 101 }]"))).getMessage()
        .contains("trace-sampling"));
    assertTrue(assertThrows(SettingsException.class,
        () -> ProxyConfig.from(settings("mapped-headers = [{ http = \"X-A\" }]"))).getMessage()
        .contains("mapped-headers"));
    assertTrue(assertThrows(SettingsException.class, () -> ProxyConfig.from(settings("sticky-header = \"\"")))
        .getMessage().contains("cocaine.proxy.sticky-header"));
  }

  @Test
  void withCancelOnDisconnectOffTheRequestIsClosedBeforeTheAnswer() throws Exception {
    ActorTestKit kit = ActorTestKit.create();
    try (FakeCluster cluster = new FakeCluster(kit.system())) {
      // answers only once the proxy has closed its side: would hang if close waited for the answer
      App app = cluster.app("closing").otherwise(r -> Source.completionStage(r.rest())
          .mapConcat(rest -> List.of(FakeCluster.head(200), FakeCluster.chunk(rest.size() + ":" + rest.get(0).type()),
              Message.close())));
      HttpProxy.Running proxy = HttpProxy.start(kit.system(), settings("host = \"127.0.0.1\", port = 0, "
          + "cancel-on-disconnect = false, timeout = 5s, locator-port = " + cluster.locatorPort()),
          ProxyMetrics.create()).toCompletableFuture().join();
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + proxy.localAddress().getPort() + "/closing/x")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertEquals("1:" + Graph.CLOSE, r.body());
      assertEquals(1, app.enqueues.get());
      proxy.stop(Duration.ofSeconds(1)).toCompletableFuture().join();
    } finally {
      kit.shutdownTestKit();
    }
  }
}
