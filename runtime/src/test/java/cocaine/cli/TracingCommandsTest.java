package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code cocaine tracing}: a bad percent is refused before anything is stored (port 1 has no
 * locator: reaching it would fail differently), the original tool's {@code view}/{@code store} are
 * aliases, and every verb answers --help. Storing and the proxy following it: ProxyParityIT.
 */
class TracingCommandsTest {
  @Test
  void aBadPercentIsRefusedNamingIt() {
    for (String bad : List.of("101", "-1", "abc", "NaN", "5%")) {
      CliRun r = CliRun.of("tracing", "set", "-n", "echo", bad, "--port", "1");
      assertEquals(2, r.exit(), r.toString());
      assertTrue(r.err().contains("PERCENT must be a number from 0 to 100, got '" + bad + "'"), r.toString());
      CliRun tool = CliRun.of(ExitCodes.COCAINE_TOOL, "tracing", "store", "-n", "echo", bad, "--port", "1");
      assertTrue(tool.err().contains("got '" + bad + "'"), tool.toString());
    }
  }

  @Test
  void aGoodPercentGetsAsFarAsTheLocator() {
    CliRun r = CliRun.of("tracing", "set", "-n", "echo", "12.5", "--port", "1");
    assertTrue(r.exit() != 0 && !r.err().contains("PERCENT"), r.toString());
  }

  @Test
  void everyVerbAndItsOriginalSpellingAnswersHelp() {
    for (String[] verb : new String[][] {{"list", "view"}, {"set", "store"}, {"remove"}}) {
      for (String spelling : verb) {
        CliRun r = CliRun.of("tracing", spelling, "--help");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("tracing " + verb[0]), spelling + ": " + r);
      }
    }
    CliRun group = CliRun.of("tracing", "--help");
    assertEquals(0, group.exit(), group.toString());
    assertTrue(group.out().contains("trace sampling"), group.toString());
  }
}
