package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** bin/cocaine-tool: the original's spelling and exit codes over the same commands. */
class CocaineToolTest {
  @Test
  void theOriginalsVerbosityCounterIsDroppedAfterTheCommand() {
    assertArrayEquals(new String[] {"app", "list", "--port", "1"},
        CocaineTool.rewrite("app", "-vvv", "list", "-v", "--port", "1"));
    assertArrayEquals(new String[] {"-v"}, CocaineTool.rewrite("-v"), "before a command, -v is the version");
    assertArrayEquals(new String[] {"info", "-n", "echo*"}, CocaineTool.rewrite("info", "-vvvv", "-n", "echo*"));
  }

  @Test
  void exitCodesAreTheOriginals() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    CliRun refused = CliRun.of(ExitCodes.COCAINE_TOOL, CocaineTool.rewrite("app", "list", "-v", "--port", "" + closed));
    assertEquals(128, refused.exit(), refused.toString());
    assertEquals(1, CliRun.of("app", "list", "--port", "" + closed).exit(), "bin/cocaine says 1");

    CliRun badValue = CliRun.of(ExitCodes.COCAINE_TOOL, "profile", "upload", "-n", "p", "--profile", "{not json");
    assertEquals(22, badValue.exit(), badValue.toString());
    assertTrue(badValue.err().contains("profile is not valid JSON"), badValue.toString());

    CliRun usage = CliRun.of(ExitCodes.COCAINE_TOOL, "app", "start", "-n", "echo");
    assertEquals(2, usage.exit(), usage.toString());
    assertTrue(usage.err().contains("Missing required option: '--profile=<profile>'"), usage.toString());
  }
}
