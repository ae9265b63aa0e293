package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** A transfer's progress redrawn in place on a terminal, printed line by line elsewhere. */
class ProgressLinesTest {
  private static final String HALF = "push: 4.0 MiB of 8.0 MiB (50%) at 1.0 MiB/s, 4s left";
  private static final String MORE = "push: 6.0 MiB of 8.0 MiB (75%) at 1.0 MiB/s, 2s left";

  @Test
  void onATerminalAProgressLineIsRedrawnWithABarUntilAnotherLineComes() {
    StringWriter out = new StringWriter();
    ProgressLines lines = new ProgressLines(new PrintWriter(out), new Terminal(true, false));
    lines.accept(HALF);
    lines.accept(MORE);
    lines.accept("push: 8.0 MiB in 8s (1.0 MiB/s)");
    lines.finish();
    String nl = System.lineSeparator();
    assertEquals("\r\033[K[############            ] " + HALF + "\r\033[K[##################      ] " + MORE + nl
        + "push: 8.0 MiB in 8s (1.0 MiB/s)" + nl, out.toString());
  }

  @Test
  void inAPipeEveryLineIsPrintedAsItCame() {
    StringWriter out = new StringWriter();
    ProgressLines lines = new ProgressLines(new PrintWriter(out), Terminal.PLAIN);
    lines.accept(HALF);
    lines.accept(MORE);
    lines.finish();
    assertEquals(HALF + System.lineSeparator() + MORE + System.lineSeparator(), out.toString());
  }
}
