package cocaine.cli;

import cocaine.deploy.TransferMeter;
import java.io.PrintWriter;
import java.util.function.Consumer;

/**
 * Where {@code app deploy} and {@code app import} print their progress lines: as they come in a pipe
 * or a file; on a terminal a transfer's progress line ({@link TransferMeter}) is redrawn in place,
 * with a bar, until another line comes. Thread-safe: Docker's callbacks print from their own thread.
 */
final class ProgressLines implements Consumer<String> {
  private static final int BAR = 24;
  private final PrintWriter out;
  private final Terminal terminal;
  private boolean drawing;

  ProgressLines(PrintWriter out, Terminal terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  @Override
  public synchronized void accept(String line) {
    int percent = terminal.tty() ? TransferMeter.percent(line) : -1;
    if (percent >= 0) {
      int filled = Math.min(BAR, percent * BAR / 100);
      out.print("\r\033[K[" + "#".repeat(filled) + " ".repeat(BAR - filled) + "] " + line);
      drawing = true;
    } else {
      if (drawing) {
        out.println();
        drawing = false;
      }
      out.println(line);
    }
    out.flush();
  }

  /** Ends a bar still drawn, so what follows starts on its own line. */
  synchronized void finish() {
    if (drawing) {
      out.println();
      out.flush();
      drawing = false;
    }
  }
}
