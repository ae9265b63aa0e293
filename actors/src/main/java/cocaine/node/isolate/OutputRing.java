package cocaine.node.isolate;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The last lines a worker wrote, for its crashlog: at most {@code maxLines} lines of at most
 * {@code maxLineBytes} bytes each, so a worker flooding its output cannot grow the runtime's memory.
 * Bytes are fed from one reader thread; snapshots may be taken from any thread. Every isolate keeps
 * its workers' output in one.
 */
public final class OutputRing {
  static final String CUT_MARK = " [cut]";

  private final int maxLines;
  private final int maxLineBytes;
  private final Consumer<String> onLine;
  private final ArrayDeque<String> lines = new ArrayDeque<>();
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private boolean cut;

  /**
   * @param onLine called with every complete line (for log-output), on the reader thread
   */
  public OutputRing(int maxLines, int maxLineBytes, Consumer<String> onLine) {
    this.maxLines = maxLines;
    this.maxLineBytes = maxLineBytes;
    this.onLine = onLine;
  }

  /** Appends bytes read from the worker; completes lines on '\n' (a trailing '\r' is dropped). */
  public synchronized void feed(byte[] bytes, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      byte b = bytes[i];
      if (b == '\n') {
        endLine();
      } else if (partial.size() < maxLineBytes) {
        partial.write(b);
      } else {
        cut = true; // the rest of an over-long line is dropped until its newline
      }
    }
  }

  /** The kept lines, oldest first, plus the unterminated tail if any (docs/protocol.md 4.6). */
  public synchronized List<String> snapshot() {
    List<String> out = new ArrayList<>(lines);
    if (partial.size() > 0 || cut) {
      out.add(text());
    }
    return out;
  }

  private void endLine() {
    String line = text();
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    partial.reset();
    cut = false;
    if (maxLines > 0) {
      if (lines.size() == maxLines) {
        lines.removeFirst();
      }
      lines.addLast(line);
    }
    onLine.accept(line);
  }

  private String text() {
    String s = partial.toString(StandardCharsets.UTF_8);
    return cut ? s + CUT_MARK : s;
  }
}
