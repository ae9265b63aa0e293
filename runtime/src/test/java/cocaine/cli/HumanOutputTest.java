package cocaine.cli;

import cocaine.deploy.Units;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.cluster.desired.Convergence.AppState;
import cocaine.cluster.desired.DesiredApp;
import cocaine.cluster.desired.NodeReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What people read: tables, units, colours only where they show, and the status screen. */
class HumanOutputTest {
  private static final Terminal COLOUR = new Terminal(true, true);

  @Test
  void aTableAlignsItsColumnsByWhatShowsNotByColourCodes() {
    String plain = print(states(Terminal.PLAIN), Terminal.PLAIN);
    assertEquals(String.join(System.lineSeparator(), "APP            STATE    QUEUE", "echo           running  0/100",
        "a-longer-name  broken   -", ""), plain);
    String coloured = print(states(COLOUR), COLOUR);
    assertTrue(coloured.contains("\033[32mrunning\033[0m  0/100"), coloured);
    assertEquals(plain, coloured.replaceAll("\033\\[[0-9;]*m", ""), "colour codes add no width");
  }

  @Test
  void aRowOfTheWrongWidthIsRefusedWithTheColumns() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Table("A", "B").row("x"));
    assertTrue(e.getMessage().contains("1 cells under 2 columns [A, B]"), e.getMessage());
  }

  @Test
  void sizesDurationsAndRatesReadAsPeopleReadThem() {
    assertEquals("512 B", Units.bytes(512));
    assertEquals("1.5 KiB", Units.bytes(1536));
    assertEquals("20.0 MiB", Units.bytes(20L << 20));
    assertEquals("45s", Units.duration(45));
    assertEquals("3m 5s", Units.duration(185));
    assertEquals("2h 0m", Units.duration(7200));
    assertEquals("4d 3h", Units.duration(4 * 86400 + 3 * 3600 + 59));
    assertEquals("-", Units.duration(-1));
    assertEquals("12.5/s", Units.rate(12.5));
  }

  @Test
  void coloursOnlyOnATerminalAndNeverWithNoColorOrADumbTerm() {
    assertFalse(Terminal.detect(Map.of()).colour(), "tests run without a console: a pipe gets no colours");
    assertTrue(Terminal.detect(Map.of("CLICOLOR_FORCE", "1")).colour());
    assertEquals("x", Terminal.PLAIN.red("x"));
    assertEquals("", Terminal.PLAIN.clearScreen(), "a pipe is not redrawn");
    assertEquals("\033[H\033[2J", COLOUR.clearScreen());
  }

  @Test
  void aMapShowsAsKeyValueRowsWithNestedKeysJoinedByDots() {
    StringWriter out = new StringWriter();
    HumanOutput.show(new PrintWriter(out), Terminal.PLAIN,
        Map.of("isolate", Map.of("type", "docker"), "args", List.of("a", "b")), "KEY");
    assertTrue(out.toString().contains("isolate.type  docker"), out.toString());
    assertTrue(out.toString().contains("args          a, b"), out.toString());
    StringWriter empty = new StringWriter();
    HumanOutput.show(new PrintWriter(empty), Terminal.PLAIN, List.of(), "NAME");
    assertEquals("(none)", empty.toString().strip());
  }

  @Test
  void bareCocaineShowsTablesAndCocaineToolKeepsTheOriginalsJson() {
    assertFalse(target(ExitCodes.COCAINE, "app", "list").json);
    assertTrue(target(ExitCodes.COCAINE, "app", "list", "--json").json);
    assertTrue(target(ExitCodes.COCAINE_TOOL, "app", "list").json);
    assertTrue(target(ExitCodes.COCAINE_TOOL, "app", "list", "--json").json, "--json stays on, it does not toggle");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theStatusScreenShowsNodesAppsWithTheirRatesGroupsAndCrashes() {
    Map<String, Object> before = Map.of("state", "running", "uptime", 60L, "profile", Map.of("name", "echo"),
        "pool", Map.of("active", 2L, "capacity", 4L, "total:crashed", 1L),
        "queue", Map.of("depth", 0L, "capacity", 100L), "requests", Map.of("accepted", 100L, "rejected", 0L));
    Map<String, Object> after = Map.of("state", "running", "uptime", 62L, "profile", Map.of("name", "echo"),
        "pool", Map.of("active", 3L, "capacity", 4L, "total:crashed", 2L),
        "queue", Map.of("depth", 5L, "capacity", 100L), "requests", Map.of("accepted", 120L, "rejected", 3L),
        "timings", Map.of("50.00%", 1.5, "99.00%", 12.0), "node", Map.of("uptime", 3725L));
    DesiredApp desired = new DesiredApp("echo", "7", "echo", List.of(), true, 0);
    ClusterSnapshot first = snapshot(0, before, desired);
    ClusterSnapshot second = snapshot(2_000_000_000L, after, desired);
    Map<String, Object> data = StatusCommand.data(first, second, Duration.ofSeconds(15));
    @SuppressWarnings("unchecked")
    Map<String, Object> echo = (Map<String, Object>) ((Map<String, Object>) ((List<Map<String, Object>>) data.get("apps"))
        .get(0).get("nodes")).get("node-uuid-1");
    assertEquals(10.0, echo.get("requests_per_second"), "20 accepted in 2 s");
    assertEquals(2.0, echo.get("errors_per_second"), "3 rejected and 1 crash in 2 s");
    assertEquals(1.5, echo.get("p50_ms"));
    assertEquals(12.0, echo.get("p99_ms"));
    assertEquals(3725L, ((List<Map<String, Object>>) data.get("nodes")).get(0).get("uptime"));
    StringWriter out = new StringWriter();
    StatusCommand.render(new PrintWriter(out), Terminal.PLAIN, data);
    String screen = out.toString();
    assertTrue(screen.contains("node-uuid-1  localhost:10053  up     1h 2m   echo"), screen);
    assertTrue(screen.matches(
        "(?s).*echo\\s+run v7\\s+node-uui\\s+running\\s+1m 2s\\s+3/4\\s+5/100\\s+10.0/s\\s+2.0/s\\s+1.5ms\\s+12ms\\s*\\n.*"), screen);
    assertTrue(screen.contains("g      echo  100.0%"), screen);
    assertTrue(screen.contains("2015-01-01T00:00:00Z  echo  w1"), screen);
    assertTrue(screen.contains("note: crashlogs: wants a token"), screen);
    assertTrue(screen.contains("DESIRED VS ACTUAL"), screen);
    assertTrue(screen.matches("(?s).*echo\\s+run v7\\s+n1\\s+running v7\\s*\\n.*"), screen);
    assertTrue(screen.matches("(?s).*echo\\s+run v7\\s+n2\\s+\\* broken v7: profile 'echo' is not stored\\s*\\n.*"), screen);
    assertTrue(screen.matches("(?s).*echo\\s+run v7\\s+n3\\s+\\* gone: last report \\d+s ago\\s*\\n.*"), screen);
    Map<String, Object> n2 = ((Map<String, Map<String, Object>>) ((List<Map<String, Object>>) data.get("apps")).get(0)
        .get("actual")).get("n2");
    assertEquals(Map.of("version", "7", "state", "broken", "reason", "profile 'echo' is not stored", "differs", true), n2,
        "--json carries the same");
  }

  private static ClusterSnapshot snapshot(long nanos, Map<String, Object> info, DesiredApp desired) {
    return new ClusterSnapshot(nanos, List.of(new ClusterSnapshot.NodeState("node-uuid-1", "localhost:10053",
        Map.of("echo", info), null)), Map.of("echo", desired), List.of(
            new NodeReport("n1", Instant.now(), Map.of("echo", new AppState("7", "running", ""))),
            new NodeReport("n2", Instant.now(), Map.of("echo", new AppState("7", "broken", "profile 'echo' is not stored"))),
            new NodeReport("n3", Instant.now().minusSeconds(600), Map.of("echo", new AppState("7", "running", "")))),
        Map.of("g", Map.of("echo", "100.0%")),
        List.of(Map.of("app", "echo", "time", "2015-01-01T00:00:00Z", "uuid", "w1", "timestamp", 1L)),
        List.of("crashlogs: wants a token"));
  }

  private static Target target(ExitCodes codes, String... args) {
    CommandLine.ParseResult parsed = Cocaine.commandLine(codes).parseArgs(args);
    List<CommandLine> chain = parsed.asCommandLineList();
    return (Target) chain.get(chain.size() - 1).getCommandSpec().mixins().get("target").userObject();
  }

  private static Table states(Terminal terminal) {
    return new Table("APP", "STATE", "QUEUE").row("echo", terminal.state("running"), "0/100")
        .row("a-longer-name", terminal.state("broken"), null);
  }

  private static String print(Table table, Terminal terminal) {
    StringWriter out = new StringWriter();
    table.print(new PrintWriter(out), terminal);
    return out.toString();
  }
}
