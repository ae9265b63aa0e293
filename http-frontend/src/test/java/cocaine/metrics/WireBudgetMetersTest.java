package cocaine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.admin.ProxyMetrics;
import cocaine.rpc.transport.WireBudget;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WireBudgetMetersTest {
  private final WireBudget read = new WireBudget(1000);
  private final WireBudget messages = WireBudget.forMessages(100);
  private final MeterRegistry registry = WireBudgetMeters.bind(new SimpleMeterRegistry(), () -> read, () -> messages);

  private double gauge(String name, String budget) {
    return registry.get(name).tag("budget", budget).gauge().value();
  }

  private double pauses(String budget) {
    return registry.get("cocaine.wire.budget.pauses").tag("budget", budget).functionCounter().count();
  }

  @Test
  void gaugesFollowWhatTheBudgetsHoldAndTheirCeilings() {
    assertEquals(1000, gauge("cocaine.wire.budget.limit", "read"));
    assertEquals(100, gauge("cocaine.wire.budget.limit", "messages"));
    assertEquals(0, gauge("cocaine.wire.budget.held", "messages"));
    messages.take(150);
    read.take(10);
    assertEquals(150, gauge("cocaine.wire.budget.held", "messages"));
    assertEquals(10, gauge("cocaine.wire.budget.held", "read"));
    messages.give(120);
    assertEquals(30, gauge("cocaine.wire.budget.held", "messages"));
    assertEquals(150, gauge("cocaine.wire.budget.peak", "messages"));
  }

  @Test
  void theyCountPausesNotReadsOfConnectionsHoldingNothing() {
    messages.take(100);
    assertTrue(messages.mayRead(new Object(), false, () -> { }), "holding nothing: reads");
    assertEquals(0, pauses("messages"));
    assertFalse(messages.mayRead(new Object(), true, () -> { }));
    assertFalse(messages.mayRead(new Object(), true, () -> { }));
    assertEquals(2, pauses("messages"));
    assertEquals(0, pauses("read"));
  }

  @Test
  void theProcessBudgetsAreBoundWithTheNodesMetersAndTheProxys() {
    MeterRegistry node = RuntimeMeters.bind(new SimpleMeterRegistry(), () -> 0);
    assertEquals((double) WireBudget.messages().ceiling(),
        node.get("cocaine.wire.budget.limit").tag("budget", "messages").gauge().value());
    ProxyMetrics proxy = ProxyMetrics.create();
    AtomicLong held = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    proxy.bodyBudget(held::get, 4096, refused::get);
    held.set(1234);
    refused.set(3);
    String text = proxy.scrape();
    assertTrue(text.contains("cocaine_wire_budget_pauses_total{budget=\"messages\"}"), text);
    assertTrue(text.contains("cocaine_proxy_body_budget_held_bytes 1234.0"), text);
    assertTrue(text.contains("cocaine_proxy_body_budget_limit_bytes 4096.0"), text);
    assertTrue(text.contains("cocaine_proxy_body_budget_refused_total 3.0"), text);
  }
}
