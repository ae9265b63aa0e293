package cocaine.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The request meters, now looked up once per app and status: every request still counts where it belongs. */
class ProxyMetricsTest {
  @Test
  void requestsCountByAppAndStatusAcrossCalls() {
    ProxyMetrics metrics = ProxyMetrics.create();
    for (int i = 0; i < 3; i++) {
      metrics.request("echo", 200, 1_000_000);
    }
    metrics.request("echo", 503, 2_000_000);
    metrics.request("other", 200, 3_000_000);
    var registry = metrics.registry();
    assertEquals(3.0, registry.get("cocaine.proxy.requests").tags("app", "echo", "status", "200").counter().count());
    assertEquals(1.0, registry.get("cocaine.proxy.requests").tags("app", "echo", "status", "503").counter().count());
    assertEquals(1.0, registry.get("cocaine.proxy.requests").tags("app", "other", "status", "200").counter().count());
    assertEquals(4, registry.get("cocaine.proxy.request.duration").tags("app", "echo").timer().count());
    assertEquals(1, registry.get("cocaine.proxy.request.duration").tags("app", "other").timer().count());
  }

  @Test
  void theHttpPortsConnectionsAreReadWhenScraped() {
    ProxyMetrics metrics = ProxyMetrics.create();
    java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger(3);
    java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
    metrics.httpConnections(open::get, refused::get);
    var registry = metrics.registry();
    assertEquals(3.0, registry.get("cocaine.proxy.http.connections").gauge().value());
    open.set(1);
    refused.set(2);
    assertEquals(1.0, registry.get("cocaine.proxy.http.connections").gauge().value());
    assertEquals(2.0, registry.get("cocaine.proxy.http.connections.refused").functionCounter().count());
  }
}
