package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code cocaine status} refuses a bad pace before it asks the runtime anything, and shows what
 * {@code node.info} lacks as {@code -}.
 */
class StatusCommandTest {
  @Test
  @SuppressWarnings("unchecked")
  void anAppThatServedNothingShowsNoLatencyAndANodeWithoutUptimeShowsADash() {
    Map<String, Object> idle = Map.of("state", "running", "uptime", 5L, "pool", Map.of("active", 0L, "capacity", 4L),
        "queue", Map.of("depth", 0L, "capacity", 100L), "requests", Map.of("accepted", 0L, "rejected", 0L),
        "timings", Map.of("50.00%", 0.0, "99.00%", 0.0));
    ClusterSnapshot snapshot = new ClusterSnapshot(0, List.of(new ClusterSnapshot.NodeState("n1", "localhost:10053",
        Map.of("idle", idle), null), new ClusterSnapshot.NodeState("n2", "localhost:10054", Map.of(), "refused")),
        Map.of(), List.of(), Map.of(), List.of(), List.of());
    Map<String, Object> data = StatusCommand.data(snapshot, snapshot, Duration.ofSeconds(15));
    Map<String, Object> row = ((Map<String, Map<String, Object>>) ((List<Map<String, Object>>) data.get("apps")).get(0)
        .get("nodes")).get("n1");
    assertTrue(row.containsKey("p99_ms") && row.get("p99_ms") == null && row.get("p50_ms") == null, row.toString());
    assertEquals(-1L, ((List<Map<String, Object>>) data.get("nodes")).get(1).get("uptime"));
    StringWriter out = new StringWriter();
    StatusCommand.render(new PrintWriter(out), Terminal.PLAIN, data);
    String screen = out.toString();
    assertTrue(screen.matches("(?s).*idle\\s+-\\s+n1\\s+running\\s+5s\\s+0/4\\s+0/100\\s+0.0/s\\s+0.0/s\\s+-\\s+-\\s*\\n.*"),
        screen);
    assertTrue(screen.matches("(?s).*n1\\s+localhost:10053\\s+up\\s+-\\s+idle\\s*\\n.*"), screen);
    assertTrue(screen.matches("(?s).*n2\\s+localhost:10054\\s+unreachable \\(refused\\)\\s+-\\s+-\\s*\\n.*"), screen);
  }

  @Test
  void aZeroIntervalOrCountIsRefusedWithTheValue() {
    CliRun zero = CliRun.of("status", "--interval", "0s", "--port", "1");
    assertEquals(2, zero.exit(), zero.toString());
    assertTrue(zero.err().contains("--interval must be positive, e.g. 1s; got PT0S"), zero.toString());
    CliRun none = CliRun.of("status", "--watch", "--count", "0", "--port", "1");
    assertEquals(2, none.exit(), none.toString());
    assertTrue(none.err().contains("--count must be at least 1; got 0"), none.toString());
  }

  @Test
  void noRuntimeSaysHowToStartOne() {
    CliRun r = CliRun.of("status", "--host", "127.0.0.1", "--port", "1");
    assertEquals(1, r.exit(), r.toString());
    assertTrue(r.err().contains("no runtime at 127.0.0.1:1") && r.err().contains("scripts/quickstart.sh"), r.toString());
  }
}
