package cocaine.cluster.desired;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocaine.cluster.desired.Convergence.AppState;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A node's report reads back as written; one that does not parse is refused naming the node. */
class NodeReportTest {
  @Test
  void readsBackAsWritten() {
    NodeReport r = new NodeReport("n1", Instant.parse("2026-12-06T23:00:00Z"),
        Map.of("echo", new AppState("3", "running", ""), "bad", new AppState("1", "broken", "no profile")));
    assertEquals(r, NodeReport.unpack("n1", r.pack()));
  }

  @Test
  void aReportThatDoesNotParseIsRefusedNamingTheNode() {
    assertEquals("report of node 'n1' is not a map", assertThrows(IllegalArgumentException.class,
        () -> NodeReport.unpack("n1", FrameEncoder.encodeValue(Values.fromJava(List.of(1))))).getMessage());
    assertEquals("report of node 'n1' needs 'time' and 'apps'", assertThrows(IllegalArgumentException.class,
        () -> NodeReport.unpack("n1", FrameEncoder.encodeValue(Values.fromJava(Map.of("apps", Map.of())))))
        .getMessage());
    assertEquals("report of node 'n1': app 'echo' is not [desired, state, reason]",
        assertThrows(IllegalArgumentException.class, () -> NodeReport.unpack("n1", FrameEncoder.encodeValue(
            Values.fromJava(Map.of("time", "2026-12-06T23:00:00Z", "apps", Map.of("echo", "running")))))).getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> NodeReport.unpack("n1", "{".getBytes(StandardCharsets.UTF_8)));
  }
}
