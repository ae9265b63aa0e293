package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.cluster.desired.Convergence.AppState;
import cocaine.cluster.desired.DesiredApp;
import cocaine.cluster.desired.NodeReport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Each node's report against the desired state: what counts as differing, gone and absent. */
class DesiredVsActualTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  static final Duration GONE = Duration.ofSeconds(15);

  static NodeReport report(String node, Instant time, Map<String, AppState> apps) {
    return new NodeReport(node, time, apps);
  }

  static Map<String, DesiredVsActual.Actual> compare(DesiredApp d, NodeReport... reports) {
    return DesiredVsActual.compare(Map.of(d.app(), d), List.of(reports), NOW, GONE).get(d.app());
  }

  @Test
  void aNodeDiffersUnlessItRunsTheDesiredVersionWhereItIsWanted() {
    DesiredApp echo = new DesiredApp("echo", "3", "echo", List.of(), true, 0);
    Map<String, DesiredVsActual.Actual> actual = compare(echo,
        report("n1", NOW, Map.of("echo", new AppState("3", "running", ""))),
        report("n2", NOW, Map.of("echo", new AppState("2", "running", ""))),
        report("n3", NOW, Map.of("echo", new AppState("3", "broken", "profile 'echo' is not stored"))),
        report("n4", NOW, Map.of("echo", new AppState("3", "starting", ""))),
        report("n5", NOW, Map.of()),
        report("n6", NOW.minusSeconds(60), Map.of("echo", new AppState("3", "running", ""))));
    assertEquals(new DesiredVsActual.Actual("3", "running", "", false), actual.get("n1"));
    assertEquals(new DesiredVsActual.Actual("2", "running", "", true), actual.get("n2"), "an older version differs");
    assertEquals(new DesiredVsActual.Actual("3", "broken", "profile 'echo' is not stored", true), actual.get("n3"));
    assertTrue(actual.get("n4").differs(), "still starting (spooling) is not there yet");
    assertEquals(new DesiredVsActual.Actual("", "absent", "", true), actual.get("n5"));
    assertEquals(new DesiredVsActual.Actual("", "gone", "last report 60s ago", true), actual.get("n6"));
    assertEquals("broken v3: profile 'echo' is not stored", actual.get("n3").describe());
  }

  @Test
  void whereTheAppIsNotWantedStoppedOrElsewhereIsRightAndRunningDiffers() {
    DesiredApp pinned = new DesiredApp("echo", "3", "echo", List.of("n1"), true, 0);
    Map<String, DesiredVsActual.Actual> actual = compare(pinned,
        report("n1", NOW, Map.of("echo", new AppState("3", "running", ""))),
        report("n2", NOW, Map.of("echo", new AppState("3", "elsewhere", ""))),
        report("n3", NOW, Map.of("echo", new AppState("3", "running", ""))),
        report("n4", NOW, Map.of()));
    assertEquals(false, actual.get("n1").differs());
    assertEquals(false, actual.get("n2").differs());
    assertEquals(true, actual.get("n3").differs(), "running where it is not wanted");
    assertEquals(false, actual.get("n4").differs(), "absent where it is not wanted is fine");

    DesiredApp stopped = pinned.withRunning(false);
    assertEquals(true, compare(stopped, report("n1", NOW, Map.of("echo", new AppState("3", "running", ""))))
        .get("n1").differs());
    assertEquals(false, compare(stopped, report("n1", NOW, Map.of("echo", new AppState("3", "stopped", ""))))
        .get("n1").differs());
  }

  @Test
  void aReportThatDoesNotParseIsNamedAndTheOthersAreKept() {
    Map<String, byte[]> stored = new TreeMap<>();
    stored.put("n1", report("n1", NOW, Map.of("echo", new AppState("3", "running", ""))).pack());
    stored.put("n2", "not msgpack of a map".getBytes(StandardCharsets.UTF_8));
    List<String> problems = new ArrayList<>();
    List<NodeReport> reports = DesiredVsActual.parse(stored, problems);
    assertEquals(List.of("n1"), reports.stream().map(NodeReport::node).toList());
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("node report: report of node 'n2'"), problems.toString());
  }
}
