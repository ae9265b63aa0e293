package cocaine.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.tracing.Span;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DashboardHistoryTest {
  static Span first(String app, long micros, String error) {
    return new Span(1, 2, 0, Span.PROXY, "n", app, "", 0, micros, error, Map.of());
  }

  @Test
  void eachSampleCountsOnlyItsIntervalAndTheRingKeepsTheLatest() {
    DashboardStats stats = new DashboardStats(8);
    DashboardHistory history = new DashboardHistory(3, 8);
    for (int second = 1; second <= 5; second++) {
      for (int i = 0; i < second; i++) {
        stats.add(first("echo", 1000 * second, i == 0 ? "HTTP 500" : null));
      }
      stats.sample(second * 1000L, history);
    }
    List<List<Long>> rows = history.rows().get("echo");
    assertEquals(3, rows.size(), "the ring holds 3 samples: " + rows);
    assertEquals(List.of(3000L, 4000L, 5000L), rows.stream().map(r -> r.get(0)).toList(), "oldest first");
    assertEquals(List.of(3L, 4L, 5L), rows.stream().map(r -> r.get(1)).toList(), "requests per interval, not totals");
    assertEquals(List.of(1L, 1L, 1L), rows.stream().map(r -> r.get(2)).toList(), "errors per interval");
    long p50 = rows.get(2).get(3);
    assertTrue(p50 >= 5000 && p50 <= 5000 * 9 / 8, "p50 of the last interval: " + p50);
    assertEquals(rows.get(2), history.latest().get("echo"));
  }

  @Test
  void anIntervalWithoutRequestsHasNoLatencyAndAppsAreBounded() {
    DashboardStats stats = new DashboardStats(8);
    DashboardHistory history = new DashboardHistory(4, 1);
    stats.add(first("a", 10, null));
    stats.add(first("b", 10, null));
    stats.sample(1000, history);
    stats.sample(2000, history);
    assertEquals(List.of(2000L, 0L, 0L, -1L, -1L, 0L), history.latest().get("a"));
    assertEquals(1, history.rows().size(), "max-apps 1: b is left out, " + history.rows().keySet());
    assertThrows(IllegalArgumentException.class, () -> new DashboardHistory(1, 8));
  }

  @Test
  void aRoutingGroupsSplitCountsTheMembersThePoolSpansName() {
    DashboardStats stats = new DashboardStats(8);
    for (int i = 0; i < 3; i++) {
      stats.add(new Span(1, 2, 1, Span.POOL, "n", "group", "", 0, 1, null, Map.of("endpoint", "e", "member", "v1")));
    }
    stats.add(new Span(1, 2, 1, Span.POOL, "n", "group", "", 0, 1, null, Map.of("endpoint", "e", "member", "v2")));
    stats.add(new Span(1, 2, 1, Span.POOL, "n", "plain", "", 0, 1, null, Map.of("endpoint", "e")));
    assertEquals(Map.of("group", Map.of("v1", 3L, "v2", 1L)), stats.routing());
  }
}
